package deadlock

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// signallerAndWaiter is §5.2's canonical pair over lock l: the waiter takes
// l and waits for F (if waitUnder) or waits first; the signaller enters the
// signalling critical section, takes l (if takeInSection), and signals F.
func signallerAndWaiter(kind LockKind, waitUnder, takeInSection bool) Config {
	w := newWorld()
	l := w.lock("L", kind)
	f := w.fence(Fence{Name: "F", Resv: -1, Lock: -1, Published: true})
	w.agent("waiter")
	w.agent("signaller")
	wt := newProg()
	if !waitUnder {
		wt.wait(f)
	}
	wt.lock(l)
	if waitUnder {
		wt.wait(f)
	}
	wt.unlock(l)
	w.run("waiter", wt)
	sg := newProg()
	sg.begin()
	if takeInSection {
		sg.lock(l)
		sg.unlock(l)
	}
	sg.signal(f)
	sg.end()
	w.run("signaller", sg)
	return w.cfg
}

func lockdepOK(d *driver) bool { return d.m.LockdepConflict(&d.s) == 0 }

// TestLockdepLearnsBothSidesOfAMutex: a driver mutex is not primed, so
// lockdep reports it once it has seen it taken in a signalling critical
// section and held around a dma_fence_wait — here on a run that does not
// deadlock (the fence was signalled first), which is the point of lockdep.
func TestLockdepLearnsBothSidesOfAMutex(t *testing.T) {
	d := newDriver(t, signallerAndWaiter(Mutex, true, true))
	d.do("signaller: dma_fence_begin_signalling")
	if !lockdepOK(d) {
		t.Fatal("nothing is held around a wait yet")
	}
	d.do("signaller: mutex_lock(L)")
	d.do("signaller: mutex_unlock(L)")
	d.do("signaller: dma_fence_signal(F)")
	d.do("signaller: dma_fence_end_signalling")
	if d.s.LockdepSig != 1 {
		t.Fatalf("lockdep forgot L taken in the section: %b", d.s.LockdepSig)
	}
	if !lockdepOK(d) {
		t.Fatal("no wait under L yet")
	}
	d.do("waiter: mutex_lock(L)")
	if lockdepOK(d) {
		t.Fatal("the waiter is in dma_fence_wait under L: lockdep must report it")
	}
	d.do("waiter: dma_fence_wait(F)")
	if lockdepOK(d) || d.s.LockdepWait&1 == 0 {
		t.Fatal("lockdep must remember L held around the wait")
	}
}

// TestLockdepAttemptCounts: lockdep validates an acquisition before the
// thread blocks, so a signaller stuck on L inside its section counts.
func TestLockdepAttemptCounts(t *testing.T) {
	d := newDriver(t, signallerAndWaiter(Mutex, true, true))
	d.do("waiter: mutex_lock(L)")
	d.do("signaller: dma_fence_begin_signalling")
	if len(d.enabled()) != 0 {
		t.Fatalf("want the deadlock, enabled %q", d.enabled())
	}
	if d.m.LockdepConflict(&d.s) != 1 {
		t.Errorf("lockdep conflict %b, want L", d.m.LockdepConflict(&d.s))
	}
	if !strings.Contains(d.m.lockdepText(&d.s), "POSSIBLE DEADLOCK on L") {
		t.Errorf("lockdep text %q", d.m.lockdepText(&d.s))
	}
}

// TestLockdepRule: the property holds exactly when no lock is both taken
// in a signalling section and held around a wait.
func TestLockdepRule(t *testing.T) {
	for _, c := range []struct {
		name                     string
		kind                     LockKind
		waitUnder, takeInSection bool
		noPriming                bool
		want                     bool // property holds
	}{
		{"mutex on both sides", Mutex, true, true, false, false},
		{"mutex not taken in the section", Mutex, true, false, false, true},
		{"mutex not held around the wait", Mutex, false, true, false, true},
		{"resv taken in the section, primed", Resv, false, true, false, false},
		{"resv taken in the section, not primed, no wait under it", Resv, false, true, true, true},
		{"resv on both sides, not primed", Resv, true, true, true, false},
	} {
		cfg := signallerAndWaiter(c.kind, c.waitUnder, c.takeInSection)
		cfg.NoLockdepPriming = c.noPriming
		r, err := statespace.Check[State](mustNew(t, cfg), statespace.Options{Workers: 1, Only: []string{PropLockdep}, NoDeadlock: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Status == statespace.StatusOK; got != c.want {
			t.Errorf("%s: holds %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLockdepFsReclaim: a GFP_KERNEL allocation is an acquisition of
// fs_reclaim (primed as held around fence waits, shrinkers wait for
// fences): forbidden inside the section even when it takes the fast path;
// GFP_ATOMIC and allocations outside the section are fine.
func TestLockdepFsReclaim(t *testing.T) {
	for _, c := range []struct {
		name      string
		emit      func(p *prog)
		inSection bool
		want      bool
	}{
		{"GFP_KERNEL inside", func(p *prog) { p.allocKernel() }, true, false},
		{"GFP_ATOMIC inside", func(p *prog) { p.allocAtomic() }, true, true},
		{"GFP_KERNEL outside", func(p *prog) { p.allocKernel() }, false, true},
	} {
		w := newWorld()
		f := w.fence(Fence{Name: "F", Resv: -1, Lock: -1, Published: true})
		w.agent("signaller")
		p := newProg()
		if c.inSection {
			p.begin()
		}
		c.emit(p)
		if c.inSection {
			p.end()
		}
		p.signal(f)
		w.run("signaller", p)
		r, err := statespace.Check[State](mustNew(t, w.cfg), statespace.Options{Workers: 1, Only: []string{PropLockdep}, NoDeadlock: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Status == statespace.StatusOK; got != c.want {
			t.Errorf("%s: holds %v, want %v", c.name, got, c.want)
		}
	}
}
