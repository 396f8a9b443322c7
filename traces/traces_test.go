package traces_test

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

func violation(t *testing.T, name string) (*statespace.Result, scenario.Values) {
	t.Helper()
	sc, err := scenario.Builtin().Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := sc.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.Check(v, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r, v
}

// Every built-in scenario with a counterexample renders it in every format
// (issue 5: "every scenario of the model issues produces a trace in every
// format in a test").
func TestEveryCounterexampleRendersInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	n := 0
	for _, sc := range scenario.Builtin().All() {
		if sc.Name == "german" || sc.Name == "dmabuf-bench" {
			continue // reference models without violations at their defaults
		}
		r, v := violation(t, sc.Name)
		if r.Violation == nil || r.Violation.Trace == nil {
			continue
		}
		n++
		doc, err := traces.FromViolation(sc.Name, v.Map(), r.Violation)
		if err != nil {
			t.Fatal(err)
		}
		for _, ext := range traces.Extensions() {
			p := filepath.Join(dir, sc.Name+ext)
			if err := traces.WriteFile(p, doc); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			last := doc.Steps[len(doc.Steps)-1].Label() // the actor is named apart
			switch ext {
			case ".json":
				last = doc.Steps[len(doc.Steps)-1].Action
			case ".mmd": // Mermaid cannot show ';' or '#' in a message
				last = strings.NewReplacer(";", ",", "#", "no.").Replace(last)
			case ".html": // escaped, and long labels are shortened in the diagram
				last = html.EscapeString(last[:min(len(last), 40)])
			}
			if ext != ".json" && !strings.Contains(string(b), last) && len(doc.Steps) > 1 {
				t.Errorf("%s does not show the last action %q", p, last)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d scenarios had a counterexample; the model issues ship more", n)
	}
}

// The JSON schema is pinned: these keys, with these meanings, in
// dmabufcheck-trace/1. Changing them needs a new Schema version.
func TestJSONSchemaIsStable(t *testing.T) {
	r, v := violation(t, "today")
	doc, err := traces.FromViolation("today", v.Map(), r.Violation)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "t.json")
	if err := traces.WriteFile(p, doc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	// "explanation" (and a step's "observed" and "messages") came with
	// issue 15: optional keys, so files without them still decode.
	if want := []string{"actors", "explanation", "init", "kind", "loop", "params", "property", "scenario", "schema", "steps"}; !slices.Equal(keys, want) {
		t.Errorf("top-level keys %v, want %v", keys, want)
	}
	var steps []map[string]json.RawMessage
	if err := json.Unmarshal(top["steps"], &steps); err != nil {
		t.Fatal(err)
	}
	var stepKeys []string
	for k := range steps[len(steps)-1] {
		stepKeys = append(stepKeys, k)
	}
	slices.Sort(stepKeys)
	if want := []string{"action", "action_index", "actor", "changed", "fingerprint", "index", "observed", "state"}; !slices.Equal(stepKeys, want) {
		t.Errorf("step keys %v, want %v", stepKeys, want)
	}
	if string(top["schema"]) != `"`+traces.Schema+`"` || traces.Schema != "dmabufcheck-trace/1" {
		t.Errorf("schema %s", top["schema"])
	}
}

// A lasso is drawn as a loop; a deadlock names its cycle.
func TestLassoAndCycleRendering(t *testing.T) {
	dir := t.TempDir()
	r, v := violation(t, "fence-sw-sync-indefinite")
	doc, err := traces.FromViolation("fence-sw-sync-indefinite", v.Map(), r.Violation)
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation.Kind == statespace.KindLiveness && doc.Loop < 0 {
		t.Errorf("liveness violation without a loop")
	}
	r, v = violation(t, "deadlock-ww-mutex-misuse")
	doc, err = traces.FromViolation("deadlock-ww-mutex-misuse", v.Map(), r.Violation)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "d.txt")
	if err := traces.WriteFile(p, doc); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if len(doc.Cycle) == 0 || !strings.Contains(string(b), "deadlock: importer0 waits for importer1") {
		t.Errorf("the deadlock's cycle is not named:\n%s", b)
	}
}

func TestUnknownExtensionIsRejected(t *testing.T) {
	if err := traces.CheckPath("trace.pdf"); err == nil || !strings.Contains(err.Error(), ".json") {
		t.Errorf("error %v", err)
	}
	if _, err := traces.FromViolation("x", nil, nil); err == nil {
		t.Error("a nil violation was accepted")
	}
}
