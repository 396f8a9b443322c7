package germanrules_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/internal/rumur"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/refmodels/germanrules"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// The rules version reaches exactly the states, through exactly the
// transitions, of the hand-packed refmodels/german, and every rule
// instance is enabled and changes the state as often (which instance first
// reaches a state depends on the fingerprints, so Stats.Actions[].New
// differs); both invariants hold and every rule fires.
func TestSameCountsAsHandWritten(t *testing.T) {
	for _, nodes := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("nodes=", nodes), func(t *testing.T) {
			m, err := germanrules.New(nodes)
			require.NoError(t, err)
			h, err := german.New(nodes)
			require.NoError(t, err)
			r := statespacetest.AssertHolds(t, m, statespace.Options{})
			want := statespacetest.AssertHolds(t, h, statespace.Options{})
			if r.Stats.States != want.Stats.States || r.Stats.Transitions != want.Stats.Transitions || r.Stats.MaxDepth != want.Stats.MaxDepth {
				t.Errorf("rules: %d states, %d transitions, depth %d; hand-written: %d, %d, %d",
					r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, want.Stats.States, want.Stats.Transitions, want.Stats.MaxDepth)
			}
			for a := range want.Stats.Actions {
				g, w := r.Stats.Actions[a], want.Stats.Actions[a]
				if g.Enabled != w.Enabled || g.Changed != w.Changed {
					t.Errorf("%s enabled %d, changed %d; hand-written %s: %d, %d", g.Name, g.Enabled, g.Changed, w.Name, w.Enabled, w.Changed)
				}
			}
			if nodes > 1 {
				statespacetest.AssertNoVacuity(t, r)
			}
		})
	}
}

// TestSameCountsAsRumur runs Rumur on the Murphi original and requires the
// rules version to reach as many states through as many rule firings.
func TestSameCountsAsRumur(t *testing.T) {
	for _, nodes := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("nodes=", nodes), func(t *testing.T) {
			m, err := germanrules.New(nodes)
			if err != nil {
				t.Fatal(err)
			}
			rumur.CheckSameCounts(t, "../german/testdata/german.m", map[string]string{
				"const NODES : 3;": fmt.Sprintf("const NODES : %d;", nodes),
			}, m)
		})
	}
}

func TestNewRejectsBadNodeCounts(t *testing.T) {
	for _, n := range []int{-1, 0, germanrules.MaxNodes + 1} {
		_, err := germanrules.New(n)
		assert.ErrorContains(t, err, "nodes must be 1..8", "New(%d)", n)
	}
}
