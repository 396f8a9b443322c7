package pbt_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/pbt"
)

// counter is a toy model of N processes that each increment a shared
// counter once. With Atomic the increment is one step; without it, a read
// and a write, and two processes can lose an update (the seeded bug: the
// BFS-shortest counterexample is read, read, write, write: 4 steps).
type counter struct {
	N      int
	Atomic bool
	// Stuck adds a process that takes lock A then B, and makes process 0
	// take B then A: a deadlock.
	Stuck bool
}

type counterState struct {
	Value uint8
	Done  uint8    // completed increments
	Read  [4]uint8 // per process: 0 idle, 1+v read v, 255 done
	Locks [2]uint8 // holder+1 of locks A and B
	PC    [2]uint8 // lock programs of processes 0 and N (Stuck only)
}

const done = 255

func (c counter) Init() []counterState { return []counterState{{}} }

func (c counter) ActionNames() []string {
	var out []string
	for p := range c.N {
		if c.Atomic {
			out = append(out, fmt.Sprintf("p%d: increment", p))
		} else {
			out = append(out, fmt.Sprintf("p%d: read", p), fmt.Sprintf("p%d: write", p))
		}
	}
	if c.Stuck {
		out = append(out, "p0: lock(B)", "p0: lock(A)", fmt.Sprintf("p%d: lock(A)", c.N), fmt.Sprintf("p%d: lock(B)", c.N))
	}
	return out
}

func (c counter) Actions(s *counterState, buf []statespace.Action) []statespace.Action {
	for p := range c.N {
		switch {
		case c.Atomic && s.Read[p] == 0:
			buf = append(buf, statespace.Action(p))
		case !c.Atomic && s.Read[p] == 0:
			buf = append(buf, statespace.Action(2*p))
		case !c.Atomic && s.Read[p] != done:
			buf = append(buf, statespace.Action(2*p+1))
		}
	}
	if c.Stuck {
		base := statespace.Action(len(c.ActionNames()) - 4)
		// Process 0 locks B then A; process N locks A then B.
		for i, order := range [2][2]int{{1, 0}, {0, 1}} {
			if pc := s.PC[i]; pc < 2 && s.Locks[order[pc]] == 0 {
				buf = append(buf, base+statespace.Action(2*i)+statespace.Action(pc))
			}
		}
	}
	return buf
}

func (c counter) Step(s *counterState, a statespace.Action) counterState {
	n := *s
	if c.Stuck && int(a) >= len(c.ActionNames())-4 {
		k := int(a) - (len(c.ActionNames()) - 4)
		i, pc := k/2, n.PC[k/2]
		order := [2][2]int{{1, 0}, {0, 1}}[i]
		n.Locks[order[pc]] = uint8(i + 1)
		n.PC[i]++
		if n.PC[i] == 2 { // done: release both
			n.Locks = [2]uint8{}
		}
		return n
	}
	if c.Atomic {
		n.Value++
		n.Done++
		n.Read[a] = done
		return n
	}
	p := int(a) / 2
	if a%2 == 0 {
		n.Read[p] = 1 + n.Value
	} else {
		n.Value = n.Read[p]
		n.Read[p] = done
		n.Done++
	}
	return n
}

func (c counter) Properties() []statespace.Property[counterState] {
	return []statespace.Property[counterState]{
		{Name: "no-lost-update", Expectation: statespace.Always, Holds: func(s *counterState) bool { return s.Value == s.Done }},
		{Name: "all-done", Expectation: statespace.Sometimes, Holds: func(s *counterState) bool { return int(s.Done) == c.N }},
	}
}

// ValidEnd: every increment done (and the lock programs finished).
func (c counter) ValidEnd(s *counterState) bool {
	return int(s.Done) == c.N && (!c.Stuck || s.PC == [2]uint8{2, 2})
}

func TestDriversFindLostUpdate(t *testing.T) {
	m := counter{N: 3}
	// Argument shrinking is a heuristic in both drivers (rapid minimises
	// the bits of each choice, gopter tries renamings one command at a
	// time), and reaches p0 and p1 in most runs, not all: fixed seeds keep
	// this test deterministic.
	opt := pbt.Options{Name: "lost-update", ExpectViolation: true, Seed: 1}
	for _, r := range []*pbt.Report{
		pbt.Rapid[counterState](t, m, opt),
		pbt.Gopter[counterState](t, m, opt),
	} {
		x := pbt.AssertFinds[counterState](t, m, r, "no-lost-update", 0)
		if x.Shortest != 4 {
			t.Errorf("BFS shortest %d, want 4", x.Shortest)
		}
		v := r.Violation
		if v == nil {
			continue
		}
		t.Logf("%s\n%s", r.Summary(), v.Text())
		if !strings.Contains(v.Text(), "no-lost-update") || v.Document == nil || len(v.Document.Steps) != v.Len()+1 {
			t.Errorf("%s: the trace document does not show the violation:\n%s", r.Driver, v.Text())
		}
		// Shrinking removes the third process and moves the other two to
		// the smallest indexes.
		for _, l := range v.Trace.Labels() {
			if strings.HasPrefix(l, "p2") {
				t.Errorf("%s: shrunk counterexample still uses p2: %v", r.Driver, v.Trace.Labels())
				break
			}
		}
		if r.Driver == "rapid" && v.Len() != 4 {
			t.Errorf("rapid shrank to %d steps %v, want the optimal 4", v.Len(), v.Trace.Labels())
		}
	}
}

