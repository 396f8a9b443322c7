package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// editTrace writes a copy of the JSON trace at src with edit applied.
func editTrace(t *testing.T, src, name string, edit func(doc map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(filepath.Dir(src), name+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A trace whose kind or loop was edited by hand is not replayed "as the
// trace says": replay and export reject it with the reason, exit 2 (as for
// any trace that does not apply).
func TestReplayAndExportCheckTheTracesKind(t *testing.T) {
	dir := t.TempDir()
	inv, lasso := filepath.Join(dir, "today.json"), filepath.Join(dir, "indefinite.json")
	if code, _, errs := runCLI(t, "run", "today", "--quiet", "--trace-out", inv); code != exitViolation {
		t.Fatalf("today: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "run", "fence-sw-sync-indefinite", "--quiet", "--deadlock=off", "--trace-out", lasso); code != exitViolation {
		t.Fatalf("fence-sw-sync-indefinite: exit %d: %s", code, errs)
	}
	for _, tc := range []struct {
		name, src, want string
		edit            func(map[string]any)
	}{
		{"invariant-as-deadlock", inv, "deadlocks are reported as the property", func(d map[string]any) { d["kind"] = "deadlock" }},
		{"invariant-as-deadlock-property-too", inv, "the last state is not a deadlock", func(d map[string]any) { d["kind"], d["property"] = "deadlock", "deadlock" }},
		{"invariant-as-lasso", inv, "not an eventually property", func(d map[string]any) { d["kind"], d["loop"] = "liveness", 3.0 }},
		{"invariant-with-a-loop", inv, "only a liveness counterexample has a loop", func(d map[string]any) { d["loop"] = 3.0 }},
		{"lasso-as-invariant", lasso, "not an always property", func(d map[string]any) { d["kind"], d["loop"] = "invariant", -1.0 }},
		{"lasso-loop-moved", lasso, "the loop is empty", func(d map[string]any) { d["loop"] = 2.0; d["steps"] = d["steps"].([]any)[:3] }},
		{"unknown-kind", inv, "unknown kind", func(d map[string]any) { d["kind"] = "example" }},
	} {
		p := editTrace(t, tc.src, tc.name, tc.edit)
		if code, _, errs := runCLI(t, "replay", p); code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("replay %s: exit %d, stderr %q; want exit 2 saying %q", tc.name, code, errs, tc.want)
		}
		if code, _, errs := runCLI(t, "export", p, filepath.Join(dir, "regress")); code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("export %s: exit %d, stderr %q; want exit 2 saying %q", tc.name, code, errs, tc.want)
		}
	}
	if code, out, errs := runCLI(t, "replay", lasso); code != exitViolation || !strings.Contains(out, "as the trace says") {
		t.Errorf("the unedited lasso: exit %d\n%s%s", code, out, errs)
	}
}

// --deadlock picks the notion of deadlock; --no-deadlock stays an alias of
// --deadlock=off, and contradicting it, or an unknown mode, is a usage
// error.
func TestDeadlockFlag(t *testing.T) {
	for _, args := range [][]string{{"--deadlock=stutter"}, {"--deadlock=stuck"}, {"--deadlock=off"}, {"--no-deadlock"}, {"--no-deadlock", "--deadlock=off"}} {
		code, r := runJSON(t, append([]string{"run", "dmabuf-bench"}, args...)...)
		if code != exitOK || r.Result != "ok" {
			t.Errorf("%v: exit %d, result %s", args, code, r.Result)
		}
	}
	code, out, _ := runCLI(t, "run", "dmabuf-bench", "--quiet", "--deadlock=off")
	if code != exitOK || !strings.Contains(out, "not checked") {
		t.Errorf("--deadlock=off: exit %d; want deadlock not checked\n%s", code, out)
	}
	for _, args := range [][]string{{"--deadlock=murphi"}, {"--no-deadlock", "--deadlock=stutter"}} {
		if code, _, errs := runCLI(t, append([]string{"run", "dmabuf-bench", "--quiet"}, args...)...); code != exitUsage || !strings.Contains(errs, "deadlock") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errs)
		}
	}
}

// The printed collision probability says it covers the liveness pass too
// when there was one.
func TestCollisionProbabilityCoversTheWholeRun(t *testing.T) {
	_, out, _ := runCLI(t, "run", "fence-sw-sync-close", "--quiet")
	if !strings.Contains(out, "fingerprint collision probability:") || !strings.Contains(out, "whole run: safety search, and liveness pass over") {
		t.Errorf("the collision probability does not say it covers the liveness pass:\n%s", out)
	}
}

// A swarm member takes a memory budget (it used to be refused with
// --shard, and ignored by the library).
func TestSwarmTakesAMemoryBudget(t *testing.T) {
	code, out, errs := runCLI(t, "run", "dmabuf-bench", "--quiet", "--shard", "1/1", "--walks", "10", "--memory", "4GiB")
	if code != exitIncomplete {
		t.Errorf("exit %d; want 3 (a swarm never proves)\n%s%s", code, out, errs)
	}
}
