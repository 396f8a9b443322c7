package statespace_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// twoTogglers is two interchangeable agents, each with a counter that
// starts at 1 or 0; an agent whose counter is not 0 toggles it between 1
// and 2 forever. The initial state (1, 0) is not canonical: the canonical
// form sorts the counters, (0, 1). Nothing ever brings both counters to 0,
// so "eventually both idle" fails on a lasso that starts in the raw initial
// state.
type twoTogglers struct{}

type togglersState struct{ C [2]uint8 }

func (twoTogglers) Init() []togglersState { return []togglersState{{C: [2]uint8{1, 0}}} }
func (twoTogglers) ActionNames() []string { return []string{"toggle[0]", "toggle[1]"} }
func (twoTogglers) Actions(s *togglersState, buf []statespace.Action) []statespace.Action {
	for i, c := range s.C {
		if c != 0 {
			buf = append(buf, statespace.Action(i))
		}
	}
	return buf
}
func (twoTogglers) Step(s *togglersState, a statespace.Action) togglersState {
	n := *s
	n.C[a] = 3 - n.C[a]
	return n
}
func (twoTogglers) Properties() []statespace.Property[togglersState] {
	return []statespace.Property[togglersState]{{
		Name: "eventually-both-idle", Expectation: statespace.Eventually,
		Holds: func(s *togglersState) bool { return s.C == [2]uint8{} },
	}}
}
func (twoTogglers) Canonical(s togglersState) togglersState {
	if s.C[0] > s.C[1] {
		s.C[0], s.C[1] = s.C[1], s.C[0]
	}
	return s
}

// A liveness lasso of a model with symmetry starts in the raw initial
// state, as the liveness graph does (it is not reduced), even when that
// state is not canonical: the lasso is reported and replays.
func TestLassoStartsInTheRawInitialStateUnderSymmetry(t *testing.T) {
	m := twoTogglers{}
	r, err := statespace.Check[togglersState](m, statespace.Options{})
	if err != nil {
		t.Fatalf("the lasso does not replay: %v", err)
	}
	if r.Status != statespace.StatusViolation || r.Violation.Kind != statespace.KindLiveness {
		t.Fatalf("status %s, violation %+v; want the liveness violation", r.Status, r.Violation)
	}
	tr := r.Violation.Trace
	if got := tr.Steps[0].State[0].Value; got != "1" {
		t.Errorf("the lasso starts in C[0] = %s, want the raw initial state (1, 0)\n%s", got, tr)
	}
	if _, err := statespace.Replay[togglersState](m, tr.InitIndex, replaySteps(tr), r.Violation.Property, tr.Loop); err != nil {
		t.Errorf("Replay rejects the lasso: %v\n%s", err, tr)
	}
}

// MaxStates stores exactly that many states when the state space does not
// fit, and the run (count, transitions, verdicts, per-action statistics) is
// the same for every number of workers: the bound is decided once the whole
// level that does not fit was generated from the level above it.
func TestMaxStatesStoresExactlyTheBoundForAnyWorkers(t *testing.T) {
	m, err := dmabufbench.New(6, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, bound := range []uint64{1, 1000, 100_000} {
		r := sameForAllWorkers(t, fmt.Sprintf("dmabuf-bench 6, max states %d", bound), checker[dmabufbench.State](m), statespace.Options{MaxStates: bound})
		if r.Status != statespace.StatusIncomplete || r.Incomplete != "max states" || r.Stats.States != bound {
			t.Errorf("max states %d: %s %q with %d states; want incomplete (max states) with exactly %d states", bound, r.Status, r.Incomplete, r.Stats.States, bound)
		}
	}
}

// The collision probability covers the run as a whole: with an Eventually
// property, the liveness pass fingerprints the unreduced graph too, so its
// states and edges count as well as those of the (reduced) safety search.
func TestCollisionProbabilityCoversTheLivenessPass(t *testing.T) {
	m := symCounters{counters{n: 4, k: 3, props: []statespace.Property[countersState]{{
		Name: "eventually-all-full", Expectation: statespace.Eventually,
		Holds: func(s *countersState) bool { return s.C == [maxCounters]uint8{3, 3, 3, 3} },
	}}}}
	r, err := statespace.Check[countersState](m, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Kind != statespace.KindLiveness {
		t.Fatalf("violation %+v; want the liveness pass to run and find the reset loop", r.Violation)
	}
	g, err := statespace.ExploreGraph[countersState](m, 1000) // unreduced, as the liveness pass
	if err != nil {
		t.Fatal(err)
	}
	estimate := func(n, g float64) float64 { return n * (g - n) / math.Exp2(64) }
	safety := estimate(float64(r.Stats.States), float64(r.Stats.Transitions))
	live := estimate(float64(len(g.States)), float64(len(g.Edges)))
	want := -math.Expm1(-(safety + live))
	if got := r.Stats.CollisionProbability(); math.Abs(got-want) > 1e-9*want {
		t.Errorf("collision probability %.6g; want %.6g (safety search %.3g + liveness pass %.3g)", got, want, safety, live)
	}
	full, err := statespace.Check[countersState](m, statespace.Options{FullState: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := full.Stats.CollisionProbability(); p != 0 {
		t.Errorf("full-state mode: collision probability %g, want 0 (both passes compare states by value)", p)
	}
}
