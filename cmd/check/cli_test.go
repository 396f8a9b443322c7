package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/cli"
)

// The exit codes and the JSON schema, package cli's, by the tests' names.
const (
	exitOK         = cli.ExitOK
	exitViolation  = cli.ExitViolation
	exitUsage      = cli.ExitUsage
	exitIncomplete = cli.ExitIncomplete
)

type jsonResult = cli.JSONResult

// run is the whole command, returning its exit code instead of exiting.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return app().Run(ctx, args, stdout, stderr)
}

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func runJSON(t *testing.T, args ...string) (int, jsonResult) {
	t.Helper()
	code, out, errs := runCLI(t, append(args, "--json", "--quiet")...)
	var r jsonResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check %v: stdout is not one JSON object: %v\nstdout:\n%s\nstderr:\n%s", args, err, out, errs)
	}
	return code, r
}

func TestListPrintsOneScenarioPerLine(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Errorf("line %q: want a name and a description", line)
			continue
		}
		names[f[0]] = true
	}
	for _, want := range []string{"german", "dmabuf-bench"} {
		if !names[want] {
			t.Errorf("check list does not name %s:\n%s", want, out)
		}
	}
}

func TestRunOKExitsZeroWithRumurCounts(t *testing.T) {
	code, r := runJSON(t, "run", "german", "--set", "nodes=2")
	if code != exitOK || r.Result != "ok" {
		t.Fatalf("exit %d, result %q", code, r.Result)
	}
	if r.States != 3381 || r.Transitions != 9888 {
		t.Errorf("states %d transitions %d, want Rumur's 3381 and 9888", r.States, r.Transitions)
	}
	if r.Scenario != "german" || r.Params["nodes"] != "2" || r.Workers < 1 || r.Depth != 26 {
		t.Errorf("scenario %q params %v workers %d depth %d", r.Scenario, r.Params, r.Workers, r.Depth)
	}
	if r.CollisionProbability <= 0 || r.CollisionProbability >= 1e-6 {
		t.Errorf("collision probability %g is implausible for 3381 states", r.CollisionProbability)
	}
	if len(r.Vacuous) != 0 {
		t.Errorf("vacuity findings on german: %v", r.Vacuous)
	}
}

// The seeded bug of dmabuf.m: importer 1 maps without the cache clean, and
// the shortest counterexample is 5 rule firings (refmodels/dmabufbench, docs/performance.md).
func TestRunViolationExitsOneWithShortestTrace(t *testing.T) {
	code, r := runJSON(t, "run", "dmabuf-bench", "--set", "importers=3", "--set", "bad=true", "--workers", "2")
	if code != exitViolation || r.Result != "violation" || r.Violation == nil {
		t.Fatalf("exit %d, result %q, violation %v", code, r.Result, r.Violation)
	}
	v := r.Violation
	if v.Property != "NoStaleRead" || v.Kind != "invariant" || v.Length != 5 || len(v.Steps) != 6 {
		t.Fatalf("violation %+v", v)
	}
	want := []string{"", "begin_cpu_access(WRITE)", "cpu_write", "end_cpu_access",
		"map_attachment(TO_DEVICE)[d=1]", "dev_read_start[d=1]"}
	for i, s := range v.Steps {
		if s.Action != want[i] {
			t.Errorf("step %d: %q, want %q", i, s.Action, want[i])
		}
	}
	if last := v.Steps[5]; last.State["stale"] != "true" || !contains(last.Changed, "stale") {
		t.Errorf("last step does not show the stale read: %+v", last)
	}
}

