package world

import (
	"fmt"

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
//     the other reads or writes (their footprints, below); lockdep's sticky
//     masks and the violation flags are only ever OR-ed by the calls with a
//     footprint, so writes to them commute and are left out. Then no other
//     agent can enable or disable a step of p at u, and p cannot move until
//     one of them is taken: a path that takes none of them takes only steps
//     independent of them.
//   - C2: a step of the ample set changes no property: it sets no new bit of
//     lockdep's masks or the violation flags in this state (the bits a step
//     ORs are a function of the bytes it reads, which the other agents'
//     steps leave alone, and the masks only grow, so it sets none in any
//     state the others lead to either), and neither its point nor its
//     target is an idle point or the end of p's program (which
//     every-program-can-finish reads).
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
// worlds whose calls and properties it knows: the lock family alone (no
// device, no buffer, no fence-family join, no user invariant); elsewhere
// Ample returns every enabled step and PartialOrderApplies says why.
// Footprints are precise for the calls below and "everything" for the
// others.

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

// porCore is what Build derives for the reduction.
type porCore struct {
	// why is the reason the reduction does not apply, or "".
	why string
	// fp is each action's footprint; local[a] says action a may be in an
	// ample set (known footprint, no guard, acyclic edge, no idle point).
	fp    []footprint
	local []bool
	// at[ag][pc] is the union of the footprints of agent ag's actions at pc,
	// and future[ag][pc] that of its actions at every point reachable from
	// pc (pc included).
	at, future [][]footprint
	// candidate[ag][pc]: every action of ag at pc is local.
	candidate [][]bool
	// watch are the bytes only OR-ed by the known calls and read by the
	// properties (violation flags, lockdep's masks).
	watch []int
}

// porProps are the properties whose reads the reduction knows.
var porProps = map[string]bool{NoKernelAPIMisuse: true, LockdepFenceSignalling: true, NoFenceOnIndefinite: true, EveryProgramCanFinish: true, EveryFenceEventuallySignalled: true}

// buildPOR derives c.por.
func (c *core) buildPOR() {
	p := &c.por
	switch {
	case !c.uses[famLock] || c.uses[famCache] || c.uses[famFence] || c.uses[famVM] || c.uses[famP2P]:
		p.why = "the world uses families other than the lock family (footprints known for lock-family calls only)"
	case c.lay.fence.joined || c.join.bufResv >= 0 || c.join.tied:
		p.why = "the world shares objects between families"
	case len(c.spec.Invariants) > 0:
		p.why = "the world has invariants (what they read is not known)"
	}
	for _, d := range c.props {
		if !porProps[d.name] && p.why == "" {
			p.why = fmt.Sprintf("property %s reads what the reduction does not know", d.name)
		}
	}
	if p.why != "" {
		return
	}
	d := c.spec.Locks.d
	p.watch = []int{c.lay.ghost, c.lay.ghost + 1, d.ldSig, d.ldWait}
	p.fp = make([]footprint, len(c.table))
	p.local = make([]bool, len(c.table))
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
		for _, op := range t.e.Ops {
			f.union(c.callFootprint(t.ag, op))
		}
		p.fp[a] = f
		pt := d.at[t.ag]
		p.local[a] = !f.all && sccs[t.ag][t.pc] != sccs[t.ag][t.e.To] &&
			!pt[t.pc].idle && !pt[t.e.To].idle && len(c.progs[t.ag].nodes[t.e.To]) > 0
	}
	p.at = make([][]footprint, len(c.progs))
	p.future = make([][]footprint, len(c.progs))
	p.candidate = make([][]bool, len(c.progs))
	for ag, pr := range c.progs {
		n := len(pr.nodes)
		p.at[ag] = make([]footprint, n)
		p.candidate[ag] = make([]bool, n)
		for pc := range n {
			ok := len(c.byPC[ag][pc]) > 0
			for _, a := range c.byPC[ag][pc] {
				p.at[ag][pc].union(p.fp[a])
				ok = ok && p.local[a]
			}
			p.candidate[ag][pc] = ok
		}
		p.future[ag] = make([]footprint, n)
		for pc := range n {
			for _, q := range pr.reachable(pc) {
				p.future[ag][pc].union(p.at[ag][q])
			}
		}
	}
}

// callFootprint is the bytes a call by agent ag reads and writes, leaving
// out the OR-only bytes (porCore.watch); every byte for a call whose
// footprint is not known.
func (c *core) callFootprint(ag int, op Call) footprint {
	var f footprint
	ls := &c.spec.Locks
	d := ls.d
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
	return w.ample(view(s), enabled, buf)
}

func (c *core) ample(s []byte, enabled []statespace.Action, buf []statespace.Action) []statespace.Action {
	p := &c.por
	if p.why != "" {
		return append(buf, enabled...)
	}
	var tmp [128]byte
	for ag := range c.progs {
		pc := c.pcOf(s, ag)
		if !p.candidate[ag][pc] {
			continue
		}
		f := &p.at[ag][pc]
		ok := true
		for q := range c.progs {
			if q != ag && !f.independent(&p.future[q][c.pcOf(s, q)]) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		start := len(buf)
		for _, a := range enabled {
			if int(c.table[a].ag) != ag {
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
			buf = append(buf, a)
		}
		if !ok || len(buf) == start {
			buf = buf[:start]
			continue
		}
		return buf
	}
	return append(buf, enabled...)
}
