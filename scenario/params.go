package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A world file's parameters (docs/writing-scenarios.md, "Parameters").
//
// The top-level params: mapping declares them, each with a default and a
// type: an int with a range (min, max), a choice (options) or a bool
// (default true or false), and a help text:
//
//	params:
//	  lines: {default: 1, min: 1, max: 2, help: cache lines of the buffer}
//	  arch: {default: arm64, options: [arm64, arm32, x86]}
//	  racy: {default: false, help: the CPU writes without a bracket}
//
// The rest of the file uses them: a scalar that is exactly $name is the
// parameter's value, ${name} inside a longer scalar is replaced by it ($$
// is a dollar sign), and a list item {if: COND, then: [...], else: [...]}
// is replaced by the items of then or else (paramcond.go). The uses are
// substituted on a copy of the YAML tree, keeping every node's position,
// before the world is read: an error in the world a value makes points at
// the use in the file.

// paramKeys are the fields of a parameter's declaration.
var paramKeys = []string{"default", "min", "max", "options", "help"}

// symmetryParamHelp is the help of the implicit symmetry parameter.
const symmetryParamHelp = "the exact symmetry reduction the file declares (symmetry:); false checks the world unreduced"

// isParamNameByte reports whether c may appear in a parameter's name.
func isParamNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// validParamName: a letter, then letters, digits, '-' and '_'.
func validParamName(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := range len(s) {
		if !isParamNameByte(s[i]) {
			return false
		}
	}
	return true
}

// paramDecls reads the params: mapping of a world file. Each parameter's
// key node is returned beside it, for errors about the declaration.
func (f *fileReader) paramDecls(n *yaml.Node) ([]Param, []*yaml.Node) {
	if n.Kind != yaml.MappingNode {
		f.fail(n, "params: want a mapping of parameters, each {default: ..., and min and max (an int), options (a choice) or nothing more (a bool), help: ...}")
		return nil, nil
	}
	if len(n.Content) == 0 {
		f.fail(n, "params: declares no parameter, so it would change nothing")
		return nil, nil
	}
	var out []Param
	var keys []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch {
		case !validParamName(name):
			f.fail(k, "params: %q is not a parameter name (a letter, then letters, digits, - and _)", name)
			continue
		case slices.ContainsFunc(out, func(p Param) bool { return p.Name == name }):
			f.fail(k, "params: %q appears twice", name)
			continue
		}
		p := Param{Name: name}
		dm := f.mapping(v, paramKeys)
		if f.err != nil {
			return nil, nil
		}
		def, ok := dm["default"]
		if !ok {
			f.fail(v, "params: %s needs a default", name)
			return nil, nil
		}
		if h, ok := dm["help"]; ok {
			p.Help = f.str(h)
		}
		lo, hasLo := dm["min"]
		hi, hasHi := dm["max"]
		opts, hasOpts := dm["options"]
		switch {
		case hasOpts && (hasLo || hasHi):
			f.fail(k, "params: %s has options (a choice) and a range (an int): which is it?", name)
		case hasOpts:
			p.Kind = Choice
			p.Options = f.strings(opts)
			if f.err == nil && len(p.Options) == 0 {
				f.fail(opts, "params: %s: want at least one option", name)
			}
			for j, o := range p.Options {
				if slices.Index(p.Options, o) != j {
					f.fail(opts.Content[j], "params: %s: option %q appears twice", name, o)
				}
				if strings.ContainsAny(o, " \t$&|") || o == "" {
					f.fail(opts.Content[j], "params: %s: option %q: an option is one word, without $, & or |", name, o)
				}
			}
		case hasLo != hasHi:
			missing := "max"
			if hasHi {
				missing = "min"
			}
			f.fail(v, "params: %s: an int parameter has a range: min and max (%s is missing)", name, missing)
		case hasLo:
			p.Kind = Int
			p.Min = f.int(lo, -1<<20, 1<<20)
			p.Max = f.int(hi, -1<<20, 1<<20)
			if f.err == nil && p.Min > p.Max {
				f.fail(hi, "params: %s: max %d is below min %d", name, p.Max, p.Min)
			}
		default:
			p.Kind = Bool
			if _, err := strconv.ParseBool(def.Value); err != nil || def.Kind != yaml.ScalarNode {
				f.fail(def, "params: %s: a parameter is an int (with min and max), a choice (with options) or a bool (default true or false); default %q is none of them", name, def.Value)
			}
		}
		if f.err != nil {
			return nil, nil
		}
		text, err := p.Check(f.scalar(def))
		if err != nil {
			f.fail(def, "params: %s: default %q: %v", name, def.Value, err)
			return nil, nil
		}
		p.Default = text
		out = append(out, p)
		keys = append(keys, k)
	}
	return out, keys
}

// substituter copies a world file's tree with its parameters' uses
// replaced by values; with check set it also records every use (in both
// branches of each if) and reports unknown parameters and malformed uses.
type substituter struct {
	f      *fileReader
	params []Param
	v      Values
	// check: record the uses and walk both branches of every if.
	check bool
	used  map[string]bool
}

