// Package rumur runs the Rumur model checker (Debian package rumur) on a
// Murphi model so that tests can compare the Go checker's counts with an
// independent checker's. Tests skip, naming the package to install, when
// rumur or a C compiler is missing.
package rumur

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

// Summary is what Rumur reports at the end of a run.
type Summary struct {
	// States is the number of states Rumur explored (stored).
	States uint64
	// RulesFired is the number of rule firings.
	RulesFired uint64
	// Errors is the number of errors (violated invariants, ...) found.
	Errors int
	// Elapsed is the wall time of the compiled verifier's run (not
	// counting the rumur and cc steps).
	Elapsed time.Duration
}

var summaryRE = regexp.MustCompile(`<summary states="(\d+)" rules_fired="(\d+)" errors="(\d+)"`)

// Options choose how RunWith invokes Rumur.
type Options struct {
	// Symmetry is the value of rumur's --symmetry-reduction flag: "off",
	// "heuristic" or "exhaustive". The empty string means "off".
	Symmetry string
}

// Run checks the Murphi model at path after applying the given line
// substitutions (a line equal to a key is replaced by its value, e.g.
// "const NODES : 3;" → "const NODES : 2;"), with symmetry reduction and
// deadlock detection off, one thread, and returns Rumur's summary.
func Run(t testing.TB, path string, subst map[string]string) Summary {
	t.Helper()
	return RunWith(t, path, subst, Options{})
}

// RunWith is Run with the symmetry-reduction mode chosen by opt (deadlock
// detection stays off, one thread). With symmetry reduction on, the
// summary's States counts the states Rumur stored, one per equivalence
// class its canonicalisation finds.
func RunWith(t testing.TB, path string, subst map[string]string, opt Options) Summary {
	t.Helper()
	symmetry := opt.Symmetry
	switch symmetry {
	case "":
		symmetry = "off"
	case "off", "heuristic", "exhaustive":
	default:
		t.Fatalf("rumur.RunWith: unknown symmetry reduction %q (want off, heuristic or exhaustive)", symmetry)
	}
	refcheck.Require(t, "Rumur", path, refcheck.Tool{Cmd: "rumur", Pkg: "rumur"}, refcheck.Tool{Cmd: "cc", Pkg: "gcc"})
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	done := map[string]bool{}
	for i, l := range lines {
		if v, ok := subst[l]; ok {
			lines[i] = v
			done[l] = true
		}
	}
	for k := range subst {
		if !done[k] {
			t.Fatalf("rumur.Run: line %q not found in %s", k, path)
		}
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "model.m")
	if err := os.WriteFile(m, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(dir, "model.c")
	bin := filepath.Join(dir, "verifier")
	refcheck.Build(t, dir,
		[]string{"rumur", "--threads", "1", "--symmetry-reduction", symmetry, "--deadlock-detection", "off",
			"--output-format", "machine-readable", "--colour", "off", m, "-o", c},
		[]string{"cc", "-O1", "-pthread", c, "-o", bin})
	out, elapsed := refcheck.RunTimed(dir, bin)
	sum, err := parse(out)
	if err != nil {
		t.Fatalf("rumur verifier: %v\n%s", err, out)
	}
	sum.Elapsed = elapsed
	return sum
}

func parse(out string) (Summary, error) {
	m := summaryRE.FindStringSubmatch(out)
	if m == nil {
		return Summary{}, fmt.Errorf("no <summary> in the output")
	}
	var s Summary
	s.States, _ = strconv.ParseUint(m[1], 10, 64)
	s.RulesFired, _ = strconv.ParseUint(m[2], 10, 64)
	s.Errors, _ = strconv.Atoi(m[3])
	return s, nil
}

// AssertSameCounts fails the test unless res, a complete run of the Go
// checker with deadlock detection off, agrees with Rumur's summary want:
// both find no error, and the Go run reaches exactly want.States states
// through exactly want.RulesFired transitions.
func AssertSameCounts(t testing.TB, res *statespace.Result, want Summary) {
	t.Helper()
	refcheck.AssertSameCounts(t, res, "Rumur", want.Errors, want.States, want.RulesFired)
}

// CheckSameCounts runs Rumur on the Murphi file at path (with subst, as
// Run) and the Go checker on m, deadlock detection off, and requires the
// same counts (AssertSameCounts).
func CheckSameCounts[S comparable](t testing.TB, path string, subst map[string]string, m statespace.Model[S]) {
	t.Helper()
	want := Run(t, path, subst)
	res, err := statespace.Check(m, statespace.Options{NoDeadlock: true})
	if err != nil {
		t.Fatal(err)
	}
	AssertSameCounts(t, res, want)
}
