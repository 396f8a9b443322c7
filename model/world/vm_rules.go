package world

import "unsafe"

// The semantics of the vm family: when each call can be taken (the
// kernel's, the hypervisor transport's and the blocked threads' own
// conditions) and what it does. docs/crossvm-p2p.md gives the rules.

// vmState is the vm family's section of the packed state: uint8 fields
// only (alignment 1), so it is read in place.
type vmState struct {
	// Flags holds the family's violation flags (vmFlag*) and coverage
	// bits (vmCover*), sticky.
	Flags uint8
	// ToA is the ring to vm-a and ToB the ring to vm-b; the messages are
	// packed at the front (free slots are 0): in decreasing order for a
	// reordering ring (a multiset), in order of sending for a FIFO one.
	ToA, ToB [MaxRingCap]uint8
	// Exp is vm-a's export (exp* phase), Active hyper_dmabuf's
	// exported->active, Pages the shared pages (pages* bits), Prod the
	// producer (frames submitted | done<<2), Mem the frame the pages hold,
	// Evict the original exporter's eviction (ev* phase).
	Exp, Active, Pages, Prod, Mem, Evict uint8
	// RxA is vm-a's back ring thread: rx* phase | rxSeq | the frame its
	// begin_cpu_access waits for <<4.
	RxA uint8
	// Dedup is vm-a's last replayed request | its reply's error (Retry).
	Dedup uint8
	// SignalDue: the frames whose SIGNAL the fence callback has yet to
	// send (bit k-1 for frame k).
	SignalDue uint8
	// RxB is the message vm-b's back ring holds while it waits for
	// hyper_dmabuf's lock.
	RxB uint8
	// B is vm-b's user (b* phase), BMap its mapping of the grants (map*),
	// Known whether it has the export (known*).
	B, BMap, Known uint8
	// Seen is the newest frame vm-b was told of; Want the ghost
	// entitlement of its current access.
	Seen, Want uint8
	// Proxy is vm-b's proxy fences, 2 bits per frame | the highest SIGNAL
	// seqno received <<4.
	Proxy uint8
	// Job is vm-b's device job: 0, or jobQueued | its dependencies <<4.
	Job uint8
	// Misc is vmLocalCPU (vm-a's own reader is inside a bracket) | vmSeq
	// (vm-b's request sequence bit, Retry) | the messages lost <<2.
	Misc uint8
}

// Misc bits.
const (
	vmLocalCPU  uint8 = 1 << 0
	vmSeq       uint8 = 1 << 1
	vmLostShift       = 2
)

func (s *vmState) lost() int { return int(s.Misc >> vmLostShift) }

const vmStateSize = int(unsafe.Sizeof(vmState{}))

// vm returns the vm section of the state.
func (v View) vm() *vmState { return (*vmState)(unsafe.Pointer(&v.b[v.w.lay.vm])) }

// Export phases (vmState.Exp).
const (
	expNone       uint8 = 0 // not shared yet
	expValid      uint8 = 1 // shared: exported->valid
	expUnexported uint8 = 2 // valid = false, waiting for active == 0
	expCleaned    uint8 = 3 // hyper_dmabuf_cleanup_sgt_info: import dropped, grants ended
)

// Pages bits.
const (
	pagesFreed uint8 = 1
	pagesMoved uint8 = 2 // the buffer lives elsewhere now
)

// Eviction phases.
const (
	evIdle     uint8 = 0
	evNotified uint8 = 1 // resv lock held, INVALIDATE sent
	evAcked    uint8 = 2 // resv lock held, move_notify returned
	evMoved    uint8 = 3
)

// vm-a's back ring thread.
const (
	rxIdle      uint8 = 0
	rxWaitLock  uint8 = 1
	rxWaitFence uint8 = 2
	rxPhase     uint8 = 3
	rxSeq       uint8 = 1 << 2
)

// vm-b's user.
const (
	bIdle       uint8 = 0
	bWaitImport uint8 = 1
	bReady      uint8 = 2
	bWaitBegin  uint8 = 3
	bInside     uint8 = 4
	bRead       uint8 = 5
	bWaitEnd    uint8 = 6
	bWaitRel    uint8 = 7
	bDone       uint8 = 8
)

