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
	when := func(text string, f func(s *vmState) bool, call Call) Stmt {
		return When{Cond: vmPred(text, f), Body: call}
	}
	agent := func(name string, prog Forever) {
		if len(prog) > 0 {
			s.Agents = append(s.Agents, Agent{Name: name, Program: prog})
		}
	}

	// vm-a's user space: share the buffer once, unexport it at any time.
	user := Forever{when("not shared yet", func(s *vmState) bool { return s.Exp == expNone }, VMExport())}
	if c.Unexport {
		user = append(user, when("shared", func(s *vmState) bool { return s.Exp == expValid }, VMUnexport()))
	}
	agent("vm-a user", user)

	// The producer writes its frames in order, one at a time, while the
	// buffer is shared.
	var prod, fenceCB Forever
	for k := 1; k <= c.Frames; k++ {
		k := k
		prod = append(prod, when(fmt.Sprintf("shared and frame %d is next", k), func(s *vmState) bool {
			return s.Exp == expValid && s.submitted() == k-1 && s.done() == k-1
		}, VMSubmitFrame(k)), VMFrameDone(k))
		if c.Fences != crossvm.NoFences {
			fenceCB = append(fenceCB, VMFenceCallback(k))
		}
	}
	agent("vm-a producer", prod)
	agent("vm-a fence callback", fenceCB)

	if c.LocalReader {
		agent("vm-a cpu", Forever{
			when("vm-a cpu outside a bracket", func(s *vmState) bool { return s.Misc&vmLocalCPU == 0 }, VMLocalBegin()),
			when("vm-a cpu inside a bracket", func(s *vmState) bool { return s.Misc&vmLocalCPU != 0 }, VMLocalEnd()),
		})
	}

	// Memory pressure: the original exporter evicts the shared buffer once;
	// the exporter-only driver moves its buffer only before sharing it.
	switch {
	case reexportEvicts:
		agent("vm-a exporter", Forever{
			when("shared, not evicted yet", func(s *vmState) bool { return s.Exp == expValid && s.Evict == evIdle }, VMEvict()),
			VMMove(),
		})
	case c.Design == crossvm.ExporterOnly && c.Evict != crossvm.NoEvict:
		agent("vm-a exporter", Forever{
			when("not shared yet, not moved yet", func(s *vmState) bool { return s.Exp == expNone && s.Evict == evIdle }, VMEvict()),
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
	ready := func(s *vmState) bool { return s.B == bReady }
	vmbUser := Forever{when("nothing imported, the export known", func(s *vmState) bool { return s.B == bIdle && s.Known == knownYes }, VMExportFD())}
	if c.Consumer == crossvm.CPU {
		vmbUser = append(vmbUser,
			when("imported and mapped, outside a bracket", func(s *vmState) bool { return ready(s) && s.canAccess() }, VMBeginCPU()),
			when("inside a bracket, read done (or the mapping revoked)", func(s *vmState) bool {
				return s.B == bRead || s.B == bInside && !s.canAccess()
			}, VMEndCPU()))
	}
	vmbUser = append(vmbUser, when("imported, outside a bracket, no job", func(s *vmState) bool { return ready(s) && s.Job == 0 }, VMRelease()))
	if c.Retry {
		vmbUser = append(vmbUser, VMRetransmit())
	}
	agent("vm-b user", vmbUser)
	if c.Consumer == crossvm.CPU {
		agent("vm-b cpu", Forever{when("vm-b cpu inside a bracket", func(s *vmState) bool { return s.B == bInside }, VMRead())})
	} else {
		agent("vm-b device", Forever{
			when("imported and mapped, no job", func(s *vmState) bool { return ready(s) && s.canAccess() && s.Job == 0 }, VMSubmitJob()),
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
	return s, nil
}
