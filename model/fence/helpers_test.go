package fence_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// newModel builds the model for cfg; a config the model rejects stops the
// test.
func newModel(t testing.TB, cfg fence.Config) *fence.Model {
	t.Helper()
	m, err := fence.New(cfg)
	if err != nil {
		t.Fatalf("fence.New: %v", err)
	}
	return m
}

// run checks m with opt; a Check error stops the test.
func run(t testing.TB, m statespace.Model[fence.State], opt statespace.Options) *statespace.Result {
	t.Helper()
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatalf("statespace.Check: %v", err)
	}
	return r
}

// scenario returns the built-in scenario called name.
func scenario(t testing.TB, name string) fence.Scenario {
	t.Helper()
	sc, ok := fence.ScenarioByName(name)
	if !ok {
		t.Fatalf("no built-in scenario %q", name)
	}
	return sc
}

// verdict returns the verdict on property in r.
func verdict(t testing.TB, r *statespace.Result, property string) statespace.PropertyResult {
	t.Helper()
	for _, p := range r.Properties {
		if p.Name == property {
			return p
		}
	}
	t.Fatalf("property %q is not in the result", property)
	return statespace.PropertyResult{}
}

// expectation returns the expectation of a property name of m ("deadlock"
// counts as Always).
func expectation(m *fence.Model, name string) (statespace.Expectation, bool) {
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

// safeOnly returns the name of an always property that sc is not expected
// to break: checking it alone explores the whole state space without
// stopping at a counterexample (and without the liveness pass).
func safeOnly(sc fence.Scenario) string {
	broken := map[string]bool{sc.Expect: true}
	for _, p := range sc.AlsoBreaks {
		broken[p] = true
	}
	for _, p := range []string{fence.Monotonicity, fence.IdleMeansIdle, fence.KeepsNewest, fence.NoJobAfterMove, fence.NeedReservation} {
		if !broken[p] {
			return p
		}
	}
	panic("scenario " + sc.Name + " breaks every always property")
}

func traceText(tr *statespace.Trace) string {
	if tr == nil {
		return ""
	}
	return strings.TrimRight(tr.String(), "\n")
}
