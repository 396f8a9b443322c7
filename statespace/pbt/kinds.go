package pbt

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// ActionArger is implemented by models that describe each action as a kind
// applied to small integer arguments (a device index, a cache line). The
// drivers draw a kind first and an argument second, and shrink an action
// towards the same kind with smaller arguments. Actions of one kind must
// have the same number of arguments.
type ActionArger interface {
	ActionArgs(a statespace.Action) (kind string, args []int)
}

// kindTable groups a model's actions by kind.
type kindTable struct {
	kind  []int      // per action: its kind
	args  [][]int    // per action: its arguments
	roles [][]string // per action: what each argument is ("actor", "#0", ...)
	names []string
	// byKind lists each kind's actions, by increasing arguments.
	byKind [][]statespace.Action
	index  map[string]statespace.Action // kind and arguments → action
}

var numberRE = regexp.MustCompile(`[0-9]+`)

// deriveKinds builds the kind table of a model: from ActionArger when the
// model implements it, otherwise from the labels (see the package comment).
func deriveKinds(m any, names []string) kindTable {
	kt := kindTable{kind: make([]int, len(names)), args: make([][]int, len(names)), roles: make([][]string, len(names)),
		index: map[string]statespace.Action{}}
	ids := map[string]int{}
	arger, _ := m.(ActionArger)
	actorer, _ := m.(statespace.Actorer)
	rank := map[string]int{}
	words := map[string]*regexp.Regexp{}
	for a, label := range names {
		var kind string
		var args []int
		var roles []string
		if arger != nil {
			kind, args = arger.ActionArgs(statespace.Action(a))
			for i := range args {
				roles = append(roles, "#"+strconv.Itoa(i))
			}
		} else {
			kind, args, roles = labelKind(label, actorer, statespace.Action(a), rank, words)
		}
		id, ok := ids[kind]
		if !ok {
			id = len(kt.names)
			ids[kind] = id
			kt.names = append(kt.names, kind)
			kt.byKind = append(kt.byKind, nil)
		}
		kt.kind[a], kt.args[a], kt.roles[a] = id, args, roles
		kt.byKind[id] = append(kt.byKind[id], statespace.Action(a))
		kt.index[argKey(id, args)] = statespace.Action(a)
	}
	for _, acts := range kt.byKind {
		slices.SortStableFunc(acts, func(x, y statespace.Action) int {
			return cmp.Or(slices.Compare(kt.args[x], kt.args[y]), cmp.Compare(x, y))
		})
	}
	return kt
}

// labelKind derives an action's kind from its label: the actor's name,
// where it appears as a word, becomes "<actor>" and an argument (its rank by
// first appearance in the action table); each decimal number becomes "#" and
// an argument.
func labelKind(label string, actorer statespace.Actorer, a statespace.Action, rank map[string]int, words map[string]*regexp.Regexp) (string, []int, []string) {
	var args []int
	var roles []string
	if actorer != nil {
		if who := actorer.Actor(a); who != "" {
			if _, ok := rank[who]; !ok {
				rank[who] = len(rank)
				words[who] = regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(who) + `($|[^A-Za-z0-9_])`)
			}
			re := words[who]
			if re.MatchString(label) {
				label = re.ReplaceAllString(label, "${1}<actor>${2}")
				args = append(args, rank[who])
				roles = append(roles, "actor")
			}
		}
	}
	for i, n := range numberRE.FindAllString(label, -1) {
		v, err := strconv.Atoi(n)
		if err != nil {
			v = 0
		}
		args = append(args, v)
		roles = append(roles, "#"+strconv.Itoa(i))
	}
	return numberRE.ReplaceAllString(label, "#"), args, roles
}

func argKey(kind int, args []int) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(kind))
	for _, x := range args {
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(x))
	}
	return b.String()
}

// swap exchanges two values of one kind of argument ("actor", "#0", ...):
// renaming device 2 to device 0 and device 0 to device 2.
type swap struct {
	role string
	x, y int
}

// translate applies swaps, in order, to a's arguments and returns the
// action of the same kind with the arguments that result (false: the
// table has no such action).
func (kt *kindTable) translate(swaps []swap, a statespace.Action) (statespace.Action, bool) {
	if len(swaps) == 0 {
		return a, true
	}
	args := slices.Clone(kt.args[a])
	for _, s := range swaps {
		for i, r := range kt.roles[a] {
			if r != s.role {
				continue
			}
			switch args[i] {
			case s.x:
				args[i] = s.y
			case s.y:
				args[i] = s.x
			}
		}
	}
	b, ok := kt.index[argKey(kt.kind[a], args)]
	return b, ok
}

// swapsBetween returns the swaps that turn a's arguments into b's (two
// actions of one kind).
func (kt *kindTable) swapsBetween(a, b statespace.Action) []swap {
	var out []swap
	for i, x := range kt.args[a] {
		if y := kt.args[b][i]; x != y {
			out = append(out, swap{role: kt.roles[a][i], x: x, y: y})
		}
	}
	return out
}

// smaller lists the actions of a's kind whose arguments are each no larger
// than a's and not all equal, smallest first: the shrink candidates of a.
func (kt *kindTable) smaller(a statespace.Action) []statespace.Action {
	var out []statespace.Action
	for _, b := range kt.byKind[kt.kind[a]] {
		if b != a && len(kt.args[b]) == len(kt.args[a]) && pointwiseLE(kt.args[b], kt.args[a]) {
			out = append(out, b)
		}
	}
	sum := func(xs []int) (s int) {
		for _, x := range xs {
			s += x
		}
		return s
	}
	slices.SortStableFunc(out, func(x, y statespace.Action) int {
		return cmp.Or(cmp.Compare(sum(kt.args[x]), sum(kt.args[y])), cmp.Compare(x, y))
	})
	return out
}

func pointwiseLE(x, y []int) bool {
	for i := range x {
		if x[i] > y[i] {
			return false
		}
	}
	return true
}
