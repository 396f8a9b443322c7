package statespace_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// explainedGrid is the grid with an Explainer: it says where each step
// went and, for the violation, the path's length.
type explainedGrid struct{ grid }

func (g explainedGrid) Explain(property string, path []gridState, acts []statespace.Action) statespace.Explanation {
	e := statespace.Explanation{Violation: fmt.Sprintf("%s: %d steps to (%d,%d)", property, len(acts), path[len(path)-1].X, path[len(path)-1].Y)}
	e.Steps = make([]statespace.StepNote, len(path))
	for i := 1; i < len(path); i++ {
		e.Steps[i].Observed = fmt.Sprintf("at (%d,%d)", path[i].X, path[i].Y)
		if acts[i-1] == 1 {
			e.Steps[i].Messages = []statespace.Message{{From: "x", To: "y", Text: "up"}}
		}
	}
	return e
}

// The model's explanation reaches the counterexample of a search (either
// storage mode, any workers), of a swarm, and of a replay.
func TestExplainerAnnotatesCounterexamples(t *testing.T) {
	g := explainedGrid{grid{n: 3, m: 3, props: []statespace.Property[gridState]{
		always("not-corner", func(s *gridState) bool { return s.X+s.Y < 3 })}}}
	check := func(what string, tr *statespace.Trace) {
		t.Helper()
		if tr == nil {
			t.Fatalf("%s: no trace", what)
		}
		last := tr.Steps[len(tr.Steps)-1]
		want := fmt.Sprintf("not-corner: 3 steps to (%s)", last.State[0].Value+","+last.State[1].Value)
		if tr.Explanation != want {
			t.Errorf("%s: explanation %q, want %q", what, tr.Explanation, want)
		}
		for i, st := range tr.Steps[1:] {
			if st.Observed == "" || (st.Action == 1) != (len(st.Messages) == 1) {
				t.Errorf("%s: step %d: observed %q, messages %v", what, i+1, st.Observed, st.Messages)
			}
		}
	}
	for _, opt := range []statespace.Options{{Workers: 1}, {Workers: 3}, {FullState: true}} {
		r, err := statespace.Check[gridState](g, opt)
		if err != nil || r.Violation == nil {
			t.Fatalf("%+v: %v %v", opt, err, r)
		}
		check(fmt.Sprintf("%+v", opt), r.Violation.Trace)
		var steps []statespace.ReplayStep
		for _, s := range r.Violation.Trace.Steps {
			steps = append(steps, statespace.ReplayStep{Action: s.Action, Label: s.Label, Fingerprint: s.Fingerprint})
		}
		tr, err := statespace.Replay[gridState](g, 0, steps, "not-corner", -1)
		if err != nil {
			t.Fatal(err)
		}
		check("replay", tr)
	}
	r, err := statespace.Swarm[gridState](g, statespace.SwarmOptions{Shard: 1, Shards: 1, Seed: 1, Walks: 10, Depth: 10, Workers: 1})
	if err != nil || r.Violation == nil {
		t.Fatalf("swarm: %v %v", err, r)
	}
	check("swarm", r.Violation.Trace)
}
