package statespace_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var workerCounts = []int{1, 2, 3, 4, 7, 16}

// sameForAllWorkers runs check with every worker count and fails unless
// the summaries (status, counts, per-action statistics, every verdict and
// trace with its fingerprints) are identical. It returns the result of the
// single-worker run.
func sameForAllWorkers(t *testing.T, name string, check func(statespace.Options) (*statespace.Result, error), opt statespace.Options) *statespace.Result {
	t.Helper()
	var first *statespace.Result
	var want string
	for _, w := range workerCounts {
		opt.Workers = w
		r, err := check(opt)
		if err != nil {
			t.Fatalf("%s, workers %d: %v", name, w, err)
		}
		if r.Stats.Workers != w {
			t.Errorf("%s: Stats.Workers = %d, want %d", name, r.Stats.Workers, w)
		}
		got := summary(r)
		if first == nil {
			first, want = r, got
			continue
		}
		if got != want {
			t.Errorf("%s: workers %d differ from workers 1:\n--- workers 1\n%s--- workers %d\n%s", name, w, want, w, got)
		}
	}
	return first
}

func checker[S comparable](m statespace.Model[S]) func(statespace.Options) (*statespace.Result, error) {
	return func(o statespace.Options) (*statespace.Result, error) { return statespace.Check(m, o) }
}

// The reference models give the same results for every number of workers.
func TestDeterministicAcrossWorkersReferenceModels(t *testing.T) {
	g3, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	r := sameForAllWorkers(t, "german 3", checker[german.State](g3), statespace.Options{})
	if r.Status != statespace.StatusOK || r.Stats.States != 58077 || r.Stats.Transitions != 235764 {
		t.Errorf("german 3: %s %d states %d transitions", r.Status, r.Stats.States, r.Stats.Transitions)
	}
	sameForAllWorkers(t, "german 3 max depth 12", checker[german.State](g3), statespace.Options{MaxDepth: 12})

	d3, err := dmabufbench.New(3, false)
	if err != nil {
		t.Fatal(err)
	}
	r = sameForAllWorkers(t, "dmabuf-bench 3", checker[dmabufbench.State](d3), statespace.Options{})
	if r.Status != statespace.StatusOK || r.Stats.States != 7452 || r.Stats.Transitions != 52848 {
		t.Errorf("dmabuf-bench 3: %s %d states %d transitions", r.Status, r.Stats.States, r.Stats.Transitions)
	}
	for n := 1; n <= 4; n++ {
		bad, err := dmabufbench.New(n, true)
		if err != nil {
			t.Fatal(err)
		}
		r := sameForAllWorkers(t, fmt.Sprintf("dmabuf-bench bad %d", n), checker[dmabufbench.State](bad), statespace.Options{})
		if r.Violation == nil || r.Violation.Property != "NoStaleRead" || r.Violation.Length() != 5 {
			t.Errorf("dmabuf-bench bad %d: violation %+v, want NoStaleRead in 5 steps", n, r.Violation)
		}
	}
}

// Test models with many equally short paths, self loops, deadlocks,
// several initial states, wide levels and symmetry give the same results
// for every number of workers.
func TestDeterministicAcrossWorkersTestModels(t *testing.T) {
	scr := scramble{seed: 11, size: 150000, k: 4, inits: []uint32{5, 99999, 5, 70000}}
	r := sameForAllWorkers(t, "scramble, no deadlock", checker[scrState](scr), statespace.Options{NoDeadlock: true})
	if r.Status != statespace.StatusOK || r.Stats.States < 10000 {
		t.Errorf("scramble: %s with %d states; want a complete run of a sizeable space", r.Status, r.Stats.States)
	}
	r = sameForAllWorkers(t, "scramble, deadlock", checker[scrState](scr), statespace.Options{})
	if r.Violation == nil || r.Violation.Kind != statespace.KindDeadlock {
		t.Errorf("scramble: violation %+v, want a deadlock", r.Violation)
	}

	// An invariant violated by many states at the same depth, and cover
	// properties reached by many.
	scr.props = []statespace.Property[scrState]{
		sometimes("multiple of 97", func(s *scrState) bool { return s.V%97 == 0 && s.V > 0 }),
		always("not 3 mod 1000", func(s *scrState) bool { return s.V%1000 != 3 }),
		sometimes("never", func(s *scrState) bool { return s.V >= scr.size }),
	}
	r = sameForAllWorkers(t, "scramble, properties", checker[scrState](scr), statespace.Options{NoDeadlock: true})
	if r.Violation == nil || r.Violation.Property != "not 3 mod 1000" || r.Violation.Length() < 2 {
		t.Errorf("scramble: violation %+v, want not 3 mod 1000 after a few steps", r.Violation)
	}
	sameForAllWorkers(t, "scramble, max depth", checker[scrState](scr), statespace.Options{NoDeadlock: true, MaxDepth: 6, Only: []string{"multiple of 97", "never"}})

	// Wide levels: several rounds per level.
	c := cube{bits: 16, props: []statespace.Property[cubeState]{
		always("fewer than 9 bits", func(s *cubeState) bool { return s.V&0xff != 0xff || s.V>>8 == 0 }),
	}}
	r = sameForAllWorkers(t, "cube 16", checker[cubeState](c), statespace.Options{})
	if r.Violation == nil || r.Violation.Length() != 9 {
		t.Errorf("cube 16: violation %+v, want one of length 9", r.Violation)
	}
	sameForAllWorkers(t, "cube 16 complete", checker[cubeState](cube{bits: 16}), statespace.Options{})
	sameForAllWorkers(t, "symmetric counters", checker[countersState](symCounters{counters{n: 4, k: 9}}), statespace.Options{})
	sameForAllWorkers(t, "locks", checker[lockState](locks{opposite: true}), statespace.Options{})
}

