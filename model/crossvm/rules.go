package crossvm

// enabled reports whether action a is enabled in s.
func (m *Model) enabled(s *State, a *act) bool {
	c := &m.cfg
	switch a.kind {
	case KExport:
		return s.Exp == ExpNone && !s.lockHeld() && room(&s.ToB)
	case KSubmit:
		// Frames are written in order, one at a time, while the buffer is
		// shared; submission takes the resv lock (dma_resv_add_fence).
		k := int(a.arg)
		return s.Exp == ExpValid && s.submitted() == k-1 && s.done() == k-1 && !s.lockHeld() && room(&s.ToB)
	case KWriteDone:
		return s.pendingFrame() == int(a.arg)
	case KFenceCB:
		return s.SignalDue&(1<<(a.arg-1)) != 0 && room(&s.ToB)
	case KUnexport:
		return s.Exp == ExpValid && (!c.remoteOps() || room(&s.ToB))
	case KEvict:
		if c.Design == ExporterOnly {
			return s.Exp == ExpNone && s.Evict == EvIdle
		}
		return s.Exp == ExpValid && s.Evict == EvIdle && room(&s.ToB)
	case KMove:
		return s.Evict == EvAcked && s.pendingFrame() == 0
	case KDeliverA:
		return s.RxA&rxPhase == RxIdle && find(&s.ToA, a.arg) != 0 && (!m.replies(a.arg) || room(&s.ToB))
	case KRxLock:
		return s.RxA&rxPhase == RxWaitLock && !s.lockHeld() && (!c.acked() || room(&s.ToB))
	case KRxFence:
		return s.RxA&rxPhase == RxWaitFence && s.done() >= int(s.RxA>>4) && (!c.acked() || room(&s.ToB))
	case KDeliverB:
		return s.RxB == 0 && find(&s.ToB, a.arg) != 0 &&
			(kindOf(a.arg) != MsgInvalidate || room(&s.ToA) || m.blocks(s, a.arg))
	case KRxBLock:
		return s.RxB != 0 && !s.bLockHeld(c.acked()) && (kindOf(s.RxB) != MsgInvalidate || room(&s.ToA))
	case KRespA:
		return find(&s.ToA, a.arg) != 0
	case KRespB:
		return find(&s.ToB, a.arg) != 0
	case KImport:
		return s.B == BIdle && s.Known == KnownYes && (!c.remoteOps() || room(&s.ToA))
	case KBegin:
		return s.B == BReady && s.canAccess() && (!c.remoteOps() || room(&s.ToA))
	case KRead:
		return s.B == BInside && s.canAccess()
	case KEnd:
		return (s.B == BRead || s.B == BInside && !s.canAccess()) && (!c.remoteOps() || room(&s.ToA))
	case KRelease:
		return s.B == BReady && s.Job == JobNone && (!c.remoteOps() || room(&s.ToA))
	case KSubmitJob:
		return s.B == BReady && s.canAccess() && s.Job == JobNone
	case KRunJob:
		if s.Job&JobQueued == 0 {
			return false
		}
		deps := s.Job >> jobDeps
		for k := 1; k <= MaxFrames; k++ {
			if deps&(1<<(k-1)) != 0 && s.proxy(k) != ProxySignalled {
				return false
			}
		}
		return true
	case KRetransmit:
		return m.lostRequest(s) && room(&s.ToA)
	case KLocalBegin:
		// begin_cpu_access waits for the write fence and, like the ring
		// thread's, for a move in progress (the resv lock).
		return s.LocalCPU == 0 && s.pendingFrame() == 0 && !s.lockHeld()
	case KLocalEnd:
		return s.LocalCPU != 0
	case KLose:
		ring := &s.ToA
		if a.toB {
			ring = &s.ToB
		}
		return s.Lost < MaxLosses && find(ring, a.arg) != 0
	}
	return false
}

