package world

// The lock family's state and semantics: what each call needs to be
// enabled and what it does (kernel-rules §4.2, §5.2, §5.3, §9).

// lockDerived is what Build derives for the lock family: the offsets of its
// fields in the packed state and, per agent and program point, the call
// made there.
type lockDerived struct {
	// used: some program makes lock-family calls.
	used bool
	// Per agent (base offsets, one byte each): flags (lkSigDepth,
	// lkReclaim, lkP2P, lkWounded), ww ticket (age rank among the live
	// contexts, 1 the oldest, 0 none), contended resv lock + 1.
	flags, ticket, cont int
	// owner is per lock (owner agent + 1); fence (lkFence* bits), refs,
	// pending (a container's num_pending), deps (bitmask of the fences
	// the job depends on) and cbs (agents with a callback on it) per
	// fence; chans per channel (messages in flight); pm (usage count |
	// lkPMSuspended) and pmref (agents holding a reference) per device;
	// ldSig and ldWait are lockdep's sticky masks (bit per lock, bit 7
	// fs_reclaim): taken inside a signalling section, held around a wait.
	owner, fence, refs, pending, deps, cbs, chans, pm, pmref, ldSig, ldWait int
	// ldOrder is lockdep's dependency graph (LockSpec.LockOrder): 8
	// bytes, byte a the classes taken while class a was held
	// (lock_order.go); 0 when the world does not check lock order.
	ldOrder              int
	resvMask, indefinite uint8
	// at[ag][pc] is the call agent ag makes at program point pc (every
	// edge of a point is a result of the same call) and whether the
	// agent may wait there forever.
	at [][]lockPoint
}

type lockPoint struct {
	call Call
	ok   bool // the point makes a lock-family call
	idle bool
	// waits: the call is a fence wait (lockdep's __dma_fence_might_wait);
	// acq is the lock it acquires (bit 7 fs_reclaim) unless slow, whose
	// lock is the contended one.
	waits, slow bool
	acq         uint8
}

// Agent flags.
const (
	lkSigDepth uint8 = 3 // dma_fence_begin_signalling nesting, 0..3
	lkReclaim  uint8 = 1 << 2
	lkP2P      uint8 = 1 << 3
	lkWounded  uint8 = 1 << 4
)

// Fence bits.
const (
	lkPublished uint8 = 1 << iota
	lkSignalled
	lkInResv
)

const (
	lkPMSuspended uint8 = 1 << 7 // a runtime-suspended device
	lkFSReclaim   uint8 = 1 << 7 // lockdep's fs_reclaim pseudo-lock
)

// lockLayout places the family's fields and derives the per-point facts.
func lockLayout(c *core, l *layout, take func(n int) int) {
	ls := &c.spec.Locks
	d := &lockDerived{}
	ls.d = d
	d.at = make([][]lockPoint, len(c.progs))
	for ag, p := range c.progs {
		d.at[ag] = make([]lockPoint, len(p.nodes))
		for pc, n := range p.nodes {
			if len(n) == 0 || len(n[0].Ops) != 1 {
				continue
			}
			switch op := n[0].Ops[0]; {
			case isLockKind(op.Kind):
				d.at[ag][pc] = c.lkPointOf(op)
				d.used = true
			case op.Kind == KJobDone && c.tiedLock(op.Dev) >= 0:
				// The device's job completes: dma_fence_signal of its
				// fence, for lockdep and the wait-for graph.
				sig := Lk.Said(Lk.FenceSignal(c.tiedLock(op.Dev)), "device_job_done("+c.devName(op.Dev)+")", "")
				d.at[ag][pc] = c.lkPointOf(sig)
			case isBracketBegin(op.Kind) && n[0].Step == 1:
				// dma_buf_begin_cpu_access waits for the dma-buf's fences:
				// lockdep's __dma_fence_might_wait.
				d.at[ag][pc] = lockPoint{waits: true}
			}
		}
	}
	for _, ip := range ls.Idle {
		for ag, a := range c.spec.Agents {
			if a.Name != ip.Agent {
				continue
			}
			if pc, ok := c.progs[ag].labels[ip.Label]; ok {
				d.at[ag][pc].idle = true
			}
		}
	}
	for i, f := range ls.Fences {
		if f.Indefinite {
			d.indefinite |= 1 << i
		}
	}
	for i, lk := range ls.Locks {
		if lk.Kind == ResvLock {
			d.resvMask |= 1 << i
		}
	}
	if !d.used {
		return
	}
	na, nf := len(c.spec.Agents), len(ls.Fences)
	d.flags, d.ticket, d.cont = take(na), take(na), take(na)
	d.owner = take(len(ls.Locks))
	d.fence, d.refs, d.pending, d.deps, d.cbs = take(nf), take(nf), take(nf), take(nf), take(nf)
	d.chans = take(len(ls.Channels))
	d.pm, d.pmref = take(len(ls.PMDevices)), take(len(ls.PMDevices))
	d.ldSig, d.ldWait = take(1), take(1)
	if ls.LockOrder {
		d.ldOrder = take(lkClasses)
	}
}

