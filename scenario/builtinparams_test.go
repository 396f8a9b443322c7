package scenario

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A built-in's parameters reach its world: fence-replace-6.12's rule
// decides the verdict (dma_resv_add_fence before a3f7c10a269d loses a
// fence), and more frames or lines give more states.
func TestBuiltinParametersReachTheWorld(t *testing.T) {
	reg := Builtin()
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
	for _, tc := range []struct{ name, small, large string }{
		{"crossvm-hyper-dmabuf-acked", "frames=1", "frames=2"},
		{"p2p-apu-redirect", "lines=1", "lines=2"},
	} {
		s, err := reg.Lookup(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		var states [2]uint64
		for i, set := range []string{tc.small, tc.large} {
			v, err := s.Parse([]string{set})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Check(v, statespace.Options{Workers: 1})
			if err != nil || r.Status != statespace.StatusOK {
				t.Fatalf("%s %s: %v %v", tc.name, set, err, r.Status)
			}
			states[i] = r.Stats.States
		}
		if states[0] >= states[1] {
			t.Errorf("%s: %s gives %d states, %s %d; want more with the larger setting", tc.name, tc.small, states[0], tc.large, states[1])
		}
	}
}

// A built-in whose world declares a symmetry takes symmetry=true|false
// (on by default): the reduced check agrees with the unreduced one on
// every verdict and shortest length, with fewer states, and a trace of the
// reduced check (a path of canonical states) replays through the
// scenario's Replay, as check replay does.
func TestBuiltinSymmetryParameter(t *testing.T) {
	s, err := Builtin().Lookup("today-three-isps")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := s.Param("symmetry"); !ok || p.Default != "true" {
		t.Fatalf("today-three-isps: symmetry parameter %+v", p)
	}
	for _, prop := range []string{"no-stale-read", "no-lost-write", "device-reads-cpu-write"} {
		type outcome struct {
			verdict string
			length  int
			states  uint64
		}
		var got [2]outcome
		for i, set := range []string{"symmetry=false", "symmetry=true"} {
			v, err := s.Parse([]string{set, "writes=1"})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Check(v, statespace.Options{Workers: 2, Only: []string{prop}})
			if err != nil {
				t.Fatal(err)
			}
			verdict, length := Verdict(r, prop)
			got[i] = outcome{verdict, length, r.Stats.States}
			var tr *statespace.Trace
			if r.Violation != nil {
				tr = r.Violation.Trace
			} else {
				for _, p := range r.Properties {
					if p.Name == prop {
						tr = p.Trace
					}
				}
			}
			if tr == nil {
				continue
			}
			var steps []statespace.ReplayStep
			for _, st := range tr.Steps {
				steps = append(steps, statespace.ReplayStep{Action: st.Action, Label: st.Label, Fingerprint: st.Fingerprint})
			}
			if _, err := s.Replay(v, tr.InitIndex, steps, prop, -1); err != nil {
				t.Errorf("%s: the trace of %s does not replay: %v", set, prop, err)
			}
		}
		if got[0].verdict != got[1].verdict || got[0].length != got[1].length || got[1].states >= got[0].states {
			t.Errorf("%s: unreduced %+v, reduced %+v", prop, got[0], got[1])
		}
	}
}
