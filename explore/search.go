package explore

import (
	"context"
	"fmt"
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// found is the checker's verdict on one property and, when it has one, its
// shortest trace as a path the explorer walks.
type found struct {
	// verdict is the checker's: "violated", "reached", "holds",
	// "unreached" or "unknown" (the search was interrupted).
	verdict string
	kind    statespace.Kind
	init    int
	path    []statespace.Action
	// loop is where a lasso's cycle starts (-1: a finite trace).
	loop   int
	states uint64
}

// search runs the checker on prop alone (Model.search).
func (x *machine[S]) search(ctx context.Context, prop string) (*found, error) {
	if prop != statespace.DeadlockProperty && !slices.ContainsFunc(x.props, func(p statespace.Property[S]) bool { return p.Name == prop }) {
		return nil, fmt.Errorf("the model has no property %q", prop)
	}
	r, err := statespace.Check(x.m, statespace.Options{Only: []string{prop}, Context: ctx})
	if err != nil {
		return nil, err
	}
	f := &found{verdict: "unknown", loop: -1, states: r.Stats.States}
	var t *statespace.Trace
	if v := r.Violation; v != nil && v.Property == prop {
		f.verdict, f.kind, t = "violated", v.Kind, v.Trace
	}
	for _, p := range r.Properties {
		if p.Name == prop {
			f.verdict = p.Verdict
			if t == nil {
				t = p.Trace
			}
		}
	}
	if t == nil {
		return f, nil
	}
	f.init, f.loop = t.InitIndex, t.Loop
	var acts []statespace.Action
	for _, st := range t.Steps[1:] {
		acts = append(acts, statespace.Action(st.Action))
	}
	if f.path, err = x.unreduce(t.InitIndex, acts, t.Loop); err != nil {
		return nil, err
	}
	return f, nil
}

// confirm replays a saved counterexample (Model.confirm).
func (x *machine[S]) confirm(init int, steps []statespace.ReplayStep, prop string, kind statespace.Kind, loop int) ([]statespace.Action, error) {
	if _, err := statespace.ReplayAs(x.m, init, steps, prop, kind, loop); err != nil {
		return nil, err
	}
	var acts []statespace.Action
	for _, st := range steps[1:] {
		acts = append(acts, statespace.Action(st.Action))
	}
	return x.unreduce(init, acts, loop)
}

// unreduce turns a trace of the checker into a path of the model itself.
// Under a symmetry reduction the checker steps canonical images, so a
// trace's action may be enabled only in the image: each step becomes the
// action of the actual state that reaches a state of the same orbit (the
// trace's own action when it does). A lasso (loop ≥ 0) is already a path
// of the unreduced graph.
func (x *machine[S]) unreduce(init int, acts []statespace.Action, loop int) ([]statespace.Action, error) {
	canon, ok := x.m.(statespace.Canonicalizer[S])
	if !ok || loop >= 0 {
		if _, err := x.states(init, acts); err != nil {
			return nil, err
		}
		return acts, nil
	}
	inits := x.m.Init()
	if init < 0 || init >= len(inits) {
		return nil, fmt.Errorf("initial state %d does not exist: the model has %d", init, len(inits))
	}
	raw, img := inits[init], canon.Canonical(inits[init])
	out := make([]statespace.Action, 0, len(acts))
	var buf []statespace.Action
	for i, a := range acts {
		if buf = x.m.Actions(&img, buf[:0]); !slices.Contains(buf, a) {
			return nil, fmt.Errorf("step %d: %s is not enabled in the trace's state", i+1, x.acts[a])
		}
		want := canon.Canonical(x.m.Step(&img, a))
		buf = x.m.Actions(&raw, buf[:0])
		if j := slices.Index(buf, a); j > 0 {
			buf[0], buf[j] = buf[j], buf[0] // try the trace's own action first
		}
		pick := -1
		for _, b := range buf {
			if canon.Canonical(x.m.Step(&raw, b)) == want {
				pick = int(b)
				break
			}
		}
		if pick < 0 {
			return nil, fmt.Errorf("step %d: no action enabled in the unreduced state reaches the orbit of the trace's state after %s (the symmetry reduction is not exact)", i+1, x.acts[a])
		}
		raw, img = x.m.Step(&raw, statespace.Action(pick)), want
		out = append(out, statespace.Action(pick))
	}
	return out, nil
}
