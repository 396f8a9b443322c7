package statespace_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// walkers: n processes, each counting from 0 to k and stopping there; inc[i]
// moves process i. Steps of different processes are independent, and none
// lies on a cycle. The properties read process 0 only, so inc[i] for i > 0
// is invisible and an ample set on its own.
type walkers struct {
	n     int
	k     uint8
	props []statespace.Property[countersState]
}

func (w walkers) Init() []countersState { return []countersState{{}} }
func (w walkers) ActionNames() []string {
	var out []string
	for i := range w.n {
		out = append(out, fmt.Sprintf("inc[%d]", i))
	}
	return out
}
func (w walkers) Actions(s *countersState, buf []statespace.Action) []statespace.Action {
	for i := range w.n {
		if s.C[i] < w.k {
			buf = append(buf, statespace.Action(i))
		}
	}
	return buf
}
func (w walkers) Step(s *countersState, a statespace.Action) countersState {
	n := *s
	n.C[a]++
	return n
}
func (w walkers) Properties() []statespace.Property[countersState] { return w.props }
func (w walkers) ValidEnd(*countersState) bool                     { return true }

// Ample: the step of the first process other than 0 that can still move.
func (w walkers) Ample(s *countersState, enabled, buf []statespace.Action) []statespace.Action {
	for _, a := range enabled {
		if a != 0 {
			return append(buf, a)
		}
	}
	return append(buf, enabled...)
}

func walkersWith(p ...statespace.Property[countersState]) walkers {
	return walkers{n: 4, k: 3, props: p}
}

func stepsOf(t *statespace.Trace) string {
	if t == nil {
		return "no trace"
	}
	s := ""
	for _, st := range t.Steps {
		s += fmt.Sprintf("%d/%x ", st.Action, st.Fingerprint)
	}
	return s
}

