package world

import "fmt"

// The vm family: a dma-buf shared between two virtual machines. vm-a
// exports: its driver shares the pages with vm-b (hyper_dmabuf,
// xen-zcopy, or the exporter-only design of their review, dri-devel, April
// 2018), its producer writes frames into them and its back ring thread
// replays vm-b's remote operations on the local dma-buf. vm-b imports: its
// user maps the pages (HYPER_DMABUF_EXPORT_FD), reads them in CPU brackets
// or with device jobs, and releases them. Messages cross through one ring
// per direction whose capacity, ordering and losses are parameters of the
// VMSpec, not of the agents. docs/crossvm-p2p.md maps every call to its
// source; the calls are defined once here (vmCallDefs) and their
// semantics in vm_rules.go.

// VMDesign is how vm-a's driver obtains the buffer it shares.
type VMDesign uint8

const (
	// HyperDmabuf re-exports a dma-buf imported from a local producer
	// (dma_buf_attach + dma_buf_map_attachment on the original); the pages
	// belong to the original exporter, which may move them (move_notify).
	HyperDmabuf VMDesign = iota
	// XenZcopy shares the grant references and nothing else: vm-b's map,
	// CPU access and release never reach vm-a.
	XenZcopy
	// ExporterOnly: the driver allocates the pages and exports them to the
	// producer; it never re-exports a buffer it imported.
	ExporterOnly
)

func (d VMDesign) String() string {
	if d <= ExporterOnly {
		return [...]string{"hyper_dmabuf", "xen-zcopy", "exporter-only"}[d]
	}
	return fmt.Sprintf("VMDesign(%d)", d)
}

// ProxyFences is how the producer's fences cross the VM boundary.
type ProxyFences uint8

const (
	// NoProxyFences: vm-b's dma_resv never holds a fence of the producer.
	NoProxyFences ProxyFences = iota
	// ProxyOrdered: the frame notification carries the producer's fence,
	// vm-b installs a proxy dma_fence, vm-a's fence callback sends SIGNAL;
	// vm-b records the highest seqno signalled, so a SIGNAL that overtakes
	// its notification is kept.
	ProxyOrdered
	// ProxyUnordered: vm-b drops a SIGNAL for a proxy it does not know yet.
	ProxyUnordered
)

// RingOrder is the delivery order of a ring.
type RingOrder uint8

const (
	// RingReordering rings hold a multiset: any message may be delivered next.
	RingReordering RingOrder = iota
	// RingFIFO rings deliver their oldest message first.
	RingFIFO
)

// VMRing is the transport between the VMs: one ring per direction with the
// same parameters.
type VMRing struct {
	// Cap is the number of messages a ring holds (1..MaxRingCap); a sender
	// blocks while its ring is full.
	Cap   int
	Order RingOrder
	// Losses bounds the messages the rings may lose over the run
	// (0..MaxRingLosses); losing one is an adversary's move.
	Losses int
}

// Limits of the vm family.
const (
	MaxRingCap    = 2
	MaxRingLosses = 3
	MaxVMFrames   = 2
)

// VMSpec declares the vm family's objects: the two VMs, what vm-a shares
// and how, the rings, and how vm-b's operations and the producer's fences
// reach the other side. It matters only to a world whose programs make vm
// calls.
type VMSpec struct {
	Design VMDesign
	// Acked: vm-b's remote operations wait for vm-a's reply
	// (sync_request(…, WAIT_AFTER_SYNC_REQ)); otherwise they are sent and
	// return at once. XenZcopy has no remote operations.
	Acked bool
	// Fences is the propagation of the producer's fences to vm-b.
	Fences ProxyFences
	// Frames is the number of frames the producer may write (1..MaxVMFrames).
	Frames int
	// MoveNotifyWaits: hyper_dmabuf's move_notify waits, under the resv
	// lock, for vm-b's acknowledgement of INVALIDATE; otherwise it returns
	// once INVALIDATE is sent.
	MoveNotifyWaits bool
	// Ring is the transport.
	Ring VMRing
	// Retry: vm-b retransmits a request whose reply does not come back,
	// with a sequence bit, and vm-a repeats its reply to a retransmission.
	Retry bool
}

