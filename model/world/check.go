package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// runner runs the checker's entry points with the state type of one size
// class: the one place that turns a layout size into a type.
type runner interface {
	check(m *Model, opt statespace.Options) (*statespace.Result, error)
	replay(m *Model, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error)
	replayAs(m *Model, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error)
	graph(m *Model, max int) (*statespace.Graph, error)
}

// class is the runner of state type S.
type class[S Bytes] struct{}

// runnerOf returns the runner of m's size class.
func runnerOf(m *Model) (runner, error) {
	switch classOf(m.c.lay.size) {
	case 16:
		return class[[16]byte]{}, nil
	case 32:
		return class[[32]byte]{}, nil
	case 48:
		return class[[48]byte]{}, nil
	case 64:
		return class[[64]byte]{}, nil
	case 96:
		return class[[96]byte]{}, nil
	case 128:
		return class[[128]byte]{}, nil
	}
	return nil, fmt.Errorf("world %s: no state type for %d bytes", m.c.spec.Name, m.c.lay.size)
}

// model returns m over S, with the symmetry reduction the spec declares
// when reduce is set and m reduces.
func (class[S]) model(m *Model, reduce bool) (statespace.Model[S], error) {
	w, err := As[S](m)
	if err != nil {
		return nil, err
	}
	if reduce && m.reduces() {
		return Reduced[S]{w}, nil
	}
	return w, nil
}

func (c class[S]) check(m *Model, opt statespace.Options) (*statespace.Result, error) {
	w, err := c.model(m, true)
	if err != nil {
		return nil, err
	}
	return statespace.Check(w, opt)
}

func (c class[S]) replay(m *Model, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
	w, err := c.model(m, true)
	if err != nil {
		return nil, err
	}
	return statespace.Replay(w, init, steps, property, loop)
}

func (c class[S]) replayAs(m *Model, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
	w, err := c.model(m, true)
	if err != nil {
		return nil, err
	}
	return statespace.ReplayAs(w, init, steps, property, kind, loop)
}

func (c class[S]) graph(m *Model, max int) (*statespace.Graph, error) {
	w, err := c.model(m, false)
	if err != nil {
		return nil, err
	}
	return statespace.ExploreGraph(w, max)
}

// Check runs the checker on m with the state type of m's size class, with
// the symmetry reduction the spec declares (unless m is Unreduced).
func Check(m *Model, opt statespace.Options) (*statespace.Result, error) {
	r, err := runnerOf(m)
	if err != nil {
		return nil, err
	}
	return r.check(m, opt)
}

// Replay re-executes a saved counterexample against m (statespace.Replay).
func Replay(m *Model, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
	r, err := runnerOf(m)
	if err != nil {
		return nil, err
	}
	return r.replay(m, init, steps, property, loop)
}

// ReplayAs re-executes a saved counterexample of the given kind against m
// (statespace.ReplayAs).
func ReplayAs(m *Model, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
	r, err := runnerOf(m)
	if err != nil {
		return nil, err
	}
	return r.replayAs(m, init, steps, property, kind, loop)
}

// Graph explores m's whole state graph if it has at most max states
// (without symmetry reduction).
func Graph(m *Model, max int) (*statespace.Graph, error) {
	r, err := runnerOf(m)
	if err != nil {
		return nil, err
	}
	return r.graph(m, max)
}

// PropertyNames returns the names of m's properties, in order.
func (m *Model) PropertyNames() []string {
	var out []string
	for _, p := range m.c.props {
		out = append(out, p.name)
	}
	return out
}

// SafetyPropertyNames returns the names of m's invariants (built-in and
// the spec's own), in order.
func (m *Model) SafetyPropertyNames() []string {
	var out []string
	for _, p := range m.c.props {
		if p.exp == statespace.Always {
			out = append(out, p.name)
		}
	}
	return out
}
