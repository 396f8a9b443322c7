package fence

import "math/bits"

// This file holds the kernel's rules, one function each, as pure
// operations on a State. The actions in model.go compose them; the unit
// tests exercise them one by one.

// Context numbers (dma_fence.context). The stub's context is 0.
const (
	CtxStub = 0
	// CtxRing + i is importer i's ring.
	CtxRing     = 1
	CtxTimeline = CtxRing + MaxImporters // the sw_sync timeline
	CtxCopy     = CtxTimeline + 1        // the exporter's copy engine
)

// Context returns the fence context of slot f.
func Context(f int) int {
	switch {
	case f == FStub:
		return CtxStub
	case f < FPoint:
		return CtxRing + (f-FJob)/MaxJobs
	case f < FCopy:
		return CtxTimeline
	}
	return CtxCopy
}

// base is the 32-bit seqno of a context's first fence.
func (m *Model) base(ctx int) uint32 {
	switch {
	case ctx == CtxStub:
		return 0
	case ctx < CtxTimeline:
		if i := ctx - CtxRing; i < len(m.cfg.Importers) {
			return m.cfg.Importers[i].SeqnoBase
		}
		return 0
	}
	return 1 // sw_sync point k has value k+1; the copy fence is seqno 1
}

// Seqno returns the 32-bit seqno of slot f in s. Only its lower two bits
// are stored (State.Fence); the context's base and the bound of fewer than
// four fences per context make the reconstruction exact:
// seqno = base + ((stored − base) mod 4).
func (m *Model) Seqno(s *State, f int) uint32 {
	b := m.base(Context(f))
	return b + uint32((s.seqLow(f)-uint8(b))&3)
}

// IsLater is __dma_fence_is_later(a, b) for a context without
// use_64bit_seqno, with the configured comparison: (int)(a − b) > 0, or the
// naive a > b.
func IsLater(a, b uint32, c Compare) bool {
	if c == Naive {
		return a > b
	}
	return int32(a-b) > 0
}

// isLaterOrSame is dma_fence_is_later_or_same(f1, f2): the same fence, or
// a later one (95ba893c9f4f).
func (m *Model) isLaterOrSame(s *State, f1, f2 int) bool {
	return f1 == f2 || IsLater(m.Seqno(s, f1), m.Seqno(s, f2), m.cfg.Compare)
}

// Replaces reports whether dma_resv_add_fence(fence f, usage u) overwrites
// the existing entry (old, oldUsage) under the configured rule.
func (m *Model) Replaces(s *State, old int, oldUsage Usage, f int, u Usage) bool {
	if s.signaled(old) {
		return true // dma_fence_is_signaled(old)
	}
	if Context(old) != Context(f) || oldUsage < u {
		return false
	}
	switch m.cfg.Rule {
	case RulePre2022:
		return true
	case RuleStrictLater:
		return IsLater(m.Seqno(s, f), m.Seqno(s, old), m.cfg.Compare)
	}
	return m.isLaterOrSame(s, f, old)
}

// AddFence is dma_resv_add_fence(obj, fence f, usage u) with *reserved
// slots left by dma_resv_reserve_fences: the first entry the rule allows is
// overwritten, else f is appended, which consumes a reserved slot (BUG_ON
// when there is none: flagged). The ghost Added records that f was
// published with usage u.
func (m *Model) AddFence(s *State, f int, u Usage, reserved *int) {
	if a := uint8(u) + 1; s.Added[f] == 0 || a < s.Added[f] {
		s.Added[f] = a
	}
	n := s.entries()
	for i := range n {
		e := s.Resv[i]
		if m.Replaces(s, entryFence(e), entryUsage(e), f, u) {
			s.Resv[i] = entryOf(f, u)
			return
		}
	}
	if *reserved <= 0 {
		s.Ghost |= FlagNoReserve // BUG_ON(num_fences >= max_fences)
	} else {
		*reserved--
	}
	if n == MaxEntries {
		panic("fence: resv entry bound exceeded; raise MaxEntries")
	}
	s.Resv[n] = entryOf(f, u)
}

// Query returns the mask of pending fences the resv returns for usage u:
// entries with usage ≤ u (dma_resv_for_each_fence_unlocked skips
// signalled fences).
func Query(s *State, u Usage) Mask {
	var mask Mask
	for i := range s.entries() {
		e := s.Resv[i]
		if f := entryFence(e); entryUsage(e) <= u && s.pending(f) {
			mask |= 1 << f
		}
	}
	return mask
}

// TestSignaled is dma_resv_test_signaled(obj, u): no pending fence with
// usage ≤ u.
func TestSignaled(s *State, u Usage) bool { return Query(s, u) == 0 }

// Published returns the mask of fences that were added to the resv with a
// usage ≤ u and are still pending: what a wait for u must cover, whatever
// the resv's entries say.
func Published(s *State, u Usage) Mask {
	var mask Mask
	for f := range MaxFences {
		if a := s.Added[f]; a != 0 && Usage(a-1) <= u && s.pending(f) {
			mask |= 1 << f
		}
	}
	return mask
}

// reportIdle is called where the kernel concludes that nothing ≤ u is
// pending (a wait returned, a test or poll said idle): it flags the
// violation when a published fence ≤ u is in fact pending.
func reportIdle(s *State, u Usage) {
	if Published(s, u) != 0 {
		s.Ghost |= FlagIdleLied
	}
}

// AddCallback is dma_fence_add_callback: -ENOENT (false) on a signalled
// fence; otherwise signalling is enabled (ops->enable_signaling) and the
// callback will run inside dma_fence_signal.
func AddCallback(s *State, f int) bool {
	if !s.pending(f) {
		return false
	}
	s.Fence[f] |= FenceEnabled
	return true
}