func TestDriversPassAtomicCounter(t *testing.T) {
	m := counter{N: 3, Atomic: true}
	for _, r := range []*pbt.Report{
		pbt.Rapid[counterState](t, m, pbt.Options{Name: "atomic", Runs: 300}),
		pbt.Gopter[counterState](t, m, pbt.Options{Name: "atomic", Runs: 100}),
	} {
		pbt.AssertNoViolation(t, r)
		pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 100, Distinct: 8})
		if r.Reached["all-done"] == 0 {
			t.Errorf("%s never reached all-done", r.Driver)
		}
	}
}

func TestDriversFindDeadlock(t *testing.T) {
	m := counter{N: 1, Atomic: true, Stuck: true}
	for _, r := range []*pbt.Report{
		pbt.Rapid[counterState](t, m, pbt.Options{Name: "stuck", ExpectViolation: true}),
		pbt.Gopter[counterState](t, m, pbt.Options{Name: "stuck", ExpectViolation: true}),
	} {
		x := pbt.AssertFinds[counterState](t, m, r, statespace.DeadlockProperty, 0)
		if v := r.Violation; v != nil && v.Kind != statespace.KindDeadlock {
			t.Errorf("%s: kind %s, want deadlock", r.Driver, v.Kind)
		}
		t.Logf("%s; BFS %d", r.Summary(), x.Shortest)
	}
}

