package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A world file (model: world) declares a DMA-buf world: the buffer, the
// exporter with its hooks, the devices, and agents with programs of
// kernel calls; invariants over the state; and expectations that make the
// file a regression test. docs/writing-scenarios.md is its guide.

// worldFields are the top-level fields of a world file.
var worldFields = []string{"model", "name", "description", "params", "arch", "backing", "lines", "writes", "cpu-cache", "exporter",
	"dma-api-syncs-device-caches", "devices", "fence", "locks", "vm", "vms", "p2p", "life", "symmetry", "agents", "invariants",
	"properties", "max-states", "max-depth", "expect"}

// familySections read the other families' object declarations, each in
// its own file (world_fence.go, ...): the section's YAML node into the
// spec. They run before the agents' programs are read, so that calls and
// expressions can name the family's objects.
var familySections = []struct {
	key  string
	read func(f *fileReader, n *yaml.Node, s *world.Spec)
}{
	{"fence", (*fileReader).fenceSection},
	{"locks", (*fileReader).lockSection},
	{"vm", (*fileReader).vmSection},
	{"vms", (*fileReader).vmsSection},
	{"p2p", (*fileReader).p2pSection},
	{"life", (*fileReader).lifeSection},
}

// Expectation is what a file expects of one property: its verdict
// ("holds", "violated", "reached" or "unreachable") and, for a violation,
// the length of the shortest counterexample (0: any).
type Expectation struct {
	Property string
	Verdict  string
	Length   int
	// Line and Column locate the expectation in its file.
	Line, Column int
}

// verdicts a file may expect.
var verdicts = []string{"holds", "violated", "reached", "unreachable"}