// vm-b's mapping.
const (
	mapNone    uint8 = 0
	mapMapped  uint8 = 1
	mapRevoked uint8 = 2
)

// vm-b's knowledge of the export.
const (
	knownNot  uint8 = 0
	knownYes  uint8 = 1
	knownGone uint8 = 2
)

// Proxy fences.
const (
	proxyNone       uint8 = 0
	proxyPending    uint8 = 1
	proxySignalled  uint8 = 2
	proxySigShift         = 4
	vmJobQueued     uint8 = 1
	vmJobDepsShift        = 4
	vmFlagStaleRead uint8 = 1 << 0
	vmFlagUAF       uint8 = 1 << 1
)

// Coverage bits.
const (
	vmCoverReadFrame uint8 = 1 << (iota + 2)
	vmCoverRxWaited
	vmCoverJobWaited
	vmCoverRetransmitted
)

func (s *vmState) submitted() int { return int(s.Prod & 3) }
func (s *vmState) done() int      { return int(s.Prod >> 2 & 3) }

// pendingFrame returns the frame whose write is in flight, or 0.
func (s *vmState) pendingFrame() int {
	if s.submitted() > s.done() {
		return s.submitted()
	}
	return 0
}

func (s *vmState) proxy(k int) uint8 { return s.Proxy >> (2 * (k - 1)) & 3 }
func (s *vmState) setProxy(k int, p uint8) {
	s.Proxy = s.Proxy&^(3<<(2*(k-1))) | p<<(2*(k-1))
}
func (s *vmState) sigSeen() int { return int(s.Proxy >> proxySigShift & 3) }

func (s *vmState) pendingProxies() uint8 {
	var m uint8
	for k := 1; k <= MaxVMFrames; k++ {
		if s.proxy(k) == proxyPending {
			m |= 1 << (k - 1)
		}
	}
	return m
}

// lockHeld: the original exporter holds vm-a's resv lock across steps.
func (s *vmState) lockHeld() bool { return s.Evict == evNotified || s.Evict == evAcked }

// waiting: vm-b's user waits for a reply.
func (s *vmState) waiting() bool {
	switch s.B {
	case bWaitImport, bWaitBegin, bWaitEnd, bWaitRel:
		return true
	}
	return false
}

// bLockHeld: vm-b's user holds hyper_dmabuf's lock, taken around
// sync_request(…, WAIT_AFTER_SYNC_REQ) until the reply.
func (s *vmState) bLockHeld(acked bool) bool { return acked && s.waiting() }

// outstanding is the request vm-b's user waits for, or 0.
func (s *vmState) outstanding() uint8 {
	switch s.B {
	case bWaitImport:
		return ReqExportFD
	case bWaitBegin:
		return ReqBegin
	case bWaitEnd:
		return ReqEnd
	case bWaitRel:
		return ReqRelease
	}
	return 0
}

func (s *vmState) canAccess() bool { return s.BMap == mapMapped }

// The rings. The capacity and the order are the VMSpec's.

func (v View) room(r *[MaxRingCap]uint8) bool { return r[v.w.spec.VM.Ring.Cap-1] == 0 }
func (v View) full(r *[MaxRingCap]uint8) bool { return r[v.w.spec.VM.Ring.Cap-1] != 0 }

func ringHas(r *[MaxRingCap]uint8, m uint8) bool {
	for _, x := range r {
		if x == m {
			return true
		}
	}
	return false
}

// ringFind returns the message of the ring equal to m but for its sequence
// bit, or 0.
func ringFind(r *[MaxRingCap]uint8, m uint8) uint8 {
	for _, x := range r {
		if x != 0 && x&^MsgSeq == m {
			return x
		}
	}
	return 0
}

// next returns the message like m the ring can deliver next (any, for a
// reordering ring; the oldest, for a FIFO one), or 0.
func (v View) next(r *[MaxRingCap]uint8, m uint8) uint8 {
	if v.w.spec.VM.Ring.Order == RingFIFO {
		if r[0] != 0 && r[0]&^MsgSeq == m {
			return r[0]
		}
		return 0
	}
	return ringFind(r, m)
}

