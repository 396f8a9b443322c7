package statespace_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

func mustCheck[S comparable](t *testing.T, m statespace.Model[S], opt statespace.Options) *statespace.Result {
	t.Helper()
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return r
}

// The reported counterexample is a shortest one: the bad state is
// reachable in 5 steps by the actions listed first and in 3 by others.
func TestCounterexampleIsShortest(t *testing.T) {
	for _, workers := range []int{1, 2, 5} {
		r := statespacetest.AssertDiscovery(t, paths{}, "good", 3, statespace.Options{Workers: workers})
		statespacetest.AssertLabels(t, r.Violation.Trace, "short", "short", "short")
		if r.Violation.Kind != statespace.KindInvariant || r.Violation.Length() != 3 {
			t.Errorf("violation %+v, want an invariant violation of length 3", r.Violation)
		}
		last := r.Violation.Trace.Steps[3].State
		if len(last) != 1 || last[0] != (statespace.Field{Name: "N", Value: "9"}) {
			t.Errorf("last state %v, want N = 9", last)
		}
	}
	// The same with every property and deadlock checked.
	r := mustCheck(t, paths{}, statespace.Options{})
	if r.Status != statespace.StatusViolation || r.Violation.Property != "good" || r.Violation.Length() != 3 {
		t.Errorf("got %s %+v, want good violated in 3 steps", r.Status, r.Violation)
	}
}

// A trace starts from its initial state and replays through the labels and
// fingerprints of its steps; Step.Action indexes the action table.
func TestTraceStepsAreConsistent(t *testing.T) {
	r := mustCheck(t, paths{}, statespace.Options{})
	tr := r.Violation.Trace
	if tr.Len() != len(tr.Steps)-1 || tr.Steps[0].Action != -1 || tr.Steps[0].Label != "" {
		t.Errorf("bad initial step %+v", tr.Steps[0])
	}
	names := paths{}.ActionNames()
	seen := map[uint64]bool{}
	for i, st := range tr.Steps[1:] {
		if st.Label != names[st.Action] {
			t.Errorf("step %d: label %q, action %d is %q", i+1, st.Label, st.Action, names[st.Action])
		}
		if seen[st.Fingerprint] {
			t.Errorf("step %d: fingerprint %x repeats; a shortest trace visits a state once", i+1, st.Fingerprint)
		}
		seen[st.Fingerprint] = true
	}
	s := tr.String()
	for _, want := range []string{"initial state (Init()[0])", "1  short", "N = 5", "3  short", "N = 9"} {
		if !strings.Contains(s, want) {
			t.Errorf("Trace.String() lacks %q:\n%s", want, s)
		}
	}
}

// An invariant false in an initial state gives a trace of length 0 that
// names that initial state.
func TestInvariantViolatedInInitialState(t *testing.T) {
	m := chain{limit: 5, inits: []uint16{1, 2, 3, 4}, props: []statespace.Property[chainState]{
		always("not three", func(s *chainState) bool { return s.N != 3 }),
	}}
	r := statespacetest.AssertDiscovery(t, m, "not three", 0, statespace.Options{})
	if tr := r.Violation.Trace; tr.InitIndex != 2 || len(tr.Steps) != 1 || len(tr.Labels()) != 0 {
		t.Errorf("trace %+v, want just Init()[2]", tr)
	}
	// A duplicated initial state is named by its first index.
	m.inits = []uint16{5, 3, 3, 1}
	r = statespacetest.AssertDiscovery(t, m, "not three", 0, statespace.Options{Workers: 2})
	if r.Violation.Trace.InitIndex != 1 {
		t.Errorf("InitIndex %d, want 1 (the first copy of the bad state)", r.Violation.Trace.InitIndex)
	}
	// Among several violating initial states one is chosen deterministically.
	m.props[0] = always("small", func(s *chainState) bool { return s.N < 2 })
	var first string
	for _, w := range []int{1, 2, 3, 8} {
		r := statespacetest.AssertDiscovery(t, m, "small", 0, statespace.Options{Workers: w})
		if s := summary(r); first == "" {
			first = s
		} else if s != first {
			t.Errorf("workers %d:\n%s\nworkers 1:\n%s", w, s, first)
		}
	}
}

