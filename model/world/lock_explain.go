package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The lock family's narration of a counterexample: the fences signalled
// to the agents waiting for them and the waits they end, the messages
// delivered on channels, a runtime-suspended device resumed under a
// waiting DMA; and, for the family's properties, the broken rule with the
// steps and agents involved: the call the kernel forbids in that state,
// the lock lockdep sees taken in a signalling section and held around a
// fence wait, the fence that depends on an indefinite one, and for a
// deadlock the wait-for cycle told agent by agent (what each holds since
// which step, what it waits for and who would provide it) with the
// pattern it forms: a lock order inversion with both paths, a wait under
// a lock the signaller needs, reclaim on the signalling path, recursive
// locking, a round trip under a lock, a suspended exporter, a kernel
// fence waiting for user space.

// lockNarrator walks a trace once, remembering who took each lock and
// when, when each fence was published and signalled and by whom, the
// messages in flight, and where each agent stands.
type lockNarrator struct {
	t *trail
	c *core
	// took[l] is the step lock l's current owner took it.
	took [MaxLocks]int
	// published, inResv, signalled and freed are the steps fence f was
	// published, added to its dma_resv, signalled and lost its last
	// reference; adder, by and freer the agents that added, signalled and
	// freed it.
	published, inResv, signalled, freed [MaxFences]int
	adder, by, freer                    [MaxFences]string
	// inFlight[ch] are the messages sent on channel ch and not received
	// yet: the step each was sent at and its sender.
	inFlight [MaxChannels][]lkMessage
	// suspended[d] is the step device d was last runtime-suspended.
	suspended [MaxPMDevs]int
	// Per agent: arrived is the step it reached its current program
	// point; attached the step of its peer2peer attach; signalling the
	// step its outermost fence signalling section began; reclaim the
	// step it entered direct reclaim; deadlk the step it last got
	// -EDEADLK.
	arrived, attached, signalling, reclaim, deadlk []int
	// sigAt[l] and waitAt[l] are the steps lockdep learned that lock l
	// (bit 7: fs_reclaim) is taken inside a signalling section and held
	// around a fence wait, and sigBy[l], waitBy[l] the agents.
	sigAt, waitAt [8]int
	sigBy, waitBy [8]string
}

// lkMessage is a message in flight on a channel.
type lkMessage struct {
	step int
	from string
}

// lockExplain is the lock family's narration (a familyExplain).
func (c *core) lockExplain(t *trail, property string) (string, bool) {
	if !c.spec.Locks.d.used {
		return "", false
	}
	na := len(c.spec.Agents)
	n := &lockNarrator{t: t, c: c, arrived: make([]int, na), attached: make([]int, na), signalling: make([]int, na),
		reclaim: make([]int, na), deadlk: make([]int, na)}
	for i := 1; i < len(t.path); i++ {
		n.step(i)
	}
	switch property {
	case NoKernelAPIMisuse:
		return n.misuse(), true
	case NoDMAToSuspendedBAR:
		return n.suspendedBAR(), true
	case LockdepFenceSignalling:
		return n.lockdep(), true
	case NoFenceOnIndefinite:
		return n.indefinite(), true
	case LockOrderRule:
		return n.lockOrder(), true
	case EveryFenceEventuallySignalled:
		return n.neverSignalled(), true
	case statespace.DeadlockProperty:
		return n.deadlock(), true
	}
	return "", false
}

