package statespace_test

// Small models shared by the tests of this package. Each is a pure,
// deterministic transition system whose state space is easy to reason
// about by hand, unless noted otherwise.

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// always and sometimes build properties.
func always[S comparable](name string, f func(s *S) bool) statespace.Property[S] {
	return statespace.Property[S]{Name: name, Expectation: statespace.Always, Holds: f}
}

func sometimes[S comparable](name string, f func(s *S) bool) statespace.Property[S] {
	return statespace.Property[S]{Name: name, Expectation: statespace.Sometimes, Holds: f}
}

// ---------------------------------------------------------------------------
// grid: a walk on 0..N x 0..M with "right" (x+1) and "up" (y+1) moves.
// States (N+1)(M+1), transitions N(M+1)+M(N+1), max depth N+M. The corner
// (N,M) has no move; it is a valid end state.

type grid struct {
	n, m  uint8
	props []statespace.Property[gridState]
}

type gridState struct{ X, Y uint8 }

func (g grid) Init() []gridState     { return []gridState{{}} }
func (g grid) ActionNames() []string { return []string{"right", "up"} }
func (g grid) Actions(s *gridState, buf []statespace.Action) []statespace.Action {
	if s.X < g.n {
		buf = append(buf, 0)
	}
	if s.Y < g.m {
		buf = append(buf, 1)
	}
	return buf
}
func (g grid) Step(s *gridState, a statespace.Action) gridState {
	if a == 0 {
		return gridState{s.X + 1, s.Y}
	}
	return gridState{s.X, s.Y + 1}
}
func (g grid) Properties() []statespace.Property[gridState] { return g.props }
func (g grid) ValidEnd(s *gridState) bool                   { return s.X == g.n && s.Y == g.m }

// ---------------------------------------------------------------------------
// cube: the b-dimensional hypercube, every state a set of b bits, action
// set[i] sets bit i. States 2^b, transitions b·2^(b-1), max depth b; level k
// holds C(b,k) states, so b=16 gives levels of up to 12870 states (several
// rounds of the checker per level). The full set is a valid end state.

type cube struct {
	bits  int
	props []statespace.Property[cubeState]
}

type cubeState struct{ V uint32 }

func (c cube) Init() []cubeState { return []cubeState{{}} }
func (c cube) ActionNames() []string {
	var n []string
	for i := range c.bits {
		n = append(n, fmt.Sprintf("set[%d]", i))
	}
	return n
}
func (c cube) Actions(s *cubeState, buf []statespace.Action) []statespace.Action {
	for i := range c.bits {
		if s.V>>i&1 == 0 {
			buf = append(buf, statespace.Action(i))
		}
	}
	return buf
}
func (c cube) Step(s *cubeState, a statespace.Action) cubeState { return cubeState{s.V | 1<<a} }
func (c cube) Properties() []statespace.Property[cubeState]     { return c.props }
func (c cube) ValidEnd(s *cubeState) bool                       { return bits.OnesCount32(s.V) == c.bits }

// ---------------------------------------------------------------------------
// scramble: a pseudo-random graph over 0..size-1 with k actions, each
// enabled in about three states out of four, and several initial states.
// It has many states reached at the same depth from several parents, self
// loops and deadlocks: a stress test for the determinism of the parent and
// counterexample choice.

type scramble struct {
	seed  uint64
	size  uint32
	k     int
	inits []uint32
	props []statespace.Property[scrState]
}

type scrState struct{ V uint32 }

