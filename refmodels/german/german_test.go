package german

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// The state and transition counts equal the numbers Rumur reports "states" and "rules fired"
// for german.m, and both invariants hold.
func TestPinnedCounts(t *testing.T) {
	for _, tc := range []struct {
		nodes       int
		states      uint64
		transitions uint64
	}{
		{2, 3381, 9888},
		{3, 58077, 235764},
	} {
		t.Run(fmt.Sprintf("nodes=%d", tc.nodes), func(t *testing.T) {
			m, err := New(tc.nodes)
			require.NoError(t, err)
			r := statespacetest.AssertHolds(t, m, statespace.Options{})
			assert.Equal(t, [2]uint64{tc.states, tc.transitions}, [2]uint64{r.Stats.States, r.Stats.Transitions}, "states and transitions")
			statespacetest.AssertNoVacuity(t, r)
		})
	}
}

func TestNewRejectsBadNodeCounts(t *testing.T) {
	for _, n := range []int{-1, 0, MaxNodes + 1} {
		_, err := New(n)
		assert.ErrorContains(t, err, "nodes must be 1..8", "New(%d)", n)
	}
	m, err := New(MaxNodes)
	require.NoError(t, err)
	assert.Len(t, m.ActionNames(), MaxNodes*(int(numRules)+1))
}

// The hand-optimised Actions returns exactly the rule instances whose
// guard (the rule-for-rule translation of german.m) holds, in action table
// order, in every reachable state; and the action table names each
// instance by its rule.
func TestActionsMatchGuards(t *testing.T) {
	for _, nodes := range []int{1, 2, 3} {
		m, err := New(nodes)
		if err != nil {
			t.Fatal(err)
		}
		for a, in := range m.table {
			if want := ruleNames[in.rule]; m.names[a][:len(want)] != want {
				t.Errorf("action %d is %s, table says %s", a, m.names[a], want)
			}
		}
		seen := map[State]bool{}
		queue := m.Init()
		for _, s := range queue {
			seen[s] = true
		}
		var buf []statespace.Action
		for len(queue) > 0 {
			s := queue[0]
			queue = queue[1:]
			buf = m.Actions(&s, buf[:0])
			var want []statespace.Action
			for a, in := range m.table {
				if m.guard(&s, in) {
					want = append(want, statespace.Action(a))
				}
			}
			if !slices.Equal(buf, want) {
				t.Fatalf("nodes=%d: in state %+v Actions = %v, guards say %v", nodes, m.Describe(&s), names(m, buf), names(m, want))
			}
			for _, a := range buf {
				n := m.Step(&s, a)
				if !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
		r, err := statespace.Check(m, statespace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if uint64(len(seen)) != r.Stats.States {
			t.Errorf("nodes=%d: the test's own search found %d states, Check %d", nodes, len(seen), r.Stats.States)
		}
	}
}

func names(m *Model, acts []statespace.Action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, m.names[a])
	}
	return out
}
