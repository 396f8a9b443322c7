package crossvm

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is the kind of an action; each names the hyper_dmabuf or kernel
// function (or hardware event) it stands for. docs/crossvm-p2p.md maps every
// kind to its source.
type Kind uint8

// Action kinds.
const (
	// Exporting VM.
	KExport    Kind = iota // hyper_dmabuf export ioctl: import the local dma-buf (or allocate it), share the pages, send HYPER_DMABUF_EXPORT
	KSubmit                // the producer submits a write job (fence in the resv) and tells the importing VM of the frame
	KWriteDone             // the producer's write completes: dma_fence_signal
	KFenceCB               // the fence callback forwards the signal: send SIGNAL (proxy fences)
	KUnexport              // HYPER_DMABUF_UNEXPORT: valid = false, NOTIFY_UNEXPORT, cleanup once active == 0
	KEvict                 // memory pressure: dma_resv_lock + dma_buf_move_notify (hyper_dmabuf's move_notify sends INVALIDATE)
	KMove                  // the exporter moves the buffer, frees the old pages, dma_resv_unlock
	KDeliverA              // the exporting VM's back ring thread receives a request (back_ring_isr → hyper_dmabuf_msg_parse → hyper_dmabuf_remote_sync)
	KRxLock                // the back ring thread's begin_cpu_access gets the resv lock
	KRxFence               // the back ring thread's begin_cpu_access: the write fence signalled, reply
	// Importing VM.
	KDeliverB   // the importing VM's back ring thread receives a request or notification (back_ring_isr)
	KImport     // HYPER_DMABUF_EXPORT_FD ioctl: map the grant references, tell the exporting VM
	KBegin      // dma_buf_begin_cpu_access → hyper_dmabuf_ops_begin_cpu_access → sync_request(BEGIN_CPU_ACCESS)
	KRead       // the CPU reads the buffer inside its bracket
	KEnd        // dma_buf_end_cpu_access → sync_request(END_CPU_ACCESS)
	KRelease    // close of the dma-buf fd: hyper_dmabuf_ops_release → unmap the grants, sync_request(RELEASE)
	KSubmitJob  // a device job reading the buffer: implicit dependencies from the importing VM's resv
	KRunJob     // the device job runs: DMA read
	KRetransmit // the reply did not come: retransmit the request
	KLose       // a ring loses a message (adversary)
	KLocalBegin // the exporting VM's own reader: dma_buf_begin_cpu_access (waits for the write fence)
	KLocalEnd   // the exporting VM's own reader: dma_buf_end_cpu_access
	KRespA      // the exporting VM's front ring receives a response (front_ring_isr): INVALIDATE's ack
	KRespB      // the importing VM's front ring receives a response (front_ring_isr): REQ_PROCESSED / REQ_ERROR
	KRxBLock    // the importing VM's back ring thread gets hyper_dmabuf's lock and handles the message it holds
	numKinds
)

var kindNames = [numKinds]string{
	"KExport", "KSubmit", "KWriteDone", "KFenceCB", "KUnexport", "KEvict", "KMove", "KDeliverA", "KRxLock", "KRxFence",
	"KDeliverB", "KImport", "KBegin", "KRead", "KEnd", "KRelease", "KSubmitJob", "KRunJob", "KRetransmit", "KLose",
	"KLocalBegin", "KLocalEnd", "KRespA", "KRespB", "KRxBLock",
}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Kinds returns every action kind.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for k := range numKinds {
		out[k] = k
	}
	return out
}

// act is one entry of the action table.
type act struct {
	kind Kind
	arg  uint8 // the frame (KSubmit, KWriteDone, KFenceCB) or the message (KDeliver*, KLose)
	toB  bool  // KLose: the ring to the importing VM
}

// Model is cross-VM sharing for one Config. It implements
// statespace.Model[State] (Properties in props.go), EndStater,
// WaitForGraph, FairModel, Describer and Actorer.
type Model struct {
	cfg   Config
	table []act
	names []string
}