// fakeTB records what an assertion reports, to test the assertions.
type fakeTB struct {
	testing.TB
	errors []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
func (f *fakeTB) Logf(string, ...any) {}

func TestNonVacuityCatchesTooLittle(t *testing.T) {
	m := counter{N: 3, Atomic: true}
	// A model with an action no walk can take (never enabled).
	f := &fakeTB{TB: t}
	r := pbt.Gopter[counterState](t, withDeadAction{m}, pbt.Options{Runs: 20})
	if pbt.AssertNonVacuous(f, r, pbt.Min{}) || len(f.errors) != 1 || !strings.Contains(f.errors[0], "never fired:\n\tp9: never enabled") {
		t.Errorf("a never-fired action was not reported: %q", f.errors)
	}
	// Allowed as unreachable: no complaint.
	f = &fakeTB{TB: t}
	if !pbt.AssertNonVacuous(f, r, pbt.Min{Unreachable: []string{"p9: never enabled"}}) {
		t.Errorf("unexpected complaint: %q", f.errors)
	}
	// Too few steps, too few states.
	f = &fakeTB{TB: t}
	if pbt.AssertNonVacuous(f, r, pbt.Min{Steps: 1 << 30, Distinct: 1 << 30, Unreachable: []string{"p9: never enabled"}}) ||
		!strings.Contains(f.errors[0], "steps ran") || !strings.Contains(f.errors[0], "distinct states") {
		t.Errorf("too small a run was not reported: %q", f.errors)
	}
	// Walks that stop at the initial state: the properties were never
	// evaluated anywhere else.
	f = &fakeTB{TB: t}
	r = pbt.Rapid[counterState](t, endsAtOnce{m}, pbt.Options{Runs: 20})
	if pbt.AssertNonVacuous(f, r, pbt.Min{Unreachable: m.ActionNames()}) || !strings.Contains(strings.Join(f.errors, "\n"), "evaluated only on the initial states: deadlock, no-lost-update") {
		t.Errorf("properties evaluated only initially were not reported: %q", f.errors)
	}
}

// withDeadAction adds an action that is never enabled.
type withDeadAction struct{ counter }

func (w withDeadAction) ActionNames() []string {
	return append(w.counter.ActionNames(), "p9: never enabled")
}

// endsAtOnce has no enabled action at all, and its initial state is a
// valid end.
type endsAtOnce struct{ counter }

func (endsAtOnce) Actions(*counterState, []statespace.Action) []statespace.Action { return nil }
func (endsAtOnce) ValidEnd(*counterState) bool                                    { return true }

func TestSeedsReplayDeterministically(t *testing.T) {
	m := counter{N: 3}
	opt := pbt.Options{Name: "lost-update", ExpectViolation: true, Seed: 12345}
	for _, run := range []func() *pbt.Report{
		func() *pbt.Report { return pbt.Rapid[counterState](t, m, opt) },
		func() *pbt.Report { return pbt.Gopter[counterState](t, m, opt) },
	} {
		a, b := run(), run()
		if a.Violation == nil || b.Violation == nil {
			t.Fatalf("%s: no violation", a.Driver)
		}
		if a.FirstFailure != b.FirstFailure || !slices.Equal(a.Violation.Actions, b.Violation.Actions) || a.Violation.FirstLength != b.Violation.FirstLength {
			t.Errorf("%s: two runs with seed %d differ: walk %d vs %d, %v vs %v", a.Driver, opt.Seed,
				a.FirstFailure, b.FirstFailure, a.Violation.Actions, b.Violation.Actions)
		}
	}
	// gopter's seed comes back through the environment.
	g := pbt.Gopter[counterState](t, m, pbt.Options{ExpectViolation: true})
	t.Setenv(pbt.EnvGopterSeed, fmt.Sprint(g.Seed))
	h := pbt.Gopter[counterState](t, m, pbt.Options{ExpectViolation: true})
	if h.Seed != g.Seed || !slices.Equal(h.Violation.Actions, g.Violation.Actions) || h.FirstFailure != g.FirstFailure {
		t.Errorf("replaying gopter's seed %d through %s gave a different run", g.Seed, pbt.EnvGopterSeed)
	}
	if !strings.Contains(g.Violation.Reproduce, fmt.Sprintf("%s=%d", pbt.EnvGopterSeed, g.Seed)) {
		t.Errorf("gopter's reproduce line does not give the seed: %q", g.Violation.Reproduce)
	}
}

// TestRapidFailfileReplays: a run expected to pass that fails writes
// rapid's failfile, and the next run replays it first.
func TestRapidFailfileReplays(t *testing.T) {
	t.Chdir(t.TempDir())
	m := counter{N: 3}
	r := pbt.Rapid[counterState](t, m, pbt.Options{Name: "lost-update"})
	if r.Violation == nil {
		t.Fatal("no violation")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "rapid", "*", "*.fail"))
	if len(files) != 1 || !strings.Contains(r.Violation.Reproduce, "-rapid.failfile=") {
		t.Fatalf("failfiles %v; reproduce %q", files, r.Violation.Reproduce)
	}
	again := pbt.Rapid[counterState](t, m, pbt.Options{Name: "lost-update"})
	if again.Violation == nil || again.FirstFailure != 1 || !slices.Equal(again.Violation.Actions, r.Violation.Actions) {
		t.Errorf("the failfile was not replayed first: %s", again.Summary())
	}
	// An expected failure writes none.
	if err := os.RemoveAll("testdata"); err != nil {
		t.Fatal(err)
	}
	pbt.Rapid[counterState](t, m, pbt.Options{Name: "lost-update", ExpectViolation: true})
	if files, _ := filepath.Glob(filepath.Join("testdata", "rapid", "*", "*.fail")); len(files) != 0 {
		t.Errorf("an expected violation wrote failfiles %v", files)
	}
}

// TestBudgets: the defaults, explicit runs and the soak factor. An
// explicit -rapid.checks (or RAPID_CHECKS) sets the walks of every run, so
// the expected walks are that number when the suite runs with it.
func TestBudgets(t *testing.T) {
	t.Setenv(pbt.EnvSoak, "")
	const probe = 1 << 20
	checks := pbt.BudgetOf("rapid", pbt.Options{Runs: probe}).Runs
	runs := func(want int) int {
		if checks != probe {
			return checks // -rapid.checks
		}
		return want
	}
	if b := pbt.BudgetOf("rapid", pbt.Options{}); b.Runs != runs(pbt.DefaultRapidRuns) || b.MaxSteps != pbt.DefaultMaxSteps {
		t.Errorf("default rapid budget %v", b)
	}
	if b := pbt.BudgetOf("gopter", pbt.Options{Runs: 7}); b.Runs != runs(7) {
		t.Errorf("explicit budget %v", b)
	}
	t.Setenv(pbt.EnvSoak, "1")
	if b := pbt.BudgetOf("gopter", pbt.Options{}); b.Runs != runs(pbt.DefaultGopterRuns*pbt.SoakFactor) || b.MaxSteps != 4*pbt.DefaultMaxSteps {
		t.Errorf("soak budget %v", b)
	}
	t.Setenv(pbt.EnvSoak, "3")
	if b := pbt.BudgetOf("rapid", pbt.Options{Runs: 10}); b.Runs != runs(30) {
		t.Errorf("soak ×3 budget %v", b)
	}
}