// acked reports whether vm-b's operations wait for a reply.
func (s *VMSpec) acked() bool { return s.Design != XenZcopy && s.Acked }

// remoteOps reports whether vm-b's operations reach vm-a at all.
func (s *VMSpec) remoteOps() bool { return s.Design != XenZcopy }

func (s *VMSpec) validate(w *Spec) error {
	if w.VMs.used() {
		if *s != (VMSpec{}) {
			return fmt.Errorf("vm: a world of three VMs (vms) has no two-VM rings or designs")
		}
		return w.VMs.validate() // a world of three VMs (vm_chain.go)
	}
	uses := false
	for _, a := range w.Agents {
		if stmtMakes(a.Program, isVMChainKind) {
			return fmt.Errorf("agent %s makes calls of three VMs: declare the VMs (a vms section)", a.Name)
		}
		if stmtUsesFamily(a.Program, famVM) {
			uses = true
		}
	}
	if !uses {
		return nil
	}
	switch {
	case s.Design > ExporterOnly:
		return fmt.Errorf("vm: unknown design %d", s.Design)
	case s.Fences > ProxyUnordered:
		return fmt.Errorf("vm: unknown fence propagation %d", s.Fences)
	case s.Frames < 1 || s.Frames > MaxVMFrames:
		return fmt.Errorf("vm: frames must be 1..%d, not %d", MaxVMFrames, s.Frames)
	case s.Ring.Cap < 1 || s.Ring.Cap > MaxRingCap:
		return fmt.Errorf("vm: ring capacity must be 1..%d, not %d", MaxRingCap, s.Ring.Cap)
	case s.Ring.Order > RingFIFO:
		return fmt.Errorf("vm: unknown ring order %d", s.Ring.Order)
	case s.Ring.Losses < 0 || s.Ring.Losses > MaxRingLosses:
		return fmt.Errorf("vm: ring losses must be 0..%d, not %d", MaxRingLosses, s.Ring.Losses)
	case s.Design == XenZcopy && (s.Retry || s.Fences != NoProxyFences):
		return fmt.Errorf("vm: xen-zcopy has no inter-VM messages for retries or fences")
	case s.Retry && (!s.acked() || s.Ring.Losses == 0):
		return fmt.Errorf("vm: retransmission needs acknowledged operations over a lossy ring")
	}
	return nil
}

// stmtUsesFamily reports whether a program makes a call of family fam.
func stmtUsesFamily(st Stmt, fam int) bool {
	return stmtMakes(st, func(k CallKind) bool { return familyOf(k) == fam })
}

// stmtMakes reports whether a program makes a call whose kind is (any)
// kind.
func stmtMakes(st Stmt, kind func(CallKind) bool) bool {
	switch st := st.(type) {
	case Call:
		return kind(st.Kind)
	case Atomic:
		for _, c := range st {
			if kind(c.Kind) {
				return true
			}
		}
	case Seq:
		for _, x := range st {
			if stmtMakes(x, kind) {
				return true
			}
		}
	case Choose:
		for _, x := range st {
			if stmtMakes(x, kind) {
				return true
			}
		}
	case Forever:
		for _, x := range st {
			if stmtMakes(x, kind) {
				return true
			}
		}
	case Repeat:
		return stmtMakes(st.Body, kind)
	case Loop:
		return stmtMakes(st.Body, kind)
	case When:
		return stmtMakes(st.Body, kind)
	}
	return false
}

// The VMs, as the Obj of the ring calls.
const (
	VMA = 0 // the exporting VM
	VMB = 1 // the importing VM
)

