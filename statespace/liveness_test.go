package statespace_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// fenceSys is a fence F that a signaller may signal, next to a user-space
// agent that can spin (change its own counter mod 2) forever, and, with
// userGate, a signaller that needs the user to "arm" it first (an
// indefinite fence: the user may never arm it, and may even exit).
type fenceSys struct {
	fair     bool // declare weak fairness for the signaller
	userGate bool // the signaller needs the user to arm it
	canExit  bool // the user may exit (no action left for it)
	flicker  bool // the signaller is enabled only every other user step
	noSpin   bool // the user cannot spin
}

type fenceState struct {
	Signalled, Armed, Spin, Exited uint8
}

const (
	actSignal statespace.Action = iota
	actSpin
	actArm
	actExit
)

func (m fenceSys) Init() []fenceState { return []fenceState{{}} }
func (m fenceSys) ActionNames() []string {
	return []string{"dma_fence_signal", "user_spin", "user_arm", "user_exit"}
}
func (m fenceSys) Actions(s *fenceState, buf []statespace.Action) []statespace.Action {
	canSignal := s.Signalled == 0 && (!m.userGate || s.Armed == 1) && (!m.flicker || s.Spin == 0)
	if canSignal {
		buf = append(buf, actSignal)
	}
	if s.Exited == 0 {
		if !m.noSpin {
			buf = append(buf, actSpin)
		}
		if m.userGate && s.Armed == 0 {
			buf = append(buf, actArm)
		}
		if m.canExit {
			buf = append(buf, actExit)
		}
	}
	return buf
}
func (m fenceSys) Step(s *fenceState, a statespace.Action) fenceState {
	n := *s
	switch a {
	case actSignal:
		n.Signalled = 1
	case actSpin:
		n.Spin ^= 1
	case actArm:
		n.Armed = 1
	case actExit:
		n.Exited = 1
	}
	return n
}
func (m fenceSys) Properties() []statespace.Property[fenceState] {
	return []statespace.Property[fenceState]{{
		Name: "fence-eventually-signalled", Expectation: statespace.Eventually,
		Holds: func(s *fenceState) bool { return s.Signalled == 1 },
	}}
}
func (m fenceSys) ValidEnd(*fenceState) bool { return true }
func (m fenceSys) Fairness() []statespace.Fairness {
	if !m.fair {
		return nil
	}
	return []statespace.Fairness{{Name: "signaller", Actions: []statespace.Action{actSignal}}}
}

