package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The lock family's names, properties, ends, wait-for edges, fairness and
// descriptions.

// Property names of the lock family (the names model/deadlock used).
const (
	// LockdepFenceSignalling is lockdep's view of the fence signalling
	// critical section (dma_fence_begin_signalling, kernel-rules §5.2): no
	// lock is acquired inside a signalling critical section if it is also
	// held around a dma_fence_wait (elsewhere, or as primed at boot by
	// dma_resv_lockdep() for the resv locks and fs_reclaim).
	LockdepFenceSignalling = "lockdep-fence-signalling"
	// NoKernelAPIMisuse: no lock-family call is made in a state where the
	// kernel forbids it (lockError).
	NoKernelAPIMisuse = "no-kernel-api-misuse"
	// NoFenceOnIndefinite is kernel-rules §5.3: no dma_fence depends on an
	// indefinite (userspace-controlled) fence.
	NoFenceOnIndefinite = "no-dma-fence-depends-on-indefinite-fence"
	// EveryProgramCanFinish: some run finishes every program (or leaves
	// the agents idle), so the world does not pass by blocking early.
	EveryProgramCanFinish = "every-program-can-finish"
	// EveryFenceEventuallySignalled (LockSpec.Liveness) is "every fence is
	// eventually signalled", under weak fairness per agent.
	EveryFenceEventuallySignalled = "every-fence-eventually-signalled"
)

// Nobody is the wait-for node of a resource no agent will ever provide.
const Nobody = "nobody"

func (c *core) lkLockName(l int) string {
	if l == 7 {
		return "fs_reclaim"
	}
	return c.spec.Locks.Locks[l].Name
}

// lkCallText renders a lock-family call without its result: its text's
// override, or the kernel call with its arguments.
func (c *core) lkCallText(call Call) string {
	ls := &c.spec.Locks
	if t, _ := splitLockText(call.Text); t != "" && call.Kind != lkResvLockSlow {
		return t
	}
	obj := func() string {
		switch lockOperand[call.Kind&0xff] {
		case lkObjLock, lkObjResv:
			return ls.Locks[call.Obj].Name
		case lkObjFence:
			return ls.Fences[call.Obj].Name
		case lkObjChannel:
			return ls.Channels[call.Obj]
		case lkObjDevice:
			return ls.PMDevices[call.Obj]
		}
		return ""
	}
	switch call.Kind {
	case lkMutexLock, lkMutexUnlock, lkSpinLock, lkSpinUnlock, lkResvUnlock, lkFenceWait, lkFenceSignal,
		lkFenceSignalLocked, lkFenceGet, lkFencePut, lkFencePutLast, lkAddCallback, lkAddCallbackENOENT,
		lkSend, lkRecv, lkPMGetSync, lkPMGetIfActive, lkPMGetIfActiveZero:
		name := lockCallDefs[call.Kind&0xff].name
		if i := strings.IndexAny(name, " :("); i >= 0 {
			name = name[:i]
		}
		if call.Kind == lkPMGetIfActive || call.Kind == lkPMGetIfActiveZero {
			name = "pm_runtime_get_if_active"
		}
		return fmt.Sprintf("%s(%s)", name, obj())
	case lkResvLock:
		return fmt.Sprintf("dma_resv_lock(%s, NULL)", obj())
	case lkWWAcquireInit:
		return "ww_acquire_init(&ctx)"
	case lkResvLockCtx, lkResvLockCtxAlready, lkResvLockCtxDeadlk, lkResvLockCtxWound:
		return fmt.Sprintf("dma_resv_lock(%s, &ctx)", obj())
	case lkResvLockSlow:
		return fmt.Sprintf("dma_resv_lock_slow(%s, &ctx)", obj())
	case lkWWAcquireFini:
		return "ww_acquire_fini(&ctx)"
	case lkFencePublish:
		f := ls.Fences[call.Obj]
		if f.Resv >= 0 {
			return fmt.Sprintf("dma_resv_add_fence(%s, %s, %s)", ls.Locks[f.Resv].Name, f.Name, f.Usage)
		}
		return fmt.Sprintf("drm_sched_entity_push_job(%s)", f.Name)
	case lkSchedRunJob:
		return fmt.Sprintf("drm_sched: run_job(%s)", obj())
	case lkSchedWaitDeps:
		return fmt.Sprintf("drm_sched: dependencies of %s signalled", obj())
	case lkResvWait:
		return fmt.Sprintf("dma_resv_wait_timeout(%s, %s)", obj(), ResvUsage(call.N))
	case lkBeginSignalling:
		return "dma_fence_begin_signalling()"
	case lkEndSignalling:
		return "dma_fence_end_signalling()"
	case lkKmallocReclaim, lkKmalloc:
		return "kmalloc(GFP_KERNEL)"
	case lkShrink:
		return "shrinker: dma_resv_wait_timeout(LRU buffers, DMA_RESV_USAGE_BOOKKEEP)"
	case lkRunCallback, lkNoCallback:
		return fmt.Sprintf("callback of %s on %s", c.spec.Agents[call.N].Name, obj())
	case lkArrayDecTrue, lkArrayDecFalse:
		return fmt.Sprintf("atomic_dec_and_test(&%s->num_pending)", obj())
	case lkP2PAttach:
		return fmt.Sprintf("dma_buf_dynamic_attach(%s's buffer, allow_peer2peer)", obj())
	case lkP2PDetach:
		return fmt.Sprintf("dma_buf_detach(%s's buffer)", obj())
	case lkPMPut:
		return fmt.Sprintf("pm_runtime_put_autosuspend(%s)", obj())
	case lkPMSuspend:
		return fmt.Sprintf("rpm_suspend(%s) (autosuspend)", obj())
	case lkP2PDMA:
		return fmt.Sprintf("P2P DMA through %s's BAR", obj())
	case lkEnableSignaling, lkIsSignaledTrue, lkIsSignaledFalse, lkSyncobjAddPoint, lkTimelineWait, lkTimelineWaitEINVAL, lkTimelineWaitSubmit:
		return c.lkContainerText(call)
	}
	return lockCallDefs[call.Kind&0xff].name
}

