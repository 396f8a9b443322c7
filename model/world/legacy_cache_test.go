package world_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// verdict is what a run says of one property: its status, the kind of
// violation and the length of the shortest counterexample, and the size of
// the state graph when the search was exhaustive.
type verdict struct {
	Status             statespace.Status
	Kind               statespace.Kind
	Length             int
	States, Transition uint64
}

func (v verdict) String() string {
	return fmt.Sprintf("%s %s len=%d states=%d transitions=%d", v.Status, v.Kind, v.Length, v.States, v.Transition)
}

func verdictOf(t *testing.T, r *statespace.Result, err error) verdict {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	v := verdict{Status: r.Status}
	if r.Violation != nil {
		v.Kind = r.Violation.Kind
		v.Length = r.Violation.Length()
	}
	if r.Status == statespace.StatusOK || r.Violation != nil && r.Violation.Kind == statespace.KindUnreachable {
		v.States, v.Transition = r.Stats.States, r.Stats.Transitions
	}
	return v
}

// sameVerdicts is the differential test of one scenario: the earlier
// model old and its world w, checked property by property (each of names
// on its own, and deadlock), give the same verdict, kind and shortest
// length, and the same states and transitions where the search is
// exhaustive.
func sameVerdicts[S comparable](t *testing.T, old statespace.Model[S], w *world.Model, names []string) {
	t.Helper()
	for _, p := range append([]string{statespace.DeadlockProperty}, names...) {
		opt := statespace.Options{Only: []string{p}}
		r, err := statespace.Check(old, opt)
		want := verdictOf(t, r, err)
		r, err = world.Check(w, opt)
		got := verdictOf(t, r, err)
		if got != want {
			t.Errorf("%s: world %v, earlier model %v", p, got, want)
		}
	}
}

// propertyNames are the names of a model's properties.
func propertyNames[S comparable](m statespace.Model[S]) []string {
	var out []string
	for _, p := range m.Properties() {
		out = append(out, p.Name)
	}
	return out
}

// cacheConfigs are the earlier cache model's built-in scenarios, plus the
// parameter settings its tests and the README use (two lines, three
// writes).
func cacheConfigs() []model.Scenario {
	out := model.Scenarios()
	for _, name := range []string{"today", "device-sync"} {
		sc, _ := model.ScenarioByName(name)
		sc.Name += "/lines=2,writes=3"
		sc.Config.Lines, sc.Config.Writes = 2, 3
		out = append(out, sc)
	}
	return out
}

// TestWorldGivesTheCacheModelsVerdicts is the differential test of the
// migration: every scenario of the earlier cache-and-ownership model,
// re-expressed as a world, gives the same verdict for every property
// (and for deadlock), the same shortest-counterexample length, and, where
// the search is exhaustive, the same number of states and transitions.
func TestWorldGivesTheCacheModelsVerdicts(t *testing.T) {
	names := append([]string{statespace.DeadlockProperty}, props.NoStaleRead, props.NoLostWrite, props.MappingDiscipline,
		props.NoUseAfterFree, props.DMAAPIDiscipline, props.BeginEndPairing, props.DeviceSeesCPU, props.CPUSeesDevice, props.AllAttached)
	for _, sc := range cacheConfigs() {
		t.Run(sc.Name, func(t *testing.T) {
			old, err := model.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromCacheConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range names {
				opt := statespace.Options{Only: []string{p}}
				r, err := statespace.Check[model.State](props.Check(old), opt)
				want := verdictOf(t, r, err)
				r, err = world.Check(w.Unreduced(), opt)
				got := verdictOf(t, r, err)
				if got != want {
					t.Errorf("%s: world %v, earlier model %v", p, got, want)
				}
			}
		})
	}
}