// Among violations at the same depth the first property in model order is
// reported, and a property before deadlock; a shallower violation wins
// over a deeper one whatever their order.
func TestViolationOrder(t *testing.T) {
	two := func(s *chainState) bool { return s.N < 2 }
	three := func(s *chainState) bool { return s.N < 3 }
	// noEnd hides chain's ValidEnd, so that its last state deadlocks.
	chainWith := func(limit uint16, props ...statespace.Property[chainState]) func(*testing.T) *statespace.Result {
		return func(t *testing.T) *statespace.Result {
			return mustCheck(t, noEnd[chainState]{chain{limit: limit, props: props}}, statespace.Options{})
		}
	}
	// locks with opposite orders deadlocks after 2 steps.
	locksWith := func(props ...statespace.Property[lockState]) func(*testing.T) *statespace.Result {
		return func(t *testing.T) *statespace.Result {
			return mustCheck(t, lockProps{locks{opposite: true}, props}, statespace.Options{})
		}
	}
	cases := []struct {
		name  string
		run   func(*testing.T) *statespace.Result
		prop  string
		kind  statespace.Kind
		depth int
	}{
		{"model order", chainWith(9, always("b", two), always("a", two)), "b", statespace.KindInvariant, 2},
		{"shallower first", chainWith(9, always("deep", three), always("shallow", two)), "shallow", statespace.KindInvariant, 2},
		{"property before deadlock", chainWith(2, always("p", two)), "p", statespace.KindInvariant, 2},
		{"deadlock alone", chainWith(2, always("p", three)), statespace.DeadlockProperty, statespace.KindDeadlock, 2},
		{"deadlock shallower", locksWith(always("p0 not done", func(s *lockState) bool { return s.PC[0] < 3 })), statespace.DeadlockProperty, statespace.KindDeadlock, 2},
		{"property shallower", locksWith(always("p0 idle", func(s *lockState) bool { return s.PC[0] < 1 })), "p0 idle", statespace.KindInvariant, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkViolation(t, tc.run(t), tc.prop, tc.kind, tc.depth)
		})
	}
}

// lockProps is locks with other properties.
type lockProps struct {
	locks
	props []statespace.Property[lockState]
}

func (l lockProps) Properties() []statespace.Property[lockState] { return l.props }

func checkViolation(t *testing.T, r *statespace.Result, prop string, kind statespace.Kind, depth int) {
	t.Helper()
	if r.Status != statespace.StatusViolation || r.Violation == nil {
		t.Fatalf("status %s, want a violation", r.Status)
	}
	if v := r.Violation; v.Property != prop || v.Kind != kind || v.Length() != depth {
		t.Errorf("violation %s (%s) of length %d, want %s (%s) of length %d", v.Property, v.Kind, v.Length(), prop, kind, depth)
	}
}

// noEnd hides a model's ValidEnd (and every other optional interface).
type noEnd[S comparable] struct{ statespace.Model[S] }