// lkResult renders the result a call kind stands for.
var lkResult = map[CallKind]string{
	lkResvLockCtx: " = 0", lkResvLockCtxAlready: " = -EALREADY", lkResvLockCtxDeadlk: " = -EDEADLK",
	lkResvLockCtxWound: " waits and wounds the younger holder",
	lkKmallocReclaim:   ": direct reclaim", lkKmalloc: " = ok",
	lkFencePutLast: ": last reference, release",
	lkAddCallback:  " = 0", lkAddCallbackENOENT: " = -ENOENT (already signalled)",
	lkRunCallback: ": runs", lkNoCallback: ": none registered",
	lkArrayDecTrue: " = true", lkArrayDecFalse: " = false",
	lkPMGetIfActive: " = 1", lkPMGetIfActiveZero: " = 0: suspended, peer2peer cleared",
	lkIsSignaledTrue: " = true", lkIsSignaledFalse: " = false",
	lkTimelineWait: " = 0", lkTimelineWaitSubmit: " = 0", lkTimelineWaitEINVAL: " = -EINVAL (the point is not submitted)",
}

func (c *core) lkNote(call Call) string {
	if _, n := splitLockText(call.Text); n != "" {
		return " [" + n + "]"
	}
	return ""
}

// lockCallName renders a lock-family call with its result, as the action
// table names it.
func (c *core) lockCallName(call Call, step int) string {
	if !isLockKind(call.Kind) {
		return fmt.Sprintf("lock#%d", call.Kind&0xff)
	}
	return c.lkCallText(call) + lkResult[call.Kind] + c.lkNote(call)
}

// lkPoint is agent ag's current program point.
func (v View) lkPoint(ag int) lockPoint { return v.w.spec.Locks.d.at[ag][v.w.pcOf(v.b, ag)] }

// lkFinished reports whether agent ag is at the end of its program.
func (v View) lkFinished(ag int) bool {
	return len(v.w.progs[ag].nodes[v.w.pcOf(v.b, ag)]) == 0
}

// lkIdle reports whether agent ag finished or waits at an idle point.
func (v View) lkIdle(ag int) bool { return v.lkFinished(ag) || v.lkPoint(ag).idle }