// worldFile reads the fields of a world file (its parameters substituted:
// worldtemplate.go) into the world. expect, when not nil, are the
// expectations read at the defaults: the file's expect: is then not read
// again, and they choose the properties to check.
func (f *fileReader) worldFile(top *yaml.Node, fields map[string]*yaml.Node, opt FileOptions, expect []Expectation) (*worldRead, error) {
	for k, n := range fields {
		if !slices.Contains(worldFields, k) {
			keyNode := keyOf(top, k)
			if keyNode == nil {
				keyNode = n
			}
			return nil, fileError(f.path, keyNode, "unknown field %q for a world%s (want one of: %s)", k, didYouMean(k, worldFields), strings.Join(worldFields, ", "))
		}
	}
	spec := world.Spec{Name: "file:" + f.path, Arch: world.ARM64, Backing: world.SystemCached, Lines: 1, Writes: 2}
	if n, ok := fields["name"]; ok {
		spec.Name = f.str(n)
	}
	if n, ok := fields["description"]; ok {
		f.str(n)
	}
	if n, ok := fields["arch"]; ok {
		spec.Arch = world.Arch(f.choice(n, "arch", []string{"arm64", "arm32", "x86"}))
	}
	if n, ok := fields["backing"]; ok {
		spec.Backing = world.Backing(f.choice(n, "backing", []string{"system-cached", "write-combined", "device-memory"}))
	}
	if n, ok := fields["lines"]; ok {
		spec.Lines = f.int(n, 1, world.MaxLines)
	}
	if n, ok := fields["writes"]; ok {
		spec.Writes = f.int(n, 1, world.MaxVersion)
	}
	if n, ok := fields["dma-api-syncs-device-caches"]; ok {
		spec.DMASyncsDeviceCaches = f.bool(n)
	}
	if n, ok := fields["cpu-cache"]; ok {
		f.cpuCacheSection(n, &spec)
	}
	var fenceOf []*yaml.Node // each device's fence: field, checked once the families' objects are read
	if n, ok := fields["devices"]; ok {
		if n.Kind != yaml.SequenceNode || len(n.Content) > world.MaxDevices {
			f.fail(n, "devices: want a list of at most %d devices", world.MaxDevices)
		} else {
			for _, d := range n.Content {
				dev, fn := f.worldDevice(d)
				spec.Devices = append(spec.Devices, dev)
				fenceOf = append(fenceOf, fn)
			}
		}
	}
	if n, ok := fields["exporter"]; ok {
		spec.Exporter = f.worldExporter(n)
	} else if len(spec.Devices) > 0 {
		f.fail(top, "a world with devices needs an exporter (a preset: %s; or its hooks)", strings.Join(world.ExporterPresetNames(), ", "))
	}
	for _, sec := range familySections {
		if n, ok := fields[sec.key]; ok {
			sec.read(f, n, &spec)
		}
	}
	for i, fn := range fenceOf {
		if fn == nil {
			continue
		}
		// A device's jobs signal a ring's fences or a lock-family fence.
		var names []string
		for _, r := range spec.Fence.Rings {
			names = append(names, r.Name)
		}
		for _, fc := range spec.Locks.Fences {
			names = append(names, fc.Name)
		}
		if name := spec.Devices[i].Fence; f.err == nil && !slices.Contains(names, name) {
			detail := " (the world declares no ring or lock-family fence)"
			if len(names) > 0 {
				detail = didYouMean(name, names) + " (want one of: " + strings.Join(names, ", ") + ")"
			}
			f.fail(fn, "device %s: %q is not a ring (fence: rings) or a fence (locks: fences)%s", spec.Devices[i].Name, name, detail)
		}
	}
	if n, ok := fields["symmetry"]; ok {
		if n.Kind != yaml.SequenceNode {
			f.fail(n, "symmetry: want a list of groups, each a list of interchangeable devices or agents")
		} else {
			for _, g := range n.Content {
				spec.Symmetry = append(spec.Symmetry, f.strings(g))
			}
		}
	}
	agents, ok := fields["agents"]
	if !ok {
		if f.err == nil {
			f.fail(top, "a world needs agents (each with a name and a program)")
		}
		return nil, f.err
	}
	if agents.Kind != yaml.SequenceNode || len(agents.Content) == 0 {
		f.fail(agents, "agents: want a list of agents, each with a name and a program")
		return nil, f.err
	}
	// Names first: programs and expressions refer to any agent.
	var progNodes []*yaml.Node
	for _, a := range agents.Content {
		am := f.mapping(a, []string{"name", "program"})
		name, ok := am["name"]
		if !ok {
			f.fail(a, "an agent needs a name")
			continue
		}
		spec.Agents = append(spec.Agents, world.Agent{Name: f.str(name)})
		progNodes = append(progNodes, am["program"])
	}
	if f.err != nil {
		return nil, f.err
	}
	for i, p := range progNodes {
		if p == nil {
			f.fail(agents.Content[i], "agent %s has no program", spec.Agents[i].Name)
			continue
		}
		spec.Agents[i].Program = f.stmts(p, &spec)
	}
	if n, ok := fields["invariants"]; ok {
		spec.Invariants = f.invariants(n, &spec)
	}
	for _, sec := range []struct{ key, family string }{{"fence", "fence"}, {"locks", "lock"}, {"vm", "vm"}, {"vms", "vm"}, {"p2p", "p2p"}, {"life", "life"}} {
		if _, ok := fields[sec.key]; ok && f.err == nil && !spec.UsesFamily(sec.family) {
			f.fail(keyOf(top, sec.key), "%s: no agent makes a call of the %s family, so the section would change nothing", sec.key, sec.family)
		}
	}
	if f.err == nil && !spec.UsesCacheFamily() {
		// Every field changes the model or is rejected.
		for _, k := range []string{"arch", "backing", "lines", "writes", "cpu-cache", "dma-api-syncs-device-caches", "exporter", "devices"} {
			if _, ok := fields[k]; ok {
				f.fail(keyOf(top, k), "%s: no agent makes a call on the buffer or the CPU cache, so %s would change nothing", k, k)
			}
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	m, err := world.Build(spec)
	if err != nil {
		return nil, f.buildError(err, top, fields)
	}
	names := append(m.PropertyNames(), statespace.DeadlockProperty)
	if n, ok := fields["properties"]; ok {
		opt.Only = f.strings(n)
		for i, p := range opt.Only {
			if !slices.Contains(names, p) {
				f.fail(n.Content[i], "properties: unknown property %q%s (%s has: %s)", p, didYouMean(p, names), spec.Name, strings.Join(names, ", "))
			}
		}
	}
	if expect == nil {
		if n, ok := fields["expect"]; ok {
			expect = f.expectations(n, m)
		}
	}
	opt.Expect = expect
	if _, ok := fields["properties"]; !ok {
		// By default a world file checks the safety properties and
		// deadlock; the reachability properties (is this world vacuous?)
		// when it names them, in properties or expect. At other values
		// than the defaults, a property an expectation names checks its
		// instances at these values (fences-eventually-signal/gpu0#2 as
		// well as #0 and #1).
		opt.Only = append(m.SafetyPropertyNames(), statespace.DeadlockProperty)
		for _, p := range names {
			if !slices.Contains(opt.Only, p) && slices.ContainsFunc(opt.Expect, func(e Expectation) bool { return sameProperty(e.Property, p) }) {
				opt.Only = append(opt.Only, p)
			}
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return &worldRead{spec: spec, model: m, opt: opt}, nil
}

// sameProperty reports whether an expectation's property names p: the
// same name, or another instance of the same property (the text before
// "/" is the property, the rest its instance).
func sameProperty(expected, p string) bool {
	if expected == p {
		return true
	}
	a, _, ok1 := strings.Cut(expected, "/")
	b, _, ok2 := strings.Cut(p, "/")
	return ok1 && ok2 && a == b
}

// keyOf returns the key node of field k of mapping n.
func keyOf(n *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i]
		}
	}
	return nil
}

// buildError places an error of world.Build in the file: a bad label
// reference at its expression, anything else at the top.
func (f *fileReader) buildError(err error, top *yaml.Node, fields map[string]*yaml.Node) error {
	var le *world.LabelError
	if errors.As(err, &le) {
		if n, ok := f.exprs[le.Expr]; ok {
			f.err = nil
			f.failAt(n, &world.SyntaxError{Offset: max(le.Offset, 0), Msg: le.Msg})
			return f.err
		}
		return fileError(f.path, top, "%s", le.Msg)
	}
	return fileError(f.path, top, "%v", err)
}

// worldDevice reads a device: a preset name, or a mapping (base: PRESET
// plus fields, or every field); it returns the node of its fence: field,
// if any.
func (f *fileReader) worldDevice(n *yaml.Node) (world.Device, *yaml.Node) {
	names := world.DevicePresetNames()
	if n.Kind == yaml.ScalarNode {
		d, ok := world.DevicePreset(n.Value)
		if !ok {
			f.fail(n, "unknown device preset %q%s (want one of: %s, or a mapping with name and fields)", n.Value, didYouMean(n.Value, names), strings.Join(names, ", "))
		}
		return d, nil
	}
	dm := f.mapping(n, []string{"base", "name", "coherent", "own-cache", "dynamic", "bounce", "iommu", "fence"})
	var d world.Device
	if b, ok := dm["base"]; ok {
		p, ok := world.DevicePreset(f.str(b))
		if !ok {
			f.fail(b, "unknown device preset %q%s (want one of: %s)", b.Value, didYouMean(b.Value, names), strings.Join(names, ", "))
		}
		d = p
	}
	if v, ok := dm["name"]; ok {
		d.Name = f.str(v)
	} else if _, ok := dm["base"]; !ok {
		f.fail(n, "a device needs a name (or a base preset)")
	}
	for key, ptr := range map[string]*bool{"coherent": &d.Coherent, "own-cache": &d.OwnCache, "dynamic": &d.Dynamic, "bounce": &d.Bounce, "iommu": &d.IOMMU} {
		if v, ok := dm[key]; ok {
			*ptr = f.bool(v)
		}
	}
	fn := dm["fence"]
	if fn != nil {
		d.Fence = f.str(fn)
	}
	return d, fn
}

// worldExporter reads the exporter: a preset name, or a mapping of its
// hooks (base: PRESET to start from one).
func (f *fileReader) worldExporter(n *yaml.Node) world.Exporter {
	names := world.ExporterPresetNames()
	if n.Kind == yaml.ScalarNode {
		e, ok := world.ExporterPreset(n.Value)
		if !ok {
			f.fail(n, "unknown exporter preset %q%s (want one of: %s, or a mapping of hooks)", n.Value, didYouMean(n.Value, names), strings.Join(names, ", "))
		}
		return e
	}
	em := f.mapping(n, []string{"base", "name", "dynamic", "cache-sgt", "attach", "map", "begin", "end"})
	var e world.Exporter
	if b, ok := em["base"]; ok {
		p, ok := world.ExporterPreset(f.str(b))
		if !ok {
			f.fail(b, "unknown exporter preset %q%s (want one of: %s)", b.Value, didYouMean(b.Value, names), strings.Join(names, ", "))
		}
		e = p
	}
	if v, ok := em["name"]; ok {
		e.Name = f.str(v)
	} else if e.Name == "" {
		e.Name = "exporter"
	}
	if v, ok := em["dynamic"]; ok {
		e.Dynamic = f.bool(v)
	}
	if v, ok := em["cache-sgt"]; ok {
		switch {
		case v.Kind == yaml.ScalarNode && v.Value == "first-direction":
			// The past rule: every later map gets the first caller's direction.
			e.CacheSGT, e.CacheSGTFirstDir = true, true
		case v.Kind == yaml.ScalarNode && v.Value != "true" && v.Value != "false":
			f.fail(v, "cache-sgt: want true, false or first-direction (every later map gets the first caller's direction), not %q", v.Value)
		default:
			e.CacheSGT, e.CacheSGTFirstDir = f.bool(v), false
		}
	}
	for key, ptr := range map[string]*world.Hook{"attach": &e.Attach, "map": &e.Map, "begin": &e.Begin, "end": &e.End} {
		if v, ok := em[key]; ok {
			*ptr = f.hook(v)
		}
	}
	if _, ok := em["map"]; !ok && e.Map == nil {
		e.Map = world.Hook{{Kind: world.OpDMAMap}}
	}
	return e
}

// hook reads a list of hook operations: names with optional modifiers,
// "dma-map(skip-cpu-sync)", "sync-exporter-device(first-call, for-device)".
func (f *fileReader) hook(n *yaml.Node) world.Hook {
	if n.Kind != yaml.SequenceNode {
		f.fail(n, "want a list of operations (%s)", strings.Join(world.HookKindNames(), ", "))
		return nil
	}
	h := world.Hook{}
	for _, c := range n.Content {
		text := f.scalar(c)
		name, _, _ := strings.Cut(text, "(")
		if _, ok := world.HookKindByName(strings.TrimSpace(name)); !ok {
			f.fail(c, "unknown hook operation %q%s (want one of: %s)", name, didYouMean(name, world.HookKindNames()), strings.Join(world.HookKindNames(), ", "))
			continue
		}
		op, err := world.ParseHookOp(text)
		if err != nil {
			f.fail(c, "%v", err)
			continue
		}
		h = append(h, op)
	}
	return h
}

// stmts reads a program: a list of statements (a sequence).
func (f *fileReader) stmts(n *yaml.Node, spec *world.Spec) world.Stmt {
	if n.Kind != yaml.SequenceNode {
		return f.stmt(n, spec)
	}
	seq := world.Seq{}
	for _, c := range n.Content {
		seq = append(seq, f.stmt(c, spec))
	}
	return seq
}

// stmtKeys are the keys of a structured statement.
var stmtKeys = []string{"repeat", "do", "choose", "loop", "forever", "when", "label", "goto", "atomic"}

// stmt reads one statement: a call, "break", or a mapping with one of
// repeat/do, choose, loop, forever, when/do, label, goto, atomic.
func (f *fileReader) stmt(n *yaml.Node, spec *world.Spec) world.Stmt {
	if f.err != nil {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Value == "break" {
			return world.Break{}
		}
		return f.call(n, spec)
	case yaml.SequenceNode:
		return f.stmts(n, spec)
	case yaml.MappingNode:
	default:
		f.fail(n, "want a call, or a mapping with one of: %s", strings.Join(stmtKeys, ", "))
		return nil
	}
	m := f.mapping(n, stmtKeys)
	switch {
	case m["repeat"] != nil:
		f.only(n, m, "repeat", "do")
		return world.Repeat{N: f.int(m["repeat"], 0, 32), Body: f.body(n, m, "do", spec)}
	case m["when"] != nil:
		f.only(n, m, "when", "do")
		cond := f.expr(m["when"], spec)
		return world.When{Cond: cond, Body: f.body(n, m, "do", spec)}
	case m["choose"] != nil:
		f.only(n, m, "choose")
		return world.Choose(f.branches(m["choose"], spec))
	case m["forever"] != nil:
		f.only(n, m, "forever")
		return world.Forever(f.branches(m["forever"], spec))
	case m["loop"] != nil:
		f.only(n, m, "loop")
		return world.Loop{Body: f.stmts(m["loop"], spec)}
	case m["label"] != nil:
		f.only(n, m, "label")
		return world.Label{Name: f.str(m["label"])}
	case m["goto"] != nil:
		f.only(n, m, "goto")
		return world.Goto{Label: f.str(m["goto"])}
	case m["atomic"] != nil:
		f.only(n, m, "atomic")
		var calls world.Atomic
		if m["atomic"].Kind != yaml.SequenceNode {
			f.fail(m["atomic"], "atomic: want a list of calls")
			return nil
		}
		for _, c := range m["atomic"].Content {
			if c.Kind != yaml.ScalarNode {
				f.fail(c, "atomic: want a call")
				continue
			}
			if call, ok := f.call(c, spec).(world.Call); ok {
				calls = append(calls, call)
			}
		}
		return calls
	case m["do"] != nil:
		f.only(n, m, "do")
		return f.stmts(m["do"], spec)
	}
	f.fail(n, "want one of: %s", strings.Join(stmtKeys, ", "))
	return nil
}

// only fails when a statement mixes keys that do not go together.
func (f *fileReader) only(n *yaml.Node, m map[string]*yaml.Node, allowed ...string) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !slices.Contains(allowed, k.Value) {
			f.fail(k, "%q cannot be combined with %q in one statement", k.Value, allowed[0])
		}
	}
}

