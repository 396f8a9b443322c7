package explore

import (
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// walk is a path replayed through the model: every state on it, described,
// and what can happen in the last one.
type walk struct {
	steps    []stepInfo
	enabled  []choice
	verdicts []verdict
	// stuck: no action is enabled; end: the model calls the last state a
	// valid end state (EndStater); stutter: actions are enabled but none
	// changes the state.
	stuck, end, stutter bool
	// waits is who waits for whom in the last state (WaitForGraph).
	waits []statespace.WaitEdge
}

// stepInfo is one state of a walk and the action that led to it (action
// -1 for the initial state).
type stepInfo struct {
	action   int
	label    string
	actor    string
	state    []statespace.Field
	observed string
	messages []statespace.Message
}

// choice is an action enabled in the last state of a walk, with the fields
// it would change; self marks an action that leads back to the same state.
type choice struct {
	action  int
	label   string
	actor   string
	changes []statespace.Field
	self    bool
}

// verdict is a property judged in the last state of a walk: holds is its
// predicate there, triggered its premise (Eventually only), and
// explanation the model's account of a violated invariant.
type verdict struct {
	property
	holds, triggered bool
	explanation      string
}

// walk replays path and describes it (Model.walk).
func (x *machine[S]) walk(init int, path []statespace.Action) (*walk, error) {
	states, err := x.states(init, path)
	if err != nil {
		return nil, err
	}
	w := &walk{}
	for i := range states {
		st := stepInfo{action: -1, state: x.describe(&states[i])}
		if i > 0 {
			a := path[i-1]
			st.action, st.label, st.actor = int(a), x.acts[a], x.actor(a)
		}
		w.steps = append(w.steps, st)
	}
	last := &states[len(states)-1]
	for _, p := range x.props {
		v := verdict{property: property{p.Name, p.Expectation}, holds: p.Holds(last)}
		if p.Expectation == statespace.Eventually {
			v.triggered = p.Trigger == nil && len(path) == 0 || p.Trigger != nil && p.Trigger(last)
		}
		w.verdicts = append(w.verdicts, v)
	}
	// The model's notes on the steps (what a read returned, a fence
	// signalled to its waiter), and its account of each broken invariant.
	first := ""
	for i := range w.verdicts {
		v := &w.verdicts[i]
		if v.exp != statespace.Always || v.holds {
			continue
		}
		v.explanation = x.explain(v.name, states, path).Violation
		if first == "" {
			first = v.name
		}
	}
	for i, n := range x.explain(first, states, path).Steps {
		if i < len(w.steps) {
			w.steps[i].observed, w.steps[i].messages = n.Observed, n.Messages
		}
	}
	before := w.steps[len(w.steps)-1].state
	for _, a := range x.m.Actions(last, nil) {
		next := x.m.Step(last, a)
		c := choice{action: int(a), label: x.acts[a], actor: x.actor(a), self: next == *last}
		if !c.self {
			c.changes = statespace.ChangedFields(before, x.describe(&next))
		}
		w.enabled = append(w.enabled, c)
	}
	w.stuck = len(w.enabled) == 0
	w.stutter = !w.stuck && !slices.ContainsFunc(w.enabled, func(c choice) bool { return !c.self })
	if e, ok := x.m.(statespace.EndStater[S]); ok {
		w.end = e.ValidEnd(last)
	}
	if g, ok := x.m.(statespace.WaitForGraph[S]); ok && (w.stuck || w.stutter) && !w.end {
		w.waits = g.WaitsFor(last)
	}
	return w, nil
}
