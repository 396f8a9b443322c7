package statespace

import (
	"fmt"
	"math/bits"
	"runtime/debug"
	"slices"
	"sync/atomic"
)

// maxLivenessStates bounds the explicit graph of the liveness pass (about
// 30 bytes per state plus 8 per edge, and as much again, briefly, for the
// component search): beyond it the verdict is "unknown".
const maxLivenessStates = 200_000_000

// Liveness: "always (Trigger → eventually Holds)" under weak fairness.
//
// After the breadth-first search has explored every state without finding a
// safety violation, the liveness pass explores the state graph again, this
// time keeping every edge (one per enabled action), without symmetry
// reduction (a quotient graph can hide or invent cycles). It does not keep
// the states: a state is known by its number, found again through its
// fingerprint (the full state too in full-state mode), and what the search
// needs of it, whether each Eventually property holds or is triggered
// there, is recorded as bits when it is first reached. For each Eventually
// property it looks, among the states where Holds is false, for a strongly
// connected component that is reachable from a triggering state without
// passing through a Holds state and that is fair: every fairness group is
// either taken on an edge inside the component or disabled in one of its
// states. A state without enabled actions counts as a component that
// stutters forever. The counterexample is a lasso: the BFS path to the
// triggering state, the path inside the bad states to the component, and a
// cycle through the component that takes one edge of every group enabled
// all along it; every edge is a real transition, checked again by replay.

// lgraph is the explicit state graph used by the liveness pass.
//
// Everything grows in chunks, never by copying: a copy of a large slice
// cannot be preempted, so the garbage collector would spin waiting for it.
type lgraph[S comparable] struct {
	n int32
	// off[i] is the position of state i's first edge; its edges run to
	// off[i+1] or to the end of the edge chunk (each state's edges are in
	// one chunk of at most edgeChunk).
	off    chunked[uint32]
	edges  [][]ledge
	parent chunked[int32] // BFS tree from the initial states (-1 for roots)
	pact   chunked[Action]
	roots  []int32 // roots[i]: index in Init() of root i (roots are numbered first)
	// holds[k] and trig[k] are bit sets over the states: c.live[k].Holds,
	// and c.live[k].Trigger (nil Trigger: the initial states).
	holds, trig [][]uint64
	// states is the BFS queue, by number. Expanded chunks are dropped
	// unless the states are kept (drawing a graph, full-state mode).
	states chunked[S]
}

type ledge struct {
	to  int32
	act Action
}

const (
	edgeBits  = 20
	edgeChunk = 1 << edgeBits
)

// out returns the edges of state i.
func (g *lgraph[S]) out(i int32) []ledge {
	s, e := g.off.get(uint32(i)), g.off.get(uint32(i)+1)
	if s == e {
		return nil
	}
	c := s >> edgeBits
	ch := g.edges[c]
	if e>>edgeBits != c {
		e = c<<edgeBits + uint32(len(ch))
	}
	return ch[s&(edgeChunk-1) : e-c<<edgeBits]
}

// addEdges records the edges of the next state (off already holds the
// position where they start, unless they start a new chunk).
func (g *lgraph[S]) addEdges(es []ledge) bool {
	if !g.reserveEdges(len(es)) {
		return false
	}
	copy(g.out(int32(g.off.n-2)), es)
	return true
}

// reserveEdges makes room for the d edges of the next state, to be
// written into g.out of it, and records where they end.
func (g *lgraph[S]) reserveEdges(d int) bool {
	last := len(g.edges) - 1
	if d > 0 && (last < 0 || len(g.edges[last])+d > edgeChunk) {
		if d > edgeChunk || len(g.edges) == 1<<(32-edgeBits) {
			return false
		}
		g.edges = append(g.edges, make([]ledge, 0, edgeChunk))
		last++
		// The state starts the new chunk; the previous one ends with its chunk.
		g.off.set(g.off.n-1, uint32(last)<<edgeBits)
	}
	if last >= 0 {
		g.edges[last] = g.edges[last][:len(g.edges[last])+d]
	}
	pos := uint32(0)
	if last >= 0 {
		pos = uint32(last)<<edgeBits + uint32(len(g.edges[last]))
	}
	g.off.append(pos)
	return true
}

func bit(set []uint64, i int32) bool { return set[i>>6]&(1<<(i&63)) != 0 }