// body reads the statements under key (do:) of a statement.
func (f *fileReader) body(n *yaml.Node, m map[string]*yaml.Node, key string, spec *world.Spec) world.Stmt {
	b, ok := m[key]
	if !ok {
		f.fail(n, "missing %q: the statements to run", key)
		return nil
	}
	return f.stmts(b, spec)
}

// branches reads the branches of choose or forever: each item is one
// statement (a list item that is itself a list is a sequence).
func (f *fileReader) branches(n *yaml.Node, spec *world.Spec) []world.Stmt {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		f.fail(n, "want a list of branches")
		return nil
	}
	var out []world.Stmt
	for _, c := range n.Content {
		out = append(out, f.stmt(c, spec))
	}
	return out
}

// call parses a call, placing a syntax error at its column.
func (f *fileReader) call(n *yaml.Node, spec *world.Spec) world.Stmt {
	c, err := world.ParseCall(n.Value, spec)
	if err != nil {
		f.failAt(n, err)
		return nil
	}
	return c
}

// expr parses an expression, placing a syntax error at its column.
func (f *fileReader) expr(n *yaml.Node, spec *world.Spec) world.Expr {
	e, err := world.ParseExpr(f.scalar(n), spec)
	if err != nil {
		f.failAt(n, err)
	}
	if f.exprs == nil {
		f.exprs = map[string]*yaml.Node{}
	}
	if _, seen := f.exprs[e.Text]; !seen {
		f.exprs[e.Text] = n
	}
	return e
}

