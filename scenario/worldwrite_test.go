package scenario

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// writeAndReadBack writes spec as a world file and reads it back: the
// scenario read, its values, the world written and the file's text.
func writeAndReadBack(t *testing.T, spec world.Spec, description string) (*Scenario, Values, *world.Model, []byte) {
	t.Helper()
	text, err := WorldYAML(spec, description, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, v, _, err := ParseFile(Builtin(), spec.Name+".yaml", text)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	return back, v, m, text
}

// sameResult fails when two runs differ in status, states, transitions,
// violated property or counterexample length.
func sameResult(t *testing.T, what string, got, want *statespace.Result, text []byte) {
	t.Helper()
	if got.Status != want.Status || got.Stats.States != want.Stats.States || got.Stats.Transitions != want.Stats.Transitions ||
		(got.Violation == nil) != (want.Violation == nil) ||
		got.Violation != nil && (got.Violation.Property != want.Violation.Property || got.Violation.Length() != want.Violation.Length()) {
		t.Fatalf("%s: read back %s %d states %d transitions; written %s %d states %d transitions\n%s",
			what, got.Status, got.Stats.States, got.Stats.Transitions, want.Status, want.Stats.States, want.Stats.Transitions, text)
	}
}

// propVerdicts lists each property's verdict and its counterexample's length.
func propVerdicts(r *statespace.Result) []string {
	var out []string
	for _, p := range r.Properties {
		n := 0
		if p.Trace != nil {
			n = p.Trace.Len()
		}
		out = append(out, fmt.Sprintf("%s=%s/%d", p.Name, p.Verdict, n))
	}
	return out
}

func labels(tr *statespace.Trace) []string {
	if tr == nil {
		return nil
	}
	var out []string
	for _, s := range tr.Steps {
		out = append(out, s.Label)
	}
	return out
}

// roundTrip writes spec as a world file (WorldYAML), reads it back, and
// checks that the text is a fixed point (the world read back writes the
// same text) and that the world read back gives, checked whole, the same
// status, states, transitions, property verdicts and counterexample
// steps as the world written.
func roundTrip(t *testing.T, spec world.Spec, description string) {
	t.Helper()
	back, v, m, text := writeAndReadBack(t, spec, description)
	spec2, err := back.spec(v)
	if err != nil {
		t.Fatal(err)
	}
	again, err := WorldYAML(spec2, description, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, text) {
		t.Fatalf("the world read back writes another file:\n%s", lineDiff(string(again), string(text)))
	}
	o := statespace.Options{Workers: 1} // every property, liveness included
	want, err := world.Check(m, o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Check(v, o)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, "every property", got, want, text)
	if fmt.Sprint(propVerdicts(got)) != fmt.Sprint(propVerdicts(want)) {
		t.Errorf("properties: read back %v, written %v", propVerdicts(got), propVerdicts(want))
	}
	if got.Violation != nil && strings.Join(labels(got.Violation.Trace), "\n") != strings.Join(labels(want.Violation.Trace), "\n") {
		t.Errorf("counterexample steps differ:\n%s\nwritten:\n%s", strings.Join(labels(got.Violation.Trace), "\n"), strings.Join(labels(want.Violation.Trace), "\n"))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  got:  %s\n  want: %s", i+1, a, b)
		}
	}
	return "(equal)"
}

// TestWorldYAMLRoundTripsEveryBuiltin: the world of every built-in's
// file, at its defaults and at the first combination of its parameters'
// values (each at its smallest value or first option), written by
// WorldYAML and read back, is the same world; so are the two ww_mutex
// built-ins with the wound-wait class (which no file sets).
func TestWorldYAMLRoundTripsEveryBuiltin(t *testing.T) {
	reg := Builtin()
	for _, path := range builtinFiles(t) {
		sc, _, _, err := LoadFile(reg, path)
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range [][]string{nil, combinations(sc.Params)[0]} {
			if set != nil && len(sc.Params) == 0 {
				continue
			}
			t.Run(strings.Join(append([]string{filepath.Base(path)}, set...), " "), func(t *testing.T) {
				v, err := sc.Parse(set)
				if err != nil {
					t.Fatal(err)
				}
				spec, err := sc.spec(v)
				if err != nil {
					t.Fatal(err)
				}
				roundTrip(t, spec, sc.Description)
			})
		}
	}
	for _, name := range []string{"deadlock-ww-mutex-misuse-fixed", "deadlock-ww-mutex-no-backoff"} {
		t.Run(name+" wound-wait", func(t *testing.T) {
			sc, err := reg.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := sc.Parse(nil)
			spec, err := sc.spec(v)
			if err != nil {
				t.Fatal(err)
			}
			if spec.Locks.WW == world.WoundWait {
				t.Fatalf("%s already has the wound-wait class", name)
			}
			spec.Locks.WW = world.WoundWait
			roundTrip(t, spec, sc.Description)
		})
	}
}
