package statespacetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// fakeTB records what the assertions report instead of failing the test.
type fakeTB struct {
	testing.TB // nil: calling anything not overridden below panics
	errors     []string
	fatals     []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {}

func (f *fakeTB) report() string {
	return "errors: " + strings.Join(f.errors, "\n---\n") + "\nfatals: " + strings.Join(f.fatals, "\n---\n")
}

// expectPass fails t if the fake recorded any failure.
func expectPass(t *testing.T, f *fakeTB) {
	t.Helper()
	if len(f.errors) > 0 || len(f.fatals) > 0 {
		t.Errorf("assertion failed, want it to pass:\n%s", f.report())
	}
}

// expectError fails t unless the fake recorded exactly one Errorf (and no
// Fatalf) whose message contains every one of want.
func expectError(t *testing.T, f *fakeTB, want ...string) {
	t.Helper()
	if len(f.errors) != 1 || len(f.fatals) != 0 {
		t.Fatalf("want exactly one Errorf and no Fatalf, got:\n%s", f.report())
	}
	for _, w := range want {
		if !strings.Contains(f.errors[0], w) {
			t.Errorf("failure message lacks %q:\n%s", w, f.errors[0])
		}
	}
}

// expectFatal fails t unless the fake recorded a Fatalf containing want.
func expectFatal(t *testing.T, f *fakeTB, want string) {
	t.Helper()
	if len(f.fatals) != 1 {
		t.Fatalf("want exactly one Fatalf, got:\n%s", f.report())
	}
	if !strings.Contains(f.fatals[0], want) {
		t.Errorf("fatal message lacks %q:\n%s", want, f.fatals[0])
	}
}

// walker is a configurable counter 0..limit: "inc" counts up, "reset"
// (optional) goes back to 0, "ghost" (optional) is never enabled and "noop"
// (optional) is enabled everywhere and changes nothing. Without reset the
// state limit is a deadlock.
type walker struct {
	limit       uint8
	reset       bool
	ghost, noop bool
	props       []statespace.Property[CounterState]
}

func (w walker) Init() []CounterState { return []CounterState{{}} }
func (w walker) ActionNames() []string {
	return []string{"inc", "reset", "ghost", "noop"}
}
func (w walker) Actions(s *CounterState, buf []statespace.Action) []statespace.Action {
	if s.N < w.limit {
		buf = append(buf, 0)
	}
	if w.reset && s.N > 0 {
		buf = append(buf, 1)
	}
	if w.ghost && s.N > w.limit {
		buf = append(buf, 2)
	}
	if w.noop {
		buf = append(buf, 3)
	}
	return buf
}
func (w walker) Step(s *CounterState, a statespace.Action) CounterState {
	switch a {
	case 0:
		return CounterState{N: s.N + 1}
	case 1:
		return CounterState{}
	}
	return *s
}
func (w walker) Properties() []statespace.Property[CounterState] { return w.props }

func always(name string, f func(n uint8) bool) statespace.Property[CounterState] {
	return statespace.Property[CounterState]{Name: name, Expectation: statespace.Always, Holds: func(s *CounterState) bool { return f(s.N) }}
}

func sometimes(name string, f func(n uint8) bool) statespace.Property[CounterState] {
	return statespace.Property[CounterState]{Name: name, Expectation: statespace.Sometimes, Holds: func(s *CounterState) bool { return f(s.N) }}
}

// padded has a state type with padding and no Fingerprinter: Check errors.
type padded struct{}
type paddedState struct {
	A uint8
	B uint32
}

func (padded) Init() []paddedState                                           { return []paddedState{{}} }
func (padded) ActionNames() []string                                         { return nil }
func (padded) Actions(*paddedState, []statespace.Action) []statespace.Action { return nil }
func (padded) Step(s *paddedState, _ statespace.Action) paddedState          { return *s }
func (padded) Properties() []statespace.Property[paddedState]                { return nil }

func TestAssertHoldsPassesWhenEverythingHolds(t *testing.T) {
	f := &fakeTB{}
	m := walker{limit: 4, reset: true, props: []statespace.Property[CounterState]{
		always("bounded", func(n uint8) bool { return n <= 4 }),
		sometimes("top", func(n uint8) bool { return n == 4 }),
	}}
	r := statespacetest.AssertHolds(f, m, statespace.Options{Workers: 2})
	expectPass(t, f)
	if r == nil || r.Status != statespace.StatusOK || r.Stats.States != 5 {
		t.Errorf("want the OK result with 5 states back, got %+v", r)
	}
}

func TestAssertHoldsFailsOnInvariantViolation(t *testing.T) {
	f := &fakeTB{}
	m := walker{limit: 4, reset: true, props: []statespace.Property[CounterState]{
		always("small", func(n uint8) bool { return n < 2 }),
	}}
	r := statespacetest.AssertHolds(f, m, statespace.Options{})
	expectError(t, f, "status violation", "small", "invariant", "after 2 steps", "1  inc", "N = 2")
	if r == nil || r.Status != statespace.StatusViolation {
		t.Errorf("want the violation result back, got %+v", r)
	}
}

func TestAssertHoldsFailsOnDeadlock(t *testing.T) {
	f := &fakeTB{}
	statespacetest.AssertHolds(f, walker{limit: 3}, statespace.Options{})
	expectError(t, f, "deadlock", "after 3 steps", "N = 3")
}

func TestAssertHoldsFailsOnUnreachedSometimes(t *testing.T) {
	f := &fakeTB{}
	m := walker{limit: 3, reset: true, props: []statespace.Property[CounterState]{
		sometimes("beyond", func(n uint8) bool { return n > 3 }),
	}}
	statespacetest.AssertHolds(f, m, statespace.Options{})
	expectError(t, f, "beyond", "unreachable")
}

func TestAssertHoldsFailsOnIncompleteSearch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opt    statespace.Options
		reason string
	}{
		{"max states", statespace.Options{MaxStates: 2}, "max states"},
		{"max depth", statespace.Options{MaxDepth: 2}, "max depth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTB{}
			m := walker{limit: 10, reset: true, props: []statespace.Property[CounterState]{
				always("bounded", func(n uint8) bool { return n <= 10 }),
			}}
			r := statespacetest.AssertHolds(f, m, tc.opt)
			expectError(t, f, "status incomplete", "search incomplete: "+tc.reason)
			if r == nil || r.Status != statespace.StatusIncomplete {
				t.Errorf("want the incomplete result back, got %+v", r)
			}
		})
	}
}

