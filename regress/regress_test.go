package regress_test

import (
	"path/filepath"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// TestRegressions replays every exported counterexample under testdata/
// (written by `check export`). Run with -rewrite to accept a model change
// that changes what a script prints.
func TestRegressions(t *testing.T) {
	reg := scenario.Builtin()
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		if filepath.Ext(path) != ".txt" {
			return // a scenario file beside its script (file=NAME.yaml)
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "replay" {
				t.Fatalf("%s: unknown directive %q", d.Pos, d.Cmd)
			}
			args, err := regress.Args(d.CmdArgs)
			if err != nil {
				t.Fatalf("%s: %v", d.Pos, err)
			}
			return regress.RunIn(reg, filepath.Dir(path), args, d.Input) + "\n"
		})
	})
}