// lkPointOf is what lockdep learns from a point making call.
func (c *core) lkPointOf(call Call) lockPoint {
	pt := lockPoint{call: call, ok: true}
	switch call.Kind {
	case lkMutexLock, lkSpinLock, lkResvLock, lkResvLockCtx, lkResvLockCtxAlready, lkResvLockCtxDeadlk, lkResvLockCtxWound:
		pt.acq = 1 << call.Obj
	case lkResvLockSlow:
		pt.slow = true
	case lkFenceSignal, lkAddCallback, lkAddCallbackENOENT:
		if l := c.spec.Locks.Fences[call.Obj].Lock; l >= 0 {
			pt.acq = 1 << l
		}
	case lkKmallocReclaim, lkKmalloc:
		pt.acq = lkFSReclaim
	case lkFenceWait, lkResvWait, lkShrink:
		pt.waits = true
	}
	return pt
}

// lockInit sets the family's initial values: the fences as declared.
func (v View) lockInit() {
	d := v.w.spec.Locks.d
	if !d.used {
		return
	}
	for i, f := range v.w.spec.Locks.Fences {
		if f.Published {
			v.b[d.fence+i] = lkPublished
			if l := &v.w.lay.fence; l.joined {
				v.fs().create(int(l.lockSlot[i]), 1) // the one status: pending
			}
		}
		if f.Signalled {
			v.lkStartSignalled(i)
		}
		v.b[d.refs+i] = f.Refs
		v.b[d.pending+i] = lkPendingInit(f)
	}
}

func (v View) lkOwner(l int) int {
	return int(v.b[v.w.spec.Locks.d.owner+l]) - 1
}
func (v View) lkFence(f int) uint8 { return v.b[v.w.spec.Locks.d.fence+f] }

// lkPublished, lkSignalled and lkInResv read a lock-family fence's state.
// In a world that also has the fence family, the fence is a fence slot
// (docs/world.md, "dma_fence: one kind"): its status is the slot's, and a
// fence-family fence the lock section names is published when the fence
// family created it; it is in the dma-buf's resv as the fence family's
// entries say (lkResvIdle reads them), never through the lock family's
// own resv bit.
func (v View) lkPublished(f int) bool {
	if l := &v.w.lay.fence; l.joined && int(l.lockSlot[f]) < l.driver0 {
		return v.fs().status(int(l.lockSlot[f])) != fenceUnused
	}
	return v.lkFence(f)&lkPublished != 0
}

func (v View) lkSignalled(f int) bool {
	if l := &v.w.lay.fence; l.joined {
		return v.fs().signaled(int(l.lockSlot[f]))
	}
	return v.lkFence(f)&lkSignalled != 0
}

func (v View) lkInResv(f int) bool { return v.lkFence(f)&lkInResv != 0 }

