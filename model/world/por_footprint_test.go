package world_test

import (
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// BenchmarkAmple is the cost of choosing the ample set in every reachable
// state of docs/examples/world/independent-drivers.yaml (54,000 states),
// with the C2 check stepping every call of the set ("step-all") and
// skipping the calls that never raise a flag ("quiet"), against listing
// the enabled actions alone ("actions").
func BenchmarkAmple(b *testing.B) {
	for _, mode := range []string{"actions", "step-all", "quiet"} {
		b.Run(mode, func(b *testing.B) {
			m := loadWorld(b, filepath.Join("..", "..", "docs", "examples", "world", "independent-drivers.yaml"))
			if mode == "step-all" {
				world.NoQuietCalls(m)
			}
			w, err := world.As[[96]byte](m)
			if err != nil {
				b.Fatal(err)
			}
			states := symmetrytest.Reachable[[96]byte](w)
			var en, buf []statespace.Action
			b.ResetTimer()
			for range b.N {
				for i := range states {
					en = w.Actions(&states[i], en[:0])
					if mode != "actions" {
						buf = w.Ample(&states[i], en, buf[:0])
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(states)), "ns/state")
		})
	}
}

// The footprints are true: in every reachable state of every built-in the
// reduction applies to, each call writes only
// its footprint's bytes (and the watched flags), and calls with
// independent footprints commute and neither enables or disables the
// other: the independence C1 relies on holds in fact.
func TestFootprintsAreTrue(t *testing.T) {
	checked := 0
	for _, name := range builtinNames(t) {
		m := builtin(t, name)
		applies, msg := footprintsTrue(m)
		if !applies {
			continue
		}
		checked++
		if msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
	if checked < 20 {
		t.Fatalf("the reduction applies to %d built-ins only", checked)
	}
	t.Logf("%d built-ins checked", checked)
}

// footprintsTrue runs world.FootprintError over m's reachable states at
// m's size class; applies is false when the reduction does not apply.
func footprintsTrue(m *world.Model) (applies bool, msg string) {
	switch n := m.Size(); {
	case n <= 16:
		return footprintsTrueAs[[16]byte](m)
	case n <= 32:
		return footprintsTrueAs[[32]byte](m)
	case n <= 48:
		return footprintsTrueAs[[48]byte](m)
	case n <= 64:
		return footprintsTrueAs[[64]byte](m)
	case n <= 96:
		return footprintsTrueAs[[96]byte](m)
	}
	return footprintsTrueAs[[128]byte](m)
}

func footprintsTrueAs[S world.Bytes](m *world.Model) (bool, string) {
	w, err := world.As[S](m)
	if err != nil {
		return true, err.Error()
	}
	if ok, _ := w.PartialOrderApplies(); !ok {
		return false, ""
	}
	for _, s := range symmetrytest.Reachable[S](w) {
		if msg := world.FootprintError(w, s); msg != "" {
			return true, msg
		}
	}
	return true, ""
}
