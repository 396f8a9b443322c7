package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
)

// FromCrossVMConfig re-expresses a configuration of the earlier cross-VM
// model (package model/crossvm) as a world: the design, the rings and the
// fence propagation become the VMSpec, and every actor of the earlier
// model an agent whose program is its free choice of calls, each guarded
// by the order its user keeps (export once, frames in order, import
// before access, begin before read, ...). The kernel's and the transport's
// own conditions (a full ring, a held lock, an unsignalled fence) are the
// calls' semantics. It is the bridge the differential test uses; it goes
// when the earlier model does.
func FromCrossVMConfig(name string, c crossvm.Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", name, err)
	}
	s := Spec{
		Name:  name,
		Lines: 1, Writes: 1, // the cache section is always there; nothing uses it
		VM: VMSpec{
			Design:          VMDesign(c.Design),
			Acked:           c.Sync == crossvm.Acked,
			Fences:          ProxyFences(c.Fences),
			Frames:          c.Frames,
			MoveNotifyWaits: c.Evict == crossvm.EvictWaits,
			Ring:            VMRing{Cap: crossvm.ChanCap, Order: RingReordering},
			Retry:           c.Retry,
		},
	}
	if c.Lossy {
		s.VM.Ring.Losses = crossvm.MaxLosses
	}
	sp := &s.VM
	reexportEvicts := c.Design == crossvm.HyperDmabuf && c.Evict != crossvm.NoEvict
	var perr error
	// when guards a call by an expression's text: every guard has a
	// textual form (vmAtoms), so the world can be written out as a
	// scenario file.
	when := func(text string, call Call) Stmt {
		e, err := ParseExpr(text, &s)
		if err != nil && perr == nil {
			perr = fmt.Errorf("%s: guard %q: %w", name, text, err)
		}
		return When{Cond: e, Body: call}
	}
	agent := func(name string, prog Forever) {
		if len(prog) > 0 {
			s.Agents = append(s.Agents, Agent{Name: name, Program: prog})
		}
	}

	// vm-a's user space: share the buffer once, unexport it at any time.
	user := Forever{when("never_exported", VMExport())}
	if c.Unexport {
		user = append(user, when("exported", VMUnexport()))
	}
	agent("vm-a user", user)

	// The producer writes its frames in order, one at a time, while the
	// buffer is shared.
	var prod, fenceCB Forever
	for k := 1; k <= c.Frames; k++ {
		k := k
		prod = append(prod, when(fmt.Sprintf("exported && frames_submitted == %d && frames_done == %d", k-1, k-1), VMSubmitFrame(k)), VMFrameDone(k))
		if c.Fences != crossvm.NoFences {
			fenceCB = append(fenceCB, VMFenceCallback(k))
		}
	}
	agent("vm-a producer", prod)
	agent("vm-a fence callback", fenceCB)

	if c.LocalReader {
		agent("vm-a cpu", Forever{
			when("!cpu_inside(vm-a)", VMLocalBegin()),
			when("cpu_inside(vm-a)", VMLocalEnd()),
		})
	}

	// Memory pressure: the original exporter evicts the shared buffer once;
	// the exporter-only driver moves its buffer only before sharing it.
	switch {
	case reexportEvicts:
		agent("vm-a exporter", Forever{
			when("exported && !eviction_started", VMEvict()),
			VMMove(),
		})
	case c.Design == crossvm.ExporterOnly && c.Evict != crossvm.NoEvict:
		agent("vm-a exporter", Forever{
			when("never_exported && !eviction_started", VMEvict()),
		})
	}

	// The ring threads: each message kind is its own call.
	var requests []uint8
	if c.Design != crossvm.XenZcopy {
		requests = []uint8{ReqExportFD, ReqRelease}
		if c.Consumer == crossvm.CPU {
			requests = []uint8{ReqExportFD, ReqBegin, ReqEnd, ReqRelease}
		}
	}
	var backA, frontA Forever
	for _, r := range requests {
		backA = append(backA, VMBackRing(VMA, r))
	}
	if reexportEvicts {
		frontA = append(frontA, VMFrontRing(VMA, MsgInvAck))
	}
	if sp.remoteOps() && c.Consumer == crossvm.CPU {
		if reexportEvicts {
			backA = append(backA, VMRemoteBeginLock())
		}
		backA = append(backA, VMRemoteBeginDone())
	}
	agent("vm-a back ring", backA)
	agent("vm-a front ring", frontA)

	toB := []uint8{MsgExport}
	for k := 1; k <= c.Frames; k++ {
		toB = append(toB, VMMsg(MsgFrame, uint8(k)))
	}
	if c.Fences != crossvm.NoFences {
		for k := 1; k <= c.Frames; k++ {
			toB = append(toB, VMMsg(MsgSignal, uint8(k)))
		}
	}
	if c.Unexport && sp.remoteOps() {
		toB = append(toB, MsgUnexport)
	}
	if reexportEvicts {
		toB = append(toB, MsgInvalidate)
	}
	var replies []uint8
	if sp.acked() {
		for _, r := range requests {
			replies = append(replies, VMMsg(MsgReply, r))
			if r == ReqExportFD && (c.Unexport || c.Evict != crossvm.NoEvict) {
				replies = append(replies, VMMsg(MsgReply, r)|MsgErr) // the export can become invalid
			}
		}
	}
	var backB, frontB Forever
	for _, m := range toB {
		backB = append(backB, VMBackRing(VMB, m))
	}
	if sp.acked() && (c.Unexport || reexportEvicts) {
		backB = append(backB, VMBackRingLock())
	}
	for _, m := range replies {
		frontB = append(frontB, VMFrontRing(VMB, m))
	}
	agent("vm-b back ring", backB)
	agent("vm-b front ring", frontB)

	// vm-b's user: import what it was told of, then CPU brackets or device
	// jobs, and release at any time outside them.
	vmbUser := Forever{when("vmb_user(idle) && export_known", VMExportFD())}
	if c.Consumer == crossvm.CPU {
		vmbUser = append(vmbUser,
			when("vmb_user(ready) && vmb_mapped", VMBeginCPU()),
			when("vmb_user(read) || vmb_user(inside) && !vmb_mapped", VMEndCPU()))
	}
	vmbUser = append(vmbUser, when("vmb_user(ready) && vmb_job_idle", VMRelease()))
	if c.Retry {
		vmbUser = append(vmbUser, VMRetransmit())
	}
	agent("vm-b user", vmbUser)
	if c.Consumer == crossvm.CPU {
		agent("vm-b cpu", Forever{when("cpu_inside(vm-b)", VMRead())})
	} else {
		agent("vm-b device", Forever{
			when("vmb_user(ready) && vmb_mapped && vmb_job_idle", VMSubmitJob()),
			VMRunJob(),
		})
	}

	if c.Lossy {
		var lose Forever
		for _, r := range requests {
			lose = append(lose, VMRingLose(VMA, r))
		}
		if reexportEvicts {
			lose = append(lose, VMRingLose(VMA, MsgInvAck))
		}
		for _, m := range append(toB, replies...) {
			lose = append(lose, VMRingLose(VMB, m))
		}
		agent("rings", lose)
	}
	return s, perr
}
