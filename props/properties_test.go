package props_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// TestEveryPropertyIsViolatedSomewhere checks that no property is dead
// weight: each one, documented in props.Doc with the kernel rule it comes
// from (dma-buf.c DOC "cpu access", Documentation/core-api/dma-api-howto.rst,
// include/linux/dma-buf.h, kernel/dma/debug.c, include/uapi/linux/dma-buf.h;
// kernel-rules §12.4), is violated by at least one built-in scenario (an
// "always" property with a shortest counterexample; a "sometimes" property
// unreachable after an exhaustive search). A property no scenario can break
// would pass vacuously.
func TestEveryPropertyIsViolatedSomewhere(t *testing.T) {
	exp := expectations(t)
	// props.Doc documents exactly the properties the checker runs.
	for name := range props.Doc {
		if _, ok := exp[name]; !ok {
			t.Errorf("props.Doc documents %q, which props.Check(m).Properties() does not have", name)
		}
	}
	var names []string
	for name := range exp {
		names = append(names, name)
		if props.Doc[name] == "" {
			t.Errorf("property %q has no entry in props.Doc", name)
		}
	}
	sort.Strings(names)

	scenarios := model.Scenarios()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			e := exp[name]
			type witness struct {
				sc     model.Scenario
				length int
			}
			var found []witness
			for _, sc := range scenarios {
				c := checked(t, sc.Config)
				r := only(t, c, name)
				pr := verdict(t, r, name)
				switch {
				case e == statespace.Always && pr.Verdict == "violated":
					if pr.Trace == nil {
						t.Errorf("%s: violated without a trace", sc.Name)
						continue
					}
					found = append(found, witness{sc, pr.Trace.Len()})
				case e == statespace.Sometimes && pr.Verdict == "unreached":
					if r.Incomplete != "" {
						t.Errorf("%s: unreached after an incomplete search (%s)", sc.Name, r.Incomplete)
						continue
					}
					found = append(found, witness{sc, 0})
				}
			}
			if len(found) == 0 {
				what := "violates"
				if e == statespace.Sometimes {
					what = "makes unreachable"
				}
				t.Fatalf("no built-in scenario %s %s (%s): the property is never shown to fail; add a scenario that breaks it", what, name, e)
			}
			var list []string
			for _, w := range found {
				if e == statespace.Always {
					list = append(list, fmt.Sprintf("%s (%d)", w.sc.Name, w.length))
				} else {
					list = append(list, w.sc.Name)
				}
			}
			t.Logf("%s (%s) fails in: %s", name, e, strings.Join(list, ", "))
			if e != statespace.Always {
				return
			}
			// The shortest witness: BFS must report it at that length, and
			// no trace of fewer steps may exist (a search bounded one step
			// short finds nothing).
			best := slices.MinFunc(found, func(a, b witness) int { return a.length - b.length })
			c := checked(t, best.sc.Config)
			statespacetest.AssertDiscovery(t, c, name, best.length, statespace.Options{})
			if best.length > 1 {
				r := run(t, c, statespace.Options{Only: []string{name}, MaxDepth: best.length - 1})
				if pr := verdict(t, r, name); pr.Verdict == "violated" {
					t.Errorf("%s: a search bounded at %d steps already violates %s (%d steps)", best.sc.Name, best.length-1, name, pr.Trace.Len())
				}
			} else {
				init := c.Init()[0]
				for _, p := range c.Properties() {
					if p.Name == name && !p.Holds(&init) {
						t.Errorf("%s: the initial state already violates %s", best.sc.Name, name)
					}
				}
			}
		})
	}
}

// TestCorrectConfigurationsPassWithTwoImporters checks the designs the
// review calls correct on a mixed system — at least one cache-coherent and
// one non-coherent importer sharing the buffer, the case the 2022
// dma_coherent thread (seed 002, König/Stach) and the 2024 coherency thread
// (seed 000, Vetter/König) are about — and again with two cache lines and
// three writes, so that a pass is not an artefact of the smallest bounds
// (kernel-rules §12.6: 1–2 lines, 2 devices, one coherent and one not).
func TestCorrectConfigurationsPassWithTwoImporters(t *testing.T) {
	want := []string{"today-wait-first", "dma-api-maintenance", "device-sync", "map-per-access",
		"x86-i915-noncoherent", "today-wait-first-2lines"}
	var got []string
	for _, sc := range correctScenarios() {
		got = append(got, sc.Name)
	}
	// The designs the review calls correct stay correct; scenarios added
	// later with Expect == "" are checked below as well.
	for _, name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("%s is no longer expected to pass (scenarios expected to pass: %v)", name, got)
		}
	}
	for _, sc := range correctScenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			var coherent, nonCoherent []string
			for _, d := range sc.Config.Devices {
				if d.Coherent {
					coherent = append(coherent, d.Name)
				} else {
					nonCoherent = append(nonCoherent, d.Name)
				}
			}
			if len(sc.Config.Devices) < 2 || len(coherent) == 0 || len(nonCoherent) == 0 {
				t.Errorf("devices: coherent %v, non-coherent %v; want at least two importers, one of each", coherent, nonCoherent)
			}
			if sc.Name == "dma-api-maintenance" {
				// Stach's point: masters with their own write-back caches
				// (CXL-style) take part in coherence.
				if !slices.Equal(coherent, []string{"cxl-accel"}) || !slices.Equal(nonCoherent, []string{"npu"}) {
					t.Errorf("dma-api-maintenance: coherent %v, non-coherent %v; want [cxl-accel] and [npu]", coherent, nonCoherent)
				}
			}
			statespacetest.AssertHolds(t, checked(t, sc.Config), statespace.Options{})

			cfg := sc.Config
			cfg.Lines, cfg.Writes = 2, 3
			r := statespacetest.AssertHolds(t, checked(t, cfg), statespace.Options{})
			if r != nil {
				t.Logf("2 lines, 3 writes: %d states, %d transitions, depth %d", r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
				if v := r.Stats.Vacuous(); len(v) > 0 {
					t.Logf("vacuity findings: %s", strings.Join(v, "; "))
				}
			}
		})
	}
}
