package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The fence family's narration of a counterexample: the fences signalled
// to whoever waits for them (the CPU in begin_cpu_access, a queued job,
// the exporter before its move, a sleeping poll) and the waits they end,
// the resv entries dma_resv_add_fence overwrote, and, for the family's
// properties, the broken rule with the steps and agents involved: the
// entry replaced by an older fence and the rule or seqno comparison that
// allowed it, the fence a wait did not wait for, the job that ran on
// moved pages, the dma_resv_add_fence without a reserved slot, the error
// set after the signal, and the chain of waits that leaves a fence
// pending forever.

// fenceNarrator walks a trace once, remembering when each fence was
// created, added to the resv, overwritten there and signalled, and who
// waited for what.
type fenceNarrator struct {
	t *trail
	c *core
	// created, signalled and added are the steps fence slot f was
	// created, signalled, and first added to the resv (0: not in the
	// trace); by[f] is the agent that signalled it, adder[f] the agent
	// and call that added it.
	created, signalled, added [maxFenceSlots]int
	by, adder                 [maxFenceSlots]string
	// replaced[f] is the last step that overwrote an entry of f with
	// another fence, with[f] that fence.
	replaced, with [maxFenceSlots]int
	// submitted[j] is the step job slot j was submitted, policy its
	// submission policy, deps its dependencies then.
	submitted [maxFenceSlots]int
	policy    [maxFenceSlots]SubmitPolicy
	deps      [maxFenceSlots]fmask
	// ran[j] is the step job slot j started running.
	ran [maxFenceSlots]int
	// begin is the step of the CPU's last dma_buf_begin_cpu_access, by
	// agent beginAg, which waited for wait.
	begin, beginAg int
	wait           fmask
	// move is the step of the exporter's dma_buf_move_notify, by agent
	// moveAg, which waited for moveWait; moved the step of the move.
	move, moveAg, moved int
	moveWait            fmask
	// polled is the step poll slept on a fence, by agent pollAg.
	polled, pollAg int
}

// fenceExplain is the fence family's narration (a familyExplain).
func (c *core) fenceExplain(t *trail, property string) (string, bool) {
	if !c.lay.fence.used {
		return "", false
	}
	n := &fenceNarrator{t: t, c: c, beginAg: -1, moveAg: -1, pollAg: -1}
	for i := 1; i < len(t.path); i++ {
		n.step(i)
	}
	flag := func(f uint8) func(v View) bool { return func(v View) bool { return v.fs().ghost()&f == 0 } }
	switch {
	case property == FenceMonotonicity:
		return n.monotonicity(flag(fflagMonotonicity)), true
	case property == ResvIdleMeansIdle:
		return n.idleLied(flag(fflagIdleLied)), true
	case property == ResvKeepsNewest:
		return n.keptOlder(), true
	case property == NoJobAfterMove:
		return n.jobAfterMove(flag(fflagJobAfterMove)), true
	case property == AddFenceNeedsReserve:
		return n.noReservation(flag(fflagNoReserve)), true
	case strings.HasPrefix(property, FencesEventuallySignal+"/"):
		for _, f := range c.kernelFences() {
			if property == FencesEventuallySignal+"/"+c.fenceShortName(f) {
				return n.neverSignalled(f), true
			}
		}
	case property == statespace.DeadlockProperty:
		return n.stuck(), true
	}
	return "", false
}

