package world_test

import (
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// p2pConfigs are the earlier p2p model's built-in scenarios, each also
// with the other number of lines (the scenarios' one parameter).
func p2pConfigs() []p2p.Scenario {
	var out []p2p.Scenario
	for _, sc := range p2p.Scenarios() {
		out = append(out, sc)
		other := sc
		other.Config.Lines = 3 - sc.Config.Lines
		other.Name += "/lines=" + string(rune('0'+other.Config.Lines))
		out = append(out, other)
	}
	return out
}

// TestWorldGivesTheP2PModelsVerdicts is the differential test of the p2p
// migration: every scenario of the earlier peer-to-peer model,
// re-expressed as a world, gives the same verdict for every property (and
// for deadlock), the same shortest-counterexample length, and, where the
// search is exhaustive, the same number of states and transitions.
func TestWorldGivesTheP2PModelsVerdicts(t *testing.T) {
	for _, sc := range p2pConfigs() {
		t.Run(sc.Name, func(t *testing.T) {
			old, err := p2p.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromP2PConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			sameVerdicts[p2p.State](t, old, w, propertyNames[p2p.State](old))
		})
	}
}

// BenchmarkP2PStates checks the largest p2p scenario (the APU treating its
// stolen BAR as VRAM, two lines) with one worker, in the earlier model and
// in the world, one after the other in each iteration so that both see the
// same load, and reports the states per second of each and their ratio.
func BenchmarkP2PStates(b *testing.B) {
	sc, _ := p2p.ScenarioByName("apu-bar-as-device-memory")
	sc.Config.Lines = 2
	opt := statespace.Options{Workers: 1, Only: []string{statespace.DeadlockProperty}}
	old, err := p2p.New(sc.Config)
	if err != nil {
		b.Fatal(err)
	}
	spec, err := world.FromP2PConfig(sc.Name, sc.Config)
	if err != nil {
		b.Fatal(err)
	}
	w, err := world.Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	var oldStates, worldStates uint64
	var oldTime, worldTime time.Duration
	timed := func(run func() (*statespace.Result, error), states *uint64, d *time.Duration) {
		start := time.Now()
		r, err := run()
		*d += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		*states += r.Stats.States
	}
	for range b.N {
		timed(func() (*statespace.Result, error) { return statespace.Check[p2p.State](old, opt) }, &oldStates, &oldTime)
		timed(func() (*statespace.Result, error) { return world.Check(w, opt) }, &worldStates, &worldTime)
	}
	oldRate := float64(oldStates) / oldTime.Seconds()
	worldRate := float64(worldStates) / worldTime.Seconds()
	b.ReportMetric(oldRate, "earlier-states/s")
	b.ReportMetric(worldRate, "world-states/s")
	b.ReportMetric(worldRate/oldRate, "world/earlier")
}
