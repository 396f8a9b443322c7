// Package spin runs the SPIN model checker (Debian package spin) on a
// Promela model so that tests can compare the Go checker's counts with an
// independent checker's, as package internal/rumur does with Rumur. Tests
// skip, naming the packages to install, when spin or a C compiler is
// missing.
package spin

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/internal/refcheck"
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
	Require(t, path)
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
	refcheck.Build(t, dir, append([]string{"spin"}, spinArgs...), append([]string{"cc"}, ccArgs...))
	out, elapsed := refcheck.RunTimed(dir, "./pan", "-m10000000")
	sum, err := parse(out)
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

// Require skips the test, naming the packages to install, unless spin and
// a C compiler are on the PATH (path: the model the cross-check would run).
func Require(t testing.TB, path string) {
	t.Helper()
	refcheck.Require(t, "SPIN", path, refcheck.Tool{Cmd: "spin", Pkg: "spin"}, refcheck.Tool{Cmd: "cc", Pkg: "gcc"})
}

// AssertSameCounts fails the test unless res, a complete run of the Go
// checker, agrees with SPIN's unreduced summary want: both find no error,
// and the Go run reaches exactly want.States states through exactly
// want.Transitions-1 transitions (pan counts the initial state as one).
func AssertSameCounts(t testing.TB, res *statespace.Result, want Summary) {
	t.Helper()
	refcheck.AssertSameCounts(t, res, "SPIN", want.Errors, want.States, want.Transitions-1)
}