// step annotates step i call by call and records what it did.
func (n *fenceNarrator) step(i int) {
	t, c := n.t, n.c
	ag := t.action(i).ag
	who := t.agent(i)
	t.calls(i, func(call Call, b, a View) {
		sb, sa := b.fs(), a.fs()
		for f := 1; f < sa.l.slots; f++ {
			if sb.status(f) == fenceUnused && sa.status(f) != fenceUnused {
				n.created[f] = i
			}
			if sb.pending(f) && sa.signaled(f) {
				n.signalled[f], n.by[f] = i, who
				n.tellWaiters(i, b, f)
			}
		}
		for f := range sa.l.slots {
			if sb.added(f) == 0 && sa.added(f) != 0 {
				n.added[f], n.adder[f] = i, who
			}
		}
		for k := range sa.l.entries {
			if old, now := sb.entry(k), sa.entry(k); old != 0 && now != 0 && entryFence(old) != entryFence(now) {
				f, g := entryFence(old), entryFence(now)
				n.replaced[f], n.with[f] = i, g
				if sb.pending(f) && !sb.sameCtx(f, g) && sa.l.layout == LayoutExclusiveShared {
					t.observe(i, fmt.Sprintf("dma_resv_add_excl_fence(%s) dropped the shared fence %s", c.fenceShortName(g), n.fence(sb, f)))
				} else if sb.pending(f) {
					t.observe(i, fmt.Sprintf("dma_resv_add_fence(%s, %s) replaced the entry of %s", c.fenceShortName(g), entryUsage(now), n.fence(sb, f)))
				}
			}
		}
		// What the call did, read off the state (a bracket or a device
		// of another family may make the fence family's moves).
		for j := 1; j <= sa.l.jobSlots; j++ {
			switch was, is := jobPhaseOf(sb.job(j)), jobPhaseOf(sa.job(j)); {
			case was == jNone && is != jNone:
				n.submitted[j], n.deps[j] = i, sa.deps(j)
				if call.Kind == KJobSubmit {
					n.policy[j] = unpackPolicy(call.N)
				}
			case was == jQueued && is == jRunning:
				n.ran[j] = i
				n.tellReturn(i, n.deps[j], ag, "dependency %s signalled at step %d")
			}
		}
		switch was, is := sb.cpu()&cpuPhase, sa.cpu()&cpuPhase; {
		case was != cpuWaiting && is == cpuWaiting:
			n.begin, n.beginAg, n.wait = i, ag, sa.mask(sa.l.cpuWait)
		case was == cpuWaiting && is == cpuInside:
			n.tellReturn(i, n.wait, ag, "wait returns: %s signalled at step %d")
		}
		switch was, is := sb.exporter()&expPhase, sa.exporter()&expPhase; {
		case was == expIdle && is == expNotified:
			n.move, n.moveAg, n.moveWait = i, ag, sa.query(UsageBookkeep)
		case was == expNotified && is != expNotified:
			n.moved = i
			n.tellReturn(i, n.moveWait, ag, "wait returns: %s signalled at step %d")
		}
		if p := sb.pollB(); p&pollPhase == pollWoken && call.Kind == KPoll {
			n.tellReturn(i, 1<<(p&pollFence>>pollShift), ag, "woken: %s signalled at step %d")
		}
		if sb.pollB()&pollPhase != pollArmed && sa.pollB()&pollPhase == pollArmed {
			n.polled, n.pollAg = i, ag
		}
	})
}

// tellWaiters sends the signal of fence f at step i (v: the state before
// the signalling call) to whoever waits for it.
func (n *fenceNarrator) tellWaiters(i int, v View, f int) {
	t, c := n.t, n.c
	s := v.fs()
	from := t.agent(i)
	name := c.fenceShortName(f)
	to := func(ag int, why string) {
		if ag >= 0 && c.spec.Agents[ag].Name != from {
			t.send(i, from, c.spec.Agents[ag].Name, fmt.Sprintf("%s signalled (%s)", name, why))
		}
	}
	if s.cpu()&cpuPhase == cpuWaiting && s.mask(s.l.cpuWait)&(1<<f) != 0 {
		to(n.beginAg, c.spec.Agents[max(n.beginAg, 0)].Name+" waits for it in dma_buf_begin_cpu_access")
	}
	for j := 1; j <= s.l.jobSlots; j++ {
		if jobPhaseOf(s.job(j)) == jQueued && s.deps(j)&(1<<f) != 0 {
			to(n.runner(int(s.l.ringOf[j])), c.jobName(j)+" depends on it")
		}
	}
	if s.exporter()&expPhase == expNotified && s.query(UsageBookkeep)&(1<<f) != 0 {
		to(n.moveAg, "the exporter waits for it before the move")
	}
	if p := s.pollB(); p&pollPhase == pollArmed && int(p&pollFence>>pollShift) == f {
		to(n.pollAg, "poll sleeps on it")
	}
}

