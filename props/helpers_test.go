package props_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// checked builds the model for cfg with its properties attached; a config
// the model rejects stops the test.
func checked(t testing.TB, cfg model.Config) props.Checked {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatalf("model.New: %v", err)
	}
	return props.Check(m)
}

// run checks c with opt; a Check error stops the test.
func run(t testing.TB, c props.Checked, opt statespace.Options) *statespace.Result {
	t.Helper()
	r, err := statespace.Check[model.State](c, opt)
	if err != nil {
		t.Fatalf("statespace.Check: %v", err)
	}
	return r
}

// only checks c with Options.Only restricted to one property.
func only(t testing.TB, c props.Checked, property string) *statespace.Result {
	t.Helper()
	return run(t, c, statespace.Options{Only: []string{property}})
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

// expectations maps each property of the DMA-buf model to its expectation
// (the property list does not depend on the configuration).
func expectations(t testing.TB) map[string]statespace.Expectation {
	t.Helper()
	sc := model.Scenarios()[0]
	out := map[string]statespace.Expectation{}
	for _, p := range checked(t, sc.Config).Properties() {
		out[p.Name] = p.Expectation
	}
	return out
}

// scenario returns the built-in scenario called name.
func scenario(t testing.TB, name string) model.Scenario {
	t.Helper()
	sc, ok := model.ScenarioByName(name)
	if !ok {
		t.Fatalf("no built-in scenario %q", name)
	}
	return sc
}

// correctScenarios are the built-in scenarios every safety property must
// hold on (Expect == "").
func correctScenarios() []model.Scenario {
	var out []model.Scenario
	for _, sc := range model.Scenarios() {
		if sc.Expect == "" {
			out = append(out, sc)
		}
	}
	return out
}
