package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The generator's merge: one world file with parameters from the world
// files of every value of them (the translators' worlds of an earlier
// built-in at each parameter value). Parameters are merged one at a time:
// the trees of the values of the last parameter are merged into one tree
// that uses it, for each value of the others; then those trees over the
// parameter before it, and so on. Merging the trees of the values of one
// parameter p:
//
//   - equal trees stay;
//   - scalars that are each value of p are $p, and scalars that are one
//     text with each value of p in the same places are that text with
//     ${p} there;
//   - mappings with the same keys merge key by key (a key only some have
//     takes, in the others, the value the reader gives it when it is
//     absent: fieldDefaults);
//   - lists are aligned item by item (a longest common subsequence that
//     prefers equal items, then items of the same kind and name); aligned
//     items merge, and items present at some values only, or that do not
//     merge, become {if: COND, then: [...]} items over the values where
//     they are.
//
// Anything else cannot be merged, and the built-in's parameter is
// reported as not expressible. The result is checked by instantiation at
// every value (TestScenarioFilesAreTheTranslatorsAtEveryValue), not
// trusted.

// errNoMerge: the trees differ in a way a use of the parameter cannot
// express at this level.
var errNoMerge = errors.New("cannot merge")

// fieldDefaults are the values the world file reader gives fields that are
// absent (the writer leaves out a field at its default): a key that only
// some values' trees have takes this value in the others. Keyed by the
// field's path (keys joined by ".", a list item as "[]").
var fieldDefaults = map[string]func() *yaml.Node{
	"symmetry":      func() *yaml.Node { return &yaml.Node{Kind: yaml.SequenceNode} },
	"fence.rule":    func() *yaml.Node { return scalar("6.12") },
	"fence.compare": func() *yaml.Node { return scalar("wrap32") },
}

// paramValues are every value of p, in order (false before true).
func paramValues(p Param) []string {
	switch p.Kind {
	case Int:
		var out []string
		for i := p.Min; i <= p.Max; i++ {
			out = append(out, strconv.Itoa(i))
		}
		return out
	case Choice:
		return p.Options
	}
	return []string{"false", "true"}
}

// mergeParams merges the trees of every combination of the values of
// params (leaf builds the tree at one combination, as name=value
// settings) into one tree that uses them.
func mergeParams(params []Param, leaf func(settings []string) (*yaml.Node, error)) (*yaml.Node, error) {
	var rec func(i int, fixed []string) (*yaml.Node, error)
	rec = func(i int, fixed []string) (*yaml.Node, error) {
		if i == len(params) {
			return leaf(fixed)
		}
		p := params[i]
		vals := paramValues(p)
		var trees []*yaml.Node
		for _, x := range vals {
			t, err := rec(i+1, append(slices.Clone(fixed), p.Name+"="+x))
			if err != nil {
				return nil, err
			}
			trees = append(trees, t)
		}
		m := merger{p: p, vals: vals}
		t, err := m.merge("", all(len(vals)), trees)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		return t, nil
	}
	return rec(0, nil)
}

func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// merger merges the trees of the values of one parameter.
type merger struct {
	p    Param
	vals []string
}

// merge merges trees[k], the tree at value vals[at[k]], at path.
func (m *merger) merge(path string, at []int, trees []*yaml.Node) (*yaml.Node, error) {
	if allEqual(trees) {
		return trees[0], nil
	}
	kind := trees[0].Kind
	for _, t := range trees {
		if t.Kind != kind {
			return nil, fmt.Errorf("%s: %w (a %s and a %s)", pathText(path), errNoMerge, kindText(kind), kindText(t.Kind))
		}
	}
	switch kind {
	case yaml.ScalarNode:
		return m.scalar(path, at, trees)
	case yaml.MappingNode:
		return m.mapping(path, at, trees)
	case yaml.SequenceNode:
		return m.sequence(path, at, trees)
	}
	return nil, fmt.Errorf("%s: %w (%s)", pathText(path), errNoMerge, kindText(kind))
}

func pathText(p string) string {
	if p == "" {
		return "the file"
	}
	return p
}

func kindText(k yaml.Kind) string {
	return map[yaml.Kind]string{yaml.ScalarNode: "scalar", yaml.MappingNode: "mapping", yaml.SequenceNode: "list", yaml.AliasNode: "alias", yaml.DocumentNode: "document"}[k]
}

