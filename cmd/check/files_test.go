package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// copyFile copies src into dir and returns the copy's path.
func copyFile(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A trace found in a scenario file embeds the file: after the file is
// deleted, replay confirms the trace and export writes a regression script
// with the file beside it, which replays; an embedded text edited so that
// it no longer matches the trace is rejected (exit 2) with the reason
// (issue 17). For a world file and an old-format dmabuf file.
func TestTraceEmbedsItsScenarioFile(t *testing.T) {
	for _, tc := range []struct {
		src  string
		edit func(string) string // of the source, nil for none
	}{
		{"../../docs/examples/world/scanout-unbracketed.yaml", nil},
		{"../../scenarios/gem-noncoherent.yaml", nil},
		// A world named by a phrase.
		{"../../docs/examples/world/scanout-unbracketed.yaml", func(s string) string {
			return strings.Replace(s, "\nname: scanout-unbracketed", "\nname: scan out, unbracketed", 1)
		}},
	} {
		name := filepath.Base(tc.src)
		if tc.edit != nil {
			name = "edited-" + name
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := copyFile(t, tc.src, dir)
			text, _ := os.ReadFile(file)
			if tc.edit != nil {
				text = []byte(tc.edit(string(text)))
				if err := os.WriteFile(file, text, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			tr := filepath.Join(dir, "t.json")
			if code, out, errs := runCLI(t, "run", file, "--quiet", "--trace-out", tr); code != exitViolation {
				t.Fatalf("run: exit %d\n%s%s", code, out, errs)
			}
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(tr)
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			emb, _ := doc["scenario_file"].(map[string]any)
			if emb["path"] != file || emb["text"] != string(text) {
				t.Fatalf("the trace embeds %v, want the file %s verbatim", emb, file)
			}
			code, out, errs := runCLI(t, "replay", tr)
			if code != exitViolation || !strings.Contains(out, "as the trace says") || !strings.Contains(out, "embedded in the trace") {
				t.Fatalf("replay without the file: exit %d\n%s%s", code, out, errs)
			}
			exp := filepath.Join(dir, "regress")
			if code, out, errs := runCLI(t, "export", tr, exp); code != exitOK {
				t.Fatalf("export without the file: exit %d\n%s%s", code, out, errs)
			}
			scripts, _ := filepath.Glob(filepath.Join(exp, "*.txt"))
			files, _ := filepath.Glob(filepath.Join(exp, "*.yaml"))
			if len(scripts) != 1 || len(files) != 1 {
				t.Fatalf("export wrote scripts %v and files %v, want one of each", scripts, files)
			}
			if b, _ := os.ReadFile(files[0]); string(b) != string(text) {
				t.Errorf("the exported scenario file is not the original")
			}
			// The exported script replays, with its file beside it, as
			// go test ./regress runs it.
			b, _ := os.ReadFile(scripts[0])
			if directive, _, _ := strings.Cut(string(b), "\n"); !slices.Contains(strings.Fields(directive), "file="+filepath.Base(files[0])) {
				t.Errorf("the script does not name its file %s:\n%s", filepath.Base(files[0]), b)
			}
			datadriven.RunTest(t, scripts[0], func(t *testing.T, d *datadriven.TestData) string {
				args, err := regress.Args(d.CmdArgs)
				if err != nil {
					t.Fatalf("%s: %v", d.Pos, err)
				}
				return regress.RunIn(scenario.Builtin(), exp, args, d.Input) + "\n"
			})

			// Edited embedded texts.
			for _, tc := range []struct {
				name, want string
				edit       func(string) string
			}{
				{"renamed", "the trace says", func(s string) string {
					return strings.Replace(s, "\nname: ", "\nname: x", 1)
				}},
				{"broken", "does not load", func(s string) string { return s + "\nno-such-field: 1\n" }},
				{"changed", "the trace does not apply", func(s string) string {
					if strings.Contains(s, "model: world") {
						return strings.Replace(s, "cpu_write(0)", "cpu_read(0)", 1)
					}
					return strings.Replace(s, "lines: 1", "lines: 2", 1)
				}},
			} {
				emb["text"] = tc.edit(string(text))
				b, _ := json.Marshal(doc)
				p := filepath.Join(dir, tc.name+".json")
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				if code, _, errs := runCLI(t, "replay", p); code != exitUsage || !strings.Contains(errs, tc.want) {
					t.Errorf("%s: replay exit %d, want 2 and %q: %s", tc.name, code, tc.want, errs)
				}
				if code, _, errs := runCLI(t, "export", p, exp); code != exitUsage || !strings.Contains(errs, tc.want) {
					t.Errorf("%s: export exit %d, want 2 and %q: %s", tc.name, code, tc.want, errs)
				}
			}
		})
	}
}

// check graph takes a scenario file.
func TestGraphTakesAFile(t *testing.T) {
	code, out, errs := runCLI(t, "graph", "../../docs/examples/world/scanout.yaml")
	if code != exitOK || !strings.HasPrefix(out, "digraph") || !strings.Contains(out, "->") {
		t.Fatalf("graph FILE: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "graph", "no-such-file.yaml"); code != exitUsage || !strings.Contains(errs, "no-such-file.yaml") {
		t.Errorf("graph of a missing file: exit %d: %s", code, errs)
	}
}

// check review DIR writes the matrix of a directory of scenario files,
// each verdict beside what the file expects; exit 1 when an expectation is
// not met.
func TestReviewTakesADirectory(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"scanout.yaml", "scanout-unbracketed.yaml"} {
		copyFile(t, filepath.Join("../../docs/examples/world", f), dir)
	}
	code, out, errs := runCLI(t, "review", dir)
	if code != exitOK {
		t.Fatalf("review DIR: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"Expectations: 5 of 5 met.",
		"| `" + filepath.Join(dir, "scanout.yaml") + "` | ok ✓ expected |",
		"| `" + filepath.Join(dir, "scanout-unbracketed.yaml") + "` | **violated** (4 steps) ✓ expected |",
		"| deadlock |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("review DIR: no %q in\n%s", want, out)
		}
	}
	if strings.Count(out, "\n## ") != 1 {
		t.Errorf("files with the same properties are not in one table:\n%s", out)
	}

	// Into files, with the counterexamples.
	md, tr := filepath.Join(dir, "out", "results.md"), filepath.Join(dir, "out", "traces")
	if code, out, errs := runCLI(t, "review", "--out", md, "--traces", tr, dir); code != exitOK {
		t.Fatalf("review --out --traces DIR: exit %d\n%s%s", code, out, errs)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "[4 steps](traces/scanout-unbracketed--no-stale-read.txt)") {
		t.Errorf("no link to the counterexample in\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(tr, "scanout-unbracketed--no-stale-read.html")); err != nil {
		t.Error(err)
	}

	// An expectation the file no longer meets.
	p := filepath.Join(dir, "scanout.yaml")
	b, _ = os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), "no-stale-read: holds", "no-stale-read: violated", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "review", dir)
	if code != exitViolation || !strings.Contains(out, "ok ✗ expected violated") || !strings.Contains(errs, "scanout.yaml:") {
		t.Errorf("review of a file that misses its expectation: exit %d\n%s%s", code, out, errs)
	}

	for _, bad := range [][]string{{"review", p}, {"review", filepath.Join(dir, "nope")}, {"review", t.TempDir()}, {"review", dir, dir}} {
		if code, _, _ := runCLI(t, bad...); code != exitUsage {
			t.Errorf("check %v: exit %d, want 2", bad, code)
		}
	}
}

// check list lists the scenario files of scenarios/ after the built-ins,
// each marked as a file, one per line; a file that is a built-in's (as the
// binary carries it) is the built-in, listed once.
func TestListListsTheScenarioFiles(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, scenariosDir), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(root, "scenarios", "today.yaml"), filepath.Join(dir, scenariosDir))
	edited := copyFile(t, filepath.Join(root, "scenarios", "today-wait-first.yaml"), filepath.Join(dir, scenariosDir))
	text, _ := os.ReadFile(edited)
	if err := os.WriteFile(edited, []byte(strings.Replace(string(text), "\ndescription: ", "\ndescription: edited, ", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(root, "docs", "examples", "world", "scanout-params.yaml"), filepath.Join(dir, scenariosDir))
	t.Chdir(dir)
	code, out, errs := runCLI(t, "list")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	listed := map[string]string{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 2 {
			listed[f[0]] = l
		}
	}
	for _, f := range []string{"scenarios/today-wait-first.yaml", "scenarios/scanout-params.yaml"} {
		if l, ok := listed[f]; !ok || !strings.Contains(l, "[file: scenario ") || !strings.Contains(l, "[params: ") {
			t.Errorf("check list does not list %s as a file with its parameters:\n%s", f, out)
		}
	}
	if _, ok := listed["scenarios/today.yaml"]; ok {
		t.Errorf("check list lists the built-in today twice:\n%s", out)
	}
	if !strings.Contains(listed["today"], "[params: arch=arm64 (arm64|arm32|x86), lines=1 (1..2), writes=2 (1..3)]") {
		t.Errorf("check list shows the built-in today as %q", listed["today"])
	}
	if first := strings.Fields(lines[0])[0]; cli.IsScenarioFile(first) {
		t.Errorf("the files come before the built-ins: %s", lines[0])
	}
}
