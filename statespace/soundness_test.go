package statespace_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// twoTogglers is two interchangeable agents, each with a counter that
// starts at 1 or 0; an agent whose counter is not 0 toggles it between 1
// and 2 forever. The initial state (1, 0) is not canonical: the canonical
// form sorts the counters, (0, 1). Nothing ever brings both counters to 0,
// so "eventually both idle" fails on a lasso that starts in the raw initial
// state.
type twoTogglers struct{}

type togglersState struct{ C [2]uint8 }

func (twoTogglers) Init() []togglersState { return []togglersState{{C: [2]uint8{1, 0}}} }
func (twoTogglers) ActionNames() []string { return []string{"toggle[0]", "toggle[1]"} }
func (twoTogglers) Actions(s *togglersState, buf []statespace.Action) []statespace.Action {
	for i, c := range s.C {
		if c != 0 {
			buf = append(buf, statespace.Action(i))
		}
	}
	return buf
}
func (twoTogglers) Step(s *togglersState, a statespace.Action) togglersState {
	n := *s
	n.C[a] = 3 - n.C[a]
	return n
}
func (twoTogglers) Properties() []statespace.Property[togglersState] {
	return []statespace.Property[togglersState]{{
		Name: "eventually-both-idle", Expectation: statespace.Eventually,
		Holds: func(s *togglersState) bool { return s.C == [2]uint8{} },
	}}
}
func (twoTogglers) Canonical(s togglersState) togglersState {
	if s.C[0] > s.C[1] {
		s.C[0], s.C[1] = s.C[1], s.C[0]
	}
	return s
}

// A liveness lasso of a model with symmetry starts in the raw initial
// state, as the liveness graph does (it is not reduced), even when that
// state is not canonical: the lasso is reported and replays.
func TestLassoStartsInTheRawInitialStateUnderSymmetry(t *testing.T) {
	m := twoTogglers{}
	r, err := statespace.Check[togglersState](m, statespace.Options{})
	if err != nil {
		t.Fatalf("the lasso does not replay: %v", err)
	}
	if r.Status != statespace.StatusViolation || r.Violation.Kind != statespace.KindLiveness {
		t.Fatalf("status %s, violation %+v; want the liveness violation", r.Status, r.Violation)
	}
	tr := r.Violation.Trace
	if got := tr.Steps[0].State[0].Value; got != "1" {
		t.Errorf("the lasso starts in C[0] = %s, want the raw initial state (1, 0)\n%s", got, tr)
	}
	if _, err := statespace.Replay[togglersState](m, tr.InitIndex, replaySteps(tr), r.Violation.Property, tr.Loop); err != nil {
		t.Errorf("Replay rejects the lasso: %v\n%s", err, tr)
	}
}