// lkStepText renders agent ag's next call (without result) for traces.
func (v View) lkStepText(ag int) string {
	if v.lkFinished(ag) {
		return "finished"
	}
	pt := v.lkPoint(ag)
	if !pt.ok {
		return v.w.progs[ag].describeNode(v.w.pcOf(v.b, ag))
	}
	t := v.w.lkCallText(pt.call)
	if pt.call.Kind == lkResvLockSlow {
		t = "dma_resv_lock_slow(contended, &ctx)"
		if cl := *v.lkCont(ag); cl != 0 {
			t = fmt.Sprintf("dma_resv_lock_slow(%s, &ctx)", v.w.spec.Locks.Locks[cl-1].Name)
		}
	}
	return t + v.w.lkNote(pt.call)
}

// lkAcquiring returns the lock (bitmask, fs_reclaim as bit 7) agent ag's
// next call acquires. Lockdep validates an acquisition when it is
// attempted, before the thread blocks on it.
func (v View) lkAcquiring(ag int) uint8 {
	pt := v.lkPoint(ag)
	if pt.slow {
		if cl := *v.lkCont(ag); cl != 0 {
			return 1 << (cl - 1)
		}
	}
	return pt.acq
}

// lkWaiting reports whether agent ag's next call is a fence wait
// (lockdep's __dma_fence_might_wait runs before it blocks).
func (v View) lkWaiting(ag int) bool { return v.lkPoint(ag).waits }

// LockdepSignalling returns the locks lockdep has seen taken inside a
// fence signalling critical section (bit per lock, bit 7 fs_reclaim),
// including acquisitions being attempted now.
func (v View) LockdepSignalling() uint8 {
	d := v.w.spec.Locks.d
	sig := v.b[d.ldSig]
	for ag := range v.w.spec.Agents {
		if v.lkSigDepth(ag) > 0 {
			sig |= v.lkAcquiring(ag)
		}
	}
	return sig
}

// LockdepAroundWait returns the locks lockdep knows are held around a
// dma_fence_wait: the boot-time priming, what it has seen, and the waits
// in progress.
func (v View) LockdepAroundWait() uint8 {
	d := v.w.spec.Locks.d
	w := v.b[d.ldWait]
	if !v.w.spec.Locks.NoLockdepPriming {
		w |= d.resvMask | lkFSReclaim
	}
	for ag := range v.w.spec.Agents {
		if v.lkWaiting(ag) {
			w |= v.lkHeld(ag)
			if v.lkHas(ag, lkReclaim) {
				w |= lkFSReclaim
			}
		}
	}
	return w
}

// LockdepConflict returns the locks lockdep reports as a possible
// deadlock: taken inside a signalling critical section and held around a
// fence wait. Every resv lock is one lockdep class.
func (v View) LockdepConflict() uint8 {
	d := v.w.spec.Locks.d
	sig, wait := v.LockdepSignalling(), v.LockdepAroundWait()
	if sig&d.resvMask != 0 && wait&d.resvMask != 0 {
		return sig&d.resvMask | sig&wait
	}
	return sig & wait
}

// lockProps are the family's properties (none when no program makes a
// lock-family call).
func (c *core) lockProps() []propDef {
	ls := &c.spec.Locks
	if !ls.d.used {
		return nil
	}
	ps := []propDef{
		{name: NoKernelAPIMisuse, exp: statespace.Always, holds: func(v View) bool { return !v.Flag(FlagMisuse) && !v.Flag(FlagUseAfterFree) }},
		{name: LockdepFenceSignalling, exp: statespace.Always, holds: func(v View) bool { return v.LockdepConflict() == 0 }},
		{name: NoFenceOnIndefinite, exp: statespace.Always, holds: func(v View) bool {
			d := v.w.spec.Locks.d
			for f, fc := range v.w.spec.Locks.Fences {
				if !fc.Indefinite && v.b[d.deps+f]&d.indefinite != 0 {
					return false
				}
			}
			return true
		}},
		{name: EveryProgramCanFinish, exp: statespace.Sometimes, holds: func(v View) bool { return v.lkAllIdle() }},
	}
	if ls.LockOrder {
		ps = append(ps, propDef{name: LockOrderRule, exp: statespace.Always, holds: func(v View) bool { _, _, bad := v.LockOrderInversion(); return !bad }})
	}
	ps = append(ps, c.suspendedBARProps()...)
	if ls.Liveness {
		ps = append(ps, propDef{name: EveryFenceEventuallySignalled, exp: statespace.Eventually, holds: func(v View) bool {
			for f := range v.w.spec.Locks.Fences {
				if !v.lkSignalled(f) {
					return false
				}
			}
			return true
		}})
	}
	return ps
}

