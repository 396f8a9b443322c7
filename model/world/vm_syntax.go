package world

import (
	"fmt"
	"slices"
	"strconv"
	"unsafe"
)

// The vm family's textual form: its calls as scenario files write them
// (vmSyntaxes) and the atoms its guards read (vmAtoms).
//
// Calls the two VMs share with other families by their kernel names take
// the VM as their first argument: dma_buf_begin_cpu_access(vm-b) is vm-b's
// hyper_dmabuf_ops_begin_cpu_access, dma_buf_begin_cpu_access(vm-a) the
// exporting VM's own reader. Ring calls name the VM whose ring thread
// runs and the message, e.g. back_ring_isr(vm-b, FRAME1) or
// front_ring_isr(vm-b, REQ_ERROR_EXPORT_FD). Frames are frame1, frame2.

// vmMsgNamesToA are the messages of the ring to vm-a (vm-b's requests),
// indexed by message.
var vmMsgNamesToA = [...]string{ReqExportFD: "EXPORT_FD", ReqBegin: "BEGIN_CPU_ACCESS", ReqEnd: "END_CPU_ACCESS", ReqRelease: "RELEASE", MsgInvAck: "INVALIDATE_ACK"}

// vmMsgTableToB lists the messages of the ring to vm-b with their names:
// EXPORT, FRAMEk, SIGNALk, NOTIFY_UNEXPORT, INVALIDATE and the replies
// REQ_PROCESSED_<request> and REQ_ERROR_<request>.
func vmMsgTableToB() (names []string, msgs []uint8) {
	add := func(n string, m uint8) { names, msgs = append(names, n), append(msgs, m) }
	add("EXPORT", MsgExport)
	for k := uint8(1); k <= MaxVMFrames; k++ {
		add("FRAME"+strconv.Itoa(int(k)), VMMsg(MsgFrame, k))
	}
	for k := uint8(1); k <= MaxVMFrames; k++ {
		add("SIGNAL"+strconv.Itoa(int(k)), VMMsg(MsgSignal, k))
	}
	add("NOTIFY_UNEXPORT", MsgUnexport)
	add("INVALIDATE", MsgInvalidate)
	for r := ReqExportFD; r <= MsgInvAck; r++ {
		add("REQ_PROCESSED_"+vmMsgNamesToA[r], VMMsg(MsgReply, r))
		add("REQ_ERROR_"+vmMsgNamesToA[r], VMMsg(MsgReply, r)|MsgErr)
	}
	return names, msgs
}

// vmMsgArg is the message argument of a ring call to VM vm: its names,
// stored in Call.N without the sequence bit.
func vmMsgArg(vm int) Arg {
	table := func() ([]string, []uint8) {
		if vm == VMB {
			return vmMsgTableToB()
		}
		var names []string
		var msgs []uint8
		for m := ReqExportFD; m <= MsgInvAck; m++ {
			names, msgs = append(names, vmMsgNamesToA[m]), append(msgs, m)
		}
		return names, msgs
	}
	return Arg{Form: "MSG", What: "a message of the ring to " + vmNames[vm],
		Names: func(*Spec) []string { n, _ := table(); return n },
		Parse: func(_ *Spec, t string) (int, bool) {
			n, m := table()
			if i := slices.Index(n, t); i >= 0 {
				return int(m[i]), true
			}
			return 0, false
		},
		Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N },
		Format: func(_ *Spec, v int) string {
			n, m := table()
			if i := slices.Index(m, uint8(v)); i >= 0 && v == int(uint8(v)) {
				return n[i]
			}
			return fmt.Sprintf("msg%#x", v)
		}}
}

// argFrame is a frame of vm-a's producer: frame1 .. frame<MaxVMFrames>.
var argFrame = Arg{Form: "FRAME", What: "a frame (frame1, frame2)",
	Names: func(*Spec) []string {
		var out []string
		for k := 1; k <= MaxVMFrames; k++ {
			out = append(out, "frame"+strconv.Itoa(k))
		}
		return out
	},
	Parse: func(_ *Spec, t string) (int, bool) {
		if len(t) != len("frame1") || t[:5] != "frame" {
			return 0, false
		}
		k := int(t[5] - '0')
		return k, k >= 1 && k <= MaxVMFrames
	},
	Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N },
	Format: func(_ *Spec, v int) string { return "frame" + strconv.Itoa(v) }}

// argVM is a VM, vm-a or vm-b (an atom's argument).
var argVM = Arg{Form: "VM", What: "a VM (vm-a or vm-b)", Names: func(*Spec) []string { return vmNames[:] },
	Parse: func(_ *Spec, t string) (int, bool) { i := slices.Index(vmNames[:], t); return i, i >= 0 }}

