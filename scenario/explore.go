package scenario

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/explore"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// exploreOf is the Explore closure of a scenario whose model build makes.
func exploreOf[S comparable](build func(v Values) (statespace.Model[S], error)) func(v Values) (explore.Model, error) {
	return func(v Values) (explore.Model, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return explore.Of(m), nil
	}
}

// exploreWorld is the Explore closure of a world scenario: the world over
// the state type of its size class, with the symmetry reduction world.Check
// applies (so that the counterexamples the explorer finds are check run's).
func exploreWorld(build func(v Values) (*world.Model, error)) func(v Values) (explore.Model, error) {
	return func(v Values) (explore.Model, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		// One entry per type of world.Bytes; As refuses every class but m's.
		for _, as := range []func(*world.Model) (explore.Model, error){
			worldAs[[16]byte], worldAs[[32]byte], worldAs[[48]byte], worldAs[[64]byte], worldAs[[96]byte], worldAs[[128]byte],
		} {
			if x, err := as(m); err == nil {
				return x, nil
			}
		}
		return nil, fmt.Errorf("world %s: no state type for %d bytes", m.Spec().Name, m.Size())
	}
}

// worldAs is m over S for the explorer, or an error when S is not m's
// size class.
func worldAs[S world.Bytes](m *world.Model) (explore.Model, error) {
	if m.Symmetric() {
		r, err := world.AsReduced[S](m)
		if err != nil {
			return nil, err
		}
		return explore.Of[S](r), nil
	}
	w, err := world.As[S](m)
	if err != nil {
		return nil, err
	}
	return explore.Of[S](w), nil
}
