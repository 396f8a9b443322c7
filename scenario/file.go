package scenario

import (
	"bytes"
	"fmt"
	"github.com/dmabufcheck/dmabufcheck/internal/suggest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A scenario file is YAML (schema in docs/scenario-files.md, examples in
// docs/examples/). Either it describes a DMA-buf cache-model configuration
// field by field (model: dmabuf), or it names a built-in scenario of any
// model with parameter values (scenario: NAME, params: {...}). Both may
// restrict the properties and set bounds. Every error names the file, the
// line and the field.

// FileOptions are the checker options a scenario file sets.
type FileOptions struct {
	Only      []string
	MaxStates uint64
	MaxDepth  int
	// Expect are a world file's expectations (model: world, expect:),
	// pinned for its parameters' default values.
	Expect []Expectation
	// Differs lists the parameter settings (name=value) that differ from
	// the world file's defaults: when there are any, the expectations
	// are not judged (they were found at the defaults).
	Differs []string
}

// fileError is an error at a node of a scenario file: file:line:column.
func fileError(path string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", path, n.Line, n.Column, fmt.Sprintf(format, args...))
}

// yamlLine is the position yaml.v3 puts in its syntax errors (a 0-based
// line for some parser errors, none on the first line).
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a YAML syntax error into file:line:column. yaml.v3
// reports no column (and its line is sometimes the start of the enclosing
// construct, sometimes off by one), so the position is found from the
// source: the shortest prefix of the file that fails with the same message
// ends where the parser found the problem. Each try parses a prefix, so
// the search is by lines, then by characters: the first line whose end
// fails (by bisection), then the first character of that line that does:
// a dozen parses plus one per character of the problem's line, not one per
// byte of the file (FuzzWorldFile's speed depends on it).
func syntaxError(path string, b []byte, err error) error {
	msg := err.Error()
	loc := yamlLine.FindStringSubmatch(msg)
	if loc == nil {
		return fmt.Errorf("%s:1:1: %s", path, msg)
	}
	problem := msg[len(loc[0]):]
	line := 1
	if loc[1] != "" {
		line, _ = strconv.Atoi(loc[1])
	}
	var n yaml.Node
	tries := 0
	fails := func(p int) bool {
		tries++
		e := yaml.Unmarshal(b[:p], &n)
		return e != nil && strings.HasSuffix(e.Error(), ": "+problem)
	}
	// In a large file, the start of the line yaml.v3 names, less one
	// (the line it names can also lie past the problem: an unterminated
	// quote is reported at the end of the file).
	start := 0
	for l := 1; len(b) > 8<<10 && l < line-1 && start < len(b); l++ {
		nl := bytes.IndexByte(b[start:], '\n')
		if nl < 0 {
			break
		}
		start += nl + 1
	}
	// The ends of the lines from start on: ends[k] is the offset after
	// line k's newline (or the end of the file).
	var ends []int
	for from := start; from < len(b); {
		end := len(b)
		if nl := bytes.IndexByte(b[from:], '\n'); nl >= 0 {
			end = from + nl + 1
		}
		ends = append(ends, end)
		from = end
	}
	// Once a whole-line prefix fails like the file, the longer ones do
	// too (the parser stops at the first problem): the first such line is
	// found by bisection.
	k := sort.Search(len(ends), func(k int) bool { return fails(ends[k]) })
	if k < len(ends) {
		from := start
		if k > 0 {
			from = ends[k-1]
		}
		for p := from + 1; p <= ends[k] && tries < maxSyntaxTries; p++ {
			if fails(p) {
				line, col := position(b, p-1)
				return fmt.Errorf("%s:%d:%d: %s", path, line, col, problem)
			}
		}
	}
	return fmt.Errorf("%s:%d:1: %s", path, line, problem)
}

// maxSyntaxTries bounds the prefixes syntaxError parses.
const maxSyntaxTries = 2048

// position is the 1-based line and column (in characters) of byte offset i.
func position(b []byte, i int) (line, col int) {
	before := b[:i]
	line = 1 + bytes.Count(before, []byte("\n"))
	if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
		before = before[nl+1:]
	}
	return line, 1 + utf8.RuneCount(before)
}

