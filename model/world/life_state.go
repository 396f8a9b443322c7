package world

// The life family's state and semantics: one byte per object (reference
// count, freed, on its list) and one per fd (its slot's state).

// FlagFreedObject is the life family's violation flag: an object touched
// after kfree, a kref_get on a zero count, a kfree of an object still
// referenced (no-use-after-free).
const FlagFreedObject uint16 = 1 << numFlags

// Object bits.
const (
	lfRefs   uint8 = 0x0f
	lfFreed  uint8 = 1 << 4
	lfListed uint8 = 1 << 5
	// lfUnborn: an object declared with reuses, not yet allocated (it
	// is also marked freed: touching it is a use after free).
	lfUnborn uint8 = 1 << 6
)

// Fd slot states.
const (
	fdUnused    uint8 = 0
	fdReserved  uint8 = 1
	fdInstalled uint8 = 2
)

// lifeLay is the life family's section of the layout.
type lifeLay struct {
	used     bool
	obj, fds int
	// slots: one byte per RCU slot (1 + its object, 0 NULL); rdr: two
	// bytes per agent, its RCU reader state (rcu.go).
	slots, rdr int
}

// lifeLayout places the family's fields when some program makes its calls.
func lifeLayout(c *core, l *layout, take func(n int) int) {
	if !c.uses[famLife] {
		return
	}
	l.life = lifeLay{used: true, obj: take(len(c.spec.Life.Objects)), fds: take(len(c.spec.Life.Fds))}
	if len(c.spec.Life.Slots) > 0 {
		l.life.slots = take(len(c.spec.Life.Slots))
		l.life.rdr = take(2 * len(c.spec.Agents))
	}
}

// lifeInit sets the objects' initial reference counts and lists.
func (v View) lifeInit() {
	if !v.w.lay.life.used {
		return
	}
	for o, ob := range v.w.spec.Life.Objects {
		b := ob.Refs & lfRefs
		if ob.Listed {
			b |= lfListed
		}
		if ob.Reuses != 0 {
			b = lfFreed | lfUnborn // not yet allocated
		}
		*v.lfObj(o) = b
	}
	v.rcuInit()
}

func (v View) lfObj(o int) *uint8 { return &v.b[v.w.lay.life.obj+o] }
func (v View) lfFd(fd int) *uint8 { return &v.b[v.w.lay.life.fds+fd] }

// LifeRefs is object o's reference count.
func (v View) LifeRefs(o int) int { return int(*v.lfObj(o) & lfRefs) }

// LifeFreed reports whether object o was freed.
func (v View) LifeFreed(o int) bool { return *v.lfObj(o)&lfFreed != 0 }

// LifeListed reports whether object o is on its list.
func (v View) LifeListed(o int) bool { return *v.lfObj(o)&lfListed != 0 }

// LifeFdInstalled reports whether fd slot fd publishes its file.
func (v View) LifeFdInstalled(fd int) bool { return *v.lfFd(fd) == fdInstalled }

func (v View) lfFile(fd int) int { return v.w.spec.Life.Fds[fd].File }

// lifeEnabled is the kernel's condition for each call and result. A call
// on a freed object is enabled all the same where its result does not
// depend on the count: lifeApply reports it.
func (v View) lifeEnabled(ag int, c Call, step int) bool {
	switch c.Kind {
	case lfKrefGet, lfKfree, lfDeref, lfListAdd:
		return true
	case lfKrefGetUnlessZero:
		return v.LifeRefs(c.Obj) > 0
	case lfKrefGetUnlessZeroNot:
		return v.LifeRefs(c.Obj) == 0
	case lfKrefPut:
		return v.LifeRefs(c.Obj) != 1
	case lfKrefPutLast:
		return v.LifeRefs(c.Obj) == 1
	case lfListDel, lfListWalk:
		return v.LifeListed(c.Obj)
	case lfGetUnusedFd:
		return *v.lfFd(c.Obj) == fdUnused
	case lfFdInstall:
		return *v.lfFd(c.Obj) == fdReserved
	case lfClose:
		return v.LifeFdInstalled(c.Obj) && v.LifeRefs(v.lfFile(c.Obj)) != 1
	case lfCloseLast:
		return v.LifeFdInstalled(c.Obj) && v.LifeRefs(v.lfFile(c.Obj)) == 1
	case lfCloseEBADF:
		return !v.LifeFdInstalled(c.Obj)
	}
	if isRcuKind(c.Kind) {
		return v.rcuEnabled(ag, c)
	}
	return false
}

// lfTouch is any access to object o: after kfree it is a use after free.
func (v View) lfTouch(o int) {
	if v.LifeFreed(o) {
		v.raise(FlagFreedObject)
	}
}

// lfPut drops a reference to o (kref_put, fput); a put on a zero count
// is a use after free (refcount_t: "underflow; use-after-free").
func (v View) lfPut(o int) {
	v.lfTouch(o)
	if v.LifeRefs(o) == 0 {
		v.raise(FlagFreedObject)
		return
	}
	*v.lfObj(o)--
}

// lifeApply performs a call.
func (v View) lifeApply(ag int, c Call, step int) {
	o := c.Obj
	switch c.Kind {
	case lfKrefGet:
		v.lfTouch(o)
		if v.LifeRefs(o) == 0 {
			// refcount_inc on 0: the object's release has begun; the
			// reference resurrects an object about to be freed.
			v.raise(FlagFreedObject)
		}
		if v.LifeRefs(o) < int(lfRefs) {
			*v.lfObj(o)++
		}
	case lfKrefGetUnlessZero:
		v.lfTouch(o)
		if v.LifeRefs(o) < int(lfRefs) {
			*v.lfObj(o)++
		}
	case lfKrefGetUnlessZeroNot, lfDeref:
		v.lfTouch(o)
	case lfKrefPut, lfKrefPutLast:
		v.lfPut(o)
	case lfKfree:
		if v.LifeFreed(o) || v.LifeRefs(o) != 0 {
			v.raise(FlagFreedObject) // a double free, or its holders' pointers dangle
		}
		*v.lfObj(o) |= lfFreed
	case lfListAdd:
		v.lfTouch(o)
		*v.lfObj(o) |= lfListed
	case lfListDel:
		v.lfTouch(o)
		*v.lfObj(o) &^= lfListed
	case lfListWalk:
		v.lfTouch(o) // the list still points at freed memory
	case lfGetUnusedFd:
		*v.lfFd(o) = fdReserved
	case lfFdInstall:
		f := v.lfFile(o)
		v.lfTouch(f)
		if v.LifeRefs(f) == 0 {
			v.raise(FlagFreedObject)
		}
		*v.lfFd(o) = fdInstalled
	case lfClose, lfCloseLast:
		*v.lfFd(o) = fdUnused
		v.lfPut(v.lfFile(o))
	case lfCloseEBADF:
		if *v.lfFd(o) == fdReserved {
			// Another thread's close cannot see a reserved slot: it stays
			// the ioctl's.
			return
		}
	default:
		v.rcuApply(ag, c)
	}
}

// lifeLeaked reports whether object o is live at the end without being
// held by an installed fd: nobody can ever put it.
func (v View) lifeLeaked(o int) bool {
	if v.LifeFreed(o) || v.rcuHeldBySlot(o) {
		return false
	}
	for fd, d := range v.w.spec.Life.Fds {
		if d.File == o && v.LifeFdInstalled(fd) {
			return false
		}
	}
	return true
}
