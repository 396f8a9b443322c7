package fence_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// unfair is the fence model without its fairness declaration (it forwards
// everything but Fairness).
type unfair struct{ m *fence.Model }

func (u unfair) Init() []fence.State          { return u.m.Init() }
func (u unfair) ActionNames() []string        { return u.m.ActionNames() }
func (u unfair) ValidEnd(s *fence.State) bool { return u.m.ValidEnd(s) }
func (u unfair) Actions(s *fence.State, b []statespace.Action) []statespace.Action {
	return u.m.Actions(s, b)
}
func (u unfair) Step(s *fence.State, a statespace.Action) fence.State { return u.m.Step(s, a) }
func (u unfair) Properties() []statespace.Property[fence.State]       { return u.m.Properties() }
func (u unfair) Describe(s *fence.State) []statespace.Field           { return u.m.Describe(s) }

// TestFairnessIsNeeded: without the weak-fairness groups the liveness
// property fails on a correct configuration (the CPU loops through read
// brackets forever while the device never completes its job), so the
// groups the model declares are what the verdict rests on, not decoration.
func TestFairnessIsNeeded(t *testing.T) {
	m := newModel(t, scenario(t, "implicit").Config)
	prop := fence.EventuallySignal + "/gpu0#0"
	pr := verdict(t, run(t, m, statespace.Options{Only: []string{prop}}), prop)
	if pr.Verdict != "holds" {
		t.Fatalf("with fairness: %s\n%s", pr.Verdict, traceText(pr.Trace))
	}
	pr = verdict(t, run(t, unfair{m}, statespace.Options{Only: []string{prop}}), prop)
	if pr.Verdict != "violated" || pr.Trace == nil || pr.Trace.Loop < 0 || pr.Trace.Stutter {
		t.Fatalf("without fairness: verdict %s, want a lasso through a real cycle", pr.Verdict)
	}
	for _, l := range pr.Trace.Labels()[pr.Trace.Loop:] {
		if !strings.HasPrefix(l, "cpu:") && !strings.HasPrefix(l, "poll") {
			t.Errorf("the unfair loop takes %q; want only CPU (or poll) steps:\n%s", l, traceText(pr.Trace))
		}
	}
}

// TestFairnessGroups: the agents that signal are declared fair, the others
// are not.
func TestFairnessGroups(t *testing.T) {
	m := newModel(t, scenario(t, "all-features").Config)
	names := m.ActionNames()
	fair := map[string]string{}
	for _, g := range m.Fairness() {
		for _, a := range g.Actions {
			fair[names[a]] = g.Name
		}
	}
	for a, n := range names {
		k, _ := m.KindOf(statespace.Action(a))
		want := k == fence.KRun || k == fence.KDone || k == fence.KTimeout || k == fence.KSetErrorLate ||
			k == fence.KMove || k == fence.KCopyDone || k == fence.KSwInc || k == fence.KSwClose
		if _, ok := fair[n]; ok != want {
			t.Errorf("%s (%s): fair %v, want %v", n, k, ok, want)
		}
	}
	// A user space that never signals is not fair: it has no action at all.
	m = newModel(t, scenario(t, "sw-sync-indefinite").Config)
	for _, g := range m.Fairness() {
		if strings.Contains(g.Name, "user space") {
			t.Errorf("the indefinite scenario declares %q fair", g.Name)
		}
	}
}

// TestIndefiniteFenceWaitsFor: the indefinite-fence deadlock is reported
// with who waits for what: the CPU for the writer's fence, the fence for
// its job, the job for the sw_sync point, the point for user space.
func TestIndefiniteFenceWaitsFor(t *testing.T) {
	m := newModel(t, scenario(t, "sw-sync-indefinite").Config)
	r := run(t, m, statespace.Options{Only: []string{statespace.DeadlockProperty}})
	v := r.Violation
	if v == nil || v.Kind != statespace.KindDeadlock {
		t.Fatalf("no deadlock: %+v", r.Status)
	}
	var got []string
	for _, e := range v.Waits {
		got = append(got, e.From+" -> "+e.To)
	}
	for _, want := range []string{
		"cpu -> fence gpu0#0 (ctx 1, seqno 1)",
		"fence gpu0#0 (ctx 1, seqno 1) -> gpu0 job 0",
		"gpu0 job 0 -> fence pt1 (ctx 3, seqno 1)",
		"fence pt1 (ctx 3, seqno 1) -> sw_sync timeline 0 (user space)",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("wait-for graph lacks %q; has:\n  %s", want, strings.Join(got, "\n  "))
		}
	}
	if len(v.Cycle) != 0 {
		t.Errorf("the indefinite fence is a chain to user space, not a cycle: %v", v.Cycle)
	}
	// The stuck state is not a valid end; the end of the fixed scenario is.
	if m.ValidEnd(lastState(t, m, v.Trace)) {
		t.Errorf("the stuck state is a valid end")
	}
}

// TestFixedScenariosEndValidly: the fixes reach states without enabled
// actions that are valid ends (every job done, every kernel fence
// signalled), so they pass the deadlock check for the right reason.
func TestFixedScenariosEndValidly(t *testing.T) {
	for _, name := range []string{"sw-sync-timeout", "move-bookkeep"} {
		m := newModel(t, scenario(t, name).Config)
		ends := 0
		walk(m, func(s *fence.State, enabled int) {
			if enabled == 0 {
				ends++
				if !m.ValidEnd(s) {
					t.Errorf("%s: terminal state is not a valid end: %v", name, m.Describe(s))
				}
			}
		})
		if name == "sw-sync-timeout" && ends == 0 {
			t.Errorf("%s: no terminal state", name)
		}
	}
}

// lastState replays tr on m.
func lastState(t *testing.T, m *fence.Model, tr *statespace.Trace) *fence.State {
	t.Helper()
	s := m.Init()[tr.InitIndex]
	for _, st := range tr.Steps[1:] {
		s = m.Step(&s, statespace.Action(st.Action))
	}
	return &s
}

// walk visits every reachable state of m once (small models only).
func walk(m *fence.Model, visit func(s *fence.State, enabled int)) {
	seen := map[fence.State]bool{}
	queue := m.Init()
	for _, s := range queue {
		seen[s] = true
	}
	var buf []statespace.Action
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		buf = m.Actions(&s, buf[:0])
		visit(&s, len(buf))
		for _, a := range buf {
			n := m.Step(&s, a)
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
}