// failAt reports err at its offset inside scalar n.
func (f *fileReader) failAt(n *yaml.Node, err error) {
	if f.err != nil {
		return
	}
	col := n.Column
	if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
		col++
	}
	var se *world.SyntaxError
	if errors.As(err, &se) && n.Style != yaml.LiteralStyle && n.Style != yaml.FoldedStyle {
		col += se.Offset
	}
	f.err = fmt.Errorf("%s:%d:%d: %v", f.path, n.Line, col, err)
}

// invariants reads "invariants": a list of name/expr mappings.
func (f *fileReader) invariants(n *yaml.Node, spec *world.Spec) []world.Invariant {
	if n.Kind != yaml.SequenceNode {
		f.fail(n, "invariants: want a list of {name, expr}")
		return nil
	}
	var out []world.Invariant
	for _, c := range n.Content {
		im := f.mapping(c, []string{"name", "expr"})
		name, e := im["name"], im["expr"]
		if name == nil || e == nil {
			f.fail(c, "an invariant needs a name and an expr")
			continue
		}
		out = append(out, world.Invariant{Name: f.str(name), Expr: f.expr(e, spec)})
	}
	return out
}

// expectations reads "expect": property: verdict, or property: {verdict,
// length}.
func (f *fileReader) expectations(n *yaml.Node, m *world.Model) []Expectation {
	if n.Kind != yaml.MappingNode {
		f.fail(n, "expect: want a mapping of property: verdict")
		return nil
	}
	names := append(m.PropertyNames(), statespace.DeadlockProperty)
	var out []Expectation
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(names, k.Value) {
			f.fail(k, "expect: unknown property %q%s (want one of: %s)", k.Value, didYouMean(k.Value, names), strings.Join(names, ", "))
			continue
		}
		e := Expectation{Property: k.Value, Line: k.Line, Column: k.Column}
		if v.Kind == yaml.ScalarNode {
			e.Verdict = f.choiceStr(v, "verdict", verdicts)
		} else {
			vm := f.mapping(v, []string{"verdict", "length"})
			if x, ok := vm["verdict"]; ok {
				e.Verdict = f.choiceStr(x, "verdict", verdicts)
			} else {
				f.fail(v, "expect: %s needs a verdict (%s)", k.Value, strings.Join(verdicts, ", "))
			}
			if x, ok := vm["length"]; ok {
				e.Length = f.int(x, 1, 1<<20)
				if e.Verdict != "violated" && e.Verdict != "reached" {
					f.fail(x, "expect: a length goes with violated or reached")
				}
			}
		}
		out = append(out, e)
	}
	return out
}

