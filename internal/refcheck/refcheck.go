// Package refcheck holds what the test helpers that run a reference model
// checker (internal/rumur for Rumur, internal/spin for SPIN) share: the
// skip when a tool is missing, the build steps, the timed verifier run and
// the comparison of counts with the Go checker's.
package refcheck

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Tool is a command a cross-check needs and the Debian package that has it.
type Tool struct{ Cmd, Pkg string }

// Require skips the test, naming the packages to install, unless every
// tool is on the PATH; checker names the reference checker and path the
// model the cross-check would have run.
func Require(t testing.TB, checker, path string, tools ...Tool) {
	t.Helper()
	var pkgs []string
	for _, tool := range tools {
		pkgs = append(pkgs, tool.Pkg)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool.Cmd); err != nil {
			t.Skipf("%s not found: the cross-check of %s against %s is skipped; install Debian's %s (apt-get install -y %s libc6-dev)",
				tool.Cmd, path, checker, tool.Pkg, strings.Join(pkgs, " "))
		}
	}
}

// Build runs each step (a command and its arguments) in dir, failing the
// test with the step's output when one fails.
func Build(t testing.TB, dir string, steps ...[]string) {
	t.Helper()
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
}

// RunTimed runs the verifier bin in dir and returns its standard output
// and wall time; its exit code is ignored (verifiers exit non-zero when
// they find errors, which their summaries report).
func RunTimed(dir, bin string, args ...string) (string, time.Duration) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	start := time.Now()
	out, _ := cmd.Output()
	return string(out), time.Since(start)
}

// AssertSameCounts fails the test unless res, a complete run of the Go
// checker, agrees with the reference checker's run: neither finds an
// error, and the Go run reaches exactly states states through exactly
// transitions transitions (in the Go checker's sense: taken, the initial
// states not counted).
func AssertSameCounts(t testing.TB, res *statespace.Result, checker string, errors int, states, transitions uint64) {
	t.Helper()
	if res.Status != statespace.StatusOK || errors != 0 {
		t.Fatalf("Go: %s, %s: %d errors; both should find none", res.Status, checker, errors)
	}
	if res.Stats.States != states || res.Stats.Transitions != transitions {
		t.Errorf("Go: %d states, %d transitions; %s: %d states, %d transitions",
			res.Stats.States, res.Stats.Transitions, checker, states, transitions)
	}
}
