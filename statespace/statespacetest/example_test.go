package statespacetest_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// Counter counts up to Limit and can be reset to zero.
type Counter struct{ Limit uint8 }

// CounterState is the counter's state: plain memory, no Fingerprinter needed.
type CounterState struct{ N uint8 }

func (c Counter) Init() []CounterState  { return []CounterState{{N: 0}} }
func (c Counter) ActionNames() []string { return []string{"inc", "reset"} }

func (c Counter) Actions(s *CounterState, buf []statespace.Action) []statespace.Action {
	if s.N < c.Limit {
		buf = append(buf, 0)
	}
	if s.N > 0 {
		buf = append(buf, 1)
	}
	return buf
}

func (c Counter) Step(s *CounterState, a statespace.Action) CounterState {
	if a == 0 {
		return CounterState{N: s.N + 1}
	}
	return CounterState{N: 0}
}

func (c Counter) Properties() []statespace.Property[CounterState] {
	return []statespace.Property[CounterState]{
		{Name: "bounded", Expectation: statespace.Always, Holds: func(s *CounterState) bool { return s.N <= c.Limit }},
		{Name: "full", Expectation: statespace.Sometimes, Holds: func(s *CounterState) bool { return s.N == c.Limit }},
	}
}

// printer stands in for the *testing.T a real test would pass: it prints
// what the assertions report.
type printer struct{ testing.TB }

func (printer) Helper()                        {}
func (printer) Errorf(format string, a ...any) { fmt.Printf("FAIL: "+format+"\n", a...) }
func (printer) Fatalf(format string, a ...any) { fmt.Printf("FATAL: "+format+"\n", a...) }

func Example() {
	var t testing.TB = printer{} // in a test: the test's *testing.T

	// Every property holds and every action fires.
	r := statespacetest.AssertHolds(t, Counter{Limit: 3}, statespace.Options{})
	statespacetest.AssertNoVacuity(t, r)
	fmt.Println(r.Status, r.Stats.States, "states")

	// "full" is first reached after three increments.
	r = statespacetest.AssertDiscovery(t, Counter{Limit: 3}, "full", 3, statespace.Options{})
	statespacetest.AssertLabels(t, r.Properties[1].Trace, "inc", "inc", "inc")

	// A wrong expectation fails the test and shows the trace found.
	statespacetest.AssertDiscovery(t, Counter{Limit: 3}, "full", 2, statespace.Options{})

	// Output:
	// ok 4 states
	// FAIL: property "full" reached: want a shortest trace of 2 steps, got 3 steps:
	//   0  initial state (Init()[0])
	//        N = 0
	//   1  inc
	//        N = 1
	//   2  inc
	//        N = 2
	//   3  inc
	//        N = 3
}
