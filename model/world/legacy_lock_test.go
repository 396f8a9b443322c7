package world_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// cycleOf renders a deadlock's wait-for cycle: who waits for whom, and why.
func cycleOf(r *statespace.Result) string {
	if r == nil || r.Violation == nil {
		return ""
	}
	s := ""
	for _, e := range r.Violation.Cycle {
		s += fmt.Sprintf("%s -> %s (%s); ", e.From, e.To, e.Why)
	}
	return s
}

// deadlockProps are the properties the earlier locking model checks for
// cfg, and deadlock.
func deadlockProps(t *testing.T, m *deadlock.Model) []string {
	t.Helper()
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
	for _, sc := range deadlock.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			cfg := sc.Config()
			old, err := deadlock.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := world.FromDeadlockConfig(sc.Name, cfg)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range deadlockProps(t, old) {
				opt := statespace.Options{Workers: 1, Only: []string{p}}
				ro, err := statespace.Check[deadlock.State](old, opt)
				want := verdictOf(t, ro, err)
				rw, err := world.Check(w, opt)
				got := verdictOf(t, rw, err)
				if got != want {
					t.Errorf("%s: world %v, earlier model %v", p, got, want)
				}
				if g, o := cycleOf(rw), cycleOf(ro); g != o {
					t.Errorf("%s: wait-for cycle\nworld   %s\nearlier %s", p, g, o)
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