// Workers 0 means one worker per GOMAXPROCS, with the same results.
func TestDefaultWorkers(t *testing.T) {
	m := scramble{seed: 5, size: 20000, k: 3, inits: []uint32{1}}
	r0 := mustCheck(t, m, statespace.Options{})
	r1 := mustCheck(t, m, statespace.Options{Workers: 1})
	if r0.Stats.Workers != runtime.GOMAXPROCS(0) {
		t.Errorf("Stats.Workers = %d, want GOMAXPROCS = %d", r0.Stats.Workers, runtime.GOMAXPROCS(0))
	}
	if a, b := summary(r0), summary(r1); a != b {
		t.Errorf("default workers:\n%s\nworkers 1:\n%s", a, b)
	}
}

// The liveness pass builds its graph with every worker and numbers it as
// one sequential search would: verdicts, lassos (the same states, actions
// and loop start) and the size of the graph are the same for any number
// of workers, on a graph of many wide levels, in fingerprint and
// full-state mode.
func TestLivenessIsTheSameForAnyWorkers(t *testing.T) {
	m := scramble{seed: 3, size: 120000, k: 4, inits: []uint32{5, 99999, 5}, props: []statespace.Property[scrState]{
		{Name: "reaches a multiple of 1000", Expectation: statespace.Eventually,
			Holds: func(s *scrState) bool { return s.V%1000 == 0 }},
		{Name: "odd is followed by small", Expectation: statespace.Eventually,
			Holds:   func(s *scrState) bool { return s.V < 60000 },
			Trigger: func(s *scrState) bool { return s.V%2 == 1 }},
		{Name: "anything is followed by anything", Expectation: statespace.Eventually,
			Holds: func(s *scrState) bool { return true }},
	}}
	for _, opt := range []statespace.Options{{NoDeadlock: true}, {NoDeadlock: true, FullState: true}} {
		var stats string
		r := sameForAllWorkers(t, "scramble, liveness", func(o statespace.Options) (*statespace.Result, error) {
			r, err := statespace.Check(statespace.Model[scrState](m), o)
			if err == nil {
				s := fmt.Sprintf("%d states, %d edges", r.Stats.LivenessStates, r.Stats.LivenessTransitions)
				if stats != "" && s != stats {
					t.Errorf("full state %v, workers %d: liveness graph of %s, with fewer workers %s", o.FullState, o.Workers, s, stats)
				}
				stats = s
			}
			return r, err
		}, opt)
		verdicts := map[string]string{}
		for _, p := range r.Properties {
			verdicts[p.Name] = p.Verdict
			if p.Verdict == "violated" && (p.Trace == nil || p.Trace.Loop < 0) {
				t.Errorf("%s violated without a lasso", p.Name)
			}
		}
		if verdicts["reaches a multiple of 1000"] != "violated" || verdicts["anything is followed by anything"] != "holds" || r.Stats.LivenessStates < 50000 {
			t.Errorf("full state %v: verdicts %v on a liveness graph of %s; want a lasso, a property that holds, a sizeable graph", opt.FullState, verdicts, stats)
		}
	}
}
