package german_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/internal/rumur"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestSameCountsAsRumur runs the independent checker Rumur on the Murphi
// original (testdata/german.m) and requires the Go model to reach exactly
// as many states through exactly as many rule firings.
func TestSameCountsAsRumur(t *testing.T) {
	for _, nodes := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("nodes=", nodes), func(t *testing.T) {
			m, err := german.New(nodes)
			if err != nil {
				t.Fatal(err)
			}
			rumur.CheckSameCounts(t, "testdata/german.m", map[string]string{
				"const NODES : 3;": fmt.Sprintf("const NODES : %d;", nodes),
			}, m)
		})
	}
}

// TestSymmetryMatchesRumurScalarset cross-checks the Go model's symmetry
// reduction with Rumur's: testdata/german_scalarset.m is german.m with NODE
// a scalarset (and "no node" in CurPtr the undefined value). Without
// symmetry reduction Rumur must reach as many states through as many rule
// firings on it as the unreduced Go model (so it is the same protocol;
// checked for 2 and 3 nodes);
// with --symmetry-reduction exhaustive Rumur must store exactly as many
// states, through as many rule firings, as the Go search with the exact
// canonical form (one state per orbit).
func TestSymmetryMatchesRumurScalarset(t *testing.T) {
	for _, nodes := range []int{2, 3, 4} {
		t.Run(fmt.Sprint("nodes=", nodes), func(t *testing.T) {
			subst := map[string]string{"const NODES : 3;": fmt.Sprintf("const NODES : %d;", nodes)}
			for _, tc := range []struct {
				symmetry string
				model    func() (*statespace.Result, error)
			}{
				{"off", func() (*statespace.Result, error) {
					m, err := german.New(nodes)
					if err != nil {
						return nil, err
					}
					return statespace.Check[german.State](m, statespace.Options{NoDeadlock: true})
				}},
				{"exhaustive", func() (*statespace.Result, error) {
					m, err := german.NewSymmetric(nodes)
					if err != nil {
						return nil, err
					}
					return statespace.Check[german.State](m, statespace.Options{NoDeadlock: true})
				}},
			} {
				if tc.symmetry == "off" && nodes == 4 {
					continue // 30 s of Rumur; nodes 2 and 3 already show it is the same protocol
				}
				want := rumur.RunWith(t, "testdata/german_scalarset.m", subst, rumur.Options{Symmetry: tc.symmetry})
				res, err := tc.model()
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("symmetry %s: Rumur %d states, %d rules fired (%v); Go %d states, %d transitions",
					tc.symmetry, want.States, want.RulesFired, want.Elapsed.Round(time.Millisecond), res.Stats.States, res.Stats.Transitions)
				rumur.AssertSameCounts(t, res, want)
			}
		})
	}
}
