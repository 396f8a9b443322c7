package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// Scenario files are first-class (issue 17): every command that takes a
// scenario takes a file, a trace found in a file carries the file's text,
// and the files of App.ScenarioDir that are not a registered model's are
// listed beside the models.

// lookup is the registered model of that name; its error names the
// models and the command that lists them.
func (a *App) lookup(name string) (*scenario.Scenario, error) {
	sc, err := a.Registry.Lookup(name)
	if err != nil {
		return nil, Usagef("unknown scenario %q (run '%s list' to see them: %s)", name, a.Name, strings.Join(a.Registry.Names(), ", "))
	}
	return sc, nil
}

// IsScenarioFile reports whether a command-line scenario names a file
// (FILE.yaml or FILE.yml) rather than a registered model.
func IsScenarioFile(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

// loadedScenario is a scenario named on the command line, with its
// parameter values and, for a file, its options and text.
type loadedScenario struct {
	sc      *scenario.Scenario
	vals    scenario.Values
	fileOpt scenario.FileOptions
	// file is the scenario file's path and text, nil for a built-in.
	file *traces.ScenarioFile
}

// loadScenario resolves a built-in name or a scenario file, then applies
// the --set settings (a file's parameters are its defaults).
func (a *App) loadScenario(name string, set []string) (*loadedScenario, error) {
	l := &loadedScenario{}
	if !IsScenarioFile(name) {
		sc, err := a.lookup(name)
		if err != nil {
			return nil, err
		}
		vals, err := sc.Parse(set)
		if err != nil {
			return nil, UsageError{err}
		}
		l.sc, l.vals = sc, vals
		return l, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, UsageError{err}
	}
	if l.sc, l.vals, l.fileOpt, err = scenario.ParseFileWith(a.Registry, name, b, set); err != nil {
		return nil, UsageError{err}
	}
	l.file = &traces.ScenarioFile{Path: name, Text: string(b)}
	return l, nil
}

// traceScenario rebuilds the scenario a trace was found in: from the
// scenario file embedded in the trace when it has one (the file may be
// gone, or changed, since), else the built-in of that name. path names the
// trace in errors.
func (a *App) traceScenario(path string, doc *traces.Document) (*scenario.Scenario, scenario.Values, error) {
	var sc *scenario.Scenario
	if f := doc.ScenarioFile; f != nil {
		var err error
		sc, _, _, err = scenario.ParseFile(a.Registry, f.Path, []byte(f.Text))
		if err != nil {
			return nil, scenario.Values{}, UsageError{fmt.Errorf("%s: the scenario file embedded in the trace does not load: %v", path, err)}
		}
		if sc.Name != doc.Scenario {
			return nil, scenario.Values{}, UsageError{fmt.Errorf("%s: the scenario file embedded in the trace (%s) is scenario %q, the trace says %q (the file was edited)", path, f.Path, sc.Name, doc.Scenario)}
		}
	} else {
		var err error
		if sc, err = a.lookup(doc.Scenario); err != nil {
			return nil, scenario.Values{}, UsageError{fmt.Errorf("%s: %v", path, err)}
		}
	}
	vals, err := sc.Parse(scenario.Settings(doc.Params))
	if err != nil {
		return nil, scenario.Values{}, UsageError{fmt.Errorf("%s: %v", path, err)}
	}
	return sc, vals, nil
}

// ScenarioFiles returns the scenario files of dir (.yaml and .yml), sorted;
// none when dir does not exist.
func ScenarioFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && IsScenarioFile(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}

// listFiles prints the scenario files of a.ScenarioDir, one per line, each
// marked as a file; a file that does not load is listed with its error. A
// file that is a registered model's, as the binary carries it (a.Carried),
// is the model listed above, and is not listed again.
func (a *App) listFiles(stdout io.Writer) error {
	if a.ScenarioDir == "" {
		return nil
	}
	files, err := ScenarioFiles(a.ScenarioDir)
	if err != nil {
		return err
	}
	for _, p := range files {
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if a.Carried != nil && a.Carried(p, text) {
			continue
		}
		sc, _, _, err := scenario.ParseFile(a.Registry, p, text)
		if err != nil {
			fmt.Fprintf(stdout, "%-28s [file, does not load] %v\n", p, err)
			continue
		}
		line := fmt.Sprintf("%-28s [file: scenario %s] %s", p, sc.Name, sc.Description)
		if ps := paramSummary(sc); ps != "" {
			line += " [params: " + ps + "]"
		}
		fmt.Fprintln(stdout, line)
	}
	return nil
}