// Calls of the vm family.
const (
	// vm-a.
	KVMExport          CallKind = famVM<<8 | iota // share the buffer, send EXPORT
	KVMSubmitFrame                                // the producer submits frame N's write (fence in the resv), sends FRAME(N)
	KVMFrameDone                                  // frame N's write completes: dma_fence_signal
	KVMFenceCallback                              // the fence callback sends SIGNAL(N)
	KVMUnexport                                   // HYPER_DMABUF_UNEXPORT
	KVMEvict                                      // memory pressure: dma_resv_lock, dma_buf_move_notify
	KVMMove                                       // the move, the old pages freed, dma_resv_unlock
	KVMRemoteBeginLock                            // vm-a's back ring: the replayed begin_cpu_access gets the resv lock
	KVMRemoteBeginDone                            // vm-a's back ring: the replayed begin_cpu_access's fence wait returns
	KVMLocalBegin                                 // vm-a's own reader: dma_buf_begin_cpu_access
	KVMLocalEnd                                   // vm-a's own reader: dma_buf_end_cpu_access
	// Both VMs' ring threads (Obj: the VM).
	KVMBackRing  // the back ring thread receives message N (a request or a notification)
	KVMFrontRing // the front ring handler receives response N
	// vm-b.
	KVMBackRingLock // vm-b's back ring gets hyper_dmabuf's lock for the message it holds
	KVMExportFD     // HYPER_DMABUF_EXPORT_FD
	KVMBeginCPU     // dma_buf_begin_cpu_access → hyper_dmabuf_ops_begin_cpu_access
	KVMRead         // the CPU reads the pages inside its bracket
	KVMEndCPU       // dma_buf_end_cpu_access → hyper_dmabuf_ops_end_cpu_access
	KVMRelease      // close of the dma-buf: hyper_dmabuf_ops_release
	KVMSubmitJob    // a device read job with implicit dependencies on vm-b's resv
	KVMRunJob       // the device job runs
	KVMRetransmit   // the reply timeout: the request is sent again
	// The rings (adversary).
	KVMRingLose // the ring to VM Obj loses message N
	vmEndCalls
)

const numVMCalls = int(vmEndCalls & 0xff)