func mix(x uint64) uint64 { // splitmix64 finaliser
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (m scramble) Init() []scrState {
	var out []scrState
	for _, v := range m.inits {
		out = append(out, scrState{v})
	}
	return out
}
func (m scramble) ActionNames() []string {
	var n []string
	for i := range m.k {
		n = append(n, fmt.Sprintf("a%d", i))
	}
	return n
}
func (m scramble) Actions(s *scrState, buf []statespace.Action) []statespace.Action {
	for a := range m.k {
		if mix(m.seed^uint64(s.V)<<8^uint64(a))%4 != 0 {
			buf = append(buf, statespace.Action(a))
		}
	}
	return buf
}
func (m scramble) Step(s *scrState, a statespace.Action) scrState {
	h := mix(m.seed + uint64(s.V)*31 + uint64(a)*0x1234567)
	if h%16 == 0 {
		return *s // a self loop
	}
	// Small steps keep the graph deep; the occasional jump keeps it wide.
	if h%8 == 1 {
		return scrState{uint32(h>>8) % m.size}
	}
	return scrState{(s.V + uint32(h>>8)%64) % m.size}
}
func (m scramble) Properties() []statespace.Property[scrState] { return m.props }

// ---------------------------------------------------------------------------
// locks: two processes, each takes two locks, runs its critical section,
// releases both locks and terminates. With opposite, process 1 takes the
// locks in the other order, so the classic deadlock is reachable after two
// steps (p0 holds A, p1 holds B). Both processes terminated is a state with
// no enabled action: a deadlock unless the model says it is a valid end
// state (see endLocks).

type locks struct{ opposite bool }

type lockState struct {
	PC    [2]uint8 // 0: take first lock, 1: take second, 2: critical, 3: done
	Owner [2]uint8 // 0 free, else process+1
}

func (l locks) order(p int) [2]int {
	if p == 1 && l.opposite {
		return [2]int{1, 0}
	}
	return [2]int{0, 1}
}

func (l locks) Init() []lockState     { return []lockState{{}} }
func (l locks) ActionNames() []string { return []string{"p0", "p1"} }
func (l locks) Actions(s *lockState, buf []statespace.Action) []statespace.Action {
	for p := range 2 {
		switch pc := s.PC[p]; pc {
		case 0, 1:
			if s.Owner[l.order(p)[pc]] == 0 {
				buf = append(buf, statespace.Action(p))
			}
		case 2:
			buf = append(buf, statespace.Action(p))
		}
	}
	return buf
}
func (l locks) Step(s *lockState, a statespace.Action) lockState {
	n := *s
	p := int(a)
	switch pc := n.PC[p]; pc {
	case 0, 1:
		n.Owner[l.order(p)[pc]] = uint8(p + 1)
	case 2:
		n.Owner = [2]uint8{}
	}
	n.PC[p]++
	return n
}
func (l locks) Properties() []statespace.Property[lockState] {
	return []statespace.Property[lockState]{
		always("mutex", func(s *lockState) bool { return s.PC[0] != 2 || s.PC[1] != 2 }),
	}
}

// endLocks is locks with both processes terminated as a valid end state.
type endLocks struct{ locks }

func (endLocks) ValidEnd(s *lockState) bool { return s.PC == [2]uint8{3, 3} }

// ---------------------------------------------------------------------------
// paths: a bad state is reachable by a long path (5 steps) and a short one
// (3 steps); the long path's actions come first in the action table.
//
//	0 -long-> 1 -long-> 2 -long-> 3 -long-> 4 -long-> 10 (bad)
//	0 -short-> 5 -short-> 6 -short-> 9 (bad)
//
// Every state other than these has a "stay" self loop, so nothing deadlocks.

type paths struct{}

type nodeState struct{ N uint8 }

var pathNext = map[[2]uint8]uint8{
	{0, 0}: 1, {1, 0}: 2, {2, 0}: 3, {3, 0}: 4, {4, 0}: 10,
	{0, 1}: 5, {5, 1}: 6, {6, 1}: 9,
}

func (paths) Init() []nodeState     { return []nodeState{{0}} }
func (paths) ActionNames() []string { return []string{"long", "short", "stay"} }
func (paths) Actions(s *nodeState, buf []statespace.Action) []statespace.Action {
	for a := range uint8(2) {
		if _, ok := pathNext[[2]uint8{s.N, a}]; ok {
			buf = append(buf, statespace.Action(a))
		}
	}
	return append(buf, 2)
}
func (paths) Step(s *nodeState, a statespace.Action) nodeState {
	if a == 2 {
		return *s
	}
	return nodeState{pathNext[[2]uint8{s.N, uint8(a)}]}
}
func (paths) Properties() []statespace.Property[nodeState] {
	return []statespace.Property[nodeState]{
		always("good", func(s *nodeState) bool { return s.N != 9 && s.N != 10 }),
	}
}

// ---------------------------------------------------------------------------
// chain: a counter 0..limit ("inc"); from limit it stays or, with wrap, goes
// back to 0. Several initial values are allowed (duplicates too).

type chain struct {
	limit uint16
	wrap  bool
	inits []uint16
	props []statespace.Property[chainState]
}

type chainState struct{ N uint16 }

func (c chain) Init() []chainState {
	if c.inits == nil {
		return []chainState{{0}}
	}
	var out []chainState
	for _, v := range c.inits {
		out = append(out, chainState{v})
	}
	return out
}
func (c chain) ActionNames() []string { return []string{"inc", "wrap"} }
func (c chain) Actions(s *chainState, buf []statespace.Action) []statespace.Action {
	if s.N < c.limit {
		return append(buf, 0)
	}
	if c.wrap {
		return append(buf, 1)
	}
	return buf
}
func (c chain) Step(s *chainState, a statespace.Action) chainState {
	if a == 0 {
		return chainState{s.N + 1}
	}
	return chainState{0}
}
func (c chain) Properties() []statespace.Property[chainState] { return c.props }
func (c chain) ValidEnd(s *chainState) bool                   { return s.N == c.limit }

// ---------------------------------------------------------------------------
// counters: n interchangeable counters 0..k; inc[i] and reset[i] act on
// counter i. symCounters adds the sorting Canonical, so that states that
// differ only by a permutation of the counters are one state: the multisets
// of n values out of k+1, C(n+k, n) of them.

const maxCounters = 4

type counters struct {
	n     int
	k     uint8
	props []statespace.Property[countersState]
}

type countersState struct{ C [maxCounters]uint8 }

func (c counters) Init() []countersState { return []countersState{{}} }
func (c counters) ActionNames() []string {
	var n []string
	for i := range c.n {
		n = append(n, fmt.Sprintf("inc[%d]", i), fmt.Sprintf("reset[%d]", i))
	}
	return n
}
func (c counters) Actions(s *countersState, buf []statespace.Action) []statespace.Action {
	for i := range c.n {
		if s.C[i] < c.k {
			buf = append(buf, statespace.Action(2*i))
		}
		if s.C[i] > 0 {
			buf = append(buf, statespace.Action(2*i+1))
		}
	}
	return buf
}
func (c counters) Step(s *countersState, a statespace.Action) countersState {
	n := *s
	if a%2 == 0 {
		n.C[a/2]++
	} else {
		n.C[a/2] = 0
	}
	return n
}
func (c counters) Properties() []statespace.Property[countersState] { return c.props }

type symCounters struct{ counters }

func (c symCounters) Canonical(s countersState) countersState {
	slices.Sort(s.C[:c.n])
	return s
}

// ---------------------------------------------------------------------------
// paddedGrid is grid over a state type with padding, which cannot be
// hashed as raw memory: it implements Fingerprinter. With lowFP its
// fingerprints are small integers, all in the first shard of the table.

type paddedGrid struct {
	n, m  uint32
	lowFP bool
}

type paddedState struct {
	A uint8
	B uint32 // three bytes of padding before B
}

func (g paddedGrid) Init() []paddedState   { return []paddedState{{}} }
func (g paddedGrid) ActionNames() []string { return []string{"a", "b"} }
func (g paddedGrid) Actions(s *paddedState, buf []statespace.Action) []statespace.Action {
	if uint32(s.A) < g.n {
		buf = append(buf, 0)
	}
	if s.B < g.m {
		buf = append(buf, 1)
	}
	return buf
}
func (g paddedGrid) Step(s *paddedState, a statespace.Action) paddedState {
	if a == 0 {
		return paddedState{s.A + 1, s.B}
	}
	return paddedState{s.A, s.B + 1}
}
func (g paddedGrid) Properties() []statespace.Property[paddedState] { return nil }
func (g paddedGrid) ValidEnd(s *paddedState) bool {
	return uint32(s.A) == g.n && s.B == g.m
}
func (g paddedGrid) Fingerprint(s *paddedState) uint64 {
	v := uint64(s.A)<<32 | uint64(s.B)
	if g.lowFP {
		return v
	}
	return mix(v)
}

// ---------------------------------------------------------------------------
// single is a model with one state of type S (its zero value) and no
// actions, used to test which state types the checker accepts.

type single[S comparable] struct{}

func (single[S]) Init() []S                                                 { var s S; return []S{s} }
func (single[S]) ActionNames() []string                                     { return nil }
func (single[S]) Actions(_ *S, buf []statespace.Action) []statespace.Action { return buf }
func (single[S]) Step(s *S, _ statespace.Action) S                          { return *s }
func (single[S]) Properties() []statespace.Property[S]                      { return nil }
func (single[S]) ValidEnd(*S) bool                                          { return true }

// fpSingle is single with a (trivial) Fingerprinter.
type fpSingle[S comparable] struct{ single[S] }

func (fpSingle[S]) Fingerprint(*S) uint64 { return 42 }

// ---------------------------------------------------------------------------
// impure is a chain whose Step (or Actions) remembers, in hidden mutable
// state, which states it has seen: the second call for the same state
// behaves differently. The search calls each once per state; rebuilding a
// trace calls them again and must notice.

type impure struct {
	impureActions bool
	mu            sync.Mutex
	calls         map[chainState]int
}

func (m *impure) Init() []chainState    { return []chainState{{0}} }
func (m *impure) ActionNames() []string { return []string{"inc"} }
func (m *impure) seen(s chainState) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls == nil {
		m.calls = map[chainState]int{}
	}
	m.calls[s]++
	return m.calls[s]
}
func (m *impure) Actions(s *chainState, buf []statespace.Action) []statespace.Action {
	if s.N >= 10 {
		return buf
	}
	if m.impureActions && m.seen(*s) > 1 {
		return buf
	}
	return append(buf, 0)
}
func (m *impure) Step(s *chainState, _ statespace.Action) chainState {
	if !m.impureActions && m.seen(*s) > 1 {
		return chainState{s.N + 50}
	}
	return chainState{s.N + 1}
}
func (m *impure) Properties() []statespace.Property[chainState] {
	return []statespace.Property[chainState]{
		always("small", func(s *chainState) bool { return s.N < 3 }),
	}
}
func (m *impure) ValidEnd(*chainState) bool { return true }

