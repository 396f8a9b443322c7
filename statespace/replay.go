package statespace

import (
	"fmt"
	"slices"
)

// ReplayStep is one recorded step of a saved trace: the action taken (its
// index and its label when it was saved) and the fingerprint of the state
// reached.
type ReplayStep struct {
	Action      int
	Label       string
	Fingerprint uint64
}

// Replay re-executes a saved counterexample against m and confirms it:
// steps[0] is the initial state Init()[init] (its Action is ignored), and
// every later step must be an enabled action with the same label reaching a
// state with the same fingerprint. At the end the named property must be
// violated: an Always property false in the last state, a Sometimes one
// true, DeadlockProperty a stuck state that is not a valid end, and an
// Eventually property false on every state from loop on, with the last state
// equal to the state at loop (or stuck). The error names the first step
// that does not apply and why.
func Replay[S comparable](m Model[S], init int, steps []ReplayStep, property string, loop int) (*Trace, error) {
	h, err := newHasher(m)
	if err != nil {
		return nil, err
	}
	names := m.ActionNames()
	inits := m.Init()
	if init < 0 || init >= len(inits) {
		return nil, fmt.Errorf("the initial state index %d is out of range: the model has %d", init, len(inits))
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("the trace has no steps")
	}
	canon, _ := m.(Canonicalizer[S])
	// A liveness lasso is a path of the unreduced graph.
	useCanon := canon != nil && loop < 0
	norm := func(s S) S {
		if useCanon {
			return canon.Canonical(s)
		}
		return s
	}
	s := norm(inits[init])
	states := []S{s}
	t := &Trace{InitIndex: init, Loop: loop, Steps: []Step{{Action: -1, Fingerprint: h.fingerprint(&s), State: describe(m, &s)}}}
	if fp := h.fingerprint(&s); fp != steps[0].Fingerprint {
		return t, fmt.Errorf("step 0: the initial state has fingerprint %016x, the trace says %016x (the model or the file changed)", fp, steps[0].Fingerprint)
	}
	var buf []Action
	for i, st := range steps[1:] {
		n := i + 1
		if st.Action < 0 || st.Action >= len(names) {
			return t, fmt.Errorf("step %d: action index %d is out of range: the model has %d actions", n, st.Action, len(names))
		}
		a := Action(st.Action)
		if names[a] != st.Label {
			return t, fmt.Errorf("step %d: action %d is %q in the model, the trace says %q (the model changed)", n, a, names[a], st.Label)
		}
		buf = m.Actions(&s, buf[:0])
		if !slices.Contains(buf, a) {
			return t, fmt.Errorf("step %d: %s is not enabled in the state of step %d", n, st.Label, n-1)
		}
		s = norm(m.Step(&s, a))
		fp := h.fingerprint(&s)
		if fp != st.Fingerprint {
			return t, fmt.Errorf("step %d (%s): the state reached has fingerprint %016x, the trace says %016x (the file was edited or the model changed)", n, st.Label, fp, st.Fingerprint)
		}
		step := Step{Action: int(a), Label: names[a], Fingerprint: fp, State: describe(m, &s)}
		if ac, ok := m.(Actorer); ok {
			step.Actor = ac.Actor(a)
		}
		t.Steps = append(t.Steps, step)
		states = append(states, s)
	}
	if ex, ok := m.(Explainer[S]); ok {
		var acts []Action
		for _, st := range t.Steps[1:] {
			acts = append(acts, Action(st.Action))
		}
		annotate(ex, property, t, states, acts)
	}
	last := &states[len(states)-1]
	if property == DeadlockProperty {
		end, _ := m.(EndStater[S])
		switch {
		case len(m.Actions(last, nil)) > 0:
			return t, fmt.Errorf("the last state is not a deadlock: actions are enabled")
		case end != nil && end.ValidEnd(last):
			return t, fmt.Errorf("the last state is a valid end state, not a deadlock")
		}
		return t, nil
	}
	i := slices.IndexFunc(m.Properties(), func(p Property[S]) bool { return p.Name == property })
	if i < 0 {
		return t, fmt.Errorf("the model has no property %q", property)
	}
	p := m.Properties()[i]
	switch p.Expectation {
	case Always:
		if p.Holds(last) {
			return t, fmt.Errorf("%s holds in the last state: the trace does not violate it", property)
		}
	case Sometimes:
		if !p.Holds(last) {
			return t, fmt.Errorf("%s does not hold in the last state: the trace is not an example of it", property)
		}
	case Eventually:
		if loop < 0 || loop >= len(states) {
			return t, fmt.Errorf("a liveness counterexample needs a loop index within the trace, not %d", loop)
		}
		stuck := len(m.Actions(last, nil)) == 0
		if !stuck && *last != states[loop] {
			return t, fmt.Errorf("the lasso does not close: the last state differs from the state of step %d", loop)
		}
		t.Stutter = stuck && loop == len(states)-1
		for k := loop; k < len(states); k++ {
			if p.Holds(&states[k]) {
				return t, fmt.Errorf("%s holds at step %d, inside the loop", property, k)
			}
		}
	}
	return t, nil
}
