// Command check runs exhaustive checks of the built-in scenarios.
//
//	check run SCENARIO [--set key=value ...] [--workers N] [--max-states N]
//	          [--max-depth N] [--memory SIZE] [--only PROP,...] [--json] [--quiet]
//	check list
//
// It is package cli over the DMA-buf scenarios (scenario.Builtin and the
// world files of scenarios/), with two commands of its own: review (the
// design-review matrix, docs/results.md) and explain (a property's kernel
// rule).
//
// Exit codes: 0 every property holds (exhaustive), 1 a property is violated,
// 2 usage or input error, 3 the search was incomplete (a bound was hit or
// the run was interrupted).
package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/scenarios"
)

// Exit codes (package cli's).
const (
	exitOK         = cli.ExitOK
	exitViolation  = cli.ExitViolation
	exitUsage      = cli.ExitUsage
	exitIncomplete = cli.ExitIncomplete
)

// jsonResult is the schema of check run --json.
type jsonResult = cli.JSONResult

// scenariosDir is the directory of scenario files that 'check list' lists
// beside the built-ins (relative to the working directory: the checkout's
// root).
const scenariosDir = "scenarios"

func main() { app().Main() }

// app is the check command: package cli over the built-in scenarios, with
// review and explain.
func app() *cli.App {
	a := &cli.App{
		Name:         "check",
		Registry:     scenario.Builtin(),
		Usage:        usage,
		ListHelp:     listHelp,
		PropertyDocs: propertyDocs,
		ScenarioDir:  scenariosDir,
		Carried:      carried,
	}
	a.Commands = []cli.Command{
		{Name: "review", Run: func(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
			return cmdReview(a.Registry, args, stdout, stderr)
		}},
		{Name: "explain", Run: func(_ context.Context, args []string, stdout, _ io.Writer) (int, error) {
			return 0, cmdExplain(args, stdout)
		}},
	}
	return a
}

// run is the whole command: it returns the exit code instead of exiting, so
// that tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return app().Run(ctx, args, stdout, stderr)
}

// carried reports whether a file of scenarios/ is a built-in's, as the
// binary carries it: the built-in, listed already.
func carried(path string, text []byte) bool {
	for _, f := range scenarios.Files() {
		if f.Path == filepath.ToSlash(path) {
			return bytes.Equal(f.Text, text)
		}
	}
	return false
}

// isScenarioFile reports whether a command-line scenario names a file
// rather than a built-in.
func isScenarioFile(name string) bool { return cli.IsScenarioFile(name) }

const usage = `usage:
  check run SCENARIO [flags]   check a scenario exhaustively (a built-in name, or a
                               scenario file FILE.yaml: docs/scenario-files.md)
  check list [properties]      list the built-in scenarios and the other files of
                               scenarios/ (or the properties), one per line
  check replay FILE.json       re-execute a saved counterexample and confirm it
  check review [--out docs/results.md] [--traces docs/results] [DIR]
                               check every property of every scenario (or of every
                               scenario file in DIR, against its expect:), write the matrix
  check explain PROPERTY       what a property means and which kernel rule it comes from
  check graph SCENARIO [--set k=v ...] [--max-states N]
                               print the whole state space as DOT (small ones only;
                               SCENARIO: a built-in name or FILE.yaml)
  check export FILE.json [DIR] turn a counterexample into a regression test
                               (a datadriven script in DIR, default regress/testdata)
  check explore SCENARIO [--set k=v ...] [--addr 127.0.0.1:0]
                               serve an interactive explorer of the state space on a
                               loopback address (docs/explore.md)
  check help [COMMAND]         show this help, or a command's

Run 'check COMMAND --help' (or 'check help COMMAND') for a command's flags.
Exit codes: 0 ok, 1 violation, 2 usage or input error, 3 incomplete.
`

const listHelp = `usage: check list [scenarios|properties]

List the built-in scenarios with their descriptions and parameters (the
default; --set name=value sets one, within the range shown; every
built-in but german and dmabuf-bench is the world file scenarios/NAME.yaml,
carried in the binary), then the other scenario files of scenarios/
(marked [file: ...]; run them as 'check run scenarios/NAME.yaml'), or
every property with the first sentence of its documentation, one per line.
`