// A state without enabled actions is a deadlock, reported with a shortest
// trace, unless the model says it is a valid end state.
func TestDeadlockDetection(t *testing.T) {
	t.Run("reachable deadlock", func(t *testing.T) {
		r := statespacetest.AssertDiscovery(t, endLocks{locks{opposite: true}}, statespace.DeadlockProperty, 2, statespace.Options{})
		tr := r.Violation.Trace
		if r.Violation.Kind != statespace.KindDeadlock || r.Violation.Property != statespace.DeadlockProperty {
			t.Errorf("violation %+v, want deadlock", r.Violation)
		}
		want := []statespace.Field{{Name: "PC[0]", Value: "1"}, {Name: "PC[1]", Value: "1"}, {Name: "Owner[0]", Value: "1"}, {Name: "Owner[1]", Value: "2"}}
		if got := tr.Steps[2].State; !equalFields(got, want) {
			t.Errorf("deadlock state %v, want %v", got, want)
		}
		// With every property checked, the same deadlock.
		r2 := mustCheck(t, endLocks{locks{opposite: true}}, statespace.Options{})
		checkViolation(t, r2, statespace.DeadlockProperty, statespace.KindDeadlock, 2)
	})
	t.Run("valid end state", func(t *testing.T) {
		r := statespacetest.AssertHolds(t, endLocks{locks{}}, statespace.Options{})
		statespacetest.AssertNoVacuity(t, r)
	})
	t.Run("end state without EndStater", func(t *testing.T) {
		// Both processes terminated is a deadlock if the model does not
		// say otherwise: 3 steps each.
		r := statespacetest.AssertDiscovery(t, locks{}, statespace.DeadlockProperty, 6, statespace.Options{})
		if got := r.Violation.Trace.Steps[6].State[:2]; !equalFields(got, []statespace.Field{{Name: "PC[0]", Value: "3"}, {Name: "PC[1]", Value: "3"}}) {
			t.Errorf("deadlock state %v, want both processes done", got)
		}
	})
	t.Run("NoDeadlock", func(t *testing.T) {
		r := statespacetest.AssertHolds(t, locks{opposite: true}, statespace.Options{NoDeadlock: true})
		if r.Violation != nil {
			t.Errorf("violation %+v with NoDeadlock", r.Violation)
		}
	})
	t.Run("Only without deadlock", func(t *testing.T) {
		statespacetest.AssertHolds(t, locks{opposite: true}, statespace.Options{Only: []string{"mutex"}})
	})
	t.Run("Only deadlock", func(t *testing.T) {
		r := mustCheck(t, locks{opposite: true}, statespace.Options{Only: []string{statespace.DeadlockProperty}})
		checkViolation(t, r, statespace.DeadlockProperty, statespace.KindDeadlock, 2)
		if r.Properties[0].Verdict != "not checked" {
			t.Errorf("mutex: verdict %q, want not checked", r.Properties[0].Verdict)
		}
	})
	t.Run("deadlock in initial state", func(t *testing.T) {
		statespacetest.AssertDiscovery[chainState](t, noEnd[chainState]{chain{limit: 0}}, statespace.DeadlockProperty, 0, statespace.Options{})
	})
}

