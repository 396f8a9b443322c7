package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

const replayHelp = `usage: check replay FILE.json

Re-execute a counterexample saved by 'check run --trace-out FILE.json' against
the scenario's model: exit 1 when the violation is confirmed, 2 when the file
is unreadable or the trace no longer applies (the step and reason are named).
`

// cmdReplay re-executes a JSON trace written by --trace-out against the
// scenario's model: exit 1 when the violation is confirmed, 2 when the
// file is unreadable or the trace no longer applies (the step and reason
// are named).
func (a *App) cmdReplay(args []string, stdout io.Writer) (int, error) {
	args, err := ParseFlags(flag.NewFlagSet(a.Name+" replay", flag.ContinueOnError), a.named(replayHelp), args, stdout)
	if err != nil {
		return 0, err
	}
	if len(args) != 1 {
		return 0, Usagef("replay takes one trace file (.json, from %s run --trace-out)", a.Name)
	}
	doc, err := traces.Read(args[0])
	if err != nil {
		return 0, UsageError{err}
	}
	sc, vals, err := a.traceScenario(args[0], doc)
	if err != nil {
		return 0, err
	}
	steps, err := doc.ReplaySteps()
	if err != nil {
		return 0, UsageError{fmt.Errorf("%s: %v", args[0], err)}
	}
	what := fmt.Sprintf("%s (%s)", sc.Name, vals)
	if doc.ScenarioFile != nil {
		what = fmt.Sprintf("%s (the scenario file %s, as embedded in the trace)", sc.Name, doc.ScenarioFile.Path)
	}
	if _, err := sc.ReplayAs(vals, doc.Init, steps, doc.Property, statespace.Kind(doc.Kind), doc.Loop); err != nil {
		return 0, UsageError{fmt.Errorf("%s: the trace does not apply to %s: %v", args[0], what, err)}
	}
	fmt.Fprintf(stdout, "replayed %d steps of %s: %s is violated (%s), as the trace says\n",
		len(steps)-1, what, doc.Property, doc.Kind)
	return ExitViolation, nil
}

const exportHelp = `usage: check export FILE.json [DIR]

Turn a counterexample saved by 'check run --trace-out FILE.json' into a
datadriven regression script in DIR (default regress/testdata) that
'go test ./regress' replays. The trace is replayed first: only a trace that
applies to the current model is exported.
`

// cmdExport writes a JSON trace as a datadriven regression script that
// `go test ./regress` replays. The trace is replayed first: only a trace
// that applies to the current model is exported.
func (a *App) cmdExport(args []string, stdout io.Writer) error {
	args, err := ParseFlags(flag.NewFlagSet(a.Name+" export", flag.ContinueOnError), a.named(exportHelp), args, stdout)
	if err != nil {
		return err
	}
	if len(args) < 1 || len(args) > 2 {
		return Usagef("export takes a trace file (.json) and optionally a directory")
	}
	dir := filepath.Join("regress", "testdata")
	if len(args) == 2 {
		dir = args[1]
	}
	var discard strings.Builder
	if _, err := a.cmdReplay([]string{"--", args[0]}, &discard); err != nil {
		return err
	}
	doc, _ := traces.Read(args[0])
	script, err := regress.Script(doc)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, regress.BaseName(doc)+".txt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if doc.ScenarioFile != nil {
		// The scenario file the trace embeds, beside the script that names it.
		fp := filepath.Join(dir, regress.FileName(doc))
		if err := os.WriteFile(fp, []byte(doc.ScenarioFile.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (the scenario file of the trace, %s)\n", fp, doc.ScenarioFile.Path)
	}
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: go test ./regress replays it\n", p)
	return nil
}
