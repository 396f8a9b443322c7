package statespace_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/refmodels/germanrules"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The engine's benchmarks on the reference models. Compare worker counts as
// ratios within one run (the machine is shared and noisy), e.g.
//
//	go test ./statespace -run XXX -bench . -benchtime 3x -count 3
//
// and record the figures in docs/performance.md. Each reports distinct
// states per second and peak heap bytes per state.
func BenchmarkGerman(b *testing.B) {
	for _, n := range []int{3, 4} {
		m, err := german.New(n)
		if err != nil {
			b.Fatal(err)
		}
		benchWorkers(b, fmt.Sprintf("nodes=%d", n), m)
	}
}

// BenchmarkGermanRules is the same protocol written with statespace.Rules
// and plain fields (refmodels/germanrules); compare it with BenchmarkGerman
// in the same run.
func BenchmarkGermanRules(b *testing.B) {
	for _, n := range []int{3, 4} {
		m, err := germanrules.New(n)
		if err != nil {
			b.Fatal(err)
		}
		benchWorkers(b, fmt.Sprintf("nodes=%d", n), m)
	}
}

func BenchmarkDmabufBench(b *testing.B) {
	for _, n := range []int{6, 8} {
		m, err := dmabufbench.New(n, false)
		if err != nil {
			b.Fatal(err)
		}
		benchWorkers(b, fmt.Sprintf("importers=%d", n), m)
	}
}

func benchWorkers[S comparable](b *testing.B, name string, m statespace.Model[S]) {
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s/workers=%d", name, w), func(b *testing.B) {
			var r *statespace.Result
			for b.Loop() {
				var err error
				if r, err = statespace.Check(m, statespace.Options{Workers: w}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Stats.States)/(b.Elapsed().Seconds()/float64(b.N)), "states/s")
			b.ReportMetric(r.Stats.BytesPerState(), "heapB/state")
		})
	}
}
