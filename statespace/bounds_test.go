package statespace_test

import (
	"context"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// MaxStates stops the run as incomplete, with exactly that many states
// stored, when the space does not fit; a bound at or above the state count
// leaves the run complete.
func TestMaxStatesBound(t *testing.T) {
	m := cube{bits: 12} // 4096 states
	for _, bound := range []uint64{1, 2, 10, 100, 4000, 4095} {
		r := mustCheck(t, m, statespace.Options{MaxStates: bound})
		if r.Status != statespace.StatusIncomplete || r.Incomplete != "max states" {
			t.Errorf("MaxStates %d: status %s %q, want incomplete max states", bound, r.Status, r.Incomplete)
		}
		if r.Stats.States != bound {
			t.Errorf("MaxStates %d: %d states stored, want exactly the bound", bound, r.Stats.States)
		}
	}
	statespacetest.AssertHolds(t, m, statespace.Options{MaxStates: 4096})
	statespacetest.AssertHolds(t, m, statespace.Options{MaxStates: 4097})
	statespacetest.AssertHolds(t, m, statespace.Options{MaxStates: 1 << 40})
}

// A model whose whole space lies within the depth bound is complete; one
// with states beyond it is incomplete with Incomplete == "max depth".
func TestMaxDepthBound(t *testing.T) {
	// A chain 0..5 that wraps around: depth 5, and its deepest state has a
	// successor (the initial state), which must not count as beyond.
	m := chain{limit: 5, wrap: true}
	for _, d := range []int{5, 6, 100} {
		r := statespacetest.AssertHolds(t, m, statespace.Options{MaxDepth: d})
		if r.Stats.States != 6 || r.Stats.MaxDepth != 5 {
			t.Errorf("MaxDepth %d: %d states, depth %d; want 6, 5", d, r.Stats.States, r.Stats.MaxDepth)
		}
	}
	for d := 1; d < 5; d++ {
		r := mustCheck(t, m, statespace.Options{MaxDepth: d})
		if r.Status != statespace.StatusIncomplete || r.Incomplete != "max depth" {
			t.Errorf("MaxDepth %d: status %s %q, want incomplete max depth", d, r.Status, r.Incomplete)
		}
		if r.Stats.States != uint64(d+1) || r.Stats.MaxDepth != d {
			t.Errorf("MaxDepth %d: %d states, depth %d; want %d, %d", d, r.Stats.States, r.Stats.MaxDepth, d+1, d)
		}
	}
	// A grid whose corner is exactly at the bound.
	statespacetest.AssertHolds(t, grid{n: 3, m: 4}, statespace.Options{MaxDepth: 7})
	r := mustCheck(t, grid{n: 3, m: 4}, statespace.Options{MaxDepth: 6})
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "max depth" || r.Stats.States != 19 {
		t.Errorf("grid at depth 6: %s %q %d states, want incomplete max depth 19 states", r.Status, r.Incomplete, r.Stats.States)
	}
}

// A tiny memory budget stops the run as incomplete.
func TestMemoryBudgetBound(t *testing.T) {
	r := mustCheck(t, cube{bits: 14}, statespace.Options{MemoryBudget: 1})
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "memory budget" {
		t.Errorf("status %s %q, want incomplete memory budget", r.Status, r.Incomplete)
	}
	if r.Stats.States >= 1<<14 {
		t.Errorf("%d states: the budget did not stop the search", r.Stats.States)
	}
	statespacetest.AssertHolds(t, cube{bits: 8}, statespace.Options{MemoryBudget: 1 << 40})
}

// A cancelled context stops the run as incomplete ("interrupted").
func TestCancelledContextInterrupts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := mustCheck(t, cube{bits: 14}, statespace.Options{Context: ctx})
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "interrupted" {
		t.Errorf("status %s %q, want incomplete interrupted", r.Status, r.Incomplete)
	}
	if r.Stats.States >= 1<<14 {
		t.Errorf("%d states: the cancellation did not stop the search", r.Stats.States)
	}

	// Cancelled from the Progress callback in the middle of the run.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	r = mustCheck(t, cube{bits: 16}, statespace.Options{Context: ctx, Workers: 1, ProgressInterval: 1,
		Progress: func(p statespace.Progress) {
			if p.Depth >= 3 {
				cancel()
			}
		}})
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "interrupted" || r.Stats.States >= 1<<16 {
		t.Errorf("status %s %q with %d states, want incomplete interrupted", r.Status, r.Incomplete, r.Stats.States)
	}
}

