package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A saved counterexample replays against the model and is confirmed
// (exit 1); any edit that makes it no longer apply is rejected with the
// step and the reason (exit 2) — issue 5's replay.
func TestReplayConfirmsAndRejects(t *testing.T) {
	dir := t.TempDir()
	for _, sc := range []string{"today", "deadlock-ww-mutex-misuse", "fence-replace-pre2022", "dmabuf-bench"} {
		p := filepath.Join(dir, sc+".json")
		args := []string{"run", sc, "--quiet", "--trace-out", p}
		if sc == "dmabuf-bench" {
			args = append(args, "--set", "bad=true")
		}
		if code, _, errs := runCLI(t, args...); code != exitViolation {
			t.Fatalf("%s: exit %d: %s", sc, code, errs)
		}
		if code, out, errs := runCLI(t, "replay", p); code != exitViolation || !strings.Contains(out, "as the trace says") {
			t.Errorf("%s: replay exit %d\n%s%s", sc, code, out, errs)
		}
	}

	orig, err := os.ReadFile(filepath.Join(dir, "today.json"))
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(name string, edit func(doc map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal(orig, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		b, _ := json.Marshal(doc)
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	step := func(doc map[string]any, i int) map[string]any { return doc["steps"].([]any)[i].(map[string]any) }
	for _, tc := range []struct {
		name, want string
		edit       func(map[string]any)
	}{
		{"state-edited", "step 5 (cpu-cache: cache_prefetch(line 0)): the state reached has fingerprint", func(d map[string]any) {
			step(d, 5)["fingerprint"] = "0000000000000001"
		}},
		{"action-renamed", `step 3: action`, func(d map[string]any) { step(d, 3)["action"] = "dma_buf_frobnicate" }},
		{"steps-swapped", "not enabled", func(d map[string]any) {
			s := d["steps"].([]any)
			s[7], s[8] = s[8], s[7]
			step(d, 7)["index"], step(d, 8)["index"] = 7.0, 8.0
		}},
		{"truncated", "holds in the last state", func(d map[string]any) { d["steps"] = d["steps"].([]any)[:7] }},
		{"wrong-property", "no property", func(d map[string]any) { d["property"] = "no-such-property" }},
		{"params-changed", "does not apply", func(d map[string]any) { d["params"].(map[string]any)["lines"] = "2" }},
		{"bad-params", "want one of", func(d map[string]any) { d["params"].(map[string]any)["arch"] = "sparc" }},
		{"unknown-scenario", "unknown scenario", func(d map[string]any) { d["scenario"] = "nope" }},
		{"wrong-schema", "schema", func(d map[string]any) { d["schema"] = "other/9" }},
		{"bad-fingerprint", "16 hex digits", func(d map[string]any) { step(d, 2)["fingerprint"] = "xyz" }},
	} {
		p := tamper(tc.name, tc.edit)
		code, _, errs := runCLI(t, "replay", p)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 saying %q", tc.name, code, errs, tc.want)
		}
	}
	for _, args := range [][]string{{"replay"}, {"replay", filepath.Join(dir, "missing.json")}, {"replay", "a", "b"}} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// check export writes a datadriven script that replays (issue 5's
// regression export), and refuses a trace that does not apply.
func TestExportWritesAReplayableScript(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.json")
	if code, _, errs := runCLI(t, "run", "gem-noncoherent", "--quiet", "--trace-out", p); code != exitViolation {
		t.Fatalf("exit %d %s", code, errs)
	}
	code, out, errs := runCLI(t, "export", p, dir)
	if code != exitOK || !strings.Contains(out, "gem-noncoherent--no-stale-read.txt") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gem-noncoherent--no-stale-read.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "replay scenario=gem-noncoherent property=no-stale-read") ||
		!strings.Contains(string(b), "----\nconfirmed: no-stale-read (invariant) after 7 steps") {
		t.Errorf("script:\n%s", b)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(strings.Replace(string(mustRead(t, p)), `"property": "no-stale-read"`, `"property": "no-lost-write"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "export", bad, dir); code != exitUsage {
		t.Errorf("a trace that does not apply was exported (exit %d)", code)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// check graph draws a small state space completely (the same states and
// transitions the checker counts) and refuses a large one with a clear
// message (issue 5: "a DOT graph ... of a small state space, capped").
func TestGraphDrawsSmallStateSpacesOnly(t *testing.T) {
	// 185 states and 378 transitions: what `check run german --set nodes=1`
	// counts.
	code, out, errs := runCLI(t, "graph", "german", "--set", "nodes=1")
	if code != exitOK || !strings.HasPrefix(out, "digraph statespace {") ||
		!strings.Contains(out, "185 states, 378 transitions") || strings.Count(out, "->") != 378 ||
		strings.Contains(out, `\\l`) {
		t.Fatalf("exit %d\n%s\n%s", code, out[:min(len(out), 300)], errs)
	}
	code, _, errs = runCLI(t, "graph", "today", "--max-states", "100")
	if code != exitUsage || !strings.Contains(errs, "more than 100 states") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{{"graph"}, {"graph", "nope"}, {"graph", "german", "--max-states", "0"}, {"graph", "german", "--set", "nodes=x"}} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
