package crossvm

import "slices"

// State is one global state: a fixed-size value of uint8 fields (no
// pointers, no padding), hashed as raw bytes by the checker.
type State struct {
	// Ghost holds the violation flags (Flag*), sticky.
	Ghost uint8
	// ToA is the ring from the importing VM to the exporting VM and ToB the
	// ring back: a multiset of at most ChanCap messages (Msg values),
	// sorted in decreasing order, 0 for a free slot. Any message may be
	// delivered next: the rings delay and reorder.
	ToA, ToB [ChanCap]uint8

	// Exp is the exporting VM's shared buffer: Exp* phase.
	Exp uint8
	// Active is hyper_dmabuf's exported->active: the importing VM's
	// imports the exporting VM knows of.
	Active uint8
	// Pages is the shared pages: PagesLive or PagesFreed (| PagesMoved
	// once the original exporter moved the buffer elsewhere).
	Pages uint8
	// Prod is the producer: frames submitted | frames done<<2. A frame is
	// a write job whose fence is in the exporting VM's resv until done.
	Prod uint8
	// Mem is the version held by the shared pages (the last frame done).
	Mem uint8
	// Evict is the original exporter's eviction: Ev* phase.
	Evict uint8
	// RxA is the exporting VM's ring thread: Rx* phase | the frame whose
	// fence begin_cpu_access waits for <<4.
	RxA uint8
	// Dedup is the exporting VM's record of the last request it replayed
	// (Retry only): 0 none, else the request message | reply error<<6.
	Dedup uint8
	// LocalCPU is the exporting VM's own reader: 1 inside a
	// begin/end_cpu_access bracket.
	LocalCPU uint8
	// SignalDue is the frames whose fence signalled and whose SIGNAL the
	// fence callback has yet to send (bit k-1 for frame k).
	SignalDue uint8

	// RxB is the message the importing VM's back ring thread holds while
	// it waits for hyper_dmabuf's lock (0: none).
	RxB uint8
	// B is the importing VM's user: B* phase.
	B uint8
	// BMap is its mapping of the grant references: Map* value.
	BMap uint8
	// Known is whether the importing VM has the export (HYPER_DMABUF_EXPORT
	// delivered, and no NOTIFY_UNEXPORT yet): Known*.
	Known uint8
	// Seen is the newest frame the importing VM's user space was told of
	// (a frame notification delivered).
	Seen uint8
	// Want is the ghost entitlement of the current access: Seen when the
	// CPU bracket began or the device job was submitted. A read older than
	// Want is stale.
	Want uint8
	// Proxy is the importing VM's proxy fences: 2 bits per frame
	// (ProxyNone, ProxyPending, ProxySignalled) | the highest SIGNAL seqno
	// received <<4.
	Proxy uint8
	// Job is the importing VM's device job: JobNone, or JobQueued | the
	// proxies it waits for <<4.
	Job uint8
	// Seq is the importing VM's request sequence bit (Retry).
	Seq uint8
	// Lost counts the messages the rings lost.
	Lost uint8
	// Cover holds ghost bits that show a feature was exercised (Cover*),
	// for the reachability properties.
	Cover uint8
}

// Message kinds, importing VM → exporting VM (ToA).
const (
	ReqExportFD uint8 = 1 // HYPER_DMABUF_EXPORT_FD: map the shared pages (exported->active++)
	ReqBegin    uint8 = 2 // HYPER_DMABUF_OPS_BEGIN_CPU_ACCESS
	ReqEnd      uint8 = 3 // HYPER_DMABUF_OPS_END_CPU_ACCESS
	ReqRelease  uint8 = 4 // HYPER_DMABUF_OPS_RELEASE (exported->active--)
	MsgInvAck   uint8 = 5 // acknowledgement of INVALIDATE
)

