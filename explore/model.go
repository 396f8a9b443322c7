// Package explore is an interactive explorer of a model's state space for
// design review (check explore): a loopback web server whose page shows
// the current state in the model's own words, the enabled actions named as
// kernel calls, the verdict of every property in that state, the path
// taken (the URL names it, so a reviewer can send it), a saved trace or
// the shortest counterexample of a property to step through. It works on
// any statespace.Model: Of hides the state type.
package explore

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Model is a checker model with its state type hidden: what the explorer
// needs of a statespace.Model[S]. Of makes one; nothing else can.
type Model interface {
	// names is the action table.
	names() []string
	// properties are the model's properties, in model order.
	properties() []property
	// inits is the number of initial states.
	inits() int
	// actor names the agent of an action (statespace.Actorer), or "".
	actor(a statespace.Action) string
	// replays checks that path replays from the initial state init: every
	// action exists and is enabled.
	replays(init int, path []statespace.Action) error
	// walk replays path from the initial state init, without symmetry
	// reduction, and describes every state on the way and the last one's
	// enabled actions and verdicts.
	walk(init int, path []statespace.Action) (*walk, error)
	// search runs the checker on the one property (or deadlock) and
	// returns its shortest trace as a walkable path.
	search(ctx context.Context, prop string) (*found, error)
	// confirm replays a saved counterexample (statespace.ReplayAs) and
	// returns it as a walkable path.
	confirm(init int, steps []statespace.ReplayStep, prop string, kind statespace.Kind, loop int) ([]statespace.Action, error)
}

// property is a property's name and expectation.
type property struct {
	name string
	exp  statespace.Expectation
}

// Of hides m's state type for the explorer. The explorer steps m itself,
// never its canonical images, so the states it shows are the ones the
// actions reach; traces the checker found under a symmetry reduction
// (statespace.Canonicalizer) are mapped onto such paths.
func Of[S comparable](m statespace.Model[S]) Model {
	return &machine[S]{m: m, acts: m.ActionNames(), props: m.Properties()}
}

// machine is a Model over states of type S.
type machine[S comparable] struct {
	m     statespace.Model[S]
	acts  []string
	props []statespace.Property[S]
}

func (x *machine[S]) names() []string { return x.acts }

func (x *machine[S]) inits() int { return len(x.m.Init()) }

func (x *machine[S]) properties() []property {
	out := make([]property, len(x.props))
	for i, p := range x.props {
		out[i] = property{p.Name, p.Expectation}
	}
	return out
}

// pathError is a path that does not replay: it names the step and why.
type pathError struct{ msg string }

func (e *pathError) Error() string { return e.msg }

// states replays path from Init()[init], checking that every action is in
// the table and enabled: the states on the way, path[0] the initial one.
func (x *machine[S]) states(init int, path []statespace.Action) ([]S, error) {
	inits := x.m.Init()
	if init < 0 || init >= len(inits) {
		return nil, &pathError{fmt.Sprintf("initial state %d does not exist: the model has %d (numbered from 0)", init, len(inits))}
	}
	out := []S{inits[init]}
	var buf []statespace.Action
	for i, a := range path {
		s := &out[len(out)-1]
		if int(a) >= len(x.acts) {
			return nil, &pathError{fmt.Sprintf("step %d: action %d does not exist: the model has %d actions (numbered from 0)", i+1, a, len(x.acts))}
		}
		buf = x.m.Actions(s, buf[:0])
		if !slices.Contains(buf, a) {
			return nil, &pathError{fmt.Sprintf("step %d: action %d, %s, is not enabled in the state of step %d", i+1, a, x.acts[a], i)}
		}
		out = append(out, x.m.Step(s, a))
	}
	return out, nil
}

func (x *machine[S]) replays(init int, path []statespace.Action) error {
	_, err := x.states(init, path)
	return err
}

// describe renders s with the model's Describer, or field by field.
func (x *machine[S]) describe(s *S) []statespace.Field {
	if d, ok := x.m.(statespace.Describer[S]); ok {
		return d.Describe(s)
	}
	var out []statespace.Field
	reflectFields(reflect.ValueOf(*s), "", &out)
	return out
}

// reflectFields renders v's leaves as fields named by their path.
func reflectFields(v reflect.Value, name string, out *[]statespace.Field) {
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
		val := "?"
		if v.CanInterface() {
			val = fmt.Sprint(v.Interface())
		}
		*out = append(*out, statespace.Field{Name: name, Value: val})
	}
}

// actor names the agent of a (Actorer), or "".
func (x *machine[S]) actor(a statespace.Action) string {
	if ac, ok := x.m.(statespace.Actorer); ok {
		return ac.Actor(a)
	}
	return ""
}

// explain asks the model's Explainer about path; a model without one, or
// one that fails, says nothing.
func (x *machine[S]) explain(prop string, path []S, acts []statespace.Action) (e statespace.Explanation) {
	ex, ok := x.m.(statespace.Explainer[S])
	if !ok || len(acts) == 0 {
		return e
	}
	defer func() {
		if recover() != nil {
			e = statespace.Explanation{}
		}
	}()
	return ex.Explain(prop, path, acts)
}