// tellReturn draws, at step i where agent ag's wait returns, a message
// from the agent that signalled each fence of m (format takes the fence
// and the step of its signal).
func (n *fenceNarrator) tellReturn(i int, m fmask, ag int, format string) {
	for f := range n.c.lay.fence.slots {
		if m&(1<<f) != 0 && n.signalled[f] > 0 && n.by[f] != n.c.spec.Agents[ag].Name {
			n.t.send(i, n.by[f], n.c.spec.Agents[ag].Name, fmt.Sprintf(format, n.c.fenceShortName(f), n.signalled[f]))
		}
	}
}

// runner is the agent whose program runs ring r's jobs, or -1.
func (n *fenceNarrator) runner(r int) int {
	for ag, p := range n.c.progs {
		for _, nd := range p.nodes {
			for _, e := range nd {
				for _, op := range e.Ops {
					if op.Kind == KJobRun && op.Obj == r {
						return ag
					}
				}
			}
		}
	}
	return -1
}

// seqnoText writes a seqno, in hexadecimal too when it is near the wrap.
func seqnoText(x uint32) string {
	if x >= 1<<31 {
		return fmt.Sprintf("%d (%#x)", x, x)
	}
	return fmt.Sprint(x)
}

// fence names fence slot f with its seqno.
func (n *fenceNarrator) fence(s fs, f int) string {
	if f == fStub {
		return "the signalled stub fence"
	}
	return fmt.Sprintf("%s (seqno %s)", n.c.fenceShortName(f), seqnoText(s.seqno(f)))
}

// fences names the fences of m.
func (n *fenceNarrator) fences(m fmask) string {
	var out []string
	for f := range n.c.lay.fence.slots {
		if m&(1<<f) != 0 {
			out = append(out, n.c.fenceShortName(f))
		}
	}
	return andList(out)
}

// addedText says when and by whom fence f was added to the resv.
func (n *fenceNarrator) addedText(s fs, f int) string {
	if n.added[f] == 0 {
		return "never added to the resv"
	}
	return fmt.Sprintf("added to the resv with %s at step %d by %s", Usage(s.added(f)-1), n.added[f], n.adder[f])
}

// replacement explains how dma_resv_add_fence(g) at step i could replace
// the entry of the newer pending fence f: the kernel's rule, or the seqno
// comparison, that let it.
func (n *fenceNarrator) replacement(s fs, f, g int) string {
	switch {
	case s.l.layout == LayoutExclusiveShared && !s.sameCtx(f, g):
		return "dma_resv_add_excl_fence, in the dma_resv layout before 7bc80a5462c3 (5.19), drops every shared fence, pending or not, when it sets the exclusive one"
	case s.l.rule == RulePre2022:
		return "dma_resv_add_fence's rule before a3f7c10a269d (CVE-2022-49935) replaces an entry of the same context and a usage at least as strong without comparing seqnos"
	case s.l.cmp == NaiveCompare && isLater(s.seqno(g), s.seqno(f), NaiveCompare) && !isLater(s.seqno(g), s.seqno(f), Wrap32):
		return fmt.Sprintf("the naive seqno comparison a > b took %s for later than %s, but the context's seqnos wrapped: the kernel's (int)(a - b) > 0 says it is earlier",
			seqnoText(s.seqno(g)), seqnoText(s.seqno(f)))
	}
	return "the replacement rule took it for a newer fence of the same context"
}

