package statespace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

func binomial(n, k int) uint64 {
	r := uint64(1)
	for i := 1; i <= k; i++ {
		r = r * uint64(n-k+i) / uint64(i)
	}
	return r
}

// The grid walk 0..N x 0..M has (N+1)(M+1) states, N(M+1) "right" and
// M(N+1) "up" transitions, and its deepest state is N+M steps away.
func TestGridCountsMatchHandComputation(t *testing.T) {
	for _, tc := range []struct{ n, m uint8 }{{0, 0}, {1, 0}, {1, 1}, {7, 4}, {30, 50}, {200, 150}} {
		n, m := uint64(tc.n), uint64(tc.m)
		r := statespacetest.AssertHolds(t, grid{n: tc.n, m: tc.m}, statespace.Options{})
		st := r.Stats
		if want := (n + 1) * (m + 1); st.States != want {
			t.Errorf("grid %dx%d: states = %d, want %d", n, m, st.States, want)
		}
		if want := n*(m+1) + m*(n+1); st.Transitions != want {
			t.Errorf("grid %dx%d: transitions = %d, want %d", n, m, st.Transitions, want)
		}
		if want := int(n + m); st.MaxDepth != want {
			t.Errorf("grid %dx%d: max depth = %d, want %d", n, m, st.MaxDepth, want)
		}
		right, up := st.Actions[0], st.Actions[1]
		if right.Enabled != n*(m+1) || right.Changed != right.Enabled || up.Enabled != m*(n+1) || up.Changed != up.Enabled {
			t.Errorf("grid %dx%d: action stats %+v", n, m, st.Actions)
		}
		// Every state but (0,0) has one parent: first reached by right
		// (x>0) or up (x=0, y>0 at least); the split depends on the
		// deterministic parent choice, the sum does not.
		if right.New+up.New != st.States-1 || up.New < m || right.New < n {
			t.Errorf("grid %dx%d: new right=%d up=%d", n, m, right.New, up.New)
		}
		if st.StateSize != 2 {
			t.Errorf("state size = %d, want 2", st.StateSize)
		}
	}
}

// The b-cube has 2^b states, b·2^(b-1) transitions and depth b; its levels
// are wide enough for the checker to cut them into several rounds.
func TestCubeCountsMatchHandComputation(t *testing.T) {
	for _, b := range []int{1, 5, 12, 16} {
		for _, workers := range []int{1, 3} {
			r := statespacetest.AssertHolds(t, cube{bits: b}, statespace.Options{Workers: workers})
			st := r.Stats
			if want := uint64(1) << b; st.States != want {
				t.Errorf("cube %d (workers %d): states = %d, want %d", b, workers, st.States, want)
			}
			if want := uint64(b) << (b - 1); st.Transitions != want {
				t.Errorf("cube %d (workers %d): transitions = %d, want %d", b, workers, st.Transitions, want)
			}
			if st.MaxDepth != b {
				t.Errorf("cube %d (workers %d): max depth = %d, want %d", b, workers, st.MaxDepth, b)
			}
			for _, a := range st.Actions {
				if a.Enabled != 1<<(b-1) || a.Changed != a.Enabled {
					t.Errorf("cube %d: %+v, want enabled = changed = %d", b, a, 1<<(b-1))
				}
			}
			statespacetest.AssertNoVacuity(t, r)
		}
	}
}

// With a depth bound d that cuts the cube, exactly the states of depth <= d
// are stored, and those of depth d are checked but not expanded... except
// that their successors are looked up, which counts as transitions.
func TestCubeDepthBoundStoresExactlyTheLevelsWithinIt(t *testing.T) {
	const b = 10
	for d := 1; d < b; d++ {
		r, err := statespace.Check(cube{bits: b}, statespace.Options{MaxDepth: d})
		if err != nil {
			t.Fatal(err)
		}
		var states, trans uint64
		for k := 0; k <= d; k++ {
			states += binomial(b, k)
			trans += binomial(b, k) * uint64(b-k)
		}
		if r.Status != statespace.StatusIncomplete || r.Incomplete != "max depth" {
			t.Errorf("depth %d: status %s %q, want incomplete max depth", d, r.Status, r.Incomplete)
		}
		if r.Stats.States != states || r.Stats.Transitions != trans || r.Stats.MaxDepth != d {
			t.Errorf("depth %d: states %d transitions %d depth %d, want %d %d %d",
				d, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, states, trans, d)
		}
	}
}

