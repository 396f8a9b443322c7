package statespace

import (
	"fmt"
	"slices"
)

// maxLivenessStates bounds the explicit graph of the liveness pass (about
// 100 bytes per state and edge): beyond it the verdict is "unknown".
const maxLivenessStates = 20_000_000

// Liveness: "always (Trigger → eventually Holds)" under weak fairness.
//
// After the breadth-first search has explored every state without finding a
// safety violation, the liveness pass explores the state graph again, this
// time keeping every state and every edge (one per enabled action), without
// symmetry reduction (a quotient graph can hide or invent cycles). For each
// Eventually property it looks, among the states where Holds is false, for
// a strongly connected component that is reachable from a triggering state
// without passing through a Holds state and that is fair: every fairness
// group is either taken on an edge inside the component or disabled in one
// of its states. A state without enabled actions counts as a component that
// stutters forever. The counterexample is a lasso: the BFS path to the
// triggering state, the path inside the bad states to the component, and a
// cycle through the component that takes one edge of every group enabled
// all along it; every edge is a real transition, checked again by replay.

// lgraph is the explicit state graph used by the liveness pass.
type lgraph[S comparable] struct {
	states []S
	index  map[S]int32
	off    []int32 // edges of state i: edges[off[i]:off[i+1]]
	edges  []ledge
	parent []int32 // BFS tree from the initial states (-1 for roots)
	pact   []Action
	root   []int32 // index in Init() for roots
}

type ledge struct {
	to  int32
	act Action
}

func (g *lgraph[S]) out(i int32) []ledge { return g.edges[g.off[i]:g.off[i+1]] }

// buildGraph explores the reachable states breadth first, keeping them all.
// It stops at maxStates (0: no bound) and reports whether it completed.
func (c *checker[S]) buildGraph(maxStates uint64) (*lgraph[S], bool) {
	g := &lgraph[S]{index: map[S]int32{}}
	add := func(s S, parent int32, a Action, root int32) int32 {
		if i, ok := g.index[s]; ok {
			return i
		}
		i := int32(len(g.states))
		g.index[s] = i
		g.states = append(g.states, s)
		g.parent = append(g.parent, parent)
		g.pact = append(g.pact, a)
		g.root = append(g.root, root)
		return i
	}
	for k, s := range c.inits {
		add(s, -1, 0, int32(k))
	}
	var acts []Action
	g.off = append(g.off, 0)
	for i := int32(0); int(i) < len(g.states); i++ {
		if maxStates > 0 && uint64(len(g.states)) > maxStates {
			return g, false
		}
		s := g.states[i]
		acts = c.m.Actions(&s, acts[:0])
		for _, a := range acts {
			n := c.m.Step(&s, a)
			g.edges = append(g.edges, ledge{to: add(n, i, a, -1), act: a})
		}
		g.off = append(g.off, int32(len(g.edges)))
	}
	return g, true
}

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
	g, complete := c.buildGraph(limit)
	if !complete {
		c.incomplete = "max states"
		c.notes = append(c.notes, fmt.Sprintf("the liveness pass keeps every state and edge in memory and stops at %d states", limit))
		return
	}
	c.lasso = make(map[int]*Trace)
	for _, p := range c.live {
		if t := c.findLasso(g, p.Property, fair); t != nil {
			c.lasso[p.index] = t
		}
	}
}

