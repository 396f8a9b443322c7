// Package regress turns counterexamples into regression tests: a trace is
// exported as a cockroachdb/datadriven script under regress/testdata/, and
// `go test ./regress` replays every script against the current model, so a
// fixed bug stays fixed and a changed model is noticed.
//
// A script is one "replay" directive per counterexample:
//
//	replay scenario=today property=no-stale-read kind=invariant init=0 loop=-1 arch=arm64 lines=1 writes=2
//	0 114ddfda264d5aa9 -
//	17 9a0c0c5f0e3a8c11 dma_buf_attach(isp)
//	...
//	----
//	confirmed: no-stale-read (invariant) after 8 steps
//
// Each input line is an action index, the fingerprint of the state reached
// and the action's label. The expected output is what replaying prints:
// "confirmed: ..." while the bug is still in the model, or the step where
// the trace stops applying once the model changed.
//
// A counterexample found in a scenario file (check run FILE.yaml) names
// the file, written beside the script, in the directive's "file" key:
// replay builds the scenario from it.
package regress

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// reserved are the directive's own keys; every other key is a scenario
// parameter.
var reserved = []string{"scenario", "property", "kind", "init", "loop", "file"}

// Script renders d as a datadriven replay directive with its expected
// output (the trace must replay: it comes from the checker). A trace that
// embeds its scenario file names it as file=FileName(d): the caller writes
// the file's text there, beside the script.
func Script(d *traces.Document) (string, error) {
	var b strings.Builder
	name := d.Scenario
	if d.ScenarioFile != nil {
		// The file names the scenario; the name is for the reader, and a
		// directive's value ends at a space.
		name = strings.ReplaceAll(name, " ", "_")
	} else if v, err := directiveValue(name); err != nil {
		return "", fmt.Errorf("scenario %q: %v", name, err)
	} else {
		name = v
	}
	prop, err := directiveValue(d.Property)
	if err != nil {
		return "", fmt.Errorf("property %q: %v", d.Property, err)
	}
	fmt.Fprintf(&b, "replay scenario=%s property=%s kind=%s init=%d loop=%d", name, prop, d.Kind, d.Init, d.Loop)
	if d.ScenarioFile != nil {
		b.WriteString(" file=" + FileName(d))
	}
	for _, kv := range scenario.Settings(d.Params) {
		k, v, _ := strings.Cut(kv, "=")
		val, err := directiveValue(v)
		if err != nil {
			return "", fmt.Errorf("parameter %s=%q: %v", k, v, err)
		}
		b.WriteString(" " + k + "=" + val)
	}
	b.WriteString("\n")
	for _, s := range d.Steps {
		label := s.Action
		if s.Index == 0 {
			label = "-"
		}
		fmt.Fprintf(&b, "%d %s %s\n", s.ActionIndex, s.Fingerprint, label)
	}
	fmt.Fprintf(&b, "----\n%s\n", Confirmed(d.Property, d.Kind, len(d.Steps)-1))
	return b.String(), nil
}

// Args is the arguments of a replay directive as Run takes them: each
// key with its one value.
func Args(cmdArgs []datadriven.CmdArg) (map[string]string, error) {
	args := map[string]string{}
	for _, a := range cmdArgs {
		if len(a.Vals) != 1 {
			return nil, fmt.Errorf("argument %s has %d values, want one", a.Key, len(a.Vals))
		}
		args[a.Key] = a.Vals[0]
	}
	return args, nil
}

// directiveValue is v as a datadriven directive writes it: as it is, or
// in parentheses when it holds a space (a property of a model outside this
// project, "mutual exclusion"), which would end it. A value the directive
// cannot carry as one value is an error.
func directiveValue(v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "("):
		return "", fmt.Errorf("a datadriven directive cannot carry a value that starts with '('")
	case !strings.Contains(v, " "):
		return v, nil
	case strings.ContainsAny(v, ",()"):
		return "", fmt.Errorf("a datadriven directive cannot carry a value with a space and a comma or a parenthesis")
	}
	return "(" + v + ")", nil
}

// BaseName is the name of the script of d, without its extension
// (scenario--property, in lower case, with every other character than a
// letter, a digit or '-' replaced by '-').
func BaseName(d *traces.Document) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(d.Scenario+"--"+d.Property))
}

// FileName is the name of the scenario file beside the script of a trace
// that embeds its file.
func FileName(d *traces.Document) string { return BaseName(d) + ".yaml" }

// Confirmed is the expected output of a trace that still replays.
func Confirmed(property, kind string, steps int) string {
	return fmt.Sprintf("confirmed: %s (%s) after %d steps", property, kind, steps)
}

// Run executes one replay directive: args are the directive's key=value
// pairs, input its lines. It returns the output to compare with the
// script's expectation.
func Run(reg *scenario.Registry, args map[string]string, input string) string {
	return RunIn(reg, "", args, input)
}

// RunIn is Run for a script in directory dir: a "file" argument names a
// scenario file relative to dir, from which the scenario is built.
func RunIn(reg *scenario.Registry, dir string, args map[string]string, input string) string {
	var sc *scenario.Scenario
	var err error
	if f := args["file"]; f != "" {
		sc, _, _, err = scenario.LoadFile(reg, filepath.Join(dir, f))
	} else {
		sc, err = reg.Lookup(args["scenario"])
	}
	if err != nil {
		return "error: " + err.Error()
	}
	var settings []string
	for k, v := range args {
		if !slices.Contains(reserved, k) {
			settings = append(settings, k+"="+v)
		}
	}
	slices.Sort(settings)
	vals, err := sc.Parse(settings)
	if err != nil {
		return "error: " + err.Error()
	}
	init, err1 := strconv.Atoi(args["init"])
	loop, err2 := strconv.Atoi(args["loop"])
	if err1 != nil || err2 != nil {
		return "error: init and loop must be integers"
	}
	var steps []statespace.ReplayStep
	for i, line := range strings.Split(strings.TrimSpace(input), "\n") {
		f := strings.SplitN(strings.TrimSpace(line), " ", 3)
		if len(f) != 3 {
			return fmt.Sprintf("error: line %d: want \"action fingerprint label\"", i+1)
		}
		a, err := strconv.Atoi(f[0])
		fp, err2 := strconv.ParseUint(f[1], 16, 64)
		if err != nil || err2 != nil {
			return fmt.Sprintf("error: line %d: bad action index or fingerprint", i+1)
		}
		steps = append(steps, statespace.ReplayStep{Action: a, Label: f[2], Fingerprint: fp})
	}
	if _, err := sc.ReplayAs(vals, init, steps, args["property"], statespace.Kind(args["kind"]), loop); err != nil {
		return "no longer applies: " + err.Error()
	}
	return Confirmed(args["property"], args["kind"], len(steps)-1)
}