// enableAll enables signalling on every fence of mask (a dma_fence_wait on
// each).
func enableAll(s *State, mask Mask) {
	for f := range MaxFences {
		if mask&(1<<f) != 0 {
			AddCallback(s, f)
		}
	}
}

// Signal is dma_fence_set_error(err) (when err ≠ 0) followed by
// dma_fence_signal: a fence that is not pending is left alone (the kernel
// returns -EINVAL). The callbacks run inside the signal: drm_sched's
// dependency callback wakes the jobs waiting on f, dma_buf_poll_cb wakes
// the poller.
func Signal(s *State, f int, err uint8) {
	if !s.pending(f) {
		return
	}
	s.Fence[f] = s.Fence[f]&^(fenceStatus|fenceErr) | FenceSignalled | err<<fenceErrShift
	for i := range s.Deps {
		for k := range s.Deps[i] {
			s.Deps[i][k] &^= 1 << f
		}
	}
	if s.Poll&pollPhase == PollArmed && int(s.Poll&pollFence>>pollShift) == f {
		s.Poll = s.Poll&^pollPhase | PollWoken
	}
}

// SetError is dma_fence_set_error(f, err) on its own (the kernel WARNs on
// a signalled fence; the monitor in Step flags it).
func SetError(s *State, f int, err uint8) {
	s.Fence[f] = s.Fence[f]&^fenceErr | err<<fenceErrShift
}

// create makes slot f a new pending fence with the given 32-bit seqno.
func create(s *State, f int, seqno uint32) {
	s.Fence[f] = FencePending | uint8(seqno&3)<<fenceSeqShift
}

// ExportSyncFile is DMA_BUF_IOCTL_EXPORT_SYNC_FILE(flags): a snapshot of
// the pending fences of dma_resv_usage_rw(write) (READ flag: the WRITE
// fences; WRITE flag: the READ fences), combined by dma_resv_get_singleton
// (one fence, or a dma_fence_array of several); an empty snapshot is the
// signalled stub. The result is the sync_file's leaf mask.
func ExportSyncFile(s *State, write bool) Mask {
	if mask := Query(s, UsageRW(write)); mask != 0 {
		return mask
	}
	return 1 << FStub
}

// ImportSyncFile is DMA_BUF_IOCTL_IMPORT_SYNC_FILE(flags) of a sync_file
// with leaf mask leaves, under the resv lock: the container is unwrapped
// (dma_fence_unwrap_for_each), dma_resv_reserve_fences(number of leaves),
// then each leaf is added with WRITE (WRITE flag) or READ (READ only).
func (m *Model) ImportSyncFile(s *State, leaves Mask, write bool) {
	u := Read
	if write {
		u = Write
	}
	reserved := bits.OnesCount16(uint16(leaves))
	for f := range MaxFences {
		if leaves&(1<<f) != 0 {
			m.AddFence(s, f, u, &reserved)
		}
	}
}

// SignaledMask returns the mask of signalled fences.
func SignaledMask(s *State) Mask {
	var mask Mask
	for f := range MaxFences {
		if s.signaled(f) {
			mask |= 1 << f
		}
	}
	return mask
}

// AllSignaled reports whether every fence of mask is signalled: a wait
// on those fences is over, a sync_file's fence (one fence or the
// dma_fence_array of its leaves) is signalled.
func AllSignaled(s *State, leaves Mask) bool {
	for f := range MaxFences {
		if leaves&(1<<f) != 0 && !s.signaled(f) {
			return false
		}
	}
	return true
}

// PollReady is dma_buf_poll's readiness: EPOLLIN when no WRITE (or KERNEL)
// fence is pending, EPOLLOUT when no READ, WRITE or KERNEL fence is.
func PollReady(s *State) (in, out bool) {
	return TestSignaled(s, UsageRW(false)), TestSignaled(s, UsageRW(true))
}

// firstPending is the fence dma_buf_poll_add_cb installs its callback on:
// the first entry ≤ u whose dma_fence_add_callback succeeds.
func firstPending(s *State, u Usage) (int, bool) {
	for i := range s.entries() {
		e := s.Resv[i]
		if f := entryFence(e); entryUsage(e) <= u && s.pending(f) {
			return f, true
		}
	}
	return 0, false
}

// TimelineValue returns the sw_sync timeline's value.
func TimelineValue(s *State) uint32 { return uint32(s.Timeline & timelineValue) }

// SwSyncCreate is SW_SYNC_IOC_CREATE_FENCE(value k+1): point k, already
// signalled if the timeline has reached its value.
func (m *Model) SwSyncCreate(s *State, k int) {
	f := FPoint + k
	create(s, f, uint32(k+1))
	if !IsLater(m.Seqno(s, f), TimelineValue(s), m.cfg.Compare) {
		Signal(s, f, ErrNone)
	}
}

// SwSyncInc is SW_SYNC_IOC_INC(1): the timeline advances and signals, in
// order, every point whose value it has reached
// (!__dma_fence_is_later(pt, value)).
func (m *Model) SwSyncInc(s *State) {
	s.Timeline++
	for k := range MaxPoints {
		f := FPoint + k
		if s.pending(f) && !IsLater(m.Seqno(s, f), TimelineValue(s), m.cfg.Compare) {
			Signal(s, f, ErrNone)
		}
	}
}

// SwSyncClose is the release of the timeline's fd: every pending point is
// signalled with error -ENOENT (ea4d5a270b57).
func SwSyncClose(s *State) {
	s.Timeline |= TimelineClosed
	for k := range MaxPoints {
		Signal(s, FPoint+k, ErrNoEnt)
	}
}