// copyNode returns a deep copy of n with the uses substituted.
func (s *substituter) copyNode(n *yaml.Node) *yaml.Node {
	if s.f.err != nil {
		return n
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return s.copyNode(n.Alias)
	}
	c := *n
	c.Content = nil
	switch n.Kind {
	case yaml.ScalarNode:
		s.scalar(&c)
	case yaml.SequenceNode:
		for _, item := range n.Content {
			c.Content = append(c.Content, s.items(item)...)
		}
	case yaml.MappingNode:
		if isIfItem(n) {
			s.f.fail(n, "an {if, then, else} item is spliced into the list that holds it; this one is not a list item")
			return n
		}
		for _, x := range n.Content {
			c.Content = append(c.Content, s.copyNode(x))
		}
	default:
		for _, x := range n.Content {
			c.Content = append(c.Content, s.copyNode(x))
		}
	}
	return &c
}

// isIfItem reports whether a mapping is an {if, then, else} item.
func isIfItem(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && keyOf(n, "if") != nil
}

// items returns the copies of one list item: the item, or the items of an
// if's chosen branch.
func (s *substituter) items(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if !isIfItem(n) {
		return []*yaml.Node{s.copyNode(n)}
	}
	m := s.f.mapping(n, []string{"if", "then", "else"})
	if s.f.err != nil {
		return nil
	}
	condNode := m["if"]
	then, ok := m["then"]
	if !ok {
		s.f.fail(n, "an if item needs then: the list of items it stands for when the condition holds")
		return nil
	}
	for _, b := range []*yaml.Node{then, m["else"]} {
		if b != nil && b.Kind != yaml.SequenceNode {
			s.f.fail(b, "want a list of items (they are spliced into the enclosing list)")
			return nil
		}
	}
	cond := s.cond(condNode)
	if s.f.err != nil {
		return nil
	}
	if s.check {
		out := s.copyNode(then).Content
		if e := m["else"]; e != nil {
			out = append(out, s.copyNode(e).Content...)
		}
		return out
	}
	if cond.holds(s.v) {
		return s.copyNode(then).Content
	}
	if e := m["else"]; e != nil {
		return s.copyNode(e).Content
	}
	return nil
}

// cond parses an if's condition, placing an error at its column.
func (s *substituter) cond(n *yaml.Node) paramCond {
	if n.Kind != yaml.ScalarNode {
		s.f.fail(n, "if: want a condition over parameters ($p, !$p, $p == v, $p >= n, ...)")
		return nil
	}
	if n.Tag != "" && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		s.f.fail(n, "if: YAML reads a leading ! as a tag (%s): quote the condition ('%s') or write it as $p == false", n.Tag, strings.TrimSpace(n.Tag+" "+n.Value))
		return nil
	}
	c, err := parseParamCond(n.Value, s.params)
	if err != nil {
		ce := err.(*condError)
		s.f.failAtOffset(n, ce.offset, ce.msg)
		return nil
	}
	for _, p := range c.params() {
		s.use(p)
	}
	return c
}

func (s *substituter) use(name string) {
	if s.used != nil {
		s.used[name] = true
	}
}

// scalar substitutes the uses in one scalar: $name alone, ${name} inside
// text, $$ for a dollar sign.
func (s *substituter) scalar(n *yaml.Node) {
	text := n.Value
	if !strings.Contains(text, "$") {
		return
	}
	if strings.HasPrefix(text, "$") && len(text) > 1 && validParamName(text[1:]) {
		p, err := lookupParam(text[1:], s.params)
		if err != nil {
			s.f.failAtOffset(n, 0, err.Error())
			return
		}
		s.use(p.Name)
		n.Value = s.v.text[p.Name]
		n.Tag = map[Kind]string{Int: "!!int", Bool: "!!bool", Choice: "!!str"}[p.Kind]
		n.Style = 0
		return
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			b.WriteByte(text[i])
			continue
		}
		switch {
		case i+1 < len(text) && text[i+1] == '$':
			b.WriteByte('$')
			i++
		case i+1 < len(text) && text[i+1] == '{':
			end := i + 2
			for end < len(text) && isParamNameByte(text[end]) {
				end++
			}
			if end == len(text) || text[end] != '}' {
				s.f.failAtOffset(n, i, "${ without a closing } after the parameter's name")
				return
			}
			name := text[i+2 : end]
			p, err := lookupParam(name, s.params)
			if err != nil {
				s.f.failAtOffset(n, i, err.Error())
				return
			}
			s.use(p.Name)
			b.WriteString(s.v.text[p.Name])
			i = end
		default:
			j := i + 1
			for j < len(text) && isParamNameByte(text[j]) {
				j++
			}
			if j > i+1 {
				s.f.failAtOffset(n, i, fmt.Sprintf("$%s inside text: write ${%s} (a scalar that is only $name is the value itself; $$ is a dollar sign)", text[i+1:j], text[i+1:j]))
			} else {
				s.f.failAtOffset(n, i, "$ starts a parameter: $name alone, ${name} inside text, $$ for a dollar sign")
			}
			return
		}
	}
	n.Value = b.String()
	if n.Tag == "!!int" || n.Tag == "!!bool" || n.Tag == "!!float" || n.Tag == "!!null" {
		n.Tag = ""
	}
}

// failAtOffset reports msg at byte offset off inside scalar n (the column
// is exact for a scalar on one line).
func (f *fileReader) failAtOffset(n *yaml.Node, off int, msg string) {
	if f.err != nil {
		return
	}
	col := n.Column
	if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
		col++
	}
	if n.Style != yaml.LiteralStyle && n.Style != yaml.FoldedStyle {
		col += len([]rune(n.Value[:min(off, len(n.Value))]))
	}
	f.err = fmt.Errorf("%s:%d:%d: %s", f.path, n.Line, col, msg)
}
