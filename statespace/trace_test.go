package statespace_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// Trace.String shows the initial state in full and then, per step, the
// action and only the fields that changed.
func TestTraceStringShowsChangedFieldsOnly(t *testing.T) {
	m := grid{n: 3, m: 3, props: []statespace.Property[gridState]{
		sometimes("(1,1)", func(s *gridState) bool { return s.X == 1 && s.Y == 1 }),
	}}
	r := statespacetest.AssertHolds(t, m, statespace.Options{})
	tr := r.Properties[0].Trace
	if tr.Len() != 2 {
		t.Fatalf("trace of length %d, want 2", tr.Len())
	}
	want := "  0  initial state (Init()[0])\n       X = 0\n       Y = 0\n" +
		"  1  " + tr.Steps[1].Label + "\n       " + map[string]string{"right": "X", "up": "Y"}[tr.Steps[1].Label] + " = 1\n" +
		"  2  " + tr.Steps[2].Label + "\n       " + map[string]string{"right": "X", "up": "Y"}[tr.Steps[2].Label] + " = 1\n"
	if got := tr.String(); got != want {
		t.Errorf("Trace.String() =\n%s\nwant\n%s", got, want)
	}
	if l := tr.Labels(); len(l) != 2 || l[0] == l[1] {
		t.Errorf("labels %q, want one right and one up", l)
	}
}

// States are rendered by reflection, field by field with array indices
// and nested names, unless the model has a Describer.
func TestTraceStateRendering(t *testing.T) {
	r := statespacetest.AssertDiscovery(t, endLocks{locks{opposite: true}}, statespace.DeadlockProperty, 2, statespace.Options{})
	var names []string
	for _, f := range r.Violation.Trace.Steps[0].State {
		names = append(names, f.Name+"="+f.Value)
	}
	if got, want := strings.Join(names, " "), "PC[0]=0 PC[1]=0 Owner[0]=0 Owner[1]=0"; got != want {
		t.Errorf("reflected fields %q, want %q", got, want)
	}
	r = statespacetest.AssertDiscovery(t, chain{limit: 3, props: []statespace.Property[chainState]{
		always("small", func(s *chainState) bool { return s.N < 1 }),
	}}, "small", 1, statespace.Options{})
	if got := r.Violation.Trace.Steps[1].State; len(got) != 1 || got[0] != (statespace.Field{Name: "N", Value: "1"}) {
		t.Errorf("reflected fields %v, want N = 1", got)
	}
}

func TestChangedFields(t *testing.T) {
	before := []statespace.Field{{"a", "1"}, {"b", "2"}, {"c", "3"}}
	after := []statespace.Field{{"a", "1"}, {"b", "5"}, {"c", "3"}, {"d", "4"}}
	got := statespace.ChangedFields(before, after)
	if len(got) != 2 || got[0] != (statespace.Field{"b", "5"}) || got[1] != (statespace.Field{"d", "4"}) {
		t.Errorf("ChangedFields = %v, want [b=5 d=4]", got)
	}
	if got := statespace.ChangedFields(after, after); len(got) != 0 {
		t.Errorf("ChangedFields of equal states = %v", got)
	}
}

func TestExpectationString(t *testing.T) {
	if statespace.Always.String() != "always" || statespace.Sometimes.String() != "sometimes" || statespace.Expectation(9).String() != "unknown" {
		t.Errorf("Expectation strings: %s %s %s", statespace.Always, statespace.Sometimes, statespace.Expectation(9))
	}
}

// The derived rates are zero for an empty run and positive otherwise.
func TestStatsRates(t *testing.T) {
	var zero statespace.Stats
	if zero.StatesPerSecond() != 0 || zero.BytesPerState() != 0 {
		t.Errorf("empty stats: %g states/s, %g B/state", zero.StatesPerSecond(), zero.BytesPerState())
	}
	r := statespacetest.AssertHolds(t, cube{bits: 14}, statespace.Options{})
	if r.Stats.StatesPerSecond() <= 0 || r.Stats.BytesPerState() <= 0 || r.Stats.Duration <= 0 {
		t.Errorf("stats %+v: %g states/s, %g B/state", r.Stats, r.Stats.StatesPerSecond(), r.Stats.BytesPerState())
	}
	if r.Stats.TableBytes == 0 || r.Stats.HeapBytes == 0 || r.Stats.StateSize != 4 {
		t.Errorf("memory stats %+v", r.Stats)
	}
}
