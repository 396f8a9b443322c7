package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Every property of every built-in DMA-buf scenario has an explanation
// naming its kernel rule (check explain), so a verdict is never a bare name;
// a scenario's own invariants (its file's invariants:) are explained by
// their expressions in the file, not by check explain.
func TestEveryPropertyIsExplained(t *testing.T) {
	docs := propertyDocs()
	for _, sc := range scenario.Builtin().All() {
		if sc.Name == "german" || sc.Name == "dmabuf-bench" {
			continue // the reference models' invariants come from their Murphi files
		}
		v, err := sc.Parse(nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sc.Check(v, statespace.Options{MaxStates: 1, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		own := map[string]bool{}
		if sc.World != nil {
			m, err := sc.World(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range m.Spec().Invariants {
				own[inv.Name] = true
			}
		}
		for _, p := range r.Properties {
			if own[p.Name] {
				continue
			}
			code, out, _ := runCLI(t, "explain", p.Name)
			if code != exitOK || len(strings.TrimSpace(out)) < len(p.Name)+20 {
				t.Errorf("%s: property %s is not explained (exit %d): %q", sc.Name, p.Name, code, out)
			}
		}
	}
	if len(docs) < 20 {
		t.Errorf("only %d properties documented", len(docs))
	}
	if code, _, _ := runCLI(t, "explain", "no-such-property"); code != exitUsage {
		t.Errorf("unknown property: exit %d", code)
	}
}

// check review writes the variant × property matrix with links to the
// counterexamples it saves (issue 6).
func TestReviewWritesTheMatrix(t *testing.T) {
	dir := t.TempDir()
	out := dir + "/results.md"
	code, _, errs := runCLI(t, "review", "--scenarios", "today", "--out", out, "--traces", dir+"/results")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{"| `today` | **violated** ([8 steps](results/today--no-stale-read.txt)", "| `today-wait-first` | ok |", "| `today-wait-first-2lines` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(dir + "/results/today--no-stale-read.html"); err != nil {
		t.Errorf("the linked trace is missing: %v", err)
	}
	if code, _, _ := runCLI(t, "review", "extra"); code != exitUsage {
		t.Errorf("review with an argument: exit %d", code)
	}
}

// --progress=json writes one JSON object per line on stderr (for CI);
// plain writes text lines; none and --quiet write nothing.
func TestProgressModes(t *testing.T) {
	args := []string{"run", "german", "--set", "nodes=3", "--progress-every", "1ns"}
	_, _, errs := runCLI(t, append(args, "--progress", "json")...)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) < 3 {
		t.Fatalf("only %d progress lines", len(lines))
	}
	for _, l := range lines {
		var p map[string]any
		if err := json.Unmarshal([]byte(l), &p); err != nil || p["states"] == nil || p["depth"] == nil || p["queue"] == nil {
			t.Fatalf("not a JSON progress line: %q (%v)", l, err)
		}
	}
	if _, _, errs := runCLI(t, append(args, "--progress", "plain")...); !strings.HasPrefix(errs, "progress: ") {
		t.Errorf("plain progress: %q", errs[:min(len(errs), 80)])
	}
	for _, quiet := range [][]string{{"--progress", "none"}, {"--quiet"}} {
		if _, _, errs := runCLI(t, append(args, quiet...)...); errs != "" {
			t.Errorf("%v: stderr %q", quiet, errs[:min(len(errs), 80)])
		}
	}
}