// keptOlder explains resv-keeps-newest-fence: the step whose
// dma_resv_add_fence put an older fence in place of its context's newest.
func (n *fenceNarrator) keptOlder() string {
	t, c := n.t, n.c
	i, _, before, after := t.guiltyCall(func(v View) bool { return v.fs().keepsNewest() })
	if i < 0 {
		return ""
	}
	sb, sa := before.fs(), after.fs()
	for f := 1; f < sa.l.slots; f++ {
		g := n.with[f]
		if n.replaced[f] != i || !sa.pending(f) || sa.added(f) == 0 || !sa.sameCtx(f, g) || g >= f {
			continue
		}
		how := ""
		if n.exported(g) > 0 {
			how = fmt.Sprintf(", exported in a sync_file at step %d,", n.exported(g))
		}
		return fmt.Sprintf("at step %d %s's %s added %s%s and dma_resv_add_fence put it in place of %s, its context's newest fence, %s and still pending: %s; "+
			"a dma_resv must keep the newest fence of each context, never replace it with an older one, or a wait on the buffer returns before %s signals.",
			i, t.agent(i), t.label(i), n.fence(sb, g), how, n.fence(sb, f), n.addedText(sa, f), n.replacement(sb, f, g), c.fenceShortName(f))
	}
	if sa.l.layout == LayoutExclusiveShared {
		return t.story(i, "dma_resv_add_excl_fence, in the dma_resv layout before 7bc80a5462c3 (5.19), dropped every shared fence, pending ones included; a dma_resv must keep the newest fence of each context until it signals")
	}
	return t.story(i, "dma_resv_add_fence must keep the newest fence of each context, never replace it with an older one")
}

// exported is the step user space exported a sync_file holding fence f
// (or created it on the sw_sync timeline), or 0.
func (n *fenceNarrator) exported(f int) int {
	for i := 1; i < len(n.t.path); i++ {
		a := n.t.action(i)
		if len(a.e.Ops) == 1 && (a.e.Ops[0].Kind == KExportSyncFile || a.e.Ops[0].Kind == KSwSyncCreate) &&
			n.t.state(i).fs().syncFileMask()&(1<<f) != 0 {
			return i
		}
	}
	return 0
}

// idleLied explains resv-idle-means-idle: which wait or test reported the
// buffer idle, and the pending fence it missed and why the resv did not
// show it.
func (n *fenceNarrator) idleLied(holds func(View) bool) string {
	t := n.t
	i, call, before, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	s := before.fs()
	var what string
	var missed fmask
	switch call.Kind {
	case KPoll:
		what = fmt.Sprintf("at step %d %s's poll(dmabuf, EPOLLIN) returned EPOLLIN: dma_buf_poll found no WRITE fence pending", i, t.agent(i))
		missed = s.published(usageRW(false))
	case KExporterMove:
		what = fmt.Sprintf("at step %d the exporter's dma_resv_wait_timeout(BOOKKEEP), begun at step %d, returned and it moved the buffer", i, n.move)
		missed = s.published(UsageBookkeep)
	default:
		u := usageRW(s.cpuWrites())
		what = fmt.Sprintf("at step %d %s's dma_resv_wait_timeout(%s) in dma_buf_begin_cpu_access, begun at step %d, returned", i, t.agent(i), u, n.begin)
		if n.wait == 0 {
			what += " (it found nothing to wait for)"
		} else {
			what += fmt.Sprintf(" (it waited for %s)", n.fences(n.wait))
		}
		missed = s.mask(s.l.cpuTruth)
	}
	var why []string
	for f := 1; f < s.l.slots; f++ {
		if missed&(1<<f) == 0 || !s.pending(f) {
			continue
		}
		w := fmt.Sprintf("%s, %s, is still pending", n.fence(s, f), n.addedText(s, f))
		if r := n.replaced[f]; r > 0 && r < i {
			g := n.with[f]
			w += fmt.Sprintf(": at step %d %s's %s put %s in place of its entry (%s)", r, t.agent(r), t.label(r), n.fence(s, g), n.replacement(s, f, g))
		}
		why = append(why, w)
	}
	if len(why) == 0 {
		return t.story(i, "a wait for the buffer's fences must not return while a fence it was given is unsignalled")
	}
	return what + ", but " + strings.Join(why, "; ") + "; dma_resv_wait_timeout and dma_resv_test_signaled must not report the buffer idle while a fence added to it is unsignalled."
}

