package props_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The scenario files the tests read: the built-ins (scenarios/) and the
// worked examples of docs/writing-scenarios.md (docs/examples/world/).
// Paths are from the repository root, as the catalogue names them.
var fileDirs = []string{"docs/examples/world", "scenarios"}

// root is the repository root, seen from this package's directory.
const root = ".."

// scenarioFiles lists every scenario file, in path order.
func scenarioFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, dir := range fileDirs {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.yaml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no scenario files in %s: %v", dir, err)
		}
		for _, f := range files {
			out = append(out, filepath.ToSlash(filepath.Join(dir, filepath.Base(f))))
		}
	}
	slices.Sort(out)
	return out
}

// file is a loaded scenario file and its world.
type file struct {
	// path is the file's path from the repository root.
	path string
	sc   *scenario.Scenario
	v    scenario.Values
	opt  scenario.FileOptions
	m    *world.Model
}

// load reads the scenario file at path (from the repository root) and
// builds its world.
func load(t testing.TB, path string) file {
	t.Helper()
	sc, v, opt, err := scenario.LoadFile(scenario.Builtin(), filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	if sc.World == nil {
		t.Fatalf("%s is not a world file", path)
	}
	m, err := sc.World(v)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return file{path: path, sc: sc, v: v, opt: opt, m: m}
}

// bounds are the file's own bounds (max-states, max-depth) as checker
// options.
func (f file) bounds() statespace.Options {
	return statespace.Options{MaxStates: f.opt.MaxStates, MaxDepth: f.opt.MaxDepth}
}

// invariant reports whether name is one of the file's own invariants
// (not a built-in property).
func (f file) invariant(name string) bool {
	for _, inv := range f.m.Spec().Invariants {
		if inv.Name == name {
			return true
		}
	}
	return false
}

// check runs the checker on the file's world with opt (the file's bounds
// apply unless opt sets its own).
func (f file) check(t testing.TB, opt statespace.Options) *statespace.Result {
	t.Helper()
	b := f.bounds()
	if opt.MaxStates == 0 {
		opt.MaxStates = b.MaxStates
	}
	if opt.MaxDepth == 0 {
		opt.MaxDepth = b.MaxDepth
	}
	r, err := world.Check(f.m, opt)
	if err != nil {
		t.Fatalf("%s: %v", f.path, err)
	}
	return r
}