func (f *fileReader) choiceStr(n *yaml.Node, what string, options []string) string {
	return options[f.choice(n, what, options)]
}

// worldScenario wires a scenario to a world model.
func worldScenario(s *Scenario, build func(v Values) (*world.Model, error)) *Scenario {
	s.World = build
	s.Check = func(v Values, opt statespace.Options) (*statespace.Result, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return world.Check(m, opt)
	}
	s.Replay = func(v Values, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return world.Replay(m, init, steps, property, loop)
	}
	s.ReplayAs = func(v Values, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return world.ReplayAs(m, init, steps, property, kind, loop)
	}
	s.Graph = func(v Values, max int) (*statespace.Graph, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return world.Graph(m, max)
	}
	s.Explore = exploreWorld(build)
	s.Properties = func(v Values) ([]string, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return m.PropertyNames(), nil
	}
	return s
}

// CheckExpectations compares a run's result with a file's expectations,
// one property at a time: it returns one line per expectation that does
// not hold, each placed at the expectation in the file.
func CheckExpectations(path string, sc *Scenario, v Values, exp []Expectation, opt statespace.Options) ([]string, error) {
	var bad []string
	for _, e := range exp {
		o := opt
		o.Only = []string{e.Property}
		r, err := sc.Check(v, o)
		if err != nil {
			return nil, err
		}
		got, length := Verdict(r, e.Property)
		if msg := e.Mismatch(got, length); msg != "" {
			bad = append(bad, fmt.Sprintf("%s:%d:%d: %s", path, e.Line, e.Column, msg))
		}
	}
	return bad, nil
}

