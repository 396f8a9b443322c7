package cli

import (
	"flag"
	"fmt"
	"io"

	"github.com/dmabufcheck/dmabufcheck/traces"
)

const graphHelp = `usage: check graph SCENARIO [flags]

Print a small scenario's whole state space as a DOT graph on stdout:
SCENARIO is a registered model's name ('check list') or a scenario
file FILE.yaml.
`

// cmdGraph prints a small scenario's whole state space as DOT.
func (a *App) cmdGraph(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(a.Name+" graph", flag.ContinueOnError)
	var set []string
	fs.Var(multiFlag{&set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	maxStates := 500
	fs.Var(intFlag{&maxStates, 1, "want at least 1 state"}, "max-states", "refuse state spaces larger than `N` states")
	pos, err := ParseFlags(fs, a.named(graphHelp), args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return Usagef("graph takes one scenario")
	}
	if len(pos) == 0 {
		return Usagef("graph needs a scenario name")
	}
	name := pos[0]
	l, err := a.loadScenario(name, set)
	if err != nil {
		return err
	}
	sc, vals := l.sc, l.vals
	g, err := sc.Graph(vals, maxStates)
	if err != nil {
		return UsageError{fmt.Errorf("%s: %v", name, err)}
	}
	return traces.WriteGraphDOT(stdout, sc.Name+" ("+vals.String()+")", g)
}
