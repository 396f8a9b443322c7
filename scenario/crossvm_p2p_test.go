package scenario

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestCrossVMAndP2PScenariosAreRegistered: every model/crossvm and
// model/p2p scenario is in the CLI as crossvm-<name> / p2p-<name>, and the
// frames and lines parameters reach the model.
func TestCrossVMAndP2PScenariosAreRegistered(t *testing.T) {
	reg := Builtin()
	for _, sc := range crossvm.Scenarios() {
		if _, err := reg.Lookup("crossvm-" + sc.Name); err != nil {
			t.Errorf("%v", err)
		}
	}
	for _, sc := range p2p.Scenarios() {
		if _, err := reg.Lookup("p2p-" + sc.Name); err != nil {
			t.Errorf("%v", err)
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
