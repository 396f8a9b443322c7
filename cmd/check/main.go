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
		ListHelp:     listHelp,
		PropertyDocs: propertyDocs,
		ScenarioDir:  scenariosDir,
		Carried:      carried,
	}
	a.Commands = []cli.Command{
		{Name: "review", Synopsis: "[--out docs/results.md] [--traces docs/results] [DIR]",
			Summary: "check every property of every scenario (or of every scenario file in DIR, against its expect:), write the matrix",
			Run: func(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
				return cmdReview(a.Registry, args, stdout, stderr)
			}},
		{Name: "explain", Synopsis: "PROPERTY", Summary: "what a property means and which kernel rule it comes from",
			Run: func(_ context.Context, args []string, stdout, _ io.Writer) (int, error) {
				return 0, cmdExplain(args, stdout)
			}},
	}
	return a
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

const listHelp = `usage: check list [scenarios|properties]

List the built-in scenarios with their descriptions and parameters (the
default; --set name=value sets one, within the range shown; every
built-in but german and dmabuf-bench is the world file scenarios/NAME.yaml,
carried in the binary), then the other scenario files of scenarios/
(marked [file: ...]; run them as 'check run scenarios/NAME.yaml'), or
every property with the first sentence of its documentation, one per line.
`
