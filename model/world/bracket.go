package world

// The CPU's access bracket, shared by the families (docs/world.md, "One
// CPU access bracket"): DMA_BUF_IOCTL_SYNC(START|END) and
// dma_buf_begin_cpu_access / dma_buf_end_cpu_access are one kernel call.
// The begin runs the exporter's begin_cpu_access hook, then
// __dma_buf_begin_cpu_access's dma_resv_wait_timeout on the dma-buf's
// resv, two steps split at the first wait. Each part exists when the world
// declares what it acts on:
//
//   - the cache part (the hook, the agent's bracket, its pairing): when the
//     world has the buffer's data (hasBuffer), for every agent making CPU
//     calls;
//   - the fence part (the wait's snapshot of the pending fences, checked
//     when the wait returns): when the world has the fence family's
//     section;
//   - the wait on what is in the dma-buf's resv besides the fence
//     family's entries: the untied device jobs' implicit fences and the
//     lock family's fences in the dma-buf's resv (resvBusyNow).
//
// The fence family's former spelling (KResvBeginCPU, KResvEndCPU, written
// __dma_buf_begin_cpu_access) is the same call: it reaches the same
// functions here.

// isBracket reports whether k is one of the CPU bracket's calls.
func isBracket(k CallKind) bool {
	switch k {
	case KSyncStart, KSyncEnd, KSyncInvalid, KBeginCPU, KEndCPU, KResvBeginCPU, KResvEndCPU:
		return true
	}
	return false
}

// isBracketBegin reports whether k begins CPU access.
func isBracketBegin(k CallKind) bool { return k == KSyncStart || k == KBeginCPU || k == KResvBeginCPU }

// bracketDir returns a bracket call's direction as SYNC flags: the fence
// family's spelling stores DMA_TO_DEVICE (a write) as 1, DMA_FROM_DEVICE
// as 0.
func bracketDir(c Call) uint8 {
	if c.Kind == KResvBeginCPU || c.Kind == KResvEndCPU {
		if c.Dir == 1 {
			return SyncWrite
		}
		return SyncRead
	}
	return c.Dir
}

// hasCachePart reports whether agent ag has a cache-family bracket.
func (v View) hasCachePart(ag int) bool { return v.w.lay.access[ag] >= 0 }

// hasFencePart reports whether the world's CPU bracket carries the fence
// family's wait.
func (v View) hasFencePart() bool { return v.w.lay.fence.used && v.w.lay.fence.hasCPU }

// bracketWaitOver is callEnabled for the second step of a begin of
// direction dir (SYNC flags), the only step of the bracket that blocks:
// the dma-buf's resv has nothing left the CPU access must wait for.
func (v View) bracketWaitOver(dir uint8) bool {
	if v.resvBusyNow(usageRW(dir&SyncWrite != 0), -1) {
		return false
	}
	if v.hasFencePart() {
		s := v.fs()
		return s.allSignaled(s.mask(s.l.cpuWait)) // dma_resv_wait_timeout returns
	}
	return true
}

// bracketApply performs a bracket call's step.
func (v View) bracketApply(ag int, c Call, step int) {
	dir := bracketDir(c)
	if step == 1 && lockUsed(v) {
		v.lkNoteWait(ag) // the locks held around the fence wait, for lockdep
	}
	if v.hasCachePart(ag) {
		if v.released() {
			v.raise(FlagUseAfterFree) // every call here touches the buffer
		}
		switch c.Kind {
		case KSyncStart, KBeginCPU, KResvBeginCPU:
			v.begin(ag, dir, step)
		case KSyncEnd, KEndCPU, KResvEndCPU:
			v.b[v.w.lay.syncErr[ag]] = errNone
			if v.phase(ag) != phaseInside || v.accDir(ag) != dir {
				v.raise(FlagPairing)
			}
			v.setAccess(ag, phaseIdle, 0)
			v.endHook(ag)
		case KSyncInvalid:
			// dma_buf_ioctl: flags outside DMA_BUF_SYNC_VALID_FLAGS_MASK,
			// or neither READ nor WRITE: -EINVAL and nothing else happens.
			v.b[v.w.lay.syncErr[ag]] = errInval
		}
	}
	if !v.hasFencePart() || c.Kind == KSyncInvalid {
		return
	}
	s := v.fs()
	if !isBracketBegin(c.Kind) {
		s.b[s.l.cpu] = cpuIdle
		return
	}
	w := dir&SyncWrite != 0
	if step == 0 {
		u := usageRW(w)
		q := s.query(u)
		s.enableAll(q) // dma_fence_wait_timeout on each
		s.setMask(s.l.cpuWait, q)
		s.setMask(s.l.cpuTruth, s.published(u))
		x := cpuWaiting
		if w {
			x |= cpuWrite
		}
		if q != 0 {
			x |= cpuBlocked
		}
		s.b[s.l.cpu] = x
		return
	}
	// Every fence published ≤ usage before the wait began must have
	// signalled by now.
	if s.mask(s.l.cpuTruth)&^s.signaledMask() != 0 {
		truth := s.mask(s.l.cpuTruth)
		for f := range s.l.slots {
			if truth&(1<<f) != 0 && s.pending(f) {
				s.raise(fflagIdleLied)
			}
		}
	}
	s.b[s.l.cpu] = s.cpu()&^cpuPhase | cpuInside
	s.setMask(s.l.cpuWait, 0)
	s.setMask(s.l.cpuTruth, 0)
}
