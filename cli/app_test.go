package cli_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// lockApp is an app with the lock model of Example, named lockcheck.
func lockApp() *cli.App {
	app := cli.New("lockcheck")
	cli.Register(app, "lock", "two processes take a lock they saw free", lockModel,
		cli.Bool("recheck", false, "take it only if it is still free"))
	return app
}

func runApp(app *cli.App, args ...string) (int, string, string) {
	var out, errb strings.Builder
	code := app.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// Without property documentation, list properties lists each model's
// properties at its defaults.
func TestListPropertiesOfTheRegisteredModels(t *testing.T) {
	code, out, errs := runApp(lockApp(), "list", "properties")
	if code != cli.ExitOK || strings.Fields(out)[0] != "lock" || !strings.HasSuffix(out, "mutual exclusion\n") || errs != "" {
		t.Errorf("list properties: exit %d, stdout %q, stderr %q; want \"lock  mutual exclusion\"", code, out, errs)
	}
}

// A name that is not registered exits 2 with the names there are, and the
// program's own list command to see them.
func TestUnknownModelNamesTheRegisteredOnes(t *testing.T) {
	code, out, errs := runApp(lockApp(), "run", "lokc")
	if code != cli.ExitUsage || out != "" || !strings.HasPrefix(errs, `lockcheck: unknown scenario "lokc" (run 'lockcheck list' to see them: lock)`) {
		t.Errorf("run lokc: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// An incomplete search exits 3, as check's does.
func TestBoundedRunOfARegisteredModelIsIncomplete(t *testing.T) {
	code, out, _ := runApp(lockApp(), "run", "lock", "--quiet", "--set", "recheck=true", "--max-states", "3")
	if code != cli.ExitIncomplete || !strings.Contains(out, "result: INCOMPLETE") {
		t.Errorf("run --max-states 3: exit %d:\n%s", code, out)
	}
}

// An app's own commands are dispatched, listed in the help, answer
// 'help CMD', and return usage errors and help as the standard ones do.
func TestExtraCommands(t *testing.T) {
	app := lockApp()
	app.Commands = []cli.Command{{
		Name:     "count",
		Synopsis: "MODEL",
		Summary:  "print the number of states",
		Run: func(_ context.Context, args []string, stdout, _ io.Writer) (int, error) {
			pos, err := cli.ParseFlags(flag.NewFlagSet("lockcheck count", flag.ContinueOnError), "usage: lockcheck count MODEL\n", args, stdout)
			if err != nil {
				return 0, err
			}
			if len(pos) != 1 {
				return 0, cli.Usagef("count takes one model")
			}
			io.WriteString(stdout, "8\n")
			return cli.ExitOK, nil
		},
	}}
	if code, out, _ := runApp(app, "count", "lock"); code != 0 || out != "8\n" {
		t.Errorf("count lock: exit %d, stdout %q", code, out)
	}
	if code, _, errs := runApp(app, "count"); code != cli.ExitUsage || errs != "lockcheck: count takes one model\nrun 'lockcheck help' for usage\n" {
		t.Errorf("count: exit %d, stderr %q", code, errs)
	}
	if code, out, errs := runApp(app, "help", "count"); code != 0 || out != "usage: lockcheck count MODEL\n" || errs != "" {
		t.Errorf("help count: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, out, _ := runApp(app, "help"); !strings.Contains(out, "\n  lockcheck count MODEL\n      print the number of states\n  lockcheck help [COMMAND]\n") {
		t.Errorf("help does not list count before help:\n%s", out)
	}
	if code, _, errs := runApp(app, "review"); code != cli.ExitUsage || !strings.Contains(errs, `unknown command "review"`) {
		t.Errorf("review (cmd/check's, not this app's): exit %d, stderr %q", code, errs)
	}
}

// Register refuses, as a programming error, a parameter whose default is
// outside its own range, and a name registered twice.
func TestRegisterRefusesProgrammingErrors(t *testing.T) {
	build := func(cli.Values) (statespace.Model[lock], error) { return nil, errors.New("unused") }
	for name, reg := range map[string]func(*cli.App){
		"default out of range": func(a *cli.App) { cli.Register(a, "x", "", build, cli.Int("n", 9, 1, 4, "")) },
		"duplicate": func(a *cli.App) {
			cli.Register(a, "x", "", build)
			cli.Register(a, "x", "", build)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			reg(cli.New("t"))
		}()
	}
}

// A registered model's counterexample exports as a regression script that
// regress.Run replays against the app's registry, its property's name
// (with a space) and all.
func TestExportOfARegisteredModelReplays(t *testing.T) {
	app, dir := lockApp(), t.TempDir()
	trace := filepath.Join(dir, "bug.json")
	if code, _, errs := runApp(app, "run", "lock", "--quiet", "--trace-out", trace); code != cli.ExitViolation {
		t.Fatalf("run --trace-out: exit %d: %s", code, errs)
	}
	if code, out, errs := runApp(app, "export", trace, dir); code != cli.ExitOK || !strings.Contains(out, "lock--mutual-exclusion.txt") {
		t.Fatalf("export: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "lock--mutual-exclusion.txt"))
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(b), "\n")
	input, want, _ := strings.Cut(rest, "----\n")
	cmd, cargs, err := datadriven.ParseLine(head)
	if err != nil || cmd != "replay" {
		t.Fatalf("the script's directive %q: %q, %v", head, cmd, err)
	}
	args, err := regress.Args(cargs)
	if err != nil {
		t.Fatalf("the script's directive %q: %v", head, err)
	}
	if got := regress.Run(app.Registry, args, input) + "\n"; got != want || args["property"] != "mutual exclusion" {
		t.Errorf("regress.Run of %s: %q, want %q (property %q)", head, got, want, args["property"])
	}
}

// graph draws a registered model's state space.
func TestGraphOfARegisteredModel(t *testing.T) {
	code, out, errs := runApp(lockApp(), "graph", "lock", "--set", "recheck=true")
	if code != cli.ExitOK || !strings.HasPrefix(out, "digraph") || strings.Count(out, "->") != 12 {
		t.Errorf("graph lock: exit %d, stderr %q, %d edges (want the 12 transitions):\n%s", code, errs, strings.Count(out, "->"), out)
	}
}

// A scenario file that names a registered model, with its parameters, is
// taken where the model's name is.
func TestScenarioFileNamesARegisteredModel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fixed.yaml")
	if err := os.WriteFile(p, []byte("scenario: lock\nparams:\n  recheck: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runApp(lockApp(), "run", p, "--quiet"); code != cli.ExitOK || !strings.HasPrefix(out, "scenario lock (recheck=true)\nresult: ok") {
		t.Errorf("run %s: exit %d, stderr %q:\n%s", p, code, errs, out)
	}
	if err := os.WriteFile(p, []byte("scenario: lock\nparams:\n  recheck: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runApp(lockApp(), "run", p, "--quiet"); code != cli.ExitUsage || !strings.Contains(errs, p+":3:") {
		t.Errorf("run %s with a bad value: exit %d, stderr %q; want exit 2 at the file's line", p, code, errs)
	}
}
