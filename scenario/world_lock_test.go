package scenario

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestWorldFilesRoundTripTheDeadlockScenarios: every built-in scenario of
// the earlier locking model, as a world (FromDeadlockConfig), written as a
// world file and read back, is the same world: the same states,
// transitions and verdict, and the same action names.
func TestWorldFilesRoundTripTheDeadlockScenarios(t *testing.T) {
	type named struct {
		name, desc string
		cfg        deadlock.Config
	}
	var all []named
	for _, sc := range deadlock.Scenarios() {
		all = append(all, named{sc.Name, sc.Description, sc.Config()})
	}
	for _, name := range []string{"ww-mutex-misuse-fixed", "ww-mutex-no-backoff"} {
		sc, _ := deadlock.ScenarioByName(name)
		cfg := sc.Config()
		cfg.WW = deadlock.WoundWait
		all = append(all, named{name + "/wound-wait", sc.Description, cfg})
	}
	for _, name := range []string{"wait-under-lock", "runtime-pm-suspended-exporter-fixed"} {
		sc, _ := deadlock.ScenarioByName(name)
		all = append(all, named{name + "/importers=3", sc.Description, sc.Build(deadlock.Params{Importers: 3, Jobs: 2})})
	}
	for _, sc := range all {
		t.Run(sc.name, func(t *testing.T) {
			spec, err := world.FromDeadlockConfig(sc.name, sc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			back, v, m, text := writeAndReadBack(t, spec, sc.desc)
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
		})
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

// TestLocksSectionErrors: mistakes in the locks section are reported where
// they are written, with the nearest name.
func TestLocksSectionErrors(t *testing.T) {
	tail := "agents:\n  - name: a\n    program: [mutex_lock(m), mutex_unlock(m)]\n"
	for _, tc := range []struct{ name, locks, want string }{
		{"unknown field", "  lockz: []\n", `w.yaml:3:3: unknown field "lockz" (did you mean "locks"?)`},
		{"unknown kind", "  locks: [{name: m, kind: mutx}]\n", `w.yaml:3:27: unknown lock kind "mutx" (did you mean "mutex"?)`},
		{"no kind", "  locks: [{name: m}]\n", `w.yaml:3:11: lock m needs a kind`},
		{"twice", "  locks: [{name: m, kind: mutex}, {name: m, kind: mutex}]\n", `w.yaml:3:42: lock name "m" is used twice`},
		{"usage without resv", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, usage: DMA_RESV_USAGE_READ}]\n", `w.yaml:4:29: fence f: usage goes with a dma_resv`},
		{"resv not resv", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, resv: m, usage: DMA_RESV_USAGE_READ}]\n", `w.yaml:4:28: fence f: "m" is not a resv lock (the world declares none)`},
		{"resv without usage", "  locks: [{name: m, kind: mutex}, {name: bo, kind: resv}]\n  fences: [{name: f, resv: bo}]\n", `w.yaml:4:12: fence f: a fence in a dma_resv needs its usage`},
		{"bad usage", "  locks: [{name: m, kind: mutex}, {name: bo, kind: resv}]\n  fences: [{name: f, resv: bo, usage: WRITE}]\n", `w.yaml:4:39: unknown dma_resv usage "WRITE"`},
		{"ww class", "  ww-class: wound-die\n  locks: [{name: m, kind: mutex}]\n", `w.yaml:3:13: unknown ww class "wound-die" (did you mean "wound-wait"?)`},
		{"fence lock", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, lock: n}]\n", `w.yaml:4:28: fence f: "n" is not a lock (did you mean "m"?)`},
		{"valid", "  ww-class: wound-wait\n  lockdep-priming: false\n  locks: [{name: m, kind: mutex}]\n  channels: [c]\n  pm-devices: [gpu]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\nlocks:\n"+tc.locks+tail))
			checkFileError(t, err, tc.want)
		})
	}
}