// No bound ever yields StatusOK while reachable states are left
// unexplored: whenever the status is OK the counts are those of the full
// run, and otherwise the status is incomplete.
func TestBoundNeverClaimsOKWhenStatesAreLeft(t *testing.T) {
	models := map[string]func(statespace.Options) (*statespace.Result, error){
		"grid 6x4": func(o statespace.Options) (*statespace.Result, error) { return statespace.Check(grid{n: 6, m: 4}, o) },
		"cube 9":   func(o statespace.Options) (*statespace.Result, error) { return statespace.Check(cube{bits: 9}, o) },
		"chain 7 wrap": func(o statespace.Options) (*statespace.Result, error) {
			return statespace.Check(chain{limit: 7, wrap: true}, o)
		},
		"scramble": func(o statespace.Options) (*statespace.Result, error) {
			return statespace.Check(scramble{seed: 3, size: 600, k: 3, inits: []uint32{0}}, o)
		},
	}
	for name, run := range models {
		full, err := run(statespace.Options{NoDeadlock: true})
		if err != nil || full.Status != statespace.StatusOK {
			t.Fatalf("%s: %v %v", name, err, full.Status)
		}
		var opts []statespace.Options
		for d := 1; d <= full.Stats.MaxDepth+1; d++ {
			opts = append(opts, statespace.Options{MaxDepth: d})
		}
		total := full.Stats.States
		for n := uint64(1); n < total; n += 1 + n/3 {
			opts = append(opts, statespace.Options{MaxStates: n})
		}
		for _, n := range []uint64{total - 1, total, total + 1} {
			opts = append(opts, statespace.Options{MaxStates: n})
		}
		for _, o := range opts {
			for _, w := range []int{1, 3} {
				o.Workers, o.NoDeadlock = w, true
				r, err := run(o)
				if err != nil {
					t.Fatal(err)
				}
				switch r.Status {
				case statespace.StatusOK:
					if r.Stats.States != full.Stats.States || r.Stats.Transitions != full.Stats.Transitions {
						t.Errorf("%s %+v: OK with %d states %d transitions, full run has %d %d",
							name, o, r.Stats.States, r.Stats.Transitions, full.Stats.States, full.Stats.Transitions)
					}
				case statespace.StatusIncomplete:
					if r.Incomplete == "" {
						t.Errorf("%s %+v: incomplete without a reason", name, o)
					}
				default:
					t.Errorf("%s %+v: status %s", name, o, r.Status)
				}
				// A bound at or above the depth of the space keeps it complete.
				if o.MaxDepth >= full.Stats.MaxDepth && r.Status != statespace.StatusOK {
					t.Errorf("%s %+v: status %s %q, want ok: the space fits in the bound", name, o, r.Status, r.Incomplete)
				}
				if o.MaxStates > full.Stats.States && r.Status != statespace.StatusOK {
					t.Errorf("%s %+v: status %s %q, want ok: the space fits in the bound", name, o, r.Status, r.Incomplete)
				}
			}
		}
	}
}

// A violation found within a depth bound is reported as a violation.
func TestViolationWithinDepthBound(t *testing.T) {
	m := chain{limit: 100, props: []statespace.Property[chainState]{
		always("below 3", func(s *chainState) bool { return s.N < 3 }),
	}}
	for _, d := range []int{3, 4, 50} {
		r := mustCheck(t, m, statespace.Options{MaxDepth: d})
		checkViolation(t, r, "below 3", statespace.KindInvariant, 3)
	}
	r := mustCheck(t, m, statespace.Options{MaxDepth: 2})
	if r.Status != statespace.StatusIncomplete {
		t.Errorf("MaxDepth 2: status %s, want incomplete", r.Status)
	}
	// A deadlock at exactly the depth bound is found: the states at the
	// bound are checked.
	dl := noEnd[chainState]{chain{limit: 4}}
	checkViolation(t, mustCheck(t, dl, statespace.Options{MaxDepth: 4}), statespace.DeadlockProperty, statespace.KindDeadlock, 4)
	if r := mustCheck(t, dl, statespace.Options{MaxDepth: 3}); r.Status != statespace.StatusIncomplete {
		t.Errorf("deadlock beyond MaxDepth 3: status %s, want incomplete", r.Status)
	}
	// A state-count bound far from the violation does not hide it.
	checkViolation(t, mustCheck(t, m, statespace.Options{MaxStates: 50}), "below 3", statespace.KindInvariant, 3)
}

// A violation in a state the checker has examined is reported as a
// violation even when a bound trips in the same round: the bad state was
// checked before the search stopped.
func TestViolationFoundBeforeBoundIsReported(t *testing.T) {
	m := chain{limit: 100, props: []statespace.Property[chainState]{
		always("below 3", func(s *chainState) bool { return s.N < 3 }),
	}}
	// Storing N=4 (the successor of the bad state N=3) reaches the bound.
	t.Run("max states", func(t *testing.T) {
		r := mustCheck(t, m, statespace.Options{MaxStates: 5})
		checkViolation(t, r, "below 3", statespace.KindInvariant, 3)
	})
	// The initial state is bad; the context was cancelled before the run.
	t.Run("interrupted", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m := chain{limit: 100, props: []statespace.Property[chainState]{
			always("positive", func(s *chainState) bool { return s.N > 0 }),
		}}
		checkViolation(t, mustCheck(t, m, statespace.Options{Context: ctx}), "positive", statespace.KindInvariant, 0)
	})
	t.Run("memory budget", func(t *testing.T) {
		m := chain{limit: 100, props: []statespace.Property[chainState]{
			always("positive", func(s *chainState) bool { return s.N > 0 }),
		}}
		checkViolation(t, mustCheck(t, m, statespace.Options{MemoryBudget: 1}), "positive", statespace.KindInvariant, 0)
	})
	// A cover property reached in a checked state, likewise: reached, not
	// unknown.
	t.Run("sometimes", func(t *testing.T) {
		m := chain{limit: 100, props: []statespace.Property[chainState]{
			sometimes("zero", func(s *chainState) bool { return s.N == 0 }),
		}}
		r := mustCheck(t, m, statespace.Options{MaxStates: 1})
		if p := r.Properties[0]; p.Verdict != "reached" || p.Trace == nil || p.Trace.Len() != 0 {
			t.Errorf("zero: verdict %q, want reached in the initial state", p.Verdict)
		}
	})
	// A deadlock, likewise.
	t.Run("deadlock", func(t *testing.T) {
		r := mustCheck(t, noEnd[chainState]{chain{limit: 0}}, statespace.Options{MaxStates: 1})
		checkViolation(t, r, statespace.DeadlockProperty, statespace.KindDeadlock, 0)
	})
}