// A violation found by the reduced search (at a depth greater than the
// shortest) is reported with the unreduced search's result: the same
// shortest counterexample and the same counts, for any number of workers.
func TestPartialOrderReportsTheUnreducedShortestCounterexample(t *testing.T) {
	m := walkersWith(statespace.Property[countersState]{Name: "p0-below-k", Expectation: statespace.Always,
		Holds: func(s *countersState) bool { return s.C[0] < 3 }})
	full, err := statespace.Check[countersState](m, statespace.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if full.Violation == nil || full.Violation.Trace.Len() != 3 {
		t.Fatalf("unreduced: %+v", full.Violation)
	}
	for workers := 1; workers <= 4; workers++ {
		red, err := statespace.Check[countersState](m, statespace.Options{Workers: workers, PartialOrder: true})
		if err != nil {
			t.Fatal(err)
		}
		if red.PartialOrder == nil || !red.PartialOrder.Applied || !red.PartialOrder.Rerun {
			t.Fatalf("workers %d: partial order %+v", workers, red.PartialOrder)
		}
		if red.PartialOrder.RerunDepth <= 3 {
			t.Errorf("the reduced search found the violation at depth %d: the test would not show the re-run", red.PartialOrder.RerunDepth)
		}
		if got, want := stepsOf(red.Violation.Trace), stepsOf(full.Violation.Trace); got != want {
			t.Errorf("workers %d: trace %s, unreduced %s", workers, got, want)
		}
		if red.Stats.States != full.Stats.States || red.Stats.Transitions != full.Stats.Transitions {
			t.Errorf("workers %d: %d states %d transitions, unreduced %d %d", workers, red.Stats.States, red.Stats.Transitions, full.Stats.States, full.Stats.Transitions)
		}
	}
}

// When every property holds, the reduced search decides them with fewer
// states, and the examples of Sometimes properties are the unreduced
// search's; the counts are the same for any number of workers.
func TestPartialOrderReducesAndKeepsExamples(t *testing.T) {
	m := walkersWith(
		statespace.Property[countersState]{Name: "p0-at-most-k", Expectation: statespace.Always, Holds: func(s *countersState) bool { return s.C[0] <= 3 }},
		statespace.Property[countersState]{Name: "p0-moves", Expectation: statespace.Sometimes, Holds: func(s *countersState) bool { return s.C[0] == 2 }},
	)
	full, err := statespace.Check[countersState](m, statespace.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	var first *statespace.PartialOrderStats
	for workers := 1; workers <= 4; workers++ {
		red, err := statespace.Check[countersState](m, statespace.Options{Workers: workers, PartialOrder: true})
		if err != nil {
			t.Fatal(err)
		}
		if red.Status != statespace.StatusOK {
			t.Fatalf("status %s", red.Status)
		}
		for i, p := range red.Properties {
			q := full.Properties[i]
			if p.Verdict != q.Verdict || stepsOf(p.Trace) != stepsOf(q.Trace) {
				t.Errorf("%s: %s %s, unreduced %s %s", p.Name, p.Verdict, stepsOf(p.Trace), q.Verdict, stepsOf(q.Trace))
			}
		}
		po := red.PartialOrder
		if po.States*10 > full.Stats.States {
			t.Errorf("reduced search: %d states, unreduced %d: not 10× fewer", po.States, full.Stats.States)
		}
		if first == nil {
			first = po
		} else if po.States != first.States || po.Transitions != first.Transitions {
			t.Errorf("workers %d: %d states %d transitions, 1 worker %d %d", workers, po.States, po.Transitions, first.States, first.Transitions)
		}
		for i, a := range red.Stats.Actions {
			if (a.Enabled == 0) != (full.Stats.Actions[i].Enabled == 0) {
				t.Errorf("action %s: enabled %d times reduced, %d unreduced", a.Name, a.Enabled, full.Stats.Actions[i].Enabled)
			}
		}
	}
}

// The examples' re-run ends after the level in which the last example is
// reached: the reduced search reaches walker 2's third step only after the
// other walkers' (depth 11), the unreduced one at depth 3, and the re-run
// stores the states up to depth 4 only (the successors of level 3 are
// stored while level 3 is checked), not the 11 levels it is bounded to.
// The examples are still the unreduced search's.
func TestPartialOrderReRunStopsAtTheLastExample(t *testing.T) {
	m := walkersWith(
		statespace.Property[countersState]{Name: "p0-moves", Expectation: statespace.Sometimes, Holds: func(s *countersState) bool { return s.C[0] == 2 }},
		statespace.Property[countersState]{Name: "p2-moves", Expectation: statespace.Sometimes, Holds: func(s *countersState) bool { return s.C[2] == 3 }},
	)
	full, err := statespace.Check[countersState](m, statespace.Options{Workers: 1})
	require.NoError(t, err)
	upTo4, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, MaxDepth: 4, Only: []string{"p0-moves", "p2-moves"}, Deadlock: statespace.DeadlockOff})
	require.NoError(t, err)
	upTo11, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, MaxDepth: 11, Only: []string{"p0-moves", "p2-moves"}, Deadlock: statespace.DeadlockOff})
	require.NoError(t, err)
	for workers := 1; workers <= 2; workers++ {
		red, err := statespace.Check[countersState](m, statespace.Options{Workers: workers, PartialOrder: true})
		require.NoError(t, err)
		po := red.PartialOrder
		require.True(t, po.Rerun)
		assert.Equal(t, 11, po.RerunDepth, "the reduced search's deepest example")
		assert.Equal(t, upTo4.Stats.States, po.RerunStates, "the re-run stores the levels up to the unreduced examples' depth, 3, and their successors")
		assert.Less(t, po.RerunStates, upTo11.Stats.States)
		for i, p := range red.Properties {
			assert.Equal(t, stepsOf(full.Properties[i].Trace), stepsOf(p.Trace), p.Name)
		}
	}
}

// Stuttering deadlocks are not preserved by the reduction: it is not used
// with them, and the result says why.
func TestPartialOrderNotUsedWithStutteringDeadlocks(t *testing.T) {
	m := walkersWith()
	res, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, PartialOrder: true, Deadlock: statespace.DeadlockStutter})
	if err != nil {
		t.Fatal(err)
	}
	if res.PartialOrder == nil || res.PartialOrder.Applied || res.PartialOrder.NotApplied == "" {
		t.Fatalf("partial order %+v", res.PartialOrder)
	}
	full, _ := statespace.Check[countersState](m, statespace.Options{Workers: 1, Deadlock: statespace.DeadlockStutter})
	if !reflect.DeepEqual(res.Stats.States, full.Stats.States) {
		t.Errorf("%d states, unreduced %d", res.Stats.States, full.Stats.States)
	}
}