// findLasso returns a fair lasso on which p.Holds never becomes true after
// p.Trigger held, or nil.
func (c *checker[S]) findLasso(g *lgraph[S], p Property[S], fair []Fairness) *Trace {
	n := int32(len(g.states))
	bad := make([]bool, n)
	for i := range n {
		bad[i] = !p.Holds(&g.states[i])
	}
	// R: the bad states reachable, through bad states only, from a bad
	// triggering state; rpar is that BFS's tree (-1 for its roots).
	inR := make([]bool, n)
	rpar := make([]int32, n)
	var queue []int32
	for i := range n {
		trig := g.parent[i] < 0
		if p.Trigger != nil {
			trig = p.Trigger(&g.states[i])
		}
		if trig && bad[i] {
			inR[i], rpar[i] = true, -1
			queue = append(queue, i)
		}
	}
	for q := 0; q < len(queue); q++ {
		for _, e := range g.out(queue[q]) {
			if bad[e.to] && !inR[e.to] {
				inR[e.to], rpar[e.to] = true, queue[q]
				queue = append(queue, e.to)
			}
		}
	}
	for _, comp := range sccs(g, inR) {
		if loop, ok := fairCycle(g, comp, inR, fair); ok {
			// Entry: the component's state reached first by the R search.
			entry := comp[0]
			for _, v := range comp {
				if slices.Index(queue, v) < slices.Index(queue, entry) {
					entry = v
				}
			}
			return c.lassoTrace(g, entry, rpar, comp, loop)
		}
	}
	return nil
}

// sccs returns the strongly connected components of the subgraph induced
// by the states in keep (Tarjan, iterative), each sorted, in order of their
// smallest state.
func sccs[S comparable](g *lgraph[S], keep []bool) [][]int32 {
	n := int32(len(g.states))
	index := make([]int32, n)
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int32
	var out [][]int32
	next := int32(0)
	type frame struct {
		v    int32
		edge int32
	}
	for root := range n {
		if !keep[root] || index[root] >= 0 {
			continue
		}
		call := []frame{{root, g.off[root]}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.edge < g.off[f.v+1] {
				w := g.edges[f.edge].to
				f.edge++
				if !keep[w] {
					continue
				}
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, g.off[w]})
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
				var comp []int32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				slices.Sort(comp)
				out = append(out, comp)
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
func fairCycle[S comparable](g *lgraph[S], comp []int32, keep []bool, fair []Fairness) ([]ledge, bool) {
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

// lassoTrace assembles and replays the lasso: the BFS path to the root of
// the bad region, the bad path to entry, a path inside the component to the
// cycle's start, then the cycle (nil: entry stutters forever).
func (c *checker[S]) lassoTrace(g *lgraph[S], entry int32, rpar []int32, comp []int32, cycle []ledge) *Trace {
	var toStart []ledge
	if len(cycle) > 0 {
		in := func(v int32) bool { _, ok := slices.BinarySearch(comp, v); return ok }
		toStart = pathWithin(g, entry, cycle[len(cycle)-1].to, in)
	}
	t := c.assemble(g, entry, rpar, append(toStart, cycle...), len(toStart))
	if len(cycle) == 0 {
		t.Loop, t.Stutter = len(t.Steps)-1, true
	}
	return t
}

// assemble builds the trace: prefix to entry, then the loop edges; the loop
// starts loopOffset edges after entry.
func (c *checker[S]) assemble(g *lgraph[S], entry int32, rpar []int32, loop []ledge, loopOffset int) *Trace {
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
	for w := root; g.parent[w] >= 0; w = g.parent[w] {
		pre = append(pre, w)
	}
	slices.Reverse(pre)
	init := root
	if len(pre) > 0 {
		init = pre[0]
		for g.parent[init] >= 0 {
			init = g.parent[init]
		}
	}
	for _, w := range pre {
		acts = append(acts, g.pact[w])
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
	t, _ := c.replay(int(g.root[init]), acts, "the lasso of a liveness property", c.canon == nil)
	t.Loop = loopAt
	return t
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
	g, complete := c.buildGraph(uint64(maxStates))
	if !complete {
		return nil, fmt.Errorf("the state space has more than %d states; a drawing of it would be unreadable (raise the cap, or draw a counterexample with --trace-out FILE.dot)", maxStates)
	}
	out := &Graph{}
	for i := range g.states {
		out.States = append(out.States, describe(m, &g.states[i]))
		out.Initial = append(out.Initial, g.parent[i] < 0)
		for _, e := range g.out(int32(i)) {
			out.Edges = append(out.Edges, GraphEdge{From: i, To: int(e.to), Label: c.names[e.act]})
		}
	}
	return out, nil
}