var vmCallDefs = [vmChainFencesEnd & 0xff]callDef{
	KVMExport & 0xff:          {name: "HYPER_DMABUF_EXPORT_REMOTE", kernel: "hyper_dmabuf RFC v2: hyper_dmabuf_ioctl.c: hyper_dmabuf_export_remote_ioctl (xen-zcopy: grant references through the display protocol)", steps: 1},
	KVMSubmitFrame & 0xff:     {name: "submit frame write", kernel: "drivers/dma-buf/dma-resv.c: dma_resv_add_fence(DMA_RESV_USAGE_WRITE) at the producer's job submission; the frame notification", steps: 1},
	KVMFrameDone & 0xff:       {name: "dma_fence_signal", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal at the write's completion", steps: 1},
	KVMFenceCallback & 0xff:   {name: "fence callback: send SIGNAL", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_add_callback (a callback forwarding the signal to vm-b)", steps: 1},
	KVMUnexport & 0xff:        {name: "HYPER_DMABUF_UNEXPORT", kernel: "hyper_dmabuf_ioctl.c: hyper_dmabuf_unexport_ioctl → hyper_dmabuf_delayed_unexport (xen-zcopy: gnttab_end_foreign_access)", steps: 1},
	KVMEvict & 0xff:           {name: "dma_buf_move_notify", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_move_notify under dma_resv_lock → hyper_dmabuf's importer_ops->move_notify", steps: 1},
	KVMMove & 0xff:            {name: "move, free the old pages, dma_resv_unlock", kernel: "the dynamic exporter's move after move_notify returned (e.g. ttm_bo_validate), dma_resv_unlock", steps: 1},
	KVMRemoteBeginLock & 0xff: {name: "dma_resv_lock in begin_cpu_access", kernel: "hyper_dmabuf_remote_sync.c: dma_buf_begin_cpu_access → the exporter's begin_cpu_access reserving the BO (amdgpu_dma_buf_begin_cpu_access)", steps: 1},
	KVMRemoteBeginDone & 0xff: {name: "dma_resv_wait_timeout in begin_cpu_access", kernel: "hyper_dmabuf_remote_sync.c: dma_buf_begin_cpu_access → dma_resv_wait_timeout returning", steps: 1},
	KVMLocalBegin & 0xff:      {name: "dma_buf_begin_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_begin_cpu_access (vm-a's own reader)", steps: 1},
	KVMLocalEnd & 0xff:        {name: "dma_buf_end_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_end_cpu_access (vm-a's own reader)", steps: 1},
	KVMBackRing & 0xff:        {name: "back_ring_isr", kernel: "hyper_dmabuf_xen_comm.c: back_ring_isr → hyper_dmabuf_msg.c: hyper_dmabuf_msg_parse (→ hyper_dmabuf_remote_sync)", steps: 1},
	KVMFrontRing & 0xff:       {name: "front_ring_isr", kernel: "hyper_dmabuf_xen_comm.c: front_ring_isr (req_pending.status)", steps: 1},
	KVMBackRingLock & 0xff:    {name: "mutex_lock(&hy_drv_priv->lock)", kernel: "hyper_dmabuf_msg.c: hyper_dmabuf_msg_parse handling the import list under hy_drv_priv->lock", steps: 1},
	KVMExportFD & 0xff:        {name: "HYPER_DMABUF_EXPORT_FD", kernel: "hyper_dmabuf_ioctl.c: hyper_dmabuf_export_fd_ioctl (xen-zcopy: DRM_IOCTL_XEN_ZCOPY_DUMB_FROM_REFS)", steps: 1},
	KVMBeginCPU & 0xff:        {name: "dma_buf_begin_cpu_access", kernel: "hyper_dmabuf_ops.c: hyper_dmabuf_ops_begin_cpu_access → sync_request(HYPER_DMABUF_OPS_BEGIN_CPU_ACCESS)", steps: 1},
	KVMRead & 0xff:            {name: "cpu_read", kernel: "a load through vm-b's mapping of the grant references", steps: 1},
	KVMEndCPU & 0xff:          {name: "dma_buf_end_cpu_access", kernel: "hyper_dmabuf_ops.c: hyper_dmabuf_ops_end_cpu_access → sync_request(HYPER_DMABUF_OPS_END_CPU_ACCESS)", steps: 1},
	KVMRelease & 0xff:         {name: "dma_buf_release", kernel: "hyper_dmabuf_ops.c: hyper_dmabuf_ops_release → sync_request(HYPER_DMABUF_OPS_RELEASE)", steps: 1},
	KVMSubmitJob & 0xff:       {name: "submit read job", kernel: "drivers/gpu/drm/scheduler/sched_main.c: drm_sched_job_add_implicit_dependencies on vm-b's dma_resv", steps: 1},
	KVMRunJob & 0xff:          {name: "run_job", kernel: "drm_sched_backend_ops.run_job: the DMA read", steps: 1},
	KVMRetransmit & 0xff:      {name: "retransmit", kernel: "a reply timeout in sync_request (hyper_dmabuf polls with a timeout; here it retransmits)", steps: 1},
	KVMRingLose & 0xff:        {name: "ring loses a message", kernel: "a lossy transport (adversary)", steps: 1},
	// The three VMs (vm_chain.go).
	KVMChainExport & 0xff:   {name: "HYPER_DMABUF_EXPORT_REMOTE", kernel: "hyper_dmabuf_ioctl.c: hyper_dmabuf_export_remote_ioctl (a record per buffer and remote domain: hyper_dmabuf_find_hid_exported(dma_buf, rdomid); dma_buf_get, dma_buf_attach, dma_buf_map_attachment; gnttab_grant_foreign_access)", steps: 1},
	KVMChainUnexport & 0xff: {name: "HYPER_DMABUF_UNEXPORT", kernel: "hyper_dmabuf_ioctl.c: hyper_dmabuf_unexport_ioctl → delayed_unexport (valid = false; cleanup when !active: hyper_dmabuf_cleanup_sgt_info, gnttab_end_foreign_access)", steps: 1},
	KVMChainImport & 0xff:   {name: "HYPER_DMABUF_EXPORT_FD", kernel: "hyper_dmabuf_ioctl.c: hyper_dmabuf_export_fd_ioctl → EXPORT_FD (hyper_dmabuf_msg.c: exported->active++ when valid, REQ_ERROR otherwise), map_shared_pages", steps: 1},
	KVMChainRelease & 0xff:  {name: "dma_buf_put", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_put; the last reference: hyper_dmabuf_ops.c: hyper_dmabuf_ops_release → HYPER_DMABUF_OPS_RELEASE (hyper_dmabuf_remote_sync.c: exported->active--, cleanup when !valid && !active)", steps: 1},
	// vm-c's write and vm-a's reader (vm_chain_fences.go).
	KVMChainWrite & 0xff:     {name: "dma_resv_add_fence", kernel: "drivers/dma-buf/dma-resv.c: dma_resv_add_fence(DMA_RESV_USAGE_WRITE) at vm-c's write job's submission; its frame notification up the chain, a proxy fence in each exporter's dma_resv the design forwards it to", steps: 1},
	KVMChainWriteDone & 0xff: {name: "dma_fence_signal", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal at the write's completion; the proxies signal (the fence callback's SIGNAL)", steps: 1},
	KVMChainBegin & 0xff:     {name: "dma_buf_begin_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_begin_cpu_access → dma_resv_wait_timeout on vm-a's dma_resv (vm-a's own reader)", steps: 1},
	KVMChainRead & 0xff:      {name: "cpu_read", kernel: "a load by vm-a's CPU inside its bracket", steps: 1},
}

// Constructors, named after the calls.

// VMExport is vm-a's driver sharing the buffer (HYPER_DMABUF_EXPORT_REMOTE).
func VMExport() Call { return Call{Kind: KVMExport} }

// VMSubmitFrame is vm-a's producer submitting the write of frame k.
func VMSubmitFrame(k int) Call { return Call{Kind: KVMSubmitFrame, N: k} }

// VMFrameDone is frame k's write completing (dma_fence_signal).
func VMFrameDone(k int) Call { return Call{Kind: KVMFrameDone, N: k} }

// VMFenceCallback is the fence callback sending SIGNAL(k) to vm-b.
func VMFenceCallback(k int) Call { return Call{Kind: KVMFenceCallback, N: k} }

// VMUnexport is HYPER_DMABUF_UNEXPORT (xen-zcopy: the grants ended).
func VMUnexport() Call { return Call{Kind: KVMUnexport} }

// VMEvict is memory pressure in vm-a: dma_buf_move_notify by the original
// exporter (exporter-only: the driver moves a buffer it has not shared).
func VMEvict() Call { return Call{Kind: KVMEvict} }

// VMMove is the original exporter's move after move_notify returned.
func VMMove() Call { return Call{Kind: KVMMove} }

// VMRemoteBeginLock is vm-a's replayed begin_cpu_access getting the resv
// lock.
func VMRemoteBeginLock() Call { return Call{Kind: KVMRemoteBeginLock} }

// VMRemoteBeginDone is vm-a's replayed begin_cpu_access returning from its
// fence wait.
func VMRemoteBeginDone() Call { return Call{Kind: KVMRemoteBeginDone} }

// VMLocalBegin is vm-a's own reader's dma_buf_begin_cpu_access.
func VMLocalBegin() Call { return Call{Kind: KVMLocalBegin} }

// VMLocalEnd is vm-a's own reader's dma_buf_end_cpu_access.
func VMLocalEnd() Call { return Call{Kind: KVMLocalEnd} }

// VMBackRing is VM vm's back ring thread receiving msg (Msg values,
// without the sequence bit).
func VMBackRing(vm int, msg uint8) Call { return Call{Kind: KVMBackRing, Obj: vm, N: int(msg)} }

// VMFrontRing is VM vm's front ring handler receiving response msg.
func VMFrontRing(vm int, msg uint8) Call { return Call{Kind: KVMFrontRing, Obj: vm, N: int(msg)} }

// VMBackRingLock is vm-b's back ring getting hyper_dmabuf's lock.
func VMBackRingLock() Call { return Call{Kind: KVMBackRingLock} }

// VMExportFD is vm-b's HYPER_DMABUF_EXPORT_FD (xen-zcopy: map the grants).
func VMExportFD() Call { return Call{Kind: KVMExportFD} }

// VMBeginCPU is vm-b's dma_buf_begin_cpu_access.
func VMBeginCPU() Call { return Call{Kind: KVMBeginCPU} }

// VMRead is vm-b's CPU reading the pages.
func VMRead() Call { return Call{Kind: KVMRead} }

// VMEndCPU is vm-b's dma_buf_end_cpu_access.
func VMEndCPU() Call { return Call{Kind: KVMEndCPU} }

// VMRelease is vm-b closing its dma-buf.
func VMRelease() Call { return Call{Kind: KVMRelease} }

// VMSubmitJob is vm-b's device read job submitted.
func VMSubmitJob() Call { return Call{Kind: KVMSubmitJob} }

// VMRunJob is vm-b's device job running.
func VMRunJob() Call { return Call{Kind: KVMRunJob} }

// VMRetransmit is vm-b's reply timeout retransmitting its request.
func VMRetransmit() Call { return Call{Kind: KVMRetransmit} }

// VMRingLose is the ring to VM vm losing msg.
func VMRingLose(vm int, msg uint8) Call { return Call{Kind: KVMRingLose, Obj: vm, N: int(msg)} }

// Messages. Requests, vm-b → vm-a.
const (
	ReqExportFD uint8 = 1 // HYPER_DMABUF_EXPORT_FD (exported->active++)
	ReqBegin    uint8 = 2 // HYPER_DMABUF_OPS_BEGIN_CPU_ACCESS
	ReqEnd      uint8 = 3 // HYPER_DMABUF_OPS_END_CPU_ACCESS
	ReqRelease  uint8 = 4 // HYPER_DMABUF_OPS_RELEASE (exported->active--)
	MsgInvAck   uint8 = 5 // the response to INVALIDATE
)

// Messages, vm-a → vm-b.
const (
	MsgExport     uint8 = 1 // HYPER_DMABUF_EXPORT
	MsgFrame      uint8 = 2 // a new frame (arg: the frame)
	MsgSignal     uint8 = 3 // the producer's fence of frame arg signalled
	MsgUnexport   uint8 = 4 // HYPER_DMABUF_NOTIFY_UNEXPORT
	MsgInvalidate uint8 = 5 // move_notify: stop using the pages
	MsgReply      uint8 = 6 // HYPER_DMABUF_REQ_PROCESSED / REQ_ERROR (arg: the request)
)

// Message encoding: kind | arg<<3 | error<<6 | sequence bit<<7.
const (
	msgKind  uint8 = 0x07
	msgArg   uint8 = 0x38
	argShift       = 3
	// MsgErr marks REQ_ERROR.
	MsgErr uint8 = 1 << 6
	// MsgSeq is the sequence bit of a request and its reply.
	MsgSeq uint8 = 1 << 7
)

// VMMsg builds a message.
func VMMsg(kind, arg uint8) uint8 { return kind | arg<<argShift }

func kindOf(m uint8) uint8 { return m & msgKind }
func argOf(m uint8) uint8  { return m & msgArg >> argShift }

var reqNames = [...]string{"?", "EXPORT_FD", "BEGIN_CPU_ACCESS", "END_CPU_ACCESS", "RELEASE", "INVALIDATE ack"}

// VMMsgName names message msg of the ring to vm-b (toB) or to vm-a, without
// its sequence bit.
func VMMsgName(msg uint8, toB bool) string {
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
		return fmt.Sprintf("%s(%s)", st, reqNames[argOf(msg)&7%uint8(len(reqNames))])
	}
	return fmt.Sprintf("msg(%#x)", msg)
}

var vmNames = [2]string{"vm-a", "vm-b"}

// vmCallName renders a vm-family call with its arguments.
func (c *core) vmCallName(call Call, step int) string {
	if isVMChainKind(call.Kind) {
		return c.vmChainCallName(call)
	}
	d := &vmCallDefs[call.Kind&0xff]
	switch call.Kind {
	case KVMExport:
		if c.spec.VM.Design == XenZcopy {
			return "share the grant references"
		}
		return d.name
	case KVMSubmitFrame:
		return fmt.Sprintf("submit frame %d write (dma_resv_add_fence WRITE), send FRAME(%d)", call.N, call.N)
	case KVMFrameDone:
		return fmt.Sprintf("frame %d written: dma_fence_signal", call.N)
	case KVMFenceCallback:
		return fmt.Sprintf("fence callback: send SIGNAL(%d)", call.N)
	case KVMUnexport:
		if c.spec.VM.Design == XenZcopy {
			return "gnttab_end_foreign_access (stop sharing)"
		}
	case KVMEvict:
		if c.spec.VM.Design == ExporterOnly {
			return "move the buffer (not shared yet)"
		}
		return "dma_resv_lock, dma_buf_move_notify: send INVALIDATE"
	case KVMBackRing:
		return fmt.Sprintf("%s back_ring_isr: %s", vmNames[call.Obj&1], VMMsgName(uint8(call.N), call.Obj == VMB))
	case KVMFrontRing:
		return fmt.Sprintf("%s front_ring_isr: %s", vmNames[call.Obj&1], VMMsgName(uint8(call.N), call.Obj == VMB))
	case KVMExportFD:
		if c.spec.VM.Design == XenZcopy {
			return "map the grant references"
		}
	case KVMRingLose:
		return fmt.Sprintf("ring to %s loses %s", vmNames[call.Obj&1], VMMsgName(uint8(call.N), call.Obj == VMB))
	}
	return d.name
}

// vmCheckCall checks a vm-family call's arguments.
func (c *core) vmCheckCall(call Call) error {
	if isVMChainKind(call.Kind) {
		return c.vmChainCheckCall(call)
	}
	if c.spec.VMs.used() {
		return fmt.Errorf("%s: a world of three VMs (vms) makes their calls only", c.callName(call, 0))
	}
	i := int(call.Kind & 0xff)
	if i >= numVMCalls {
		return fmt.Errorf("unknown vm call %d", i)
	}
	name := vmCallDefs[i].name
	s := &c.spec.VM
	switch call.Kind {
	case KVMSubmitFrame, KVMFrameDone, KVMFenceCallback:
		if call.N < 1 || call.N > s.Frames {
			return fmt.Errorf("%s: no frame %d (the producer writes %d)", name, call.N, s.Frames)
		}
		if call.Kind == KVMFenceCallback && s.Fences == NoProxyFences {
			return fmt.Errorf("%s: the world propagates no fences", name)
		}
	case KVMBackRing, KVMFrontRing, KVMRingLose:
		if call.Obj != VMA && call.Obj != VMB {
			return fmt.Errorf("%s: no VM %d", name, call.Obj)
		}
		if call.N <= 0 || call.N > 0xff || uint8(call.N)&MsgSeq != 0 {
			return fmt.Errorf("%s: bad message %#x (without its sequence bit)", name, call.N)
		}
		if call.Kind == KVMRingLose && s.Ring.Losses == 0 {
			return fmt.Errorf("%s: the rings lose nothing", name)
		}
	case KVMRetransmit:
		if !s.Retry {
			return fmt.Errorf("%s: the world does not retransmit", name)
		}
	case KVMMove, KVMRemoteBeginLock, KVMBackRingLock:
		if s.Design == XenZcopy {
			return fmt.Errorf("%s: xen-zcopy sends no remote operations", name)
		}
	}
	return nil
}
