package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// A world tells its counterexamples in the protocol's words
// (statespace.Explainer): each family that has something to say narrates
// the trace once, annotating the steps (what a read returned, a fence
// signalled to a waiting agent) and, for its own properties, saying how
// the last step violates the property. The user's invariants get a
// sentence naming the expression and the step that made it false.

// Explain tells how a counterexample of the world violates property
// (statespace.Explainer): path[0] is the initial state, path[i] the state
// after acts[i-1]. It is pure: it replays the trace's calls on copies.
func (w World[S]) Explain(property string, path []S, acts []statespace.Action) statespace.Explanation {
	states := make([][]byte, len(path))
	for i := range path {
		states[i] = view(&path[i])
	}
	return w.explain(property, states, acts)
}

// familyExplain is one family's narration of a trace: it annotates the
// steps in t (t.observe, t.send) and returns the sentence saying how the
// trace violates property, with ok=false when property is not the
// family's or it has nothing to say.
type familyExplain func(t *trail, property string) (sentence string, ok bool)

// familyExplainers are the families' narrations, in order. A family adds
// its own by defining c.<family>Explain in its file and listing it here;
// the first sentence given wins.
func (c *core) familyExplainers() []familyExplain {
	return []familyExplain{c.cacheExplain, c.fenceExplain, c.lockExplain, c.vmExplain, c.p2pExplain, c.lifeExplain}
}

// explain is Explain over the states' bytes.
func (c *core) explain(property string, path [][]byte, acts []statespace.Action) statespace.Explanation {
	t := &trail{c: c, path: path, acts: acts, notes: make([]statespace.StepNote, len(path))}
	var e statespace.Explanation
	for _, f := range c.familyExplainers() {
		if s, ok := f(t, property); ok && s != "" && e.Violation == "" {
			e.Violation = s
		}
	}
	if e.Violation == "" {
		e.Violation = c.invariantExplain(t, property)
	}
	e.Steps = t.notes
	return e
}

// trail is a counterexample being explained: its states and actions, and
// the notes the families write on its steps.
type trail struct {
	c     *core
	path  [][]byte
	acts  []statespace.Action
	notes []statespace.StepNote
}

// state is the state after step i (i = 0: the initial state).
func (t *trail) state(i int) View { return View{w: t.c, b: t.path[i]} }

// action is step i's entry of the action table (i ≥ 1).
func (t *trail) action(i int) *action { return &t.c.table[t.acts[i-1]] }

// agent names the agent that takes step i.
func (t *trail) agent(i int) string { return t.c.spec.Agents[t.action(i).ag].Name }

// calls replays step i call by call (an atomic step makes several): f
// receives each call with copies of the state before and after it.
func (t *trail) calls(i int, f func(call Call, before, after View)) {
	a := t.action(i)
	cur := append([]byte(nil), t.path[i-1]...)
	for _, op := range a.e.Ops {
		before := append([]byte(nil), cur...)
		View{w: t.c, b: cur}.callApply(a.ag, op, a.e.Step)
		f(op, View{w: t.c, b: before}, View{w: t.c, b: append([]byte(nil), cur...)})
	}
}

// observe adds to what step i saw.
func (t *trail) observe(i int, s string) {
	if n := &t.notes[i]; n.Observed == "" {
		n.Observed = s
	} else {
		n.Observed += "; " + s
	}
}

// send adds a message between agents to step i.
func (t *trail) send(i int, from, to, text string) {
	t.notes[i].Messages = append(t.notes[i].Messages, statespace.Message{From: from, To: to, Text: text})
}

// violatedAt returns the step of t that raised the property: the last
// one, when the state before it holds and the state after does not; -1
// otherwise.
func (t *trail) violatedAt(holds func(v View) bool) int {
	i := len(t.path) - 1
	if i < 1 || holds(t.state(i)) || !holds(t.state(i-1)) {
		return -1
	}
	return i
}

// invariantExplain names the user's invariant property, its expression
// and the step that made it false, with the conjuncts that no longer hold.
func (c *core) invariantExplain(t *trail, property string) string {
	for _, inv := range c.spec.Invariants {
		if inv.Name != property {
			continue
		}
		holds := func(s []byte) bool { return inv.Expr.f(c, s) != 0 }
		i := 0
		for i < len(t.path) && holds(t.path[i]) {
			i++
		}
		if i == len(t.path) {
			return ""
		}
		s := fmt.Sprintf("the invariant %s, %q, is false in the initial state", inv.Name, inv.Expr.Text)
		if i > 0 {
			s = fmt.Sprintf("at step %d (%s) the invariant %s, %q, became false", i, c.names[t.acts[i-1]], inv.Name, inv.Expr.Text)
		}
		if cs := inv.Expr.conjuncts(nil); len(cs) > 1 {
			var no []string
			for _, x := range cs {
				if x.f(c, t.path[i]) == 0 {
					no = append(no, fmt.Sprintf("%q", x.Text))
				}
			}
			verb := map[[2]bool]string{{false, false}: "no longer hold", {false, true}: "no longer holds",
				{true, false}: "do not hold", {true, true}: "does not hold"}[[2]bool{i == 0, len(no) == 1}]
			s += ": " + strings.Join(no, " and ") + " " + verb
		}
		return s + "."
	}
	return ""
}
