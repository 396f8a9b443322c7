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
// skipping the calls that never raise a flag ("quiet").
func BenchmarkAmple(b *testing.B) {
	for _, mode := range []string{"step-all", "quiet"} {
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
					buf = w.Ample(&states[i], en, buf[:0])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(states)), "ns/state")
		})
	}
}

// reachable is every state of w reachable from its initial ones.
func reachable[S world.Bytes](w world.World[S]) []S {
	seen := map[S]bool{}
	var out []S
	var en []statespace.Action
	queue := w.Init()
	for len(queue) > 0 {
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
