package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Check runs the checker on m with the state type of m's size class, with
// the symmetry reduction the spec declares (unless m is Unreduced).
func Check(m *Model, opt statespace.Options) (*statespace.Result, error) {
	switch classOf(m.c.lay.size) {
	case 16:
		return check[[16]byte](m, opt)
	case 32:
		return check[[32]byte](m, opt)
	case 48:
		return check[[48]byte](m, opt)
	case 64:
		return check[[64]byte](m, opt)
	case 96:
		return check[[96]byte](m, opt)
	case 128:
		return check[[128]byte](m, opt)
	}
	return nil, fmt.Errorf("world %s: no state type for %d bytes", m.c.spec.Name, m.c.lay.size)
}

func check[S Bytes](m *Model, opt statespace.Options) (*statespace.Result, error) {
	w, err := As[S](m)
	if err != nil {
		return nil, err
	}
	if m.reduces() {
		return statespace.Check[S](Reduced[S]{w}, opt)
	}
	return statespace.Check[S](w, opt)
}

// Replay re-executes a saved counterexample against m (statespace.Replay).
func Replay(m *Model, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
	switch classOf(m.c.lay.size) {
	case 16:
		return replay[[16]byte](m, init, steps, property, loop)
	case 32:
		return replay[[32]byte](m, init, steps, property, loop)
	case 48:
		return replay[[48]byte](m, init, steps, property, loop)
	case 64:
		return replay[[64]byte](m, init, steps, property, loop)
	case 96:
		return replay[[96]byte](m, init, steps, property, loop)
	case 128:
		return replay[[128]byte](m, init, steps, property, loop)
	}
	return nil, fmt.Errorf("world %s: no state type for %d bytes", m.c.spec.Name, m.c.lay.size)
}

func replay[S Bytes](m *Model, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
	w, err := As[S](m)
	if err != nil {
		return nil, err
	}
	if m.reduces() {
		return statespace.Replay[S](Reduced[S]{w}, init, steps, property, loop)
	}
	return statespace.Replay[S](w, init, steps, property, loop)
}

// Graph explores m's whole state graph if it has at most max states
// (without symmetry reduction).
func Graph(m *Model, max int) (*statespace.Graph, error) {
	switch classOf(m.c.lay.size) {
	case 16:
		return graph[[16]byte](m, max)
	case 32:
		return graph[[32]byte](m, max)
	case 48:
		return graph[[48]byte](m, max)
	case 64:
		return graph[[64]byte](m, max)
	case 96:
		return graph[[96]byte](m, max)
	case 128:
		return graph[[128]byte](m, max)
	}
	return nil, fmt.Errorf("world %s: no state type for %d bytes", m.c.spec.Name, m.c.lay.size)
}

func graph[S Bytes](m *Model, max int) (*statespace.Graph, error) {
	w, err := As[S](m)
	if err != nil {
		return nil, err
	}
	return statespace.ExploreGraph[S](w, max)
}

// ReplayAs re-executes a saved counterexample of the given kind against m
// (statespace.ReplayAs).
func ReplayAs(m *Model, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
	switch classOf(m.c.lay.size) {
	case 16:
		return replayAs[[16]byte](m, init, steps, property, kind, loop)
	case 32:
		return replayAs[[32]byte](m, init, steps, property, kind, loop)
	case 48:
		return replayAs[[48]byte](m, init, steps, property, kind, loop)
	case 64:
		return replayAs[[64]byte](m, init, steps, property, kind, loop)
	case 96:
		return replayAs[[96]byte](m, init, steps, property, kind, loop)
	case 128:
		return replayAs[[128]byte](m, init, steps, property, kind, loop)
	}
	return nil, fmt.Errorf("world %s: no state type for %d bytes", m.c.spec.Name, m.c.lay.size)
}

func replayAs[S Bytes](m *Model, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
	w, err := As[S](m)
	if err != nil {
		return nil, err
	}
	if m.reduces() {
		return statespace.ReplayAs[S](Reduced[S]{w}, init, steps, property, kind, loop)
	}
	return statespace.ReplayAs[S](w, init, steps, property, kind, loop)
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
