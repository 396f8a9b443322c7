package world_test

import (
	"path/filepath"
	"testing"

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
			states := reachable(w)
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

// reachable is every state of w reachable from its initial ones.
func reachable[S world.Bytes](w world.World[S]) []S { return reachableUpTo(w, 0) }

// reachableUpTo is the first max states of w (breadth first; 0: all).
func reachableUpTo[S world.Bytes](w world.World[S], max int) []S {
	seen := map[S]bool{}
	var out []S
	var en []statespace.Action
	queue := w.Init()
	for len(queue) > 0 && (max == 0 || len(out) < max) {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
		en = w.Actions(&s, en[:0])
		for _, a := range en {
			queue = append(queue, w.Step(&s, a))
		}
	}
	return out
}

// The footprints are true: in every reachable state of every built-in the
// reduction applies to (the first 20,000 states), each call writes only
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
	if w, err := world.As[[16]byte](m); err == nil {
		return footprintsTrueAs(w)
	}
	if w, err := world.As[[32]byte](m); err == nil {
		return footprintsTrueAs(w)
	}
	if w, err := world.As[[48]byte](m); err == nil {
		return footprintsTrueAs(w)
	}
	if w, err := world.As[[64]byte](m); err == nil {
		return footprintsTrueAs(w)
	}
	if w, err := world.As[[96]byte](m); err == nil {
		return footprintsTrueAs(w)
	}
	w, err := world.As[[128]byte](m)
	if err != nil {
		return true, err.Error()
	}
	return footprintsTrueAs(w)
}

func footprintsTrueAs[S world.Bytes](w world.World[S]) (bool, string) {
	if ok, _ := w.PartialOrderApplies(); !ok {
		return false, ""
	}
	for _, s := range reachableUpTo(w, 20000) {
		if msg := world.FootprintError(w, s); msg != "" {
			return true, msg
		}
	}
	return true, ""
}
