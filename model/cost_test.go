package model

import (
	"strings"
	"testing"
)

// The design review compares the correct designs by the cache maintenance
// they do on the same access pattern (StandardWorkload). The counts are
// pinned here so docs/design-review.md stays true; a change to the model
// that changes them must update both.
func TestMaintenanceCostOfTheCorrectDesigns(t *testing.T) {
	want := map[string]Ops{
		"today-wait-first":     {Cleans: 3, Invalidates: 2},
		"device-sync":          {Cleans: 3, Invalidates: 3},
		"map-per-access":       {Cleans: 3, Invalidates: 3},
		"dma-api-maintenance":  {Cleans: 6, Invalidates: 5, DeviceCacheOps: 34},
		"x86-i915-noncoherent": {Cleans: 6, Invalidates: 3},
	}
	for name, w := range want {
		sc, ok := ScenarioByName(name)
		if !ok {
			t.Fatalf("no scenario %s", name)
		}
		cfg := sc.Config
		cfg.Writes = 3
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ops, labels, err := m.Workload(StandardWorkload)
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, strings.Join(labels, "\n"))
			continue
		}
		if ops != w {
			t.Errorf("%s: %+v, want %+v", name, ops, w)
		}
	}
}

// A broken design breaks a property on the workload itself, and a design
// that rejects an importer cannot run it: both are reported, not counted.
func TestWorkloadReportsBrokenAndImpossibleDesigns(t *testing.T) {
	for name, want := range map[string]string{
		"gem-noncoherent":          "broke a property",
		"msm-sync-unmapped-direct": "broke a property",
		"dma-coherent-flag":        "isp cannot share the buffer",
	} {
		sc, _ := ScenarioByName(name)
		cfg := sc.Config
		cfg.Writes = 3
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Workload(StandardWorkload); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
	}
}