func (v View) lkFlags(ag int) *uint8      { return &v.b[v.w.spec.Locks.d.flags+ag] }
func (v View) lkHas(ag int, f uint8) bool { return *v.lkFlags(ag)&f != 0 }
func (v View) lkSigDepth(ag int) uint8    { return *v.lkFlags(ag) & lkSigDepth }
func (v View) lkTicket(ag int) *uint8     { return &v.b[v.w.spec.Locks.d.ticket+ag] }
func (v View) lkCont(ag int) *uint8       { return &v.b[v.w.spec.Locks.d.cont+ag] }
func (v View) lkPM(dev int) *uint8        { return &v.b[v.w.spec.Locks.d.pm+dev] }
func (v View) lkPMRef(dev int) *uint8     { return &v.b[v.w.spec.Locks.d.pmref+dev] }
func (v View) lkSuspended(dev int) bool   { return *v.lkPM(dev)&lkPMSuspended != 0 }
func (v View) lkPMUsage(dev int) uint8    { return *v.lkPM(dev) &^ lkPMSuspended }

// lkHeld returns the locks agent ag owns, as a bitmask.
func (v View) lkHeld(ag int) uint8 {
	d := v.w.spec.Locks.d
	var m uint8
	for l := range v.w.spec.Locks.Locks {
		if int(v.b[d.owner+l]) == ag+1 {
			m |= 1 << l
		}
	}
	return m
}

// lkAcquired is the number of resv locks agent ag holds (ctx->acquired).
func (v View) lkAcquired(ag int) int {
	d := v.w.spec.Locks.d
	n := 0
	for l := range v.w.spec.Locks.Locks {
		if d.resvMask&(1<<l) != 0 && int(v.b[d.owner+l]) == ag+1 {
			n++
		}
	}
	return n
}

// lkYounger reports whether a's context is younger than b's (a holder
// without a context is never older).
func (v View) lkYounger(a, b int) bool {
	tb := *v.lkTicket(b)
	return tb != 0 && *v.lkTicket(a) > tb
}

// lkResvIdle reports whether every fence in reservation object r with
// usage ≤ u has signalled (dma_resv_wait_timeout's condition); r < 0 is
// every reservation object (a shrinker walking its LRU). The dma-buf's
// resv (LockObj.DmaBuf) also holds the implicit fences of the device jobs
// in flight (shared.go).
func (v View) lkResvIdle(r int, u ResvUsage) bool {
	for f, fc := range v.w.spec.Locks.Fences {
		if v.lkInResv(f) && (r < 0 || fc.Resv == r) && fc.Usage <= u && !v.lkSignalled(f) {
			return false
		}
	}
	if b := v.w.join.bufResv; b >= 0 && (r < 0 || r == b) {
		if v.devicesBusy(Usage(u), -1) || v.w.lay.fence.used && v.fs().query(Usage(u)) != 0 {
			return false
		}
	}
	return true
}

func (v View) lkSignalledMask() uint8 {
	var m uint8
	for f := range v.w.spec.Locks.Fences {
		if v.lkSignalled(f) {
			m |= 1 << f
		}
	}
	return m
}

// lockError records a call the kernel forbids in that state (unlocking a
// lock not held, ww_acquire_init on a live context, ...): the step raises
// FlagMisuse, so the program's mistake is a violation with a trace, never
// a panic. The message documents the case at the call site; the
// property's text (lockDocs) says it to the user.
func (v View) lockError(ag int, format string, args ...any) { v.raise(FlagMisuse) }

// lockUseAfterFree records a reference taken or dropped on a fence after
// its last reference went (dma_fence_get/put on a freed fence).
func (v View) lockUseAfterFree(ag int, format string, args ...any) { v.raise(FlagUseAfterFree) }

