package german

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The canonical form is exact (issue 10), proven by symmetrytest on the
// whole node-permutation group: the model is symmetric under every
// permutation of the client nodes (reachable states, properties, valid
// ends and successor orbits agree), Canonical picks one member of each
// orbit, the same for all its members, and the reduced search stores
// exactly one state per orbit, the orbits adding up to the unreduced
// count. TestSymmetryMatchesRumurScalarset (rumur_test.go) checks the
// orbit counts against Rumur's exhaustive symmetry reduction of the
// scalarset version of german.m.
func TestSymmetryReductionIsExact(t *testing.T) {
	for _, tc := range []struct {
		nodes          int
		states, orbits int
	}{
		{2, 3381, 1698},
		{3, 58077, 10460},
		{4, 1105353, 56161},
	} {
		t.Run(fmt.Sprint("nodes=", tc.nodes), func(t *testing.T) {
			sym, err := NewSymmetric(tc.nodes)
			if err != nil {
				t.Fatal(err)
			}
			var perms []func(State) State
			for _, p := range symmetrytest.Permutations(tc.nodes)[1:] {
				perms = append(perms, func(s State) State { return sym.Permute(s, p) })
			}
			c := symmetrytest.AssertExact[State](t, sym.Model, sym, perms, statespace.Options{})
			if c.States != tc.states || c.Orbits != tc.orbits {
				t.Errorf("%s; want %d states, %d orbits", c, tc.states, tc.orbits)
			}
			t.Logf("%s; group of %d", c, len(perms)+1)
		})
	}
}