// vmSyntaxes are the vm family's calls as scenario files write them
// (syntax.go): hyper_dmabuf's ioctls by their names, the kernel calls
// each VM makes with the VM as a lead, the ring threads with the VM and
// the message.
var vmSyntaxes = []Syntax{
	{Name: "HYPER_DMABUF_EXPORT_REMOTE", Kind: KVMExport, Help: "vm-a shares the buffer with vm-b and sends EXPORT (xen-zcopy: grants the pages)"},
	{Name: "dma_resv_add_fence", Lead: "vm-a", Kind: KVMSubmitFrame, Args: []Arg{argFrame}, Help: "vm-a's producer submits the frame's write (its fence in the resv, DMA_RESV_USAGE_WRITE) and sends FRAME"},
	{Name: "dma_fence_signal", Lead: "vm-a", Kind: KVMFrameDone, Args: []Arg{argFrame}, Help: "the frame's write completes"},
	{Name: "dma_fence_cb", Kind: KVMFenceCallback, Args: []Arg{argFrame}, Help: "the fence callback sends SIGNAL for the frame (proxy fences)"},
	{Name: "HYPER_DMABUF_UNEXPORT", Kind: KVMUnexport, Help: "vm-a stops sharing (xen-zcopy: gnttab_end_foreign_access)"},
	{Name: "dma_buf_move_notify", Lead: "vm-a", Kind: KVMEvict, Help: "memory pressure: the original exporter locks the resv and notifies hyper_dmabuf (INVALIDATE)"},
	{Name: "ttm_bo_validate", Lead: "vm-a", Kind: KVMMove, Help: "the move after move_notify returned: the old pages freed, dma_resv_unlock"},
	{Name: "dma_resv_lock", Lead: "vm-a", Kind: KVMRemoteBeginLock, Help: "vm-a's back ring: the replayed begin_cpu_access takes the resv lock"},
	{Name: "dma_resv_wait_timeout", Lead: "vm-a", Kind: KVMRemoteBeginDone, Help: "vm-a's back ring: the replayed begin_cpu_access's fence wait returns"},
	{Name: "dma_buf_begin_cpu_access", Lead: "vm-a", Kind: KVMLocalBegin, Help: "vm-a's own reader begins CPU access"},
	{Name: "dma_buf_end_cpu_access", Lead: "vm-a", Kind: KVMLocalEnd, Help: "vm-a's own reader ends CPU access"},
	{Name: "back_ring_isr", Lead: "vm-a", Kind: KVMBackRing, Fixed: Call{Obj: VMA}, Args: []Arg{vmMsgArg(VMA)}, Help: "vm-a's back ring thread receives vm-b's request and replays it"},
	{Name: "back_ring_isr", Lead: "vm-b", Kind: KVMBackRing, Fixed: Call{Obj: VMB}, Args: []Arg{vmMsgArg(VMB)}, Help: "vm-b's back ring thread receives a message of vm-a"},
	{Name: "front_ring_isr", Lead: "vm-a", Kind: KVMFrontRing, Fixed: Call{Obj: VMA}, Args: []Arg{vmMsgArg(VMA)}, Help: "vm-a's front ring handler receives a response"},
	{Name: "front_ring_isr", Lead: "vm-b", Kind: KVMFrontRing, Fixed: Call{Obj: VMB}, Args: []Arg{vmMsgArg(VMB)}, Help: "vm-b's front ring handler receives a reply"},
	{Name: "mutex_lock", Lead: "vm-b", Kind: KVMBackRingLock, Help: "vm-b's back ring takes hy_drv_priv->lock for the message it holds"},
	{Name: "HYPER_DMABUF_EXPORT_FD", Kind: KVMExportFD, Help: "vm-b imports the buffer (xen-zcopy: DRM_IOCTL_XEN_ZCOPY_DUMB_FROM_REFS)"},
	{Name: "dma_buf_begin_cpu_access", Lead: "vm-b", Kind: KVMBeginCPU, Help: "vm-b begins CPU access: hyper_dmabuf_ops_begin_cpu_access → sync_request"},
	{Name: "cpu_read", Lead: "vm-b", Kind: KVMRead, Help: "vm-b's CPU reads the pages inside its bracket"},
	{Name: "dma_buf_end_cpu_access", Lead: "vm-b", Kind: KVMEndCPU, Help: "vm-b ends CPU access: hyper_dmabuf_ops_end_cpu_access → sync_request"},
	{Name: "dma_buf_put", Lead: "vm-b", Kind: KVMRelease, Help: "vm-b closes its dma-buf: hyper_dmabuf_ops_release → sync_request"},
	{Name: "drm_sched_job_add_implicit_dependencies", Lead: "vm-b", Kind: KVMSubmitJob, Help: "vm-b's device read job, depending on vm-b's resv"},
	{Name: "run_job", Lead: "vm-b", Kind: KVMRunJob, Help: "vm-b's device job runs: the DMA read"},
	{Name: "sync_request_timeout", Kind: KVMRetransmit, Help: "vm-b's reply timeout: the request is sent again"},
	{Name: "ring_lose", Lead: "vm-a", Kind: KVMRingLose, Fixed: Call{Obj: VMA}, Args: []Arg{vmMsgArg(VMA)}, Help: "the ring to vm-a loses a message (adversary)"},
	{Name: "ring_lose", Lead: "vm-b", Kind: KVMRingLose, Fixed: Call{Obj: VMB}, Args: []Arg{vmMsgArg(VMB)}, Help: "the ring to vm-b loses a message (adversary)"},
}