// jobAfterMove explains no-job-after-move: the job that ran on moved
// pages (or during the copy), or the move under a running job.
func (n *fenceNarrator) jobAfterMove(holds func(View) bool) string {
	t, c := n.t, n.c
	i, call, before, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	s := before.fs()
	rule := "no job may touch the pages a dynamic exporter moved the buffer away from: the move must wait for the job's fence, or the importer must map the buffer again after move_notify"
	switch call.Kind {
	case KJobRun:
		_, h := s.submitted(call.Obj)
		sub := fmt.Sprintf("%s (submitted at step %d: %s)", c.jobName(h), n.submitted[h], submitSummary(n.policy[h], s.job(h)&jWrite != 0))
		if s.job(h)&jStale != 0 {
			why := "its fence was not in the resv, so the move's dma_resv_wait_timeout(BOOKKEEP) did not wait for it"
			if n.policy[h].Adds != AddNone {
				why = "it was bound to the pages before the move"
			}
			return fmt.Sprintf("at step %d %s's run_job started %s on the pages the exporter moved the buffer away from at step %d (after dma_buf_move_notify at step %d): %s; %s.",
				i, t.agent(i), sub, n.moved, n.move, why, rule)
		}
		if s.exporter()&expPhase == expCopying && s.l.fCopy >= 0 {
			return fmt.Sprintf("at step %d %s's run_job started %s while the exporter's copy, whose fence %s it added as KERNEL at step %d, still writes the new pages: "+
				"every job must wait for the resv's KERNEL fences (memory management), even an explicit-sync one; %s.",
				i, t.agent(i), sub, c.fenceShortName(s.l.fCopy), n.added[s.l.fCopy], rule)
		}
	case KExporterMove:
		for j := 1; j <= s.l.jobSlots; j++ {
			if jobPhaseOf(s.job(j)) == jRunning {
				return fmt.Sprintf("at step %d the exporter's dma_resv_wait_timeout(BOOKKEEP), begun with dma_buf_move_notify at step %d, returned and it moved the buffer while %s, submitted at step %d (%s) and running since step %d, still does DMA to the old pages: "+
					"its fence was not in the resv for the wait to see; %s.",
					i, n.move, c.jobName(j), n.submitted[j], submitSummary(n.policy[j], s.job(j)&jWrite != 0), n.ran[j], rule)
			}
		}
	}
	return t.story(i, rule)
}

// noReservation explains add-fence-needs-reservation: which
// dma_resv_add_fence appended without a reserved slot, and why.
func (n *fenceNarrator) noReservation(holds func(View) bool) string {
	t, c := n.t, n.c
	i, call, before, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	s := before.fs()
	rule := "dma_resv_add_fence appends only into a slot reserved with dma_resv_reserve_fences (BUG_ON(fobj->num_fences >= fobj->max_fences))"
	if call.Kind == KJobSubmit {
		p := unpackPolicy(call.N)
		k, _ := s.submitted(call.Obj)
		f := s.jobSlot(call.Obj, k)
		usage := usageRW(call.Dir != 1)
		switch {
		case p.SkipReserve:
			return fmt.Sprintf("at step %d %s's job submission called dma_resv_add_fence(%s, %s) without dma_resv_reserve_fences first; %s.",
				i, t.agent(i), c.fenceShortName(f), usage, rule)
		case p.Adds == AddBookkeepThenUsage && s.l.rule == RuleStrictLater:
			return fmt.Sprintf("at step %d %s's job submission reserved one slot and added %s twice, with BOOKKEEP then %s: "+
				"dma_resv_add_fence's rule between a3f7c10a269d and 95ba893c9f4f does not let a fence replace its own entry (dma_fence_is_later of equal seqnos is false; 6.12 asks dma_fence_is_later_or_same), "+
				"so the second dma_resv_add_fence appended a second entry into a slot nobody reserved; %s.",
				i, t.agent(i), c.fenceShortName(f), usage, rule)
		}
	}
	return t.story(i, rule)
}

