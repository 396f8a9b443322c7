// Package spin runs the SPIN model checker (Debian package spin) on a
// Promela model so that tests can compare the Go checker's counts with an
// independent checker's, as package internal/rumur does with Rumur. Tests
// skip, naming the packages to install, when spin or a C compiler is
// missing.
package spin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Summary is what SPIN's verifier (pan) reports at the end of a run.
type Summary struct {
	// States is pan's "states, stored". (Some pan builds print counts in
	// e-notation with eight significant digits: beyond 10^8 the counts
	// are then rounded.)
	States uint64
	// Transitions is pan's "transitions (= stored+matched)": the
	// transitions taken plus one, the initial state's.
	Transitions uint64
	// Errors is pan's "errors:" (assertion violations, invalid end
	// states).
	Errors int
	// Depth is pan's "depth reached" (of its depth-first search).
	Depth int
	// Elapsed is the wall time of pan's run (not counting spin -a and cc).
	Elapsed time.Duration
}

// Options choose how Run builds the verifier.
type Options struct {
	// Defines are passed to spin's preprocessor, as NAME=VALUE (-D).
	Defines []string
	// Reduce turns on SPIN's reductions: partial-order reduction (pan.c
	// compiled without -DNOREDUCE) and statement merging (spin -a without
	// -o3). Off, every statement is a transition and every interleaving is
	// explored, so SPIN counts what an unreduced search of the same
	// transition system counts.
	Reduce bool
}

var (
	storedRE = regexp.MustCompile(`(?m)^\s*([0-9.e+]+) states, stored`)
	transRE  = regexp.MustCompile(`(?m)^\s*([0-9.e+]+) transitions \(= stored\+matched\)`)
	errorsRE = regexp.MustCompile(`errors: (\d+)`)
	depthRE  = regexp.MustCompile(`depth reached (\d+)`)
)

// Run checks the Promela model at path with spin -a, cc and pan
// (exhaustive, depth-first, a search depth of ten million steps) and
// returns pan's summary.
func Run(t testing.TB, path string, opt Options) Summary {
	t.Helper()
	for _, tool := range []struct{ cmd, pkg string }{{"spin", "spin"}, {"cc", "gcc"}} {
		if _, err := exec.LookPath(tool.cmd); err != nil {
			t.Skipf("%s not found: the cross-check of %s against SPIN is skipped; install Debian's %s (apt-get install -y spin gcc libc6-dev)",
				tool.cmd, path, tool.pkg)
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "model.pml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	spinArgs := []string{}
	for _, d := range opt.Defines {
		spinArgs = append(spinArgs, "-D"+d)
	}
	ccArgs := []string{"-O0", "-o", "pan", "pan.c"} // compiling dominates; pan is fast enough unoptimised on a twin
	if !opt.Reduce {
		spinArgs = append(spinArgs, "-o3")
		ccArgs = append([]string{"-DNOREDUCE"}, ccArgs...)
	}
	spinArgs = append(spinArgs, "-a", "model.pml")
	for _, s := range [][]string{append([]string{"spin"}, spinArgs...), append([]string{"cc"}, ccArgs...)} {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
	cmd := exec.Command("./pan", "-m10000000")
	cmd.Dir = dir
	start := time.Now()
	out, _ := cmd.Output() // exits non-zero when errors are found
	elapsed := time.Since(start)
	sum, err := parse(string(out))
	if err != nil {
		t.Fatalf("pan: %v\n%s", err, out)
	}
	sum.Elapsed = elapsed
	return sum
}

func parse(out string) (Summary, error) {
	if strings.Contains(out, "max search depth too small") {
		return Summary{}, fmt.Errorf("the search was cut at pan's depth limit")
	}
	var s Summary
	num := func(re *regexp.Regexp, what string) (uint64, error) {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return 0, fmt.Errorf("no %q in the output", what)
		}
		f, err := strconv.ParseFloat(m[1], 64) // pan prints 1.2e+07 for large counts
		return uint64(f), err
	}
	var err error
	if s.States, err = num(storedRE, "states, stored"); err != nil {
		return s, err
	}
	if s.Transitions, err = num(transRE, "transitions"); err != nil {
		return s, err
	}
	m := errorsRE.FindStringSubmatch(out)
	if m == nil {
		return s, fmt.Errorf("no %q in the output", "errors:")
	}
	s.Errors, _ = strconv.Atoi(m[1])
	if m := depthRE.FindStringSubmatch(out); m != nil {
		s.Depth, _ = strconv.Atoi(m[1])
	}
	return s, nil
}

// AssertSameCounts fails the test unless res, a complete run of the Go
// checker, agrees with SPIN's unreduced summary want: both find no error,
// and the Go run reaches exactly want.States states through exactly
// want.Transitions-1 transitions (pan counts the initial state as one).
func AssertSameCounts(t testing.TB, res *statespace.Result, want Summary) {
	t.Helper()
	if res.Status != statespace.StatusOK || want.Errors != 0 {
		t.Fatalf("Go: %s, SPIN: %d errors; both should find none", res.Status, want.Errors)
	}
	if res.Stats.States != want.States || res.Stats.Transitions+1 != want.Transitions {
		t.Errorf("Go: %d states, %d transitions; SPIN: %d states, %d transitions (stored+matched, one more than taken)",
			res.Stats.States, res.Stats.Transitions, want.States, want.Transitions)
	}
}
