package pbt_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/pbt"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The suites of issue 7: the built-in scenarios under both drivers.
//
//   - TestCorrectScenariosPassPBT: every correct DMA-buf configuration
//     (Expect == "") and every safety property a failing-reachability
//     scenario keeps (AlsoHolds): both drivers find nothing, and their runs
//     are not vacuous (every reachable action fired, enough steps and
//     states).
//   - TestSeededBugsFoundByPBT: every scenario whose Expect is an Always
//     property (or deadlock), of the three models: both drivers find it
//     within their default budget; the shrunk counterexample is confirmed by
//     statespace.Replay and by exhaustive search, and its length is logged
//     next to the BFS-shortest one (the lengths props/scenarios_test.go,
//     model/fence/scenarios_test.go and model/deadlock/scenarios_test.go
//     pin).
//   - TestLargeConfigurations (large_test.go): configurations beyond
//     exhaustive reach.

// correctBudget is the budget of the correct-configuration suite: enough to
// fire every reachable action of every scenario, a fraction of the default
// (which is sized for finding bugs). DMABUFCHECK_SOAK raises it.
var correctBudget = struct{ rapid, gopter int }{rapid: 1500, gopter: 400}

func newDMABuf(t testing.TB, cfg model.Config) props.Checked {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatalf("model.New: %v", err)
	}
	return props.Check(m)
}

// alwaysProps returns the names among names that are Always properties of m.
func alwaysProps[S comparable](m statespace.Model[S], names []string) []string {
	var out []string
	for _, p := range m.Properties() {
		if p.Expectation == statespace.Always && slices.Contains(names, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

func expectation[S comparable](m statespace.Model[S], name string) (statespace.Expectation, bool) {
	if name == statespace.DeadlockProperty {
		return statespace.Always, true
	}
	for _, p := range m.Properties() {
		if p.Name == name {
			return p.Expectation, true
		}
	}
	return 0, false
}

func TestCorrectScenariosPassPBT(t *testing.T) {
	t.Parallel()
	for _, sc := range model.Scenarios() {
		c := newDMABuf(t, sc.Config)
		opt := pbt.Options{Name: sc.Name}
		switch e, _ := expectation[model.State](c, sc.Expect); {
		case sc.Expect == "":
		case e == statespace.Sometimes && len(sc.AlsoHolds) > 0:
			// The design fails a reachability property (it cannot share
			// with some device) but keeps every safety property.
			opt.Only = alwaysProps[model.State](c, sc.AlsoHolds)
		default:
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			unreachable, err := pbt.NeverEnabled[model.State](c)
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []func() *pbt.Report{
				func() *pbt.Report { o := opt; o.Runs = correctBudget.rapid; return pbt.Rapid[model.State](t, c, o) },
				func() *pbt.Report { o := opt; o.Runs = correctBudget.gopter; return pbt.Gopter[model.State](t, c, o) },
			} {
				r := run()
				pbt.AssertNoViolation(t, r)
				pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 5000, Distinct: 100, Unreachable: unreachable})
				t.Log(r.Summary())
			}
		})
	}
}

// shrinkRow is one line of the shrunk-vs-BFS table.
type shrinkRow struct {
	order                     int
	model, scenario, property string
	bfs                       int
	rapid, gopter             *pbt.Report
}

func (r shrinkRow) cell(rep *pbt.Report) string {
	if rep == nil || rep.Violation == nil {
		return "not found"
	}
	return fmt.Sprintf("%d (from %d, walk %d)", rep.Violation.Len(), rep.Violation.FirstLength, rep.FirstFailure)
}

// bugCase runs both drivers on a seeded bug and the differential checks.
func bugCase[S comparable](t *testing.T, m statespace.Model[S], order int, modelName, scenario, property string) shrinkRow {
	t.Helper()
	opt := pbt.Options{Name: scenario, Only: []string{property}, ExpectViolation: true}
	row := shrinkRow{order: order, model: modelName, scenario: scenario, property: property, bfs: -1}
	row.rapid = pbt.Rapid(t, m, opt)
	row.gopter = pbt.Gopter(t, m, opt)
	for _, r := range []*pbt.Report{row.rapid, row.gopter} {
		x := pbt.AssertFinds(t, m, r, property, 0)
		if !x.Violated {
			continue
		}
		if row.bfs >= 0 && row.bfs != x.Shortest {
			t.Errorf("exhaustive search gave two shortest lengths, %d and %d", row.bfs, x.Shortest)
		}
		row.bfs = x.Shortest
		t.Log(r.Summary())
	}
	return row
}

func TestSeededBugsFoundByPBT(t *testing.T) {
	t.Parallel()
	// The bugs run in parallel (rapid runs still take turns: see
	// pbt.Rapid); the table keeps the scenarios' order.
	var mu sync.Mutex
	var rows []shrinkRow
	order := 0
	add := func(r shrinkRow) {
		mu.Lock()
		rows = append(rows, r)
		mu.Unlock()
	}
	next := func() int { order++; return order }
	t.Run("dmabuf", func(t *testing.T) {
		for _, sc := range model.Scenarios() {
			c := newDMABuf(t, sc.Config)
			if e, ok := expectation[model.State](c, sc.Expect); sc.Expect == "" || !ok || e != statespace.Always {
				continue
			}
			n := next()
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				add(bugCase[model.State](t, c, n, "dmabuf", sc.Name, sc.Expect))
			})
		}
	})
	t.Run("fence", func(t *testing.T) {
		for _, sc := range fence.Scenarios() {
			m, err := fence.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := expectation[fence.State](m, sc.Expect); sc.Expect == "" || !ok || e != statespace.Always {
				continue
			}
			n := next()
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				add(bugCase[fence.State](t, m, n, "fence", sc.Name, sc.Expect))
			})
		}
	})
	t.Run("deadlock", func(t *testing.T) {
		for _, sc := range deadlock.Scenarios() {
			m, err := deadlock.New(sc.Config())
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := expectation[deadlock.State](m, sc.Expect); sc.Expect == "" || !ok || e != statespace.Always {
				continue
			}
			n := next()
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				add(bugCase[deadlock.State](t, m, n, "deadlock", sc.Name, sc.Expect))
			})
		}
	})
	slices.SortFunc(rows, func(x, y shrinkRow) int { return x.order - y.order })
	var b strings.Builder
	fmt.Fprintf(&b, "shrunk counterexamples (length (from length of the first failing walk, walk it was found in)); budgets: rapid %s, gopter %s\n",
		pbt.BudgetOf("rapid", pbt.Options{}), pbt.BudgetOf("gopter", pbt.Options{}))
	fmt.Fprintf(&b, "%-9s %-31s %-34s %4s  %-24s %-24s\n", "model", "scenario", "property", "BFS", "rapid shrunk", "gopter shrunk")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-9s %-31s %-34s %4d  %-24s %-24s\n", r.model, r.scenario, r.property, r.bfs, r.cell(r.rapid), r.cell(r.gopter))
	}
	t.Log("\n" + b.String())
}