// sortDesc keeps a reordering ring canonical: two rings holding the same
// messages are the same bytes.
func sortDesc(r *[MaxRingCap]uint8) {
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j-1] < r[j]; j-- {
			r[j-1], r[j] = r[j], r[j-1]
		}
	}
}

func (v View) push(r *[MaxRingCap]uint8, m uint8) {
	n := v.w.spec.VM.Ring.Cap
	if v.w.spec.VM.Ring.Order == RingFIFO {
		for i := 0; i < n; i++ {
			if r[i] == 0 {
				r[i] = m
				return
			}
		}
		return
	}
	r[n-1] = m
	sortDesc(r)
}

// remove takes one copy of m out of the ring.
func (v View) remove(r *[MaxRingCap]uint8, m uint8) {
	for i, x := range r {
		if x == m {
			copy(r[i:], r[i+1:])
			r[len(r)-1] = 0
			break
		}
	}
	if v.w.spec.VM.Ring.Order != RingFIFO {
		sortDesc(r)
	}
}

// vmEnabled is callEnabled for the vm family.
func (v View) vmEnabled(ag int, c Call, step int) bool {
	if isVMChainKind(c.Kind) {
		return v.vmChainEnabled(c)
	}
	sp := &v.w.spec.VM
	s := v.vm()
	switch c.Kind {
	case KVMExport:
		return !s.lockHeld() && v.room(&s.ToB)
	case KVMSubmitFrame:
		// dma_resv_add_fence needs the resv lock.
		return !s.lockHeld() && v.room(&s.ToB)
	case KVMFrameDone:
		return s.pendingFrame() == c.N
	case KVMFenceCallback:
		return s.SignalDue&(1<<(c.N-1)) != 0 && v.room(&s.ToB)
	case KVMUnexport:
		return !sp.remoteOps() || v.room(&s.ToB)
	case KVMEvict:
		if sp.Design == ExporterOnly {
			return true
		}
		return v.room(&s.ToB)
	case KVMMove:
		// The move waits for the pending write's fence.
		return s.Evict == evAcked && s.pendingFrame() == 0
	case KVMBackRing:
		m := uint8(c.N)
		if c.Obj == VMA {
			return s.RxA&rxPhase == rxIdle && v.next(&s.ToA, m) != 0 && (!v.replies(m) || v.room(&s.ToB))
		}
		return s.RxB == 0 && v.next(&s.ToB, m) != 0 &&
			(kindOf(m) != MsgInvalidate || v.room(&s.ToA) || v.blocks(s, m))
	case KVMFrontRing:
		if c.Obj == VMA {
			return v.next(&s.ToA, uint8(c.N)) != 0
		}
		return v.next(&s.ToB, uint8(c.N)) != 0
	case KVMRemoteBeginLock:
		return s.RxA&rxPhase == rxWaitLock && !s.lockHeld() && (!sp.acked() || v.room(&s.ToB))
	case KVMRemoteBeginDone:
		return s.RxA&rxPhase == rxWaitFence && s.done() >= int(s.RxA>>4) && (!sp.acked() || v.room(&s.ToB))
	case KVMBackRingLock:
		return s.RxB != 0 && !s.bLockHeld(sp.acked()) && (kindOf(s.RxB) != MsgInvalidate || v.room(&s.ToA))
	case KVMExportFD, KVMBeginCPU, KVMEndCPU, KVMRelease:
		// The request needs room in the ring (the send blocks).
		return !sp.remoteOps() || v.room(&s.ToA)
	case KVMRead:
		return s.canAccess() // a load from revoked grants faults
	case KVMSubmitJob:
		return true
	case KVMRunJob:
		if s.Job&vmJobQueued == 0 {
			return false
		}
		deps := s.Job >> vmJobDepsShift
		for k := 1; k <= MaxVMFrames; k++ {
			if deps&(1<<(k-1)) != 0 && s.proxy(k) != proxySignalled {
				return false
			}
		}
		return true
	case KVMRetransmit:
		return v.lostRequest(s) && v.room(&s.ToA)
	case KVMLocalBegin:
		// begin_cpu_access waits for the write fence and for a move in
		// progress (the resv lock).
		return s.pendingFrame() == 0 && !s.lockHeld()
	case KVMLocalEnd:
		return true
	case KVMRingLose:
		r := &s.ToA
		if c.Obj == VMB {
			r = &s.ToB
		}
		return s.lost() < sp.Ring.Losses && ringFind(r, uint8(c.N)) != 0
	}
	return false
}

