package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
)

// FromDeadlockConfig re-expresses a configuration of the earlier locking
// model (package model/deadlock) as a world: the same locks, fences,
// channels and runtime-PM devices in the lock family, and each agent's
// instruction list as a program. Straight-line steps become a Seq; a step
// with several kernel results becomes a Choose whose branches start with
// the call of each result (enabled only when the kernel returns it) and go
// on where the earlier program's Next or Else pointed: a Goto to a Label
// placed at that step, or simply the following statement. A step at which
// the agent may wait forever is a labelled point listed in
// LockSpec.Idle. One earlier action is one world step, so the two state
// graphs are the same. The cache section of the state is present but
// unused (one line, one write, no devices). The bridge goes when the
// earlier model does.
func FromDeadlockConfig(name string, c deadlock.Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", name, err)
	}
	s := Spec{Name: name, Lines: 1, Writes: 1}
	ls := &s.Locks
	for _, l := range c.Locks {
		ls.Locks = append(ls.Locks, LockObj{Name: l.Name, Kind: LockKind(l.Kind)})
	}
	for _, f := range c.Fences {
		ls.Fences = append(ls.Fences, LockFence{Name: f.Name, Resv: f.Resv, Usage: ResvUsage(f.Usage), Deps: f.Deps,
			DepUsage: ResvUsage(f.DepUsage), Lock: f.Lock, Indefinite: f.Indefinite, Published: f.Published,
			Refs: f.Refs, Pending: f.Pending})
	}
	ls.Channels = append([]string(nil), c.Channels...)
	ls.PMDevices = append([]string(nil), c.Devices...)
	ls.WW = WWClass(c.WW)
	ls.NoLockdepPriming = c.NoLockdepPriming
	ls.Liveness = c.Liveness
	for _, a := range c.Agents {
		prog, idle := translateProgram(c, a.Program)
		for _, l := range idle {
			ls.Idle = append(ls.Idle, LockPoint{Agent: a.Name, Label: l})
		}
		s.Agents = append(s.Agents, Agent{Name: a.Name, Program: prog})
	}
	return s, nil
}

// stepLabel names the point of an earlier program's step n.
func stepLabel(n int) string { return fmt.Sprintf("step %d", n) }

// translateProgram turns an instruction list into a program, and returns
// the labels of its idle points.
func translateProgram(c deadlock.Config, prog []deadlock.Instr) (Stmt, []string) {
	n := len(prog)
	// Steps that are jumped to (not just fallen into) or that are idle get
	// a label.
	target := make([]bool, n+1)
	for pc, in := range prog {
		if in.Next != pc+1 {
			target[in.Next] = true
		}
		switch in.Op {
		case deadlock.OpWWLock:
			target[in.Else] = target[in.Else] || in.Else != pc+1
			if c.WW == deadlock.WoundWait {
				target[pc] = true // the wounding step waits on
			}
		case deadlock.OpAllocKernel, deadlock.OpFencePut, deadlock.OpAddCallback, deadlock.OpIfCallback,
			deadlock.OpArrayDec, deadlock.OpPMGetIfActive:
			target[in.Else] = target[in.Else] || in.Else != pc+1
		}
		if in.Idle {
			target[pc] = true
		}
	}
	var idle []string
	var body Seq
	for pc, in := range prog {
		if target[pc] {
			body = append(body, Label{Name: stepLabel(pc)})
		}
		if in.Idle {
			idle = append(idle, stepLabel(pc))
		}
		body = append(body, translateStep(c, pc, in))
	}
	if target[n] {
		body = append(body, Label{Name: stepLabel(n)})
	}
	return body, idle
}

