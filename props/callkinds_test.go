package props_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryCallKindFires: every call kind of the world's semantics tables
// (world.CallKinds: kernel calls and hardware events, family by family)
// changes the state in some scenario file. A kind that never fires is a
// rule no check exercises, so every verdict that depends on it would be
// vacuous (kernel-rules §12.4).
//
// Each file is explored in full, checking nothing (so no violation stops
// the search early), and an action counts for each call it makes
// (world.Model.ActionCalls) when it changed the state at least once.
// testdata/callkinds pins, per kind, the number of files where it fires
// and the first of them (-rewrite accepts a deliberate change).
func TestEveryCallKindFires(t *testing.T) {
	fired := map[world.CallKind][]string{}
	for _, path := range scenarioFiles(t) {
		f := load(t, path)
		r := f.check(t, statespace.Options{Only: []string{statespace.DeadlockProperty}, NoDeadlock: true})
		if r.Status == statespace.StatusIncomplete {
			t.Logf("%s: explored within its bounds only (%s)", path, r.Incomplete)
		}
		kinds := map[world.CallKind]bool{}
		for a, st := range r.Stats.Actions {
			if st.Changed == 0 {
				continue
			}
			for _, c := range f.m.ActionCalls(statespace.Action(a)) {
				kinds[c.Kind] = true
			}
		}
		for k := range kinds {
			fired[k] = append(fired[k], path)
		}
	}
	listed := map[string]bool{}
	datadriven.RunTest(t, "testdata/callkinds", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "fires" || len(d.CmdArgs) != 1 {
			t.Fatalf("%s: want: fires FAMILY", d.Pos)
		}
		listed[d.CmdArgs[0].Key] = true
		var b strings.Builder
		for _, k := range world.CallKinds() {
			if k.Family != d.CmdArgs[0].Key {
				continue
			}
			files := fired[k.Kind]
			if len(files) == 0 {
				t.Errorf("%s call %q fires in no scenario file", k.Family, k.Name)
				fmt.Fprintf(&b, "%#x %s: never\n", k.Kind, k.Name)
				continue
			}
			// Files are visited in path order.
			fmt.Fprintf(&b, "%#x %s: %d files, first %s\n", k.Kind, k.Name, len(files), files[0])
		}
		return b.String()
	})
	for _, k := range world.CallKinds() {
		if !listed[k.Family] {
			t.Errorf("testdata/callkinds has no directive for the %s family (add \"fires %s\", then -rewrite)", k.Family, k.Family)
			listed[k.Family] = true
		}
	}
}