// New builds the model for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("crossvm: %w", err)
	}
	m := &Model{cfg: cfg}
	add := func(a act, name string) {
		m.table = append(m.table, a)
		m.names = append(m.names, name)
	}
	c := &m.cfg
	switch c.Design {
	case HyperDmabuf:
		add(act{kind: KExport}, "vm-a hyper_dmabuf: export (dma_buf_attach + dma_buf_map_attachment on the producer's dma-buf, share the pages, send HYPER_DMABUF_EXPORT)")
	case XenZcopy:
		add(act{kind: KExport}, "vm-a xen-zcopy: share the pages (grant references sent to vm-b)")
	case ExporterOnly:
		add(act{kind: KExport}, "vm-a hyper_dmabuf (exporter of its own pages): share them, send HYPER_DMABUF_EXPORT")
	}
	for k := 1; k <= c.Frames; k++ {
		add(act{kind: KSubmit, arg: uint8(k)}, fmt.Sprintf("vm-a producer: submit write of frame %d (dma_resv_add_fence WRITE), tell vm-b", k))
		add(act{kind: KWriteDone, arg: uint8(k)}, fmt.Sprintf("vm-a producer: frame %d written, dma_fence_signal", k))
		if c.Fences != NoFences {
			add(act{kind: KFenceCB, arg: uint8(k)}, fmt.Sprintf("vm-a fence callback: send SIGNAL(frame %d)", k))
		}
	}
	if c.LocalReader {
		add(act{kind: KLocalBegin}, "vm-a cpu: dma_buf_begin_cpu_access (local reader)")
		add(act{kind: KLocalEnd}, "vm-a cpu: dma_buf_end_cpu_access (local reader)")
	}
	if c.Unexport {
		if c.remoteOps() {
			add(act{kind: KUnexport}, "vm-a user: HYPER_DMABUF_UNEXPORT (valid = false, send NOTIFY_UNEXPORT, cleanup if !active)")
		} else {
			add(act{kind: KUnexport}, "vm-a user: stop sharing (end the grants, free the pages)")
		}
	}
	switch {
	case c.reexportEvicts():
		wait := "wait for vm-b's ack"
		if c.Evict == EvictAsync {
			wait = "return at once"
		}
		add(act{kind: KEvict}, "vm-a exporter: dma_resv_lock, dma_buf_move_notify → hyper_dmabuf move_notify: send INVALIDATE, "+wait)
		add(act{kind: KMove}, "vm-a exporter: move the buffer, free the old pages, dma_resv_unlock")
	case c.Design == ExporterOnly && c.Evict != NoEvict:
		add(act{kind: KEvict}, "vm-a hyper_dmabuf (exporter): memory pressure: move the buffer (not shared yet)")
	}
	for _, msg := range m.messagesToA() {
		if kindOf(msg) == MsgInvAck {
			add(act{kind: KRespA, arg: msg}, "vm-a front ring: "+m.deliverALabel(msg))
		} else {
			add(act{kind: KDeliverA, arg: msg}, "vm-a back ring: "+m.deliverALabel(msg))
		}
	}
	if c.remoteOps() && c.Consumer == CPU {
		if c.reexportEvicts() {
			add(act{kind: KRxLock}, "vm-a back ring: begin_cpu_access gets the dma_resv lock")
		}
		add(act{kind: KRxFence}, "vm-a back ring: begin_cpu_access: write fence signalled, done"+m.replySuffix())
	}
	for _, msg := range m.messagesToB() {
		if kindOf(msg) == MsgReply {
			add(act{kind: KRespB, arg: msg}, "vm-b front ring: "+m.deliverBLabel(msg))
		} else {
			add(act{kind: KDeliverB, arg: msg}, "vm-b back ring: "+m.deliverBLabel(msg))
		}
	}
	if c.acked() && (c.Unexport || c.reexportEvicts()) {
		add(act{kind: KRxBLock}, "vm-b back ring: gets hyper_dmabuf's lock, handles the message it holds")
	}
	switch {
	case c.Design == XenZcopy:
		add(act{kind: KImport}, "vm-b user: map the grant references (no message to vm-a)")
	case c.acked():
		add(act{kind: KImport}, "vm-b user: HYPER_DMABUF_EXPORT_FD: send the request, wait for the reply")
	default:
		add(act{kind: KImport}, "vm-b user: HYPER_DMABUF_EXPORT_FD: map the grant references, send the request (no wait)")
	}
	if c.Consumer == CPU {
		add(act{kind: KBegin}, "vm-b user: dma_buf_begin_cpu_access"+m.opSuffix("BEGIN_CPU_ACCESS"))
		add(act{kind: KRead}, "vm-b cpu: read the buffer")
		add(act{kind: KEnd}, "vm-b user: dma_buf_end_cpu_access"+m.opSuffix("END_CPU_ACCESS"))
	} else {
		add(act{kind: KSubmitJob}, "vm-b device: submit a read job (implicit dependencies from vm-b's dma_resv)")
		add(act{kind: KRunJob}, "vm-b device: job runs, DMA read")
	}
	add(act{kind: KRelease}, "vm-b user: close the dma-buf (unmap the grants)"+m.opSuffix("RELEASE"))
	if c.Retry {
		add(act{kind: KRetransmit}, "vm-b user: reply timeout, retransmit the request")
	}
	if c.Lossy {
		for _, msg := range m.messagesToA() {
			add(act{kind: KLose, arg: msg}, "ring to vm-a loses "+m.MsgName(msg, false))
		}
		for _, msg := range m.messagesToB() {
			add(act{kind: KLose, arg: msg, toB: true}, "ring to vm-b loses "+m.MsgName(msg, true))
		}
	}
	return m, nil
}

