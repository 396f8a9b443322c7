package world

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Bytes are the state types a world can have: a packed byte array whose
// size is the smallest class that holds the world's layout. The value is
// plain memory, so the checker hashes its bytes.
type Bytes interface {
	[16]byte | [32]byte | [48]byte | [64]byte | [96]byte | [128]byte
}

// view returns the bytes of a state.
func view[S Bytes](s *S) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s))
}

// sizeClasses are the sizes of Bytes, in increasing order.
var sizeClasses = []int{16, 32, 48, 64, 96, 128}

// action is one entry of the action table: agent ag at program point pc
// takes edge e.
type action struct {
	ag, pc int
	e      *edge
	// guards are the ids of the edge's conjuncts in core.guards.
	guards []uint16
}

// core is a built world: the spec, the layout of its packed state, the
// agents' compiled programs and the action table. It is immutable after
// Build and shared by every worker.
type core struct {
	spec  Spec
	lay   layout
	progs []*program
	table []action
	names []string
	// byPC[ag][pc] lists the actions of agent ag at program point pc, in
	// table order.
	byPC [][][]statespace.Action
	// props are the properties checked: the built-in ones and the spec's
	// invariants.
	props []propDef
	// uses says which families' calls the programs make.
	uses [numFamilies]bool
	// guards are the distinct conjuncts of every edge's guards, by text.
	guards []Expr
	// p2p is the p2p family's layout and derived topology (p2p.go).
	p2p p2pCore
	// sym is the proven symmetry of the spec's declaration (symmetry.go),
	// or nil.
	sym *symmetry
	// join is what the world knows of the objects its families share
	// (shared.go).
	join joinCore
	// por is what the partial-order reduction knows (por.go).
	por porCore
}

// maxCachedGuards bounds the guards whose values Actions remembers while
// it enumerates one state's actions.
const maxCachedGuards = 256

// Model is a built world, ready to check. Its state type is a byte array
// whose size class depends on the layout (Size); Check, Replay and Graph
// dispatch on it, with the symmetry reduction the spec declares unless the
// model is Unreduced.
type Model struct {
	c         *core
	unreduced bool
}

// Build compiles spec into a model: it validates the objects, compiles
// every agent's program, lays out the packed state and builds the action
// table.
func Build(spec Spec) (*Model, error) {
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("world %s: %w", spec.Name, err)
	}
	c := &core{spec: spec}
	if err := c.deriveJoin(); err != nil {
		return nil, fmt.Errorf("world %s: %w", spec.Name, err)
	}
	for _, a := range spec.Agents {
		p, err := compile(a.Program)
		if err != nil {
			return nil, fmt.Errorf("world %s: agent %s: %w", spec.Name, a.Name, err)
		}
		if err := c.checkCalls(a.Name, p); err != nil {
			return nil, fmt.Errorf("world %s: agent %s: %w", spec.Name, a.Name, err)
		}
		c.progs = append(c.progs, p)
	}
	// The families the programs use; the CPU bracket is every family's
	// (bracket.go): the cache family's part of it exists when the world has
	// the buffer's data, a cache-family call of another kind or a device.
	for _, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if !isBracket(op.Kind) {
						c.uses[familyOf(op.Kind)] = true
					}
				}
			}
		}
	}
	if len(spec.Devices) > 0 {
		c.uses[famCache] = true
	}
	c.lay = newLayout(c)
	if c.lay.size > sizeClasses[len(sizeClasses)-1] {
		return nil, fmt.Errorf("world %s: the state needs %d bytes; at most %d are supported", spec.Name, c.lay.size, sizeClasses[len(sizeClasses)-1])
	}
	c.byPC = make([][][]statespace.Action, len(c.progs))
	seen := map[string]int{}
	gid := map[string]uint16{}
	for ag, p := range c.progs {
		c.byPC[ag] = make([][]statespace.Action, len(p.nodes))
		for pc := range p.nodes {
			for k := range p.nodes[pc] {
				e := &p.nodes[pc][k]
				c.byPC[ag][pc] = append(c.byPC[ag][pc], statespace.Action(len(c.table)))
				c.table = append(c.table, action{ag: ag, pc: pc, e: e, guards: c.internGuards(e.Guards, gid)})
				name := c.edgeName(e)
				if agent := spec.Agents[ag].Name; !strings.HasPrefix(name, agent+": ") {
					// A device's own calls already name it ("isp: DMA read job").
					name = agent + ": " + name
				}
				seen[name]++
				c.names = append(c.names, name)
			}
		}
	}
	// Names must be unique: a call taken at several points of a program
	// is named after its point.
	for a, n := range c.names {
		if seen[n] > 1 {
			t := c.table[a]
			at := c.progs[t.ag].names[t.pc]
			if at == "" {
				at = fmt.Sprintf("pc %d", t.pc)
			}
			c.names[a] = n + " @" + at
		}
	}
	if err := c.checkShared(); err != nil {
		return nil, fmt.Errorf("world %s: %w", spec.Name, err)
	}
	if err := c.checkLabels(); err != nil {
		return nil, fmt.Errorf("world %s: %w", spec.Name, err)
	}
	if c.uses[famCache] {
		c.props = builtinProps()
	}
	for _, inv := range spec.Invariants {
		inv := inv
		c.props = append(c.props, propDef{name: inv.Name, exp: statespace.Always,
			holds: func(v View) bool { return inv.Expr.f(v.w, v.b) != 0 }})
	}
	c.props = append(c.props, c.fenceProps()...)
	c.props = append(c.props, c.lockProps()...)
	c.props = append(c.props, c.vmProps()...)
	c.props = append(c.props, c.p2pProps()...)
	c.props = append(c.props, c.lifeProps()...)
	if err := c.buildSymmetry(); err != nil {
		return nil, fmt.Errorf("world %s: %w", spec.Name, err)
	}
	c.buildPOR()
	return &Model{c: c}, nil
}