// MaxStates stores exactly that many states when the state space does not
// fit, and the run (count, transitions, verdicts, per-action statistics) is
// the same for every number of workers: the bound is decided once the whole
// level that does not fit was generated from the level above it.
func TestMaxStatesStoresExactlyTheBoundForAnyWorkers(t *testing.T) {
	m, err := dmabufbench.New(6, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, bound := range []uint64{1, 1000, 100_000} {
		r := sameForAllWorkers(t, fmt.Sprintf("dmabuf-bench 6, max states %d", bound), checker[dmabufbench.State](m), statespace.Options{MaxStates: bound})
		if r.Status != statespace.StatusIncomplete || r.Incomplete != "max states" || r.Stats.States != bound {
			t.Errorf("max states %d: %s %q with %d states; want incomplete (max states) with exactly %d states", bound, r.Status, r.Incomplete, r.Stats.States, bound)
		}
	}
}

// The collision probability covers the run as a whole: with an Eventually
// property, the liveness pass fingerprints the unreduced graph too, so its
// states and edges count as well as those of the (reduced) safety search.
func TestCollisionProbabilityCoversTheLivenessPass(t *testing.T) {
	m := symCounters{counters{n: 4, k: 3, props: []statespace.Property[countersState]{{
		Name: "eventually-all-full", Expectation: statespace.Eventually,
		Holds: func(s *countersState) bool { return s.C == [maxCounters]uint8{3, 3, 3, 3} },
	}}}}
	r, err := statespace.Check[countersState](m, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Kind != statespace.KindLiveness {
		t.Fatalf("violation %+v; want the liveness pass to run and find the reset loop", r.Violation)
	}
	g, err := statespace.ExploreGraph[countersState](m, 1000) // unreduced, as the liveness pass
	if err != nil {
		t.Fatal(err)
	}
	estimate := func(n, g float64) float64 { return n * (g - n) / math.Exp2(64) }
	safety := estimate(float64(r.Stats.States), float64(r.Stats.Transitions))
	live := estimate(float64(len(g.States)), float64(len(g.Edges)))
	want := -math.Expm1(-(safety + live))
	if got := r.Stats.CollisionProbability(); math.Abs(got-want) > 1e-9*want {
		t.Errorf("collision probability %.6g; want %.6g (safety search %.3g + liveness pass %.3g)", got, want, safety, live)
	}
	full, err := statespace.Check[countersState](m, statespace.Options{FullState: true})
	if err != nil {
		t.Fatal(err)
	}
	if p := full.Stats.CollisionProbability(); p != 0 {
		t.Errorf("full-state mode: collision probability %g, want 0 (both passes compare states by value)", p)
	}
}

// replayEdited replays the steps of tr as a saved trace of the given
// property, kind and loop.
func replayEdited[S comparable](m statespace.Model[S], tr *statespace.Trace, property string, kind statespace.Kind, loop int) error {
	_, err := statespace.ReplayAs(m, tr.InitIndex, replaySteps(tr), property, kind, loop)
	return err
}

// A saved trace is confirmed only as the kind of violation it really
// shows: a trace whose kind, property or loop was edited by hand is
// rejected with the reason.
func TestReplayChecksTheTracesKind(t *testing.T) {
	inv := chain{limit: 10, props: []statespace.Property[chainState]{always("below 3", func(s *chainState) bool { return s.N < 3 })}}
	r := mustCheck(t, inv, statespace.Options{})
	invTr := r.Violation.Trace
	r = mustCheck(t, lockPair{}, statespace.Options{})
	dlTr := r.Violation.Trace
	live := fenceSys{fair: true, flicker: true}
	r = mustCheck(t, live, statespace.Options{})
	lasso, liveProp := r.Violation.Trace, r.Violation.Property

	for _, tc := range []struct {
		name string
		err  error
		want string // "" : confirmed
	}{
		{"invariant as it is", replayEdited(inv, invTr, "below 3", statespace.KindInvariant, -1), ""},
		{"deadlock as it is", replayEdited(lockPair{}, dlTr, statespace.DeadlockProperty, statespace.KindDeadlock, -1), ""},
		{"lasso as it is", replayEdited(live, lasso, liveProp, statespace.KindLiveness, lasso.Loop), ""},
		{"invariant relabelled deadlock", replayEdited(inv, invTr, "below 3", statespace.KindDeadlock, -1), "deadlocks are reported as the property"},
		{"invariant relabelled deadlock, property too", replayEdited(inv, invTr, statespace.DeadlockProperty, statespace.KindDeadlock, -1), "not a deadlock: inc is enabled there and changes the state"},
		{"invariant relabelled lasso", replayEdited(inv, invTr, "below 3", statespace.KindLiveness, 0), "not an eventually property"},
		{"invariant given a loop", replayEdited(inv, invTr, "below 3", statespace.KindInvariant, 1), "only a liveness counterexample has a loop"},
		{"deadlock relabelled invariant", replayEdited(lockPair{}, dlTr, statespace.DeadlockProperty, statespace.KindInvariant, -1), "not an always property"},
		{"lasso relabelled invariant", replayEdited(live, lasso, liveProp, statespace.KindInvariant, -1), "not an always property"},
		{"lasso without its loop", replayEdited(live, lasso, liveProp, statespace.KindLiveness, -1), "needs a loop index"},
		{"lasso with the loop moved", replayEdited(live, lasso, liveProp, statespace.KindLiveness, lasso.Loop+1), "does not close"},
		{"lasso with an empty loop", replayEdited(live, lasso, liveProp, statespace.KindLiveness, lasso.Len()), "the loop is empty"},
		{"unknown kind", replayEdited(inv, invTr, "below 3", "example", -1), "unknown kind"},
	} {
		switch {
		case tc.want == "" && tc.err != nil:
			t.Errorf("%s: rejected: %v", tc.name, tc.err)
		case tc.want != "" && (tc.err == nil || !strings.Contains(tc.err.Error(), tc.want)):
			t.Errorf("%s: error %v; want one saying %q", tc.name, tc.err, tc.want)
		}
	}
}

// A lasso is confirmed only if its loop is fair: a loop in which the
// fairly scheduled signaller is enabled all along but never taken is not a
// behaviour the property is judged on.
func TestReplayRejectsAnUnfairLoop(t *testing.T) {
	unfair := mustCheck(t, fenceSys{}, statespace.Options{}).Violation.Trace // user_spin forever
	if err := replayEdited[fenceState](fenceSys{}, unfair, "fence-eventually-signalled", statespace.KindLiveness, unfair.Loop); err != nil {
		t.Fatalf("without fairness the spinning loop is a counterexample: %v", err)
	}
	err := replayEdited[fenceState](fenceSys{fair: true}, unfair, "fence-eventually-signalled", statespace.KindLiveness, unfair.Loop)
	if err == nil || !strings.Contains(err.Error(), "not fair to signaller") {
		t.Errorf("the spinning loop replayed under fairness of the signaller: %v", err)
	}
}

// triggeredFence judges "once armed, the fence is eventually signalled":
// a lasso in which the fence is never armed does not violate it.
type triggeredFence struct{ fenceSys }

func (triggeredFence) Properties() []statespace.Property[fenceState] {
	return []statespace.Property[fenceState]{{
		Name: "armed-fence-eventually-signalled", Expectation: statespace.Eventually,
		Holds:   func(s *fenceState) bool { return s.Signalled == 1 },
		Trigger: func(s *fenceState) bool { return s.Armed == 1 },
	}}
}

// A lasso is confirmed only if the property was triggered before its loop,
// in a state from which it stays false.
func TestReplayRejectsALassoNeverTriggered(t *testing.T) {
	m := triggeredFence{fenceSys{userGate: true}}
	spin := mustCheck(t, fenceSys{userGate: true}, statespace.Options{}).Violation.Trace // never armed
	if err := replayEdited[fenceState](fenceSys{userGate: true}, spin, "fence-eventually-signalled", statespace.KindLiveness, spin.Loop); err != nil {
		t.Fatalf("the untriggered loop violates the untriggered property: %v", err)
	}
	err := replayEdited[fenceState](m, spin, "armed-fence-eventually-signalled", statespace.KindLiveness, spin.Loop)
	if err == nil || !strings.Contains(err.Error(), "is not triggered") {
		t.Errorf("a lasso where the fence is never armed replayed as a violation of %q: %v", "armed-fence-eventually-signalled", err)
	}
}

// spinLock is a process that takes a lock nobody releases and then spins on
// it forever: after "acquire", its only enabled action, "spin", leads back
// to the same state. Nothing is stuck (an action is always enabled), but
// nothing changes either: a deadlock for Murphi and Rumur (stuttering), not
// for SPIN (stuck). With end, the spinning state is a valid end state.
type spinLock struct{ end, fair bool }

type spinState struct{ PC uint8 }

func (spinLock) Init() []spinState     { return []spinState{{}} }
func (spinLock) ActionNames() []string { return []string{"acquire", "spin"} }
func (spinLock) Actions(s *spinState, buf []statespace.Action) []statespace.Action {
	return append(buf, statespace.Action(s.PC)) // acquire at 0, spin at 1
}
func (spinLock) Step(s *spinState, a statespace.Action) spinState {
	return spinState{PC: 1}
}
func (spinLock) Properties() []statespace.Property[spinState] {
	return []statespace.Property[spinState]{{
		Name: "eventually-released", Expectation: statespace.Eventually,
		Holds: func(s *spinState) bool { return s.PC == 2 },
	}}
}
func (m spinLock) ValidEnd(*spinState) bool { return m.end }
func (m spinLock) Fairness() []statespace.Fairness {
	if !m.fair {
		return nil
	}
	return []statespace.Fairness{{Name: "spinner", Actions: []statespace.Action{1}}}
}

// The two notions of deadlock differ on a state whose only enabled action
// is a self-loop: DeadlockStutter reports it (and the trace replays as a
// deadlock), DeadlockStuck does not, DeadlockOff and NoDeadlock check
// nothing, and a valid end state is no deadlock in any mode.
func TestDeadlockStutterReportsAStateNoActionChanges(t *testing.T) {
	only := []string{statespace.DeadlockProperty}
	r := mustCheck(t, spinLock{}, statespace.Options{Deadlock: statespace.DeadlockStutter, Only: only})
	checkViolation(t, r, statespace.DeadlockProperty, statespace.KindDeadlock, 1)
	tr := r.Violation.Trace
	if err := replayEdited[spinState](spinLock{}, tr, statespace.DeadlockProperty, statespace.KindDeadlock, -1); err != nil {
		t.Errorf("the stuttering deadlock does not replay: %v", err)
	}
	for _, opt := range []statespace.Options{
		{Only: only},
		{Deadlock: statespace.DeadlockStuck, Only: only},
		{Deadlock: statespace.DeadlockOff, Only: only},
		{NoDeadlock: true, Deadlock: statespace.DeadlockStutter, Only: only},
	} {
		if r := mustCheck(t, spinLock{}, opt); r.Violation != nil {
			t.Errorf("%+v: %s violated; want no deadlock (the state is not stuck)", opt, r.Violation.Property)
		}
	}
	if r := mustCheck(t, spinLock{end: true}, statespace.Options{Deadlock: statespace.DeadlockStutter, Only: only}); r.Status != statespace.StatusOK {
		t.Errorf("a valid end state reported as a stuttering deadlock: %s %+v", r.Status, r.Violation)
	}
	if _, err := statespace.Check[spinState](spinLock{}, statespace.Options{Deadlock: 7}); err == nil {
		t.Errorf("an unknown deadlock mode was accepted")
	}
}

// In the liveness pass a state with enabled actions never stutters: the
// spinning state's self-loop is a real cycle, and a fairness group taken on
// a self-loop counts as taken, so the lasso loops on "spin" under fairness
// of the spinner too.
func TestSelfLoopIsACycleAndTakesItsFairnessGroup(t *testing.T) {
	for _, fair := range []bool{false, true} {
		r := mustCheck(t, spinLock{fair: fair}, statespace.Options{Only: []string{"eventually-released"}})
		if r.Violation == nil || r.Violation.Kind != statespace.KindLiveness {
			t.Fatalf("fair %v: violation %+v; want the spinning lasso", fair, r.Violation)
		}
		tr := r.Violation.Trace
		if tr.Stutter || tr.Loop != 1 || tr.Len() != 2 || tr.Labels()[1] != "spin" {
			t.Errorf("fair %v: loop %d, stutter %v, labels %v; want acquire then the spin self-loop\n%s", fair, tr.Loop, tr.Stutter, tr.Labels(), tr)
		}
	}
}

// German's protocol has no deadlock in either sense, as Rumur (stuttering,
// its default) reports: the stuttering check finds none and visits the same
// states.
func TestGermanHasNoStutteringDeadlock(t *testing.T) {
	m, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	r := sameForAllWorkers(t, "german 3, stuttering deadlocks", checker[german.State](m), statespace.Options{Deadlock: statespace.DeadlockStutter})
	if r.Status != statespace.StatusOK || r.Stats.States != 58077 {
		t.Errorf("german 3 with DeadlockStutter: %s %+v, %d states", r.Status, r.Violation, r.Stats.States)
	}
}

// A swarm member honours the memory budget and reports progress, as the
// exhaustive search does, instead of ignoring them.
func TestSwarmHonoursMemoryBudgetAndProgress(t *testing.T) {
	m := scramble{seed: 3, size: 150000, k: 4, inits: []uint32{1}}
	calls := 0
	r, err := statespace.Check[scrState](m, statespace.Options{
		Swarm:        &statespace.SwarmOptions{Shard: 1, Shards: 1, Walks: 20000, Depth: 1000},
		NoDeadlock:   true,
		MemoryBudget: 1,
		Progress:     func(statespace.Progress) { calls++ }, ProgressInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "memory budget" {
		t.Errorf("status %s %q; want incomplete: memory budget", r.Status, r.Incomplete)
	}
	if calls == 0 {
		t.Errorf("no progress reported")
	}
}

// A swarm member finds stuttering deadlocks in DeadlockStutter mode, and
// its trace replays.
func TestSwarmFindsStutteringDeadlocks(t *testing.T) {
	r, err := statespace.Check[spinState](spinLock{}, statespace.Options{
		Swarm:    &statespace.SwarmOptions{Shard: 1, Shards: 1, Walks: 10, Depth: 10},
		Deadlock: statespace.DeadlockStutter, Only: []string{statespace.DeadlockProperty},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkViolation(t, r, statespace.DeadlockProperty, statespace.KindDeadlock, 1)
}
