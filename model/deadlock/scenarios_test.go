package deadlock

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// deadlockLength pins the length of the shortest deadlock of every failing
// variant (DefaultParams). A change is a change of the model: update
// docs/deadlocks.md with it.
var deadlockLength = map[string]int{
	"wait-under-lock":                7,
	"wait-under-driver-lock":         6,
	"reclaim-in-signalling-path":     18,
	"reclaim-outside-annotation":     16,
	"fence-lock-inversion":           18,
	"recursive-lock-in-callback":     17,
	"indefinite-fence-cycle":         21,
	"ww-mutex-misuse":                2,
	"ww-mutex-no-backoff":            5,
	"cross-vm-round-trip-under-lock": 9,
	"runtime-pm-suspended-exporter":  9,
}

// alsoBreaksLength pins the shortest counterexample of the safety
// properties that catch a pattern before it deadlocks.
var alsoBreaksLength = map[string]map[string]int{
	"wait-under-lock":            {PropLockdep: 4},
	"wait-under-driver-lock":     {PropLockdep: 6},
	"reclaim-in-signalling-path": {PropLockdep: 4},
	"indefinite-fence-cycle":     {PropIndefinite: 5},
}

// alwaysHangs are the failing variants in which no interleaving finishes.
var alwaysHangs = map[string]string{
	"recursive-lock-in-callback": "user space closes its sync_file fd before SW_SYNC_IOC_INC, so the last callback always drops the last reference",
}

func mustNew(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestScenariosMeetTheirExpectation checks every failing variant deadlocks
// with the pinned shortest trace (and breaks or keeps the other properties
// it names), and every fix passes exhaustively with 2 importers and 2 jobs.
func TestScenariosMeetTheirExpectation(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			m := mustNew(t, sc.Config())
			opt := statespace.Options{Workers: 2}
			if sc.Expect == "" {
				r := statespacetest.AssertHolds(t, m, opt)
				if r != nil && r.Stats.States < 100 {
					t.Errorf("fix explores only %d states: too small to mean much", r.Stats.States)
				}
				return
			}
			want, ok := deadlockLength[sc.Name]
			if !ok {
				t.Fatalf("no pinned deadlock length for %s", sc.Name)
			}
			statespacetest.AssertDiscovery(t, m, sc.Expect, want, opt)
			for _, p := range sc.AlsoBreaks {
				statespacetest.AssertDiscovery(t, m, p, alsoBreaksLength[sc.Name][p], opt)
			}
			for _, p := range sc.AlsoHolds {
				r, err := statespace.Check[State](m, statespace.Options{Workers: 2, Only: []string{p}, NoDeadlock: true})
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != statespace.StatusOK {
					t.Errorf("%s: want it to hold, got %s", p, r.Status)
				}
			}
			// The failing variant can also run to completion: the bug is an
			// interleaving, not a program that always hangs (except where
			// alwaysHangs says why).
			r, err := statespace.Check[State](m, statespace.Options{Workers: 2, Only: []string{PropCompletion}, NoDeadlock: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, hangs := alwaysHangs[sc.Name]; (r.Status == statespace.StatusOK) == hangs {
				t.Errorf("%s: every program can finish: %v, want %v", sc.Name, r.Status == statespace.StatusOK, !hangs)
			}
		})
	}
}

// TestEveryPatternHasAFailingAndAFixedVariant: §12.5's eight patterns.
func TestEveryPatternHasAFailingAndAFixedVariant(t *testing.T) {
	failing, fixed := map[int]bool{}, map[int]bool{}
	names := map[string]bool{}
	for _, sc := range Scenarios() {
		if names[sc.Name] {
			t.Errorf("duplicate scenario %s", sc.Name)
		}
		names[sc.Name] = true
		if sc.Description == "" || sc.Rule == "" {
			t.Errorf("%s: needs a description and a rule", sc.Name)
		}
		if sc.Expect == "" {
			fixed[sc.Pattern] = true
		} else {
			failing[sc.Pattern] = true
			if _, ok := deadlockLength[sc.Name]; !ok {
				t.Errorf("%s: no pinned length", sc.Name)
			}
		}
	}
	for p := 1; p <= 8; p++ {
		if !failing[p] || !fixed[p] {
			t.Errorf("pattern %d: failing variant %v, fixed variant %v", p, failing[p], fixed[p])
		}
	}
	if _, ok := ScenarioByName("wait-under-lock"); !ok {
		t.Error("ScenarioByName does not find wait-under-lock")
	}
}

