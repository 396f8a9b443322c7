package world

import (
	"fmt"
	"strings"
)

// Lockdep's lock-order rule (kernel/locking/lockdep.c: check_prev_add,
// check_deadlock). Lockdep keeps a graph of lock classes: taking class B
// while holding class A adds the edge A → B, and an acquisition that
// would close a cycle (B → A when A → B is known) is reported as a
// "possible circular locking dependency" the moment it is attempted,
// whether or not the two paths could ever run at once. Taking a class
// while holding the same class is "possible recursive locking", unless
// the acquisition is annotated as nested: a ww_mutex taken with its
// ww_acquire_ctx (the context is the nest_lock, include/linux/ww_mutex.h:
// ww_mutex_lock → mutex_acquire_nest) is.
//
// The world's lock classes are its locks, except that every dma_resv lock
// is one class (reservation_ww_class_mutex) and fs_reclaim is class 7.
// A fence->lock spinlock is a class of its own, taken by
// dma_fence_signal and dma_fence_add_callback inside their step; a
// container's callback signalling the container under its member's lock
// (the synchronous dma_fence_array_cb_func before the irq_work) takes the
// container's lock while the member's is held.
//
// The graph is part of the state (LockSpec.LockOrder): 8 bytes, byte a
// the classes taken while class a was held. The property adds the
// acquisitions being attempted (lockdep checks before the thread blocks)
// and the order dma_resv_lockdep() primes at boot (a resv lock held while
// fs_reclaim is taken, drivers/dma-buf/dma-resv.c: dma_resv_lockdep).

// LockOrderRule is lockdep's lock-order rule as a property
// (LockSpec.LockOrder): no two lock classes are taken in both orders, and
// no class is taken while it is held without a nesting annotation.
const LockOrderRule = "lock-order"

// lkClasses is the number of lockdep classes the graph tracks: MaxLocks
// locks and fs_reclaim.
const lkClasses = 8

// lkClassOf is lock l's lockdep class (bit 7: fs_reclaim): every resv
// lock is the class of the first resv lock.
func (c *core) lkClassOf(l int) int {
	if l == 7 {
		return 7
	}
	d := c.spec.Locks.d
	if d.resvMask&(1<<l) != 0 {
		for r := range 7 {
			if d.resvMask&(1<<r) != 0 {
				return r
			}
		}
	}
	return l
}

// lkClassMask maps a mask of locks to their classes.
func (c *core) lkClassMask(m uint8) uint8 {
	var out uint8
	for l := range 8 {
		if m&(1<<l) != 0 {
			out |= 1 << c.lkClassOf(l)
		}
	}
	return out
}

// lkHeldClasses is the classes agent ag holds (fs_reclaim while it is in
// direct reclaim).
func (v View) lkHeldClasses(ag int) uint8 {
	h := v.lkHeld(ag)
	if v.lkHas(ag, lkReclaim) {
		h |= lkFSReclaim
	}
	return v.w.lkClassMask(h)
}

// lkOrderEdges adds to g the edges of agent ag taking the locks acq:
// every class it holds → every class it takes; with nest, a class taken
// inside itself is annotated and adds no edge to itself.
func (v View) lkOrderEdges(g *[lkClasses]uint8, ag int, acq uint8, nest bool) {
	if acq == 0 {
		return
	}
	held, take := v.lkHeldClasses(ag), v.w.lkClassMask(acq)
	for a := range lkClasses {
		if held&(1<<a) == 0 {
			continue
		}
		t := take
		if nest {
			t &^= 1 << a
		}
		g[a] |= t
	}
}

// lkNoteOrder records in the state's graph the locks acq agent ag takes
// now.
func (v View) lkNoteOrder(ag int, acq uint8, nest bool) {
	d := v.w.spec.Locks.d
	if !v.w.spec.Locks.LockOrder {
		return
	}
	var g [lkClasses]uint8
	v.lkOrderEdges(&g, ag, acq, nest)
	for a := range lkClasses {
		v.b[d.ldOrder+a] |= g[a]
	}
}

// lkNests reports whether call is an acquisition annotated as nested in
// its own class (a resv lock taken with the agent's ww_acquire_ctx).
func lkNests(call Call) bool {
	switch call.Kind {
	case lkResvLockCtx, lkResvLockCtxAlready, lkResvLockCtxDeadlk, lkResvLockCtxWound, lkResvLockSlow:
		return true
	}
	return false
}