// LabelError is a reference to a label an agent's program does not have.
type LabelError struct {
	// Expr is the text of the expression (Expr.Text) and Offset the
	// offending name's offset in the text it was parsed from.
	Expr   string
	Offset int
	Msg    string
}

func (e *LabelError) Error() string { return e.Msg }

// checkLabels makes sure every at(A, L) of a guard or invariant names a
// label of A's program.
func (c *core) checkLabels() error {
	check := func(e Expr) error {
		for _, r := range e.labels {
			p := c.progs[r.agent]
			if r.bracket != "" {
				if c.lay.access[r.agent] < 0 {
					return &LabelError{Expr: e.Text, Offset: r.offset, Msg: fmt.Sprintf("%s: agent %s makes no CPU access, so it has no bracket", r.bracket, c.spec.Agents[r.agent].Name)}
				}
				continue
			}
			if _, ok := p.labels[r.label]; !ok {
				var have []string
				for l := range p.labels {
					have = append(have, l)
				}
				slices.Sort(have)
				msg := fmt.Sprintf("agent %s has no label %q", c.spec.Agents[r.agent].Name, r.label)
				if len(have) > 0 {
					msg += " (it has " + strings.Join(have, ", ") + ")"
				}
				return &LabelError{Expr: e.Text, Offset: r.offset, Msg: msg}
			}
		}
		return nil
	}
	for _, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, g := range e.Guards {
					if err := check(g); err != nil {
						return err
					}
				}
			}
		}
	}
	for _, inv := range c.spec.Invariants {
		if err := check(inv.Expr); err != nil {
			return err
		}
	}
	return nil
}