// checkLiveness runs the liveness pass for every selected Eventually
// property and records the counterexamples in c.lasso.
func (c *checker[S]) checkLiveness() {
	var fair []Fairness
	if f, ok := c.m.(FairModel); ok {
		fair = f.Fairness()
	}
	if c.canon != nil {
		c.notes = append(c.notes, "liveness was checked on the unreduced state graph: symmetry reduction can hide or invent cycles, so it is not applied to Eventually properties")
	}
	limit := c.opt.MaxStates
	if limit == 0 || limit > maxLivenessStates {
		limit = maxLivenessStates
	}
	g, stopped := c.buildGraph(limit, false)
	c.liveStates = uint64(g.n)
	for _, ch := range g.edges {
		c.liveEdges += uint64(len(ch))
	}
	if stopped != "" {
		c.incomplete = stopped
		if stopped == "max states" {
			c.notes = append(c.notes, fmt.Sprintf("the liveness pass keeps every edge in memory and stops at %d states", limit))
		}
		return
	}
	if g.n > 1<<20 {
		// The build's index and buffers are garbage now: give their
		// memory back before the component search takes its own.
		debug.FreeOSMemory()
	}
	// The properties are searched in parallel, each worker with its own
	// working memory, those with the most states where Holds is false
	// (the likely largest searches) first; the lassos are replayed
	// afterwards, in order.
	c.lasso = make(map[int]*Trace)
	plans := make([]*lassoPlan, len(c.live))
	scratch := make([]*lscratch, c.workers)
	order := make([]int, len(c.live))
	bad := make([]int, len(c.live))
	for k := range c.live {
		order[k] = k
		for _, w := range g.holds[k] {
			bad[k] += 64 - bits.OnesCount64(w)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return bad[b] - bad[a] })
	var next atomic.Int64
	c.parallel(func(w int) {
		for j := int(next.Add(1) - 1); j < len(order); j = int(next.Add(1) - 1) {
			if scratch[w] == nil {
				scratch[w] = newLscratch(g.n)
			}
			plans[order[j]] = c.findLasso(g, order[j], fair, scratch[w])
		}
	})
	for k, p := range c.live {
		if plans[k] != nil {
			c.lasso[p.index] = c.lassoOf(plans[k])
		}
	}
}

// lscratch is the working memory of the component search, allocated once
// for all properties (n entries each).
type lscratch struct {
	inR, onStack     []bool
	rpar, index, low []int32
	queue, stack     []int32
}

func newLscratch(n int32) *lscratch {
	return &lscratch{
		inR: make([]bool, n), onStack: make([]bool, n),
		rpar: make([]int32, n), index: make([]int32, n), low: make([]int32, n),
		queue: make([]int32, 0, n), stack: make([]int32, 0, n),
	}
}

// findLasso returns a fair lasso on which c.live[k] never becomes true
// after it was triggered, or nil. It only reads g (and its scratch), so
// the properties can be searched in parallel.
func (c *checker[S]) findLasso(g *lgraph[S], k int, fair []Fairness, sc *lscratch) *lassoPlan {
	n := g.n
	bad := func(i int32) bool { return !bit(g.holds[k], i) }
	// R: the bad states reachable, through bad states only, from a bad
	// triggering state; rpar is that BFS's tree (-1 for its roots).
	inR, rpar := sc.inR, sc.rpar
	clear(inR)
	queue := sc.queue[:0]
	for i := range n {
		if bit(g.trig[k], i) && bad(i) {
			inR[i], rpar[i] = true, -1
			queue = append(queue, i)
		}
	}
	for q := 0; q < len(queue); q++ {
		for _, e := range g.out(queue[q]) {
			if bad(e.to) && !inR[e.to] {
				inR[e.to], rpar[e.to] = true, queue[q]
				queue = append(queue, e.to)
			}
		}
	}
	for _, comp := range sccs(g, inR, sc) {
		if loop, ok := fairCycle(g, comp, fair); ok {
			// Entry: the component's state reached first by the R search.
			q := slices.IndexFunc(queue, func(v int32) bool { _, in := slices.BinarySearch(comp, v); return in })
			return lassoTrace(g, queue[q], rpar, comp, loop)
		}
	}
	return nil
}

// sccs returns the strongly connected components of the subgraph induced
// by the states in keep (Tarjan, iterative) that could host an infinite
// behaviour: those of more than one state, or of one state with a self
// loop or without any edge (the other components, usually most states, are
// not collected), each sorted, in order of their smallest state.
func sccs[S comparable](g *lgraph[S], keep []bool, sc *lscratch) [][]int32 {
	n := g.n
	index, low, onStack := sc.index, sc.low, sc.onStack
	for i := range index {
		index[i] = -1
	}
	clear(onStack)
	stack := sc.stack[:0]
	var out [][]int32
	next := int32(0)
	type frame struct {
		v    int32
		edge int32 // next edge of v to follow
	}
	var call []frame
	for root := range n {
		if !keep[root] || index[root] >= 0 {
			continue
		}
		call = append(call[:0], frame{root, 0})
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if out := g.out(f.v); int(f.edge) < len(out) {
				w := out[f.edge].to
				f.edge++
				if !keep[w] {
					continue
				}
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				u := call[len(call)-1].v
				low[u] = min(low[u], low[v])
			}
			if low[v] == index[v] {
				k := len(stack) - 1
				for stack[k] != v {
					k--
				}
				comp := stack[k:]
				for _, w := range comp {
					onStack[w] = false
				}
				if len(comp) > 1 || len(g.out(v)) == 0 || slices.ContainsFunc(g.out(v), func(e ledge) bool { return e.to == v }) {
					comp = slices.Clone(comp)
					slices.Sort(comp)
					out = append(out, comp)
				}
				stack = stack[:k]
			}
		}
	}
	slices.SortFunc(out, func(a, b []int32) int { return int(a[0] - b[0]) })
	return out
}