func TestAssertHoldsFatalOnCheckError(t *testing.T) {
	f := &fakeTB{}
	r := statespacetest.AssertHolds[paddedState](f, padded{}, statespace.Options{})
	expectFatal(t, f, "Fingerprinter")
	if r != nil {
		t.Errorf("want a nil result after a Check error, got %+v", r)
	}

	f = &fakeTB{}
	statespacetest.AssertHolds(f, walker{limit: 1, reset: true}, statespace.Options{Only: []string{"nope"}})
	expectFatal(t, f, "nope")
}

func TestAssertDiscoveryPassesOnExactLength(t *testing.T) {
	m := walker{limit: 5, reset: true, props: []statespace.Property[CounterState]{
		always("small", func(n uint8) bool { return n < 3 }),
		sometimes("four", func(n uint8) bool { return n == 4 }),
	}}
	f := &fakeTB{}
	r := statespacetest.AssertDiscovery(f, m, "small", 3, statespace.Options{Workers: 3})
	expectPass(t, f)
	if r == nil || r.Violation == nil || r.Violation.Property != "small" {
		t.Errorf("want the violation of small back, got %+v", r)
	}

	f = &fakeTB{}
	statespacetest.AssertDiscovery(f, m, "four", 4, statespace.Options{})
	expectPass(t, f)

	// Only is overridden: the other property is not checked.
	f = &fakeTB{}
	r = statespacetest.AssertDiscovery(f, m, "four", 4, statespace.Options{Only: []string{"small"}})
	expectPass(t, f)
	if r != nil && r.Properties[0].Verdict != "not checked" {
		t.Errorf("small: want verdict %q, got %q", "not checked", r.Properties[0].Verdict)
	}
}

func TestAssertDiscoveryFailsOnWrongLength(t *testing.T) {
	m := walker{limit: 5, reset: true, props: []statespace.Property[CounterState]{
		always("small", func(n uint8) bool { return n < 3 }),
		sometimes("four", func(n uint8) bool { return n == 4 }),
	}}
	for _, length := range []int{0, 2, 4} {
		f := &fakeTB{}
		statespacetest.AssertDiscovery(f, m, "small", length, statespace.Options{})
		expectError(t, f, fmt.Sprintf("want a shortest trace of %d steps, got 3 steps", length), "violated", "N = 3")
	}
	f := &fakeTB{}
	statespacetest.AssertDiscovery(f, m, "four", 3, statespace.Options{})
	expectError(t, f, "reached", "want a shortest trace of 3 steps, got 4 steps", "N = 4")
}

func TestAssertDiscoveryFailsWhenNotDiscovered(t *testing.T) {
	m := walker{limit: 5, reset: true, props: []statespace.Property[CounterState]{
		always("bounded", func(n uint8) bool { return n <= 5 }),
		sometimes("six", func(n uint8) bool { return n == 6 }),
	}}
	f := &fakeTB{}
	statespacetest.AssertDiscovery(f, m, "bounded", 0, statespace.Options{})
	expectError(t, f, `"bounded"`, `verdict "holds"`)

	f = &fakeTB{}
	statespacetest.AssertDiscovery(f, m, "six", 6, statespace.Options{})
	expectError(t, f, `"six"`, `verdict "unreached"`)

	// A bound that stops the search before the discovery: unknown.
	f = &fakeTB{}
	statespacetest.AssertDiscovery(f, walker{limit: 5, reset: true, props: []statespace.Property[CounterState]{
		always("small", func(n uint8) bool { return n < 3 }),
	}}, "small", 3, statespace.Options{MaxDepth: 2})
	expectError(t, f, `verdict "unknown"`, "incomplete: max depth")
}