func (v View) lkAllIdle() bool {
	for ag := range v.w.spec.Agents {
		if !v.lkIdle(ag) {
			return false
		}
	}
	return true
}

// lockEnd: every agent finished or waits at an idle point.
func (c *core) lockEnd(v View) bool { return !c.spec.Locks.d.used || v.lkAllIdle() }

// lockFairness: one weak-fairness group per agent (an agent that can keep
// taking a step eventually takes one).
func (c *core) lockFairness() []statespace.Fairness {
	if !c.spec.Locks.d.used {
		return nil
	}
	out := make([]statespace.Fairness, len(c.spec.Agents))
	for ag, a := range c.spec.Agents {
		out[ag].Name = a.Name
	}
	for i, t := range c.table {
		out[t.ag].Actions = append(out[t.ag].Actions, statespace.Action(i))
	}
	return out
}

// lkProviders returns the agents that can still make a call matching want:
// at a program point reachable from where they are.
func (v View) lkProviders(want func(c Call) bool) []int {
	var out []int
	for ag, p := range v.w.progs {
		seen := make([]bool, len(p.nodes))
		stack := []int{v.w.pcOf(v.b, ag)}
		seen[stack[0]] = true
		found := false
		for len(stack) > 0 && !found {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, e := range p.nodes[n] {
				for _, op := range e.Ops {
					found = found || want(op)
				}
				if !seen[e.To] {
					seen[e.To] = true
					stack = append(stack, e.To)
				}
			}
		}
		if found {
			out = append(out, ag)
		}
	}
	return out
}

func (v View) lkAgentList(mask uint8) string {
	var n []string
	for i, a := range v.w.spec.Agents {
		if mask&(1<<i) != 0 {
			n = append(n, a.Name)
		}
	}
	return strings.Join(n, ", ")
}

func (v View) lkNames(who []int) string {
	if len(who) == 0 {
		return Nobody
	}
	var mask uint8
	for _, w := range who {
		mask |= 1 << w
	}
	return v.lkAgentList(mask)
}

func (c *core) lkLockDesc(l int) string {
	lk := c.spec.Locks.Locks[l]
	return [...]string{"resv lock of ", "mutex ", "spinlock "}[lk.Kind] + lk.Name
}

