package world_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

var rewriteCost = flag.Bool("rewrite-cost", false, "rewrite testdata/workload/standard.txt and the cost table of docs/design-review.md")

// costDesigns are the designs of the design review's cost table, in its
// order: the built-in world that is the design, and the row's words.
var costDesigns = []struct{ world, design string }{
	{"today-wait-first", "1′ today + wait first (system heap)"},
	{"today", "1 today (system heap, hook before the wait)"},
	{"device-sync", "4 device-level sync"},
	{"map-per-access", "5 map/unmap around every job"},
	{"x86-i915-noncoherent", "x86 + i915 clflush (non-snooping importer)"},
	{"dma-api-maintenance", "3 DMA-API-style with device caches (CXL + NPU)"},
	{"dma-coherent-flag", "2 dma_coherent flag"},
	{"gem-noncoherent", "GEM PRIME (SKIP_CPU_SYNC, no begin/end maintenance)"},
	{"msm-sync-unmapped-direct", "6′ drm/msm sync without dma_map, dma-direct"},
}

// costRun is the standard workload carried out on one design.
type costRun struct {
	world, design string
	run           world.WorkloadRun
	err           error
}

func standardWorkloadRuns(t *testing.T) []costRun {
	var out []costRun
	for _, d := range costDesigns {
		m := builtin(t, d.world, "writes=3")
		run, err := m.Workload(world.StandardWorkload)
		out = append(out, costRun{d.world, d.design, run, err})
	}
	return out
}

// pinned renders the runs as testdata/workload/standard.txt holds them:
// each design's counts or why it cannot count, and the actions taken.
func pinned(runs []costRun) []byte {
	var b bytes.Buffer
	b.WriteString("# The standard workload (world.StandardWorkload) carried out on built-in worlds at writes=3:\n")
	b.WriteString("# the cache maintenance per cache line and the actions a correct client takes.\n")
	b.WriteString("# go test ./model/world -run TestStandardWorkloadCost -rewrite-cost rewrites this file and docs/design-review.md's table.\n")
	for _, r := range runs {
		mt := r.run.Maintenance
		fmt.Fprintf(&b, "\n%s: cleans %d, invalidates %d, device-cache ops %d, bounce copies %d, map/unmap calls %d\n",
			r.world, mt.Cleans, mt.Invalidates, mt.DeviceCacheOps, mt.BounceCopies, r.run.MapCalls)
		if r.err != nil {
			fmt.Fprintf(&b, "  error: %v\n", r.err)
		}
		for _, s := range r.run.Steps {
			fmt.Fprintf(&b, "  %s\n", s)
		}
	}
	return b.Bytes()
}

// costTable renders the runs as the design review's table.
func costTable(runs []costRun) string {
	var b strings.Builder
	b.WriteString("| design | world | cleans | invalidates | device-cache ops | total | map/unmap calls | result |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		mt := r.run.Maintenance
		if r.err != nil {
			fmt.Fprintf(&b, "| %s | `%s` | — | — | — | — | — | **%s** |\n", r.design, r.world, r.err)
			continue
		}
		if mt.BounceCopies != 0 {
			panic("the cost table has no column for bounce copies: add one")
		}
		fmt.Fprintf(&b, "| %s | `%s` | %d | %d | %d | **%d** | %d | every read saw the latest write |\n",
			r.design, r.world, mt.Cleans, mt.Invalidates, mt.DeviceCacheOps, mt.Total(), r.run.MapCalls)
	}
	return b.String()
}

// The cost table's markers in docs/design-review.md.
const (
	costBegin = "<!-- cost table: go test ./model/world -run TestStandardWorkloadCost -rewrite-cost -->\n"
	costEnd   = "<!-- end of cost table -->\n"
)

// The design review compares the designs by the cache maintenance they do
// on the same access pattern (world.StandardWorkload). Every design's
// counts and the actions taken are pinned in testdata/workload/standard.txt,
// and docs/design-review.md's table is rendered from the same runs: a
// change to the world that changes a count fails here until both are
// rewritten (-rewrite-cost) and the review's words checked.
func TestStandardWorkloadCost(t *testing.T) {
	runs := standardWorkloadRuns(t)
	golden := filepath.Join("testdata", "workload", "standard.txt")
	doc := filepath.Join("..", "..", "docs", "design-review.md")
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(text, []byte(costBegin))
	j := bytes.Index(text, []byte(costEnd))
	if i < 0 || j < i {
		t.Fatalf("%s has no cost table between %q and %q", doc, costBegin, costEnd)
	}
	newDoc := string(text[:i+len(costBegin)]) + costTable(runs) + string(text[j:])
	if *rewriteCost {
		if err := os.WriteFile(golden, pinned(runs), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc, []byte(newDoc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := pinned(runs); !bytes.Equal(got, want) {
		t.Errorf("the standard workload's cost changed (-rewrite-cost rewrites %s):\n%s", golden, got)
	}
	if newDoc != string(text) {
		t.Errorf("%s's cost table differs from the world's runs (-rewrite-cost rewrites it):\n%s", doc, costTable(runs))
	}
}

// The counts are the maintenance the calls do, line by line. On arm64
// the system heap maps with the DMA API (dma_map_sgtable cleans for the
// non-coherent ISP), its begin_cpu_access syncs the mapped attachments
// for the CPU (an invalidate for the ISP) and its end_cpu_access for the
// device (a clean); the coherent GPU's attachment costs nothing
// (drivers/dma-buf/heaps/system_heap.c: system_heap_map_dma_buf,
// system_heap_dma_buf_begin_cpu_access, _end_cpu_access;
// kernel/dma/direct.h: dma_direct_sync_sg_for_cpu).
func TestTheSystemHeapCleansAtEndAndInvalidatesAtBegin(t *testing.T) {
	m := builtin(t, "today-wait-first", "writes=3")
	write, err := m.Workload([]world.Intent{{Device: -1, Write: true}})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing is mapped yet: the hook has no attachment to sync.
	if write.Maintenance != (world.Maintenance{}) {
		t.Errorf("the CPU's write before any mapping: %+v, want nothing", write.Maintenance)
	}
	run, err := m.Workload([]world.Intent{{Device: 1, Write: false}, {Device: -1, Write: true}, {Device: 1, Write: true}, {Device: -1, Write: false}})
	if err != nil {
		t.Fatal(err)
	}
	// map (clean for the device), the CPU's write (invalidate at START,
	// clean at END), the CPU's read (invalidate at START, clean at END).
	if want := (world.Maintenance{Cleans: 3, Invalidates: 2}); run.Maintenance != want {
		t.Errorf("%+v, want %+v\n%s", run.Maintenance, want, strings.Join(run.Steps, "\n"))
	}
}
