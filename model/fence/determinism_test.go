package fence_test

import (
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// on the fence model, liveness included: with 1, 2 or 5 workers a scenario
// gives the same states, transitions, depth, verdicts, action statistics
// and shortest counterexamples (docs/fences.md quotes them).
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, name := range []string{"implicit", "sync-file-roundtrip", "replace-pre2022", "sw-sync-indefinite"} {
		t.Run(name, func(t *testing.T) {
			m := newModel(t, scenario(t, name).Config)
			var ref *statespace.Result
			for _, w := range []int{1, 2, 5} {
				r := run(t, m, statespace.Options{Workers: w})
				if r.Stats.Workers != w {
					t.Errorf("workers %d: the run used %d", w, r.Stats.Workers)
				}
				if ref == nil {
					ref = r
					t.Logf("%s: %s, %d states, %d transitions, depth %d", name, r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
					continue
				}
				if r.Status != ref.Status || r.Stats.States != ref.Stats.States ||
					r.Stats.Transitions != ref.Stats.Transitions || r.Stats.MaxDepth != ref.Stats.MaxDepth {
					t.Errorf("workers %d: %s %d states %d transitions depth %d; workers 1: %s %d %d %d", w,
						r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth,
						ref.Status, ref.Stats.States, ref.Stats.Transitions, ref.Stats.MaxDepth)
				}
				if (r.Violation == nil) != (ref.Violation == nil) {
					t.Fatalf("workers %d: violation %v, workers 1: %v", w, r.Violation, ref.Violation)
				}
				if v, rv := r.Violation, ref.Violation; v != nil && (v.Property != rv.Property || !slices.Equal(labels(v.Trace), labels(rv.Trace))) {
					t.Errorf("workers %d: %s %q; workers 1: %s %q", w, v.Property, labels(v.Trace), rv.Property, labels(rv.Trace))
				}
				for i, p := range r.Properties {
					q := ref.Properties[i]
					if p.Name != q.Name || p.Verdict != q.Verdict || !slices.Equal(labels(p.Trace), labels(q.Trace)) {
						t.Errorf("workers %d: %s %s %q; workers 1: %s %s %q", w, p.Name, p.Verdict, labels(p.Trace), q.Name, q.Verdict, labels(q.Trace))
					}
				}
				if !slices.Equal(r.Stats.Actions, ref.Stats.Actions) {
					t.Errorf("workers %d: action statistics differ from workers 1", w)
				}
			}
		})
	}
}

// TestLivenessCounterexampleDoesNotDependOnWorkers: the lasso of the
// indefinite-fence scenario is the same for any number of workers.
func TestLivenessCounterexampleDoesNotDependOnWorkers(t *testing.T) {
	m := newModel(t, scenario(t, "sw-sync-indefinite").Config)
	prop := "fences-eventually-signal/gpu0#0"
	var ref *statespace.Trace
	for _, w := range []int{1, 2, 5} {
		pr := verdict(t, run(t, m, statespace.Options{Workers: w, Only: []string{prop}}), prop)
		if pr.Verdict != "violated" || pr.Trace == nil {
			t.Fatalf("workers %d: verdict %s", w, pr.Verdict)
		}
		if ref == nil {
			ref = pr.Trace
			continue
		}
		if !slices.Equal(labels(pr.Trace), labels(ref)) || pr.Trace.Loop != ref.Loop || pr.Trace.Stutter != ref.Stutter {
			t.Errorf("workers %d: lasso %q (loop %d), workers 1: %q (loop %d)", w, labels(pr.Trace), pr.Trace.Loop, labels(ref), ref.Loop)
		}
	}
}

func labels(tr *statespace.Trace) []string {
	if tr == nil {
		return nil
	}
	return tr.Labels()
}
