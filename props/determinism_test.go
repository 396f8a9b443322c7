package props_test

import (
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// (statespace package doc) on the DMA-buf model: with 1, 2 or 5 workers a
// scenario gives the same distinct states, transitions, maximum depth,
// verdicts, action statistics and the same shortest counterexample. The
// review's traces (docs/design-review.md) are quoted from single runs, so
// they must not change with the machine's core count.
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, name := range []string{"today", "today-wait-first-2lines", "device-sync", "dma-api-maintenance"} {
		t.Run(name, func(t *testing.T) {
			c := checked(t, scenario(t, name).Config)
			var ref *statespace.Result
			for _, w := range []int{1, 2, 5} {
				r := run(t, c, statespace.Options{Workers: w})
				if r.Stats.Workers != w {
					t.Errorf("workers %d: the run used %d workers", w, r.Stats.Workers)
				}
				if ref == nil {
					ref = r
					t.Logf("%s: %s, %d states, %d transitions, depth %d", name, r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
					continue
				}
				if r.Status != ref.Status || r.Stats.States != ref.Stats.States ||
					r.Stats.Transitions != ref.Stats.Transitions || r.Stats.MaxDepth != ref.Stats.MaxDepth {
					t.Errorf("workers %d: %s, %d states, %d transitions, depth %d; workers 1: %s, %d, %d, %d",
						w, r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth,
						ref.Status, ref.Stats.States, ref.Stats.Transitions, ref.Stats.MaxDepth)
				}
				if (r.Violation == nil) != (ref.Violation == nil) {
					t.Fatalf("workers %d: violation %v, workers 1: %v", w, r.Violation, ref.Violation)
				}
				if v, rv := r.Violation, ref.Violation; v != nil {
					if v.Property != rv.Property || v.Kind != rv.Kind {
						t.Errorf("workers %d: violation of %s (%s), workers 1: %s (%s)", w, v.Property, v.Kind, rv.Property, rv.Kind)
					}
					if !slices.Equal(labels(v.Trace), labels(rv.Trace)) {
						t.Errorf("workers %d: counterexample\n%q\nworkers 1:\n%q", w, labels(v.Trace), labels(rv.Trace))
					}
				}
				for i, p := range r.Properties {
					q := ref.Properties[i]
					if p.Name != q.Name || p.Verdict != q.Verdict || !slices.Equal(labels(p.Trace), labels(q.Trace)) {
						t.Errorf("workers %d: property %s %s %q; workers 1: %s %s %q", w, p.Name, p.Verdict, labels(p.Trace), q.Name, q.Verdict, labels(q.Trace))
					}
				}
				for i, a := range r.Stats.Actions {
					if a != ref.Stats.Actions[i] {
						t.Errorf("workers %d: action stats %+v; workers 1: %+v", w, a, ref.Stats.Actions[i])
					}
				}
			}
		})
	}
}

func labels(tr *statespace.Trace) []string {
	if tr == nil {
		return nil
	}
	return tr.Labels()
}
