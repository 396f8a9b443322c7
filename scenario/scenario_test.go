package scenario

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func TestBuiltinScenariosHaveValidDefaults(t *testing.T) {
	reg := Builtin()
	if len(reg.All()) < 2 {
		t.Fatalf("only %d scenarios", len(reg.All()))
	}
	for _, s := range reg.All() {
		if s.Description == "" || strings.Contains(s.Name, " ") {
			t.Errorf("scenario %q: needs a one-word name and a description", s.Name)
		}
		if _, err := s.Parse(nil); err != nil {
			t.Errorf("scenario %s: defaults do not parse: %v", s.Name, err)
		}
	}
}

func TestParseFillsDefaultsAndLaterSettingsWin(t *testing.T) {
	s, err := Builtin().Lookup("dmabuf-bench")
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Parse([]string{"importers=4", "importers=5", "bad=1"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Int("importers") != 5 || !v.Bool("bad") || v.String() != "importers=5 bad=true" {
		t.Errorf("got %s", v)
	}
}

func TestScenarioChecksItsModel(t *testing.T) {
	s, _ := Builtin().Lookup("german")
	v, _ := s.Parse([]string{"nodes=1"})
	res, err := s.Check(v, statespace.Options{Workers: 1})
	if err != nil || res.Status != statespace.StatusOK || res.Stats.States == 0 {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestDuplicateRegistrationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic on a duplicate scenario name")
		}
	}()
	r := &Registry{}
	r.Add(&Scenario{Name: "x"})
	r.Add(&Scenario{Name: "x"})
}