func TestTextOutputShowsTheCounterexample(t *testing.T) {
	code, out, _ := runCLI(t, "run", "dmabuf-bench", "--set", "bad=true", "--quiet")
	if code != exitViolation {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"VIOLATION of NoStaleRead", "counterexample (5 steps", "dev_read_start[d=1]", "stale = true"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBoundsReportIncompleteExitThree(t *testing.T) {
	for _, args := range [][]string{
		{"run", "german", "--max-states", "500"},
		{"run", "german", "--max-depth", "5"},
		{"run", "german", "--memory", "1KiB"},
	} {
		code, r := runJSON(t, args...)
		if code != exitIncomplete || r.Result != "incomplete" || r.Incomplete == "" {
			t.Errorf("%v: exit %d, result %q, reason %q; want exit 3 incomplete", args, code, r.Result, r.Incomplete)
		}
	}
}

// A depth bound the state space never reaches does not make the run
// incomplete: nothing was left unexplored.
func TestDepthBoundBeyondTheDiameterIsComplete(t *testing.T) {
	code, r := runJSON(t, "run", "german", "--set", "nodes=2", "--max-depth", "26")
	if code != exitOK || r.States != 3381 {
		t.Errorf("exit %d, %d states; want ok with all 3381", code, r.States)
	}
	code, _ = runJSON(t, "run", "german", "--set", "nodes=2", "--max-depth", "25")
	if code != exitIncomplete {
		t.Errorf("max depth 25 < diameter 26: exit %d, want 3", code)
	}
}

func TestBadInputExitsTwoWithAClearMessage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run"}, "needs a scenario"},
		{[]string{"run", "nosuch"}, `unknown scenario "nosuch"`},
		{[]string{"run", "german", "--set", "colour=blue"}, `no parameter "colour"`},
		{[]string{"run", "german", "--set", "nodes"}, "want key=value"},
		{[]string{"run", "german", "--set", "nodes=many"}, `nodes="many": want an integer between 1 and 8`},
		{[]string{"run", "german", "--set", "nodes=0"}, "between 1 and 8"},
		{[]string{"run", "dmabuf-bench", "--set", "bad=maybe"}, "true or false"},
		{[]string{"run", "german", "--workers", "-1"}, "--workers"},
		{[]string{"run", "german", "--workers", "two"}, `--workers "two"`},
		{[]string{"run", "german", "--frobnicate"}, "unknown flag --frobnicate"},
		{[]string{"run", "german", "--memory", "lots"}, "--memory"},
		{[]string{"run", "german", "--only", "NoSuchProperty"}, `unknown property "NoSuchProperty"`},
		{[]string{"run", "german", "dmabuf-bench"}, "more than one scenario"},
		{[]string{"list", "extra"}, "list takes no argument"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != exitUsage {
			t.Errorf("check %v: exit %d, want 2", tc.args, code)
		}
		if !strings.Contains(errs, tc.want) {
			t.Errorf("check %v: stderr %q does not say %q", tc.args, errs, tc.want)
		}
		if strings.Contains(errs, "panic") || strings.Contains(errs, "internal error") || out != "" && tc.args != nil {
			t.Errorf("check %v: stdout %q stderr %q", tc.args, out, errs)
		}
	}
}

func TestFlagsMayComeBeforeOrAfterTheScenario(t *testing.T) {
	_, a := runJSON(t, "run", "--workers", "1", "german", "--set", "nodes=2")
	_, b := runJSON(t, "run", "--set", "nodes=2", "german", "--workers", "1")
	if a.States != 3381 || b.States != 3381 {
		t.Errorf("states %d and %d, want 3381", a.States, b.States)
	}
}

// Determinism: the same counts, depth and counterexample for any number of
// workers.
func TestWorkersDoNotChangeResults(t *testing.T) {
	var base jsonResult
	for i, w := range []string{"1", "2", "3", "8"} {
		_, r := runJSON(t, "run", "dmabuf-bench", "--set", "importers=4", "--set", "bad=true", "--workers", w)
		if i == 0 {
			base = r
			continue
		}
		if r.States != base.States || r.Transitions != base.Transitions || r.Depth != base.Depth {
			t.Errorf("workers=%s: %d/%d/%d, workers=1: %d/%d/%d", w, r.States, r.Transitions, r.Depth,
				base.States, base.Transitions, base.Depth)
		}
		for j := range base.Violation.Steps {
			if r.Violation.Steps[j].Fingerprint != base.Violation.Steps[j].Fingerprint {
				t.Errorf("workers=%s: step %d differs", w, j)
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// The first screen of a violation is the verdict and the story: the
// model's account, then the counterexample with each step's agent and what
// each read returned; the statistics and the properties the search did not
// decide come after (issue 15).
func TestTextOutputTellsTheStoryFirst(t *testing.T) {
	code, out, _ := runCLI(t, "run", "today", "--quiet", "--workers", "1")
	if code != exitViolation {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(out, "\n")
	want := []string{
		"scenario today (arch=arm64 lines=1 writes=2)",
		"result: VIOLATION of no-stale-read (invariant)",
		"why: no-stale-read is violated: at step 8 the CPU read version 0 of line 0 from its cache, but the latest is version 1, written by the isp at step 6; " +
			"the CPU's copy became stale at step 5 (cache_prefetch(line 0)) and was not invalidated after the isp's write.",
		"counterexample (8 steps, shortest):",
		"  0  initial state",
	}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Fatalf("line %d is not %q:\n%s", i+1, w, out)
		}
	}
	order := []string{"  3  [isp] DMA write job (line 0)", "       isp -> cpu: fence signalled", "  8  [cpu] cpu_read(line 0)",
		"       (the CPU read v0 of line 0 from its cache)", "\nstates: ", "properties:",
		"  not decided (the search stopped at the violation; -v lists them): no-lost-write, "}
	at := 0
	for _, w := range order {
		i := strings.Index(out[at:], w)
		if i < 0 {
			t.Fatalf("%q missing or out of order:\n%s", w, out)
		}
		at += i
	}
	if strings.Contains(out, "unknown") {
		t.Errorf("undecided properties are listed one by one:\n%s", out)
	}
	_, out, _ = runCLI(t, "run", "today", "--quiet", "--workers", "1", "-v")
	if !strings.Contains(out, "  no-lost-write                      always    unknown") {
		t.Errorf("-v does not list every property:\n%s", out)
	}
}

// A run without a violation has no story: the verdict, then the search.
func TestTextOutputOfAnOKRun(t *testing.T) {
	code, out, _ := runCLI(t, "run", "german", "--set", "nodes=3", "--quiet", "--workers", "1")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.HasPrefix(out, "scenario german (nodes=3 symmetry=false)\nresult: ok (exhaustive") || strings.Contains(out, "why:") ||
		!strings.Contains(out, "\nstates: ") || !strings.Contains(out, "coverage: all") {
		t.Errorf("output:\n%s", out)
	}
}
