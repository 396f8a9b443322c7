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
	// Steps[0] is the initial state; Steps[i] is the state after the i-th
	// action.
	Steps []Step
}

// Step is one state of a trace and the action that led to it.
type Step struct {
	// Action is the action taken to reach this state; -1 for the initial
	// state.
	Action int
	// Label is the action's name from the model's action table; empty for
	// the initial state.
	Label string
	// Fingerprint is the state's fingerprint, as stored by the checker.
	Fingerprint uint64
	// State is the state, rendered field by field.
	State []Field
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
			continue
		}
		fmt.Fprintf(&b, "%3d  %s\n", i, st.Label)
		for _, f := range ChangedFields(t.Steps[i-1].State, st.State) {
			fmt.Fprintf(&b, "       %s = %s\n", f.Name, f.Value)
		}
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
func (c *checker[S]) path(id uint32) (initIndex int, acts []Action) {
	for {
		local, k := splitID(id)
		sh := &c.shards[k]
		p, a := sh.parent.get(local), sh.action.get(local)
		if p == noParent {
			slices.Reverse(acts)
			return int(a), acts
		}
		acts = append(acts, Action(a))
		id = p
	}
}

// trace rebuilds the path to a discovery by replaying the model from the
// initial state and checking, at every step, that the action is enabled and
// that the state reached is stored; the last state must have the
// discovery's fingerprint. A failure means the model is not deterministic
// (or, with probability Stats.CollisionProbability, a fingerprint
// collision), and is reported as the run's error.
func (c *checker[S]) trace(d discovery) *Trace {
	init, acts := c.path(d.id)
	s := c.canonical(c.inits[init])
	fp := c.h.fingerprint(&s)
	t := &Trace{InitIndex: init, Steps: []Step{{Action: -1, Fingerprint: fp, State: describe(c.m, &s)}}}
	fail := func(format string, args ...any) *Trace {
		if c.traceErr == nil {
			c.traceErr = fmt.Errorf("statespace: replaying the trace to a state of depth %d failed: %s; the model is not deterministic", d.depth, fmt.Sprintf(format, args...))
		}
		return t
	}
	if !c.shards[shardOf(fp)].contains(fp) {
		return fail("initial state %d is not stored", init)
	}
	var buf []Action
	for i, a := range acts {
		buf = c.m.Actions(&s, buf[:0])
		if !slices.Contains(buf, a) {
			return fail("step %d: action %s is not enabled", i+1, c.names[a])
		}
		s = c.canonical(c.m.Step(&s, a))
		fp = c.h.fingerprint(&s)
		if !c.shards[shardOf(fp)].contains(fp) {
			return fail("step %d (%s): the state reached was never stored", i+1, c.names[a])
		}
		t.Steps = append(t.Steps, Step{Action: int(a), Label: c.names[a], Fingerprint: fp, State: describe(c.m, &s)})
	}
	if fp != d.fp {
		return fail("the last state has fingerprint %016x, want %016x", fp, d.fp)
	}
	return t
}
