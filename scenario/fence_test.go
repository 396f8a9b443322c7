package scenario

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestFenceScenariosAreRegistered: every model/fence scenario is in the
// CLI as fence-<name>, and the rule parameter reaches the model.
func TestFenceScenariosAreRegistered(t *testing.T) {
	reg := Builtin()
	for _, sc := range fence.Scenarios() {
		if _, err := reg.Lookup("fence-" + sc.Name); err != nil {
			t.Errorf("%v", err)
		}
	}
	s, err := reg.Lookup("fence-replace-6.12")
	if err != nil {
		t.Fatal(err)
	}
	for rule, want := range map[string]statespace.Status{"6.12": statespace.StatusOK, "pre-2022": statespace.StatusViolation} {
		v, err := s.Parse([]string{"rule=" + rule})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Check(v, statespace.Options{Workers: 1})
		if err != nil || r.Status != want {
			t.Errorf("rule=%s: %v %v, want %s", rule, err, r.Status, want)
		}
	}
}

// TestFenceSymmetryParameter: a fence scenario with interchangeable
// importers takes symmetry=true|false (on by default); the reduced check
// agrees with the unreduced one on every verdict, and a trace of the
// reduced check (a path of canonical states) replays through the
// scenario's Replay, as `check replay` does. Scenarios whose importers all
// differ have no symmetry parameter.
func TestFenceSymmetryParameter(t *testing.T) {
	reg := Builtin()
	for _, sc := range fence.Scenarios() {
		s, _ := reg.Lookup("fence-" + sc.Name)
		has := false
		for _, p := range s.Params {
			has = has || p.Name == "symmetry" && p.Default == "true"
		}
		if has != (sc.Name == "three-writers") {
			t.Errorf("fence-%s: symmetry parameter %v", sc.Name, has)
		}
	}
	s, err := reg.Lookup("fence-three-writers")
	if err != nil {
		t.Fatal(err)
	}
	results := map[bool]*statespace.Result{}
	for _, sym := range []bool{false, true} {
		v, err := s.Parse([]string{"symmetry=" + map[bool]string{false: "false", true: "true"}[sym]})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Check(v, statespace.Options{Workers: 2, Only: []string{fence.Monotonicity, fence.JobWaitedForDep, fence.CPUWaitedForFence}})
		if err != nil || r.Status != statespace.StatusOK {
			t.Fatalf("symmetry=%v: %v %v", sym, err, r.Status)
		}
		results[sym] = r
		for _, p := range r.Properties {
			if p.Trace == nil {
				continue
			}
			var steps []statespace.ReplayStep
			for _, st := range p.Trace.Steps {
				steps = append(steps, statespace.ReplayStep{Action: st.Action, Label: st.Label, Fingerprint: st.Fingerprint})
			}
			if _, err := s.Replay(v, p.Trace.InitIndex, steps, p.Name, -1); err != nil {
				t.Errorf("symmetry=%v: the example of %s does not replay: %v", sym, p.Name, err)
			}
		}
	}
	a, b := results[false], results[true]
	if a.Stats.States != 692310 || b.Stats.States != 115773 {
		t.Errorf("%d states unreduced, %d reduced; want 692310 and 115773 (exact reduction: one state per orbit)", a.Stats.States, b.Stats.States)
	}
	for i := range a.Properties {
		if a.Properties[i].Verdict != b.Properties[i].Verdict {
			t.Errorf("%s: %s unreduced, %s reduced", a.Properties[i].Name, a.Properties[i].Verdict, b.Properties[i].Verdict)
		}
	}
}