// countingWalkers counts, per action, the expanded states that enable it:
// the checker calls Actions once for every state it expands.
type countingWalkers struct {
	walkers
	seen []uint64
}

func (w countingWalkers) Actions(s *countersState, buf []statespace.Action) []statespace.Action {
	buf = w.walkers.Actions(s, buf)
	for _, a := range buf {
		w.seen[a]++
	}
	return buf
}

// Under the reduction, an action's Enabled count is the number of
// expanded states that enable it, whether the ample set took it or not;
// Changed counts only the steps taken.
func TestPartialOrderCountsEveryEnabledAction(t *testing.T) {
	m := countingWalkers{walkers: walkersWith(statespace.Property[countersState]{Name: "p0-at-most-k", Expectation: statespace.Always,
		Holds: func(s *countersState) bool { return s.C[0] <= 3 }}), seen: make([]uint64, 4)}
	red, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, PartialOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if red.PartialOrder == nil || red.PartialOrder.States >= 256 {
		t.Fatalf("the reduction did not run: %+v", red.PartialOrder)
	}
	for i, a := range red.Stats.Actions {
		if a.Enabled != m.seen[i] {
			t.Errorf("%s: Enabled %d, enabled in %d expanded states", a.Name, a.Enabled, m.seen[i])
		}
	}
}

// focusWalkers are walkers whose properties read process 0 and process 1:
// inc[1] is visible while p1-at-most-k is checked, and the model's
// PartialOrderFor lets it be ample when it is not. asked records the
// names the checker passed.
type focusWalkers struct {
	walkers
	asked *[][]string
}

// Ample: the step of the first process other than 0 and 1 that can move.
func (w focusWalkers) Ample(s *countersState, enabled, buf []statespace.Action) []statespace.Action {
	for _, a := range enabled {
		if a > 1 {
			return append(buf, a)
		}
	}
	return append(buf, enabled...)
}

func (w focusWalkers) PartialOrderFor(checked []string) statespace.PartialOrder[countersState] {
	*w.asked = append(*w.asked, append([]string(nil), checked...))
	for _, n := range checked {
		if n == "p1-at-most-k" {
			return w
		}
	}
	return w.walkers // inc[1] is invisible: walkers' Ample takes it alone
}

// The checker asks a PartialOrderFocus model for the reduction of the
// properties it checks (Options.Only, in the model's order, deadlock not
// among them) and uses what it returns: without p1-at-most-k, inc[1] is
// invisible and the reduced search stores fewer states, with the same
// verdicts as the unreduced one.
func TestPartialOrderFocusGetsTheCheckedProperties(t *testing.T) {
	var asked [][]string
	m := focusWalkers{walkersWith(
		statespace.Property[countersState]{Name: "p0-at-most-k", Expectation: statespace.Always, Holds: func(s *countersState) bool { return s.C[0] <= 3 }},
		statespace.Property[countersState]{Name: "p1-at-most-k", Expectation: statespace.Always, Holds: func(s *countersState) bool { return s.C[1] <= 3 }},
	), &asked}
	all, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, PartialOrder: true})
	require.NoError(t, err)
	only := []string{"deadlock", "p0-at-most-k"}
	focused, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, PartialOrder: true, Only: only})
	require.NoError(t, err)
	full, err := statespace.Check[countersState](m, statespace.Options{Workers: 1, Only: only})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"p0-at-most-k", "p1-at-most-k"}, {"p0-at-most-k"}}, asked)
	assert.Equal(t, statespace.StatusOK, focused.Status)
	assert.Equal(t, full.Status, focused.Status)
	assert.Less(t, focused.PartialOrder.States, all.PartialOrder.States, "inc[1] ample once p1-at-most-k is not checked")
	t.Logf("%d states unreduced, %d reduced for both properties, %d for p0-at-most-k alone", full.Stats.States, all.PartialOrder.States, focused.PartialOrder.States)
}
