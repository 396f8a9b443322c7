package p2p_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// newModel builds the model for cfg; a config the model rejects stops the
// test.
func newModel(t testing.TB, cfg p2p.Config) *p2p.Model {
	t.Helper()
	m, err := p2p.New(cfg)
	if err != nil {
		t.Fatalf("p2p.New: %v", err)
	}
	return m
}

// run checks m with opt; a Check error stops the test.
func run(t testing.TB, m statespace.Model[p2p.State], opt statespace.Options) *statespace.Result {
	t.Helper()
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatalf("statespace.Check: %v", err)
	}
	return r
}

// scenario returns the built-in scenario called name.
func scenario(t testing.TB, name string) p2p.Scenario {
	t.Helper()
	sc, ok := p2p.ScenarioByName(name)
	if !ok {
		t.Fatalf("no built-in scenario %q", name)
	}
	return sc
}

// expectation returns the expectation of a property name of m ("deadlock"
// counts as Always).
func expectation(m *p2p.Model, name string) (statespace.Expectation, bool) {
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
// to break: checking it alone explores the whole state space.
func safeOnly(sc p2p.Scenario) string {
	broken := map[string]bool{sc.Expect: true}
	for _, p := range sc.AlsoBreaks {
		broken[p] = true
	}
	for _, p := range []string{p2p.Routable, p2p.NoDropped, p2p.NoStaleRead, p2p.Fallback, p2p.BAROnlyToP2P} {
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

// stepTo replays labels from the initial state, failing the test if a label
// is not enabled on the way, and returns the state reached.
func stepTo(t testing.TB, m *p2p.Model, labels ...string) p2p.State {
	t.Helper()
	s := m.Init()[0]
	names := m.ActionNames()
	for i, l := range labels {
		var acts []statespace.Action
		found := false
		for _, a := range m.Actions(&s, acts) {
			if names[a] == l {
				s = m.Step(&s, a)
				found = true
				break
			}
		}
		if !found {
			var en []string
			for _, a := range m.Actions(&s, nil) {
				en = append(en, names[a])
			}
			t.Fatalf("step %d: %q is not enabled; enabled:\n  %s", i+1, l, strings.Join(en, "\n  "))
		}
	}
	return s
}