// step annotates step i and records what it did.
func (n *lockNarrator) step(i int) {
	t, c := n.t, n.c
	ls := &c.spec.Locks
	ag := t.action(i).ag
	who := t.agent(i)
	b, a := t.state(i-1), t.state(i)
	for l := range ls.Locks {
		if o := a.lkOwner(l); o >= 0 && o != b.lkOwner(l) {
			n.took[l] = i
		}
	}
	for f := range ls.Fences {
		if !b.lkPublished(f) && a.lkPublished(f) {
			n.published[f] = i
		}
		if !b.lkInResv(f) && a.lkInResv(f) {
			n.inResv[f], n.adder[f] = i, who
		}
		if !b.lkSignalled(f) && a.lkSignalled(f) {
			n.signalled[f], n.by[f] = i, who
			n.tellWaiters(i, b, f)
		}
	}
	for l := range 8 {
		bit := uint8(1) << l
		if b.b[ls.d.ldSig]&bit == 0 && a.b[ls.d.ldSig]&bit != 0 {
			n.sigAt[l], n.sigBy[l] = i, who
		}
		if b.b[ls.d.ldWait]&bit == 0 && a.b[ls.d.ldWait]&bit != 0 {
			n.waitAt[l], n.waitBy[l] = i, who
		}
	}
	t.calls(i, func(call Call, bv, _ View) {
		if !isLockKind(call.Kind) {
			return
		}
		switch call.Kind {
		case lkFencePutLast:
			n.freed[call.Obj], n.freer[call.Obj] = i, who
		case lkSend:
			n.inFlight[call.Obj] = append(n.inFlight[call.Obj], lkMessage{step: i, from: who})
		case lkRecv:
			if q := n.inFlight[call.Obj]; len(q) > 0 {
				if q[0].from != who {
					t.send(i, q[0].from, who, fmt.Sprintf("message on %s (sent at step %d)", ls.Channels[call.Obj], q[0].step))
				}
				n.inFlight[call.Obj] = q[1:]
			}
		case lkFenceWait, lkResvWait, lkSchedWaitDeps, lkShrink:
			for f := range ls.Fences {
				if n.waitsFor(bv, ag, call, f) || call.Kind != lkResvWait && call.Kind != lkShrink && n.waitedFor(bv, ag, call, f) {
					if s := n.signalled[f]; s >= n.arrived[ag] && s > 0 && n.by[f] != who {
						t.send(i, n.by[f], who, fmt.Sprintf("wait returns: %s signalled at step %d", ls.Fences[f].Name, s))
					}
				}
			}
		case lkPMSuspend:
			n.suspended[call.Obj] = i
		case lkPMGetSync:
			if bv.lkSuspended(call.Obj) {
				for w := range c.spec.Agents {
					if p := bv.lkPoint(w); w != ag && p.ok && p.call.Kind == lkP2PDMA && p.call.Obj == call.Obj && !bv.lkFinished(w) {
						t.send(i, who, c.spec.Agents[w].Name, fmt.Sprintf("%s resumed (%s's DMA waits for it)", ls.PMDevices[call.Obj], c.spec.Agents[w].Name))
					}
				}
			}
		case lkP2PAttach:
			n.attached[ag] = i
		case lkBeginSignalling:
			if bv.lkSigDepth(ag) == 0 {
				n.signalling[ag] = i
			}
		case lkKmallocReclaim:
			n.reclaim[ag] = i
		case lkResvLockCtxDeadlk:
			n.deadlk[ag] = i
		}
	})
	n.arrived[ag] = i
}

// waitsFor reports whether agent ag's wait call, in v, waits for the
// still pending fence f.
func (n *lockNarrator) waitsFor(v View, ag int, call Call, f int) bool {
	if v.lkSignalled(f) {
		return false
	}
	return n.waitedFor(v, ag, call, f)
}

// waitedFor reports whether agent ag's wait call, in v, is a wait for
// fence f (signalled or not).
func (n *lockNarrator) waitedFor(v View, ag int, call Call, f int) bool {
	ls := &n.c.spec.Locks
	fc := &ls.Fences[f]
	switch call.Kind {
	case lkFenceWait:
		return call.Obj == f
	case lkSchedWaitDeps:
		return v.b[ls.d.deps+call.Obj]&(1<<f) != 0
	case lkResvWait:
		return v.lkInResv(f) && fc.Resv == call.Obj && fc.Usage <= ResvUsage(call.N)
	case lkShrink:
		return v.lkInResv(f)
	}
	return false
}

// tellWaiters sends the signal of fence f at step i (v: the state before
// it) to every other agent blocked in a wait for it.
func (n *lockNarrator) tellWaiters(i int, v View, f int) {
	t, c := n.t, n.c
	from := t.agent(i)
	for w, a := range c.spec.Agents {
		if a.Name == from || v.lkFinished(w) {
			continue
		}
		if p := v.lkPoint(w); p.ok && n.waitsFor(v, w, p.call, f) {
			t.send(i, from, a.Name, fmt.Sprintf("%s signalled (%s waits for it in %s)", c.spec.Locks.Fences[f].Name, a.Name, c.lkCallText(p.call)))
		}
	}
}

