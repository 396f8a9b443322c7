package scenario

import (
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// scenariosDir holds a world file per built-in scenario.
const scenariosDir = "../scenarios"

// builtinFiles are the paths of the built-ins' world files, sorted.
func builtinFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(scenariosDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no world files in %s: %v", scenariosDir, err)
	}
	return files
}

// Every built-in's world file meets its expectations, which pin the
// verdict and shortest counterexample length of every property of its
// world, and deadlock, at the default values. They were found on the
// earlier models' worlds and are the record of their equivalence with
// the world (docs/world.md, "History"): a change of the world that
// changes one is a change of a built-in's verdict.
func TestEveryBuiltinFileMeetsItsExpectations(t *testing.T) {
	reg := Builtin()
	for _, path := range builtinFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sc, v, opt, err := LoadFile(reg, path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := sc.World(v)
			if err != nil {
				t.Fatal(err)
			}
			var pinned []string
			for _, e := range opt.Expect {
				pinned = append(pinned, e.Property)
			}
			if want := append(m.PropertyNames(), statespace.DeadlockProperty); !slices.Equal(pinned, want) {
				t.Fatalf("%s pins %v, the world has %v", path, pinned, want)
			}
			bad, err := CheckExpectations(path, sc, v, opt.Expect, statespace.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				t.Error(b)
			}
		})
	}
}

// paramValues are every value of p, in order (false before true).
func paramValues(p Param) []string {
	switch p.Kind {
	case Int:
		var out []string
		for i := p.Min; i <= p.Max; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out
	case Bool:
		return []string{"false", "true"}
	}
	return p.Options
}

// combinations are every combination of values of params, as settings.
func combinations(params []Param) [][]string {
	out := [][]string{nil}
	for _, p := range params {
		var next [][]string
		for _, c := range out {
			for _, x := range paramValues(p) {
				next = append(next, append(slices.Clone(c), p.Name+"="+x))
			}
		}
		out = next
	}
	return out
}

// Every built-in's world file is a world at every combination of its
// parameters' values (the whole cross product: 848 of them): instantiated
// and read, it builds. A sample of them, the first combination of each
// file (every parameter at its smallest value or first option), is
// checked whole, each property to a verdict (no search ends incomplete or
// in an error).
func TestEveryBuiltinFileIsAWorldAtEveryValue(t *testing.T) {
	total, checked := 0, 0
	for _, path := range builtinFiles(t) {
		sc, _, _, err := LoadFile(Builtin(), path)
		if err != nil {
			t.Fatal(err)
		}
		all := combinations(sc.Params)
		for i, set := range all {
			v, err := sc.Parse(set)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := sc.spec(v)
			if err != nil {
				t.Fatalf("%s at %s: %v", path, v, err)
			}
			m, err := world.Build(spec)
			if err != nil {
				t.Fatalf("%s at %s: %v", path, v, err)
			}
			if i == 0 {
				r, err := world.Check(m, statespace.Options{})
				if err != nil {
					t.Fatalf("%s at %s: %v", path, v, err)
				}
				if r.Status == statespace.StatusIncomplete {
					t.Errorf("%s at %s: the search is incomplete (%s)", path, v, r.Incomplete)
				}
				checked++
			}
		}
		total += len(all)
	}
	if total != 917 {
		t.Errorf("%d combinations of parameter values, want 917 (a built-in's parameters changed: update the count)", total)
	}
	t.Logf("%d combinations of parameter values built, %d checked whole", total, checked)
}

// The registry's built-ins are the two reference models and one scenario
// per world file of scenarios/, named after it, read from it, with its
// description.
func TestEveryBuiltinFileIsABuiltin(t *testing.T) {
	reg := Builtin()
	want := []string{"dmabuf-bench", "german"}
	for _, path := range builtinFiles(t) {
		name := filepath.Base(path)
		name = name[:len(name)-len(".yaml")]
		want = append(want, name)
		b, err := reg.Lookup(name)
		if err != nil {
			t.Error(err)
			continue
		}
		f, _, _, err := LoadFile(reg, path)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name != name {
			t.Errorf("%s is scenario %q", path, f.Name)
		}
		if b.spec == nil || b.Description != f.Description {
			t.Errorf("%s: the built-in is not read from its world file (description %q, the file's %q)", name, b.Description, f.Description)
		}
	}
	slices.Sort(want)
	if got := reg.Names(); !slices.Equal(got, want) {
		t.Errorf("built-ins %v\nwant %v", got, want)
	}
}
