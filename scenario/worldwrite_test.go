package scenario

import (
	"testing"

	dmamodel "github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// writeAndReadBack writes spec as a world file and reads it back: the
// scenario read, its values, the world written and the file's text.
func writeAndReadBack(t *testing.T, spec world.Spec, description string) (*Scenario, Values, *world.Model, []byte) {
	t.Helper()
	text, err := WorldYAML(spec, description, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, v, _, err := ParseFile(Builtin(), spec.Name+".yaml", text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	return back, v, m, text
}

// sameResult fails when two runs differ in status, states, transitions,
// violated property or counterexample length.
func sameResult(t *testing.T, what string, got, want *statespace.Result, text []byte) {
	t.Helper()
	if got.Status != want.Status || got.Stats.States != want.Stats.States || got.Stats.Transitions != want.Stats.Transitions ||
		(got.Violation == nil) != (want.Violation == nil) ||
		got.Violation != nil && (got.Violation.Property != want.Violation.Property || got.Violation.Length() != want.Violation.Length()) {
		t.Fatalf("%s: read back %s %d states %d transitions; written %s %d states %d transitions\n%s",
			what, got.Status, got.Stats.States, got.Stats.Transitions, want.Status, want.Stats.States, want.Stats.Transitions, text)
	}
}

// roundTripOnce is a round trip checked in one run of every property.
func roundTripOnce(t *testing.T, spec world.Spec, description string) {
	t.Helper()
	back, v, m, text := writeAndReadBack(t, spec, description)
	opt := statespace.Options{Workers: 1}
	want, err := world.Check(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Check(v, opt)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "every property", got, want, text)
}

// TestWorldFilesRoundTripTheCacheScenarios: every cache-model scenario,
// as a world, written as a world file and read back, is the same world:
// the same states, transitions and verdict.
func TestWorldFilesRoundTripTheCacheScenarios(t *testing.T) {
	for _, sc := range dmamodel.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			spec, err := world.FromCacheConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			roundTripOnce(t, spec, sc.Description)
		})
	}
}

// TestWorldFilesRoundTripTheFenceScenarios: the same for every fence-model
// scenario.
func TestWorldFilesRoundTripTheFenceScenarios(t *testing.T) {
	for _, sc := range fence.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			spec, err := world.FromFenceConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			roundTripOnce(t, spec, sc.Description)
		})
	}
}