// Message kinds, exporting VM → importing VM (ToB).
const (
	MsgExport     uint8 = 1 // HYPER_DMABUF_EXPORT: the id and grant references
	MsgFrame      uint8 = 2 // a new frame (arg: frame; with ProxyFence: its fence)
	MsgSignal     uint8 = 3 // the producer's fence for frame arg signalled
	MsgUnexport   uint8 = 4 // HYPER_DMABUF_NOTIFY_UNEXPORT
	MsgInvalidate uint8 = 5 // move_notify: the pages are going away, stop using them
	MsgReply      uint8 = 6 // HYPER_DMABUF_REQ_PROCESSED or REQ_ERROR (arg: the request)
)

// Message encoding: kind | arg<<3 | error<<6 | sequence bit<<7.
const (
	msgKind  uint8 = 0x07
	msgArg   uint8 = 0x38
	argShift       = 3
	MsgErr   uint8 = 1 << 6
	MsgSeq   uint8 = 1 << 7
)

// Msg builds a message.
func Msg(kind, arg uint8) uint8 { return kind | arg<<argShift }

func kindOf(m uint8) uint8 { return m & msgKind }
func argOf(m uint8) uint8  { return m & msgArg >> argShift }

// Exporting VM phases (State.Exp).
const (
	ExpNone       uint8 = 0 // not shared yet
	ExpValid      uint8 = 1 // shared: exported->valid
	ExpUnexported uint8 = 2 // unexported (valid = false), waiting for active == 0
	ExpCleaned    uint8 = 3 // hyper_dmabuf_cleanup_sgt_info: the import dropped, grants ended
)

// Pages values.
const (
	PagesLive  uint8 = 0
	PagesFreed uint8 = 1
	PagesMoved uint8 = 2 // the buffer now lives elsewhere; these pages are the old copy
)

// Eviction phases (State.Evict).
const (
	EvIdle     uint8 = 0
	EvNotified uint8 = 1 // holds the resv lock, INVALIDATE sent
	EvAcked    uint8 = 2 // holds the resv lock, INVALIDATE acknowledged
	EvMoved    uint8 = 3 // moved, old pages freed, lock released
)

// Exporting VM ring thread (State.RxA).
const (
	RxIdle      uint8 = 0
	RxWaitLock  uint8 = 1 // in begin_cpu_access, waiting for the resv lock
	RxWaitFence uint8 = 2 // in begin_cpu_access, waiting for the write fence of frame RxA>>4
	rxPhase     uint8 = 3
	rxSeq       uint8 = 1 << 2 // the sequence bit of the BEGIN being replayed
)

// Importing VM user phases (State.B).
const (
	BIdle       uint8 = 0 // nothing imported
	BWaitImport uint8 = 1 // HYPER_DMABUF_EXPORT_FD sent, waiting for the reply
	BReady      uint8 = 2 // imported, outside any bracket
	BWaitBegin  uint8 = 3 // begin_cpu_access: waiting for the reply
	BInside     uint8 = 4 // inside a CPU bracket, not read yet
	BRead       uint8 = 5 // inside a CPU bracket, read done
	BWaitEnd    uint8 = 6 // end_cpu_access: waiting for the reply
	BWaitRel    uint8 = 7 // release: waiting for the reply
	BDone       uint8 = 8 // released, or the import failed
)

// Mapping values (State.BMap).
const (
	MapNone    uint8 = 0
	MapMapped  uint8 = 1 // the grant references are mapped: the importing VM can access the pages
	MapRevoked uint8 = 2 // unmapped by INVALIDATE (the dma-buf is still open)
)

// Known values.
const (
	KnownNot  uint8 = 0
	KnownYes  uint8 = 1
	KnownGone uint8 = 2 // NOTIFY_UNEXPORT received
)

// Proxy fence values, 2 bits per frame.
const (
	ProxyNone      uint8 = 0
	ProxyPending   uint8 = 1
	ProxySignalled uint8 = 2
	proxySigShift        = 4
)

// Job values.
const (
	JobNone   uint8 = 0
	JobQueued uint8 = 1
	jobDeps         = 4 // deps mask shift
)