// translateStep is one earlier step: its call, or a Choose over its
// results, each going on at its target.
func translateStep(c deadlock.Config, pc int, in deadlock.Instr) Stmt {
	then := func(call Call, to int) Stmt {
		call = Lk.Said(call, in.Call, in.Note)
		if to == pc+1 {
			return call
		}
		return Seq{call, Goto{Label: stepLabel(to)}}
	}
	one := func(call Call) Stmt { return then(call, in.Next) }
	two := func(main, alt Call) Stmt { return Choose{then(main, in.Next), then(alt, in.Else)} }
	o := in.Obj
	switch in.Op {
	case deadlock.OpNop:
		return one(Lk.Nop())
	case deadlock.OpLock:
		switch c.Locks[o].Kind {
		case deadlock.Resv:
			return one(Lk.ResvLock(o))
		case deadlock.Mutex:
			return one(Lk.MutexLock(o))
		}
		return one(Lk.SpinLock(o))
	case deadlock.OpUnlock:
		switch c.Locks[o].Kind {
		case deadlock.Resv:
			return one(Lk.ResvUnlock(o))
		case deadlock.Mutex:
			return one(Lk.MutexUnlock(o))
		}
		return one(Lk.SpinUnlock(o))
	case deadlock.OpWWInit:
		return one(Lk.WWAcquireInit())
	case deadlock.OpWWLock:
		ch := Choose{then(Lk.ResvLockCtx(o), in.Next), then(Lk.ResvLockCtxAlready(o), in.Next), then(Lk.ResvLockCtxDeadlk(o), in.Else)}
		if c.WW == deadlock.WoundWait {
			ch = append(ch, then(Lk.ResvLockCtxWound(o), pc))
		}
		return ch
	case deadlock.OpWWLockSlow:
		var ch Choose
		for l, lk := range c.Locks {
			if lk.Kind == deadlock.Resv {
				ch = append(ch, then(Lk.ResvLockSlow(l), in.Next))
			}
		}
		return ch
	case deadlock.OpWWUnlockAll:
		return one(Lk.ResvBackoff())
	case deadlock.OpWWFini:
		return one(Lk.WWAcquireFini())
	case deadlock.OpPublish:
		return one(Lk.FencePublish(o))
	case deadlock.OpAwait:
		return one(Lk.SchedRunJob(o))
	case deadlock.OpWaitDeps:
		return one(Lk.SchedWaitDeps(o))
	case deadlock.OpWait:
		return one(Lk.FenceWait(o))
	case deadlock.OpWaitResv:
		return one(Lk.ResvWait(o, ResvUsage(in.Arg)))
	case deadlock.OpSignal:
		return one(Lk.FenceSignal(o))
	case deadlock.OpSignalLocked:
		return one(Lk.FenceSignalLocked(o))
	case deadlock.OpBeginSignalling:
		return one(Lk.BeginSignalling())
	case deadlock.OpEndSignalling:
		return one(Lk.EndSignalling())
	case deadlock.OpAllocKernel:
		return two(Lk.KmallocReclaim(), Lk.Kmalloc())
	case deadlock.OpShrink:
		return one(Lk.Shrink())
	case deadlock.OpAllocAtomic:
		return one(Lk.KmallocAtomic())
	case deadlock.OpFenceGet:
		return one(Lk.FenceGet(o))
	case deadlock.OpFencePut:
		return two(Lk.FencePutLast(o), Lk.FencePut(o))
	case deadlock.OpAddCallback:
		return two(Lk.AddCallback(o), Lk.AddCallbackENOENT(o))
	case deadlock.OpIfCallback:
		return two(Lk.RunCallback(o, in.Arg), Lk.NoCallback(o, in.Arg))
	case deadlock.OpArrayDec:
		return two(Lk.ArrayDecTrue(o), Lk.ArrayDecFalse(o))
	case deadlock.OpSend:
		return one(Lk.Send(o))
	case deadlock.OpRecv:
		return one(Lk.Recv(o))
	case deadlock.OpAttach:
		return one(Lk.P2PAttach(o))
	case deadlock.OpDetach:
		return one(Lk.P2PDetach(o))
	case deadlock.OpPMGetSync:
		return one(Lk.PMGetSync(o))
	case deadlock.OpPMGetIfActive:
		return two(Lk.PMGetIfActive(o), Lk.PMGetIfActiveZero(o))
	case deadlock.OpPMPut:
		return one(Lk.PMPut(o))
	case deadlock.OpPMSuspend:
		return one(Lk.PMSuspend(o))
	case deadlock.OpP2PDMA:
		return one(Lk.P2PDMA(o, in.Arg))
	}
	panic(fmt.Sprintf("world: no translation for deadlock op %s", in.Op)) // Validate rejects unknown ops
}
