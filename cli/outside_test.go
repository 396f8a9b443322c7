package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/cli"
)

// libraryExample is the program of docs/library.md's "Run it with the CLI":
// the first Go code block after that heading.
func libraryExample(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", "library.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n## Run it with the CLI\n")
	if !ok {
		t.Fatal(`docs/library.md: no "## Run it with the CLI" section`)
	}
	_, code, ok := strings.Cut(after, "\n```go\n")
	if !ok {
		t.Fatal(`docs/library.md: "Run it with the CLI" has no Go code block`)
	}
	code, _, ok = strings.Cut(code, "\n```\n")
	if !ok {
		t.Fatal("docs/library.md: the Go code block does not end")
	}
	return code + "\n"
}

// goVersion is the go directive of the checkout's go.mod.
func goVersion(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// requirements is the require blocks of the checkout's go.mod.
func requirements(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile(`(?ms)^require \(\n.*?^\)\n|^require [^(\n]*\n`).FindAll(b, -1)
	if blocks == nil {
		t.Fatal("go.mod has no require")
	}
	return string(bytes.Join(blocks, []byte("\n"))) + "\n"
}

// The done-when of issue 21: a module of its own registers its model and
// gets the CLI in under 20 lines. The program is docs/library.md's, taken
// from the page (so the page cannot drift from what works); it is built
// against this checkout offline (a replace directive, the checkout's
// go.sum, GOPROXY=off: the module cache the checkout builds with) and run
// as its user would: list, a violating run (exit 1), a holding run (exit
// 0), --json, a saved trace replayed, a bad parameter (exit 2).
func TestOutsideModuleGetsTheCLI(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command:", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	code := libraryExample(t, root)
	lines := 0
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) != "" {
			lines++
		}
	}
	if lines >= 20 {
		t.Errorf("docs/library.md's program is %d non-blank lines; the promise is under 20", lines)
	}
	if f, err := format.Source([]byte(code)); err != nil || !bytes.Equal(f, []byte(code)) {
		t.Errorf("docs/library.md's program is not gofmt'd (%v)", err)
	}

	dir := t.TempDir()
	// The checkout's own requirements, copied, make the module's graph
	// complete: nothing is resolved, so nothing beyond what the checkout
	// builds with need be in the module cache.
	gomod := "module example.com/lockcheck\n\ngo " + goVersion(t, root) + "\n\n" +
		"require github.com/dmabufcheck/dmabufcheck v0.0.0\n\n" + requirements(t, root) +
		"replace github.com/dmabufcheck/dmabufcheck => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(code)} {
		if err := os.WriteFile(filepath.Join(dir, name), text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "GOSUMDB=off")
	build := exec.Command(goTool, "build", "-o", "lockcheck", ".")
	build.Dir, build.Env = dir, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Not go run: it turns every failing exit code into 1.
	gorun := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "lockcheck"), args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0, out.String(), errb.String()
		case errors.As(err, &exit):
			return exit.ExitCode(), out.String(), errb.String()
		}
		t.Fatalf("lockcheck %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		return 0, "", ""
	}

	c, out, errs := gorun("list")
	if c != 0 || !regexp.MustCompile(`^lock +two processes take a lock they saw free \[params: recheck=false \(true\|false\)\]\n$`).MatchString(out) {
		t.Fatalf("lockcheck list: exit %d, stdout %q, stderr %q; want exit 0 and the lock with its parameter", c, out, errs)
	}
	c, out, errs = gorun("run", "lock", "--quiet")
	if c != cli.ExitViolation || !strings.Contains(out, "result: VIOLATION of mutual exclusion (invariant)") ||
		!strings.Contains(out, "counterexample (4 steps, shortest)") || errs != "" {
		t.Errorf("lockcheck run lock: exit %d, stderr %q, stdout:\n%s\nwant exit 1, mutual exclusion violated in 4 steps", c, errs, out)
	}
	c, out, errs = gorun("run", "lock", "--set", "recheck=true", "--json", "--progress=none")
	var res cli.JSONResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || c != cli.ExitOK || res.Result != "ok" || res.States != 8 || res.Params["recheck"] != "true" {
		t.Errorf("lockcheck run lock --set recheck=true --json: exit %d (%v), stderr %q, result %q, %d states, params %v; want exit 0, ok, 8 states",
			c, err, errs, res.Result, res.States, res.Params)
	}
	trace := filepath.Join(dir, "bug.json")
	if c, _, errs = gorun("run", "lock", "--quiet", "--trace-out", trace); c != cli.ExitViolation {
		t.Errorf("lockcheck run lock --trace-out: exit %d, stderr %q", c, errs)
	}
	if c, out, errs = gorun("replay", trace); c != cli.ExitViolation || !strings.Contains(out, "mutual exclusion is violated") {
		t.Errorf("lockcheck replay: exit %d, stdout %q, stderr %q; want exit 1, confirmed", c, out, errs)
	}
	c, out, errs = gorun("run", "lock", "--set", "recheck=maybe")
	first, _, _ := strings.Cut(errs, "\n")
	if c != cli.ExitUsage || out != "" || first != `lockcheck: parameter recheck="maybe": want true or false` {
		t.Errorf("lockcheck run lock --set recheck=maybe: exit %d, stdout %q, stderr %q; want exit 2 and one clear line", c, out, errs)
	}
	if c, out, _ = gorun("help"); c != 0 ||
		!strings.Contains(out, "lockcheck run SCENARIO") || !strings.Contains(out, "lockcheck explore") || strings.Contains(out, "review") {
		t.Errorf("lockcheck help: exit %d:\n%s\nwant the standard commands under the program's name", c, out)
	}
}