// Violation flags in State.Ghost.
const (
	FlagStaleRead    uint8 = 1 << iota // the importing VM read a version older than it was entitled to
	FlagUseAfterFree                   // pages freed while the importing VM could access them
)

var flagNames = []string{"stale-read", "use-after-free"}

// Coverage bits in State.Cover.
const (
	CoverReadFrame     uint8 = 1 << iota // the importing VM read a frame it was told of, up to date
	CoverRxWaited                        // the exporting VM's begin_cpu_access waited for a write fence
	CoverJobWaited                       // a device job waited for a proxy fence, then ran
	CoverRetransmitted                   // a retransmitted request was answered
)

func (s *State) submitted() int { return int(s.Prod & 3) }
func (s *State) done() int      { return int(s.Prod >> 2 & 3) }

// pendingFrame returns the frame whose write is in flight, or 0.
func (s *State) pendingFrame() int {
	if s.submitted() > s.done() {
		return s.submitted()
	}
	return 0
}

func (s *State) proxy(k int) uint8 { return s.Proxy >> (2 * (k - 1)) & 3 }
func (s *State) setProxy(k int, v uint8) {
	s.Proxy = s.Proxy&^(3<<(2*(k-1))) | v<<(2*(k-1))
}
func (s *State) sigSeen() int { return int(s.Proxy >> proxySigShift & 3) }

// pendingProxies returns the mask of pending proxy fences (bit k-1).
func (s *State) pendingProxies() uint8 {
	var m uint8
	for k := 1; k <= MaxFrames; k++ {
		if s.proxy(k) == ProxyPending {
			m |= 1 << (k - 1)
		}
	}
	return m
}

// lockHeld reports whether the original exporter holds the exporting VM's
// resv lock across steps (between move_notify and the move).
func (s *State) lockHeld() bool { return s.Evict == EvNotified || s.Evict == EvAcked }

// waiting reports whether the importing VM's user waits for a reply.
func (s *State) waiting() bool {
	switch s.B {
	case BWaitImport, BWaitBegin, BWaitEnd, BWaitRel:
		return true
	}
	return false
}

// bLockHeld reports whether the importing VM's user holds hyper_dmabuf's
// lock: sync_request(…, WAIT_AFTER_SYNC_REQ) is called under it
// (hyper_dmabuf_ops_release holds hy_drv_priv->lock; the Xen backend's
// send holds the ring's mutex) and keeps it until the reply.
func (s *State) bLockHeld(acked bool) bool { return acked && s.waiting() }

// outstanding returns the request the importing VM waits for a reply to,
// or 0.
func (s *State) outstanding() uint8 {
	switch s.B {
	case BWaitImport:
		return ReqExportFD
	case BWaitBegin:
		return ReqBegin
	case BWaitEnd:
		return ReqEnd
	case BWaitRel:
		return ReqRelease
	}
	return 0
}

// canAccess reports whether the importing VM can still access the pages.
func (s *State) canAccess() bool { return s.BMap == MapMapped }

// Channel helpers. A ring is kept sorted in decreasing order, so that two
// states holding the same messages are the same state.

func room(c *[ChanCap]uint8) bool { return c[ChanCap-1] == 0 }

func full(c *[ChanCap]uint8) bool { return c[ChanCap-1] != 0 }

func has(c *[ChanCap]uint8, m uint8) bool { return slices.Contains(c[:], m) }

// find returns the message of the ring equal to m but for its sequence
// bit, or 0.
func find(c *[ChanCap]uint8, m uint8) uint8 {
	for _, x := range c {
		if x != 0 && x&^MsgSeq == m {
			return x
		}
	}
	return 0
}

func push(c *[ChanCap]uint8, m uint8) {
	c[ChanCap-1] = m
	slices.SortFunc(c[:], func(a, b uint8) int { return int(b) - int(a) })
}

// take removes one copy of m.
func take(c *[ChanCap]uint8, m uint8) {
	for i, x := range c {
		if x == m {
			c[i] = 0
			break
		}
	}
	slices.SortFunc(c[:], func(a, b uint8) int { return int(b) - int(a) })
}