// blocks reports whether the importing VM's back ring thread must wait
// for hyper_dmabuf's lock to handle msg: the notifications that change the
// import list (EXPORT, NOTIFY_UNEXPORT, INVALIDATE) are handled under it,
// and the importing VM's user holds it across a round trip.
func (m *Model) blocks(s *State, msg uint8) bool {
	switch kindOf(msg) {
	case MsgExport, MsgUnexport, MsgInvalidate:
		return s.bLockHeld(m.cfg.acked())
	}
	return false
}

// replies reports whether the exporting VM answers request msg.
func (m *Model) replies(msg uint8) bool {
	return m.cfg.acked() && kindOf(msg) != MsgInvAck
}

// request returns the importing VM's outstanding request message, with
// its sequence bit.
func (m *Model) request(s *State) uint8 {
	r := s.outstanding()
	if r != 0 && m.cfg.Retry && s.Seq != 0 {
		r |= MsgSeq
	}
	return r
}

// lostRequest reports whether the importing VM waits for a reply to a
// request that is nowhere: not in the ring to the exporting VM, not being
// replayed there, and no reply to it in the ring back. (The timeout is
// longer than the rings' delivery delay: a retransmission never races the
// original.)
func (m *Model) lostRequest(s *State) bool {
	r := m.request(s)
	if r == 0 {
		return false
	}
	if has(&s.ToA, r) {
		return false
	}
	if s.RxA&rxPhase != RxIdle && kindOf(r) == ReqBegin && (s.RxA&rxSeq != 0) == (r&MsgSeq != 0) {
		return false
	}
	for _, msg := range s.ToB {
		if msg != 0 && kindOf(msg) == MsgReply && argOf(msg) == kindOf(r) && msg&MsgSeq == r&MsgSeq {
			return false
		}
	}
	return true
}

// send puts a request of the importing VM in the ring, with the next
// sequence bit.
func (m *Model) send(s *State, req uint8) {
	if !m.cfg.remoteOps() {
		return
	}
	if m.cfg.Retry {
		s.Seq ^= 1
		if s.Seq != 0 {
			req |= MsgSeq
		}
	}
	push(&s.ToA, req)
}

// reply puts the exporting VM's reply to request req in the ring and, with
// Retry, records it for a retransmission.
func (m *Model) reply(s *State, req uint8, err bool) {
	if !m.cfg.acked() {
		return
	}
	msg := Msg(MsgReply, kindOf(req)) | req&MsgSeq
	if err {
		msg |= MsgErr
	}
	push(&s.ToB, msg)
	if m.cfg.Retry {
		s.Dedup = req
		if err {
			s.Dedup |= MsgErr
		}
	}
}

// cleanup is hyper_dmabuf_cleanup_sgt_info: the exporting VM drops its
// import of the original dma-buf and ends the grants; the pages go back to
// their owner, who frees (and reuses) them.
func cleanup(s *State) {
	s.Exp = ExpCleaned
	s.Pages |= PagesFreed
}

