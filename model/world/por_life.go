package world

// The life family's footprints for the partial-order reduction (por.go):
// one byte per object (count, freed, listed, unborn), one per fd slot, one
// per RCU slot and two per agent for its RCU reader state (life_state.go,
// rcu.go). FlagFreedObject and FlagRcuWrongFence, the family's violation
// flags, are only ever OR-ed into the ghost bytes (porCore.watch).

// lifeFootprint is the bytes a life-family call by agent ag reads and
// writes: its object's byte, or its fd's and the fd's file's, or, for the
// RCU calls, the slot, the agent's reader bytes and every object byte
// (which object a reader's get or put reaches depends on the memory it
// loaded: rcuOccupant walks the objects).
func (c *core) lifeFootprint(ag int, op Call) footprint {
	var f footprint
	l := &c.lay.life
	obj := func(o int) int { return l.obj + o }
	fd := func(i int) int { return l.fds + i }
	allObjects := func(write bool) {
		for o := range c.spec.Life.Objects {
			if write {
				f.write(obj(o))
			} else {
				f.read(obj(o))
			}
		}
	}
	rdr := func() { f.write(l.rdr + 2*ag); f.write(l.rdr + 2*ag + 1) }
	switch op.Kind {
	case lfKrefGet, lfKrefGetUnlessZero, lfKrefPut, lfKrefPutLast, lfKfree, lfListAdd, lfListDel:
		f.write(obj(op.Obj))
	case lfKrefGetUnlessZeroNot, lfDeref, lfListWalk:
		f.read(obj(op.Obj))
	case lfGetUnusedFd:
		f.write(fd(op.Obj))
	case lfFdInstall:
		f.write(fd(op.Obj))
		f.read(obj(c.spec.Life.Fds[op.Obj].File))
	case lfClose, lfCloseLast:
		f.write(fd(op.Obj))
		f.write(obj(c.spec.Life.Fds[op.Obj].File))
	case lfCloseEBADF:
		f.read(fd(op.Obj))
	case lfSlabAlloc:
		f.write(obj(op.Obj))
		f.read(obj(c.spec.Life.Objects[op.Obj].Reuses - 1))
	case lfRcuAssign:
		f.read(obj(op.N))
		f.write(l.slots + op.Obj)
	case lfRcuDeref:
		f.read(l.slots + op.Obj)
		rdr()
	case lfFenceGetRcu, lfFenceGetRcuNull, lfRcuRecheckNot, lfRcuPut:
		f.read(l.slots + op.Obj)
		allObjects(true)
		rdr()
	case lfRcuRecheck:
		f.read(l.slots + op.Obj)
		allObjects(false)
		rdr()
	case lfRcuUse:
		allObjects(false)
		rdr()
	default:
		f.all = true
	}
	return f
}

// lifeQuiet reports whether a life-family call never raises a violation
// flag, so that the reduction's C2 check need not step it.
func lifeQuiet(k CallKind) bool {
	switch k {
	case lfGetUnusedFd, lfCloseEBADF, lfSlabAlloc, lfRcuDeref, lfFenceGetRcu, lfFenceGetRcuNull, lfRcuRecheck:
		return true
	}
	return false
}