// didYouMean is " (did you mean X?)" when an option is close to name.
func didYouMean(name string, options []string) string { return suggest.DidYouMean(name, options) }

// LoadFile reads a scenario file and returns the scenario it describes,
// its parameter values and its options.
func LoadFile(reg *Registry, path string) (*Scenario, Values, FileOptions, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, Values{}, FileOptions{}, err
	}
	return ParseFile(reg, path, b)
}

// ParseFile is LoadFile on the file's contents.
func ParseFile(reg *Registry, path string, b []byte) (*Scenario, Values, FileOptions, error) {
	return ParseFileWith(reg, path, b, nil)
}

// ParseFileWith is ParseFile with parameter settings (name=value, as
// --set gives them) on top of the file's: the values returned, and a world
// file's options (the properties it checks), are those at the settings.
func ParseFileWith(reg *Registry, path string, b []byte, extra []string) (*Scenario, Values, FileOptions, error) {
	var opt FileOptions
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, Values{}, opt, syntaxError(path, b, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, Values{}, opt, fmt.Errorf("%s:1:1: a scenario file is a YAML mapping", path)
	}
	top := doc.Content[0]
	f := &fileReader{path: path}
	if m := keyOf(top, "model"); m != nil {
		if v := top.Content[slices.Index(top.Content, m)+1]; v.Value == "world" {
			return parseWorldFile(path, top, extra)
		}
	}
	if m := keyOf(top, "model"); m != nil {
		v := top.Content[slices.Index(top.Content, m)+1]
		return nil, Values{}, opt, fileError(path, v, "model %q: a scenario file is a world (model: world, docs/writing-scenarios.md) or names a built-in scenario (scenario: NAME, params: ...); the earlier models' file forms went with them", v.Value)
	}
	fields := f.mapping(top, []string{"description", "scenario", "params", "properties", "bounds"})
	if f.err != nil {
		return nil, Values{}, opt, f.err
	}
	propList, hasProps := fields["properties"]
	if hasProps {
		opt.Only = f.strings(propList)
	}
	if n, ok := fields["bounds"]; ok {
		bf := f.mapping(n, []string{"max-states", "max-depth"})
		if v, ok := bf["max-states"]; ok {
			opt.MaxStates = uint64(f.int(v, 0, 1<<40))
		}
		if v, ok := bf["max-depth"]; ok {
			opt.MaxDepth = f.int(v, 0, 1<<20)
		}
	}
	if f.err != nil {
		return nil, Values{}, opt, f.err
	}
	ref, ok := fields["scenario"]
	if !ok {
		return nil, Values{}, opt, fileError(path, top, "a scenario file is a world (model: world, docs/writing-scenarios.md) or names a built-in scenario (scenario: NAME, params: ...)")
	}
	sc, err := reg.Lookup(f.str(ref))
	if err != nil {
		return nil, Values{}, opt, fileError(path, ref, "%v", err)
	}
	var settings []string
	if n, ok := fields["params"]; ok {
		settings = f.params(sc, n)
	}
	if f.err != nil {
		return nil, Values{}, opt, f.err
	}
	v, err := sc.Parse(settings)
	if err != nil {
		return nil, Values{}, opt, fileError(path, fields["params"], "params: %v", err)
	}
	if len(extra) > 0 {
		if v, err = sc.Parse(append(settings, extra...)); err != nil {
			return nil, Values{}, opt, err
		}
	}
	if hasProps {
		f.properties(sc, v, propList)
	}
	return sc, v, opt, f.err
}

