// Package rumur runs the Rumur model checker (Debian package rumur) on a
// Murphi model so that tests can compare the Go checker's counts with an
// independent checker's. Tests skip, naming the package to install, when
// rumur or a C compiler is missing.
package rumur

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Summary is what Rumur reports at the end of a run.
type Summary struct {
	States     uint64
	RulesFired uint64
	Errors     int
}

var summaryRE = regexp.MustCompile(`<summary states="(\d+)" rules_fired="(\d+)" errors="(\d+)"`)

// Run checks the Murphi model at path after applying the given line
// substitutions (a line equal to a key is replaced by its value, e.g.
// "const NODES : 3;" → "const NODES : 2;"), with symmetry reduction and
// deadlock detection off, one thread, and returns Rumur's summary.
func Run(t testing.TB, path string, subst map[string]string) Summary {
	t.Helper()
	for _, tool := range []string{"rumur", "cc"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: install it to cross-check against Rumur (apt-get install -y rumur gcc)", tool)
		}
	}
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
	steps := [][]string{
		{"rumur", "--threads", "1", "--symmetry-reduction", "off", "--deadlock-detection", "off",
			"--output-format", "machine-readable", "--colour", "off", m, "-o", c},
		{"cc", "-O1", "-pthread", c, "-o", bin},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(s, " "), err, out)
		}
	}
	out, _ := exec.Command(bin).Output() // exits non-zero when errors are found
	sum, err := parse(string(out))
	if err != nil {
		t.Fatalf("rumur verifier: %v\n%s", err, out)
	}
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