// blocks: vm-b's back ring must wait for hyper_dmabuf's lock to handle msg
// (the notifications that change the import list are handled under it).
func (v View) blocks(s *vmState, msg uint8) bool {
	switch kindOf(msg) {
	case MsgExport, MsgUnexport, MsgInvalidate:
		return s.bLockHeld(v.w.spec.VM.acked())
	}
	return false
}

// replies: vm-a answers request msg.
func (v View) replies(msg uint8) bool { return v.w.spec.VM.acked() && kindOf(msg) != MsgInvAck }

// request is vm-b's outstanding request with its sequence bit.
func (v View) request(s *vmState) uint8 {
	r := s.outstanding()
	if r != 0 && v.w.spec.VM.Retry && s.Misc&vmSeq != 0 {
		r |= MsgSeq
	}
	return r
}

// lostRequest: vm-b waits for a reply to a request that is nowhere (the
// timeout is longer than the rings' delay: a retransmission never races
// the original).
func (v View) lostRequest(s *vmState) bool {
	r := v.request(s)
	if r == 0 || ringHas(&s.ToA, r) {
		return false
	}
	if s.RxA&rxPhase != rxIdle && kindOf(r) == ReqBegin && (s.RxA&rxSeq != 0) == (r&MsgSeq != 0) {
		return false
	}
	return !replyInRing(s, r)
}

func replyInRing(s *vmState, r uint8) bool {
	for _, msg := range s.ToB {
		if msg != 0 && kindOf(msg) == MsgReply && argOf(msg) == kindOf(r) && msg&MsgSeq == r&MsgSeq {
			return true
		}
	}
	return false
}

// send puts a request of vm-b in the ring with its next sequence bit.
func (v View) send(s *vmState, req uint8) {
	sp := &v.w.spec.VM
	if !sp.remoteOps() {
		return
	}
	if sp.Retry {
		s.Misc ^= vmSeq
		if s.Misc&vmSeq != 0 {
			req |= MsgSeq
		}
	}
	v.push(&s.ToA, req)
}

// reply puts vm-a's reply to req in the ring and, with Retry, records it.
func (v View) reply(s *vmState, req uint8, err bool) {
	sp := &v.w.spec.VM
	if !sp.acked() {
		return
	}
	msg := VMMsg(MsgReply, kindOf(req)) | req&MsgSeq
	if err {
		msg |= MsgErr
	}
	v.push(&s.ToB, msg)
	if sp.Retry {
		s.Dedup = req
		if err {
			s.Dedup |= MsgErr
		}
	}
}

// cleanup is hyper_dmabuf_cleanup_sgt_info: the import of the original
// dropped, the grants ended, the pages back to their owner.
func cleanup(s *vmState) {
	s.Exp = expCleaned
	s.Pages |= pagesFreed
}

// vmApply performs a vm-family call. A monitor then flags pages freed
// while vm-b still has them mapped, whatever call did it.
func (v View) vmApply(ag int, c Call, step int) {
	if isVMChainKind(c.Kind) {
		v.vmChainApply(c)
		return
	}
	s := v.vm()
	v.vmDo(s, c)
	if s.Pages&pagesFreed != 0 && s.canAccess() {
		s.Flags |= vmFlagUAF
	}
}

