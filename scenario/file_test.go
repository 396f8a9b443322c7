package scenario

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A file that names a built-in scenario (scenario: NAME, params: ...)
// checks exactly the built-in at those values: the same states and
// transitions as the built-in run by name with the same settings.
func TestAFileNamingABuiltinChecksTheBuiltin(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ file, settings string }{
		{"scenario: today\n", ""},
		{"scenario: today-wait-first\nparams:\n  lines: 2\n", "lines=2"},
		{"scenario: fence-three-writers\nparams:\n  access: read\n", "access=read"},
		{"scenario: german\nparams:\n  nodes: 2\n", "nodes=2"},
	} {
		fsc, fv, _, err := ParseFile(reg, "ref.yaml", []byte(tc.file))
		if err != nil {
			t.Fatalf("%q: %v", tc.file, err)
		}
		sc, err := reg.Lookup(fsc.Name)
		if err != nil {
			t.Fatal(err)
		}
		var set []string
		if tc.settings != "" {
			set = strings.Split(tc.settings, ",")
		}
		bv, err := sc.Parse(set)
		if err != nil {
			t.Fatal(err)
		}
		if fv.String() != bv.String() {
			t.Errorf("%q: values %s, want %s", tc.file, fv, bv)
		}
		opt := statespace.Options{MaxStates: 400_000}
		a, err := sc.Check(bv, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fsc.Check(fv, opt)
		if err != nil {
			t.Fatal(err)
		}
		if a.Stats.States != b.Stats.States || a.Stats.Transitions != b.Stats.Transitions || a.Status != b.Status {
			t.Errorf("%q: built-in %s %d/%d, file %s %d/%d", tc.file, a.Status, a.Stats.States, a.Stats.Transitions, b.Status, b.Stats.States, b.Stats.Transitions)
		}
	}
}

// Errors name the file, the line, the column and the field.
func TestScenarioFileErrorsNameFileLineAndField(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"scenario: nope\n", `board.yaml:1:11: unknown scenario "nope"`},
		{"scenario: today\ndevices: [gpu]\n", `board.yaml:2:1: unknown field "devices"`},
		{"model: dmabuf\ndevices: [gpu]\n", `board.yaml:1:8: model "dmabuf": a scenario file is a world (model: world`},
		{"model: fence\n", `board.yaml:1:8: model "fence": a scenario file is a world`},
		{"scenario: today\nbounds:\n  max-states: lots\n", `board.yaml:3:15: want an integer`},
		{"- a\n- b\n", `board.yaml:1:1: a scenario file is a YAML mapping`},
		{"scenario: today\nscenario: german\n", `board.yaml`},
		{"colour: blue\nscenario: today\n", `board.yaml:1:1: unknown field "colour"`},
		{"description: nothing else\n", `board.yaml:1:1: a scenario file is a world (model: world, docs/writing-scenarios.md) or names a built-in`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// A misspelt property in a file's "properties" list is an error at its
// line and column that suggests the nearest property of the scenario.
func TestScenarioFileMisspeltPropertyIsFoundWhereWrittenWithASuggestion(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"scenario: today\nproperties: [no-stale-read, no-lost-wirte]\n", `board.yaml:2:29: properties: unknown property "no-lost-wirte" (did you mean "no-lost-write"?)`},
		{"scenario: german\nproperties:\n  - DataProp\n  - CntrlProps\n", `board.yaml:4:5: properties: unknown property "CntrlProps" (did you mean "CntrlProp"?)`},
		{"scenario: today\nproperties: [deadlok]\n", `board.yaml:2:14: properties: unknown property "deadlok" (did you mean "deadlock"?)`},
		{"scenario: today\nproperties: [frobnication]\n", `board.yaml:2:14: properties: unknown property "frobnication" (today has: no-stale-read,`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
	if _, _, opt, err := ParseFile(reg, "board.yaml", []byte("scenario: today\nproperties: [no-stale-read, deadlock]\n")); err != nil || len(opt.Only) != 2 {
		t.Errorf("good properties: %v %v", opt.Only, err)
	}
}

// A bad parameter in a file's "params" is reported at the parameter (an
// unknown name) or its value (out of its domain), as the file's field:
// never as a --set option, which the file's author did not write.
func TestScenarioFileParamErrorsNameThePositionAndTheField(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"scenario: today\nparams:\n  arch: sparc\n", `board.yaml:3:9: params: arch: want one of arm64, arm32, x86, not "sparc"`},
		{"scenario: today\nparams:\n  lines: 2\n  writes: many\n", `board.yaml:4:11: params: writes: want an integer between`},
		{"scenario: today\nparams:\n  lnes: 2\n", `board.yaml:3:3: params: scenario today has no parameter "lnes" (did you mean "lines"?)`},
		{"scenario: german\nparams: [nodes]\n", `board.yaml:2:9: params: want a mapping`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "--set") {
			t.Errorf("%q: error %v, want %q and no --set", tc.yaml, err, tc.want)
		}
	}
}

// A YAML syntax error is reported as file:line:column, the position where
// the parser found the problem, not as yaml.v3's "yaml: line N".
func TestScenarioFileSyntaxErrorsNameLineAndColumn(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"scenario:\n\t- today\n", `board.yaml:2:1: found character that cannot start any token`},
		{"scenario: today\nparams: @\n", `board.yaml:2:9: found character that cannot start any token`},
		{"scenario: today: german\n", `board.yaml:1:16: mapping values are not allowed in this context`},
		{"scenario: today\nparams:\n  lines: 1\n    arch: x86\n", `board.yaml:4:9: mapping values are not allowed in this context`},
		{"properties:\n  - deadlock\n  scenario: today\n", `board.yaml:3:11: did not find expected '-' indicator`},
		{"scenario: \"today\nparams: {}\n", `board.yaml:1:11: found unexpected end of stream`},
		{"properties: [deadlock\n", `board.yaml:1:`},
		{"scenario: *today\n", `board.yaml:1:`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ": yaml:") {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// A file's properties and bounds become the run's options.
func TestScenarioFileOptions(t *testing.T) {
	_, _, opt, err := ParseFile(Builtin(), "b.yaml", []byte("scenario: today\nproperties: [no-stale-read]\nbounds:\n  max-states: 1000\n  max-depth: 7\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.Only) != 1 || opt.Only[0] != "no-stale-read" || opt.MaxStates != 1000 || opt.MaxDepth != 7 {
		t.Errorf("%+v", opt)
	}
}

// FuzzScenarioFile: the scenario-file parser never panics; it returns a
// scenario or an error naming the file.
func FuzzScenarioFile(f *testing.F) {
	f.Add([]byte("scenario: today\nparams:\n  lines: 2\nproperties: [no-stale-read]\n"))
	f.Add([]byte("scenario: german\nparams: {nodes: 2}\nbounds: {max-states: 10}\n"))
	reg := Builtin()
	f.Fuzz(func(t *testing.T, b []byte) {
		sc, _, _, err := ParseFile(reg, "fuzz.yaml", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if sc == nil || sc.Check == nil {
			t.Fatalf("no scenario and no error")
		}
	})
}