// scalar merges scalars: $p, or a text with ${p} in it.
func (m *merger) scalar(path string, at []int, trees []*yaml.Node) (*yaml.Node, error) {
	if slices.ContainsFunc(trees, func(t *yaml.Node) bool { return strings.Contains(t.Value, "$") }) {
		return nil, fmt.Errorf("%s: %w (a text with a dollar sign)", pathText(path), errNoMerge)
	}
	whole := true
	for k, t := range trees {
		whole = whole && t.Value == m.vals[at[k]]
	}
	if whole {
		n := *trees[0]
		n.Value, n.Tag, n.Style = "$"+m.p.Name, "", 0
		return &n, nil
	}
	// ${p} in place of every occurrence of the first tree's value, or of
	// one of them.
	first, x0 := trees[0].Value, m.vals[at[0]]
	var candidates []string
	if strings.Contains(first, x0) {
		candidates = append(candidates, strings.ReplaceAll(first, x0, "${"+m.p.Name+"}"))
		for i := 0; ; {
			j := strings.Index(first[i:], x0)
			if j < 0 {
				break
			}
			candidates = append(candidates, first[:i+j]+"${"+m.p.Name+"}"+first[i+j+len(x0):])
			i += j + 1
		}
	}
	for _, c := range candidates {
		ok := true
		for k, t := range trees {
			ok = ok && strings.ReplaceAll(c, "${"+m.p.Name+"}", m.vals[at[k]]) == t.Value
		}
		if ok {
			n := *trees[0]
			n.Value, n.Tag = c, ""
			return &n, nil
		}
	}
	return nil, fmt.Errorf("%s: %w (%q at %s=%s, %q at %s=%s)", pathText(path), errNoMerge,
		first, m.p.Name, x0, trees[len(trees)-1].Value, m.p.Name, m.vals[at[len(at)-1]])
}

// mapping merges mappings key by key.
func (m *merger) mapping(path string, at []int, trees []*yaml.Node) (*yaml.Node, error) {
	var keys []string
	for _, t := range trees {
		for i := 0; i+1 < len(t.Content); i += 2 {
			if k := t.Content[i].Value; !slices.Contains(keys, k) {
				// In the order of the tree that has it first, after the
				// keys it follows there.
				keys = insertAfter(keys, k, t, i)
			}
		}
	}
	out := *trees[0]
	out.Content = nil
	for _, k := range keys {
		sub := path + "." + k
		if path == "" {
			sub = k
		}
		var vs []*yaml.Node
		for _, t := range trees {
			v := valueOf(t, k)
			if v == nil {
				def, ok := fieldDefaults[sub]
				if !ok {
					return nil, fmt.Errorf("%s: %w (present at some values only, and its default is not in fieldDefaults)", sub, errNoMerge)
				}
				v = def()
			}
			vs = append(vs, v)
		}
		v, err := m.merge(sub, at, vs)
		if err != nil {
			return nil, err
		}
		out.Content = append(out.Content, scalar(k), v)
	}
	return &out, nil
}

// insertAfter inserts key k (the key at Content[i] of t) into keys after
// the key that precedes it in t.
func insertAfter(keys []string, k string, t *yaml.Node, i int) []string {
	for j := i - 2; j >= 0; j -= 2 {
		if p := slices.Index(keys, t.Content[j].Value); p >= 0 {
			return slices.Insert(keys, p+1, k)
		}
	}
	return slices.Insert(keys, 0, k)
}

// valueOf is the value of key k of mapping n, nil when absent.
func valueOf(n *yaml.Node, k string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}

// entry is one aligned item of merged lists: the item at each value that
// has it.
type entry struct {
	at    []int // indices into the merge's at, ascending
	items []*yaml.Node
}

// sequence aligns the lists and merges each aligned item.
func (m *merger) sequence(path string, at []int, trees []*yaml.Node) (*yaml.Node, error) {
	var entries []entry
	for _, c := range trees[0].Content {
		entries = append(entries, entry{at: []int{0}, items: []*yaml.Node{c}})
	}
	for k := 1; k < len(trees); k++ {
		entries = align(entries, k, trees[k].Content)
	}
	out := *trees[0]
	out.Content = nil
	var prevCond string
	for _, e := range entries {
		var vals []int
		for _, k := range e.at {
			vals = append(vals, at[k])
		}
		if len(e.at) == len(trees) {
			if n, err := m.merge(path+"[]", vals, e.items); err == nil {
				out.Content = append(out.Content, n)
				prevCond = ""
				continue
			}
		}
		// Present at some values only, or different at each: an if item
		// over the values where it is merged; failing that, one per
		// group of equal items.
		groups := [][]int{all(len(e.items))}
		n, err := m.merge(path+"[]", vals, e.items)
		if err != nil {
			groups = groupEqual(e.items)
		}
		for _, g := range groups {
			var gv []int
			var gi []*yaml.Node
			for _, i := range g {
				gv, gi = append(gv, vals[i]), append(gi, e.items[i])
			}
			item := n
			if len(groups) > 1 {
				if item, err = m.merge(path+"[]", gv, gi); err != nil {
					return nil, err
				}
			}
			cond := m.cond(gv)
			// Consecutive items under one condition share an if.
			if last := len(out.Content) - 1; cond == prevCond && last >= 0 {
				then := valueOf(out.Content[last], "then")
				then.Content = append(then.Content, item)
				setIfStyle(out.Content[last])
				continue
			}
			out.Content = append(out.Content, ifItem(cond, item))
			prevCond = cond
		}
	}
	return &out, nil
}

