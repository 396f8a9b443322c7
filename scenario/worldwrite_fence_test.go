package scenario

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestWorldFilesRoundTripTheFenceScenarios: every fence-model scenario,
// as a world, written as a world file and read back, is the same world:
// the same states, transitions and verdict.
func TestWorldFilesRoundTripTheFenceScenarios(t *testing.T) {
	for _, sc := range fence.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			spec, err := world.FromFenceConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			text, err := WorldYAML(spec, sc.Description, nil)
			if err != nil {
				t.Fatal(err)
			}
			back, v, _, err := ParseFile(Builtin(), sc.Name+".yaml", text)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			m, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			opt := statespace.Options{Workers: 1}
			want, err := world.Check(m, opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.Check(v, opt)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status || got.Stats.States != want.Stats.States || got.Stats.Transitions != want.Stats.Transitions ||
				(got.Violation == nil) != (want.Violation == nil) || got.Violation != nil && got.Violation.Length() != want.Violation.Length() {
				t.Fatalf("read back: %s %d states %d transitions; written: %s %d states %d transitions\n%s",
					got.Status, got.Stats.States, got.Stats.Transitions, want.Status, want.Stats.States, want.Stats.Transitions, text)
			}
		})
	}
}
