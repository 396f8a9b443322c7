package world_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// lockWorld builds a world of the lock family (the cache section present
// but unused).
func lockWorld(t *testing.T, ls world.LockSpec, agents ...world.Agent) *world.Model {
	t.Helper()
	m, err := world.Build(world.Spec{Name: t.Name(), Lines: 1, Writes: 1, Locks: ls, Agents: agents})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func checkOnly(t *testing.T, m *world.Model, p string) *statespace.Result {
	t.Helper()
	r, err := world.Check(m, statespace.Options{Workers: 1, Only: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fired reports whether an action whose name contains s changed a state.
func fired(r *statespace.Result, s string) bool {
	for _, a := range r.Stats.Actions {
		if strings.Contains(a.Name, s) && a.Changed > 0 {
			return true
		}
	}
	return false
}

// TestLockdepFlagsALockTakenInsideSignallingAndHeldAroundAWait is
// kernel-rules §5.2: T1 lock(A); dma_fence_wait(B) against T2's signalling
// section lock(A); dma_fence_signal(B) is a possible deadlock lockdep
// reports, even on runs that do not deadlock; waiting before the lock is
// not.
func TestLockdepFlagsALockTakenInsideSignallingAndHeldAroundAWait(t *testing.T) {
	const mu, f = 0, 0
	ls := world.LockSpec{NoLockdepPriming: true,
		Locks:  []world.LockObj{{Name: "struct_mutex", Kind: world.MutexLock}},
		Fences: []world.LockFence{{Name: "F", Resv: -1, Lock: -1, Published: true}}}
	signaller := world.Agent{Name: "irq-worker", Program: world.Seq{
		world.Lk.BeginSignalling(), world.Lk.MutexLock(mu), world.Lk.MutexUnlock(mu),
		world.Lk.FenceSignal(f), world.Lk.EndSignalling(),
	}}
	waitUnderLock := world.Agent{Name: "importer", Program: world.Seq{
		world.Lk.MutexLock(mu), world.Lk.FenceWait(f), world.Lk.MutexUnlock(mu),
	}}
	waitFirst := world.Agent{Name: "importer", Program: world.Seq{
		world.Lk.FenceWait(f), world.Lk.MutexLock(mu), world.Lk.MutexUnlock(mu),
	}}
	if r := checkOnly(t, lockWorld(t, ls, waitUnderLock, signaller), world.LockdepFenceSignalling); r.Violation == nil {
		t.Errorf("waiting under struct_mutex: lockdep sees nothing")
	}
	if r := checkOnly(t, lockWorld(t, ls, waitFirst, signaller), world.LockdepFenceSignalling); r.Status != statespace.StatusOK {
		t.Errorf("waiting before struct_mutex: %v", r.Violation)
	}
}

// TestARecursiveSpinLockWaitsForItself: taking a spinlock the thread
// already holds never returns, and the wait-for graph names the thread
// waiting for itself.
func TestARecursiveSpinLockWaitsForItself(t *testing.T) {
	ls := world.LockSpec{Locks: []world.LockObj{{Name: "timeline.lock", Kind: world.SpinLock}}}
	m := lockWorld(t, ls, world.Agent{Name: "user", Program: world.Seq{world.Lk.SpinLock(0), world.Lk.SpinLock(0)}})
	r := checkOnly(t, m, statespace.DeadlockProperty)
	if r.Violation == nil || len(r.Violation.Cycle) != 1 {
		t.Fatalf("want a deadlock with a one-edge cycle, got %+v", r.Violation)
	}
	if e := r.Violation.Cycle[0]; e.From != "user" || e.To != "user" || !strings.Contains(e.Why, "recursive locking") {
		t.Errorf("cycle edge %+v", e)
	}
}

// TestWaitingForWorkAtAnIdlePointIsNoDeadlock: a worker that waits for an
// irq_work nobody queues is idle, not stuck, when the point is declared
// idle; otherwise it waits for nobody.
func TestWaitingForWorkAtAnIdlePointIsNoDeadlock(t *testing.T) {
	worker := world.Agent{Name: "irq-work", Program: world.Seq{world.Label{Name: "wait for work"}, world.Lk.Recv(0)}}
	ls := world.LockSpec{Channels: []string{"work"}}
	r := checkOnly(t, lockWorld(t, ls, worker), statespace.DeadlockProperty)
	if r.Violation == nil || r.Violation.Waits[0].To != "nobody" {
		t.Fatalf("without an idle point: want a deadlock waiting for nobody, got %+v", r.Violation)
	}
	ls.Idle = []world.LockPoint{{Agent: "irq-work", Label: "wait for work"}}
	if r := checkOnly(t, lockWorld(t, ls, worker), statespace.DeadlockProperty); r.Status != statespace.StatusOK {
		t.Errorf("at an idle point: %v", r.Violation)
	}
}

// TestWoundWaitOlderContextWoundsTheYoungerHolder: with a wound-wait class
// the older context wounds a younger holder and keeps waiting; the wounded
// one gets -EDEADLK at its next contended lock, backs off, and both
// finish.
func TestWoundWaitOlderContextWoundsTheYoungerHolder(t *testing.T) {
	lockBoth := func(first, second int) world.Stmt {
		lock := func(l int) world.Stmt {
			return world.Seq{
				world.Label{Name: "lock " + string(rune('0'+l))},
				world.Choose{
					world.Lk.ResvLockCtx(l),
					world.Lk.ResvLockCtxAlready(l),
					world.Seq{world.Lk.ResvLockCtxDeadlk(l), world.Goto{Label: "backoff"}},
					world.Seq{world.Lk.ResvLockCtxWound(l), world.Goto{Label: "lock " + string(rune('0'+l))}},
				},
			}
		}
		return world.Seq{
			world.Lk.WWAcquireInit(),
			world.Label{Name: "retry"},
			lock(first), lock(second),
			world.Lk.ResvBackoff(), world.Lk.WWAcquireFini(),
			world.Goto{Label: "done"},
			world.Label{Name: "backoff"},
			world.Lk.ResvBackoff(),
			world.Choose{world.Lk.ResvLockSlow(0), world.Lk.ResvLockSlow(1)},
			world.Goto{Label: "retry"},
			world.Label{Name: "done"},
		}
	}
	ls := world.LockSpec{WW: world.WoundWait,
		Locks: []world.LockObj{{Name: "bo0", Kind: world.ResvLock}, {Name: "bo1", Kind: world.ResvLock}}}
	m := lockWorld(t, ls, world.Agent{Name: "old", Program: lockBoth(0, 1)}, world.Agent{Name: "young", Program: lockBoth(1, 0)})
	r := checkOnly(t, m, statespace.DeadlockProperty)
	if r.Status != statespace.StatusOK {
		t.Fatalf("deadlock: %v", r.Violation)
	}
	for _, call := range []string{"wounds the younger holder", "= -EDEADLK", "= -EALREADY", "dma_resv_lock_slow"} {
		if !fired(r, call) {
			t.Errorf("no %q in any run", call)
		}
	}
	if r := checkOnly(t, m, world.EveryProgramCanFinish); r.Status != statespace.StatusOK {
		t.Errorf("%s: %v", world.EveryProgramCanFinish, r.Violation)
	}
}

// TestAWoundNeedsAWoundWaitClass: dma_resv's class is wait-die, which
// never wounds; a program that expects a wound is rejected.
func TestAWoundNeedsAWoundWaitClass(t *testing.T) {
	ls := world.LockSpec{Locks: []world.LockObj{{Name: "bo", Kind: world.ResvLock}}}
	_, err := world.Build(world.Spec{Name: "wound", Lines: 1, Writes: 1, Locks: ls,
		Agents: []world.Agent{{Name: "a", Program: world.Seq{world.Lk.WWAcquireInit(), world.Lk.ResvLockCtxWound(0)}}}})
	if err == nil || !strings.Contains(err.Error(), "wound-wait") {
		t.Errorf("got %v", err)
	}
}