// lockEnabled is the kernel's condition for each call and result.
func (v View) lockEnabled(ag int, c Call, step int) bool {
	ls := &v.w.spec.Locks
	switch c.Kind {
	case lkNop, lkMutexUnlock, lkSpinUnlock, lkResvUnlock, lkWWAcquireInit, lkResvBackoff, lkWWAcquireFini,
		lkFencePublish, lkFenceSignalLocked, lkBeginSignalling, lkEndSignalling, lkKmallocReclaim, lkKmalloc,
		lkKmallocAtomic, lkFenceGet, lkSend, lkP2PAttach, lkP2PDetach, lkPMGetSync, lkPMPut:
		return true
	case lkMutexLock, lkSpinLock, lkResvLock, lkResvLockCtx:
		return v.lkOwner(c.Obj) < 0
	case lkResvLockCtxAlready:
		return v.lkOwner(c.Obj) == ag
	case lkResvLockCtxDeadlk:
		own := v.lkOwner(c.Obj)
		if own < 0 || own == ag || v.lkAcquired(ag) == 0 {
			return false
		}
		if ls.WW == WoundWait {
			return v.lkHas(ag, lkWounded)
		}
		return v.lkYounger(ag, own)
	case lkResvLockCtxWound:
		own := v.lkOwner(c.Obj)
		return own >= 0 && own != ag && v.lkAcquired(ag) > 0 && v.lkYounger(own, ag) && !v.lkHas(own, lkWounded)
	case lkResvLockSlow:
		return int(*v.lkCont(ag)) == c.Obj+1 && v.lkOwner(c.Obj) < 0
	case lkSchedRunJob:
		return v.lkPublished(c.Obj)
	case lkSchedWaitDeps:
		return v.b[ls.d.deps+c.Obj]&^v.lkSignalledMask() == 0
	case lkFenceWait:
		return v.lkPublished(c.Obj) && v.lkWaitReady(c.Obj)
	case lkResvWait:
		return v.lkResvIdle(c.Obj, ResvUsage(c.N))
	case lkFenceSignal:
		return v.lkCanSignal(c.Obj)
	case lkShrink:
		return v.lkResvIdle(-1, ResvUsageBookkeep)
	case lkFencePut, lkFencePutLast:
		refs := v.b[ls.d.refs+c.Obj]
		if refs == 0 {
			// A put on a freed fence happens all the same: lockApply
			// reports it (an enabled check never changes the state).
			return c.Kind == lkFencePut
		}
		if c.Kind == lkFencePutLast {
			return refs == 1
		}
		return refs > 1
	case lkAddCallback, lkAddCallbackENOENT:
		if l := ls.Fences[c.Obj].Lock; l >= 0 && v.lkOwner(l) >= 0 {
			return false
		}
		return v.lkWaitReady(c.Obj) == (c.Kind == lkAddCallbackENOENT)
	case lkRunCallback, lkNoCallback:
		return (v.b[ls.d.cbs+c.Obj]&(1<<c.N) != 0) == (c.Kind == lkRunCallback)
	case lkArrayDecTrue, lkArrayDecFalse:
		return (v.b[ls.d.pending+c.Obj] == 1) == (c.Kind == lkArrayDecTrue)
	case lkRecv:
		return v.b[ls.d.chans+c.Obj] > 0
	case lkPMGetIfActive, lkPMGetIfActiveZero:
		return v.lkSuspended(c.Obj) == (c.Kind == lkPMGetIfActiveZero)
	case lkPMSuspend:
		return !v.lkSuspended(c.Obj) && v.lkPMUsage(c.Obj) == 0
	case lkP2PDMA:
		return !v.lkSuspended(c.Obj) || !v.lkHas(c.N, lkP2P) || ls.SuspendedBAR == BARLost
	case lkEnableSignaling, lkIsSignaledTrue, lkIsSignaledFalse, lkSyncobjAddPoint, lkTimelineWait, lkTimelineWaitEINVAL, lkTimelineWaitSubmit:
		return v.lockContainerEnabled(ag, c)
	}
	return false
}

// lkCanSignal is dma_fence_signal(f)'s condition: it takes fence->lock,
// when the world declares it, and waits while another holds it.
func (v View) lkCanSignal(f int) bool {
	l := v.w.spec.Locks.Fences[f].Lock
	return l < 0 || v.lkOwner(l) < 0
}

