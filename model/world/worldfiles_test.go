package world_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// The tests of world features take their worlds from world files: the
// built-ins (scenarios/NAME.yaml) and the worlds of testdata/.

// loadWorld builds the world of the world file at path, at the parameter
// settings given (name=value; the defaults otherwise).
func loadWorld(t testing.TB, path string, settings ...string) *world.Model {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, v, _, err := scenario.ParseFileWith(scenario.Builtin(), path, text, settings)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sc.World(v)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// builtin builds the world of the built-in scenario name
// (scenarios/NAME.yaml) at the settings given.
func builtin(t testing.TB, name string, settings ...string) *world.Model {
	t.Helper()
	return loadWorld(t, filepath.Join("..", "..", "scenarios", name+".yaml"), settings...)
}

// builtinSpec is the world declaration of the built-in scenario name at
// its defaults, for a test to change.
func builtinSpec(t testing.TB, name string) world.Spec {
	t.Helper()
	return builtin(t, name).Spec()
}