// vmUserPhases name vm-b's user's phases (vmState.B) for vmb_user(PHASE).
var vmUserPhases = [...]string{bIdle: "idle", bWaitImport: "importing", bReady: "ready", bWaitBegin: "beginning",
	bInside: "inside", bRead: "read", bWaitEnd: "ending", bWaitRel: "releasing", bDone: "done"}

// argVMUserPhase is a phase of vm-b's user.
var argVMUserPhase = Arg{Form: "PHASE", What: "a phase of vm-b's user", Names: func(*Spec) []string { return vmUserPhases[:] },
	Parse: func(_ *Spec, t string) (int, bool) { i := slices.Index(vmUserPhases[:], t); return i, i >= 0 }}

// vmAtom is an atom over the vm section; false (0) in a world whose
// programs make no vm call, which has no such section.
func vmAtom(text string, f func(s *vmState) int) Expr {
	return Expr{Text: text, f: func(w *core, b []byte) int {
		if w.lay.vm < 0 {
			return 0
		}
		return f((*vmState)(unsafe.Pointer(&b[w.lay.vm])))
	}}
}

// vmBool is a boolean vm atom.
func vmBool(f func(s *vmState) bool) func(string, []int, []string) Expr {
	return func(t string, _ []int, _ []string) Expr {
		return vmAtom(t, func(s *vmState) int { return b2i(f(s)) })
	}
}

// vmAtoms are the vm family's atoms of the expression language
// (exprparse.go): the state its users' disciplines read.
var vmAtoms = []Atom{
	{Name: "exported", Help: "vm-a's export is valid (exported->valid)", Build: vmBool(func(s *vmState) bool { return s.Exp == expValid })},
	{Name: "never_exported", Help: "vm-a has not shared the buffer yet", Build: vmBool(func(s *vmState) bool { return s.Exp == expNone })},
	{Name: "unexported", Help: "vm-a unexported the buffer (valid = false, or cleaned up)", Build: vmBool(func(s *vmState) bool { return s.Exp >= expUnexported })},
	{Name: "frames_submitted", Help: "the frames vm-a's producer has submitted", Build: func(t string, _ []int, _ []string) Expr {
		return vmAtom(t, func(s *vmState) int { return s.submitted() })
	}},
	{Name: "frames_done", Help: "the frames whose write completed", Build: func(t string, _ []int, _ []string) Expr {
		return vmAtom(t, func(s *vmState) int { return s.done() })
	}},
	{Name: "eviction_started", Help: "the original exporter began evicting the buffer (dma_buf_move_notify)", Build: vmBool(func(s *vmState) bool { return s.Evict != evIdle })},
	{Name: "pages_freed", Help: "the shared pages were freed", Build: vmBool(func(s *vmState) bool { return s.Pages&pagesFreed != 0 })},
	{Name: "cpu_inside", Args: []Arg{argVM}, Help: "the VM's CPU reader is inside a begin/end_cpu_access bracket", Build: func(t string, a []int, _ []string) Expr {
		if a[0] == VMA {
			return vmAtom(t, func(s *vmState) int { return b2i(s.Misc&vmLocalCPU != 0) })
		}
		return vmAtom(t, func(s *vmState) int { return b2i(s.B == bInside) })
	}},
	{Name: "export_known", Help: "vm-b was told of the export and not of its end", Build: vmBool(func(s *vmState) bool { return s.Known == knownYes })},
	{Name: "vmb_user", Args: []Arg{argVMUserPhase}, Help: "vm-b's user is in the phase (idle, importing, ready, beginning, inside, read, ending, releasing, done)", Build: func(t string, a []int, _ []string) Expr {
		p := uint8(a[0])
		return vmAtom(t, func(s *vmState) int { return b2i(s.B == p) })
	}},
	{Name: "vmb_mapped", Help: "vm-b's mapping of the shared pages is live (not revoked)", Build: vmBool((*vmState).canAccess)},
	{Name: "vmb_job_idle", Help: "vm-b's device has no job", Build: vmBool(func(s *vmState) bool { return s.Job == 0 })},
	{Name: "ring_len", Args: []Arg{argVM}, Help: "the messages in the ring to the VM", Build: func(t string, a []int, _ []string) Expr {
		vm := a[0]
		return vmAtom(t, func(s *vmState) int {
			r := &s.ToA
			if vm == VMB {
				r = &s.ToB
			}
			n := 0
			for _, m := range r {
				n += b2i(m != 0)
			}
			return n
		})
	}},
	{Name: "messages_lost", Help: "the messages the rings have lost so far", Build: func(t string, _ []int, _ []string) Expr {
		return vmAtom(t, (*vmState).lost)
	}},
}
