package world_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// slowFenceScenarios take more than a few seconds on the earlier model
// when every property is checked on its own; the differential test skips
// them in -short mode.
var slowFenceScenarios = map[string]bool{"three-writers": true, "all-features": true, "implicit": true}

// fenceConfigs are the earlier fence model's built-in scenarios, and,
// unless short, the small ones again under each other replacement rule and
// seqno comparison (the registry's rule and compare parameters).
func fenceConfigs(short bool) []fence.Scenario {
	out := fence.Scenarios()
	if short {
		return out
	}
	for _, sc := range fence.Scenarios() {
		if slowFenceScenarios[sc.Name] {
			continue
		}
		for _, rule := range []fence.ReplaceRule{fence.Rule612, fence.RuleStrictLater, fence.RulePre2022} {
			for _, cmp := range []fence.Compare{fence.Wrap32, fence.Naive} {
				if rule == sc.Config.Rule && cmp == sc.Config.Compare {
					continue
				}
				v := sc
				v.Name = fmt.Sprintf("%s/rule=%s,compare=%s", sc.Name, rule, cmp)
				v.Config.Rule, v.Config.Compare = rule, cmp
				out = append(out, v)
			}
		}
	}
	return out
}

// TestWorldGivesTheFenceModelsVerdicts is the differential test of the
// fence family's migration: every built-in scenario of the earlier fence
// model, re-expressed as a world, gives the same verdict for every
// property (and for deadlock), the same shortest-counterexample length,
// and, where the search is exhaustive, the same number of states and
// transitions; one run of everything at once also gives the same verdicts
// and the same number of enabled transitions per action. The earlier model runs without symmetry reduction (the
// registry's fence-three-writers reduces by default; the world has no
// symmetry yet).
func TestWorldGivesTheFenceModelsVerdicts(t *testing.T) {
	for _, sc := range fenceConfigs(testing.Short()) {
		t.Run(sc.Name, func(t *testing.T) {
			old, err := fence.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromFenceConfig(sc.Name, sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			sameRun(t, old, w)
			sameVerdicts[fence.State](t, old, w, propertyNames[fence.State](old))
		})
	}
}

// cacheProps are the cache family's properties, which every world has.
var cacheProps = []string{world.NoStaleRead, world.NoLostWrite, world.MappingDiscipline, world.NoUseAfterFree,
	world.DMAAPIDiscipline, world.BeginEndPairing, world.DeviceSeesCPU, world.CPUSeesDevice, world.AllAttached}

// sameRun checks one run of everything at once: the world has exactly the
// earlier model's properties (besides the cache family's), with the same
// expectations and verdicts, and its actions, one for one, are enabled in
// as many states as the earlier model's (compared as multisets: the two
// tables list the actions in different orders).
func sameRun(t *testing.T, old *fence.Model, w *world.Model) {
	t.Helper()
	ro, err := statespace.Check[fence.State](old, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rw, err := world.Check(w, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	verdicts := func(r *statespace.Result) []string {
		var out []string
		for _, p := range r.Properties {
			if !slices.Contains(cacheProps, p.Name) {
				out = append(out, fmt.Sprintf("%s %v %s", p.Name, p.Expectation, p.Verdict))
			}
		}
		slices.Sort(out)
		return out
	}
	if got, want := verdicts(rw), verdicts(ro); !slices.Equal(got, want) {
		t.Errorf("properties:\nworld   %q\nearlier %q", got, want)
	}
	enabled := func(r *statespace.Result) []uint64 {
		var out []uint64
		for _, a := range r.Stats.Actions {
			out = append(out, a.Enabled)
		}
		slices.Sort(out)
		return out
	}
	if got, want := enabled(rw), enabled(ro); !slices.Equal(got, want) {
		t.Errorf("actions' enabled counts: world %v, earlier %v", got, want)
	}
}

// BenchmarkFenceThreeWriters compares the speed of the earlier fence
// model and the world on the biggest fence scenario, one full check each:
// go test ./model/world -run '^$' -bench FenceThreeWriters -benchtime 1x.
func BenchmarkFenceThreeWriters(b *testing.B) {
	sc, _ := fence.ScenarioByName("three-writers")
	b.Run("earlier", func(b *testing.B) {
		old, err := fence.New(sc.Config)
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			r, err := statespace.Check[fence.State](old, statespace.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.Stats.StatesPerSecond(), "states/s")
			b.ReportMetric(float64(r.Stats.States), "states")
		}
	})
	b.Run("world", func(b *testing.B) {
		spec, err := world.FromFenceConfig(sc.Name, sc.Config)
		if err != nil {
			b.Fatal(err)
		}
		w, err := world.Build(spec)
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			r, err := world.Check(w, statespace.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(r.Stats.StatesPerSecond(), "states/s")
			b.ReportMetric(float64(r.Stats.States), "states")
		}
	})
}
