package statespace

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Trace is a path through the state space: an initial state and the
// actions taken from it, with every state along the way.
type Trace struct {
	// InitIndex is the index of the first state in the model's Init().
	InitIndex int
	// Loop is, for a lasso (a liveness counterexample), the index of the
	// step where the cycle starts: the last state equals Steps[Loop] and the
	// behaviour repeats Steps[Loop+1:] forever. -1 for a finite trace.
	Loop int
	// Stutter marks a lasso whose last state has no enabled action: the
	// behaviour stays there forever.
	Stutter bool
	// Steps[0] is the initial state; Steps[i] is the state after the i-th
	// action.
	Steps []Step
	// Explanation is, for a counterexample of a model that implements
	// Explainer, how the trace violates its property in the protocol's
	// words; "" otherwise.
	Explanation string
}

// Step is one state of a trace and the action that led to it.
type Step struct {
	// Action is the action taken to reach this state; -1 for the initial
	// state.
	Action int
	// Label is the action's name from the model's action table; empty for
	// the initial state.
	Label string
	// Actor is the agent that took the action (Actorer), or "".
	Actor string
	// Fingerprint is the state's fingerprint, as stored by the checker.
	Fingerprint uint64
	// State is the state, rendered field by field.
	State []Field
	// Observed is what the step saw that the state does not record (the
	// value a load returned), and Messages the interactions between agents
	// it completes, both from the model's Explainer; empty otherwise.
	Observed string
	Messages []Message
}

// Len is the number of steps (actions) of the trace.
func (t *Trace) Len() int { return len(t.Steps) - 1 }

// Labels returns the action labels of the trace, in order.
func (t *Trace) Labels() []string {
	var out []string
	for _, s := range t.Steps[1:] {
		out = append(out, s.Label)
	}
	return out
}

// String renders the trace as text: the initial state in full, then for each
// step the action and the fields that changed.
func (t *Trace) String() string {
	var b strings.Builder
	for i, st := range t.Steps {
		if i == 0 {
			fmt.Fprintf(&b, "%3d  initial state (Init()[%d])\n", 0, t.InitIndex)
			for _, f := range st.State {
				fmt.Fprintf(&b, "       %s = %s\n", f.Name, f.Value)
			}
			if t.Loop == 0 && !t.Stutter && len(t.Steps) > 1 {
				fmt.Fprintf(&b, "       ---- the loop starts here: steps 1..%d repeat forever ----\n", len(t.Steps)-1)
			}
			continue
		}
		fmt.Fprintf(&b, "%3d  %s\n", i, st.Label)
		for _, f := range ChangedFields(t.Steps[i-1].State, st.State) {
			fmt.Fprintf(&b, "       %s = %s\n", f.Name, f.Value)
		}
		if i == t.Loop && !t.Stutter && i < len(t.Steps)-1 {
			fmt.Fprintf(&b, "       ---- the loop starts here: steps %d..%d repeat forever ----\n", i+1, len(t.Steps)-1)
		}
	}
	if t.Stutter {
		fmt.Fprintf(&b, "       ---- no action is enabled: the behaviour stays in this state forever ----\n")
	} else if t.Loop >= 0 {
		fmt.Fprintf(&b, "       ---- back to the state of step %d ----\n", t.Loop)
	}
	return b.String()
}

// ChangedFields returns the fields of after whose value differs from the
// field of the same name in before.
func ChangedFields(before, after []Field) []Field {
	old := make(map[string]string, len(before))
	for _, f := range before {
		old[f.Name] = f.Value
	}
	var out []Field
	for _, f := range after {
		if v, ok := old[f.Name]; !ok || v != f.Value {
			out = append(out, f)
		}
	}
	return out
}

// describe renders s with the model's Describer, or by reflection.
func describe[S comparable](m Model[S], s *S) []Field {
	if d, ok := m.(Describer[S]); ok {
		return d.Describe(s)
	}
	var out []Field
	reflectFields(reflect.ValueOf(*s), "", &out)
	return out
}

func reflectFields(v reflect.Value, name string, out *[]Field) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			n := v.Type().Field(i).Name
			if name != "" {
				n = name + "." + n
			}
			reflectFields(v.Field(i), n, out)
		}
	case reflect.Array:
		for i := range v.Len() {
			reflectFields(v.Index(i), fmt.Sprintf("%s[%d]", name, i), out)
		}
	default:
		if name == "" {
			name = "state"
		}
		*out = append(*out, Field{Name: name, Value: fmt.Sprint(v.Interface())})
	}
}