// TestLockdepReportsBeforeTheDeadlock: with every property checked (what
// `check run` does), patterns 1 and 2 are reported as lockdep splats,
// with a trace no longer than the deadlock's (strictly shorter where the
// waiter needs more than one step to block).
func TestLockdepReportsBeforeTheDeadlock(t *testing.T) {
	strict := map[string]bool{"wait-under-lock": true, "reclaim-in-signalling-path": true}
	for _, sc := range Scenarios() {
		if !slices.Contains(sc.AlsoBreaks, PropLockdep) {
			continue
		}
		r, err := statespace.Check[State](mustNew(t, sc.Config()), statespace.Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		v := r.Violation
		if v == nil || v.Property != PropLockdep {
			t.Errorf("%s: first violation %+v, want %s", sc.Name, v, PropLockdep)
			continue
		}
		if d := deadlockLength[sc.Name]; v.Length() > d || strict[sc.Name] && v.Length() >= d {
			t.Errorf("%s: lockdep after %d steps, deadlock after %d", sc.Name, v.Length(), d)
		}
	}
}

// TestReclaimOutsideAnnotationEscapesLockdep: an allocation between the
// fence's publication and dma_fence_begin_signalling deadlocks the same
// way, but lockdep only knows the annotated section.
func TestReclaimOutsideAnnotationEscapesLockdep(t *testing.T) {
	sc, _ := ScenarioByName("reclaim-outside-annotation")
	r, err := statespace.Check[State](mustNew(t, sc.Config()), statespace.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Property != statespace.DeadlockProperty {
		t.Fatalf("want the deadlock to be the first report, got %+v", r.Violation)
	}
}

// replay returns the last state of tr, replaying its labels on m.
func replay(t *testing.T, m *Model, tr *statespace.Trace) State {
	t.Helper()
	index := map[string]statespace.Action{}
	for i, n := range m.ActionNames() {
		index[n] = statespace.Action(i)
	}
	s := m.Init()[tr.InitIndex]
	for _, st := range tr.Steps[1:] {
		a, ok := index[st.Label]
		if !ok {
			t.Fatalf("trace label %q is not an action", st.Label)
		}
		if !slices.Contains(m.Actions(&s, nil), a) {
			t.Fatalf("trace action %q is not enabled", st.Label)
		}
		s = m.Step(&s, a)
	}
	return s
}

// findCycle returns a cycle of the wait-for graph, or nil.
func findCycle(edges []statespace.WaitEdge) []statespace.WaitEdge {
	out := map[string][]statespace.WaitEdge{}
	var nodes []string
	for _, e := range edges {
		if _, ok := out[e.From]; !ok {
			nodes = append(nodes, e.From)
		}
		out[e.From] = append(out[e.From], e)
	}
	for _, start := range nodes {
		// Depth-first search for a path back to start.
		var path []statespace.WaitEdge
		seen := map[string]bool{}
		var dfs func(v string) bool
		dfs = func(v string) bool {
			for _, e := range out[v] {
				path = append(path, e)
				if e.To == start {
					return true
				}
				if !seen[e.To] {
					seen[e.To] = true
					if dfs(e.To) {
						return true
					}
				}
				path = path[:len(path)-1]
			}
			return false
		}
		if dfs(start) {
			return path
		}
	}
	return nil
}

// cycleResources are, per failing variant, words every wait-for cycle of
// its deadlock must mention: the pattern's resources.
var cycleResources = map[string][]string{
	"wait-under-lock":                {"resv lock of bo", "dma_resv_wait_timeout", "fence F"},
	"wait-under-driver-lock":         {"mutex struct_mutex", "dma_fence_wait", "fence F"},
	"reclaim-in-signalling-path":     {"shrinker", "fence F"},
	"reclaim-outside-annotation":     {"shrinker", "fence F"},
	"fence-lock-inversion":           {"spinlock ring", ".fence_lock", "dma_fence_add_callback", "spinlock A"},
	"recursive-lock-in-callback":     {"timeline.lock", "recursive locking", "timeline_fence_release"},
	"indefinite-fence-cycle":         {"fence K", "fence U", "dependencies of K"},
	"ww-mutex-misuse":                {"resv lock of bo0", "resv lock of bo1"},
	"ww-mutex-no-backoff":            {"resv lock of bo0", "resv lock of bo1", "dma_resv_lock_slow"},
	"cross-vm-round-trip-under-lock": {"mutex hyper_dmabuf.lock", "req", ".done"},
	"runtime-pm-suspended-exporter":  {"runtime-suspended", "P2P DMA", "fence F"},
}

// TestDeadlockedStateHasAWaitForCycle: in the deadlocked state of every
// failing variant, WaitsFor names every blocked agent, and its edges
// contain a cycle through the pattern's resources (found here, and by the
// engine in Violation.Cycle).
func TestDeadlockedStateHasAWaitForCycle(t *testing.T) {
	for _, sc := range Scenarios() {
		if sc.Expect != statespace.DeadlockProperty {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			m := mustNew(t, sc.Config())
			r, err := statespace.Check[State](m, statespace.Options{Workers: 2, Only: []string{statespace.DeadlockProperty}})
			if err != nil {
				t.Fatal(err)
			}
			v := r.Violation
			if v == nil || v.Kind != statespace.KindDeadlock {
				t.Fatalf("no deadlock: %+v", v)
			}
			s := replay(t, m, v.Trace)
			if len(m.Actions(&s, nil)) != 0 || m.ValidEnd(&s) {
				t.Fatalf("the trace does not end in a deadlock")
			}
			edges := m.WaitsFor(&s)
			from := map[string]bool{}
			for _, e := range edges {
				from[e.From] = true
			}
			for a, ag := range m.Config().Agents {
				if !m.idle(&s, a) && !from[ag.Name] {
					t.Errorf("blocked agent %s has no wait-for edge", ag.Name)
				}
			}
			cyc := findCycle(edges)
			if cyc == nil {
				t.Fatalf("no cycle in the wait-for graph:\n%s", edgeText(edges))
			}
			text := edgeText(cyc)
			for _, w := range cycleResources[sc.Name] {
				if !strings.Contains(text, w) {
					t.Errorf("cycle does not mention %q:\n%s", w, text)
				}
			}
			if len(v.Cycle) == 0 {
				t.Errorf("the engine reports no cycle; waits:\n%s", edgeText(v.Waits))
			}
		})
	}
}

func edgeText(edges []statespace.WaitEdge) string {
	var b strings.Builder
	for _, e := range edges {
		b.WriteString("  " + e.From + " waits for " + e.To + " (" + e.Why + ")\n")
	}
	return b.String()
}

// coverageVariants are the scenarios plus variants that exercise the rest
// of the model (wound-wait ww_mutexes).
func coverageVariants() map[string]Config {
	out := map[string]Config{}
	for _, sc := range Scenarios() {
		out[sc.Name] = sc.Config()
	}
	ww, _ := ScenarioByName("ww-mutex-misuse-fixed")
	cfg := ww.Config()
	cfg.WW = WoundWait
	out["ww-mutex-misuse-fixed/wound-wait"] = cfg
	return out
}

// TestEveryActionKindFires: across the scenarios, every kind of step and
// every result of it (dma_resv_lock = 0, -EALREADY, -EDEADLK, wound, ...)
// fires and changes the state somewhere.
func TestEveryActionKindFires(t *testing.T) {
	fired := map[string]bool{}
	for name, cfg := range coverageVariants() {
		m := mustNew(t, cfg)
		r, err := statespace.Check[State](m, statespace.Options{Workers: 2, NoDeadlock: true, Only: []string{PropCompletion}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Incomplete != "" {
			t.Fatalf("%s: incomplete", name)
		}
		for a, st := range r.Stats.Actions {
			if st.Changed > 0 {
				fired[m.Kind(statespace.Action(a))] = true
			}
		}
	}
	for _, k := range Kinds() {
		if !fired[k] {
			t.Errorf("no scenario takes a %s step", k)
		}
	}
}

// TestDeterministicAcrossWorkers: 1, 2 and 5 workers report the same
// counts and the same shortest counterexample, with every property and
// with deadlock detection alone.
func TestDeterministicAcrossWorkers(t *testing.T) {
	for _, sc := range Scenarios() {
		m := mustNew(t, sc.Config())
		for _, only := range [][]string{nil, {statespace.DeadlockProperty}} {
			var ref *statespace.Result
			for _, w := range []int{1, 2, 5} {
				r, err := statespace.Check[State](m, statespace.Options{Workers: w, Only: only})
				if err != nil {
					t.Fatal(err)
				}
				if ref == nil {
					ref = r
					continue
				}
				if r.Stats.States != ref.Stats.States || r.Stats.Transitions != ref.Stats.Transitions || r.Stats.MaxDepth != ref.Stats.MaxDepth || r.Status != ref.Status {
					t.Errorf("%s %v: %d workers: %d states %d transitions depth %d %s; 1 worker: %d %d %d %s", sc.Name, only, w,
						r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, r.Status, ref.Stats.States, ref.Stats.Transitions, ref.Stats.MaxDepth, ref.Status)
				}
				switch rv, fv := r.Violation, ref.Violation; {
				case (rv == nil) != (fv == nil):
					t.Errorf("%s %v: %d workers: violation %v vs %v", sc.Name, only, w, rv, fv)
				case rv != nil && rv.Trace != nil && !slices.Equal(rv.Trace.Labels(), fv.Trace.Labels()):
					t.Errorf("%s %v: %d workers: a different counterexample", sc.Name, only, w)
				case rv != nil && edgeText(rv.Cycle) != edgeText(fv.Cycle):
					t.Errorf("%s %v: %d workers: a different wait-for cycle", sc.Name, only, w)
				}
			}
		}
	}
}