func checkLive(t *testing.T, m fenceSys) *statespace.Result {
	t.Helper()
	r, err := statespace.Check[fenceState](m, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// assertLasso checks that the lasso is a real behaviour: the loop closes
// on the state where it starts, and the property is false on every state
// from the loop on.
func assertLasso(t *testing.T, r *statespace.Result) *statespace.Trace {
	t.Helper()
	if r.Status != statespace.StatusViolation || r.Violation.Kind != statespace.KindLiveness {
		t.Fatalf("status %s, violation %+v; want a liveness violation", r.Status, r.Violation)
	}
	tr := r.Violation.Trace
	if tr.Loop < 0 || tr.Loop >= len(tr.Steps) {
		t.Fatalf("lasso without a loop: %d of %d steps\n%s", tr.Loop, len(tr.Steps), tr)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if !tr.Stutter && last.Fingerprint != tr.Steps[tr.Loop].Fingerprint {
		t.Errorf("the loop does not close: last state %016x, loop state %016x\n%s", last.Fingerprint, tr.Steps[tr.Loop].Fingerprint, tr)
	}
	for _, st := range tr.Steps[tr.Loop:] {
		for _, f := range st.State {
			if f.Name == "Signalled" && f.Value != "0" {
				t.Errorf("the fence is signalled on the loop\n%s", tr)
			}
		}
	}
	return tr
}

// Without fairness, a behaviour where only user space runs forever never
// signals the fence: the checker reports that lasso.
func TestUnfairSpinLeavesFencePending(t *testing.T) {
	tr := assertLasso(t, checkLive(t, fenceSys{}))
	if got := tr.Labels()[tr.Loop:]; !slices.Equal(got, []string{"user_spin", "user_spin"}) && !slices.Equal(got, []string{"user_spin"}) {
		t.Errorf("loop %v, want user_spin only\n%s", got, tr)
	}
}

// Weak fairness of the signaller (dma-fence.c "fence cross-driver
// contract": fences must complete in reasonable time) excludes that lasso:
// the property holds.
func TestWeakFairnessMakesTheFenceSignal(t *testing.T) {
	r := checkLive(t, fenceSys{fair: true})
	if r.Status != statespace.StatusOK || r.Properties[0].Verdict != "holds" {
		t.Fatalf("status %s, verdict %s; want holds\n%v", r.Status, r.Properties[0].Verdict, r.Violation)
	}
}

// Weak fairness does not help a signaller that is enabled only
// intermittently: the user can keep toggling it off (strong fairness would
// be needed).
func TestWeakFairnessDoesNotCoverIntermittentEnabling(t *testing.T) {
	tr := assertLasso(t, checkLive(t, fenceSys{fair: true, flicker: true}))
	if tr.Stutter {
		t.Errorf("want a real cycle\n%s", tr)
	}
	// The printed loop is itself fair: it passes through a state where the
	// signaller is disabled (Spin = 1).
	disabled := false
	for _, st := range tr.Steps[tr.Loop:] {
		for _, f := range st.State {
			disabled = disabled || f.Name == "Spin" && f.Value == "1"
		}
	}
	if !disabled {
		t.Errorf("the loop never disables the signaller, so it is not a fair behaviour\n%s", tr)
	}
}

// An indefinite fence (kernel-rules §5.3): the signaller waits for user space,
// which may exit without arming it (the sw_sync timeline left open). The
// behaviour then stutters forever in a state without enabled actions: the
// lasso ends there.
func TestIndefiniteFenceStuttersForever(t *testing.T) {
	tr := assertLasso(t, checkLive(t, fenceSys{fair: true, userGate: true, canExit: true, noSpin: true}))
	if !tr.Stutter || tr.Labels()[len(tr.Labels())-1] != "user_exit" {
		t.Errorf("want a lasso ending in user_exit and stuttering\n%s", tr)
	}
	if !strings.Contains(tr.String(), "stays in this state forever") {
		t.Errorf("the text does not say the behaviour stutters:\n%s", tr)
	}
}

// With the gate but no exit, fairness of the signaller is not enough either:
// the user may never arm it (and arming is not a fair action).
func TestUnarmedGateIsALivenessViolation(t *testing.T) {
	assertLasso(t, checkLive(t, fenceSys{fair: true, userGate: true}))
}

// Liveness verdicts, lassos included, are the same for any worker count,
// and the same whether the liveness graph knows states by fingerprint or
// keeps them (full-state mode).
func TestLivenessIsDeterministic(t *testing.T) {
	var base []string
	for i, opt := range []statespace.Options{{Workers: 1}, {Workers: 2}, {Workers: 5}, {Workers: 2, FullState: true}} {
		r, err := statespace.Check[fenceState](fenceSys{fair: true, flicker: true}, opt)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Violation.Trace.Labels()
		if i == 0 {
			base = got
		} else if !slices.Equal(got, base) {
			t.Errorf("%+v: %v, workers 1: %v", opt, got, base)
		}
	}
}

// A bound makes liveness unknown, never "holds".
func TestLivenessUnderABoundIsUnknown(t *testing.T) {
	r, err := statespace.Check[fenceState](fenceSys{fair: true}, statespace.Options{MaxStates: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != statespace.StatusIncomplete || r.Properties[0].Verdict != "unknown" {
		t.Errorf("status %s, verdict %s; want incomplete, unknown", r.Status, r.Properties[0].Verdict)
	}
}

// lockPair is the classic ABBA deadlock: T0 takes A then B, T1 takes B then
// A. It implements WaitForGraph so the deadlock report names the cycle.
type lockPair struct{}

type lockPairState struct {
	PC    [2]uint8 // 0: take first, 1: take second, 2: done
	Owner [2]uint8 // lock A, B: 0 free, 1+t held by thread t
}

func (lockPair) Init() []lockPairState { return []lockPairState{{}} }
func (lockPair) ActionNames() []string { return []string{"T0 step", "T1 step"} }
func (lockPair) order(t int) [2]int {
	if t == 0 {
		return [2]int{0, 1}
	}
	return [2]int{1, 0}
}
func (m lockPair) Actions(s *lockPairState, buf []statespace.Action) []statespace.Action {
	for t := range 2 {
		if pc := s.PC[t]; pc < 2 && s.Owner[m.order(t)[pc]] == 0 {
			buf = append(buf, statespace.Action(t))
		}
	}
	return buf
}
func (m lockPair) Step(s *lockPairState, a statespace.Action) lockPairState {
	n := *s
	t := int(a)
	n.Owner[m.order(t)[n.PC[t]]] = uint8(t + 1)
	n.PC[t]++
	if n.PC[t] == 2 { // done: release both
		n.Owner[m.order(t)[0]], n.Owner[m.order(t)[1]] = 0, 0
	}
	return n
}
func (lockPair) Properties() []statespace.Property[lockPairState] { return nil }
func (lockPair) ValidEnd(s *lockPairState) bool                   { return s.PC == [2]uint8{2, 2} }
func (m lockPair) WaitsFor(s *lockPairState) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	names := [2]string{"lock A", "lock B"}
	for t := range 2 {
		if pc := s.PC[t]; pc < 2 {
			l := m.order(t)[pc]
			th := []string{"T0", "T1"}[t]
			out = append(out, statespace.WaitEdge{From: th, To: names[l], Why: "mutex_lock"})
			if o := s.Owner[l]; o != 0 {
				out = append(out, statespace.WaitEdge{From: names[l], To: []string{"T0", "T1"}[o-1], Why: "held by"})
			}
		}
	}
	return out
}

// The deadlock report names the wait-for cycle: T0 → lock B → T1 → lock A
// → T0 (kernel-rules §12.5 pattern 6, without ww_acquire_ctx).
func TestDeadlockReportNamesTheWaitForCycle(t *testing.T) {
	r, err := statespace.Check[lockPairState](lockPair{}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := r.Violation
	if v == nil || v.Kind != statespace.KindDeadlock || v.Length() != 2 {
		t.Fatalf("violation %+v, want a 2-step deadlock", v)
	}
	if len(v.Cycle) != 4 {
		t.Fatalf("cycle %v, want 4 edges; waits %v", v.Cycle, v.Waits)
	}
	for i, e := range v.Cycle {
		if next := v.Cycle[(i+1)%len(v.Cycle)]; e.To != next.From {
			t.Errorf("cycle is not closed at %d: %v", i, v.Cycle)
		}
	}
}

// interruptedLive is fenceSys whose Eventually property cancels the run the
// first time the liveness pass evaluates it (the safety search never does).
type interruptedLive struct {
	fenceSys
	cancel func()
}

func (m interruptedLive) Properties() []statespace.Property[fenceState] {
	ps := m.fenceSys.Properties()
	holds := ps[0].Holds
	ps[0].Holds = func(s *fenceState) bool { m.cancel(); return holds(s) }
	return ps
}

// Ctrl-C during the liveness pass stops it: the run is incomplete and the
// Eventually property unknown, never "holds".
func TestLivenessPassHonoursInterruption(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := statespace.Check[fenceState](interruptedLive{fenceSys{fair: true}, cancel}, statespace.Options{Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != statespace.StatusIncomplete || r.Incomplete != "interrupted" || r.Properties[0].Verdict != "unknown" {
		t.Errorf("status %s (%q), verdict %s; want incomplete (interrupted), unknown", r.Status, r.Incomplete, r.Properties[0].Verdict)
	}
}
