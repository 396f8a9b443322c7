package pbt_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/pbt"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// Large configurations: the DMA-buf model at its limits, three importers
// (model.MaxDevices), two cache lines, three writes. Exhaustive search of
// the correct design below takes 7.6 million states and about 7 s on 2
// cores (only a soak runs it); that of large-wait-first-npu did not finish
// within 3 GB (more than 34 million states). The drivers sample each in
// about a second (docs/testing.md).

// waitFirst is today-wait-first's exporter: the system heap with the fence
// wait before the cache maintenance.
func waitFirst() model.Exporter {
	e := model.SystemHeap
	e.Name, e.WaitBeforeHook = "system-heap+wait-first", true
	return e
}

// dmaAPIStyle is dma-api-maintenance's exporter: waitFirst that also
// maintains the importers' own caches.
func dmaAPIStyle() model.Exporter {
	e := waitFirst()
	e.Name, e.SyncDeviceCaches = "dma-api-style", true
	return e
}

func large(e model.Exporter, d model.Discipline, devs ...model.Device) model.Config {
	return model.Config{Arch: model.ARM64, Backing: model.SystemCached, Lines: 2, Devices: devs, Exporter: e, Writes: 3, Discipline: d}
}

// TestLargeCorrectDesign: the dma-api-maintenance design (exporter
// maintains CPU and device caches, importers sync around their jobs) with
// a coherent GPU, a non-coherent ISP and an NPU with its own write-back
// cache. Both drivers find nothing, and every action that can fire does.
func TestLargeCorrectDesign(t *testing.T) {
	t.Parallel()
	c := newDMABuf(t, large(dmaAPIStyle(), model.Discipline{ImporterSyncs: true}, model.GPU, model.ISP, model.NPU))
	// With the exporter cleaning and invalidating the NPU's cache at every
	// map, begin and end, and the NPU's driver syncing around every job,
	// the NPU's cache is never dirty outside a job, so a spontaneous
	// writeback never has anything to write. The same design with one line
	// is small enough to check exhaustively, and there too it never fires.
	unreachable := []string{"npu: device cache writeback(line 0)", "npu: device cache writeback(line 1)"}
	small := newDMABuf(t, model.Config{Lines: 1, Devices: []model.Device{model.GPU, model.ISP, model.NPU}, Exporter: dmaAPIStyle(), Writes: 2,
		Discipline: model.Discipline{ImporterSyncs: true}})
	never, err := pbt.NeverEnabled[model.State](small)
	if err != nil {
		t.Fatal(err)
	}
	if len(never) != 1 || never[0] != unreachable[0] {
		t.Fatalf("the one-line design never enables %v; the test assumes exactly %q", never, unreachable[0])
	}
	opt := pbt.Options{Name: "large-dma-api-style"}
	o := opt
	o.Runs = 8000
	r := pbt.Rapid[model.State](t, c, o)
	o.Runs = 1200
	g := pbt.Gopter[model.State](t, c, o)
	for _, r := range []*pbt.Report{r, g} {
		pbt.AssertNoViolation(t, r)
		pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 50000, Distinct: 10000, Unreachable: unreachable})
		t.Log(r.Summary())
	}
	// A soak also checks the design exhaustively (7.6 million states,
	// about 7 s and 400 MB on 2 cores): the differential check on the
	// drivers' "no violation".
	if pbt.Soak() > 1 {
		res := statespacetest.AssertHolds[model.State](t, c, statespace.Options{})
		if res != nil {
			t.Logf("exhaustive: %s, %d states, depth %d, %v", res.Status, res.Stats.States, res.Stats.MaxDepth, res.Stats.Duration)
		}
	}
}

// TestLargeBuggyDesigns: two designs that break, found within the default
// budgets, confirmed by replay and by a depth-bounded exhaustive search.
func TestLargeBuggyDesigns(t *testing.T) {
	t.Parallel()
	isp2 := model.ISP
	isp2.Name = "isp2"
	for _, tc := range []struct {
		name, property string
		cfg            model.Config
	}{
		// Proposal 1 (today's rule) at full size: the begin hook
		// invalidates before the fence wait.
		{"large-today", props.NoStaleRead, large(model.SystemHeap, model.Discipline{}, model.GPU, model.ISP, isp2)},
		// today-wait-first's exporter with an NPU that has its own cache:
		// nothing maintains that cache, so the GPU reads memory while the
		// NPU's write sits dirty in it (proposal 3's objection, as in
		// device-caches-unmaintained, here without importer syncs).
		{"large-wait-first-npu", props.NoStaleRead, large(waitFirst(), model.Discipline{}, model.GPU, model.ISP, model.NPU)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newDMABuf(t, tc.cfg)
			opt := pbt.Options{Name: tc.name, Only: []string{tc.property}, ExpectViolation: true}
			for _, r := range []*pbt.Report{pbt.Rapid[model.State](t, c, opt), pbt.Gopter[model.State](t, c, opt)} {
				x := pbt.AssertFinds[model.State](t, c, r, tc.property, 5_000_000)
				t.Logf("%s; BFS shortest (depth-bounded search, %d states) %d", r.Summary(), x.States, x.Shortest)
			}
		})
	}
}
