package fence

import (
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

type safetyOnly struct{ *Model }

func (w safetyOnly) Properties() []statespace.Property[State] {
	var out []statespace.Property[State]
	for _, p := range w.Model.Properties() {
		if p.Expectation != statespace.Eventually {
			out = append(out, p)
		}
	}
	return out
}
func (w safetyOnly) ValidEnd(s *State) bool               { return w.Model.ValidEnd(s) }
func (w safetyOnly) Describe(s *State) []statespace.Field { return w.Model.Describe(s) }

func TestZZExplore(t *testing.T) {
	for _, sc := range Scenarios() {
		m, err := New(sc.Config)
		if err != nil {
			t.Fatal(sc.Name, err)
		}
		start := time.Now()
		r, err := statespace.Check[State](safetyOnly{m}, statespace.Options{})
		if err != nil {
			t.Fatal(sc.Name, err)
		}
		v := ""
		if r.Violation != nil {
			v = r.Violation.Property + " " + string(r.Violation.Kind)
			if r.Violation.Trace != nil {
				v += " len " + itoa(r.Violation.Length())
			}
		}
		t.Logf("%-28s %-10s states %8d depth %3d %v  %s", sc.Name, r.Status, r.Stats.States, r.Stats.MaxDepth, time.Since(start).Round(time.Millisecond), v)
		for _, p := range r.Properties {
			if p.Verdict != "holds" && p.Verdict != "reached" {
				t.Logf("    %s: %s", p.Name, p.Verdict)
			}
		}
		if r.Violation != nil && r.Violation.Trace != nil && testing.Verbose() {
			t.Logf("\n%s", r.Violation.Trace)
			if r.Violation.Kind == statespace.KindDeadlock {
				last := r.Violation.Trace.Steps[len(r.Violation.Trace.Steps)-1]
				_ = last
			}
		}
		if vac := r.Stats.Vacuous(); len(vac) > 0 && r.Status == statespace.StatusOK {
			t.Logf("    vacuous: %v", vac)
		}
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