// align aligns the items of the k-th list with the entries so far: a
// longest common subsequence that scores an equal item above an item of
// the same kind and name. Items that align join their entry; the others
// become entries of their own, after the unaligned entries before them.
func align(entries []entry, k int, items []*yaml.Node) []entry {
	n, m := len(entries), len(items)
	score := make([][]int, n+1)
	for i := range score {
		score[i] = make([]int, m+1)
	}
	match := func(e entry, x *yaml.Node) int {
		for _, y := range e.items {
			if equalNodes(x, y) {
				return 3
			}
		}
		if similar(e.items[len(e.items)-1], x) {
			return 1
		}
		return 0
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			best := max(score[i+1][j], score[i][j+1])
			if s := match(entries[i], items[j]); s > 0 {
				best = max(best, s+score[i+1][j+1])
			}
			score[i][j] = best
		}
	}
	var out []entry
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && match(entries[i], items[j]) > 0 && score[i][j] == match(entries[i], items[j])+score[i+1][j+1]:
			e := entries[i]
			e.at = append(slices.Clone(e.at), k)
			e.items = append(slices.Clone(e.items), items[j])
			out = append(out, e)
			i, j = i+1, j+1
		case i < n && (j == m || score[i][j] == score[i+1][j]):
			out = append(out, entries[i])
			i++
		default:
			out = append(out, entry{at: []int{k}, items: []*yaml.Node{items[j]}})
			j++
		}
	}
	return out
}

// similar reports whether two items are the same thing in two worlds: two
// mappings with the same name, or with the same single key (a forever:
// or choose: statement).
func similar(a, b *yaml.Node) bool {
	if a.Kind != yaml.MappingNode || b.Kind != yaml.MappingNode {
		return false
	}
	if na, nb := valueOf(a, "name"), valueOf(b, "name"); na != nil && nb != nil {
		return na.Value == nb.Value
	}
	return len(a.Content) == 2 && len(b.Content) == 2 && a.Content[0].Value == b.Content[0].Value &&
		a.Content[0].Value != "when" && a.Content[0].Value != "label" && a.Content[0].Value != "goto"
}

// groupEqual groups the indices of equal items, in order of first
// appearance.
func groupEqual(items []*yaml.Node) [][]int {
	var groups [][]int
	for i, x := range items {
		found := false
		for g := range groups {
			if equalNodes(items[groups[g][0]], x) {
				groups[g] = append(groups[g], i)
				found = true
				break
			}
		}
		if !found {
			groups = append(groups, []int{i})
		}
	}
	return groups
}

// ifItem is {if: cond, then: [item]}.
func ifItem(cond string, item *yaml.Node) *yaml.Node {
	then := sequence()
	then.Content = []*yaml.Node{item}
	n := mapping()
	n.Content = []*yaml.Node{scalar("if"), scalar(cond), scalar("then"), then}
	setIfStyle(n)
	return n
}

// setIfStyle writes an if item on one line when its items are single
// values, as a block otherwise.
func setIfStyle(n *yaml.Node) {
	then := valueOf(n, "then")
	flow := len(then.Content) <= 3
	for _, c := range then.Content {
		flow = flow && (c.Kind == yaml.ScalarNode || c.Kind == yaml.SequenceNode && c.Style == yaml.FlowStyle)
	}
	if flow {
		n.Style, then.Style = yaml.FlowStyle, yaml.FlowStyle
	} else {
		n.Style, then.Style = 0, 0
	}
}

// cond is the condition that holds exactly at the values vals (indices
// into m.vals, ascending).
func (m *merger) cond(vals []int) string {
	p := "$" + m.p.Name
	switch m.p.Kind {
	case Bool:
		if m.vals[vals[0]] == "true" {
			return p
		}
		return p + " == false"
	case Choice:
		if len(vals) == 1 {
			return p + " == " + m.vals[vals[0]]
		}
		var out []string
		for i, v := range m.vals {
			if !slices.Contains(vals, i) {
				out = append(out, p+" != "+v)
			}
		}
		return strings.Join(out, " && ")
	}
	// Int: runs of consecutive values.
	var parts []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		lo, hi := m.vals[vals[i]], m.vals[vals[j]]
		switch {
		case lo == hi:
			parts = append(parts, p+" == "+lo)
		case vals[i] == 0:
			parts = append(parts, p+" <= "+hi)
		case vals[j] == len(m.vals)-1:
			parts = append(parts, p+" >= "+lo)
		default:
			parts = append(parts, p+" >= "+lo+" && "+p+" <= "+hi)
		}
		i = j + 1
	}
	return strings.Join(parts, " || ")
}

// allEqual reports whether every tree equals the first.
func allEqual(trees []*yaml.Node) bool {
	for _, t := range trees[1:] {
		if !equalNodes(trees[0], t) {
			return false
		}
	}
	return true
}

// equalNodes compares two trees by kind, value and content (not style,
// tag or position).
func equalNodes(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !equalNodes(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}
