package pbt_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/pbt"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// The worked example of docs/testing.md §1 for a model of your own: a
// property added to a model without touching it, run under rapid, under
// gopter and by exhaustive search. (For the DMA-buf world, a property of
// your own is an invariant of the world file: props/example_test.go.)

// withValueNotAhead is the lost-update counter (toy_test.go) with one more
// property: the counter never runs ahead of the increments completed. A
// lost update leaves it behind, never ahead.
type withValueNotAhead struct{ counter }

func (w withValueNotAhead) Properties() []statespace.Property[counterState] {
	return append(w.counter.Properties(), statespace.Property[counterState]{
		Name:        "value-not-ahead",
		Expectation: statespace.Always,
		Holds:       func(s *counterState) bool { return s.Value <= s.Done },
	})
}

func TestWorkedExampleOwnProperty(t *testing.T) {
	t.Parallel()
	// The counter with three processes and no atomic increment: it loses
	// updates (no-lost-update breaks), but never counts ahead.
	m := withValueNotAhead{counter{N: 3}}
	opt := pbt.Options{Name: "lost-update", Only: []string{"value-not-ahead"}, Runs: 300}

	// 1. rapid.
	r := pbt.Rapid[counterState](t, m, opt)
	pbt.AssertNoViolation(t, r)
	pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 500, Distinct: 50})

	// 2. gopter.
	opt.Runs = 100
	g := pbt.Gopter[counterState](t, m, opt)
	pbt.AssertNoViolation(t, g)
	pbt.AssertNonVacuous(t, g, pbt.Min{Steps: 500, Distinct: 50})

	// 3. Exhaustive search: every reachable state.
	statespacetest.AssertHolds[counterState](t, m, statespace.Options{Only: []string{"value-not-ahead"}})

	t.Log(r.Summary())
	t.Log(g.Summary())
}