// held lists the locks agent ag holds in v, in the order it took them,
// each with its step.
func (n *lockNarrator) held(v View, ag int) []int {
	var out []int
	for l := range n.c.spec.Locks.Locks {
		if v.lkOwner(l) == ag {
			out = append(out, l)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && n.took[out[j]] < n.took[out[j-1]]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// heldText words the locks agent ag holds: "bo0 (since step 2)".
func (n *lockNarrator) heldText(v View, ag int) string {
	var out []string
	for _, l := range n.held(v, ag) {
		out = append(out, fmt.Sprintf("%s (since step %d)", n.c.spec.Locks.Locks[l].Name, n.took[l]))
	}
	return andList(out)
}

// misuse explains no-kernel-api-misuse: the call the kernel forbids in the
// state it was made in.
func (n *lockNarrator) misuse() string {
	t, c := n.t, n.c
	ls := &c.spec.Locks
	i, call, v, _ := t.guiltyCall(func(v View) bool { return !v.Flag(FlagMisuse) && !v.Flag(FlagUseAfterFree) })
	if i < 0 {
		return ""
	}
	ag := t.action(i).ag
	who := t.agent(i)
	text := c.lockCallName(call, 0)
	at := fmt.Sprintf("at step %d %s called %s", i, who, text)
	held := func() string {
		if h := n.heldText(v, ag); h != "" {
			return ", holding " + h
		}
		return ""
	}
	fence := func() string { return ls.Fences[call.Obj].Name }
	switch call.Kind {
	case lkMutexUnlock, lkSpinUnlock, lkResvUnlock:
		l := call.Obj
		state := "it is free"
		if o := v.lkOwner(l); o >= 0 {
			state = fmt.Sprintf("%s holds it (since step %d)", c.spec.Agents[o].Name, n.took[l])
		}
		return fmt.Sprintf("%s, but it does not hold %s: %s; only the owner of a lock may unlock it.", at, ls.Locks[l].Name, state)
	case lkWWAcquireInit:
		began := t.lastChange(i-1, func(v View) string { return fmt.Sprint(*v.lkTicket(ag) != 0) })
		return fmt.Sprintf("%s again while the context it began at step %d is live%s: ww_acquire_init begins an acquire sequence once, and ww_acquire_fini ends it (kernel-rules §4.2).",
			at, began, held())
	case lkResvLockCtx, lkResvLockCtxDeadlk, lkResvLockCtxWound:
		return fmt.Sprintf("%s before any ww_acquire_init: a dma_resv_lock with a context needs the context begun first (kernel-rules §4.2).", at)
	case lkWWAcquireFini:
		return fmt.Sprintf("%s%s: every lock of the context must be unlocked before ww_acquire_fini (kernel-rules §4.2).", at, held())
	case lkFencePublish:
		f := &ls.Fences[call.Obj]
		switch {
		case f.Resv >= 0 && v.lkOwner(f.Resv) != ag:
			return fmt.Sprintf("%s without holding %s's lock: dma_resv_add_fence needs the dma_resv locked (dma_resv_assert_held, kernel-rules §4.3).", at, ls.Locks[f.Resv].Name)
		case f.Resv >= 0:
			return fmt.Sprintf("%s, but %s has been in %s's resv since step %d: a fence is added once.", at, f.Name, ls.Locks[f.Resv].Name, n.published[call.Obj])
		}
		return fmt.Sprintf("%s, but %s was published at step %d already: a fence is published once.", at, f.Name, n.published[call.Obj])
	case lkFenceSignal, lkFenceSignalLocked:
		if !v.lkPublished(call.Obj) {
			return fmt.Sprintf("%s before %s was published: nobody can wait for a fence not yet visible, and its signal is lost.", at, fence())
		}
		return fmt.Sprintf("%s without holding %s, the fence's lock: dma_fence_signal_locked is for a caller that holds fence->lock.", at, ls.Locks[ls.Fences[call.Obj].Lock].Name)
	case lkBeginSignalling:
		return fmt.Sprintf("%s inside %d nested fence signalling sections: the annotation nests only so deep.", at, v.lkSigDepth(ag))
	case lkEndSignalling:
		return fmt.Sprintf("%s outside any fence signalling section: dma_fence_end_signalling closes the section dma_fence_begin_signalling opened.", at)
	case lkShrink:
		return fmt.Sprintf("%s outside direct reclaim: the shrinker runs only from an allocation that entered reclaim.", at)
	case lkFenceGet, lkFencePut, lkFencePutLast:
		return fmt.Sprintf("%s after %s dropped the last reference at step %d (%s), which released the fence: a use after free (kernel-rules §10).",
			at, n.freer[call.Obj], n.freed[call.Obj], t.label(n.freed[call.Obj]))
	case lkRunCallback, lkNoCallback:
		return fmt.Sprintf("%s before %s was signalled: its callbacks run from dma_fence_signal.", at, fence())
	case lkSend:
		return fmt.Sprintf("%s, but the channel %s is full.", at, ls.Channels[call.Obj])
	case lkPMGetSync, lkPMGetIfActive:
		return fmt.Sprintf("%s while it already holds a runtime-PM reference on %s: each user takes one reference and puts it once (kernel-rules §9).", at, ls.PMDevices[call.Obj])
	case lkPMPut:
		return fmt.Sprintf("%s without holding a runtime-PM reference on %s: a put must match a get (kernel-rules §9).", at, ls.PMDevices[call.Obj])
	}
	return t.story(i, "the kernel forbids this call in this state")
}

// lockdep explains lockdep-fence-signalling: the lock lockdep sees taken
// inside a fence signalling section and held around a fence wait, and
// where it learned each.
func (n *lockNarrator) lockdep() string {
	t, c := n.t, n.c
	d := c.spec.Locks.d
	i := t.violatedAt(func(v View) bool { return v.LockdepConflict() == 0 })
	if i < 0 {
		return ""
	}
	v := t.state(i)
	sig, wait := v.LockdepSignalling(), v.LockdepAroundWait()
	resvClass := sig&d.resvMask != 0 && wait&d.resvMask != 0
	// The lock taken in the signalling section, and the one held around
	// a wait: the same, or two of the one resv class.
	ls, lw := -1, -1
	for l := range 8 {
		bit := uint8(1) << l
		if sig&bit != 0 && wait&bit != 0 {
			ls, lw = l, l
			break
		}
	}
	if ls < 0 && resvClass {
		for l := range 8 {
			if bit := uint8(1) << l; sig&d.resvMask&bit != 0 && ls < 0 {
				ls = l
			} else if wait&d.resvMask&bit != 0 && lw < 0 {
				lw = l
			}
		}
		if lw < 0 {
			lw = ls
		}
	}
	if ls < 0 {
		return t.story(i, "no lock taken inside a fence signalling critical section may also be held around a dma_fence_wait (lockdep)")
	}
	name := func(l int) string { return c.lkLockName(l) }
	taken := n.takenInSignalling(v, ls, i)
	around := n.heldAroundWait(v, lw)
	s := fmt.Sprintf("at step %d lockdep sees a possible deadlock on %s: %s, and %s", i, name(ls), taken, around)
	if ls != lw {
		s += fmt.Sprintf("; every dma_resv lock is one lockdep class (reservation_ww_class), so %s and %s are one lock to it", name(ls), name(lw))
	}
	if ls == 7 {
		return s + ": the fence signalling path must not allocate with GFP_KERNEL, since reclaim may wait for the fence (kernel-rules §5.2 rules 2, 4)."
	}
	return s + ": the fence signalling path must not take a lock that is held around a wait for a fence (kernel-rules §5.2 rules 2, 3)."
}

// takenInSignalling words who takes lock l (bit 7 fs_reclaim) inside a
// fence signalling section, in state v after step i.
func (n *lockNarrator) takenInSignalling(v View, l, i int) string {
	c := n.c
	for ag, a := range c.spec.Agents {
		if v.lkSigDepth(ag) > 0 && !v.lkFinished(ag) && v.lkAcquiring(ag)&(1<<l) != 0 {
			what := fmt.Sprintf("takes %s in %s", c.lkLockName(l), v.lkStepText(ag))
			if l == 7 {
				what = fmt.Sprintf("allocates in %s, which lockdep counts as taking fs_reclaim", v.lkStepText(ag))
			}
			if n.signalling[ag] == i {
				return fmt.Sprintf("%s, beginning a fence signalling section (dma_fence_begin_signalling), next %s", a.Name, what)
			}
			return fmt.Sprintf("%s, inside the fence signalling section it began at step %d (dma_fence_begin_signalling), next %s",
				a.Name, n.signalling[ag], what)
		}
	}
	if at := n.sigAt[l]; at > 0 {
		return fmt.Sprintf("%s took %s inside a fence signalling section at step %d (%s)", n.sigBy[l], c.lkLockName(l), at, n.t.label(at))
	}
	return c.lkLockName(l) + " is taken inside a fence signalling section"
}

// heldAroundWait words why lockdep knows lock l is held around a fence
// wait in state v.
func (n *lockNarrator) heldAroundWait(v View, l int) string {
	c := n.c
	ls := &c.spec.Locks
	for ag, a := range c.spec.Agents {
		if v.lkFinished(ag) || !v.lkWaiting(ag) {
			continue
		}
		switch {
		case l < 7 && v.lkOwner(l) == ag:
			return fmt.Sprintf("%s, holding %s since step %d, next waits in %s", a.Name, c.lkLockName(l), n.took[l], v.lkStepText(ag))
		case l == 7 && v.lkHas(ag, lkReclaim):
			return fmt.Sprintf("%s, in direct reclaim since step %d, next waits in %s", a.Name, n.reclaim[ag], v.lkStepText(ag))
		}
	}
	if at := n.waitAt[l]; at > 0 {
		return fmt.Sprintf("%s held %s around a fence wait at step %d (%s)", n.waitBy[l], c.lkLockName(l), at, n.t.label(at))
	}
	if !ls.NoLockdepPriming && (l == 7 || ls.d.resvMask&(1<<l) != 0) {
		if l == 7 {
			return "fs_reclaim is held around dma_fence_wait (a shrinker may wait for fences; dma_resv_lockdep() teaches lockdep so at boot)"
		}
		return fmt.Sprintf("%s, a dma_resv lock, is held around dma_fence_wait (dma_resv_lockdep() teaches lockdep so at boot)", c.lkLockName(l))
	}
	return c.lkLockName(l) + " is held around a fence wait"
}

// indefinite explains no-dma-fence-depends-on-indefinite-fence: the
// publication that made a dma_fence depend on an indefinite fence, and
// the cycle it closes when the indefinite fence's signaller waits for it.
func (n *lockNarrator) indefinite() string {
	t, c := n.t, n.c
	ls := &c.spec.Locks
	holds := func(v View) bool {
		for f, fc := range ls.Fences {
			if !fc.Indefinite && v.b[ls.d.deps+f]&ls.d.indefinite != 0 {
				return false
			}
		}
		return true
	}
	i, call, _, after := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	f := call.Obj
	if call.Kind != lkFencePublish || ls.Fences[f].Indefinite {
		return t.story(i, "no dma_fence may depend on an indefinite, userspace-controlled fence")
	}
	fc := &ls.Fences[f]
	var us []string
	var signallers []int
	for u, uc := range ls.Fences {
		if after.b[ls.d.deps+f]&(1<<u) == 0 || !uc.Indefinite {
			continue
		}
		us = append(us, fmt.Sprintf("%s, an indefinite fence %s added at step %d", uc.Name, n.adder[u], n.inResv[u]))
		signallers = append(signallers, after.lkProviders(func(x Call) bool {
			return (x.Kind == lkFenceSignal || x.Kind == lkFenceSignalLocked) && x.Obj == u
		})...)
	}
	s := fmt.Sprintf("at step %d %s's %s made %s's job depend on the unsignalled fences of %s's resv up to %s, among them %s: no dma_fence may depend on an indefinite, userspace-controlled fence (kernel-rules §5.3)",
		i, t.agent(i), t.label(i), fc.Name, ls.Locks[fc.Resv].Name, fc.DepUsage, andList(us))
	last := t.state(len(t.path) - 1)
	for _, w := range signallers {
		if p := last.lkPoint(w); !last.lkFinished(w) && p.ok && p.call.Kind == lkFenceWait && p.call.Obj == f {
			s += fmt.Sprintf(", and here %s, which signals it, waits for %s in %s (since step %d): a cycle no single party sees",
				c.spec.Agents[w].Name, fc.Name, last.lkStepText(w), n.arrived[w])
			break
		}
	}
	return s + "."
}

// fenceState words where fence f stands in v: in its resv since a step,
// published at a step or from the start, or not yet published.
func (n *lockNarrator) fenceState(v View, f int) string {
	ls := &n.c.spec.Locks
	switch {
	case v.lkInResv(f) && n.inResv[f] > 0:
		return fmt.Sprintf("added to %s's resv at step %d", ls.Locks[ls.Fences[f].Resv].Name, n.inResv[f])
	case !v.lkPublished(f):
		return "not yet published"
	case n.published[f] > 0:
		return fmt.Sprintf("published at step %d", n.published[f])
	}
	return "published from the start"
}

// neverSignalled explains every-fence-eventually-signalled: the fences
// left pending and, when the behaviour is stuck, why.
func (n *lockNarrator) neverSignalled() string {
	t, c := n.t, n.c
	last := len(t.path) - 1
	v := t.state(last)
	var pending []string
	for f, fc := range c.spec.Locks.Fences {
		if !v.lkSignalled(f) {
			pending = append(pending, fc.Name)
		}
	}
	if len(pending) == 0 {
		return ""
	}
	verb := "are"
	if len(pending) == 1 {
		verb = "is"
	}
	s := fmt.Sprintf("%s %s never signalled", andList(pending), verb)
	if j := t.loopStart(); j >= 0 {
		return s + fmt.Sprintf(": steps %d..%d repeat without signalling them.", j+1, last)
	}
	if why := n.stuckStory(v); why != "" {
		return s + ": " + why
	}
	return s + "."
}

// deadlock explains a deadlock of the family: the wait-for cycle, agent by
// agent, and the pattern it forms.
func (n *lockNarrator) deadlock() string {
	return n.stuckStory(n.t.state(len(n.t.path) - 1))
}

// lkEdge is one agent's wait in a stuck state: the agent, the agent it
// waits for (-1: nobody), and what for.
type lkEdge struct {
	from, to int
	// kind is the blocked call's kind; lock the lock it wants (-1),
	// fence the fence it waits for (-1), ch the channel (-1).
	kind            CallKind
	lock, fence, ch int
}

// stuckStory tells the waits of stuck state v: its wait-for cycle (or the
// chains to what nobody provides) and the rule the pattern breaks.
func (n *lockNarrator) stuckStory(v View) string {
	c := n.c
	edges := c.lockWaits(v)
	cycle := waitCycle(edges)
	chain := cycle
	if chain == nil {
		for _, e := range edges {
			if e.To == Nobody {
				chain = append(chain, e)
			}
		}
	}
	if len(chain) == 0 {
		return ""
	}
	var es []lkEdge
	var parts []string
	for _, e := range chain {
		from, to := c.agentIndex(e.From), c.agentIndex(e.To)
		if from < 0 {
			continue
		}
		le := n.edgeOf(v, from, to)
		es = append(es, le)
		parts = append(parts, n.edgeText(v, le))
	}
	if len(parts) == 0 {
		return ""
	}
	s := strings.Join(parts, "; ")
	if cycle == nil {
		return s + ": nothing will ever provide it."
	}
	return s + ": " + n.pattern(v, es) + "."
}

// agentIndex is the index of the agent named name, or -1.
func (c *core) agentIndex(name string) int {
	for i, a := range c.spec.Agents {
		if a.Name == name {
			return i
		}
	}
	return -1
}

// edgeOf classifies blocked agent ag's wait for agent to in v.
func (n *lockNarrator) edgeOf(v View, ag, to int) lkEdge {
	ls := &n.c.spec.Locks
	e := lkEdge{from: ag, to: to, lock: -1, fence: -1, ch: -1}
	p := v.lkPoint(ag)
	e.kind = p.call.Kind
	switch p.call.Kind {
	case lkMutexLock, lkSpinLock, lkResvLock, lkResvLockCtx, lkResvLockCtxAlready, lkResvLockCtxDeadlk, lkResvLockCtxWound:
		e.lock = p.call.Obj
	case lkResvLockSlow:
		if cl := *v.lkCont(ag); cl != 0 {
			e.lock = int(cl) - 1
		}
	case lkFenceSignal, lkAddCallback, lkAddCallbackENOENT:
		e.lock = ls.Fences[p.call.Obj].Lock
	case lkRecv:
		e.ch = p.call.Obj
	default:
		for f := range ls.Fences {
			if n.waitsFor(v, ag, p.call, f) && (to < 0 || n.provides(v, to, f)) {
				e.fence = f
				break
			}
		}
		if p.call.Kind == lkSchedRunJob {
			e.fence = p.call.Obj
		}
	}
	return e
}

// provides reports whether agent ag can still signal (or publish, when it
// is not yet published) fence f.
func (n *lockNarrator) provides(v View, ag int, f int) bool {
	for _, w := range v.lkProviders(func(x Call) bool {
		if !v.lkPublished(f) {
			return n.c.publishesLockFence(x, f)
		}
		return n.c.signalsLockFence(x, f)
	}) {
		if w == ag {
			return true
		}
	}
	return false
}

// edgeText words one agent's wait.
func (n *lockNarrator) edgeText(v View, e lkEdge) string {
	c := n.c
	ls := &c.spec.Locks
	name := c.spec.Agents[e.from].Name
	to := Nobody
	if e.to >= 0 {
		to = c.spec.Agents[e.to].Name
	}
	s := name
	if h := n.heldText(v, e.from); h != "" {
		s += ", holding " + h + ","
	}
	call := v.lkStepText(e.from)
	switch {
	case e.lock >= 0:
		l := ls.Locks[e.lock].Name
		if e.to == e.from {
			return fmt.Sprintf("%s takes %s again in %s", s, l, call)
		}
		return fmt.Sprintf("%s waits in %s for %s, which %s took at step %d", s, call, l, to, n.took[e.lock])
	case e.kind == lkRecv:
		return fmt.Sprintf("%s waits in %s for a message on %s, which %s sends", s, call, ls.Channels[e.ch], to)
	case e.kind == lkP2PDMA:
		d := v.lkPoint(e.from).call.Obj
		return fmt.Sprintf("%s stalls in %s: %s is runtime-suspended since step %d, and %s resumes it (pm_runtime_get_sync)",
			s, call, ls.PMDevices[d], n.suspended[d], to)
	case e.kind == lkPMSuspend:
		return fmt.Sprintf("%s waits in %s for %s to put its runtime-PM reference", s, call, to)
	case e.kind == lkSchedRunJob:
		return fmt.Sprintf("%s waits to run %s's job, which %s submits", s, ls.Fences[e.fence].Name, to)
	case e.fence >= 0:
		f := ls.Fences[e.fence]
		pub := n.fenceState(v, e.fence)
		what := "signals"
		if !v.lkPublished(e.fence) {
			what = "publishes"
		}
		if e.to == e.from {
			return fmt.Sprintf("%s waits in %s for %s (%s), which only %s itself %s", s, call, f.Name, pub, name, what)
		}
		return fmt.Sprintf("%s waits in %s for %s (%s), which %s %s", s, call, f.Name, pub, to, what)
	}
	return fmt.Sprintf("%s waits in %s for %s", s, call, to)
}

// pattern names the deadlock pattern a wait-for cycle forms and the rule
// it breaks (kernel-rules §12.5).
func (n *lockNarrator) pattern(v View, es []lkEdge) string {
	c := n.c
	ls := &c.spec.Locks
	var lockEdges, fenceEdges, msgEdges, pmEdges []lkEdge
	for _, e := range es {
		switch {
		case e.lock >= 0:
			lockEdges = append(lockEdges, e)
		case e.kind == lkRecv:
			msgEdges = append(msgEdges, e)
		case e.kind == lkP2PDMA:
			pmEdges = append(pmEdges, e)
		case e.fence >= 0:
			fenceEdges = append(fenceEdges, e)
		}
	}
	for _, e := range fenceEdges {
		if f := e.fence; ls.Fences[f].Indefinite {
			return fmt.Sprintf("%s is an indefinite fence, signalled by user space, and a kernel fence's work waits for it while user space waits for the kernel fence: "+
				"an indefinite fence may depend on dma_fences, never the reverse (kernel-rules §5.3)", ls.Fences[f].Name)
		}
	}
	if len(es) == 1 && es[0].to == es[0].from {
		e := es[0]
		switch {
		case e.lock >= 0:
			s := fmt.Sprintf("recursive locking: %s is not recursive", ls.Locks[e.lock].Name)
			for f := range ls.Fences {
				if n.freed[f] > n.took[e.lock] && n.freer[f] == c.spec.Agents[e.from].Name {
					s += fmt.Sprintf(", and the release of %s, whose last reference a callback dropped at step %d, takes the lock the signaller holds (kernel-rules §12.5 pattern 4)",
						ls.Fences[f].Name, n.freed[f])
					break
				}
			}
			return s
		case e.kind == lkShrink && n.reclaim[e.from] > 0:
			return fmt.Sprintf("%s allocated with GFP_KERNEL at step %d on the way to signalling %s, and direct reclaim's shrinker waits for that very fence: "+
				"the fence signalling path must not allocate with GFP_KERNEL (kernel-rules §5.2 rule 4)", c.spec.Agents[e.from].Name, n.reclaim[e.from], ls.Fences[max(e.fence, 0)].Name)
		}
		return "an agent waits for what only it can provide"
	}
	if len(pmEdges) > 0 {
		e := pmEdges[0]
		d := v.lkPoint(e.from).call.Obj
		s := fmt.Sprintf("%s was runtime-suspended at step %d", ls.PMDevices[d], n.suspended[d])
		for ag := range c.spec.Agents {
			if v.lkHas(ag, lkP2P) && *v.lkPMRef(d)&(1<<ag) == 0 && n.attached[ag] > 0 {
				s += fmt.Sprintf(" although %s's peer2peer attachment (step %d) held no runtime-PM reference on it", c.spec.Agents[ag].Name, n.attached[ag])
				break
			}
		}
		return s + ": an exporter must hold a runtime-PM reference while a peer2peer attachment exists, or a DMA through its BAR waits for a resume that waits for the DMA (kernel-rules §9, §12.5 pattern 8)"
	}
	if len(lockEdges) > 0 && len(msgEdges) > 0 {
		m, l := msgEdges[0], lockEdges[0]
		return fmt.Sprintf("%s waits for a message on %s while holding %s, and the message's delivery needs %s: a round trip without a timeout must not run under a lock its delivery takes (kernel-rules §12.5 pattern 7)",
			c.spec.Agents[m.from].Name, ls.Channels[m.ch], ls.Locks[l.lock].Name, ls.Locks[l.lock].Name)
	}
	if len(lockEdges) > 0 && len(fenceEdges) > 0 {
		f, l := fenceEdges[0], lockEdges[0]
		return fmt.Sprintf("%s waits for %s while holding %s, and %s's signalling path (%s) takes %s: the signalling path must not take a lock held around a wait for its fence (kernel-rules §5.2 rule 3)",
			c.spec.Agents[f.from].Name, ls.Fences[f.fence].Name, ls.Locks[l.lock].Name, ls.Fences[f.fence].Name, c.spec.Agents[l.from].Name, ls.Locks[l.lock].Name)
	}
	if len(lockEdges) == len(es) {
		return n.inversion(v, es)
	}
	return "a cycle of agents waiting for each other"
}

// inversion words a cycle of lock waits: each agent's path (the locks it
// holds in the order it took them, then the one it wants) and why the
// ww_mutex protocol did not break it.
func (n *lockNarrator) inversion(v View, es []lkEdge) string {
	c := n.c
	ls := &c.spec.Locks
	var paths []string
	allResv, noCtx := true, false
	for _, e := range es {
		var names []string
		for _, l := range n.held(v, e.from) {
			names = append(names, ls.Locks[l].Name)
		}
		names = append(names, ls.Locks[e.lock].Name)
		paths = append(paths, fmt.Sprintf("%s takes %s", c.spec.Agents[e.from].Name, strings.Join(names, " then ")))
		if ls.Locks[e.lock].Kind != ResvLock {
			allResv = false
		}
		if *v.lkTicket(e.from) == 0 {
			noCtx = true
		}
	}
	s := "a lock order inversion: " + andList(paths)
	switch {
	case allResv && noCtx:
		return s + ", without a ww_acquire_ctx, so neither gets -EDEADLK to back off: dma_resv locks taken together need one acquire context and the -EDEADLK backoff (kernel-rules §4.2)"
	case allResv:
		for _, e := range es {
			if e.kind == lkResvLockSlow && n.deadlk[e.from] > 0 {
				return s + fmt.Sprintf("; %s got -EDEADLK at step %d but went to dma_resv_lock_slow still holding %s: the backoff must first unlock every lock of the context (kernel-rules §4.2)",
					c.spec.Agents[e.from].Name, n.deadlk[e.from], n.heldText(v, e.from))
			}
		}
		return s + ": the ww_mutex protocol must back off on -EDEADLK (kernel-rules §4.2)"
	}
	return s + ": locks taken together must be taken in one order (kernel-rules §12.5)"
}
