package regress_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// A directive's value ends at a space: a property or parameter value with
// one is written in parentheses, which datadriven reads as one value; one
// that parentheses cannot carry either (a comma would split it) is refused
// rather than written as a script that does not parse.
func TestScriptQuotesValuesWithSpaces(t *testing.T) {
	doc := &traces.Document{Scenario: "lock", Property: "mutual exclusion", Kind: "invariant", Loop: -1,
		Params: map[string]string{"mode": "two step", "n": "2"}}
	s, err := regress.Script(doc)
	if head, _, _ := strings.Cut(s, "\n"); err != nil || head != "replay scenario=lock property=(mutual exclusion) kind=invariant init=0 loop=-1 mode=(two step) n=2" {
		t.Errorf("Script: %q, %v", head, err)
	}
	for _, bad := range []string{"a, b", "x (y", "(x)"} {
		doc.Property = bad
		if _, err := regress.Script(doc); err == nil {
			t.Errorf("Script of property %q: no error", bad)
		}
	}
	// A registered model's name (cli.Register takes any) is a value too.
	doc.Property, doc.Scenario = "p", "my lock"
	if s, err := regress.Script(doc); err != nil || !strings.HasPrefix(s, "replay scenario=(my lock) property=p ") {
		t.Errorf("Script of scenario %q: %q, %v", doc.Scenario, s, err)
	}
	doc.Scenario = "a, b"
	if _, err := regress.Script(doc); err == nil {
		t.Errorf("Script of scenario %q: no error", doc.Scenario)
	}
}
