package pbt_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/pbt"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// The worked example of docs/testing.md: a property of your own, run
// under rapid, under gopter and by exhaustive search.

// withMemoryNotAhead is the DMA-buf model with one more property: memory
// never holds a version newer than the latest completed write (no write
// becomes visible in memory before it completes).
type withMemoryNotAhead struct{ props.Checked }

func (w withMemoryNotAhead) Properties() []statespace.Property[model.State] {
	lines := w.Config().Lines
	return append(w.Checked.Properties(), statespace.Property[model.State]{
		Name:        "memory-not-ahead",
		Expectation: statespace.Always,
		Holds: func(s *model.State) bool {
			for l := range lines {
				if s.Mem[l] > s.Latest[l] {
					return false
				}
			}
			return true
		},
	})
}

func TestWorkedExampleOwnProperty(t *testing.T) {
	t.Parallel()
	sc, _ := model.ScenarioByName("today-wait-first")
	m, err := model.New(sc.Config)
	if err != nil {
		t.Fatal(err)
	}
	c := withMemoryNotAhead{props.Check(m)}
	opt := pbt.Options{Name: sc.Name, Only: []string{"memory-not-ahead"}, Runs: 1000}

	// 1. rapid.
	r := pbt.Rapid[model.State](t, c, opt)
	pbt.AssertNoViolation(t, r)
	pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 1000, Distinct: 100})

	// 2. gopter.
	opt.Runs = 300
	g := pbt.Gopter[model.State](t, c, opt)
	pbt.AssertNoViolation(t, g)
	pbt.AssertNonVacuous(t, g, pbt.Min{Steps: 1000, Distinct: 100})

	// 3. Exhaustive search: every reachable state.
	statespacetest.AssertHolds[model.State](t, c, statespace.Options{Only: []string{"memory-not-ahead"}})

	t.Log(r.Summary())
	t.Log(g.Summary())
}
