package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/traces"
)

// A bad flag value is one line that names the flag and what it wants, exit 2:
// not the flag package's raw error followed by the whole usage.
func TestBadFlagValuesAreOneLineNamingTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "german", "--max-states", "-1"}, `--max-states "-1": want a whole number of states`},
		{[]string{"run", "--max-states=-1", "german"}, `--max-states "-1"`},
		{[]string{"run", "german", "--workers", "0"}, `--workers "0": want at least 1 worker`},
		{[]string{"run", "german", "--workers", "-1"}, `--workers "-1": want at least 1 worker`},
		{[]string{"run", "german", "--max-depth", "-1"}, `--max-depth "-1": want a whole number of BFS levels`},
		{[]string{"run", "german", "--memory", "lots"}, `--memory "lots": want a positive size`},
		{[]string{"run", "german", "--memory", "-1GiB"}, `--memory "-1GiB": want a positive size`},
		{[]string{"run", "german", "--spill-threshold", "0"}, `--spill-threshold "0": want a positive size`},
		{[]string{"run", "german", "--progress-every", "0"}, `--progress-every "0": want a positive duration`},
		{[]string{"run", "german", "--shard", "1/2", "--walks", "0"}, `--walks "0": want at least 1`},
		{[]string{"run", "german", "--json=maybe"}, `--json "maybe": want true or false`},
		{[]string{"run", "german", "--workers"}, "--workers needs a value"},
		{[]string{"run", "german", "--frobnicate"}, "unknown flag --frobnicate"},
		{[]string{"graph", "german", "--max-states", "0"}, `--max-states "0": want at least 1 state`},
		{[]string{"review", "--max-states", "-5"}, `--max-states "-5"`},
		{[]string{"replay", "--frobnicate"}, "unknown flag --frobnicate"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != exitUsage {
			t.Errorf("check %v: exit %d, want 2", tc.args, code)
		}
		if lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n"); len(lines) != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("check %v: stderr\n%s\nwant one line saying %q", tc.args, errs, tc.want)
		}
		if out != "" || strings.Contains(errs, "usage:") || strings.Contains(errs, "invalid value") {
			t.Errorf("check %v: stdout %q, stderr %q: no usage dump, no raw flag error", tc.args, out, errs)
		}
	}
}

// Every subcommand answers -h, --help and "check help CMD" with its help on
// stdout and exit 0; nothing on stderr (no "flag: help requested"), and
// no subcommand takes --help for a file or a scenario.
func TestEverySubcommandPrintsItsHelpAndExitsZero(t *testing.T) {
	for _, cmd := range []string{"run", "list", "replay", "export", "graph", "explain", "review"} {
		for _, args := range [][]string{{cmd, "--help"}, {cmd, "-h"}, {cmd, "-help"}, {"help", cmd}, {cmd, "x.json", "--help"}} {
			code, out, errs := runCLI(t, args...)
			if code != exitOK || errs != "" {
				t.Errorf("check %v: exit %d, stderr %q; want exit 0 and nothing on stderr", args, code, errs)
			}
			if !strings.HasPrefix(out, "usage: check "+cmd) {
				t.Errorf("check %v: stdout does not start with its usage:\n%s", args, out)
			}
		}
	}
}

// The help of --trace-out names every format the traces package writes.
func TestTraceOutHelpListsEveryFormat(t *testing.T) {
	_, out, _ := runCLI(t, "run", "--help")
	_, help, _ := strings.Cut(out, "--trace-out")
	help, _, _ = strings.Cut(help, "\n  -")
	for _, ext := range traces.Extensions() {
		if !strings.Contains(help, ext) {
			t.Errorf("--trace-out help %q does not list %s", help, ext)
		}
	}
}

// A --trace-out that cannot be written is an input error found before the
// search (nothing printed on stdout, exit 2), not after a long run; checking
// it leaves no file behind.
func TestUnwritableTraceOutFailsBeforeTheSearch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "no", "such", "dir", "t.json"), "does not exist"},
		{filepath.Join(file, "t.json"), "is not a directory"},
		{filepath.Join(dir, "t.json") + string(filepath.Separator), "unknown trace format"},
	} {
		args := []string{"run", "today", "--quiet", "--trace-out", tc.path}
		code, out, errs := runCLI(t, args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "--trace-out") {
			t.Errorf("check %v: exit %d, stdout %q, stderr %q; want exit 2 before the search, saying %q", args, code, out, errs, tc.want)
		}
	}
	sub := filepath.Join(dir, "sub.json")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, "run", "today", "--quiet", "--trace-out", sub); code != exitUsage || out != "" || !strings.Contains(errs, "is a directory") {
		t.Errorf("--trace-out to a directory: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("checking writability left files behind: %v", entries)
	}
	// A writable path passes the check and gets the trace.
	good := filepath.Join(dir, "today.html")
	if code, _, errs := runCLI(t, "run", "today", "--quiet", "--trace-out", good); code != exitViolation {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if fi, err := os.Stat(good); err != nil || fi.Size() == 0 {
		t.Errorf("%s not written: %v", good, err)
	}
}

// A bad scenario file is an input error (exit 2, no panic) that names the
// file, line and column.
func TestBadScenarioFileExitsTwoAtFileLineColumn(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ yaml, want string }{
		{"scenario: today\nproperties: [no-stale-raed]\n", `:2:14: properties: unknown property "no-stale-raed" (did you mean "no-stale-read"?)`},
		{"scenario: today\nparams:\n  lines: lots\n", ":3:10: params: lines: want an integer"},
		{"devices: [gpu]\nlines: @\n", ":2:8: found character that cannot start any token"},
	} {
		path := filepath.Join(dir, "board.yaml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runCLI(t, "run", path, "--quiet")
		if code != exitUsage || out != "" || !strings.Contains(errs, path+tc.want) || strings.Contains(errs, "panic") || strings.Contains(errs, "--set") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.yaml, code, out, errs, path+tc.want)
		}
	}
}
