package scenario

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// paramsFile is a small world file with parameters of each kind.
const paramsFile = `model: world
name: params
description: a CPU writing ${lines} lines on ${arch}
params:
  lines: {default: 1, min: 1, max: 2, help: cache lines of the buffer}
  arch: {default: arm64, options: [arm64, arm32, x86], help: what the syncs do}
  bracket: {default: true, help: the CPU brackets its writes}
lines: $lines
arch: $arch
writes: 2
agents:
  - name: cpu
    program:
      - if: $bracket
        then:
          - DMA_BUF_IOCTL_SYNC(START, WRITE)
      - cpu_write(0)
      - {if: $lines >= 2 && $arch != x86, then: [cpu_write(1)], else: [cpu_read(0)]}
      - if: $bracket
        then: ["DMA_BUF_IOCTL_SYNC(END, WRITE)"]
expect:
  begin-end-pairing: holds
`

// specAt reads the file at the settings and returns its world.
func specAt(t *testing.T, text string, settings ...string) (world.Spec, FileOptions) {
	t.Helper()
	sc, v, opt, err := ParseFileWith(Builtin(), "p.yaml", []byte(text), settings)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := sc.spec(v)
	if err != nil {
		t.Fatal(err)
	}
	return spec, opt
}

// programText is an agent's program as the file writer spells it.
func programText(t *testing.T, s world.Spec, agent int) string {
	t.Helper()
	n, err := stmtNode(s.Agents[agent].Program, &s)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range asList(n).Content {
		out = append(out, c.Value)
	}
	return strings.Join(out, "; ")
}

// $p is the value, ${p} is interpolated, and an if item is replaced by
// the items of the branch its condition picks.
func TestParametersAreSubstitutedBeforeTheFileIsRead(t *testing.T) {
	for _, tc := range []struct {
		set  []string
		want string
	}{
		{nil, "DMA_BUF_IOCTL_SYNC(START, WRITE); cpu_write(0); cpu_read(0); DMA_BUF_IOCTL_SYNC(END, WRITE)"},
		{[]string{"lines=2"}, "DMA_BUF_IOCTL_SYNC(START, WRITE); cpu_write(0); cpu_write(1); DMA_BUF_IOCTL_SYNC(END, WRITE)"},
		{[]string{"lines=2", "arch=x86"}, "DMA_BUF_IOCTL_SYNC(START, WRITE); cpu_write(0); cpu_read(0); DMA_BUF_IOCTL_SYNC(END, WRITE)"},
		{[]string{"bracket=false"}, "cpu_write(0); cpu_read(0)"},
	} {
		s, _ := specAt(t, paramsFile, tc.set...)
		if got := programText(t, s, 0); got != tc.want {
			t.Errorf("%v: program %s, want %s", tc.set, got, tc.want)
		}
	}
	s, _ := specAt(t, paramsFile, "lines=2", "arch=arm32")
	if s.Lines != 2 || s.Arch != world.ARM32 {
		t.Errorf("lines=2 arch=arm32: the world has %d lines on %s", s.Lines, s.Arch)
	}
	sc, _, _, err := ParseFile(Builtin(), "p.yaml", []byte(paramsFile))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Description != "a CPU writing 1 lines on arm64" {
		t.Errorf("description %q: ${p} in text is the default value", sc.Description)
	}
	var names []string
	for _, p := range sc.Params {
		names = append(names, fmt.Sprintf("%s:%s=%s", p.Name, kindName(p.Kind), p.Default))
	}
	if got := strings.Join(names, " "); got != "lines:int=1 arch:choice=arm64 bracket:bool=true" {
		t.Errorf("params %s", got)
	}
	// $$ is a dollar sign.
	s, _ = specAt(t, strings.Replace(paramsFile, "name: cpu\n", "name: cpu$$${arch}\n", 1))
	if s.Agents[0].Name != "cpu$arm64" {
		t.Errorf("agent %q, want cpu$arm64", s.Agents[0].Name)
	}
	// Conditions: || binds looser than &&; comparisons of each kind.
	for _, tc := range []struct {
		cond string
		set  []string
		want bool
	}{
		{"$lines == 1", nil, false},
		{"$lines != 1", nil, true},
		{"$lines > 1 || $arch == x86 && !$bracket", nil, true},
		{"$lines < 2 && $bracket == true", nil, false},
		{"$lines <= 2 && $bracket == false", nil, false},
		{"$lines <= 2 && $bracket == true", nil, true},
		{"$arch == arm64", []string{"arch=arm32"}, false},
		{"'!$bracket'", []string{"bracket=false"}, true},
		{"'!$bracket'", nil, false},
	} {
		text := strings.Replace(paramsFile, "$lines >= 2 && $arch != x86", tc.cond, 1)
		text = strings.Replace(text, "[cpu_write(1)]", "[cpu_write(0)]", 1)
		s, _ := specAt(t, text, append([]string{"lines=2"}, tc.set...)...)
		if got := strings.Count(programText(t, s, 0), "cpu_write(0)") == 2; got != tc.want {
			t.Errorf("if: %s at %v: %v, want %v", tc.cond, tc.set, got, tc.want)
		}
	}
}