// fairCycle decides whether the component can host a fair infinite
// behaviour and returns the edges of one cycle through it that takes an
// edge of every fairness group enabled in all its states (nil for a
// stuttering terminal state).
func fairCycle[S comparable](g *lgraph[S], comp []int32, fair []Fairness) ([]ledge, bool) {
	in := func(v int32) bool { _, ok := slices.BinarySearch(comp, v); return ok }
	if len(comp) == 1 {
		v := comp[0]
		if len(g.out(v)) == 0 {
			return nil, true // stutters forever
		}
		if !slices.ContainsFunc(g.out(v), func(e ledge) bool { return e.to == v }) {
			return nil, false // a transient state, not a cycle
		}
	}
	var required []ledge
	var from []int32
	var waypoints []int32 // states the cycle must visit: a group is disabled there
	for _, f := range fair {
		disabledAt := int32(-1)
		for _, v := range comp {
			if !slices.ContainsFunc(g.out(v), func(e ledge) bool { return slices.Contains(f.Actions, e.act) }) {
				disabledAt = v
				break
			}
		}
		if disabledAt >= 0 {
			waypoints = append(waypoints, disabledAt)
			continue
		}
		found := false
		for _, v := range comp {
			for _, e := range g.out(v) {
				if in(e.to) && slices.Contains(f.Actions, e.act) {
					required, from = append(required, e), append(from, v)
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return nil, false // the group is always enabled but leaves the component
		}
	}
	// The cycle starts and ends at comp[0], takes every required edge and
	// visits a state where each group not taken is disabled, so that the
	// printed loop is itself fair.
	start := comp[0]
	var cycle []ledge
	cur := start
	for k, e := range required {
		cycle = append(cycle, pathWithin(g, cur, from[k], in)...)
		cycle = append(cycle, e)
		cur = e.to
	}
	for _, w := range waypoints {
		cycle = append(cycle, pathWithin(g, cur, w, in)...)
		cur = w
	}
	if len(cycle) == 0 {
		// No fairness obligation: any cycle through start.
		for _, e := range g.out(start) {
			if in(e.to) {
				cycle = append(cycle, e)
				cur = e.to
				break
			}
		}
	}
	cycle = append(cycle, pathWithin(g, cur, start, in)...)
	return cycle, true
}

// pathWithin is a shortest path from a to b through states satisfying in.
func pathWithin[S comparable](g *lgraph[S], a, b int32, in func(int32) bool) []ledge {
	if a == b {
		return nil
	}
	prev := map[int32]ledge{}
	prevFrom := map[int32]int32{}
	queue := []int32{a}
	seen := map[int32]bool{a: true}
	for q := 0; q < len(queue); q++ {
		v := queue[q]
		for _, e := range g.out(v) {
			if !in(e.to) || seen[e.to] {
				continue
			}
			seen[e.to] = true
			prev[e.to], prevFrom[e.to] = e, v
			if e.to == b {
				var path []ledge
				for w := b; w != a; w = prevFrom[w] {
					path = append(path, prev[w])
				}
				slices.Reverse(path)
				return path
			}
			queue = append(queue, e.to)
		}
	}
	return nil // unreachable within a strongly connected component
}

// lassoPlan is a lasso to replay: the initial state (index in Init()), the
// actions, the step where the loop starts, and whether the last state
// stutters forever instead.
type lassoPlan struct {
	init    int
	acts    []Action
	loop    int
	stutter bool
}

// lassoTrace assembles the lasso: the BFS path to the root of the bad
// region, the bad path to entry, a path inside the component to the
// cycle's start, then the cycle (nil: entry stutters forever).
func lassoTrace[S comparable](g *lgraph[S], entry int32, rpar []int32, comp []int32, cycle []ledge) *lassoPlan {
	var toStart []ledge
	if len(cycle) > 0 {
		in := func(v int32) bool { _, ok := slices.BinarySearch(comp, v); return ok }
		toStart = pathWithin(g, entry, cycle[len(cycle)-1].to, in)
	}
	p := assemble(g, entry, rpar, append(toStart, cycle...), len(toStart))
	p.stutter = len(cycle) == 0
	return p
}

// lassoOf replays a lasso.
func (c *checker[S]) lassoOf(p *lassoPlan) *Trace {
	t, _ := c.replay(p.init, p.acts, "the lasso of a liveness property", c.canon == nil)
	t.Loop = p.loop
	if p.stutter {
		t.Loop, t.Stutter = len(t.Steps)-1, true
	}
	return t
}

// assemble builds the lasso's actions: prefix to entry, then the loop
// edges; the loop starts loopOffset edges after entry.
func assemble[S comparable](g *lgraph[S], entry int32, rpar []int32, loop []ledge, loopOffset int) *lassoPlan {
	// Bad path from the root of the R search to entry.
	var badPath []int32
	v := entry
	for ; rpar[v] >= 0; v = rpar[v] {
		badPath = append(badPath, v)
	}
	root := v
	slices.Reverse(badPath)
	// BFS path from an initial state to root.
	var acts []Action
	var pre []int32
	for w := root; g.parent.get(uint32(w)) >= 0; w = g.parent.get(uint32(w)) {
		pre = append(pre, w)
	}
	slices.Reverse(pre)
	init := root
	if len(pre) > 0 {
		init = pre[0]
		for g.parent.get(uint32(init)) >= 0 {
			init = g.parent.get(uint32(init))
		}
	}
	for _, w := range pre {
		acts = append(acts, g.pact.get(uint32(w)))
	}
	cur := root
	for _, w := range badPath {
		k := slices.IndexFunc(g.out(cur), func(e ledge) bool { return e.to == w })
		acts = append(acts, g.out(cur)[k].act)
		cur = w
	}
	loopAt := len(acts) + loopOffset
	for _, e := range loop {
		acts = append(acts, e.act)
	}
	return &lassoPlan{init: int(g.roots[init]), acts: acts, loop: loopAt}
}

// waitCycle returns a cycle of the wait-for graph, in order, or nil. Nodes
// are visited in order of first appearance, so the answer is deterministic.
func waitCycle(edges []WaitEdge) []WaitEdge {
	out := map[string][]WaitEdge{}
	var nodes []string
	for _, e := range edges {
		if _, ok := out[e.From]; !ok {
			nodes = append(nodes, e.From)
		}
		out[e.From] = append(out[e.From], e)
	}
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var path []WaitEdge
	var found []WaitEdge
	var visit func(v string) bool
	visit = func(v string) bool {
		color[v] = grey
		for _, e := range out[v] {
			switch color[e.To] {
			case grey:
				// The cycle is the part of the path from e.To on, plus e.
				k := slices.IndexFunc(path, func(p WaitEdge) bool { return p.From == e.To })
				if k < 0 {
					k = len(path)
				}
				found = append(slices.Clone(path[k:]), e)
				return true
			case white:
				path = append(path, e)
				if visit(e.To) {
					return true
				}
				path = path[:len(path)-1]
			}
		}
		color[v] = black
		return false
	}
	for _, v := range nodes {
		if color[v] == white && visit(v) {
			return found
		}
	}
	return nil
}

// Graph is an explicit state graph for drawing small state spaces.
type Graph struct {
	// States holds each state's fields; Initial marks the initial ones.
	States  [][]Field
	Initial []bool
	// Edges are (from, to, action label).
	Edges []GraphEdge
}

// GraphEdge is one transition of a Graph.
type GraphEdge struct {
	From, To int
	Label    string
}

// ExploreGraph explores m's whole state graph (no symmetry reduction) if
// it has at most maxStates states; otherwise it returns an error that says
// so. It is meant for drawing: the checker itself never keeps the graph.
func ExploreGraph[S comparable](m Model[S], maxStates int) (*Graph, error) {
	c, err := newChecker(m, Options{Workers: 1})
	if err != nil {
		return nil, err
	}
	c.inits = m.Init()
	g, stopped := c.buildGraph(uint64(maxStates), true)
	if c.modelErr != nil {
		return nil, c.modelErr
	}
	if stopped != "" {
		return nil, fmt.Errorf("the state space has more than %d states; a drawing of it would be unreadable (raise the cap, or draw a counterexample with --trace-out FILE.dot)", maxStates)
	}
	out := &Graph{}
	for i := range int(g.n) {
		out.States = append(out.States, describe(m, g.states.at(uint32(i))))
		out.Initial = append(out.Initial, g.parent.get(uint32(i)) < 0)
		for _, e := range g.out(int32(i)) {
			out.Edges = append(out.Edges, GraphEdge{From: i, To: int(e.to), Label: c.names[e.act]})
		}
	}
	return out, nil
}