// Verdict is what a run checking property on its own (Options.Only) found,
// in an expectation's words: "holds", "violated" or "reached" with the
// length of the shortest counterexample or witness (0 when there is none),
// "unreachable", or "incomplete".
func Verdict(r *statespace.Result, property string) (verdict string, length int) {
	switch {
	case r.Status == statespace.StatusIncomplete:
		return "incomplete", 0
	case r.Violation != nil && r.Violation.Kind == statespace.KindUnreachable:
		return "unreachable", 0
	case r.Violation != nil:
		return "violated", r.Violation.Length()
	}
	for _, p := range r.Properties {
		if p.Name == property && p.Expectation == statespace.Sometimes {
			if p.Trace != nil {
				length = p.Trace.Len()
			}
			return "reached", length
		}
	}
	return "holds", 0
}

// Mismatch says how a verdict and length (Verdict) differ from the
// expectation, "" when they meet it.
func (e Expectation) Mismatch(got string, length int) string {
	switch {
	case got != e.Verdict:
		return fmt.Sprintf("expect %s: %s, got %s%s", e.Property, e.Verdict, got, lengthNote(length))
	case e.Length != 0 && length != e.Length:
		return fmt.Sprintf("expect %s: %s in %d steps, got %d steps", e.Property, e.Verdict, e.Length, length)
	}
	return ""
}

func lengthNote(n int) string {
	if n == 0 {
		return ""
	}
	return " in " + strconv.Itoa(n) + " steps"
}