// lkSignal is dma_fence_signal(f) by agent ag, whichever family's call
// makes it: the lock family's rules (published first, fence->lock taken
// for lockdep) and the one status of the fence.
func (v View) lkSignal(ag, f int) {
	ls := &v.w.spec.Locks
	if !v.lkPublished(f) {
		v.lockError(ag, "signals %s before it is published", ls.Fences[f].Name)
	}
	if l := ls.Fences[f].Lock; l >= 0 {
		v.lkNoteAcquire(ag, 1<<l)
	}
	v.lkSetSignalled(f) // in a joined world, the one status is the slot's
	v.lkCascade(f)
}

// lkAcquire gives lock l to agent ag, recording for lockdep an acquisition
// inside a signalling critical section.
func (v View) lkAcquire(ag, l int) { v.lkAcquireNest(ag, l, false) }

// lkAcquireNest is lkAcquire; nest marks an acquisition lockdep sees
// annotated as nested in a lock of its own class (a ww_mutex taken with
// its ww_acquire_ctx, the context being the nest_lock).
func (v View) lkAcquireNest(ag, l int, nest bool) {
	v.lkNoteOrder(ag, 1<<l, nest)
	v.b[v.w.spec.Locks.d.owner+l] = uint8(ag + 1)
	if v.lkSigDepth(ag) > 0 {
		v.b[v.w.spec.Locks.d.ldSig] |= 1 << l
	}
}

// lkNoteAcquire records for lockdep a lock taken and released within the
// step (fence->lock in dma_fence_signal and dma_fence_add_callback,
// fs_reclaim in kmalloc).
func (v View) lkNoteAcquire(ag int, bits uint8) {
	v.lkNoteOrder(ag, bits, false)
	if v.lkSigDepth(ag) > 0 {
		v.b[v.w.spec.Locks.d.ldSig] |= bits
	}
}

// lkNoteWait records for lockdep the locks agent ag holds around a wait.
func (v View) lkNoteWait(ag int) {
	h := v.lkHeld(ag)
	if v.lkHas(ag, lkReclaim) {
		h |= lkFSReclaim
	}
	v.b[v.w.spec.Locks.d.ldWait] |= h
}

// lkRenumberTickets keeps the live tickets 1..k in the same order.
func (v View) lkRenumberTickets() {
	na := len(v.w.spec.Agents)
	t := v.b[v.w.spec.Locks.d.ticket : v.w.spec.Locks.d.ticket+na]
	for {
		var present [MaxAgents + 2]bool
		top := uint8(0)
		for _, x := range t {
			if x != 0 {
				present[x] = true
				top = max(top, x)
			}
		}
		gap := uint8(0)
		for r := uint8(1); r < top; r++ {
			if !present[r] {
				gap = r
				break
			}
		}
		if gap == 0 {
			return
		}
		for i, x := range t {
			if x > gap {
				t[i] = x - 1
			}
		}
	}
}

func (v View) lkPMGet(ag, dev int) {
	if *v.lkPMRef(dev)&(1<<ag) != 0 {
		v.lockError(ag, "takes a second runtime-PM reference on %s", v.w.spec.Locks.PMDevices[dev])
	}
	*v.lkPMRef(dev) |= 1 << ag
	*v.lkPM(dev)++
}

