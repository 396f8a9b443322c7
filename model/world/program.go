package world

import (
	"fmt"
	"strings"
)

// Stmt is one statement of an agent's program: a kernel call, or structured
// control flow around calls. Programs never name instruction indices; they
// are compiled into a control-flow graph whose nodes are the agent's
// program counter values (PlusCal's labels: everything on one edge is one
// atomic step).
type Stmt interface{ stmt() }

// Do is one call (or one Atomic block) as a statement. Call values are
// statements themselves; Do exists for readability in Go-built programs.
func Do(c Call) Stmt { return c }

// Seq runs its statements one after the other.
type Seq []Stmt

// Repeat runs Body N times (bounded; unrolled, so it costs no state).
type Repeat struct {
	N    int
	Body Stmt
}

// Choose runs one of its branches, chosen non-deterministically among the
// branches whose first step is enabled (Promela's if :: ... fi).
type Choose []Stmt

// Loop runs Body forever; Break leaves the innermost Loop.
type Loop struct{ Body Stmt }

// Break leaves the innermost enclosing Loop.
type Break struct{}

// When runs Body only when Cond holds at the moment Body's first step is
// taken (PlusCal's await, SPIN's guard): the agent blocks until then.
type When struct {
	Cond Expr
	Body Stmt
}

// Label names the point of the program where it stands, for Goto and for
// invariants over agents' positions.
type Label struct{ Name string }

// Goto continues at a Label of the same program.
type Goto struct{ Label string }

// Atomic runs its calls in one atomic step (a kernel path that does them
// under one lock, or a driver's submit that syncs and starts the DMA at
// once). The step is enabled when each call is enabled in the state the
// previous ones leave.
type Atomic []Call

func (Call) stmt()    {}
func (Seq) stmt()     {}
func (Repeat) stmt()  {}
func (Choose) stmt()  {}
func (Loop) stmt()    {}
func (Break) stmt()   {}
func (When) stmt()    {}
func (Label) stmt()   {}
func (Goto) stmt()    {}
func (Atomic) stmt()  {}
func (Forever) stmt() {}

// Forever is the program of an agent that may take any of its calls, in
// any order, forever: Loop{Choose{...}}. Hardware adversaries (a cache
// that prefetches, writes back and evicts at any time) and the free agents
// of the migrated five models run such programs; their program counter
// never changes, so they cost no state.
type Forever []Stmt

// maxPC bounds an agent's program counter: it is one byte of the state.
const maxPC = 255

// edge is one atomic step of a compiled program: from node to To, guarded
// by Guards, running Ops (one call's step, or an Atomic block's calls).
type edge struct {
	Guards []Expr
	Ops    []Call
	// Step is the step of a two-step call (0 or 1).
	Step int
	To   int
	// Label names the node the edge leaves, if labelled.
	Label string
}

// program is a compiled program: nodes are program counter values; node
// 0 is the start; a node without edges is the end.
type program struct {
	nodes  [][]edge
	labels map[string]int
	names  []string // label of each node, or ""
}

// compiler builds the ε-graph of a program, then removes the ε edges.
type compiler struct {
	eps    [][]epsEdge
	real   [][]edge
	labels map[string]int
	gotos  []pendingGoto
	breaks []int // innermost loop's exit node, stack
	err    error
}

type epsEdge struct {
	to    int
	guard []Expr
}

type pendingGoto struct {
	from  int
	label string
}

func (c *compiler) node() int {
	c.eps = append(c.eps, nil)
	c.real = append(c.real, nil)
	return len(c.eps) - 1
}

func (c *compiler) fail(format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, a...)
	}
}

// compileStmt adds st between nodes in and out.
func (c *compiler) compileStmt(st Stmt, in, out int) {
	switch st := st.(type) {
	case nil:
		c.eps[in] = append(c.eps[in], epsEdge{to: out})
	case Call:
		c.compileCall(st, in, out)
	case Atomic:
		if len(st) == 0 {
			c.fail("an empty atomic block")
			return
		}
		for _, call := range st {
			if call.def().steps > 1 {
				c.fail("%s blocks in the middle: it cannot be part of an atomic block", call.def().name)
				return
			}
		}
		c.real[in] = append(c.real[in], edge{Ops: append([]Call(nil), st...), To: out})
	case Seq:
		if len(st) == 0 {
			c.eps[in] = append(c.eps[in], epsEdge{to: out})
			return
		}
		cur := in
		for i, x := range st {
			next := out
			if i < len(st)-1 {
				next = c.node()
			}
			c.compileStmt(x, cur, next)
			cur = next
		}
	case Repeat:
		if st.N < 0 || st.N > maxPC {
			c.fail("repeat count %d out of range 0..%d", st.N, maxPC)
			return
		}
		body := make(Seq, st.N)
		for i := range body {
			body[i] = st.Body
		}
		c.compileStmt(body, in, out)
	case Choose:
		if len(st) == 0 {
			c.fail("choose without branches")
			return
		}
		for _, b := range st {
			// Each branch gets its own entry node so that a loop inside
			// a branch cannot merge with its siblings.
			n := c.node()
			c.eps[in] = append(c.eps[in], epsEdge{to: n})
			c.compileStmt(b, n, out)
		}
	case Forever:
		c.compileStmt(Loop{Body: Choose(st)}, in, out)
	case Loop:
		head := c.node()
		c.eps[in] = append(c.eps[in], epsEdge{to: head})
		c.breaks = append(c.breaks, out)
		c.compileStmt(st.Body, head, head)
		c.breaks = c.breaks[:len(c.breaks)-1]
	case Break:
		if len(c.breaks) == 0 {
			c.fail("break outside a loop")
			return
		}
		c.eps[in] = append(c.eps[in], epsEdge{to: c.breaks[len(c.breaks)-1]})
	case When:
		if st.Cond.f == nil {
			c.fail("when without a condition")
			return
		}
		mid := c.node()
		c.eps[in] = append(c.eps[in], epsEdge{to: mid, guard: []Expr{st.Cond}})
		c.compileStmt(st.Body, mid, out)
	case Label:
		if _, dup := c.labels[st.Name]; dup {
			c.fail("label %q defined twice", st.Name)
			return
		}
		c.labels[st.Name] = in
		c.eps[in] = append(c.eps[in], epsEdge{to: out})
	case Goto:
		c.gotos = append(c.gotos, pendingGoto{from: in, label: st.Label})
	default:
		c.fail("unknown statement %T", st)
	}
}

