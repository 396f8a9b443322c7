package statespace

import (
	"fmt"
	"slices"
	"testing"
)

// lgModel is a pseudo-random graph for the graph build: k actions, of
// which some are disabled, self loops, several (and repeated) initial
// states, wide levels.
type lgModel struct {
	size uint32
	k    int
}

func lgMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (m lgModel) Init() []uint32 { return []uint32{7, m.size / 2, 7, 3} }
func (m lgModel) ActionNames() []string {
	var n []string
	for a := range m.k {
		n = append(n, fmt.Sprint("a", a))
	}
	return n
}
func (m lgModel) Actions(s *uint32, buf []Action) []Action {
	for a := range m.k {
		if lgMix(uint64(*s)<<8|uint64(a))%5 != 0 {
			buf = append(buf, Action(a))
		}
	}
	return buf
}
func (m lgModel) Step(s *uint32, a Action) uint32 {
	if a == 0 && *s%3 == 0 {
		return *s // a self loop
	}
	// Mostly forward (a long BFS), sometimes back.
	x := lgMix(uint64(*s)<<8 | uint64(a))
	if x%3 == 0 {
		return uint32(x>>8) % m.size
	}
	return (*s + 1 + uint32(x>>8)%64) % m.size
}
func (m lgModel) Properties() []Property[uint32] {
	return []Property[uint32]{
		{Name: "even", Expectation: Eventually, Holds: func(s *uint32) bool { return *s%2 == 0 }},
		{Name: "small", Expectation: Eventually, Holds: func(s *uint32) bool { return *s < 100 },
			Trigger: func(s *uint32) bool { return *s%11 == 0 }},
	}
}

// lgColliding is lgModel with a fingerprint shared by many different
// states (full-state mode must tell them apart).
type lgColliding struct{ lgModel }

func (lgColliding) Fingerprint(s *uint32) uint64 { return lgMix(uint64(*s % 97)) }

// seqGraph is the graph build as one sequential breadth-first search: the
// reference for the numbering.
func seqGraph[S comparable](m Model[S], keep bool, same func(a, b *S) bool) (n int32, parent []int32, pact []Action, edges [][]ledge, holds, trig [][]bool) {
	h, _ := newHasher(m)
	live := m.Properties()
	var states []S
	index := map[uint64][]int32{}
	add := func(s *S, p int32, a Action) int32 {
		fp := h.fingerprint(s)
		for _, i := range index[fp] {
			if !keep || same(&states[i], s) {
				return i
			}
		}
		i := int32(len(states))
		index[fp] = append(index[fp], i)
		states, parent, pact = append(states, *s), append(parent, p), append(pact, a)
		return i
	}
	inits := m.Init()
	for k := range inits {
		add(&inits[k], -1, 0)
	}
	roots := int32(len(states))
	holds, trig = make([][]bool, len(live)), make([][]bool, len(live))
	var acts []Action
	for i := int32(0); i < int32(len(states)); i++ {
		s := states[i]
		for k, p := range live {
			holds[k] = append(holds[k], p.Holds(&s))
			trig[k] = append(trig[k], p.Trigger == nil && i < roots || p.Trigger != nil && p.Trigger(&s))
		}
		acts = m.Actions(&s, acts[:0])
		var es []ledge
		for _, a := range acts {
			n := m.Step(&s, a)
			es = append(es, ledge{to: add(&n, i, a), act: a})
		}
		edges = append(edges, es)
	}
	return int32(len(states)), parent, pact, edges, holds, trig
}

// sameGraph fails unless the parallel build with the given workers gives
// the reference graph: the same numbering, BFS tree, edges and property
// bits.
func sameGraph[S comparable](t *testing.T, name string, m Model[S], opt Options) {
	t.Helper()
	n, parent, pact, edges, holds, trig := seqGraph(m, opt.FullState, func(a, b *S) bool { return *a == *b })
	for _, w := range []int{1, 2, 3, 4, 7} {
		opt.Workers = w
		c, err := newChecker(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		c.inits = m.Init()
		g, stopped := c.buildGraph(0, false)
		if stopped != "" {
			t.Fatalf("%s, workers %d: stopped: %s", name, w, stopped)
		}
		if g.n != n {
			t.Fatalf("%s, workers %d: %d states, want %d", name, w, g.n, n)
		}
		for i := range n {
			if g.parent.get(uint32(i)) != parent[i] || g.pact.get(uint32(i)) != pact[i] {
				t.Fatalf("%s, workers %d: state %d: BFS parent %d by %d, want %d by %d", name, w, i, g.parent.get(uint32(i)), g.pact.get(uint32(i)), parent[i], pact[i])
			}
			if out := g.out(i); !slices.Equal(out, edges[i]) {
				t.Fatalf("%s, workers %d: state %d: edges %v, want %v", name, w, i, out, edges[i])
			}
			for k := range holds {
				if bit(g.holds[k], i) != holds[k][i] || bit(g.trig[k], i) != trig[k][i] {
					t.Fatalf("%s, workers %d: state %d, property %d: holds %v trig %v, want %v %v", name, w, i, k, bit(g.holds[k], i), bit(g.trig[k], i), holds[k][i], trig[k][i])
				}
			}
		}
	}
}

// The liveness graph built by any number of workers is the graph of one
// sequential breadth-first search, number for number: the states (initial
// ones first, in Init() order, then in order of first discovery), the BFS
// tree, every state's edges in action order and the properties' bits; in
// full-state mode too, where states that share a fingerprint stay apart.
func TestLivenessGraphIsNumberedAsBySequentialSearch(t *testing.T) {
	sameGraph(t, "pseudo-random graph", Model[uint32](lgModel{size: 40_000, k: 6}), Options{})
	sameGraph(t, "pseudo-random graph, full state", Model[uint32](lgModel{size: 40_000, k: 6}), Options{FullState: true})
	sameGraph(t, "colliding fingerprints, full state", Model[uint32](lgColliding{lgModel{size: 3_000, k: 4}}), Options{FullState: true})
}
