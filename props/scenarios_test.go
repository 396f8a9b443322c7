package props_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// shortestCounterexample pins, for every built-in scenario that is expected
// to break an "always" property, the length of the shortest counterexample
// (BFS, so deterministic). docs/design-review.md quotes these traces; a
// model change that makes one longer or shorter must update both.
var shortestCounterexample = map[string]int{
	// Proposal 1, today's rule (seeds 000, 001; kernel-rules §3.1, the
	// exporter's hook before the fence wait): the heap's begin hook invalidates before the fence wait, a
	// prefetch refills the old line, the ISP's write lands, the CPU reads
	// the stale line.
	"today": 8,
	// The same with three interchangeable ISPs (checked modulo their
	// permutations): the shortest stale read is the same 8 steps.
	"today-three-isps": 8,
	// Proposal 3′ (seed 002, Lucas Stach 2022): masters with their own
	// write-back caches, only the CPU cache maintained: the NPU's dirty
	// line never reaches memory and leaves with the device.
	"device-caches-unmaintained": 6,
	// Proposal 6 (seed 003, drm/msm 2019): dma_sync_sg_* on a table that
	// was never dma_map'ed; dma-debug warns (kernel/dma/debug.c).
	"msm-sync-unmapped-iommu":  3,
	"msm-sync-unmapped-direct": 3,
	// The msm driver syncing at any time, on a table never dma_map'ed.
	"msm-sync-anytime": 2,
	// kernel-rules §3.4: GEM exporters map with SKIP_CPU_SYNC and do nothing
	// in begin/end; a non-coherent importer gets no maintenance.
	"gem-noncoherent":     7,
	"x86-gem-noncoherent": 7,
	// kernel-rules §7/§8: udmabuf maps with SKIP_CPU_SYNC, so swiotlb never
	// copies the bounce slot: the device's write is lost when it detaches
	// (and the CPU reads stale data: alsoBreaksLength).
	"udmabuf-bounce": 6,
	// kernel-rules §8: arm32 arch_sync_dma_for_device(FROM_DEVICE) invalidates.
	"arm32-map-from-device": 6,
	// kernel-rules §2.4: mappings point at the old pages after move_notify.
	"dynamic-ignores-move-notify": 4,
	// kernel-rules §10: dma_buf_release WARNs on a non-empty attachment list.
	"release-while-attached": 2,
	// kernel-rules §2.3: detach does not wait for fences.
	"detach-with-job-in-flight": 4,
	// kernel-rules §3.2: every mmap access bracketed by SYNC START/END.
	"end-without-begin": 1,
	"unbracketed-cpu":   1,
	// kernel-rules §8: an unmap's sync_for_cpu invalidates the CPU's dirty line.
	"unmap-during-cpu-write": 6,
	// kernel-rules §3.2 / §4.4: user space must order its CPU access against
	// device jobs.
	"race-cpu-and-device": 6,
}

// alsoBreaksLength pins the shortest counterexample of AlsoBreaks entries.
var alsoBreaksLength = map[string]map[string]int{
	// Seed 003: on dma-direct the sync uses the garbage sg_dma_address and
	// the GPU reads stale data (docs/design-review.md §6, 7 steps).
	"msm-sync-unmapped-direct": {props.NoStaleRead: 7},
	// Seed 002: the NPU's write stays in its own cache; the coherent
	// accelerator reads memory.
	"device-caches-unmaintained": {props.NoStaleRead: 7},
	// The device's write stays in the bounce slot; the CPU reads memory.
	"udmabuf-bounce": {props.NoStaleRead: 7},
}