func (c *compiler) compileCall(call Call, in, out int) {
	d := call.def()
	if d == nil {
		c.fail("unknown call %d", call.Kind)
		return
	}
	if d.steps == 1 {
		c.real[in] = append(c.real[in], edge{Ops: []Call{call}, To: out})
		return
	}
	mid := c.node()
	c.real[in] = append(c.real[in], edge{Ops: []Call{call}, Step: 0, To: mid})
	c.real[mid] = append(c.real[mid], edge{Ops: []Call{call}, Step: 1, To: out})
}

// compile turns st into a program: ε edges are removed (a node's steps are
// the real edges of its ε-closure, each carrying the guards met on the
// way), unreachable nodes dropped and the rest renumbered in order of
// discovery.
func compile(st Stmt) (*program, error) {
	c := &compiler{labels: map[string]int{}}
	start := c.node()
	end := c.node()
	c.compileStmt(st, start, end)
	for _, g := range c.gotos {
		to, ok := c.labels[g.label]
		if !ok {
			c.fail("goto %q: no such label", g.label)
			break
		}
		c.eps[g.from] = append(c.eps[g.from], epsEdge{to: to})
	}
	if c.err != nil {
		return nil, c.err
	}
	// closure(n): the real edges reachable from n through ε edges.
	type closed struct {
		edges []edge
		done  bool
	}
	memo := make([]closed, len(c.eps))
	var visit func(n int, guards []Expr, seen []bool, acc *[]edge, final *bool)
	visit = func(n int, guards []Expr, seen []bool, acc *[]edge, final *bool) {
		if seen[n] {
			return // an ε cycle adds nothing new
		}
		seen[n] = true
		defer func() { seen[n] = false }()
		for _, e := range c.real[n] {
			e.Guards = append(append([]Expr(nil), guards...), e.Guards...)
			*acc = append(*acc, e)
		}
		if n == end {
			*final = true
		}
		for _, e := range c.eps[n] {
			visit(e.to, append(append([]Expr(nil), guards...), e.guard...), seen, acc, final)
		}
	}
	endReach := make([]bool, len(c.eps))
	closure := func(n int) []edge {
		if memo[n].done {
			return memo[n].edges
		}
		var acc []edge
		seen := make([]bool, len(c.eps))
		visit(n, nil, seen, &acc, &endReach[n])
		memo[n] = closed{edges: acc, done: true}
		return acc
	}
	// Renumber the nodes reachable through real edges from the start.
	// Nodes whose closure has no real edge but reaches the end are end
	// nodes; those that reach nothing are also ends (a blocked agent is
	// simply done).
	// A node with no step of its own and a single unguarded ε edge is the
	// same program point as the node it leads to (a loop's entry and its
	// head): merge them, so that entering a loop does not change the pc.
	canon := func(n int) int {
		for hops := 0; n != end && len(c.real[n]) == 0 && len(c.eps[n]) == 1 && len(c.eps[n][0].guard) == 0 && hops < len(c.eps); hops++ {
			n = c.eps[n][0].to
		}
		return n
	}
	first := canon(start)
	id := map[int]int{first: 0}
	order := []int{first}
	p := &program{labels: map[string]int{}}
	for i := 0; i < len(order); i++ {
		edges := closure(order[i])
		out := make([]edge, len(edges))
		for k, e := range edges {
			e.To = canon(e.To)
			if _, ok := id[e.To]; !ok {
				id[e.To] = len(order)
				order = append(order, e.To)
			}
			e.To = id[e.To]
			out[k] = e
		}
		p.nodes = append(p.nodes, out)
	}
	if len(p.nodes) > maxPC {
		return nil, fmt.Errorf("the program needs %d program points; at most %d fit in the state", len(p.nodes), maxPC)
	}
	p.names = make([]string, len(p.nodes))
	for name, raw := range c.labels {
		if n, ok := id[raw]; ok {
			p.labels[name] = n
			p.names[n] = name
		} else {
			// A label only reached by ε edges is the position of the
			// node its ε-closure leads to; record it where it is a node.
			for _, e := range c.eps[raw] {
				if n, ok := id[e.to]; ok {
					p.labels[name] = n
					if p.names[n] == "" {
						p.names[n] = name
					}
					break
				}
			}
		}
	}
	for n := range p.nodes {
		for k := range p.nodes[n] {
			p.nodes[n][k].Label = p.names[n]
		}
	}
	return p, nil
}

// describeNode renders a program point for traces: its label, or the
// calls that can be taken there.
func (p *program) describeNode(n int) string {
	if p.names[n] != "" {
		return p.names[n]
	}
	if len(p.nodes[n]) == 0 {
		return "done"
	}
	var calls []string
	for _, e := range p.nodes[n] {
		name := e.Ops[0].def().stepName(e.Step)
		if !contains(calls, name) {
			calls = append(calls, name)
		}
		if len(calls) == 3 {
			calls = append(calls, "...")
			break
		}
	}
	return "before " + strings.Join(calls, " | ")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