// Symmetry reduction with a sorting Canonical stores one state per multiset
// of counter values: C(n+k, n) instead of (k+1)^n.
func TestCanonicalizerStoresOneStatePerMultiset(t *testing.T) {
	for _, tc := range []struct {
		n int
		k uint8
	}{{1, 3}, {2, 2}, {3, 3}, {4, 3}, {4, 5}} {
		full := statespacetest.AssertHolds(t, counters{n: tc.n, k: tc.k}, statespace.Options{})
		sym := statespacetest.AssertHolds(t, symCounters{counters{n: tc.n, k: tc.k}}, statespace.Options{})
		pow := uint64(1)
		for range tc.n {
			pow *= uint64(tc.k) + 1
		}
		if full.Stats.States != pow {
			t.Errorf("n=%d k=%d without symmetry: %d states, want (k+1)^n = %d", tc.n, tc.k, full.Stats.States, pow)
		}
		if want := binomial(tc.n+int(tc.k), tc.n); sym.Stats.States != want {
			t.Errorf("n=%d k=%d with symmetry: %d states, want C(n+k,n) = %d", tc.n, tc.k, sym.Stats.States, want)
		}
		// Every counter value v has inc (v<k) and reset (v>0) enabled.
		if want := uint64(tc.n) * 2 * uint64(tc.k) * pow / (uint64(tc.k) + 1); full.Stats.Transitions != want {
			t.Errorf("n=%d k=%d without symmetry: %d transitions, want %d", tc.n, tc.k, full.Stats.Transitions, want)
		}
		if tc.n > 1 && sym.Stats.States >= full.Stats.States {
			t.Errorf("symmetry did not reduce: %d >= %d", sym.Stats.States, full.Stats.States)
		}
	}
}

// Traces of a symmetry-reduced model replay: every step is an action
// enabled in the canonical state before it, and the checker rebuilds the
// trace without error.
func TestCanonicalizerTracesReplay(t *testing.T) {
	const n, k = 4, 3
	full := func(s *countersState) bool {
		for i := range n {
			if s.C[i] != k {
				return false
			}
		}
		return true
	}
	twoHigh := func(s *countersState) bool {
		c := 0
		for i := range n {
			if s.C[i] >= 2 {
				c++
			}
		}
		return c >= 2
	}
	m := symCounters{counters{n: n, k: k, props: []statespace.Property[countersState]{
		sometimes("two high", twoHigh),
		always("not full", func(s *countersState) bool { return !full(s) }),
	}}}
	for _, workers := range []int{1, 4} {
		r := statespacetest.AssertDiscovery(t, m, "not full", n*k, statespace.Options{Workers: workers})
		statespacetest.AssertDiscovery(t, m, "two high", 4, statespace.Options{Workers: workers})
		if r == nil || r.Violation == nil {
			continue
		}
		tr := r.Violation.Trace
		for i, st := range tr.Steps[1:] {
			if st.Label[:3] != "inc" {
				t.Errorf("step %d is %s; the shortest way to fill every counter only increments", i+1, st.Label)
			}
		}
		last := tr.Steps[len(tr.Steps)-1].State
		for _, f := range last {
			if f.Value != "3" {
				t.Errorf("last state %v is not full", last)
			}
		}
	}
}

