package german

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// asRules declares m's rules with statespace.Rules over the same packed
// State, each instance's guard and effect the hand-written ones: the
// difference between the two is the rule helper's own cost (one guard call
// per instance instead of one decoded pass over the nodes).
func asRules(m *Model) *statespace.Rules[State] {
	r := new(statespace.Rules[State]).Start(m.Init()...)
	for a, in := range m.table {
		r.Rule(m.names[a], func(s *State) bool { return m.guard(s, in) },
			func(s *State) { *s = m.Step(s, statespace.Action(a)) })
	}
	for _, p := range m.Properties() {
		r.Property(p)
	}
	return r
}

func TestRulesHelperGivesTheSameSearch(t *testing.T) {
	m, err := New(3)
	if err != nil {
		t.Fatal(err)
	}
	h, err := statespace.Check(m, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := statespace.Check(asRules(m), statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Stats.Actions) != fmt.Sprint(h.Stats.Actions) || r.Stats.States != h.Stats.States {
		t.Errorf("rules: %d states %v\nhand-written: %d states %v", r.Stats.States, r.Stats.Actions, h.Stats.States, h.Stats.Actions)
	}
}

// BenchmarkRulesHelper compares, in one run, the hand-written Actions and
// the rule helper on the same packed state, e.g.
//
//	go test ./refmodels/german -run XXX -bench RulesHelper -benchtime 3x -count 3
func BenchmarkRulesHelper(b *testing.B) {
	m, err := New(4)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    statespace.Model[State]
	}{{"hand-written", m}, {"rules", asRules(m)}} {
		b.Run(tc.name, func(b *testing.B) {
			var r *statespace.Result
			for b.Loop() {
				if r, err = statespace.Check(tc.m, statespace.Options{Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Stats.States)/(b.Elapsed().Seconds()/float64(b.N)), "states/s")
		})
	}
}
