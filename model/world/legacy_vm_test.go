package world_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// crossVMScenarios are the earlier cross-VM model's built-in scenarios at
// their default parameters, plus each at the other frame count (the one
// parameter its scenario registry exposes).
func crossVMScenarios() []crossvm.Scenario {
	out := crossvm.Scenarios()
	for _, sc := range crossvm.Scenarios() {
		sc.Config.Frames = 3 - sc.Config.Frames
		sc.Name += "/frames=" + string(rune('0'+sc.Config.Frames))
		out = append(out, sc)
	}
	return out
}

// TestWorldGivesTheCrossVMModelsVerdicts is the differential test of the
// vm family: every scenario of the earlier cross-VM model, re-expressed as
// a world, gives the same verdict for every one of its properties
// (safety, reachability and liveness) and for deadlock, the same length
// of the shortest counterexample (of the lasso, for liveness), and, where
// the search is exhaustive, the same number of states and transitions.
func TestWorldGivesTheCrossVMModelsVerdicts(t *testing.T) {
	for _, sc := range crossVMScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			old, err := crossvm.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromCrossVMConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			sameVerdicts[crossvm.State](t, old, w, propertyNames[crossvm.State](old))
		})
	}
}

// BenchmarkCrossVM measures states per second of the earlier cross-VM
// model and of its world on the biggest built-in scenario (an exhaustive
// search, one worker): go test ./model/world -run '^$' -bench CrossVM.
func BenchmarkCrossVM(b *testing.B) {
	sc, _ := crossvm.ScenarioByName("hyper-dmabuf-fire-and-forget")
	opt := statespace.Options{Only: []string{statespace.DeadlockProperty}, Workers: 1}
	report := func(b *testing.B, run func() (*statespace.Result, error)) {
		var states uint64
		for i := 0; i < b.N; i++ {
			r, err := run()
			if err != nil {
				b.Fatal(err)
			}
			states += r.Stats.States
		}
		b.ReportMetric(float64(states)/b.Elapsed().Seconds(), "states/s")
	}
	b.Run("old", func(b *testing.B) {
		m, err := crossvm.New(sc.Config)
		if err != nil {
			b.Fatal(err)
		}
		report(b, func() (*statespace.Result, error) { return statespace.Check[crossvm.State](m, opt) })
	})
	b.Run("world", func(b *testing.B) {
		spec, err := world.FromCrossVMConfig(sc.Name, sc.Config)
		if err != nil {
			b.Fatal(err)
		}
		w, err := world.Build(spec)
		if err != nil {
			b.Fatal(err)
		}
		report(b, func() (*statespace.Result, error) { return world.Check(w, opt) })
	})
}