// lockWaits returns, for every agent whose next call is blocked, whom it
// waits for: the owner of the lock it wants, the agents that will signal
// the fences it waits on, publish the job it would run, send the message
// it expects, or resume the device it needs.
func (c *core) lockWaits(v View) []statespace.WaitEdge {
	ls := &c.spec.Locks
	if !ls.d.used {
		return nil
	}
	var edges []statespace.WaitEdge
	for ag, a := range c.spec.Agents {
		if v.lkFinished(ag) {
			continue
		}
		blocked := true
		for _, x := range c.byPC[ag][c.pcOf(v.b, ag)] {
			if c.enabled(v.b, x, nil) {
				blocked = false
				break
			}
		}
		pt := v.lkPoint(ag)
		if !blocked || !pt.ok {
			continue
		}
		in := pt.call
		from := a.Name
		call := v.lkStepText(ag)
		edge := func(to []int, why string) {
			if len(to) == 0 {
				edges = append(edges, statespace.WaitEdge{From: from, To: Nobody, Why: why + " (no agent will provide it)"})
				return
			}
			for _, t := range to {
				edges = append(edges, statespace.WaitEdge{From: from, To: c.spec.Agents[t].Name, Why: why})
			}
		}
		lockEdge := func(l int) {
			if l < 0 {
				return
			}
			o := v.lkOwner(l)
			if o < 0 {
				return
			}
			why := fmt.Sprintf("%s: %s held by %s", call, c.lkLockDesc(l), c.spec.Agents[o].Name)
			if o == ag {
				why = fmt.Sprintf("%s: %s already held by %s itself (recursive locking)", call, c.lkLockDesc(l), from)
			}
			edge([]int{o}, why)
		}
		signallers := func(f int) []int {
			return v.lkProviders(func(x Call) bool { return c.signalsLockFence(x, f) })
		}
		publishers := func(f int) []int {
			return v.lkProviders(func(x Call) bool { return c.publishesLockFence(x, f) })
		}
		fenceEdge := func(f int, why string) {
			if !v.lkPublished(f) {
				edge(publishers(f), fmt.Sprintf("%s: fence %s not yet published", call, ls.Fences[f].Name))
				return
			}
			who := signallers(f)
			edge(who, fmt.Sprintf("%s: fence %s%s, signalled by %s", call, ls.Fences[f].Name, why, v.lkNames(who)))
		}
		switch in.Kind {
		case lkMutexLock, lkSpinLock, lkResvLock, lkResvLockCtx, lkResvLockCtxAlready, lkResvLockCtxDeadlk, lkResvLockCtxWound:
			lockEdge(in.Obj)
		case lkResvLockSlow:
			if cl := *v.lkCont(ag); cl != 0 {
				lockEdge(int(cl) - 1)
			}
		case lkFenceSignal, lkAddCallback, lkAddCallbackENOENT:
			lockEdge(ls.Fences[in.Obj].Lock)
		case lkSchedRunJob:
			edge(publishers(in.Obj), fmt.Sprintf("%s: job of %s not yet submitted", call, ls.Fences[in.Obj].Name))
		case lkFenceWait:
			fenceEdge(in.Obj, "")
		case lkSchedWaitDeps:
			for g := range ls.Fences {
				if v.b[ls.d.deps+in.Obj]&(1<<g) != 0 && !v.lkSignalled(g) {
					fenceEdge(g, " (a dependency of "+ls.Fences[in.Obj].Name+")")
				}
			}
		case lkResvWait, lkShrink:
			r, u := in.Obj, ResvUsage(in.N)
			if in.Kind == lkShrink {
				r, u = -1, ResvUsageBookkeep
			}
			for g, fg := range ls.Fences {
				if v.lkInResv(g) && (r < 0 || fg.Resv == r) && fg.Usage <= u && !v.lkSignalled(g) {
					fenceEdge(g, " in "+ls.Locks[fg.Resv].Name+"'s resv")
				}
			}
			if b := c.join.bufResv; b >= 0 && (r < 0 || r == b) {
				// The dma-buf's resv also holds the fence family's fences and
				// the device jobs' implicit fences.
				edges = append(edges, c.resvWaits(v, from, call, Usage(u), -1)...)
			}
		case lkRecv:
			who := v.lkProviders(func(x Call) bool { return x.Kind == lkSend && x.Obj == in.Obj })
			edge(who, fmt.Sprintf("%s: no message on %s, sent by %s", call, ls.Channels[in.Obj], v.lkNames(who)))
		case lkP2PDMA:
			who := v.lkProviders(func(x Call) bool { return x.Kind == lkPMGetSync && x.Obj == in.Obj })
			edge(who, fmt.Sprintf("%s: %s is runtime-suspended, resumed by pm_runtime_get_sync in %s", call, ls.PMDevices[in.Obj], v.lkNames(who)))
		case lkPMSuspend:
			var who []int
			for b := range c.spec.Agents {
				if *v.lkPMRef(in.Obj)&(1<<b) != 0 {
					who = append(who, b)
				}
			}
			edge(who, fmt.Sprintf("%s: usage count %d, references held by %s", call, v.lkPMUsage(in.Obj), v.lkNames(who)))
		}
	}
	return edges
}

func (v View) lkLockList(mask uint8) string {
	var n []string
	for l := range 8 {
		if mask&(1<<l) != 0 {
			n = append(n, v.w.lkLockName(l))
		}
	}
	return strings.Join(n, ", ")
}

