package dmabufbench

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// The state and transition counts equal the numbers Rumur reports for dmabuf.m, and both
// invariants hold without the seeded bug.
func TestPinnedCounts(t *testing.T) {
	for _, tc := range []struct {
		importers   int
		states      uint64
		transitions uint64
	}{
		{1, 741, 3799},
		{2, 2403, 14679},
		{3, 7452, 52848},
		{4, 23976, 195723},
		{5, 77355, 715392},
	} {
		t.Run(fmt.Sprintf("importers=%d", tc.importers), func(t *testing.T) {
			m, err := New(tc.importers, false)
			if err != nil {
				t.Fatal(err)
			}
			r := statespacetest.AssertHolds(t, m, statespace.Options{})
			if r.Stats.States != tc.states || r.Stats.Transitions != tc.transitions {
				t.Errorf("%d states, %d transitions; Rumur has %d, %d", r.Stats.States, r.Stats.Transitions, tc.states, tc.transitions)
			}
		})
	}
}

// With the seeded bug (importer 1 maps without the cache clean) a stale
// read is reachable; the shortest counterexample has 5 steps.
func TestBadShortestCounterexample(t *testing.T) {
	for n := 1; n <= 4; n++ {
		t.Run(fmt.Sprintf("importers=%d", n), func(t *testing.T) {
			m, err := New(n, true)
			if err != nil {
				t.Fatal(err)
			}
			r := statespacetest.AssertDiscovery(t, m, "NoStaleRead", 5, statespace.Options{})
			if r == nil {
				return
			}
			want := []string{
				"begin_cpu_access(WRITE)", "cpu_write", "end_cpu_access",
				"map_attachment(TO_DEVICE)[d=1]", "dev_read_start[d=1]",
			}
			for _, p := range r.Properties {
				if p.Name == "NoStaleRead" {
					statespacetest.AssertLabels(t, p.Trace, want...)
				}
			}
			// The same counterexample when every property and deadlock are
			// checked.
			full, err := statespace.Check(m, statespace.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if full.Violation == nil || full.Violation.Property != "NoStaleRead" {
				t.Fatalf("full check: %s, violation %+v; want NoStaleRead", full.Status, full.Violation)
			}
			statespacetest.AssertLabels(t, full.Violation.Trace, want...)
			last := full.Violation.Trace.Steps[5].State
			for _, f := range last {
				if f.Name == "stale" && f.Value != "true" {
					t.Errorf("last state has stale = %s", f.Value)
				}
			}
		})
	}
}

func TestNewRejectsBadImporterCounts(t *testing.T) {
	for _, n := range []int{-1, MaxImporters + 1} {
		if _, err := New(n, false); err == nil {
			t.Errorf("New(%d) succeeded", n)
		}
	}
	m, err := New(MaxImporters, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.ActionNames()), int(numGlobal)+(MaxImporters+1)*int(numPerDev); got != want {
		t.Errorf("%d actions, want %d", got, want)
	}
}