// Per-action statistics add up: Enabled sums to Transitions, New sums to
// the states that are not initial, and New <= Changed <= Enabled.
func TestActionStatsAddUp(t *testing.T) {
	check := func(name string, r *statespace.Result, inits uint64) {
		t.Helper()
		var enabled, nw uint64
		for _, a := range r.Stats.Actions {
			enabled += a.Enabled
			nw += a.New
			if a.New > a.Changed || a.Changed > a.Enabled {
				t.Errorf("%s: action %+v: want new <= changed <= enabled", name, a)
			}
		}
		if enabled != r.Stats.Transitions {
			t.Errorf("%s: enabled sums to %d, transitions = %d", name, enabled, r.Stats.Transitions)
		}
		if nw != r.Stats.States-inits {
			t.Errorf("%s: new sums to %d, want states - initial states = %d - %d", name, nw, r.Stats.States, inits)
		}
	}
	run := func(m statespace.Model[scrState], opt statespace.Options) *statespace.Result {
		r, err := statespace.Check(m, opt)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// 4 initial values, one duplicated: 3 distinct initial states.
	scr := scramble{seed: 7, size: 5000, k: 5, inits: []uint32{1, 2, 1, 4000}}
	check("scramble", run(scr, statespace.Options{NoDeadlock: true}), 3)
	check("scramble max depth", run(scr, statespace.Options{NoDeadlock: true, MaxDepth: 4}), 3)
	check("scramble 2 workers", run(scr, statespace.Options{NoDeadlock: true, Workers: 2}), 3)

	rc, err := statespace.Check(chain{limit: 20, wrap: true, inits: []uint16{5, 0, 5, 10}}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("chain", rc, 3)
	if rc.Stats.States != 21 {
		t.Errorf("chain: %d states, want 21", rc.Stats.States)
	}

	rs, err := statespace.Check(symCounters{counters{n: 3, k: 4}}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("symmetric counters", rs, 1)
}

// Vacuous reports an action that is never enabled and one that is enabled
// but never changes the state, and nothing about actions that do both.
func TestVacuousReportsIdleActions(t *testing.T) {
	// chain without wrap: "wrap" is never enabled.
	r := statespacetest.AssertHolds(t, chain{limit: 5}, statespace.Options{})
	assert.Equal(t, []string{"action wrap never enabled"}, r.Stats.Vacuous())
	statespacetest.AssertNoVacuity(t, r, "wrap")
	// paths: "stay" is enabled everywhere and never changes anything.
	r2, err := statespace.Check(paths{}, statespace.Options{Only: []string{statespace.DeadlockProperty}})
	require.NoError(t, err)
	assert.Equal(t, []string{"action stay never changed the state"}, r2.Stats.Vacuous())
	if a := r2.Stats.Actions[2]; a.Enabled != r2.Stats.States || a.Changed != 0 || a.New != 0 {
		t.Errorf("stay: %+v, want enabled in each of the %d states, never changed", a, r2.Stats.States)
	}
	// chain with wrap: both actions fire and change the state.
	r3 := statespacetest.AssertHolds(t, chain{limit: 5, wrap: true}, statespace.Options{})
	statespacetest.AssertNoVacuity(t, r3)
}

// CollisionProbability is a probability and grows with the state count.
func TestCollisionProbabilityIsAProbabilityThatGrows(t *testing.T) {
	prev := -1.0
	for _, b := range []int{2, 6, 10, 14} {
		r := statespacetest.AssertHolds(t, cube{bits: b}, statespace.Options{})
		p := r.Stats.CollisionProbability()
		if p < 0 || p > 1 {
			t.Errorf("cube %d: collision probability %g not in [0,1]", b, p)
		}
		if p <= prev {
			t.Errorf("cube %d: collision probability %g does not grow (previous %g)", b, p, prev)
		}
		prev = p
	}
	var zero statespace.Stats
	if p := zero.CollisionProbability(); p != 0 {
		t.Errorf("no states: collision probability %g, want 0", p)
	}
}

// CollisionProbability stays a probability for large runs too.
func TestCollisionProbabilityNeverExceedsOne(t *testing.T) {
	// Large runs: the estimate n(g-n)/2^64 passes 1 at about 2^32 states
	// with 16 transitions each; a probability must not.
	for _, n := range []uint64{1 << 30, 1 << 34, 1 << 38} {
		st := statespace.Stats{States: n, Transitions: 16 * n}
		if p := st.CollisionProbability(); p <= 0 || p > 1 {
			t.Errorf("%d states, %d transitions: collision probability %g, want in (0,1]", st.States, st.Transitions, p)
		}
	}
}