// monotonicity explains fence-monotonicity: the fence whose status,
// error or seqno changed after the fact, or that was issued out of order.
func (n *fenceNarrator) monotonicity(holds func(View) bool) string {
	t, c := n.t, n.c
	i, _, before, after := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	sb, sa := before.fs(), after.fs()
	for f := 1; f < sa.l.slots; f++ {
		o, x := sb.fb(f), sa.fb(f)
		switch {
		case o&fenceStatus == fenceSignalled && x&fenceStatus == fenceSignalled && x&fenceErrBits != o&fenceErrBits:
			was, seen := "without an error", "succeed"
			if e := sb.ferr(f); e != ferrNone {
				was, seen = "with error "+ferrNames[e], "fail with "+ferrNames[e]
			}
			return fmt.Sprintf("at step %d %s set error %s on %s, which %s signalled %s at step %d (%s): a fence's status is final once it signals, "+
				"and its waiters have seen it %s; dma_fence_set_error must come before dma_fence_signal (it WARNs on a signalled fence).",
				i, t.agent(i), ferrNames[sa.ferr(f)], n.fence(sa, f), n.by[f], was, n.signalled[f], t.label(n.signalled[f]), seen)
		case o&fenceStatus == fenceSignalled && x&fenceStatus != fenceSignalled:
			return fmt.Sprintf("at step %d %s made %s, signalled at step %d, pending again: a signalled fence stays signalled.", i, t.agent(i), n.fence(sa, f), n.signalled[f])
		case o&fenceStatus == fenceUnused && x&fenceStatus != fenceUnused:
			for g := 1; g < sa.l.slots; g++ {
				if g != f && sa.sameCtx(g, f) && sb.status(g) != fenceUnused && !isLater(sa.seqno(f), sb.seqno(g), Wrap32) {
					return fmt.Sprintf("at step %d %s created %s, which is not later than %s of the same context, created at step %d: a context issues its seqnos in increasing order (__dma_fence_is_later).",
						i, t.agent(i), n.fence(sa, f), n.fence(sb, g), n.created[g])
				}
			}
		case o&fenceStatus != fenceUnused && x&fenceSeq != o&fenceSeq:
			return fmt.Sprintf("at step %d %s changed the seqno of %s: a fence's seqno never changes.", i, t.agent(i), c.fenceShortName(f))
		}
	}
	return t.story(i, "a fence signals once, with its final error, and keeps its seqno")
}

// neverSignalled explains fences-eventually-signal/F: what F waits for,
// down to what nobody will do.
func (n *fenceNarrator) neverSignalled(f int) string {
	t := n.t
	last := len(t.path) - 1
	s := t.state(last).fs()
	if !s.pending(f) {
		return ""
	}
	var seen fmask
	chain := n.why(s, f, &seen)
	head := fmt.Sprintf("the fence %s, created at step %d by %s (%s), never signals", n.fence(s, f), n.created[f], t.who(n.created[f]), t.label(n.created[f]))
	if j := t.loopStart(); j >= 0 {
		head += fmt.Sprintf(" while steps %d..%d repeat", j+1, last)
	}
	return head + ": " + strings.Join(chain, "; ") + n.rule(seen) + "."
}