func TestAssertDiscoveryDeadlock(t *testing.T) {
	f := &fakeTB{}
	// NoDeadlock is overridden when deadlock is the property asked for.
	statespacetest.AssertDiscovery(f, walker{limit: 3}, statespace.DeadlockProperty, 3, statespace.Options{NoDeadlock: true})
	expectPass(t, f)

	f = &fakeTB{}
	statespacetest.AssertDiscovery(f, walker{limit: 3}, statespace.DeadlockProperty, 2, statespace.Options{})
	expectError(t, f, "violated", "want a shortest trace of 2 steps, got 3 steps")

	f = &fakeTB{}
	statespacetest.AssertDiscovery(f, walker{limit: 3, reset: true}, statespace.DeadlockProperty, 3, statespace.Options{})
	expectError(t, f, `verdict "holds"`)
}

func TestAssertDiscoveryFatalOnCheckError(t *testing.T) {
	f := &fakeTB{}
	r := statespacetest.AssertDiscovery(f, walker{limit: 3, reset: true}, "missing", 1, statespace.Options{})
	expectFatal(t, f, `unknown property "missing"`)
	if r != nil {
		t.Errorf("want a nil result after a Check error, got %+v", r)
	}
}

func TestAssertLabels(t *testing.T) {
	m := walker{limit: 3, reset: true, props: []statespace.Property[CounterState]{
		sometimes("two", func(n uint8) bool { return n == 2 }),
		sometimes("zero", func(n uint8) bool { return n == 0 }),
	}}
	r, err := statespace.Check(m, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	two, zero := r.Properties[0].Trace, r.Properties[1].Trace

	f := &fakeTB{}
	statespacetest.AssertLabels(f, two, "inc", "inc")
	expectPass(t, f)

	f = &fakeTB{}
	statespacetest.AssertLabels(f, zero) // a trace of length 0 has no labels
	expectPass(t, f)

	f = &fakeTB{}
	statespacetest.AssertLabels(f, two, "inc", "reset")
	expectError(t, f, `got: ["inc", "inc"]`, `want: ["inc", "reset"]`, "N = 2")

	f = &fakeTB{}
	statespacetest.AssertLabels(f, two, "inc")
	expectError(t, f, `want: ["inc"]`)

	f = &fakeTB{}
	statespacetest.AssertLabels(f, two)
	expectError(t, f, `want: []`)

	f = &fakeTB{}
	statespacetest.AssertLabels(f, nil)
	expectError(t, f, "nil")
}

func TestAssertNoVacuity(t *testing.T) {
	props := []statespace.Property[CounterState]{always("bounded", func(n uint8) bool { return n <= 3 })}
	check := func(m walker) *statespace.Result {
		r, err := statespace.Check(m, statespace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	f := &fakeTB{}
	statespacetest.AssertNoVacuity(f, check(walker{limit: 3, reset: true, props: props}))
	// ghost and noop are never enabled in this configuration.
	expectError(t, f, "ghost never enabled", "noop never enabled")

	f = &fakeTB{}
	statespacetest.AssertNoVacuity(f, check(walker{limit: 3, reset: true, ghost: true, noop: true, props: props}))
	expectError(t, f, "ghost never enabled", "noop never changed the state")

	// Actions expected never to fire are left out; one that fires after
	// all, or a name that is no action, fails.
	f = &fakeTB{}
	statespacetest.AssertNoVacuity(f, check(walker{limit: 3, reset: true, props: props}), "ghost", "noop")
	expectPass(t, f)
	f = &fakeTB{}
	statespacetest.AssertNoVacuity(f, check(walker{limit: 3, reset: true, props: props}), "ghost", "noop", "inc", "gohst")
	expectError(t, f, "action inc fired", "expected never to", `"gohst", expected never to fire, is not an action`)

	f = &fakeTB{}
	statespacetest.AssertNoVacuity(f, nil)
	expectError(t, f, "nil result")

	// A model whose every action fires and changes the state passes.
	f = &fakeTB{}
	r, err := statespace.Check(Counter{Limit: 2}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	statespacetest.AssertNoVacuity(f, r)
	expectPass(t, f)
}

// drifting is a walker whose limit grows by one on every run: a model that
// is not a pure function of its configuration, so two runs differ.
type drifting struct {
	walker
	runs *int
}

func (d drifting) Init() []CounterState {
	*d.runs++
	return d.walker.Init()
}

func (d drifting) Actions(s *CounterState, buf []statespace.Action) []statespace.Action {
	w := d.walker
	w.limit += uint8(*d.runs)
	return w.Actions(s, buf)
}

func TestAssertWorkerIndependent(t *testing.T) {
	f := &fakeTB{}
	statespacetest.AssertWorkerIndependent[CounterState](f, walker{limit: 5, reset: true}, statespace.Options{}, 1, 2, 3)
	expectPass(t, f)

	runs := 0
	f = &fakeTB{}
	statespacetest.AssertWorkerIndependent[CounterState](f, drifting{walker{limit: 5}, &runs}, statespace.Options{NoDeadlock: true}, 1, 2)
	expectError(t, f, "workers 2 gave", "states=8", "workers 1 gave", "states=7")
}
