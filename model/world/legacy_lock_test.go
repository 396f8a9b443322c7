package world_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// baseName is an action's name without what tells apart the same call at
// two points of a program (" (step n)" in the earlier model, " @label" in
// the world).
func baseName(n string) string {
	if i := strings.Index(n, " (step "); i >= 0 && strings.HasSuffix(n, ")") {
		return n[:i]
	}
	if i := strings.Index(n, " @"); i >= 0 {
		return n[:i]
	}
	return n
}

// sameWaits replays the world's deadlock trace in the earlier model (by
// action names) and checks that it ends in a deadlock there too, with the
// same wait-for graph: every blocked agent waits for the same agents for
// the same reason, so the reported cycle is the same. (Among the shortest
// deadlocks the checker reports the state with the smallest fingerprint,
// which depends on the encoding: the two runs may pick different, equally
// short deadlocks, such as the same cycle through importer 0 or importer 1.)
func sameWaits(t *testing.T, old *deadlock.Model, v *statespace.Violation) {
	t.Helper()
	actions := old.ActionNames()
	s := old.Init()[0]
	for _, st := range v.Trace.Steps[1:] {
		var match []statespace.Action
		for _, a := range old.Actions(&s, nil) {
			if baseName(actions[a]) == baseName(st.Label) {
				match = append(match, a)
			}
		}
		if len(match) != 1 {
			t.Fatalf("world step %q: %d matching steps of the earlier model", st.Label, len(match))
		}
		s = old.Step(&s, match[0])
	}
	if len(old.Actions(&s, nil)) != 0 || old.ValidEnd(&s) {
		t.Fatalf("the world's deadlock is not one of the earlier model")
	}
	if got, want := fmt.Sprint(v.Waits), fmt.Sprint(old.WaitsFor(&s)); got != want {
		t.Errorf("wait-for graph\nworld   %s\nearlier %s", got, want)
	}
	// The world describes the stuck state as the earlier model did (its
	// own fields, the cache section's and the agents' positions, aside).
	want := old.Describe(&s)
	names := map[string]bool{}
	for _, f := range want {
		names[f.Name] = true
	}
	var got []statespace.Field
	for _, f := range v.Trace.Steps[len(v.Trace.Steps)-1].State {
		if names[f.Name] {
			got = append(got, f)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("description of the stuck state\nworld   %v\nearlier %v", got, want)
	}
	if len(v.Cycle) == 0 {
		t.Errorf("no wait-for cycle reported")
	}
}

type namedConfig struct {
	name string
	cfg  deadlock.Config
}

// deadlockConfigs are the earlier locking model's built-in scenarios, the
// ww_mutex ones also with a wound-wait class (the rest of its semantics),
// and a few with three importers.
func deadlockConfigs() []namedConfig {
	var out []namedConfig
	for _, sc := range deadlock.Scenarios() {
		out = append(out, namedConfig{sc.Name, sc.Config()})
	}
	for _, name := range []string{"ww-mutex-misuse-fixed", "ww-mutex-no-backoff"} {
		sc, _ := deadlock.ScenarioByName(name)
		cfg := sc.Config()
		cfg.WW = deadlock.WoundWait
		out = append(out, namedConfig{name + "/wound-wait", cfg})
	}
	for _, name := range []string{"wait-under-lock", "ww-mutex-misuse-fixed", "runtime-pm-suspended-exporter-fixed"} {
		sc, _ := deadlock.ScenarioByName(name)
		out = append(out, namedConfig{name + "/importers=3", sc.Build(deadlock.Params{Importers: 3, Jobs: 2})})
	}
	return out
}

// deadlockProps are the properties the earlier locking model checks for
// cfg, and deadlock.
func deadlockProps(m *deadlock.Model) []string {
	names := []string{statespace.DeadlockProperty}
	for _, p := range m.Properties() {
		names = append(names, p.Name)
	}
	return names
}

// TestWorldGivesTheDeadlockModelsVerdicts is the differential test of the
// lock family's migration: every built-in scenario of the earlier locking
// model, its agents' instruction lists re-expressed as world programs,
// gives for every property (and deadlock) the same status, kind of
// violation and shortest-counterexample length, the same numbers of
// states and transitions when the search is exhaustive, and the same
// wait-for cycle for a deadlock.
func TestWorldGivesTheDeadlockModelsVerdicts(t *testing.T) {
	for _, sc := range deadlockConfigs() {
		t.Run(sc.name, func(t *testing.T) {
			cfg := sc.cfg
			old, err := deadlock.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromDeadlockConfig(sc.name, cfg)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range deadlockProps(old) {
				opt := statespace.Options{Workers: 1, Only: []string{p}}
				ro, err := statespace.Check[deadlock.State](old, opt)
				want := verdictOf(t, ro, err)
				rw, err := world.Check(w, opt)
				got := verdictOf(t, rw, err)
				if got != want {
					t.Errorf("%s: world %v, earlier model %v", p, got, want)
				}
				t.Logf("%s: %v", p, got)
				if p == statespace.DeadlockProperty && rw.Violation != nil {
					sameWaits(t, old, rw.Violation)
				}
			}
		})
	}
}

// TestAResultIsABranchOfTheProgram: dma_resv_lock(obj, &ctx) has one call
// per kernel result, and a program branches on the result by choosing the
// branch whose first call is enabled: two importers locking two buffers in
// opposite orders with a ww_acquire_ctx back off on -EDEADLK and both
// finish, without deadlock.
func TestAResultIsABranchOfTheProgram(t *testing.T) {
	const a, b = 0, 1
	lockBoth := func(first, second int) world.Stmt {
		return world.Seq{
			world.Lk.WWAcquireInit(),
			world.Label{Name: "retry"},
			world.Choose{
				world.Lk.ResvLockCtx(first),
				world.Seq{world.Lk.ResvLockCtxDeadlk(first), world.Goto{Label: "backoff"}},
			},
			world.Choose{
				world.Lk.ResvLockCtx(second),
				world.Seq{world.Lk.ResvLockCtxDeadlk(second), world.Goto{Label: "backoff"}},
			},
			world.Lk.ResvBackoff(),
			world.Lk.WWAcquireFini(),
			world.Goto{Label: "done"},
			world.Label{Name: "backoff"},
			world.Lk.ResvBackoff(),
			world.Choose{world.Lk.ResvLockSlow(a), world.Lk.ResvLockSlow(b)},
			world.Lk.ResvBackoff(),
			world.Goto{Label: "retry"},
			world.Label{Name: "done"},
		}
	}
	spec := world.Spec{Name: "ww", Lines: 1, Writes: 1,
		Locks: world.LockSpec{Locks: []world.LockObj{{Name: "bo0", Kind: world.ResvLock}, {Name: "bo1", Kind: world.ResvLock}}},
		Agents: []world.Agent{
			{Name: "importer0", Program: lockBoth(a, b)},
			{Name: "importer1", Program: lockBoth(b, a)},
		}}
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{statespace.DeadlockProperty, world.EveryProgramCanFinish} {
		r, err := world.Check(m, statespace.Options{Workers: 1, Only: []string{p}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != statespace.StatusOK {
			t.Errorf("%s: %s %v", p, r.Status, r.Violation)
		}
	}
}

// TestWorldNamesTheDeadlockModelsSteps: every action of the earlier model
// is an action of the world with the same name (up to how each tells apart
// the same call at two points of a program), and there are no others.
func TestWorldNamesTheDeadlockModelsSteps(t *testing.T) {
	for _, sc := range deadlockConfigs() {
		old, err := deadlock.New(sc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := world.FromDeadlockConfig(sc.name, sc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		w, err := world.Build(spec)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, n := range old.ActionNames() {
			count[baseName(n)]++
		}
		for _, n := range w.ActionNames() {
			count[baseName(n)]--
		}
		for n, k := range count {
			if k != 0 {
				t.Errorf("%s: %q: %d more in the earlier model than in the world", sc.name, n, k)
			}
		}
	}
}

// BenchmarkLockWorldVsDeadlockModel compares the speed of the earlier
// locking model and the world on the largest built-in scenario
// (indefinite-fence-cycle: an exhaustive search for lockdep's property,
// one worker). The two runs alternate, so that a busy machine slows both
// alike; the ratio is the world's states/s over the earlier model's.
func BenchmarkLockWorldVsDeadlockModel(b *testing.B) {
	sc, _ := deadlock.ScenarioByName("indefinite-fence-cycle")
	cfg := sc.Config()
	opt := statespace.Options{Workers: 1, Only: []string{world.LockdepFenceSignalling}, NoDeadlock: true}
	old, err := deadlock.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	spec, err := world.FromDeadlockConfig(sc.Name, cfg)
	if err != nil {
		b.Fatal(err)
	}
	w, err := world.Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	var tOld, tWorld time.Duration
	var states uint64
	for range b.N {
		t0 := time.Now()
		r, err := statespace.Check[deadlock.State](old, opt)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := world.Check(w, opt); err != nil {
			b.Fatal(err)
		}
		tOld += t1.Sub(t0)
		tWorld += time.Since(t1)
		states += r.Stats.States
	}
	b.ReportMetric(float64(states)/tOld.Seconds(), "earlier-states/s")
	b.ReportMetric(float64(states)/tWorld.Seconds(), "world-states/s")
	b.ReportMetric(tOld.Seconds()/tWorld.Seconds(), "ratio")
}