// lockApply performs a call (the program counter is the world's business).
func (v View) lockApply(ag int, c Call, step int) {
	ls := &v.w.spec.Locks
	d := ls.d
	b := v.b
	switch c.Kind {
	case lkNop, lkSchedRunJob, lkSchedWaitDeps, lkKmallocAtomic, lkResvLockCtxAlready:
	case lkP2PDMA:
		if ls.SuspendedBAR == BARLost {
			v.barDMALost(c) // p2p_pm.go
		}
	case lkMutexLock, lkSpinLock, lkResvLock:
		v.lkAcquire(ag, c.Obj)
	case lkMutexUnlock, lkSpinUnlock, lkResvUnlock:
		if v.lkOwner(c.Obj) != ag {
			v.lockError(ag, "unlocks %s, which it does not hold", ls.Locks[c.Obj].Name)
		}
		b[d.owner+c.Obj] = 0
	case lkWWAcquireInit:
		if *v.lkTicket(ag) != 0 {
			v.lockError(ag, "ww_acquire_init with a live context")
		}
		top := uint8(0)
		for a := range v.w.spec.Agents {
			top = max(top, *v.lkTicket(a))
		}
		*v.lkTicket(ag) = top + 1
		*v.lkFlags(ag) &^= lkWounded
		*v.lkCont(ag) = 0
	case lkResvLockCtx, lkResvLockCtxDeadlk, lkResvLockCtxWound:
		if *v.lkTicket(ag) == 0 {
			v.lockError(ag, "dma_resv_lock with a ctx before ww_acquire_init")
		}
		switch c.Kind {
		case lkResvLockCtx:
			if v.lkAcquired(ag) == 0 {
				*v.lkFlags(ag) &^= lkWounded
			}
			v.lkAcquireNest(ag, c.Obj, true)
		case lkResvLockCtxDeadlk:
			*v.lkCont(ag) = uint8(c.Obj + 1)
		case lkResvLockCtxWound:
			*v.lkFlags(v.lkOwner(c.Obj)) |= lkWounded
		}
	case lkResvLockSlow:
		if v.lkAcquired(ag) == 0 {
			*v.lkFlags(ag) &^= lkWounded
		}
		v.lkAcquireNest(ag, c.Obj, true)
		*v.lkCont(ag) = 0
	case lkResvBackoff:
		for l := range ls.Locks {
			if d.resvMask&(1<<l) != 0 && v.lkOwner(l) == ag {
				b[d.owner+l] = 0
			}
		}
	case lkWWAcquireFini:
		if v.lkAcquired(ag) != 0 {
			v.lockError(ag, "ww_acquire_fini while holding resv locks")
		}
		*v.lkTicket(ag) = 0
		*v.lkCont(ag) = 0
		*v.lkFlags(ag) &^= lkWounded
		v.lkRenumberTickets()
	case lkFencePublish:
		f := &ls.Fences[c.Obj]
		if f.Resv >= 0 {
			if v.lkOwner(f.Resv) != ag {
				v.lockError(ag, "dma_resv_add_fence(%s) without holding %s", f.Name, ls.Locks[f.Resv].Name)
			}
			if v.lkInResv(c.Obj) {
				v.lockError(ag, "adds %s twice", f.Name)
			}
			if f.Deps {
				var dm uint8
				for g, fg := range ls.Fences {
					if g != c.Obj && v.lkInResv(g) && fg.Resv == f.Resv && fg.Usage <= f.DepUsage && !v.lkSignalled(g) {
						dm |= 1 << g
					}
				}
				b[d.deps+c.Obj] = dm
			}
			b[d.fence+c.Obj] |= lkInResv
		} else if v.lkPublished(c.Obj) {
			v.lockError(ag, "publishes %s twice", f.Name)
		}
		b[d.fence+c.Obj] |= lkPublished
		if l := &v.w.lay.fence; l.joined {
			v.publishSlot(c.Obj)
		}
	case lkFenceWait, lkResvWait:
		if c.Kind == lkFenceWait {
			v.lkEnable(ag, c.Obj) // dma_fence_wait enables signalling
		}
		v.lkNoteWait(ag)
	case lkFenceSignal:
		v.lkSignal(ag, c.Obj)
	case lkFenceSignalLocked:
		if v.lkOwner(ls.Fences[c.Obj].Lock) != ag || !v.lkPublished(c.Obj) {
			v.lockError(ag, "dma_fence_signal_locked(%s) without its lock or before it is published", ls.Fences[c.Obj].Name)
		}
		v.lkSetSignalled(c.Obj)
		v.lkCascade(c.Obj)
	case lkBeginSignalling:
		if v.lkSigDepth(ag) == lkSigDepth {
			v.lockError(ag, "signalling sections nested too deep")
		}
		*v.lkFlags(ag)++
	case lkEndSignalling:
		if v.lkSigDepth(ag) == 0 {
			v.lockError(ag, "dma_fence_end_signalling without begin")
		}
		*v.lkFlags(ag)--
	case lkKmallocReclaim, lkKmalloc:
		// might_alloc(GFP_KERNEL) tells lockdep about fs_reclaim on the
		// fast path too.
		v.lkNoteAcquire(ag, lkFSReclaim)
		if c.Kind == lkKmallocReclaim {
			*v.lkFlags(ag) |= lkReclaim
		}
	case lkShrink:
		if !v.lkHas(ag, lkReclaim) {
			v.lockError(ag, "shrinker outside direct reclaim")
		}
		v.lkNoteWait(ag)
		*v.lkFlags(ag) &^= lkReclaim
	case lkFenceGet:
		if b[d.refs+c.Obj] == 0 {
			v.lockUseAfterFree(ag, "dma_fence_get(%s) after its last reference was dropped", ls.Fences[c.Obj].Name)
			break
		}
		b[d.refs+c.Obj]++
	case lkFencePut, lkFencePutLast:
		if b[d.refs+c.Obj] == 0 {
			v.lockUseAfterFree(ag, "dma_fence_put(%s) after its last reference was dropped", ls.Fences[c.Obj].Name)
			break
		}
		b[d.refs+c.Obj]--
	case lkAddCallback, lkAddCallbackENOENT:
		if l := ls.Fences[c.Obj].Lock; l >= 0 {
			v.lkNoteAcquire(ag, 1<<l)
		}
		v.lkEnable(ag, c.Obj) // dma_fence_add_callback enables signalling
		if c.Kind == lkAddCallback {
			b[d.cbs+c.Obj] |= 1 << ag
		}
	case lkRunCallback, lkNoCallback:
		if !v.lkSignalled(c.Obj) {
			v.lockError(ag, "runs callbacks of %s before signalling it", ls.Fences[c.Obj].Name)
		}
		if c.Kind == lkRunCallback {
			b[d.cbs+c.Obj] &^= 1 << c.N
		}
	case lkArrayDecTrue:
		b[d.pending+c.Obj] = 0
	case lkArrayDecFalse:
		if b[d.pending+c.Obj] > 1 {
			b[d.pending+c.Obj]--
		}
	case lkSend:
		if b[d.chans+c.Obj] == 255 {
			v.lockError(ag, "channel %s overflows", ls.Channels[c.Obj])
			break
		}
		b[d.chans+c.Obj]++
	case lkRecv:
		b[d.chans+c.Obj]--
	case lkP2PAttach:
		*v.lkFlags(ag) |= lkP2P
	case lkP2PDetach:
		*v.lkFlags(ag) &^= lkP2P
		if *v.lkPMRef(c.Obj)&(1<<ag) != 0 {
			*v.lkPMRef(c.Obj) &^= 1 << ag
			*v.lkPM(c.Obj)--
		}
	case lkPMGetSync:
		v.lkPMGet(ag, c.Obj)
		*v.lkPM(c.Obj) &^= lkPMSuspended // rpm_resume runs in the caller
	case lkPMGetIfActive:
		v.lkPMGet(ag, c.Obj)
	case lkPMGetIfActiveZero:
		*v.lkFlags(ag) &^= lkP2P
	case lkPMPut:
		if *v.lkPMRef(c.Obj)&(1<<ag) == 0 {
			v.lockError(ag, "pm_runtime_put without a reference")
		}
		*v.lkPMRef(c.Obj) &^= 1 << ag
		*v.lkPM(c.Obj)--
	case lkPMSuspend:
		*v.lkPM(c.Obj) |= lkPMSuspended
	case lkEnableSignaling, lkIsSignaledTrue, lkIsSignaledFalse, lkSyncobjAddPoint, lkTimelineWait, lkTimelineWaitEINVAL, lkTimelineWaitSubmit:
		v.lockContainerApply(ag, c)
	default:
		v.lockError(ag, "unknown lock call %d", c.Kind&0xff)
	}
}