// ---------------------------------------------------------------------------

// summary renders everything about a result that must not depend on the
// number of workers: verdicts, counts, per-action statistics and every
// trace with its fingerprints. Durations, memory and Workers are left out.
func summary(r *statespace.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "status=%s incomplete=%q states=%d transitions=%d maxdepth=%d statesize=%d\n",
		r.Status, r.Incomplete, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, r.Stats.StateSize)
	for _, a := range r.Stats.Actions {
		fmt.Fprintf(&b, "action %s enabled=%d changed=%d new=%d\n", a.Name, a.Enabled, a.Changed, a.New)
	}
	if v := r.Violation; v != nil {
		fmt.Fprintf(&b, "violation %s kind=%s\n%s", v.Property, v.Kind, traceSummary(v.Trace))
	}
	for _, p := range r.Properties {
		fmt.Fprintf(&b, "property %s %s %s\n%s", p.Name, p.Expectation, p.Verdict, traceSummary(p.Trace))
	}
	return b.String()
}

func traceSummary(t *statespace.Trace) string {
	if t == nil {
		return "  no trace\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  init %d\n", t.InitIndex)
	for _, s := range t.Steps {
		fmt.Fprintf(&b, "  %d %q %016x %v\n", s.Action, s.Label, s.Fingerprint, s.State)
	}
	return b.String()
}