// internGuards flattens guards into conjuncts and returns their ids,
// adding new ones to c.guards.
func (c *core) internGuards(guards []Expr, gid map[string]uint16) []uint16 {
	var flat []Expr
	for _, g := range guards {
		flat = g.conjuncts(flat)
	}
	var ids []uint16
	for _, g := range flat {
		id, ok := gid[g.Text]
		if !ok {
			id = uint16(len(c.guards))
			gid[g.Text] = id
			c.guards = append(c.guards, g)
		}
		if !containsID(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

func containsID(ids []uint16, id uint16) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Size is the number of bytes of the packed state (before rounding up to a
// size class).
func (m *Model) Size() int { return m.c.lay.size }

// Spec returns the spec the model was built from.
func (m *Model) Spec() Spec { return m.c.spec }

// ActionNames returns the action table: "agent: call", named after the
// kernel function.
func (m *Model) ActionNames() []string { return m.c.names }

// edgeName renders the step an edge takes.
func (c *core) edgeName(e *edge) string {
	if len(e.Ops) == 1 {
		return c.callName(e.Ops[0], e.Step)
	}
	s := ""
	for i, op := range e.Ops {
		if i > 0 {
			s += " + "
		}
		s += c.callName(op, 0)
	}
	return s
}

// World is a built world as a statespace model over the state type S.
type World[S Bytes] struct{ *core }

// As returns m as a statespace model over S; it fails when S is not the
// size class of m's layout.
func As[S Bytes](m *Model) (World[S], error) {
	var s S
	if got, want := int(unsafe.Sizeof(s)), classOf(m.c.lay.size); got != want {
		return World[S]{}, fmt.Errorf("world %s: state needs the %d-byte class, not %d", m.c.spec.Name, want, got)
	}
	return World[S]{m.c}, nil
}

func classOf(size int) int {
	for _, c := range sizeClasses {
		if size <= c {
			return c
		}
	}
	return -1
}

// Init returns the initial state: the buffer exported and filled with
// version 0, nothing attached, every agent at the start of its program.
func (w World[S]) Init() []S {
	var s S
	w.init(view(&s))
	return []S{s}
}

// ActionNames returns the action table.
func (w World[S]) ActionNames() []string { return w.names }

// Actions appends the actions enabled in s: for each agent in order, the
// steps of its program point whose guards hold and whose calls are
// enabled.
func (w World[S]) Actions(s *S, buf []statespace.Action) []statespace.Action {
	return w.actions(view(s), buf)
}

// Step returns the successor of s under a.
func (w World[S]) Step(s *S, a statespace.Action) S {
	n := *s
	w.step(view(&n), a)
	return n
}

// Properties returns the world's properties.
func (w World[S]) Properties() []statespace.Property[S] {
	out := make([]statespace.Property[S], len(w.props))
	for i, p := range w.props {
		p := p
		c := w.core
		out[i] = statespace.Property[S]{Name: p.name, Expectation: p.exp,
			Holds: func(s *S) bool { return p.holds(View{w: c, b: view(s)}) }}
		if p.trigger != nil {
			out[i].Trigger = func(s *S) bool { return p.trigger(View{w: c, b: view(s)}) }
		}
	}
	return out
}

// ValidEnd reports whether a state without enabled actions is a proper
// end: the buffer was released, or every agent finished its program.
func (w World[S]) ValidEnd(s *S) bool { return w.validEnd(view(s)) }

// Describe renders s for traces.
func (w World[S]) Describe(s *S) []statespace.Field { return w.describe(view(s)) }

// Actor names the agent of action a.
func (w World[S]) Actor(a statespace.Action) string { return w.spec.Agents[w.table[a].ag].Name }

func (c *core) pcOf(s []byte, ag int) int {
	if off := c.lay.pc[ag]; off >= 0 {
		return int(s[off])
	}
	return 0
}

// guardCache remembers the guards evaluated in one state: bit id of
// known says guard id was evaluated, the same bit of value its result.
type guardCache struct {
	known, value [maxCachedGuards / 64]uint64
}

func (c *core) actions(s []byte, buf []statespace.Action) []statespace.Action {
	var gc guardCache
	for ag := range c.progs {
		for _, a := range c.byPC[ag][c.pcOf(s, ag)] {
			if c.enabled(s, a, &gc) {
				buf = append(buf, a)
			}
		}
	}
	return buf
}

// guardsHold evaluates the guards of action t in s, each distinct guard at
// most once per state when gc is given.
func (c *core) guardsHold(s []byte, t *action, gc *guardCache) bool {
	for _, id := range t.guards {
		if gc != nil && int(id) < maxCachedGuards {
			w, bit := id>>6, uint64(1)<<(id&63)
			if gc.known[w]&bit != 0 {
				if gc.value[w]&bit == 0 {
					return false
				}
				continue
			}
			gc.known[w] |= bit
			if c.guards[id].f(c, s) == 0 {
				return false
			}
			gc.value[w] |= bit
			continue
		}
		if c.guards[id].f(c, s) == 0 {
			return false
		}
	}
	return true
}

func (c *core) enabled(s []byte, a statespace.Action, gc *guardCache) bool {
	t := &c.table[a]
	if !c.guardsHold(s, t, gc) {
		return false
	}
	v := View{w: c, b: s}
	if len(t.e.Ops) == 1 {
		return v.callEnabled(t.ag, t.e.Ops[0], t.e.Step)
	}
	// An atomic block: each call must be enabled in the state the calls
	// before it leave.
	var scratch [128]byte
	tmp := scratch[:len(s)]
	copy(tmp, s)
	tv := View{w: c, b: tmp}
	for _, op := range t.e.Ops {
		if !tv.callEnabled(t.ag, op, 0) {
			return false
		}
		tv.callApply(t.ag, op, 0)
	}
	return true
}

func (c *core) step(s []byte, a statespace.Action) { c.stepCounting(s, a, nil) }

// validEnd: every agent finished its program, or every family the world
// uses considers the state a proper end (the cache family: the buffer was
// released).
func (c *core) validEnd(s []byte) bool {
	v := View{w: c, b: s}
	done := true
	for ag, p := range c.progs {
		if len(p.nodes[c.pcOf(s, ag)]) != 0 {
			done = false
			break
		}
	}
	if done {
		return true
	}
	return (!c.uses[famCache] || v.released()) && c.fenceEnd(v) && c.lockEnd(v) && c.vmEnd(v) && c.p2pEnd(v) && c.lifeEnd(v)
}

// WaitsFor returns who waits for whom in s (statespace.WaitForGraph).
func (w World[S]) WaitsFor(s *S) []statespace.WaitEdge {
	v := View{w: w.core, b: view(s)}
	var out []statespace.WaitEdge
	out = append(out, w.fenceWaits(v)...)
	out = append(out, w.lockWaits(v)...)
	out = append(out, w.vmWaits(v)...)
	out = append(out, w.p2pWaits(v)...)
	if w.join.bufResv >= 0 || w.join.tied {
		out = append(out, w.sharedWaits(v)...)
	}
	return out
}

// Fairness returns the weak-fairness groups of the world's liveness
// properties (statespace.FairModel).
func (w World[S]) Fairness() []statespace.Fairness {
	var out []statespace.Fairness
	out = append(out, w.fenceFairness()...)
	out = append(out, w.lockFairness()...)
	out = append(out, w.vmFairness()...)
	out = append(out, w.p2pFairness()...)
	return out
}