func equalFields(a, b []statespace.Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A Sometimes property that is reached has verdict "reached" and a shortest
// example; reaching it does not stop the search or fail the run.
func TestSometimesReached(t *testing.T) {
	m := grid{n: 6, m: 6, props: []statespace.Property[gridState]{
		sometimes("diagonal 3", func(s *gridState) bool { return s.X == 3 && s.Y == 3 }),
		sometimes("origin", func(s *gridState) bool { return s.X == 0 && s.Y == 0 }),
		sometimes("far", func(s *gridState) bool { return s.X == 6 && s.Y == 5 }),
	}}
	r := statespacetest.AssertHolds(t, m, statespace.Options{})
	want := []struct {
		verdict string
		length  int
	}{{"reached", 6}, {"reached", 0}, {"reached", 11}}
	for i, p := range r.Properties[:3] {
		if p.Verdict != want[i].verdict || p.Trace == nil || p.Trace.Len() != want[i].length {
			t.Errorf("%s: verdict %q trace %v, want %q of length %d", p.Name, p.Verdict, p.Trace, want[i].verdict, want[i].length)
		}
	}
	if r.Stats.States != 49 {
		t.Errorf("the search stopped early: %d states, want 49", r.Stats.States)
	}
	statespacetest.AssertDiscovery(t, m, "far", 11, statespace.Options{})
}

// A Sometimes property never reached in a complete search is a violation of
// kind unreachable, without a trace.
func TestSometimesUnreachedIsViolation(t *testing.T) {
	m := grid{n: 4, m: 4, props: []statespace.Property[gridState]{
		always("in bounds", func(s *gridState) bool { return s.X <= 4 && s.Y <= 4 }),
		sometimes("outside", func(s *gridState) bool { return s.X > 4 }),
	}}
	r := mustCheck(t, m, statespace.Options{})
	if r.Status != statespace.StatusViolation || r.Violation == nil {
		t.Fatalf("status %s violation %+v, want an unreachable violation", r.Status, r.Violation)
	}
	if v := r.Violation; v.Property != "outside" || v.Kind != statespace.KindUnreachable || v.Trace != nil || v.Length() != 0 {
		t.Errorf("violation %+v, want outside unreachable without trace", v)
	}
	if r.Properties[0].Verdict != "holds" || r.Properties[1].Verdict != "unreached" || r.Properties[1].Trace != nil {
		t.Errorf("verdicts %q %q, want holds, unreached", r.Properties[0].Verdict, r.Properties[1].Verdict)
	}
	if r.Incomplete != "" || r.Stats.States != 25 {
		t.Errorf("incomplete %q states %d, want a complete search of 25 states", r.Incomplete, r.Stats.States)
	}
}

// A Sometimes property not reached before a bound is unknown, and the run
// is incomplete, not a violation.
func TestSometimesUnknownWhenIncomplete(t *testing.T) {
	m := grid{n: 10, m: 10, props: []statespace.Property[gridState]{
		sometimes("corner", func(s *gridState) bool { return s.X == 10 && s.Y == 10 }),
		sometimes("near", func(s *gridState) bool { return s.X == 1 && s.Y == 1 }),
	}}
	for _, opt := range []statespace.Options{{MaxDepth: 19}, {MaxStates: 50}} {
		r := mustCheck(t, m, opt)
		if r.Status != statespace.StatusIncomplete || r.Violation != nil {
			t.Errorf("%+v: status %s violation %+v, want incomplete", opt, r.Status, r.Violation)
		}
		if r.Properties[0].Verdict != "unknown" || r.Properties[0].Trace != nil {
			t.Errorf("%+v: corner verdict %q, want unknown", opt, r.Properties[0].Verdict)
		}
		if p := r.Properties[1]; p.Verdict != "reached" || p.Trace.Len() != 2 {
			t.Errorf("%+v: near verdict %q, want reached in 2", opt, p.Verdict)
		}
	}
	// The whole space within the bound: complete, reached.
	r := statespacetest.AssertHolds(t, m, statespace.Options{MaxDepth: 20})
	if r.Properties[0].Verdict != "reached" || r.Properties[0].Trace.Len() != 20 {
		t.Errorf("corner verdict %q, want reached in 20", r.Properties[0].Verdict)
	}
}

// An invariant violation stops the search; the other verdicts are unknown.
func TestVerdictsAfterViolation(t *testing.T) {
	m := grid{n: 10, m: 10, props: []statespace.Property[gridState]{
		always("in bounds", func(s *gridState) bool { return s.X <= 10 }),
		always("short", func(s *gridState) bool { return s.X+s.Y < 4 }),
		sometimes("corner", func(s *gridState) bool { return s.X == 10 && s.Y == 10 }),
		sometimes("start", func(s *gridState) bool { return s.X == 0 }),
	}}
	r := mustCheck(t, m, statespace.Options{})
	checkViolation(t, r, "short", statespace.KindInvariant, 4)
	got := []string{}
	for _, p := range r.Properties[:4] { // the model's properties come first, in model order
		got = append(got, p.Verdict)
	}
	if want := "unknown violated unknown reached"; strings.Join(got, " ") != want {
		t.Errorf("verdicts %q, want %q", got, want)
	}
	if r.Stats.States >= 121 {
		t.Errorf("%d states: the search did not stop at the violation", r.Stats.States)
	}
}

// Options.Only with an unknown property name is an error, as are invalid
// property tables and options.
func TestConfigurationErrors(t *testing.T) {
	ok := func(s *chainState) bool { return true }
	cases := []struct {
		name string
		m    chain
		opt  statespace.Options
		want string
	}{
		{"unknown Only", chain{props: []statespace.Property[chainState]{always("p", ok)}}, statespace.Options{Only: []string{"p", "q"}}, `unknown property "q"`},
		{"Only on a model without properties", chain{}, statespace.Options{Only: []string{"p"}}, `unknown property "p"`},
		{"duplicate property", chain{props: []statespace.Property[chainState]{always("p", ok), sometimes("p", ok)}}, statespace.Options{}, `"p"`},
		{"property named deadlock", chain{props: []statespace.Property[chainState]{always(statespace.DeadlockProperty, ok)}}, statespace.Options{}, `"deadlock"`},
		{"empty property name", chain{props: []statespace.Property[chainState]{always("", ok)}}, statespace.Options{}, `""`},
		{"nil predicate", chain{props: []statespace.Property[chainState]{always[chainState]("p", nil)}}, statespace.Options{}, "predicate"},
		{"bad expectation", chain{props: []statespace.Property[chainState]{{Name: "p", Expectation: 7, Holds: ok}}}, statespace.Options{}, "expectation"},
		{"negative max depth", chain{}, statespace.Options{MaxDepth: -1}, "depth"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := statespace.Check(tc.m, tc.opt)
			if err == nil {
				t.Fatalf("no error; result %s", r.Status)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
	// Only naming just deadlock is fine on any model.
	statespacetest.AssertHolds(t, chain{limit: 3}, statespace.Options{Only: []string{statespace.DeadlockProperty}})
}
