package scenario

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dmamodel "github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var update = flag.Bool("update", false, "rewrite docs/examples from the built-in scenarios")

const examples = "../docs/examples"

// exampleFile is the shipped file of a built-in scenario.
func exampleFile(sc *Scenario) string {
	if m, ok := dmamodel.ScenarioByName(sc.Name); ok {
		return DmabufYAML(m.Name, m.Description, m.Config)
	}
	return ReferenceYAML(sc)
}

// Every built-in scenario ships as a file under docs/examples: a built-in
// of the DMA-buf cache model as its configuration spelt out field by
// field (model: dmabuf), the others as a file that names the built-in
// with its parameters' defaults. Loading the file checks exactly the same
// state space (issue 6) as the earlier model's configuration for the
// first (the dmabuf form reads into the earlier model; the built-in is
// now its world file), as the built-in for the others. Run with -update
// after changing a built-in scenario.
func TestEveryBuiltinShipsAsAFileWithTheSameStateCount(t *testing.T) {
	reg := Builtin()
	for _, sc := range reg.All() {
		path := filepath.Join(examples, sc.Name+".yaml")
		want := exampleFile(sc)
		if *update {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("%s is missing or stale (go test ./scenario -run Ships -update): %v", path, err)
			continue
		}
		if sc.Name == "german" || sc.Name == "dmabuf-bench" {
			continue // large at their defaults; the reference-model tests cover them
		}
		fsc, fv, _, err := LoadFile(reg, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		opt := statespace.Options{NoDeadlock: false, MaxStates: 400_000}
		var a *statespace.Result
		if m, ok := dmamodel.ScenarioByName(sc.Name); ok {
			dm, err := dmamodel.New(m.Config)
			if err != nil {
				t.Fatal(err)
			}
			a, err = statespace.Check(props.Check(dm), opt)
			if err != nil {
				t.Fatal(err)
			}
		} else {
			bv, _ := sc.Parse(nil)
			if a, err = sc.Check(bv, opt); err != nil {
				t.Fatal(err)
			}
		}
		b, err := fsc.Check(fv, opt)
		if err != nil {
			t.Fatal(err)
		}
		if a.Stats.States != b.Stats.States || a.Stats.Transitions != b.Stats.Transitions || a.Status != b.Status {
			t.Errorf("%s: built-in %s %d/%d, file %s %d/%d", sc.Name, a.Status, a.Stats.States, a.Stats.Transitions, b.Status, b.Stats.States, b.Stats.Transitions)
		}
	}
}

// Errors name the file, the line, the column and the field.
func TestScenarioFileErrorsNameFileLineAndField(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"devices:\n  - name: gpu\n    cohernt: true\n", `board.yaml:3:5: unknown field "cohernt" (did you mean "coherent"?)`},
		{"devices:\n  - gpu2\n", `board.yaml:2:5: unknown device "gpu2"`},
		{"arch: sparc\ndevices: [gpu]\n", `board.yaml:1:7: unknown arch "sparc"`},
		{"lines: 7\ndevices: [gpu]\n", `board.yaml:1:8: want an integer between 1 and 2`},
		{"devices: [gpu]\nexporter:\n  begin-sync: sometimes\n", `board.yaml:3:15: unknown sync scope "sometimes"`},
		{"devices: [gpu]\ndiscipline:\n  race-cpu-and-device: maybe\n", `board.yaml:3:24: want true or false`},
		{"arch: arm64\n", `needs "devices"`},
		{"devices: [gpu, isp, npu, cxl-accel]\n", `board.yaml:1:10: devices: want a list of 1 to 3`},
		{"scenario: nope\n", `board.yaml:1:11: unknown scenario "nope"`},
		{"scenario: today\ndevices: [gpu]\n", `board.yaml:2:10: field "devices" cannot be combined`},
		{"model: fence\ndevices: [gpu]\n", `board.yaml:1:8: model "fence" is described by naming a built-in`},
		{"devices: [gpu]\nbounds:\n  max-states: lots\n", `board.yaml:3:15: want an integer`},
		{"- a\n- b\n", `board.yaml:1:1: a scenario file is a YAML mapping`},
		{"devices: [gpu]\ndevices: [isp]\n", `board.yaml`},
		{"colour: blue\ndevices: [gpu]\n", `board.yaml:1:1: unknown field "colour"`},
		{"exporter:\n  base: system-heap\n  cache-sgt: true\n  dynamic: true\ndevices: [gpu]\n", `board.yaml:1:1: exporter`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// A misspelt property in a file's "properties" list is an error at its
// line and column that suggests the nearest property of the scenario, for
// a board spelt out field by field and for a built-in scenario alike.
func TestScenarioFileMisspeltPropertyIsFoundWhereWrittenWithASuggestion(t *testing.T) {
	reg := Builtin()
	for _, tc := range []struct{ yaml, want string }{
		{"devices: [gpu, isp]\nproperties: [no-stale-read, no-lost-wirte]\n", `board.yaml:2:29: properties: unknown property "no-lost-wirte" (did you mean "no-lost-write"?)`},
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
		{"devices:\n\t- gpu\n", `board.yaml:2:1: found character that cannot start any token`},
		{"devices: [gpu]\nlines: @\n", `board.yaml:2:8: found character that cannot start any token`},
		{"arch: x86: arm64\ndevices: [gpu]\n", `board.yaml:1:10: mapping values are not allowed in this context`},
		{"devices: [gpu]\nlines: 1\n  arch: x86\n", `board.yaml:3:7: mapping values are not allowed in this context`},
		{"devices:\n  - gpu\n  lines: 1\n", `board.yaml:3:8: did not find expected '-' indicator`},
		{"name: \"today\ndevices: [gpu]\n", `board.yaml:1:7: found unexpected end of stream`},
		{"devices: [gpu\n", `board.yaml:1:`},
		{"devices: *gpus\n", `board.yaml:1:`},
	} {
		_, _, _, err := ParseFile(reg, "board.yaml", []byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ": yaml:") {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// A file's properties and bounds become the run's options.
func TestScenarioFileOptions(t *testing.T) {
	_, _, opt, err := ParseFile(Builtin(), "b.yaml", []byte("devices: [gpu, isp]\nproperties: [no-stale-read]\nbounds:\n  max-states: 1000\n  max-depth: 7\n"))
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
	entries, _ := os.ReadDir(examples)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(examples, e.Name())); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("devices: [gpu]\nexporter: {base: udmabuf, wait-before-hook: true}\n"))
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