func (m *Model) apply(s *State, a *act) {
	c := &m.cfg
	switch a.kind {
	case KExport:
		s.Exp = ExpValid
		push(&s.ToB, MsgExport)
	case KSubmit:
		s.Prod++ // submitted
		push(&s.ToB, Msg(MsgFrame, a.arg))
	case KWriteDone:
		s.Prod += 1 << 2 // done
		if s.Pages&PagesMoved == 0 {
			s.Mem = a.arg
		}
		if c.Fences != NoFences {
			s.SignalDue |= 1 << (a.arg - 1)
		}
	case KFenceCB:
		s.SignalDue &^= 1 << (a.arg - 1)
		push(&s.ToB, Msg(MsgSignal, a.arg))
	case KUnexport:
		s.Exp = ExpUnexported
		if !c.remoteOps() {
			cleanup(s) // no active count: nothing tells vm-a that vm-b maps the pages
			return
		}
		push(&s.ToB, MsgUnexport)
		if s.Active == 0 {
			cleanup(s)
		}
	case KEvict:
		if c.Design == ExporterOnly {
			s.Evict = EvMoved
			return
		}
		// hyper_dmabuf's move_notify: the export is no longer valid (a
		// concurrent HYPER_DMABUF_EXPORT_FD gets REQ_ERROR instead of
		// mapping pages about to go away), and the importing VM is told.
		s.Exp = ExpUnexported
		push(&s.ToB, MsgInvalidate)
		s.Evict = EvNotified
		if c.Evict == EvictAsync {
			s.Evict = EvAcked // move_notify returned without waiting
		}
	case KMove:
		// The shared pages are the old copy now: freed. hyper_dmabuf's
		// export of them is over.
		s.Pages |= PagesFreed | PagesMoved
		if s.Exp != ExpNone {
			s.Exp = ExpCleaned
		}
		s.Evict = EvMoved
	case KDeliverA:
		msg := find(&s.ToA, a.arg)
		take(&s.ToA, msg)
		m.receiveA(s, msg)
	case KRxLock:
		m.beginCPUAccess(s, s.RxA&rxSeq != 0)
	case KRxFence:
		req := ReqBegin
		if s.RxA&rxSeq != 0 {
			req |= MsgSeq
		}
		s.RxA = RxIdle
		s.Cover |= CoverRxWaited
		m.reply(s, req, false)
	case KDeliverB:
		msg := find(&s.ToB, a.arg)
		take(&s.ToB, msg)
		if m.blocks(s, msg) {
			s.RxB = msg // wait for hyper_dmabuf's lock
			return
		}
		m.receiveB(s, msg)
	case KRxBLock:
		msg := s.RxB
		s.RxB = 0
		m.receiveB(s, msg)
	case KRespA:
		msg := find(&s.ToA, a.arg)
		take(&s.ToA, msg)
		m.receiveA(s, msg)
	case KRespB:
		msg := find(&s.ToB, a.arg)
		take(&s.ToB, msg)
		m.receiveB(s, msg)
	case KImport:
		switch {
		case c.acked():
			m.send(s, ReqExportFD)
			s.B = BWaitImport
		default:
			// Fire-and-forget and xen-zcopy map the grants at once.
			m.send(s, ReqExportFD)
			s.BMap = MapMapped
			s.B = BReady
		}
	case KBegin:
		s.Want = s.Seen
		m.send(s, ReqBegin)
		s.B = BInside
		if c.acked() {
			s.B = BWaitBegin
		}
	case KRead:
		m.read(s)
		s.B = BRead
	case KEnd:
		m.send(s, ReqEnd)
		s.B = BReady
		if c.acked() {
			s.B = BWaitEnd
		}
	case KRelease:
		s.BMap = MapNone
		m.send(s, ReqRelease)
		s.B = BDone
		if c.acked() {
			s.B = BWaitRel
		}
	case KSubmitJob:
		s.Want = s.Seen
		s.Job = JobQueued | s.pendingProxies()<<jobDeps
	case KRunJob:
		if s.Job>>jobDeps != 0 {
			s.Cover |= CoverJobWaited
		}
		s.Job = JobNone
		if s.canAccess() {
			m.read(s)
		}
	case KRetransmit:
		push(&s.ToA, m.request(s))
		s.Cover |= CoverRetransmitted
	case KLocalBegin:
		s.LocalCPU = 1
	case KLocalEnd:
		s.LocalCPU = 0
	case KLose:
		ring := &s.ToA
		if a.toB {
			ring = &s.ToB
		}
		take(ring, find(ring, a.arg))
		s.Lost++
	}
}

// read is a read of the shared pages by the importing VM: stale if older
// than the frame it was entitled to when its access began.
func (m *Model) read(s *State) {
	if s.Mem < s.Want {
		s.Ghost |= FlagStaleRead
	} else if s.Want > 0 {
		s.Cover |= CoverReadFrame
	}
}