// path follows the parent links from the state with the given id back to
// an initial state.
func (c *checker[S]) path(id uint32) (initIndex int, acts []Action, err error) {
	for {
		p, a, err := c.link(id)
		if err != nil {
			return 0, nil, err
		}
		if p == noParent {
			slices.Reverse(acts)
			return int(a), acts, nil
		}
		acts = append(acts, Action(a))
		id = p
	}
}

// link returns the parent link of the state with the given id: its
// parent's id and the action (noParent and the index in Init() for an
// initial state).
func (c *checker[S]) link(id uint32) (uint32, uint16, error) {
	local, k := splitID(id)
	return c.shards[k].links.get(local, c.lf)
}

// linkFailed records that a parent link could not be read back.
func (c *checker[S]) linkFailed(err error) {
	if c.traceErr == nil {
		c.traceErr = err
	}
}

// trace rebuilds the path to a discovery by replaying the model from the
// initial state and checking, at every step, that the action is enabled and
// that the state reached is stored; the last state must have the
// discovery's fingerprint. A failure means the model is not deterministic
// (or, with probability Stats.CollisionProbability, a fingerprint
// collision), and is reported as the run's error.
func (c *checker[S]) trace(d discovery) *Trace {
	t, _ := c.traceAndState(d)
	return t
}

func (c *checker[S]) traceAndState(d discovery) (*Trace, S) {
	if c.opt.FullState {
		return c.storedTrace(d)
	}
	init, acts, err := c.path(d.id)
	if err != nil {
		c.linkFailed(err)
		var s S
		return &Trace{Loop: -1}, s
	}
	t, s := c.replay(init, acts, fmt.Sprintf("the trace to a state of depth %d", d.depth), true)
	if last := t.Steps[len(t.Steps)-1].Fingerprint; len(t.Steps) == len(acts)+1 && last != d.fp {
		c.replayFailed("the trace to a state of depth %d: the last state has fingerprint %016x, want %016x", d.depth, last, d.fp)
	}
	return t, s
}

func (c *checker[S]) replayFailed(format string, args ...any) {
	if c.traceErr == nil {
		c.traceErr = fmt.Errorf("statespace: replaying %s failed; the model is not deterministic", fmt.Sprintf(format, args...))
	}
}

// isStored reports whether the search stored s (with fingerprint fp).
func (c *checker[S]) isStored(fp uint64, s *S) bool {
	sh := &c.shards[shardOf(fp)]
	if c.opt.FullState {
		_, v := sh.lookupFull(fp, s)
		return v != 0
	}
	return sh.contains(fp)
}

// replay re-executes acts from initial state init, checking that every
// action is enabled. With stored the path is one of the search's (reduced)
// graph: every state, the initial one included, is canonicalised and must be
// in the fingerprint table. Without it the path is one of the unreduced
// graph (a liveness lasso): no state is canonicalised, not even the initial
// one. It returns the trace so far and the last state.
func (c *checker[S]) replay(init int, acts []Action, what string, stored bool) (*Trace, S) {
	s := c.inits[init]
	if stored {
		s = c.canonical(s)
	}
	fp := c.h.fingerprint(&s)
	t := &Trace{InitIndex: init, Loop: -1, Steps: []Step{{Action: -1, Fingerprint: fp, State: describe(c.m, &s)}}}
	if stored && !c.isStored(fp, &s) {
		c.replayFailed("%s: initial state %d is not stored", what, init)
		return t, s
	}
	var buf []Action
	for i, a := range acts {
		buf = c.m.Actions(&s, buf[:0])
		if !slices.Contains(buf, a) {
			c.replayFailed("%s: step %d: action %s is not enabled", what, i+1, c.names[a])
			return t, s
		}
		s = c.m.Step(&s, a)
		if stored {
			s = c.canonical(s)
		}
		fp = c.h.fingerprint(&s)
		if stored && !c.isStored(fp, &s) {
			c.replayFailed("%s: step %d (%s): the state reached was never stored", what, i+1, c.names[a])
			return t, s
		}
		st := Step{Action: int(a), Label: c.names[a], Fingerprint: fp, State: describe(c.m, &s)}
		if ac, ok := c.m.(Actorer); ok {
			st.Actor = ac.Actor(a)
		}
		t.Steps = append(t.Steps, st)
	}
	return t, s
}