// lockDescribe renders the family's objects for traces: each agent's next
// call and context, each lock, fence, channel and device, and lockdep's
// knowledge.
func (c *core) lockDescribe(v View, add func(name, value string)) {
	ls := &c.spec.Locks
	if !ls.d.used {
		return
	}
	for ag, a := range c.spec.Agents {
		s := v.lkStepText(ag)
		if !v.lkFinished(ag) {
			enabled := false
			for _, x := range c.byPC[ag][c.pcOf(v.b, ag)] {
				enabled = enabled || c.enabled(v.b, x, nil)
			}
			switch {
			case !enabled && v.lkPoint(ag).idle:
				s = "idle at " + s
			case !enabled:
				s = "BLOCKED at " + s
			default:
				s = "next " + s
			}
		}
		var ctx []string
		if t := *v.lkTicket(ag); t != 0 {
			ctx = append(ctx, fmt.Sprintf("ww ticket %d", t))
		}
		if v.lkHas(ag, lkWounded) {
			ctx = append(ctx, "wounded")
		}
		if cl := *v.lkCont(ag); cl != 0 {
			ctx = append(ctx, "contended "+ls.Locks[cl-1].Name)
		}
		if v.lkSigDepth(ag) > 0 {
			ctx = append(ctx, "in fence signalling section")
		}
		if v.lkHas(ag, lkReclaim) {
			ctx = append(ctx, "in direct reclaim")
		}
		if v.lkHas(ag, lkP2P) {
			ctx = append(ctx, "peer2peer attachment")
		}
		if len(ctx) > 0 {
			s += " (" + strings.Join(ctx, ", ") + ")"
		}
		add(a.Name, s)
	}
	for l, lk := range ls.Locks {
		s := "free"
		if o := v.lkOwner(l); o >= 0 {
			s = "held by " + c.spec.Agents[o].Name
		}
		add("lock "+lk.Name, s)
	}
	for i, fc := range ls.Fences {
		s := "not published"
		switch {
		case v.lkSignalled(i):
			s = "signalled"
		case v.lkPublished(i):
			s = "pending"
		}
		if v.lkInResv(i) {
			s += ", in " + ls.Locks[fc.Resv].Name + "'s resv"
		}
		if dm := v.b[ls.d.deps+i]; dm != 0 {
			var n []string
			for g := range ls.Fences {
				if dm&(1<<g) != 0 {
					n = append(n, ls.Fences[g].Name)
				}
			}
			s += ", depends on " + strings.Join(n, ", ")
		}
		if fc.Refs != 0 {
			s += fmt.Sprintf(", refcount %d", v.b[ls.d.refs+i])
		}
		if fc.Pending != 0 || fc.Container != NotContainer {
			s += fmt.Sprintf(", num_pending %d", v.b[ls.d.pending+i])
		}
		if v.lkFence(i)&lkEnabled != 0 {
			s += ", signalling enabled"
		}
		if v.lkAdded(i) {
			s += ", point of " + fc.Syncobj
		}
		if cb := v.b[ls.d.cbs+i]; cb != 0 {
			s += ", callbacks of " + v.lkAgentList(cb)
		}
		if c.lay.fence.joined {
			add("fence "+fc.Name+" (lock family)", s) // the fence family shows it as "fence NAME"
			continue
		}
		add("fence "+fc.Name, s)
	}
	for ch, name := range ls.Channels {
		add("msg "+name, fmt.Sprintf("%d in flight", v.b[ls.d.chans+ch]))
	}
	for d, name := range ls.PMDevices {
		s := fmt.Sprintf("active, usage %d", v.lkPMUsage(d))
		if v.lkSuspended(d) {
			s = fmt.Sprintf("runtime-suspended, usage %d", v.lkPMUsage(d))
		}
		if r := *v.lkPMRef(d); r != 0 {
			s += " (" + v.lkAgentList(r) + ")"
		}
		add(name, s)
	}
	sig, wait, bad := v.LockdepSignalling(), v.LockdepAroundWait(), v.LockdepConflict()
	var parts []string
	if sig != 0 {
		parts = append(parts, "taken in signalling section: "+v.lkLockList(sig))
	}
	if wait != 0 {
		parts = append(parts, "held around dma_fence_wait: "+v.lkLockList(wait))
	}
	if bad != 0 {
		parts = append(parts, "POSSIBLE DEADLOCK on "+v.lkLockList(bad))
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing learned")
	}
	add("lockdep", strings.Join(parts, "; "))
	if ls.LockOrder {
		add("lockdep order", c.lockOrderDescribe(v))
	}
}
