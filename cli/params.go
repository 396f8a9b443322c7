package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// A scenario's parameters, as 'check list' and 'check run SCENARIO --help'
// show them: each with its default and what --set accepts.

// paramRange is what --set accepts for p: 1..2, arm64|arm32|x86 or
// true|false.
func paramRange(p scenario.Param) string {
	switch p.Kind {
	case scenario.Int:
		return fmt.Sprintf("%d..%d", p.Min, p.Max)
	case scenario.Choice:
		return strings.Join(p.Options, "|")
	}
	return "true|false"
}

// paramSummary is a scenario's parameters on one line: name=default
// (range), ...; "" without parameters.
func paramSummary(sc *scenario.Scenario) string {
	var out []string
	for _, p := range sc.Params {
		out = append(out, fmt.Sprintf("%s=%s (%s)", p.Name, p.Default, paramRange(p)))
	}
	return strings.Join(out, ", ")
}

// writeParamHelp writes a scenario's parameters one per line, with their
// help, after a command's help.
func writeParamHelp(w io.Writer, sc *scenario.Scenario) {
	if len(sc.Params) == 0 {
		fmt.Fprintf(w, "\nscenario %s has no parameters\n", sc.Name)
		return
	}
	fmt.Fprintf(w, "\nparameters of %s (--set name=value):\n", sc.Name)
	for _, p := range sc.Params {
		fmt.Fprintf(w, "  %s=%s (%s)\n    \t%s\n", p.Name, p.Default, paramRange(p), p.Help)
	}
}
