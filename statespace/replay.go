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
// violated:
//
//   - an Always property: false in the last state;
//   - a Sometimes property (an example): true in the last state;
//   - DeadlockProperty: the last state is not a valid end state (EndStater)
//     and no enabled action changes it: no action is enabled (a stuck
//     state, DeadlockStuck), or every enabled action leads back to it (a
//     stuttering deadlock, DeadlockStutter: the trace does not say which
//     notion found it, so both are accepted);
//   - an Eventually property: a lasso. Either the loop is a real cycle (the
//     last step returns to the state at loop, loop < the last step) or the
//     trace stutters (loop is the last step and no action is enabled
//     there). Holds is false on every state from a triggering state (Trigger
//     true; the initial state for a nil Trigger), at or before loop, to the
//     end. The loop is fair under the model's fairness groups (FairModel):
//     every group with an action enabled in every state of the loop has an
//     action taken in it (a self-loop counts).
//
// A liveness lasso is a path of the unreduced graph: its states are not
// canonicalised (Canonicalizer), those of other traces are. The error names
// the first step that does not apply and why. ReplayAs checks the trace's
// kind too.
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
		for _, a := range m.Actions(last, nil) {
			if m.Step(last, a) != *last {
				return t, fmt.Errorf("the last state is not a deadlock: %s is enabled there and changes the state", names[a])
			}
		}
		if end != nil && end.ValidEnd(last) {
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
		switch {
		case loop == len(states)-1 && !stuck:
			return t, fmt.Errorf("the loop is empty: it starts at the last step, %d, where actions are enabled (only a state without enabled actions stutters forever)", loop)
		case loop < len(states)-1 && *last != states[loop]:
			return t, fmt.Errorf("the lasso does not close: the last state differs from the state of step %d", loop)
		}
		t.Stutter = stuck && loop == len(states)-1
		for k := loop; k < len(states); k++ {
			if p.Holds(&states[k]) {
				return t, fmt.Errorf("%s holds at step %d, inside the loop", property, k)
			}
		}
		// The bad suffix must start at a triggering state.
		from := loop
		for from > 0 && !p.Holds(&states[from-1]) {
			from--
		}
		triggered := false
		for k := from; k <= loop && !triggered; k++ {
			triggered = p.Trigger == nil && k == 0 || p.Trigger != nil && p.Trigger(&states[k])
		}
		if !triggered {
			return t, fmt.Errorf("%s is not triggered in any state from which it stays false to the loop (steps %d to %d): the lasso does not violate it", property, from, loop)
		}
		if err := fairLoop(m, states[loop:len(states)-1], steps[loop+1:], names); err != nil {
			return t, err
		}
	}
	return t, nil
}

// fairLoop checks that a loop (its states, without the repeated last one,
// and the steps taken in it) is fair: every fairness group of the model
// that has an action enabled in each state of the loop has one taken in it.
func fairLoop[S comparable](m Model[S], loop []S, steps []ReplayStep, names []string) error {
	f, ok := m.(FairModel)
	if !ok || len(loop) == 0 {
		return nil
	}
	var buf []Action
	for _, g := range f.Fairness() {
		enabled := true
		for k := range loop {
			buf = m.Actions(&loop[k], buf[:0])
			if !slices.ContainsFunc(buf, func(a Action) bool { return slices.Contains(g.Actions, a) }) {
				enabled = false
				break
			}
		}
		taken := slices.ContainsFunc(steps, func(st ReplayStep) bool { return slices.Contains(g.Actions, Action(st.Action)) })
		if enabled && !taken {
			return fmt.Errorf("the loop is not fair to %s: one of its actions is enabled in every state of the loop and none is taken", g.Name)
		}
	}
	return nil
}

// ReplayAs is Replay for a saved counterexample that says what kind of
// violation it shows: it checks that the kind agrees with the property and
// the loop, then replays the trace, which must show that violation.
//
//   - KindInvariant: an Always property, a finite trace (loop -1), the
//     property false in the last state.
//   - KindDeadlock: DeadlockProperty, a finite trace, a deadlock at the end
//     (see Replay).
//   - KindLiveness: an Eventually property and a lasso (loop ≥ 0): a real,
//     fair loop on which the property stays false once triggered (see
//     Replay).
//
// Any other kind, or a kind that does not match, is an error: a trace whose
// kind or loop was edited is not confirmed "as it says".
func ReplayAs[S comparable](m Model[S], init int, steps []ReplayStep, property string, kind Kind, loop int) (*Trace, error) {
	exp := Expectation(255)
	if i := slices.IndexFunc(m.Properties(), func(p Property[S]) bool { return p.Name == property }); i >= 0 {
		exp = m.Properties()[i].Expectation
	}
	switch kind {
	case KindInvariant:
		if property == DeadlockProperty || exp != Always && exp != 255 {
			return nil, fmt.Errorf("the trace says %s is an invariant violation, but %s is not an always property", property, property)
		}
	case KindDeadlock:
		if property != DeadlockProperty {
			return nil, fmt.Errorf("the trace says %s is a deadlock, but deadlocks are reported as the property %q", property, DeadlockProperty)
		}
	case KindLiveness:
		if exp != Eventually && exp != 255 || property == DeadlockProperty {
			return nil, fmt.Errorf("the trace says %s is a liveness violation, but %s is not an eventually property", property, property)
		}
		if loop < 0 {
			return nil, fmt.Errorf("a liveness counterexample is a lasso: it needs a loop index, not %d", loop)
		}
	case KindUnreachable:
		return nil, fmt.Errorf("an unreachable property has no trace to replay")
	default:
		return nil, fmt.Errorf("unknown kind %q (want %s, %s or %s)", kind, KindInvariant, KindDeadlock, KindLiveness)
	}
	if kind != KindLiveness && loop != -1 {
		return nil, fmt.Errorf("the trace says it is a %s counterexample with a loop at step %d, but only a liveness counterexample has a loop (-1: a finite trace)", kind, loop)
	}
	return Replay(m, init, steps, property, loop)
}