// params reads the "params" mapping of a file that names a built-in
// scenario, checking each parameter and value where it is written.
func (f *fileReader) params(sc *Scenario, n *yaml.Node) []string {
	if n.Kind != yaml.MappingNode {
		f.fail(n, "params: want a mapping (name: value lines)")
		return nil
	}
	var names, settings []string
	for _, p := range sc.Params {
		names = append(names, p.Name)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p, ok := sc.Param(k.Value)
		switch {
		case !ok && len(names) == 0:
			f.fail(k, "params: scenario %s has no parameters", sc.Name)
		case !ok:
			f.fail(k, "params: scenario %s has no parameter %q%s (it has: %s)", sc.Name, k.Value, didYouMean(k.Value, names), strings.Join(names, ", "))
		case seen[k.Value]:
			f.fail(k, "params: %q appears twice", k.Value)
		default:
			if _, err := p.Check(f.scalar(v)); err != nil {
				f.fail(v, "params: %s: %v, not %q", k.Value, err, v.Value)
			}
		}
		seen[k.Value] = true
		settings = append(settings, k.Value+"="+v.Value)
	}
	return settings
}

// properties checks that each name of the "properties" list is a property
// of the scenario's model (or "deadlock").
func (f *fileReader) properties(sc *Scenario, v Values, n *yaml.Node) {
	if f.err != nil || n.Kind != yaml.SequenceNode {
		return
	}
	names, err := sc.Properties(v)
	if err != nil {
		f.fail(n, "%v", err)
		return
	}
	names = append(names, statespace.DeadlockProperty)
	for _, c := range n.Content {
		if !slices.Contains(names, c.Value) {
			f.fail(c, "properties: unknown property %q%s (%s has: %s)", c.Value, didYouMean(c.Value, names), sc.Name, strings.Join(names, ", "))
		}
	}
}

// fileReader reads YAML nodes, keeping the first error.
type fileReader struct {
	path string
	err  error
	// exprs places a world file's expressions (by their text), for errors
	// found when the world is built.
	exprs map[string]*yaml.Node
}

func (f *fileReader) fail(n *yaml.Node, format string, args ...any) {
	if f.err == nil {
		f.err = fileError(f.path, n, format, args...)
	}
}

// mapping returns a mapping's fields; with known non-nil, other keys are
// errors.
func (f *fileReader) mapping(n *yaml.Node, known []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		f.fail(n, "want a mapping (key: value lines)")
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if known != nil && !slices.Contains(known, k.Value) {
			f.fail(k, "unknown field %q%s (want one of: %s)", k.Value, didYouMean(k.Value, known), strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			f.fail(k, "field %q appears twice", k.Value)
		}
		out[k.Value] = v
	}
	return out
}

func (f *fileReader) scalar(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		f.fail(n, "want a single value")
		return ""
	}
	return n.Value
}

func (f *fileReader) str(n *yaml.Node) string { return f.scalar(n) }

func (f *fileReader) int(n *yaml.Node, lo, hi int) int {
	v, err := strconv.Atoi(f.scalar(n))
	if err != nil || v < lo || v > hi {
		f.fail(n, "want an integer between %d and %d, not %q", lo, hi, n.Value)
	}
	return v
}

func (f *fileReader) bool(n *yaml.Node) bool {
	v, err := strconv.ParseBool(f.scalar(n))
	if err != nil {
		f.fail(n, "want true or false, not %q", n.Value)
	}
	return v
}

func (f *fileReader) strings(n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		f.fail(n, "want a list")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, f.scalar(c))
	}
	return out
}

func (f *fileReader) choice(n *yaml.Node, what string, options []string) int {
	v := f.scalar(n)
	i := slices.Index(options, v)
	if i < 0 {
		f.fail(n, "unknown %s %q%s (want one of: %s)", what, v, didYouMean(v, options), strings.Join(options, ", "))
	}
	return max(i, 0)
}

// ReferenceYAML writes a scenario file that names a built-in scenario.
func ReferenceYAML(sc *Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\nscenario: %s\n", sc.Description, sc.Name)
	if len(sc.Params) > 0 {
		b.WriteString("params:\n")
		for _, p := range sc.Params {
			fmt.Fprintf(&b, "  %s: %s\n", p.Name, p.Default)
		}
	}
	return b.String()
}
