package world

// More of the lock family's footprints for the partial-order reduction
// (por.go): the ww_mutex acquire context, resv waits, the shrinker, fence
// callbacks and fence arrays' num_pending (lock_sem.go: lockEnabled,
// lockApply). Conservative where the rule walks every lock, agent or
// fence: every byte of that field.

// lockFootprintMore is the footprint of the lock-family calls callFootprint
// does not list, and ok false for the others (every byte).
func (c *core) lockFootprintMore(ag int, op Call) (f footprint, ok bool) {
	ls := &c.spec.Locks
	d := ls.d
	na := len(c.spec.Agents)
	each := func(base, n int, write bool) {
		for i := range n {
			if write {
				f.write(base + i)
			} else {
				f.read(base + i)
			}
		}
	}
	owners := func() { each(d.owner, len(ls.Locks), false) } // lkAcquired, lkHeld
	fences := func() { each(d.fence, len(ls.Fences), false) }
	switch op.Kind {
	case lkWWAcquireInit:
		// The new ticket is 1 + the highest live one.
		each(d.ticket, na, false)
		f.write(d.ticket + ag)
		f.write(d.flags + ag)
		f.write(d.cont + ag)
	case lkResvLockCtx:
		f.write(d.owner + op.Obj)
		owners()
		f.read(d.ticket + ag)
		f.write(d.flags + ag)
	case lkResvLockCtxAlready:
		f.read(d.owner + op.Obj)
	case lkResvLockCtxDeadlk:
		// lkYounger compares the ticket of the owner, any agent.
		owners()
		each(d.ticket, na, false)
		f.read(d.flags + ag)
		f.write(d.cont + ag)
	case lkResvLockCtxWound:
		// Wounds the owner: its flags byte, any agent's.
		owners()
		each(d.ticket, na, false)
		each(d.flags, na, true)
	case lkResvLockSlow:
		f.write(d.cont + ag)
		f.write(d.owner + op.Obj)
		owners()
		f.write(d.flags + ag)
	case lkResvBackoff:
		for l := range ls.Locks {
			if d.resvMask&(1<<l) != 0 {
				f.write(d.owner + l)
			}
		}
	case lkWWAcquireFini:
		// lkRenumberTickets rewrites every live ticket.
		owners()
		each(d.ticket, na, true)
		f.write(d.cont + ag)
		f.write(d.flags + ag)
	case lkSchedWaitDeps:
		f.read(d.deps + op.Obj)
		fences()
	case lkResvWait, lkShrink:
		// lkResvIdle reads the fences (the dma-buf's resv, joined with
		// the cache or fence family, is outside the reduction); lkNoteWait
		// the locks held and the agent's reclaim flag.
		fences()
		owners()
		f.write(d.flags + ag)
	case lkFenceSignalLocked:
		if l := ls.Fences[op.Obj].Lock; l >= 0 {
			f.read(d.owner + l)
		}
		f.write(d.fence + op.Obj)
		f.read(d.flags + ag)
	case lkAddCallback, lkAddCallbackENOENT:
		if l := ls.Fences[op.Obj].Lock; l >= 0 {
			f.read(d.owner + l)
		}
		f.read(d.fence + op.Obj)
		f.read(d.flags + ag)
		f.write(d.cbs + op.Obj)
	case lkRunCallback, lkNoCallback:
		f.read(d.fence + op.Obj)
		f.write(d.cbs + op.Obj)
	case lkArrayDecTrue, lkArrayDecFalse:
		f.write(d.pending + op.Obj)
	default:
		return f, false
	}
	return f, true
}
