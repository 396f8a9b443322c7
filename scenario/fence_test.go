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
