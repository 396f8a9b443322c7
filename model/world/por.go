package world

import (
	"fmt"
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Partial-order reduction (statespace.PartialOrder): in a state, the
// enabled steps of one agent p at its program point u are explored alone
// when they are an ample set (Clarke, Grumberg and Peled, "Model
// Checking", ch. 10):
//
//   - C1: every step of p at u, enabled or not, is independent of every step
//     any other agent can still take (a step at a point reachable from its
//     own). Steps are independent when neither writes a byte of the state
//     the other reads or writes (their footprints, below); the violation
//     flags and lockdep's sticky masks are only ever OR-ed by the calls with
//     a footprint, so writes to them commute and are left out. Then no other
//     agent can enable or disable a step of p at u, and p cannot move until
//     one of them is taken: a path that takes none of them takes only steps
//     independent of them. Refined for the job hand-off (porClosedGates, tried
//     only when no agent qualifies without it): another agent's steps
//     behind a drm_sched_run_job(F), while F is unpublished and no agent
//     but p can publish it first, cannot be taken before p moves, so they
//     are left out of its future (SPIN's exclusive send to a receiver
//     disabled until it). TestFootprintsAreTrue checks the footprints
//     against the semantics in the reachable states of every built-in the
//     reduction applies to.
//   - C2: a step of the ample set changes no property. It sets no new bit of
//     the violation flags or lockdep's masks in this state (checked by
//     stepping it, except for the calls that never set one: porQuiet; the
//     bits a step ORs are a function of the bytes it reads, which the other
//     agents' steps leave alone, and the flags only grow, so it sets none in
//     any state the others lead to either); it writes no byte a property
//     reads otherwise (every-fence-eventually-signalled: the fences' status
//     bytes, so with liveness a signal is never in an ample set); what
//     lockdep-fence-signalling reads of p's point (the lock p attempts inside
//     a signalling section, the locks it holds around a wait it attempts) is
//     already in lockdep's masks before and after the step
//     (porAttemptsRecorded); and neither its point nor its target is an idle
//     point or the end of p's program (which every-program-can-finish reads,
//     and no-leaked-object, which holds while some program has not ended;
//     a run that checks neither drops this rule: PartialOrderFor).
//   - C3: every step of the ample set is acyclic: its edge leaves u for a
//     point v of another strongly connected component of p's control-flow
//     graph. A step moves only its own agent's program counter, along an
//     edge, so every cycle of the state graph returns each agent to its
//     point, and takes only edges within components: an acyclic step lies on
//     no cycle, and every cycle of the reduced graph is fully expanded. With
//     the symmetry reduction, a cycle of the quotient returns each class of
//     interchangeable agents (same program) to the same multiset of points;
//     the sum over agents of their component's rank in topological order
//     never decreases and grows with every acyclic step, so again no
//     acyclic step lies on such a cycle.
//
// p is the first agent, in declaration order, whose point satisfies them;
// the state is fully expanded when none does. The reduction applies to
// worlds whose calls and properties it knows (porWhyNot): the lock and life
// families (no cache, fence, vm or p2p family call, no user invariant, no
// lock-order rule, whose property reads the acquisitions every agent
// attempts at its point); elsewhere Ample returns every enabled step and
// PartialOrderApplies says why. The fence family is not reduced: its calls
// all read or write the one dma-buf's dma_resv (submit, the CPU's wait,
// poll, the sync_file ioctls, the exporter's move), and each kernel fence's
// fences-eventually-signal property sees its signal, so few of its steps
// could ever be ample. Joined objects (the dma-buf's resv lock, devices
// tied to fences, lock fences as fence slots) always involve the cache or
// fence family, and fall with them. Footprints are precise for the lock
// calls below and in por_lock.go, and the life family's (por_life.go:
// objects, fds, RCU slots and readers); every other call, a guard, and a
// signal, signal_locked, wait or add_callback on a container fence or one
// of its members (whose cascade and enable_signaling write other fences)
// is "everything".

// footprint is the bytes of the state a step reads and writes (bit i of
// word i/64 is byte i), or every byte (all).
type footprint struct {
	r, w [2]uint64
	all  bool
}

func (f *footprint) read(off int) {
	if off >= 0 {
		f.r[off>>6] |= 1 << (off & 63)
	}
}

func (f *footprint) write(off int) {
	if off >= 0 {
		f.r[off>>6] |= 1 << (off & 63)
		f.w[off>>6] |= 1 << (off & 63)
	}
}

func (f *footprint) union(g footprint) {
	f.all = f.all || g.all
	for i := range f.r {
		f.r[i] |= g.r[i]
		f.w[i] |= g.w[i]
	}
}

// intersect makes f the bytes both f and g read and write ("all" is
// the identity).
func (f *footprint) intersect(g *footprint) {
	switch {
	case g.all:
	case f.all:
		*f = *g
	default:
		for i := range f.r {
			f.r[i] &= g.r[i]
			f.w[i] &= g.w[i]
		}
	}
}

// independent reports whether steps with footprints f and g commute and
// neither enables or disables the other.
func (f *footprint) independent(g *footprint) bool {
	if f.all || g.all {
		return false
	}
	for i := range f.r {
		if f.w[i]&(g.r[i]|g.w[i]) != 0 || g.w[i]&f.r[i] != 0 {
			return false
		}
	}
	return true
}

// writesAny reports whether f writes a byte of g.
func (f *footprint) writesAny(g *footprint) bool {
	if f.all {
		return true
	}
	for i := range f.w {
		if f.w[i]&(g.r[i]|g.w[i]) != 0 {
			return true
		}
	}
	return false
}

// porCore is what Build derives for the reduction.
type porCore struct {
	// why is the reason the reduction does not apply, or "".
	why string
	// fp is each action's footprint.
	fp []footprint
	// at[ag][pc] is the union of the footprints of agent ag's actions at pc,
	// and future[ag][pc] that of its actions at every point reachable from
	// pc (pc included).
	at, future [][]footprint
	// candidate[ends][ag][pc]: every action of ag at pc may be in an ample
	// set (known footprint, no guard, acyclic edge, writes nothing
	// visible); with ends (index 1), also neither at nor into an idle point
	// or the end of ag's program (C2 for every-program-can-finish and
	// no-leaked-object, which read whether the programs have ended).
	candidate [2][][]bool
	// quiet[a]: action a never ORs a bit into the watched bytes and its
	// target point attempts no acquisition or wait, so C2 holds for it
	// without stepping it.
	quiet []bool
	// watch are the bytes only OR-ed by the known calls and read by the
	// properties (violation flags, lockdep's masks).
	watch []int
	// gates are the lock fences some agent's program runs a job of
	// (drm_sched_run_job(F), enabled only once F is published), and
	// gated[ag][pc][i] is the union of the footprints of agent ag's actions
	// reachable from pc without taking a drm_sched_run_job(gates[i]) edge
	// (porClosedGates).
	gates []int
	gated [][][]footprint
	// gateFP[i] reads the byte of fence gates[i].
	gateFP []footprint
}

// porProps are the properties whose reads the reduction knows: flags that
// are only OR-ed (no-kernel-api-misuse, lockdep-fence-signalling's masks,
// no-use-after-free, rcu-reader-holds-the-slots-fence), bytes only the
// calls with an unknown footprint write (no-dma-fence-depends-on-
// indefinite-fence: the deps bytes, written by a publish with deps), the
// agents' points (every-program-can-finish, no-leaked-object: true while
// some program has not ended) and, visible, the fences' status bytes
// (every-fence-eventually-signalled).
var porProps = map[string]bool{
	NoKernelAPIMisuse: true, LockdepFenceSignalling: true, NoFenceOnIndefinite: true, EveryProgramCanFinish: true, EveryFenceEventuallySignalled: true,
	NoObjectUseAfterFree: true, NoLeakedObject: true, NoRcuWrongFence: true,
}

// porWhyNot says why the reduction does not apply to the world, or "".
func (c *core) porWhyNot() string {
	switch {
	case c.uses[famCache]:
		return "the world uses the cache family (the buffer's lines, brackets and device jobs have no footprints; the reduction knows the lock and life families' calls)"
	case c.uses[famFence] || c.lay.fence.used:
		return "the world uses the fence family (every call reads or writes the one dma-buf's dma_resv, its job rings and the fence family's properties read the whole section: no footprints; the reduction knows the lock and life families' calls)"
	case c.uses[famVM]:
		return "the world uses the vm family (no footprints; the reduction knows the lock and life families' calls)"
	case c.uses[famP2P]:
		return "the world uses the p2p family (no footprints; the reduction knows the lock and life families' calls)"
	case !c.uses[famLock] && !c.uses[famLife]:
		return "the world makes no lock- or life-family call"
	case c.lay.fence.joined || c.join.bufResv >= 0 || c.join.tied:
		// Every join names a fence-family or cache-family object, which
		// the cases above reject; kept for when they have footprints.
		return "the world shares objects between families"
	case len(c.spec.Invariants) > 0:
		return "the world has invariants (what they read is not known)"
	}
	for _, d := range c.props {
		switch {
		case d.name == LockOrderRule:
			return "property lock-order reads the acquisitions every agent attempts at its point (not modelled as a footprint)"
		case !porProps[d.name]:
			return fmt.Sprintf("property %s reads what the reduction does not know", d.name)
		}
	}
	return ""
}

// buildPOR derives c.por.
func (c *core) buildPOR() {
	p := &c.por
	if p.why = c.porWhyNot(); p.why != "" {
		return
	}
	d := c.spec.Locks.d
	p.watch = []int{c.lay.ghost, c.lay.ghost + 1}
	var visible footprint
	if d.used {
		p.watch = append(p.watch, d.ldSig, d.ldWait)
		if c.spec.Locks.Liveness {
			// every-fence-eventually-signalled reads every fence's status.
			for f := range c.spec.Locks.Fences {
				visible.write(d.fence + f)
			}
		}
	}
	p.fp = make([]footprint, len(c.table))
	// local[ends][a]: action a may be in an ample set (candidate).
	local := [2][]bool{make([]bool, len(c.table)), make([]bool, len(c.table))}
	p.quiet = make([]bool, len(c.table))
	sccs := make([][]int, len(c.progs))
	for ag, pr := range c.progs {
		sccs[ag] = pr.components()
	}
	for a := range c.table {
		t := &c.table[a]
		f := footprint{}
		f.write(c.lay.pc[t.ag])
		if len(t.guards) > 0 {
			f.all = true // a guard may read anything
		}
		quiet := true
		for _, op := range t.e.Ops {
			f.union(c.callFootprint(t.ag, op))
			quiet = quiet && porQuiet(op.Kind)
		}
		p.fp[a] = f
		to := d.at[t.ag][t.e.To]
		p.quiet[a] = quiet && to.acq == 0 && !to.slow && !to.waits
		pt := d.at[t.ag]
		local[0][a] = !f.all && !f.writesAny(&visible) && sccs[t.ag][t.pc] != sccs[t.ag][t.e.To]
		local[1][a] = local[0][a] && !pt[t.pc].idle && !pt[t.e.To].idle && len(c.progs[t.ag].nodes[t.e.To]) > 0
	}
	p.at = make([][]footprint, len(c.progs))
	p.future = make([][]footprint, len(c.progs))
	for ends := range p.candidate {
		p.candidate[ends] = make([][]bool, len(c.progs))
	}
	for ag, pr := range c.progs {
		n := len(pr.nodes)
		p.at[ag] = make([]footprint, n)
		for ends := range p.candidate {
			p.candidate[ends][ag] = make([]bool, n)
		}
		for pc := range n {
			for _, a := range c.byPC[ag][pc] {
				p.at[ag][pc].union(p.fp[a])
			}
			for ends := range p.candidate {
				ok := len(c.byPC[ag][pc]) > 0
				for _, a := range c.byPC[ag][pc] {
					ok = ok && local[ends][a]
				}
				p.candidate[ends][ag][pc] = ok
			}
		}
		p.future[ag] = make([]footprint, n)
		for pc := range n {
			for _, q := range pr.reachable(pc) {
				p.future[ag][pc].union(p.at[ag][q])
			}
		}
	}
	c.buildPORGates(p)
}

// isGate reports whether action a is drm_sched_run_job(f) alone, unguarded,
// on a lock fence outside any container: enabled only while f is
// published (lockEnabled).
func (c *core) isGate(a statespace.Action, f int) bool {
	t := &c.table[a]
	return len(t.guards) == 0 && len(t.e.Ops) == 1 && t.e.Ops[0].Kind == lkSchedRunJob && t.e.Ops[0].Obj == f &&
		!c.lkInContainer(t.e.Ops[0])
}

// buildPORGates derives p.gates and p.gated.
func (c *core) buildPORGates(p *porCore) {
	for f := range c.spec.Locks.Fences {
		for a := range c.table {
			if c.isGate(statespace.Action(a), f) {
				p.gates = append(p.gates, f)
				var fp footprint
				fp.read(c.spec.Locks.d.fence + f)
				p.gateFP = append(p.gateFP, fp)
				break
			}
		}
	}
	if len(p.gates) == 0 {
		return
	}
	p.gated = make([][][]footprint, len(c.progs))
	for ag, pr := range c.progs {
		n := len(pr.nodes)
		p.gated[ag] = make([][]footprint, n)
		for pc := range n {
			p.gated[ag][pc] = make([]footprint, len(p.gates))
			for i, f := range p.gates {
				seen := make([]bool, n)
				stack := []int{pc}
				seen[pc] = true
				for len(stack) > 0 {
					v := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					for _, a := range c.byPC[ag][v] {
						if c.isGate(a, f) {
							continue
						}
						p.gated[ag][pc][i].union(p.fp[a])
						if to := c.table[a].e.To; !seen[to] {
							seen[to] = true
							stack = append(stack, to)
						}
					}
				}
			}
		}
	}
}

// porQuiet reports whether a call never ORs a bit into the bytes the C2
// check watches (violation flags, lockdep's masks), so that the check need
// not step it.
func porQuiet(k CallKind) bool {
	switch k {
	case lkNop, lkKmallocAtomic, lkSchedRunJob, lkRecv:
		return true
	}
	return isLifeKind(k) && lifeQuiet(k)
}

// callFootprint is the bytes a call by agent ag reads and writes, leaving
// out the OR-only bytes (porCore.watch); every byte for a call whose
// footprint is not known.
func (c *core) callFootprint(ag int, op Call) footprint {
	if isLifeKind(op.Kind) {
		return c.lifeFootprint(ag, op)
	}
	var f footprint
	ls := &c.spec.Locks
	d := ls.d
	if !isLockKind(op.Kind) || c.lkInContainer(op) {
		f.all = true
		return f
	}
	switch op.Kind {
	case lkNop, lkKmallocAtomic:
	case lkMutexLock, lkSpinLock, lkResvLock:
		// lkAcquire: owner, and the signalling depth for lockdep.
		f.write(d.owner + op.Obj)
		f.read(d.flags + ag)
	case lkMutexUnlock, lkSpinUnlock, lkResvUnlock:
		f.write(d.owner + op.Obj)
	case lkFenceSignal:
		if l := ls.Fences[op.Obj].Lock; l >= 0 {
			f.read(d.owner + l)
		}
		f.write(d.fence + op.Obj)
		f.read(d.flags + ag)
	case lkSchedRunJob:
		f.read(d.fence + op.Obj)
	case lkFencePublish:
		fc := ls.Fences[op.Obj]
		if fc.Deps {
			f.all = true
			break
		}
		if fc.Resv >= 0 {
			f.read(d.owner + fc.Resv)
		}
		f.write(d.fence + op.Obj)
	case lkFenceWait:
		// lkNoteWait reads which locks the agent holds.
		f.read(d.fence + op.Obj)
		f.read(d.flags + ag)
		for l := range ls.Locks {
			f.read(d.owner + l)
		}
	case lkBeginSignalling, lkEndSignalling, lkKmalloc, lkKmallocReclaim:
		f.write(d.flags + ag)
	case lkFenceGet, lkFencePut, lkFencePutLast:
		f.write(d.refs + op.Obj)
	case lkSend, lkRecv:
		f.write(d.chans + op.Obj)
	default:
		if g, ok := c.lockFootprintMore(ag, op); ok {
			return g
		}
		f.all = true
	}
	return f
}

// components numbers the strongly connected components of the program's
// control-flow graph (Tarjan's algorithm; iterative order over nodes and
// edges, so the numbering is deterministic).
func (p *program) components() []int {
	n := len(p.nodes)
	index, low, comp := make([]int, n), make([]int, n), make([]int, n)
	for i := range index {
		index[i], comp[i] = -1, -1
	}
	var stack []int
	on := make([]bool, n)
	next, ncomp := 0, 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		on[v] = true
		for _, e := range p.nodes[v] {
			w := e.To
			if index[w] < 0 {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if on[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				on[w] = false
				comp[w] = ncomp
				if w == v {
					break
				}
			}
			ncomp++
		}
	}
	for v := range n {
		if index[v] < 0 {
			visit(v)
		}
	}
	return comp
}

// reachable returns the points reachable from pc (pc included), in
// increasing order.
func (p *program) reachable(pc int) []int {
	seen := make([]bool, len(p.nodes))
	seen[pc] = true
	stack := []int{pc}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, e := range p.nodes[v] {
			if !seen[e.To] {
				seen[e.To] = true
				stack = append(stack, e.To)
			}
		}
	}
	var out []int
	for v, ok := range seen {
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// PartialOrderApplies reports whether the world's partial-order reduction
// can reduce anything, and if not, why (statespace.PartialOrderChooser).
func (w World[S]) PartialOrderApplies() (bool, string) {
	if w.por.why != "" {
		return false, w.por.why
	}
	return true, ""
}

// Ample returns the enabled steps to explore from s
// (statespace.PartialOrder): those of the first agent whose point meets
// C1–C3 (see above), or every enabled step.
func (w World[S]) Ample(s *S, enabled []statespace.Action, buf []statespace.Action) []statespace.Action {
	return w.ample(true, view(s), enabled, buf)
}

// PartialOrderFor returns the partial-order reduction for a run that
// checks only the named properties (statespace.PartialOrderFocus): when
// neither every-program-can-finish nor no-leaked-object is among them, a
// step may be ample at or into an idle point or the end of its program
// (their C2 rule is dropped); otherwise w itself.
func (w World[S]) PartialOrderFor(checked []string) statespace.PartialOrder[S] {
	if w.por.why != "" || slices.Contains(checked, EveryProgramCanFinish) || slices.Contains(checked, NoLeakedObject) {
		return w
	}
	return noEndsAmple[S]{w}
}

// noEndsAmple is a world's partial-order reduction without the C2 rule for
// the ends of programs (World.PartialOrderFor).
type noEndsAmple[S Bytes] struct{ w World[S] }

// Ample is World.Ample without the rule for the ends of programs.
func (n noEndsAmple[S]) Ample(s *S, enabled []statespace.Action, buf []statespace.Action) []statespace.Action {
	return n.w.ample(false, view(s), enabled, buf)
}

// ample is World.Ample, with the rule for the ends of programs when ends.
func (c *core) ample(ends bool, s []byte, enabled []statespace.Action, buf []statespace.Action) []statespace.Action {
	p := &c.por
	if p.why != "" {
		return append(buf, enabled...)
	}
	// First the agents whose steps are independent of everything the
	// others can still do; only then those that are so given the jobs the
	// others cannot run yet (porClosedGates). Trying the gated ones first would
	// pick an earlier agent where a later one reduces more.
	for _, gated := range [2]bool{false, true} {
		if gated && len(p.gates) == 0 {
			break
		}
		if b, ok := c.ampleOf(s, enabled, buf, ends, gated); ok {
			return b
		}
	}
	return append(buf, enabled...)
}

// ampleOf appends to buf the enabled steps of the first agent whose point
// meets C1–C3 (with the ends' rule when ends), with porClosedGates's refinement
// of C1 when gated; ok is false
// (and buf unchanged) when no agent's does.
func (c *core) ampleOf(s []byte, enabled []statespace.Action, buf []statespace.Action, ends, gated bool) ([]statespace.Action, bool) {
	p := &c.por
	candidate := p.candidate[0]
	if ends {
		candidate = p.candidate[1]
	}
	var tmp [128]byte
	for ag := range c.progs {
		pc := c.pcOf(s, ag)
		if !candidate[ag][pc] {
			continue
		}
		f := &p.at[ag][pc]
		ok := true
		closed, known := uint8(0), false
		for q := range c.progs {
			if q == ag || f.independent(&p.future[q][c.pcOf(s, q)]) {
				continue
			}
			if gated && !known {
				closed, known = c.porClosedGates(s, ag), true
			}
			if !gated || closed == 0 {
				ok = false
				break
			}
			if fut := c.porClosedGatesFuture(s, q, closed); !f.independent(&fut) {
				ok = false
				break
			}
		}
		if !ok || !c.porAttemptsRecorded(s, ag) {
			continue
		}
		start := len(buf)
		for _, a := range enabled {
			if int(c.table[a].ag) != ag {
				continue
			}
			buf = append(buf, a)
			if p.quiet[a] {
				continue
			}
			// C2: the step sets no new bit of what the properties read.
			n := tmp[:len(s)]
			copy(n, s)
			c.step(n, a)
			for _, off := range p.watch {
				if n[off] != s[off] {
					ok = false
				}
			}
			ok = ok && c.porAttemptsRecorded(n, ag)
			if !ok {
				break
			}
		}
		if !ok || len(buf) == start {
			buf = buf[:start]
			continue
		}
		return buf, true
	}
	return buf, false
}

// porClosedGates returns the gates (bit i: p.gates[i]) that stay closed
// until agent ag leaves its point (C1 with SPIN's "disabled until" for the
// job hand-off): drm_sched_run_job(F) is enabled only once F is
// published, F is not published in s, and no agent but ag can write F's
// byte before it takes a drm_sched_run_job(F) of its own (gated[r][pc_r]
// writes no F for every r != ag). Until ag moves, every other agent q then
// takes only steps reachable without a run_job(F) edge (porClosedGatesFuture).
func (c *core) porClosedGates(s []byte, ag int) uint8 {
	p := &c.por
	v := View{w: c, b: s}
	var closed uint8
	for i, g := range p.gates {
		if v.lkPublished(g) {
			continue
		}
		open := false
		for r := range c.progs {
			if r != ag && p.gated[r][c.pcOf(s, r)][i].writesAny(&p.gateFP[i]) {
				open = true
				break
			}
		}
		if !open {
			closed |= 1 << i
		}
	}
	return closed
}

// porClosedGatesFuture is a superset of the footprint of agent q's steps
// reachable without an edge of the closed gates: the intersection of the
// footprints reachable without each one's edges ("every byte" when none is
// closed).
func (c *core) porClosedGatesFuture(s []byte, q int, closed uint8) footprint {
	p := &c.por
	fut := footprint{all: true}
	for i := range p.gates {
		if closed&(1<<i) != 0 {
			fut.intersect(&p.gated[q][c.pcOf(s, q)][i])
		}
	}
	return fut
}

// porAttemptsRecorded reports whether what lockdep-fence-signalling reads
// of agent ag's point is already in lockdep's sticky masks: the lock it
// attempts to take inside a signalling section (LockdepSignalling) and the
// locks it holds around the fence wait it attempts (LockdepAroundWait).
// Both are functions of the agent's own bytes (its point, flags,
// contended lock and the locks it owns), which no other agent's step
// changes, and the masks only grow: when they hold before and after a step
// of ag, the step changes the property's value in no state the other
// agents lead to.
func (c *core) porAttemptsRecorded(s []byte, ag int) bool {
	d := c.spec.Locks.d
	if !d.used {
		return true
	}
	v := View{w: c, b: s}
	if v.lkFinished(ag) {
		return true
	}
	if v.lkSigDepth(ag) > 0 && v.lkAcquiring(ag)&^s[d.ldSig] != 0 {
		return false
	}
	if v.lkWaiting(ag) {
		h := v.lkHeld(ag)
		if v.lkHas(ag, lkReclaim) {
			h |= lkFSReclaim
		}
		w := s[d.ldWait]
		if !c.spec.Locks.NoLockdepPriming {
			w |= d.resvMask | lkFSReclaim
		}
		if h&^w != 0 {
			return false
		}
	}
	return true
}

// lkInContainer reports whether op signals or waits for a fence that is a
// container or a member of one: dma_fence_signal then runs the containers'
// callbacks (lkCascade) and a wait enables signalling on the members
// (lkEnable), writing other fences' bytes: no footprint is kept for them.
func (c *core) lkInContainer(op Call) bool {
	switch op.Kind {
	case lkFenceSignal, lkFenceSignalLocked, lkFenceWait, lkAddCallback, lkAddCallbackENOENT:
	default:
		return false
	}
	fs := c.spec.Locks.Fences
	if fs[op.Obj].Container != NotContainer {
		return true
	}
	for _, g := range fs {
		if g.Members&(1<<op.Obj) != 0 {
			return true
		}
	}
	return false
}
