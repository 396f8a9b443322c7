package deadlock

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// driver steps a model by action labels and checks what is enabled.
type driver struct {
	t *testing.T
	m *Model
	s State
}

func newDriver(t *testing.T, cfg Config) *driver {
	t.Helper()
	m := mustNew(t, cfg)
	return &driver{t: t, m: m, s: m.Init()[0]}
}

func (d *driver) enabled() []string {
	var out []string
	for _, a := range d.m.Actions(&d.s, nil) {
		out = append(out, d.m.ActionNames()[a])
	}
	return out
}

// do takes the enabled action whose label starts with label.
func (d *driver) do(label string) {
	d.t.Helper()
	for _, a := range d.m.Actions(&d.s, nil) {
		if strings.HasPrefix(d.m.ActionNames()[a], label) {
			d.s = d.m.Step(&d.s, a)
			return
		}
	}
	d.t.Fatalf("%q is not enabled; enabled: %q", label, d.enabled())
}

// can reports whether an action whose label starts with label is enabled.
func (d *driver) can(label string) bool {
	return slices.ContainsFunc(d.enabled(), func(n string) bool { return strings.HasPrefix(n, label) })
}

// wwPair is two agents that lock bo0 and bo1 in opposite orders with a
// ww_acquire_ctx and drm_exec's backoff: "old" initialises its context
// first in the tests.
func wwPair(class WWClass) Config {
	w := newWorld()
	bos := []int{w.lock("bo0", Resv), w.lock("bo1", Resv)}
	for i, name := range []string{"old", "young"} {
		w.agent(name)
		q := newProg()
		q.wwInit()
		q.at("retry")
		q.wwLock(bos[i], "backoff")
		q.wwLock(bos[1-i], "backoff")
		q.unlock(bos[1-i])
		q.unlock(bos[i])
		q.next(q.wwFini(), "done")
		q.at("backoff")
		q.wwUnlockAll()
		q.next(q.wwLockSlow(), "retry")
		q.at("done")
		w.run(name, q)
	}
	w.cfg.WW = class
	return w.cfg
}

// TestWaitDieYoungerHolderBacksOff: dma_resv's class is wait-die: the
// older context waits for a lock the younger one holds; the younger one,
// holding a lock, gets -EDEADLK on the older one's lock instead of waiting,
// drops everything, sleeps in dma_resv_lock_slow on the contended lock and
// retries, where the lock it already holds returns -EALREADY.
func TestWaitDieYoungerHolderBacksOff(t *testing.T) {
	d := newDriver(t, wwPair(WaitDie))
	d.do("old: ww_acquire_init")
	d.do("young: ww_acquire_init")
	if d.s.Ticket[0] != 1 || d.s.Ticket[1] != 2 {
		t.Fatalf("tickets %v", d.s.Ticket[:2])
	}
	d.do("old: dma_resv_lock(bo0, &ctx) = 0")
	d.do("young: dma_resv_lock(bo1, &ctx) = 0")
	// old (older) contends bo1 held by young: it waits, no result at all.
	if d.can("old:") {
		t.Errorf("the older context must wait; enabled %q", d.enabled())
	}
	// young (younger, holding bo1) contends bo0 held by old: it dies.
	if d.can("young: dma_resv_lock(bo0, &ctx) = 0") || !d.can("young: dma_resv_lock(bo0, &ctx) = -EDEADLK") {
		t.Fatalf("want only -EDEADLK for the younger context; enabled %q", d.enabled())
	}
	edges := d.m.WaitsFor(&d.s)
	if len(edges) != 1 || edges[0].From != "old" || edges[0].To != "young" || !strings.Contains(edges[0].Why, "resv lock of bo1") {
		t.Errorf("waits for: %v", edges)
	}
	d.do("young: dma_resv_lock(bo0, &ctx) = -EDEADLK")
	if d.s.Contended[1] != 1 {
		t.Errorf("contended lock %d, want bo0+1", d.s.Contended[1])
	}
	d.do("young: backoff")
	if d.s.owner(1) >= 0 {
		t.Fatal("backoff did not drop bo1")
	}
	// dma_resv_lock_slow sleeps on bo0 (still held by old), and only on it.
	if d.can("young: dma_resv_lock_slow") {
		t.Errorf("lock_slow must wait for bo0; enabled %q", d.enabled())
	}
	d.do("old: dma_resv_lock(bo1, &ctx) = 0")
	d.do("old: dma_resv_unlock(bo1)")
	d.do("old: dma_resv_unlock(bo0)")
	if d.can("young: dma_resv_lock_slow(bo1") || !d.can("young: dma_resv_lock_slow(bo0, &ctx)") {
		t.Fatalf("lock_slow on the contended lock only; enabled %q", d.enabled())
	}
	d.do("young: dma_resv_lock_slow(bo0, &ctx)")
	d.do("young: dma_resv_lock(bo1, &ctx) = 0")
	d.do("young: dma_resv_lock(bo0, &ctx) = -EALREADY")
	d.do("old: ww_acquire_fini")
	if d.s.Ticket[1] != 1 {
		t.Errorf("after the older context ends, young's ticket is %d, want 1", d.s.Ticket[1])
	}
}

