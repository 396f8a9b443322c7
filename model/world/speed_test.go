package world_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// BenchmarkCacheTodayWaitFirst is the world's speed on the cache family's
// reference scenario, today-wait-first at 2 lines and 3 writes (388,048
// states), one full check each: go test ./model/world -run '^$' -bench
// CacheTodayWaitFirst -benchtime 1x (docs/performance.md).
func BenchmarkCacheTodayWaitFirst(b *testing.B) {
	w := builtin(b, "today-wait-first", "lines=2", "writes=3")
	for range b.N {
		r, err := world.Check(w, statespace.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.Stats.StatesPerSecond(), "states/s")
		b.ReportMetric(float64(r.Stats.States), "states")
	}
}
