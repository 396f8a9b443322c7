package world

import (
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/internal/story"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// What the families' narrations (fence_explain.go, lock_explain.go,
// vm_explain.go, p2p_explain.go) ask of a trail besides explain.go's:
// a step's calls in words, the guilty call of a flagged step, the shape of
// a lasso, and the step that last changed something.

// label is step i's call (or atomic calls) as the trace names it, without
// the agent; "" for a step the trace does not have (a narration's record
// of a step that never happened is 0).
func (t *trail) label(i int) string {
	if i < 1 || i >= len(t.path) {
		return ""
	}
	return t.c.edgeName(t.action(i).e)
}

// who names the agent of step i, or nobody for a step the trace does not
// have.
func (t *trail) who(i int) string {
	if i < 1 || i >= len(t.path) {
		return Nobody
	}
	return t.agent(i)
}

// guiltyCall returns the step that broke holds (the last one, see
// violatedAt) and the call of that step that did, with the states around
// that call; i < 0 when the trace does not end in such a step.
func (t *trail) guiltyCall(holds func(v View) bool) (i int, call Call, before, after View) {
	i = t.violatedAt(holds)
	if i < 0 {
		return -1, call, before, after
	}
	found := false
	t.calls(i, func(op Call, b, a View) {
		if !found && holds(b) && !holds(a) {
			call, before, after, found = op, b, a, true
		}
	})
	if !found {
		return -1, call, before, after
	}
	return i, call, before, after
}

// story words how step i breaks rule with internal/story: its agent, its
// calls and what it changed (without the ghost flags, which restate the
// property, nor the program counters).
func (t *trail) story(i int, rule string) string {
	return story.Violation(i, t.agent(i), t.label(i), t.fields(i-1), t.fields(i), rule)
}

// fields describes state i for a story: the objects, not the agents'
// program points nor the violation flags.
func (t *trail) fields(i int) []statespace.Field {
	var out []statespace.Field
	for _, f := range t.c.describe(t.path[i]) {
		if !strings.HasSuffix(f.Name, ".at") && !strings.Contains(f.Name, "VIOLATED") {
			out = append(out, f)
		}
	}
	return out
}

// loopStart returns where the lasso of a liveness counterexample loops
// back to (the last state is the state at that step), or -1 when the
// trace ends stuck in its last state.
func (t *trail) loopStart() int {
	n := len(t.path) - 1
	for j := range n {
		if string(t.path[j]) == string(t.path[n]) {
			return j
		}
	}
	return -1
}

// lastChange returns the last step at or before i after which f(state)
// differs from f(state before it), or 0 when it never changed.
func (t *trail) lastChange(i int, f func(v View) string) int {
	for ; i >= 1; i-- {
		if f(t.state(i)) != f(t.state(i-1)) {
			return i
		}
	}
	return 0
}

// waitCycle returns a cycle of the wait-for edges, in order, or nil: the
// one the checker reports with a deadlock (nodes tried in order of first
// appearance, edges in order), so the account names the same agents.
func waitCycle(edges []statespace.WaitEdge) []statespace.WaitEdge {
	out := map[string][]statespace.WaitEdge{}
	var nodes []string
	for _, e := range edges {
		if _, ok := out[e.From]; !ok {
			nodes = append(nodes, e.From)
		}
		out[e.From] = append(out[e.From], e)
	}
	state := map[string]int{} // 0 unvisited, 1 on the path, 2 done
	var path []statespace.WaitEdge
	var visit func(n string) []statespace.WaitEdge
	visit = func(n string) []statespace.WaitEdge {
		state[n] = 1
		for _, e := range out[n] {
			switch state[e.To] {
			case 1:
				k := slices.IndexFunc(path, func(p statespace.WaitEdge) bool { return p.From == e.To })
				if k < 0 {
					k = len(path) // a self-loop
				}
				return append(append([]statespace.WaitEdge(nil), path[k:]...), e)
			case 0:
				path = append(path, e)
				if c := visit(e.To); c != nil {
					return c
				}
				path = path[:len(path)-1]
			}
		}
		state[n] = 2
		return nil
	}
	for _, n := range nodes {
		if state[n] == 0 {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

// andList joins phrases as English does: "a", "a and b", "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