func (m *Model) opSuffix(op string) string {
	switch {
	case !m.cfg.remoteOps():
		return " (nothing sent to vm-a)"
	case m.cfg.acked():
		return ": sync_request(" + op + ", WAIT_AFTER_SYNC_REQ)"
	}
	return ": sync_request(" + op + ") without waiting"
}

func (m *Model) replySuffix() string {
	if m.cfg.acked() {
		return ", reply REQ_PROCESSED"
	}
	return ""
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// KindOf returns the kind of action a.
func (m *Model) KindOf(a statespace.Action) Kind { return m.table[a].kind }

// requests returns the request kinds the importing VM sends.
func (m *Model) requests() []uint8 {
	if !m.cfg.remoteOps() {
		return nil
	}
	if m.cfg.Consumer == CPU {
		return []uint8{ReqExportFD, ReqBegin, ReqEnd, ReqRelease}
	}
	return []uint8{ReqExportFD, ReqRelease}
}

// messagesToA returns every message the ring to the exporting VM can
// carry, without the sequence bit: a delivery or loss action stands for
// the message of that kind whatever its sequence bit (the ring holds at
// most one request and one reply at a time).
func (m *Model) messagesToA() []uint8 {
	out := append([]uint8(nil), m.requests()...)
	if m.cfg.reexportEvicts() {
		out = append(out, MsgInvAck)
	}
	return out
}

// messagesToB returns every message the ring to the importing VM can carry.
func (m *Model) messagesToB() []uint8 {
	c := &m.cfg
	out := []uint8{MsgExport}
	for k := 1; k <= c.Frames; k++ {
		out = append(out, Msg(MsgFrame, uint8(k)))
	}
	if c.Fences != NoFences {
		for k := 1; k <= c.Frames; k++ {
			out = append(out, Msg(MsgSignal, uint8(k)))
		}
	}
	if c.Unexport && c.remoteOps() {
		out = append(out, MsgUnexport)
	}
	if c.reexportEvicts() {
		out = append(out, MsgInvalidate)
	}
	if c.acked() {
		for _, r := range m.requests() {
			out = append(out, Msg(MsgReply, r))
			if r == ReqExportFD && (c.Unexport || c.Evict != NoEvict) {
				out = append(out, Msg(MsgReply, r)|MsgErr) // the export can become invalid
			}
		}
	}
	return out
}

var reqNames = [...]string{"?", "EXPORT_FD", "BEGIN_CPU_ACCESS", "END_CPU_ACCESS", "RELEASE", "INVALIDATE ack"}

// MsgName names message msg of the ring to the importing VM (toB) or to
// the exporting VM, without its sequence bit.
func (m *Model) MsgName(msg uint8, toB bool) string {
	if !toB {
		if k := kindOf(msg); int(k) < len(reqNames) {
			return reqNames[k]
		}
		return fmt.Sprintf("msg(%#x)", msg)
	}
	switch kindOf(msg) {
	case MsgExport:
		return "EXPORT"
	case MsgFrame:
		return fmt.Sprintf("FRAME(%d)", argOf(msg))
	case MsgSignal:
		return fmt.Sprintf("SIGNAL(%d)", argOf(msg))
	case MsgUnexport:
		return "NOTIFY_UNEXPORT"
	case MsgInvalidate:
		return "INVALIDATE"
	case MsgReply:
		st := "REQ_PROCESSED"
		if msg&MsgErr != 0 {
			st = "REQ_ERROR"
		}
		return fmt.Sprintf("%s(%s)", st, reqNames[argOf(msg)])
	}
	return fmt.Sprintf("msg(%#x)", msg)
}

func (m *Model) deliverALabel(msg uint8) string {
	n := m.MsgName(msg, false)
	switch kindOf(msg) {
	case ReqExportFD:
		return "receive " + n + ": active++ if valid" + m.replySuffixErr()
	case ReqBegin:
		return "receive " + n + ": dma_buf_begin_cpu_access(DMA_BIDIRECTIONAL) on the local dma-buf"
	case ReqEnd:
		return "receive " + n + ": dma_buf_end_cpu_access" + m.replySuffix()
	case ReqRelease:
		return "receive " + n + ": active--, cleanup if unexported and !active" + m.replySuffix()
	case MsgInvAck:
		return "receive " + n + ": move_notify may return"
	}
	return "receive " + n
}

func (m *Model) replySuffixErr() string {
	if m.cfg.acked() {
		return ", reply REQ_PROCESSED or REQ_ERROR"
	}
	return ""
}

func (m *Model) deliverBLabel(msg uint8) string {
	n := m.MsgName(msg, true)
	if m.cfg.acked() && (kindOf(msg) == MsgExport || kindOf(msg) == MsgUnexport || kindOf(msg) == MsgInvalidate) {
		n += " (under hyper_dmabuf's lock)"
	}
	switch kindOf(msg) {
	case MsgExport:
		return "receive " + n + ": register the import"
	case MsgFrame:
		if m.cfg.Fences != NoFences {
			return "receive " + n + ": install a proxy fence in vm-b's dma_resv, tell user space"
		}
		return "receive " + n + ": tell user space"
	case MsgSignal:
		if m.cfg.Fences == ProxyFenceUnordered {
			return "receive " + n + ": signal the proxy fence if installed, else drop"
		}
		return "receive " + n + ": record it, signal the proxy fences up to it"
	case MsgUnexport:
		return "receive " + n
	case MsgInvalidate:
		return "receive " + n + ": unmap the grants, send the ack"
	case MsgReply:
		return "receive " + n + ": the waiting operation returns"
	}
	return "receive " + n
}

// Init returns the start state: nothing shared, nothing written.
func (m *Model) Init() []State { return []State{{}} }

// ActionNames returns the action table's labels.
func (m *Model) ActionNames() []string { return m.names }

// Actions appends the actions enabled in s.
func (m *Model) Actions(s *State, buf []statespace.Action) []statespace.Action {
	for a := range m.table {
		if m.enabled(s, &m.table[a]) {
			buf = append(buf, statespace.Action(a))
		}
	}
	return buf
}

// Step returns the successor of s under a. A monitor then flags pages
// freed while the importing VM still has them mapped, whatever step did it.
func (m *Model) Step(s *State, a statespace.Action) State {
	n := *s
	m.apply(&n, &m.table[a])
	if n.Pages&PagesFreed != 0 && n.canAccess() {
		n.Ghost |= FlagUseAfterFree
	}
	return n
}

// Actor names the agent of action a, for sequence diagrams.
func (m *Model) Actor(a statespace.Action) string {
	t := &m.table[a]
	switch t.kind {
	case KExport, KUnexport:
		return "vm-a user"
	case KSubmit, KWriteDone:
		return "vm-a producer"
	case KFenceCB:
		return "vm-a fence callback"
	case KEvict, KMove:
		return "vm-a exporter"
	case KLocalBegin, KLocalEnd:
		return "vm-a cpu"
	case KDeliverA, KRxLock, KRxFence:
		return "vm-a back ring"
	case KRespA:
		return "vm-a front ring"
	case KDeliverB, KRxBLock:
		return "vm-b back ring"
	case KRespB:
		return "vm-b front ring"
	case KSubmitJob, KRunJob:
		return "vm-b device"
	case KRead:
		return "vm-b cpu"
	case KLose:
		return "rings"
	}
	return "vm-b user"
}

// ValidEnd reports whether a state without enabled actions is a proper
// end: nobody waits for a reply, a lock or a fence.
func (m *Model) ValidEnd(s *State) bool {
	return !s.waiting() && s.Job == JobNone && s.RxA&rxPhase == RxIdle && s.RxB == 0 && !s.lockHeld()
}

// Fairness declares the agents that must make progress: each VM's ring
// threads (back ring: requests and notifications; front ring: responses)
// deliver every message that stays in their ring — one group per message,
// since the rings reorder: a group per ring would let one message starve
// while others pass — and finish what they started, the producer's
// device, the fence callback, the exporter's move, the importing VM's
// device and its retransmission timer. The users of both VMs (and the
// exporting VM's local reader) may stop at any time, and a lost message is
// an adversary's move that no group contains.
func (m *Model) Fairness() []statespace.Fairness {
	groups := map[string][]statespace.Action{}
	var order []string
	addTo := func(name string, a int) {
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], statespace.Action(a))
	}
	for a, t := range m.table {
		switch t.kind {
		case KDeliverA:
			addTo("vm-a back ring delivers "+m.MsgName(t.arg, false), a)
		case KRxLock, KRxFence:
			addTo("vm-a back ring finishes begin_cpu_access", a)
		case KRespA:
			addTo("vm-a front ring delivers "+m.MsgName(t.arg, false), a)
		case KDeliverB:
			addTo("vm-b back ring delivers "+m.MsgName(t.arg, true), a)
		case KRxBLock:
			addTo("vm-b back ring gets hyper_dmabuf's lock", a)
		case KRespB:
			addTo("vm-b front ring delivers "+m.MsgName(t.arg, true), a)
		case KWriteDone:
			addTo("vm-a producer device", a)
		case KFenceCB:
			addTo("vm-a fence callback", a)
		case KMove:
			addTo("vm-a exporter: move", a)
		case KRunJob:
			addTo("vm-b device", a)
		case KRetransmit:
			addTo("vm-b retransmission timer", a)
		}
	}
	var out []statespace.Fairness
	for _, n := range order {
		out = append(out, statespace.Fairness{Name: n, Actions: groups[n]})
	}
	return out
}