// LockOrderGraph returns lockdep's class graph: byte a the classes taken
// while class a was held, as recorded, primed at boot, and attempted now.
func (v View) LockOrderGraph() [lkClasses]uint8 {
	d := v.w.spec.Locks.d
	var g [lkClasses]uint8
	copy(g[:], v.b[d.ldOrder:d.ldOrder+lkClasses])
	if !v.w.spec.Locks.NoLockdepPriming && d.resvMask != 0 {
		g[v.w.lkClassOf(lkFirst(d.resvMask))] |= lkFSReclaim
	}
	for ag := range v.w.spec.Agents {
		if v.lkFinished(ag) {
			continue
		}
		v.lkOrderEdges(&g, ag, v.lkAcquiring(ag), lkNests(v.lkPoint(ag).call))
	}
	return g
}

// lkFirst is the lowest bit set in m.
func lkFirst(m uint8) int {
	for l := range 8 {
		if m&(1<<l) != 0 {
			return l
		}
	}
	return -1
}

// LockOrderInversion returns the classes lockdep sees taken in both
// orders (a → b and b → a; a == b for recursive locking), or ok false.
func (v View) LockOrderInversion() (a, b int, ok bool) {
	g := v.LockOrderGraph()
	for a := range lkClasses {
		for b := a; b < lkClasses; b++ {
			if g[a]&(1<<b) != 0 && g[b]&(1<<a) != 0 {
				return a, b, true
			}
		}
	}
	return 0, 0, false
}

// lockOrderDescribe renders lockdep's graph for traces.
func (c *core) lockOrderDescribe(v View) string {
	g := v.LockOrderGraph()
	var edges []string
	for a := range lkClasses {
		for b := range lkClasses {
			if g[a]&(1<<b) != 0 {
				edges = append(edges, c.lkLockName(a)+" → "+c.lkLockName(b))
			}
		}
	}
	if len(edges) == 0 {
		return "no lock taken inside another"
	}
	return strings.Join(edges, ", ")
}

// lockOrder explains lock-order: the step that first took b while
// holding a, and the step that takes a while holding b (or a inside
// itself).
func (n *lockNarrator) lockOrder() string {
	t, c := n.t, n.c
	i := t.violatedAt(func(v View) bool { _, _, bad := v.LockOrderInversion(); return !bad })
	if i < 0 {
		return ""
	}
	a, b, _ := t.state(i).LockOrderInversion()
	name := c.lkLockName
	// learned is the first state whose graph has x → y, and the agent
	// that took (or attempts) y while holding x there.
	learned := func(x, y int) (int, string) {
		for j := 0; j <= i; j++ {
			v := t.state(j)
			if g := v.LockOrderGraph(); g[x]&(1<<y) == 0 {
				continue
			}
			if j > 0 && v.b[c.spec.Locks.d.ldOrder+x]&(1<<y) != 0 && t.state(j - 1).b[c.spec.Locks.d.ldOrder+x]&(1<<y) == 0 {
				return j, t.who(j) + " takes"
			}
			for ag := range c.spec.Agents {
				var g [lkClasses]uint8
				if !v.lkFinished(ag) {
					v.lkOrderEdges(&g, ag, v.lkAcquiring(ag), lkNests(v.lkPoint(ag).call))
				}
				if g[x]&(1<<y) != 0 {
					return j, c.spec.Agents[ag].Name + " attempts " + v.lkStepText(ag) + ", taking"
				}
			}
			return j, ""
		}
		return i, ""
	}
	rule := "lockdep reports it when the second order is attempted, even if the two paths never run at once (kernel/locking/lockdep.c: check_prev_add)"
	if a == b {
		j, who := learned(a, a)
		class := name(a)
		if c.spec.Locks.d.resvMask&(1<<a) != 0 {
			class = "reservation_ww_class_mutex, every dma_resv lock"
		}
		return fmt.Sprintf("at step %d %s a lock of the lockdep class it already holds (%s) without a nesting annotation: lockdep reports \"possible recursive locking detected\" (kernel/locking/lockdep.c: check_deadlock); "+
			"dma_resv locks nest only under one ww_acquire_ctx (dma_resv_lock(obj, &ctx)), spinlocks of one class with spin_lock_nested.",
			j, who, class)
	}
	ab, abWho := learned(a, b)
	ba, baWho := learned(b, a)
	first, second, firstWho, secondWho := ab, ba, abWho, baWho
	x, y := a, b
	if ba < ab {
		first, second, firstWho, secondWho, x, y = ba, ab, baWho, abWho, b, a
	}
	firstWhat := fmt.Sprintf("at step %d %s %s while holding %s", first, firstWho, name(y), name(x))
	if firstWho == "" {
		firstWhat = fmt.Sprintf("dma_resv_lockdep() primed at boot that %s is taken while holding %s", name(y), name(x))
	}
	return fmt.Sprintf("%s; at step %d %s %s while holding %s, the other order: lockdep reports \"possible circular locking dependency detected\" on %s and %s; %s. "+
		"Take the two locks in one order on every path (or drop the first before taking the second).",
		firstWhat, second, secondWho, name(x), name(y), name(x), name(y), rule)
}