// receiveA is the exporting VM's ring thread handling msg
// (hyper_dmabuf_msg_parse → hyper_dmabuf_remote_sync).
func (m *Model) receiveA(s *State, msg uint8) {
	c := &m.cfg
	kind := kindOf(msg)
	if kind == MsgInvAck {
		if s.Evict == EvNotified {
			s.Evict = EvAcked
		}
		return
	}
	if c.Retry && s.Dedup&^MsgErr == msg {
		// A retransmission of the request last replayed: repeat the reply.
		m.reply(s, msg, s.Dedup&MsgErr != 0)
		return
	}
	switch kind {
	case ReqExportFD:
		if s.Exp == ExpValid {
			s.Active++
			m.reply(s, msg, false)
		} else {
			m.reply(s, msg, true) // "Buffer no longer valid": REQ_ERROR
		}
	case ReqBegin:
		if s.lockHeld() {
			s.RxA = RxWaitLock
			if msg&MsgSeq != 0 {
				s.RxA |= rxSeq
			}
			return
		}
		m.beginCPUAccess(s, msg&MsgSeq != 0)
	case ReqEnd:
		m.reply(s, msg, false)
	case ReqRelease:
		if s.Active > 0 {
			s.Active--
		}
		if s.Exp == ExpUnexported && s.Active == 0 {
			cleanup(s)
		}
		m.reply(s, msg, false)
	}
}

// beginCPUAccess is dma_buf_begin_cpu_access(DMA_BIDIRECTIONAL) on the
// exporting VM's dma-buf, once the resv lock is available: it waits for the
// write fence pending now (dma_resv_wait_timeout), then the ring thread
// replies.
func (m *Model) beginCPUAccess(s *State, seq bool) {
	req := ReqBegin
	if seq {
		req |= MsgSeq
	}
	if k := s.pendingFrame(); k > 0 {
		s.RxA = RxWaitFence | uint8(k)<<4
		if seq {
			s.RxA |= rxSeq
		}
		return
	}
	s.RxA = RxIdle
	m.reply(s, req, false)
}

// receiveB is the importing VM's ring thread handling msg.
func (m *Model) receiveB(s *State, msg uint8) {
	c := &m.cfg
	switch kindOf(msg) {
	case MsgExport:
		if s.Known == KnownNot {
			s.Known = KnownYes
		}
	case MsgFrame:
		k := int(argOf(msg))
		if k > int(s.Seen) {
			s.Seen = uint8(k)
		}
		switch c.Fences {
		case ProxyFence:
			if s.sigSeen() >= k {
				s.setProxy(k, ProxySignalled)
			} else {
				s.setProxy(k, ProxyPending)
			}
		case ProxyFenceUnordered:
			s.setProxy(k, ProxyPending)
		}
	case MsgSignal:
		k := int(argOf(msg))
		switch c.Fences {
		case ProxyFence:
			if k > s.sigSeen() {
				s.Proxy = s.Proxy&^(3<<proxySigShift) | uint8(k)<<proxySigShift
			}
			for j := 1; j <= s.sigSeen(); j++ {
				if s.proxy(j) == ProxyPending {
					s.setProxy(j, ProxySignalled)
				}
			}
		case ProxyFenceUnordered:
			if s.proxy(k) == ProxyPending {
				s.setProxy(k, ProxySignalled)
			}
		}
	case MsgUnexport:
		s.Known = KnownGone
	case MsgInvalidate:
		// The import is revoked, mapped or not: an EXPORT_FD reply that
		// the ring delivers after INVALIDATE must not map the old pages.
		s.BMap = MapRevoked
		push(&s.ToA, MsgInvAck)
	case MsgReply:
		r := m.request(s)
		if r == 0 || argOf(msg) != kindOf(r) || msg&MsgSeq != r&MsgSeq {
			return // a duplicate of an earlier reply
		}
		switch kindOf(r) {
		case ReqExportFD:
			switch {
			case msg&MsgErr != 0:
				s.B = BDone // the import failed: the buffer is no longer valid
			case s.BMap == MapRevoked:
				s.B = BReady // invalidated while the reply was on its way: do not map
			default:
				s.B, s.BMap = BReady, MapMapped
			}
		case ReqBegin:
			s.B = BInside
		case ReqEnd:
			s.B = BReady
		case ReqRelease:
			s.B = BDone
		}
	}
}