// TestWaitDieNoLocksHeldWaits: a younger context that holds nothing cannot
// be part of a cycle: it waits instead of dying (ctx->acquired == 0).
func TestWaitDieNoLocksHeldWaits(t *testing.T) {
	d := newDriver(t, wwPair(WaitDie))
	d.do("old: ww_acquire_init")
	d.do("young: ww_acquire_init")
	d.do("old: dma_resv_lock(bo0, &ctx) = 0")
	d.do("old: dma_resv_lock(bo1, &ctx) = 0")
	if d.can("young:") {
		t.Errorf("young holds nothing: it must wait; enabled %q", d.enabled())
	}
}

// TestWWAgainstContextlessHolder: a holder without a context has no stamp;
// a context contending with it waits.
func TestWWAgainstContextlessHolder(t *testing.T) {
	w := newWorld()
	a, b := w.lock("bo0", Resv), w.lock("bo1", Resv)
	w.agent("plain")
	w.agent("ctx")
	p := newProg()
	p.lock(a)
	p.unlock(a)
	w.run("plain", p)
	q := newProg()
	q.wwInit()
	q.wwLock(b, "end")
	q.wwLock(a, "end")
	q.wwUnlockAll()
	q.wwFini()
	q.at("end")
	w.run("ctx", q)
	d := newDriver(t, w.cfg)
	d.do("plain: dma_resv_lock(bo0, NULL)")
	d.do("ctx: ww_acquire_init")
	d.do("ctx: dma_resv_lock(bo1, &ctx) = 0")
	if d.can("ctx:") {
		t.Errorf("must wait for the context-less holder; enabled %q", d.enabled())
	}
}

// TestTicketsStayRanks: tickets are the order of ww_acquire_init among the
// live contexts.
func TestTicketsStayRanks(t *testing.T) {
	s := State{}
	s.Ticket = [MaxAgents]uint8{3, 0, 1, 2}
	s.Ticket[2] = 0 // the oldest context ends
	s.renumberTickets()
	if s.Ticket != [MaxAgents]uint8{2, 0, 0, 1} {
		t.Errorf("tickets %v", s.Ticket)
	}
}

// TestWoundWaitOlderWoundsHolder: with wound-wait an older context that
// holds a lock wounds the younger holder it waits for; the younger one gets
// -EDEADLK when it has to wait while holding locks.
func TestWoundWaitOlderWoundsHolder(t *testing.T) {
	d := newDriver(t, wwPair(WoundWait))
	d.do("old: ww_acquire_init")
	d.do("young: ww_acquire_init")
	d.do("old: dma_resv_lock(bo0, &ctx) = 0")
	d.do("young: dma_resv_lock(bo1, &ctx) = 0")
	// Not yet wounded: the younger context waits for the older one.
	if d.can("young:") {
		t.Errorf("unwounded young must wait; enabled %q", d.enabled())
	}
	d.do("old: dma_resv_lock(bo1, &ctx) waits and wounds")
	if !d.s.has(1, agentWounded) {
		t.Fatal("young is not wounded")
	}
	if d.can("old:") {
		t.Errorf("old keeps waiting; enabled %q", d.enabled())
	}
	d.do("young: dma_resv_lock(bo0, &ctx) = -EDEADLK")
	d.do("young: backoff")
	d.do("old: dma_resv_lock(bo1, &ctx) = 0")
}

// TestWWFixHoldsUnderBothClasses: the drm_exec loop is deadlock-free with
// wait-die and with wound-wait; without the backoff both deadlock.
func TestWWFixHoldsUnderBothClasses(t *testing.T) {
	for _, class := range []WWClass{WaitDie, WoundWait} {
		fix := wwMutex(DefaultParams, wwBackoff)
		fix.WW = class
		statespacetest.AssertHolds(t, mustNew(t, fix), statespace.Options{Workers: 2})
		bad := wwMutex(DefaultParams, wwNoBackoff)
		bad.WW = class
		r, err := statespace.Check[State](mustNew(t, bad), statespace.Options{Workers: 2, Only: []string{statespace.DeadlockProperty}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Violation == nil || r.Violation.Kind != statespace.KindDeadlock {
			t.Errorf("%s without backoff: want a deadlock, got %s", class, r.Status)
		}
	}
}

// TestProgramErrorsAreReported: a program that breaks the lock discipline
// (unlocking a lock it does not hold) is a scenario bug the engine reports.
func TestProgramErrorsAreReported(t *testing.T) {
	w := newWorld()
	l := w.lock("m", Mutex)
	w.agent("t")
	p := newProg()
	p.unlock(l)
	w.run("t", p)
	if _, err := statespace.Check[State](mustNew(t, w.cfg), statespace.Options{Workers: 1}); err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Errorf("want a model error, got %v", err)
	}
}

// TestValidateRejectsBadConfigs.
func TestValidateRejectsBadConfigs(t *testing.T) {
	bad := []Config{
		{},
		{Agents: []Agent{{Name: "a", Program: []Instr{{Op: OpLock, Obj: 0, Next: 1}}}}},
		{Locks: []Lock{{Name: "m", Kind: Mutex}}, Agents: []Agent{{Name: "a", Program: []Instr{{Op: OpWWLock, Obj: 0, Next: 1, Else: 1}}}}},
		{Locks: []Lock{{Name: "m", Kind: Mutex}}, Agents: []Agent{{Name: "a", Program: []Instr{{Op: OpLock, Obj: 0, Next: 5}}}}},
		{Agents: []Agent{{Name: "a"}, {Name: "a"}}},
	}
	for i, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
}