// Every use of a parameter, and every declaration, is checked where it is
// written: in every branch, at load time, not only at the values checked.
func TestParameterErrorsNameFileLineColumn(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown parameter", "lines: $lines", "lines: $lnes", `p.yaml:8:8: unknown parameter $lnes (did you mean "lines"?) (params: lines, arch, bracket)`},
		{"unknown in text", "writing ${lines}", "writing ${line}", `p.yaml:3:28: unknown parameter $line (did you mean "lines"?)`},
		{"unknown in an untaken branch", "[cpu_read(0)]", `["cpu_read(${line})"]`, `p.yaml:18:82: unknown parameter $line`},
		{"$p inside text", "cpu_write(0)\n", "cpu_write($lines)\n", `p.yaml:17:19: $lines inside text: write ${lines}`},
		{"lone dollar", "cpu_write(0)\n", "cpu_write($)\n", `p.yaml:17:19: $ starts a parameter: $name alone, ${name} inside text, $$ for a dollar sign`},
		{"unclosed", "writing ${lines}", "writing ${lines", `p.yaml:3:28: ${ without a closing } after the parameter's name`},
		{"unused", "params:\n", "params:\n  spare: {default: 1, min: 0, max: 2}\n", `p.yaml:5:3: params: spare is used nowhere ($spare, ${spare} or an if over it), so it would change nothing`},
		{"int compared with a choice", "$lines >= 2", "$arch >= 2", `p.yaml:18:20: >= compares integers; $arch is a choice`},
		{"out of range", "$lines >= 2", "$lines >= 5", `p.yaml:18:24: $lines >= 5: want an integer between 1 and 2`},
		{"not an option", "$arch != x86", "$arch != x68", `p.yaml:18:38: $arch != x68: x68 is not an option of $arch (did you mean "x86"?)`},
		{"int used as a bool", "$lines >= 2 &&", "$lines &&", `p.yaml:18:14: $lines is not a bool: compare it`},
		{"unknown in a condition", "$lines >= 2", "$lnes >= 2", `p.yaml:18:14: unknown parameter $lnes (did you mean "lines"?)`},
		{"empty condition", "$lines >= 2 &&", "$lines >= 2 && &&", `p.yaml:18:29: a condition compares parameters`},
		{"bang read as a tag", "- if: $bracket\n        then:\n          - DMA", "- if: !$bracket\n        then:\n          - DMA", `p.yaml:14:13: if: YAML reads a leading ! as a tag (!$bracket): quote the condition`},
		{"then not a list", "then: [cpu_write(1)]", "then: cpu_write(1)", `p.yaml:18:49: want a list of items`},
		{"no then", "then: [cpu_write(1)], else", "else", `p.yaml:18:9: an if item needs then:`},
		{"unknown key", "then: [cpu_write(1)], else", "then: [cpu_write(1)], otherwise", `p.yaml:18:65: unknown field "otherwise"`},
		{"if outside a list", "writes: 2", "writes: {if: $bracket, then: [2]}", `p.yaml:10:9: an {if, then, else} item is spliced into the list that holds it; this one is not a list item`},
		{"int without max", "min: 1, max: 2,", "min: 1,", `p.yaml:5:10: params: lines: an int parameter has a range: min and max (max is missing)`},
		{"default out of range", "default: 1, min", "default: 3, min", `p.yaml:5:20: params: lines: default "3": want an integer between 1 and 2`},
		{"default not an option", "default: arm64", "default: arm46", `p.yaml:6:19: params: arch: default "arm46": want one of arm64, arm32, x86`},
		{"no type", "default: true, help: the CPU", "default: yes-please, help: the CPU", `p.yaml:7:22: params: bracket: a parameter is an int (with min and max), a choice (with options) or a bool (default true or false)`},
		{"no default", "{default: true, help: the CPU", "{help: the CPU", `p.yaml:7:12: params: bracket needs a default`},
		{"unknown declaration field", "help: cache lines", "hlp: cache lines", `p.yaml:5:39: unknown field "hlp" (did you mean "help"?)`},
		{"no parameter", "params:\n  lines: {default: 1, min: 1, max: 2, help: cache lines of the buffer}\n  arch: {default: arm64, options: [arm64, arm32, x86], help: what the syncs do}\n  bracket: {default: true, help: the CPU brackets its writes}\n", "params: {}\n", `p.yaml:4:9: params: declares no parameter, so it would change nothing`},
		{"bad name", "  bracket: {", "  2bracket: {", `p.yaml:7:3: params: "2bracket" is not a parameter name`},
		{"name uses a parameter", "name: params", "name: params-${lines}", `p.yaml:2:7: name: the scenario's name is fixed`},
		{"a value's world is checked where the use is", "cpu_write(0)\n", "cpu_write(${lines})\n", `p.yaml:17:19: cpu_write(LINE): argument 1 must be a cache line (0..0: the buffer has 1), not "1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(paramsFile, tc.from) {
				t.Fatalf("the file has no %q", tc.from)
			}
			_, _, _, err := ParseFile(Builtin(), "p.yaml", []byte(strings.Replace(paramsFile, tc.from, tc.to, 1)))
			checkFileError(t, err, tc.want)
		})
	}
	// An error in the world made at other values than the defaults is
	// placed at the use, and names the values.
	text := strings.Replace(paramsFile, "[cpu_write(1)]", "[cpu_write(2)]", 1)
	_, _, _, err := ParseFileWith(Builtin(), "p.yaml", []byte(text), []string{"lines=2"})
	checkFileError(t, err, `p.yaml:18:60: cpu_write(LINE): argument 1 must be a cache line (0..1: the buffer has 2), not "2" (with lines=2)`)
	_, _, _, err = ParseFileWith(Builtin(), "p.yaml", []byte(paramsFile), []string{"lines=3"})
	checkFileError(t, err, `parameter lines="3": want an integer between 1 and 2`)
	_, _, _, err = ParseFileWith(Builtin(), "p.yaml", []byte(paramsFile), []string{"line=2"})
	checkFileError(t, err, `scenario params has no parameter "line" (it has: lines, arch, bracket)`)
}

// symmetryFile declares two interchangeable importers.
const symmetryFile = `model: world
name: sym
exporter: system-heap
devices: [gpu, {name: gpu2, base: gpu}]
symmetry:
  - [gpu, gpu2]
agents:
  - {name: gpu-driver, program: [dma_buf_attach(gpu), dma_buf_detach(gpu)]}
  - {name: gpu2-driver, program: [dma_buf_attach(gpu2), dma_buf_detach(gpu2)]}
`

// A world file that declares a symmetry has a bool parameter symmetry
// (true by default) that turns the reduction off; the file may not declare
// it itself.
func TestSymmetryIsAnImplicitParameter(t *testing.T) {
	sc, v, _, err := ParseFile(Builtin(), "s.yaml", []byte(symmetryFile))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := sc.Param("symmetry"); !ok || p.Kind != Bool || p.Default != "true" || len(sc.Params) != 1 {
		t.Fatalf("params %+v, want the implicit symmetry parameter alone", sc.Params)
	}
	states := map[string]uint64{}
	for _, set := range []string{"symmetry=true", "symmetry=false"} {
		v, err := sc.Parse([]string{set})
		if err != nil {
			t.Fatal(err)
		}
		s, err := sc.spec(v)
		if err != nil {
			t.Fatal(err)
		}
		if (len(s.Symmetry) > 0) != (set == "symmetry=true") {
			t.Errorf("%s: the world declares %v", set, s.Symmetry)
		}
		r, err := sc.Check(v, statespace.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		states[set] = r.Stats.States
	}
	if states["symmetry=true"] >= states["symmetry=false"] {
		t.Errorf("states %v: the reduction should make fewer", states)
	}
	_ = v
	declared := strings.Replace(symmetryFile, "symmetry:\n", "params:\n  symmetry: {default: true}\nsymmetry:\n", 1)
	_, _, _, err = ParseFile(Builtin(), "s.yaml", []byte(declared))
	checkFileError(t, err, `s.yaml:6:3: params: symmetry: a world with a symmetry: declaration has an implicit bool parameter symmetry`)
	// A world without a symmetry declaration may name a parameter
	// symmetry as any other.
	plain := strings.Replace(symmetryFile, "symmetry:\n  - [gpu, gpu2]\n", "params:\n  symmetry: {default: true}\n", 1)
	plain = strings.Replace(plain, "dma_buf_detach(gpu)]", "{if: $symmetry, then: [dma_buf_detach(gpu)]}]", 1)
	if _, _, _, err := ParseFile(Builtin(), "s.yaml", []byte(plain)); err != nil {
		t.Errorf("a parameter named symmetry in a world without symmetry: %v", err)
	}
}

// Expectations are pinned for the defaults: at other values they are
// reported as differing, and the properties they name are checked in
// their instances at these values.
func TestExpectationsArePinnedForTheDefaults(t *testing.T) {
	_, opt := specAt(t, paramsFile)
	if len(opt.Differs) != 0 || len(opt.Expect) != 1 {
		t.Errorf("defaults: differs %v, expect %v", opt.Differs, opt.Expect)
	}
	_, opt = specAt(t, paramsFile, "arch=x86", "lines=2", "lines=1")
	if !slices.Equal(opt.Differs, []string{"arch=x86"}) || len(opt.Expect) != 1 {
		t.Errorf("arch=x86: differs %v, expect %v", opt.Differs, opt.Expect)
	}
	if !slices.Contains(opt.Only, "begin-end-pairing") || slices.Contains(opt.Only, "device-reads-cpu-write") {
		t.Errorf("only %v", opt.Only)
	}
	if !sameProperty("fences-eventually-signal/gpu0#1", "fences-eventually-signal/gpu0#2") || sameProperty("no-stale-read", "no-lost-write") {
		t.Error("sameProperty")
	}
}

// The example of docs/writing-scenarios.md ("Parameters") gives the
// verdicts the guide shows at the values it sets.
func TestTheParametersExampleGivesTheDocumentedVerdicts(t *testing.T) {
	const path = "../docs/examples/world/scanout-params.yaml"
	doc := readDoc(t, "../docs/writing-scenarios.md")
	file := readDoc(t, path)
	body := file[strings.Index(file, "model: world"):]
	if !strings.Contains(doc, "```yaml\n"+body+"```") {
		t.Errorf("docs/writing-scenarios.md does not show %s as it is", path)
	}
	for _, tc := range []struct {
		set      []string
		only     string
		violated string
	}{
		{nil, "", ""},
		{[]string{"lines=2"}, "", ""},
		{[]string{"sync=false"}, "", "begin-end-pairing"},
		{[]string{"sync=false"}, "no-stale-read", "no-stale-read"},
		{[]string{"arch=x86"}, "", "no-stale-read"},
	} {
		sc, v, opt, err := ParseFileWith(Builtin(), path, []byte(file), tc.set)
		if err != nil {
			t.Fatal(err)
		}
		if tc.only != "" {
			opt.Only = []string{tc.only}
		}
		r, err := sc.Check(v, statespace.Options{Workers: 1, Only: opt.Only})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if r.Violation != nil {
			got = r.Violation.Property
		}
		if got != tc.violated {
			t.Errorf("%v: violated %q, want %q", tc.set, got, tc.violated)
		}
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
