package statespace_test

import (
	"math/bits"
	"sync/atomic"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// collidingCube is cube with a deliberately bad Fingerprinter: only
// `values` different fingerprints for 2^bits states.
type collidingCube struct {
	cube
	values uint64
}

func (c collidingCube) Fingerprint(s *cubeState) uint64 { return mix(uint64(s.V) % c.values) }

// constGrid is paddedGrid (not plain memory) with one fingerprint for
// every state.
type constGrid struct{ paddedGrid }

func (constGrid) Fingerprint(*paddedState) uint64 { return 0x5eed }

// fanIn has 4^L states at level L (spread[j]) and a "join" action that
// takes every state of a level to one state of the next. Its fingerprint is
// the level: all parents of the joined state share a fingerprint and the
// action, so only the tie-break on their values makes the parent kept (and
// the trace) independent of the order in which workers find them.
type fanIn struct{}

type fanState struct{ L, V uint32 }

const joined = 1 << 31

func (fanIn) Init() []fanState { return []fanState{{}} }
func (fanIn) ActionNames() []string {
	return []string{"spread0", "spread1", "spread2", "spread3", "join"}
}
func (fanIn) Actions(s *fanState, buf []statespace.Action) []statespace.Action {
	if s.L < 6 {
		buf = append(buf, 0, 1, 2, 3, 4)
	}
	return buf
}
func (fanIn) Step(s *fanState, a statespace.Action) fanState {
	if a == 4 {
		return fanState{s.L + 1, joined}
	}
	return fanState{s.L + 1, s.V&^joined*4 + uint32(a)}
}
func (fanIn) Properties() []statespace.Property[fanState] {
	return []statespace.Property[fanState]{
		sometimes("joined at 5", func(s *fanState) bool { return s.L == 5 && s.V == joined }),
	}
}
func (fanIn) ValidEnd(*fanState) bool        { return true }
func (fanIn) Fingerprint(s *fanState) uint64 { return mix(uint64(s.L)) }

// countingCube is cube counting the calls of Step.
type countingCube struct {
	cube
	steps *atomic.Int64
}

func (c countingCube) Step(s *cubeState, a statespace.Action) cubeState {
	c.steps.Add(1)
	return c.cube.Step(s, a)
}

// Full-state mode gives the same counts, verdicts and traces (with their
// fingerprints and states) as fingerprint mode, for every number of
// workers, on the reference models and on the test models with symmetry,
// deadlocks and wide levels.
func TestFullStateSameAsFingerprintMode(t *testing.T) {
	full := statespace.Options{FullState: true}
	compare := func(name string, check func(statespace.Options) (*statespace.Result, error), opt statespace.Options) {
		t.Helper()
		fp, err := check(opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		opt.FullState = true
		r := sameForAllWorkers(t, name+", full state", check, opt)
		if a, b := summary(r), summary(fp); a != b {
			t.Errorf("%s: full state\n%s\nfingerprints\n%s", name, a, b)
		}
		if r.Stats.Mode != statespace.ModeFullState || fp.Stats.Mode != statespace.ModeFingerprint {
			t.Errorf("%s: modes %q and %q", name, r.Stats.Mode, fp.Stats.Mode)
		}
		if r.Stats.StateStoreBytes < r.Stats.States*uint64(r.Stats.StateSize) || fp.Stats.StateStoreBytes != 0 {
			t.Errorf("%s: state store %d B for %d states of %d B; fingerprint mode %d B", name,
				r.Stats.StateStoreBytes, r.Stats.States, r.Stats.StateSize, fp.Stats.StateStoreBytes)
		}
		if p := r.Stats.CollisionProbability(); p != 0 {
			t.Errorf("%s: collision probability %g in full-state mode", name, p)
		}
	}
	g3, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	compare("german 3", checker[german.State](g3), statespace.Options{})
	bad, err := dmabufbench.New(3, true)
	if err != nil {
		t.Fatal(err)
	}
	compare("dmabuf-bench bad 3", checker[dmabufbench.State](bad), statespace.Options{})
	scr := scramble{seed: 11, size: 50000, k: 4, inits: []uint32{5, 9999, 5, 7000}}
	compare("scramble", checker[scrState](scr), statespace.Options{})
	compare("scramble, max depth", checker[scrState](scr), statespace.Options{NoDeadlock: true, MaxDepth: 5})
	compare("cube 14", checker[cubeState](cube{bits: 14, props: []statespace.Property[cubeState]{
		always("fewer than 9 bits", func(s *cubeState) bool { return bits.OnesCount32(s.V) < 9 }),
	}}), statespace.Options{})
	compare("symmetric counters", checker[countersState](symCounters{counters{n: 4, k: 9}}), statespace.Options{})
	compare("locks", checker[lockState](locks{opposite: true}), statespace.Options{})
	statespacetest.AssertDiscovery(t, bad, "NoStaleRead", 5, full)
}

// With a fingerprint function that collides, fingerprint mode merges
// different states (too few states), and full-state mode still counts them
// exactly, with the same results for every number of workers and a
// counterexample whose states are the right ones.
func TestFullStateIsExactUnderFingerprintCollisions(t *testing.T) {
	const b = 10
	m := collidingCube{cube: cube{bits: b, props: []statespace.Property[cubeState]{
		always("fewer than 7 bits", func(s *cubeState) bool { return bits.OnesCount32(s.V) < 7 }),
	}}, values: 5}
	complete := collidingCube{cube: cube{bits: b}, values: 5}

	fp := mustCheck(t, complete, statespace.Options{})
	if fp.Stats.States > 5 {
		t.Fatalf("fingerprint mode stored %d states with 5 fingerprints: the test model does not collide", fp.Stats.States)
	}
	r := sameForAllWorkers(t, "colliding cube, full state", checker[cubeState](complete), statespace.Options{FullState: true})
	if r.Status != statespace.StatusOK || r.Stats.States != 1<<b || r.Stats.Transitions != b<<(b-1) || r.Stats.MaxDepth != b {
		t.Errorf("full state: %s, %d states, %d transitions, depth %d; want ok, %d, %d, %d",
			r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, 1<<b, b<<(b-1), b)
	}

	sameForAllWorkers(t, "colliding cube with a property, full state", checker[cubeState](m), statespace.Options{FullState: true})
	tr := statespacetest.AssertDiscovery(t, m, "fewer than 7 bits", 7, statespace.Options{FullState: true}).Violation.Trace
	for i, st := range tr.Steps {
		if want := uint64(mix(0)); i == 0 && st.Fingerprint != want {
			t.Errorf("step 0: fingerprint %x, want %x", st.Fingerprint, want)
		}
		if len(st.State) != 1 {
			t.Fatalf("step %d: state %v", i, st.State)
		}
	}
	// Each step sets one more bit: the trace goes through 7 distinct states
	// even though their fingerprints collide.
	if _, err := statespace.Replay[cubeState](m, tr.InitIndex, replaySteps(tr), "fewer than 7 bits", -1); err != nil {
		t.Errorf("the full-state counterexample does not replay: %v", err)
	}

	r = sameForAllWorkers(t, "fan-in, full state", checker[fanState](fanIn{}), statespace.Options{FullState: true})
	if r.Status != statespace.StatusOK || r.Stats.States < 4000 {
		t.Errorf("fan-in, full state: %s with %d states", r.Status, r.Stats.States)
	}

	// A state type that is not plain memory, with a single fingerprint.
	g := constGrid{paddedGrid{n: 6, m: 5}}
	r = sameForAllWorkers(t, "constant fingerprint, padded state, full state", checker[paddedState](g), statespace.Options{FullState: true})
	if r.Status != statespace.StatusOK || r.Stats.States != 7*6 {
		t.Errorf("padded grid, full state: %s with %d states, want ok with 42", r.Status, r.Stats.States)
	}
	if r := mustCheck(t, g, statespace.Options{}); r.Stats.States != 1 {
		t.Errorf("padded grid, fingerprints: %d states, want 1 (everything merged)", r.Stats.States)
	}
}

// In full-state mode the counterexample is read from the stored states:
// the model's Step runs once per transition of the search and never again,
// while fingerprint mode replays the trace through Step.
func TestFullStateTracesDoNotReplay(t *testing.T) {
	prop := []statespace.Property[cubeState]{
		always("fewer than 8 bits", func(s *cubeState) bool { return bits.OnesCount32(s.V) < 8 }),
		sometimes("5 bits", func(s *cubeState) bool { return bits.OnesCount32(s.V) == 5 }),
	}
	run := func(full bool) (*statespace.Result, int64) {
		var n atomic.Int64
		r := mustCheck(t, countingCube{cube{bits: 12, props: prop}, &n}, statespace.Options{FullState: full, Workers: 2})
		if r.Violation == nil || r.Violation.Length() != 8 {
			t.Fatalf("full=%v: violation %+v, want one of 8 steps", full, r.Violation)
		}
		return r, n.Load()
	}
	full, fullSteps := run(true)
	fp, fpSteps := run(false)
	if fullSteps != int64(full.Stats.Transitions) {
		t.Errorf("full state: Step ran %d times for %d transitions: the trace was replayed", fullSteps, full.Stats.Transitions)
	}
	if want := int64(fp.Stats.Transitions) + 8 + 5; fpSteps != want {
		t.Errorf("fingerprint mode: Step ran %d times, want %d (transitions + the two traces replayed)", fpSteps, want)
	}
	if a, b := summary(full), summary(fp); a != b {
		t.Errorf("full state\n%s\nfingerprints\n%s", a, b)
	}
}