// stuck explains a deadlock of the family: who waits, in the last state,
// for which fences, and why they never signal.
func (n *fenceNarrator) stuck() string {
	t, c := n.t, n.c
	v := t.state(len(t.path) - 1)
	s := v.fs()
	var parts []string
	var seen fmask
	wait := func(who string, since int, what string, m fmask) {
		m &^= s.signaledMask()
		if m == 0 {
			return
		}
		p := fmt.Sprintf("since step %d %s has waited in %s for %s", since, who, what, n.fences(m))
		var chain []string
		for f := range s.l.slots {
			if m&(1<<f) != 0 && seen&(1<<f) == 0 {
				chain = append(chain, n.why(s, f, &seen)...)
			}
		}
		if len(chain) > 0 {
			p += "; " + strings.Join(chain, "; ")
		}
		parts = append(parts, p)
	}
	if s.cpu()&cpuPhase == cpuWaiting && n.beginAg >= 0 {
		wait(c.spec.Agents[n.beginAg].Name, n.begin, fmt.Sprintf("dma_buf_begin_cpu_access(%s)", dmaDirNames[b2i(s.cpuWrites())]), s.mask(s.l.cpuWait))
	}
	if s.exporter()&expPhase == expNotified {
		wait("the exporter", n.move, "dma_resv_wait_timeout(BOOKKEEP) before its move, holding the resv lock,", s.query(UsageBookkeep))
	}
	if p := s.pollB(); p&pollPhase == pollArmed {
		wait(c.spec.Agents[max(n.pollAg, 0)].Name, n.polled, "poll", 1<<(p&pollFence>>pollShift))
	}
	for j := 1; j <= s.l.jobSlots; j++ {
		if jobPhaseOf(s.job(j)) == jQueued && seen&(1<<j) == 0 {
			if d := s.deps(j) &^ s.signaledMask(); d != 0 {
				wait(c.jobName(j), n.submitted[j], "the scheduler", d)
			}
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + n.rule(seen) + "."
}

// why says why fence f is still pending in s, and why what it waits for
// is, each fence once (seen).
func (n *fenceNarrator) why(s fs, f int, seen *fmask) []string {
	if *seen&(1<<f) != 0 || !s.pending(f) {
		return nil
	}
	*seen |= 1 << f
	c := n.c
	name := c.fenceShortName(f)
	var out []string
	switch {
	case s.isJobSlot(f):
		r := int(s.l.ringOf[f])
		k := f - s.l.ring0[r]
		switch jobPhaseOf(s.job(f)) {
		case jQueued:
			if k > 0 && jobPhaseOf(s.job(f-1)) != jDone {
				out = append(out, fmt.Sprintf("%s's job waits for the ring's earlier job (%s)", name, c.fenceShortName(f-1)))
				out = append(out, n.why(s, f-1, seen)...)
			}
			if d := s.deps(f) &^ s.signaledMask(); d != 0 {
				out = append(out, fmt.Sprintf("%s's job, submitted at step %d, waits for its dependency %s", name, n.submitted[f], n.fences(d)))
				for g := range s.l.slots {
					if d&(1<<g) != 0 {
						out = append(out, n.why(s, g, seen)...)
					}
				}
			}
		case jRunning:
			out = append(out, fmt.Sprintf("%s's job has run since step %d and never completes", name, n.ran[f]))
		}
	case s.isPointSlot(f):
		p := fmt.Sprintf("%s is a sw_sync point %s created at step %d", name, n.t.who(n.created[f]), n.created[f])
		if n.added[f] > 0 {
			p += fmt.Sprintf(" and imported into the resv with %s at step %d", Usage(s.added(f)-1), n.added[f])
		}
		who := n.t.state(len(n.t.path) - 1).lkProviders(func(x Call) bool { return x.Kind == KSwSyncInc || x.Kind == KSwSyncClose })
		p += ": only SW_SYNC_IOC_INC or closing the timeline signals it"
		if len(who) == 0 {
			p += ", and no agent will"
		} else {
			p += fmt.Sprintf(", and %s does not (the timeline stays at value %d)", c.spec.Agents[who[0]].Name, s.timelineValue())
		}
		out = append(out, p)
	case f == s.l.fCopy:
		out = append(out, fmt.Sprintf("%s is the exporter's copy, added as KERNEL at step %d, and the copy never completes", name, n.added[f]))
	}
	return out
}

// rule names the rule a chain of waits breaks: a kernel fence waiting for
// a fence only user space signals, or a fence that never completes.
func (n *fenceNarrator) rule(seen fmask) string {
	s := n.t.state(len(n.t.path) - 1).fs()
	for f := range s.l.slots {
		if seen&(1<<f) != 0 && s.isPointSlot(f) {
			var kernel []string
			for _, g := range n.c.kernelFences() {
				if seen&(1<<g) != 0 {
					kernel = append(kernel, n.c.fenceShortName(g))
				}
			}
			if len(kernel) > 0 {
				return fmt.Sprintf(": the kernel fence %s depends on a fence user space may never signal, and a dma_fence must complete in bounded time (kernel-rules §5.2 rule 1, §5.3)",
					andList(kernel))
			}
			return ": a wait on a fence user space may never signal does not return"
		}
	}
	return ": a dma_fence must complete in bounded time (kernel-rules §5.2 rule 1)"
}