func (v View) vmDo(s *vmState, c Call) {
	sp := &v.w.spec.VM
	switch c.Kind {
	case KVMExport:
		s.Exp = expValid
		v.push(&s.ToB, MsgExport)
	case KVMSubmitFrame:
		s.Prod++
		v.push(&s.ToB, VMMsg(MsgFrame, uint8(c.N)))
	case KVMFrameDone:
		s.Prod += 1 << 2
		if s.Pages&pagesMoved == 0 {
			s.Mem = uint8(c.N)
		}
		if sp.Fences != NoProxyFences {
			s.SignalDue |= 1 << (c.N - 1)
		}
	case KVMFenceCallback:
		s.SignalDue &^= 1 << (c.N - 1)
		v.push(&s.ToB, VMMsg(MsgSignal, uint8(c.N)))
	case KVMUnexport:
		s.Exp = expUnexported
		if !sp.remoteOps() {
			cleanup(s) // nothing tells vm-a that vm-b maps the pages
			return
		}
		v.push(&s.ToB, MsgUnexport)
		if s.Active == 0 {
			cleanup(s)
		}
	case KVMEvict:
		if sp.Design == ExporterOnly {
			s.Evict = evMoved
			return
		}
		// hyper_dmabuf's move_notify: the export is no longer valid and
		// vm-b is told.
		s.Exp = expUnexported
		v.push(&s.ToB, MsgInvalidate)
		s.Evict = evNotified
		if !sp.MoveNotifyWaits {
			s.Evict = evAcked
		}
	case KVMMove:
		s.Pages |= pagesFreed | pagesMoved
		if s.Exp != expNone {
			s.Exp = expCleaned
		}
		s.Evict = evMoved
	case KVMBackRing, KVMFrontRing:
		r := &s.ToA
		if c.Obj == VMB {
			r = &s.ToB
		}
		msg := v.next(r, uint8(c.N))
		v.remove(r, msg)
		if c.Obj == VMA {
			v.receiveA(s, msg)
			return
		}
		if c.Kind == KVMBackRing && v.blocks(s, msg) {
			s.RxB = msg
			return
		}
		v.receiveB(s, msg)
	case KVMRemoteBeginLock:
		v.beginCPUAccess(s, s.RxA&rxSeq != 0)
	case KVMRemoteBeginDone:
		req := ReqBegin
		if s.RxA&rxSeq != 0 {
			req |= MsgSeq
		}
		s.RxA = rxIdle
		s.Flags |= vmCoverRxWaited
		v.reply(s, req, false)
	case KVMBackRingLock:
		msg := s.RxB
		s.RxB = 0
		v.receiveB(s, msg)
	case KVMExportFD:
		v.send(s, ReqExportFD)
		if sp.acked() {
			s.B = bWaitImport
		} else {
			// Fire-and-forget and xen-zcopy map the grants at once.
			s.BMap = mapMapped
			s.B = bReady
		}
	case KVMBeginCPU:
		s.Want = s.Seen
		v.send(s, ReqBegin)
		s.B = bInside
		if sp.acked() {
			s.B = bWaitBegin
		}
	case KVMRead:
		v.read(s)
		s.B = bRead
	case KVMEndCPU:
		v.send(s, ReqEnd)
		s.B = bReady
		if sp.acked() {
			s.B = bWaitEnd
		}
	case KVMRelease:
		s.BMap = mapNone
		v.send(s, ReqRelease)
		s.B = bDone
		if sp.acked() {
			s.B = bWaitRel
		}
	case KVMSubmitJob:
		s.Want = s.Seen
		s.Job = vmJobQueued | s.pendingProxies()<<vmJobDepsShift
	case KVMRunJob:
		if s.Job>>vmJobDepsShift != 0 {
			s.Flags |= vmCoverJobWaited
		}
		s.Job = 0
		if s.canAccess() {
			v.read(s)
		}
	case KVMRetransmit:
		v.push(&s.ToA, v.request(s))
		s.Flags |= vmCoverRetransmitted
	case KVMLocalBegin:
		s.Misc |= vmLocalCPU
	case KVMLocalEnd:
		s.Misc &^= vmLocalCPU
	case KVMRingLose:
		r := &s.ToA
		if c.Obj == VMB {
			r = &s.ToB
		}
		v.remove(r, ringFind(r, uint8(c.N)))
		s.Misc += 1 << vmLostShift
	}
}

// read is vm-b reading the pages: stale if older than the frame it was
// entitled to when its access began.
func (v View) read(s *vmState) {
	if s.Mem < s.Want {
		s.Flags |= vmFlagStaleRead
	} else if s.Want > 0 {
		s.Flags |= vmCoverReadFrame
	}
}