// TestEveryScenarioMeetsItsExpectation checks each built-in scenario against
// what the design review expects of it (model.Scenario.Expect, AlsoBreaks,
// AlsoHolds): the seed threads' proposals (000: Vetter/König 2024, exporter
// responsible for coherency; 001: the 2013 dma_buf_sync_sg_attachment
// proposal; 002: König's 2022 dma_coherent flag and Stach's objection; 003:
// drm/msm's dma_sync without dma_map, 2019), their fixes, and one misuse per
// property from kernel-rules §11 ("Misuse and what the kernel does").
func TestEveryScenarioMeetsItsExpectation(t *testing.T) {
	exp := expectations(t)
	// No stale pins: every pinned length belongs to a scenario that breaks
	// an "always" property.
	breaksAlways := map[string]bool{}
	for _, sc := range model.Scenarios() {
		if e, ok := exp[sc.Expect]; ok && e == statespace.Always {
			breaksAlways[sc.Name] = true
		}
	}
	for name := range shortestCounterexample {
		if !breaksAlways[name] {
			t.Errorf("shortestCounterexample pins %s, which is not a scenario expected to break an always property", name)
		}
	}
	for name := range alsoBreaksLength {
		if _, ok := model.ScenarioByName(name); !ok {
			t.Errorf("alsoBreaksLength pins unknown scenario %s", name)
		}
	}
	for _, sc := range model.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			c := checked(t, sc.Config)
			if sc.Expect == "" {
				// Exhaustive, every safety property holds, every
				// "sometimes" property reached, no deadlock.
				r := statespacetest.AssertHolds(t, c, statespace.Options{})
				if r != nil && r.Incomplete != "" {
					t.Errorf("search incomplete: %s", r.Incomplete)
				}
			} else {
				e, ok := exp[sc.Expect]
				if !ok {
					t.Fatalf("Expect names %q, which is not a property (have %v)", sc.Expect, exp)
				}
				r := run(t, c, statespace.Options{})
				v := r.Violation
				if r.Status != statespace.StatusViolation || v == nil {
					t.Fatalf("status %s, want a violation of %s", r.Status, sc.Expect)
				}
				if v.Property != sc.Expect {
					t.Fatalf("first violation is %s (%s, %d steps), want %s:\n%s",
						v.Property, v.Kind, v.Length(), sc.Expect, traceText(v.Trace))
				}
				switch e {
				case statespace.Always:
					if v.Kind != statespace.KindInvariant {
						t.Errorf("violation kind %s, want %s", v.Kind, statespace.KindInvariant)
					}
					want, ok := shortestCounterexample[sc.Name]
					if !ok {
						t.Fatalf("no pinned counterexample length for %s: observed %d steps; add it to shortestCounterexample", sc.Name, v.Length())
					}
					// The first violation of the full check is the
					// shortest one overall, so it is also the shortest for
					// its own property.
					if v.Length() != want {
						t.Errorf("full check: counterexample of %d steps, want %d", v.Length(), want)
					}
					statespacetest.AssertDiscovery(t, c, sc.Expect, want, statespace.Options{})
				case statespace.Sometimes:
					if v.Kind != statespace.KindUnreachable {
						t.Errorf("violation kind %s, want %s", v.Kind, statespace.KindUnreachable)
					}
					if v.Trace != nil {
						t.Errorf("an unreachable property has a trace:\n%s", v.Trace)
					}
					if r.Incomplete != "" {
						t.Errorf("unreachable reported after an incomplete search (%s)", r.Incomplete)
					}
				}
			}
			for _, p := range sc.AlsoBreaks {
				e, ok := exp[p]
				if !ok {
					t.Errorf("AlsoBreaks names %q, which is not a property", p)
					continue
				}
				r := only(t, c, p)
				pr := verdict(t, r, p)
				want := "violated"
				if e == statespace.Sometimes {
					want = "unreached"
				}
				if pr.Verdict != want || r.Status != statespace.StatusViolation {
					t.Errorf("AlsoBreaks %s checked alone: verdict %q (status %s), want %q", p, pr.Verdict, r.Status, want)
					continue
				}
				if n, ok := alsoBreaksLength[sc.Name][p]; ok {
					statespacetest.AssertDiscovery(t, c, p, n, statespace.Options{})
				} else if e == statespace.Always {
					t.Errorf("AlsoBreaks %s: no pinned length (observed %d steps); add it to alsoBreaksLength", p, pr.Trace.Len())
				}
			}
			for _, p := range sc.AlsoHolds {
				e, ok := exp[p]
				if !ok {
					t.Errorf("AlsoHolds names %q, which is not a property", p)
					continue
				}
				r := only(t, c, p)
				pr := verdict(t, r, p)
				want := "holds"
				if e == statespace.Sometimes {
					want = "reached"
				}
				if pr.Verdict != want || r.Status != statespace.StatusOK {
					t.Errorf("AlsoHolds %s checked alone: verdict %q (status %s), want %q:\n%s", p, pr.Verdict, r.Status, want, traceText(pr.Trace))
				}
			}
		})
	}
}

// traceText renders a trace, or nothing for none.
func traceText(tr *statespace.Trace) string {
	if tr == nil {
		return ""
	}
	return tr.String()
}