// receiveA is vm-a's ring threads handling msg (hyper_dmabuf_msg_parse →
// hyper_dmabuf_remote_sync; front_ring_isr for INVALIDATE's ack).
func (v View) receiveA(s *vmState, msg uint8) {
	sp := &v.w.spec.VM
	kind := kindOf(msg)
	if kind == MsgInvAck {
		if s.Evict == evNotified {
			s.Evict = evAcked
		}
		return
	}
	if sp.Retry && s.Dedup&^MsgErr == msg {
		// A retransmission of the request last replayed: repeat the reply.
		v.reply(s, msg, s.Dedup&MsgErr != 0)
		return
	}
	switch kind {
	case ReqExportFD:
		if s.Exp == expValid {
			s.Active++
			v.reply(s, msg, false)
		} else {
			v.reply(s, msg, true) // "Buffer no longer valid": REQ_ERROR
		}
	case ReqBegin:
		if s.lockHeld() {
			s.RxA = rxWaitLock
			if msg&MsgSeq != 0 {
				s.RxA |= rxSeq
			}
			return
		}
		v.beginCPUAccess(s, msg&MsgSeq != 0)
	case ReqEnd:
		v.reply(s, msg, false)
	case ReqRelease:
		if s.Active > 0 {
			s.Active--
		}
		if s.Exp == expUnexported && s.Active == 0 {
			cleanup(s)
		}
		v.reply(s, msg, false)
	}
}

// beginCPUAccess is dma_buf_begin_cpu_access(DMA_BIDIRECTIONAL) on vm-a's
// dma-buf once the resv lock is free: it waits for the pending write
// fence, then the ring thread replies.
func (v View) beginCPUAccess(s *vmState, seq bool) {
	req := ReqBegin
	if seq {
		req |= MsgSeq
	}
	if k := s.pendingFrame(); k > 0 {
		s.RxA = rxWaitFence | uint8(k)<<4
		if seq {
			s.RxA |= rxSeq
		}
		return
	}
	s.RxA = rxIdle
	v.reply(s, req, false)
}

// receiveB is vm-b's ring threads handling msg.
func (v View) receiveB(s *vmState, msg uint8) {
	sp := &v.w.spec.VM
	switch kindOf(msg) {
	case MsgExport:
		if s.Known == knownNot {
			s.Known = knownYes
		}
	case MsgFrame:
		k := int(argOf(msg))
		if k > int(s.Seen) {
			s.Seen = uint8(k)
		}
		switch sp.Fences {
		case ProxyOrdered:
			if s.sigSeen() >= k {
				s.setProxy(k, proxySignalled)
			} else {
				s.setProxy(k, proxyPending)
			}
		case ProxyUnordered:
			s.setProxy(k, proxyPending)
		}
	case MsgSignal:
		k := int(argOf(msg))
		switch sp.Fences {
		case ProxyOrdered:
			if k > s.sigSeen() {
				s.Proxy = s.Proxy&^(3<<proxySigShift) | uint8(k)<<proxySigShift
			}
			for j := 1; j <= s.sigSeen(); j++ {
				if s.proxy(j) == proxyPending {
					s.setProxy(j, proxySignalled)
				}
			}
		case ProxyUnordered:
			if s.proxy(k) == proxyPending {
				s.setProxy(k, proxySignalled)
			}
		}
	case MsgUnexport:
		s.Known = knownGone
	case MsgInvalidate:
		// The import is revoked, mapped or not: an EXPORT_FD reply
		// delivered after INVALIDATE must not map the old pages.
		s.BMap = mapRevoked
		v.push(&s.ToA, MsgInvAck)
	case MsgReply:
		r := v.request(s)
		if r == 0 || argOf(msg) != kindOf(r) || msg&MsgSeq != r&MsgSeq {
			return // a duplicate of an earlier reply
		}
		switch kindOf(r) {
		case ReqExportFD:
			switch {
			case msg&MsgErr != 0:
				s.B = bDone
			case s.BMap == mapRevoked:
				s.B = bReady
			default:
				s.B, s.BMap = bReady, mapMapped
			}
		case ReqBegin:
			s.B = bInside
		case ReqEnd:
			s.B = bReady
		case ReqRelease:
			s.B = bDone
		}
	}
}
