package world

import "slices"

// The lock family's file form: its calls by their kernel names and the
// atoms of its objects.
//
// A call with several kernel results has one call kind per result; the
// file writes the result after the call, the plain form being the
// success:
//
//	dma_resv_lock(bo, ctx)               // = 0 (also written "= 0")
//	dma_resv_lock(bo, ctx) = -EALREADY
//	dma_resv_lock(bo, ctx) = -EDEADLK
//	__ww_mutex_wound(bo, ctx)            // wound-wait: wounds the younger holder, waits on
//	pm_runtime_get_if_active(gpu) = 0    // suspended
//	atomic_dec_and_test(array) = false   // both results written
//
// A step the kernel takes by another path has the kernel function of that
// path: kmalloc(GFP_KERNEL) is the fast path, __alloc_pages_direct_reclaim()
// the slow one (shrink_slab() follows), dma_fence_release(f) the
// dma_fence_put that drops the last reference.
//
// ctx is the agent's own ww_acquire_ctx (one per agent) and NULL the
// absent one; they are fixed words. A fence's dma_resv and usage are
// declared with the fence (locks: fences:), and dma_resv_add_fence repeats
// them as the kernel call does: dma_resv_add_fence(bo, job, DMA_RESV_USAGE_WRITE).
//
// Any call may carry its program's own words for it, shown in traces:
// send(execbuf) as "execbuf ioctl returns [job 1]" (Call.Text).

// lockNames lists the names of the locks of kind k (all locks if k < 0).
func lockNames(k int) func(s *Spec) []string {
	return func(s *Spec) []string {
		var out []string
		for _, l := range s.Locks.Locks {
			if k < 0 || int(l.Kind) == k {
				out = append(out, l.Name)
			}
		}
		return out
	}
}

// argLockOf is a lock of kind k (any kind if k < 0) in Call.Obj.
func argLockOf(form, what string, k int) Arg {
	return Arg{Form: form, What: what, Names: lockNames(k),
		Parse: func(s *Spec, t string) (int, bool) {
			i := slices.IndexFunc(s.Locks.Locks, func(l LockObj) bool { return l.Name == t })
			return i, i >= 0 && (k < 0 || int(s.Locks.Locks[i].Kind) == k)
		},
		Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return nameAt(lockNames(-1)(s), v) }}
}

// nameAt is names[v], or "" out of range (CallText then finds the value
// is not one the syntax takes).
func nameAt(names []string, v int) string {
	if v < 0 || v >= len(names) {
		return ""
	}
	return names[v]
}

// lockFenceNames lists the lock family's fences that satisfy ok.
func lockFenceNames(ok func(LockFence) bool) func(s *Spec) []string {
	return func(s *Spec) []string {
		var out []string
		for _, f := range s.Locks.Fences {
			if ok(f) {
				out = append(out, f.Name)
			}
		}
		return out
	}
}

// argFenceOf is a lock-family fence that satisfies ok, in Call.Obj.
func argFenceOf(what string, ok func(LockFence) bool) Arg {
	return Arg{Form: "FENCE", What: what, Names: lockFenceNames(ok),
		Parse: func(s *Spec, t string) (int, bool) {
			i := slices.IndexFunc(s.Locks.Fences, func(f LockFence) bool { return f.Name == t })
			return i, i >= 0 && ok(s.Locks.Fences[i])
		},
		Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return nameAt(lockFenceNames(anyFence)(s), v) }}
}

// argNamed is an object of a list of names in Call.Obj (or Call.N).
func argNamed(form, what string, names func(s *Spec) []string, inN bool) Arg {
	a := Arg{Form: form, What: what, Names: names, Parse: byName(names),
		Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj }}
	if inN {
		a.Set, a.Get = func(c *Call, v int) { c.N = v }, func(c Call) int { return c.N }
	}
	return a
}

// argWord is a fixed word (ctx, NULL): a derived argument.
func argWord(w string) Arg {
	return Arg{Form: w, What: w, Get: func(Call) int { return 0 }, Format: func(*Spec, int) string { return w }}
}

func anyFence(LockFence) bool { return true }

// The lock family's arguments.
var (
	argMutex     = argLockOf("MUTEX", "a mutex", int(MutexLock))
	argSpinlock  = argLockOf("SPINLOCK", "a spinlock", int(SpinLock))
	argResv      = argLockOf("RESV", "a dma_resv (resv lock)", int(ResvLock))
	argLockFence = argFenceOf("a fence", anyFence)
	argCtx       = argWord("ctx")
	argNULL      = argWord("NULL")
	argLockUsage = Arg{Form: "USAGE", What: "a dma_resv_usage", Names: func(*Spec) []string { return resvUsageNames[:] },
		Parse: func(_ *Spec, t string) (int, bool) { i := slices.Index(resvUsageNames[:], t); return i, i >= 0 },
		Set:   func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N },
		Format: func(_ *Spec, v int) string { return ResvUsage(v).String() }}
	argChannel = argNamed("CHANNEL", "a channel", func(s *Spec) []string { return s.Locks.Channels }, false)
	argPMDev   = argNamed("PM_DEVICE", "a runtime-PM device", func(s *Spec) []string { return s.Locks.PMDevices }, false)
	argOwner   = argNamed("AGENT", "an agent", agentNames, true)
	// argFenceResv and argFenceUsage are the dma_resv and usage a fence
	// is declared with (derived from the fence).
	argFenceResv = Arg{Form: "RESV", What: "the fence's dma_resv", Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return s.Locks.Locks[s.Locks.Fences[v].Resv].Name }}
	argFenceUsage = Arg{Form: "USAGE", What: "the fence's usage", Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return s.Locks.Fences[v].Usage.String() }}
)

// lockSyntaxes are the lock family's calls as scenario files write them
// (syntax.go). Where a kind has several forms, the first is the one
// CallText writes.
var lockSyntaxes = []Syntax{
	{Name: "nop", Kind: lkNop, Help: `a driver step the model does not track; its text names it: nop() as "ttm_bo_move_memcpy(bo)"`},
	{Name: "mutex_lock", Kind: lkMutexLock, Args: []Arg{argMutex}},
	{Name: "mutex_unlock", Kind: lkMutexUnlock, Args: []Arg{argMutex}},
	{Name: "spin_lock", Kind: lkSpinLock, Args: []Arg{argSpinlock}, Help: "spin_lock_irqsave"},
	{Name: "spin_unlock", Kind: lkSpinUnlock, Args: []Arg{argSpinlock}, Help: "spin_unlock_irqrestore"},
	{Name: "dma_resv_lock", Kind: lkResvLock, Args: []Arg{argResv, argNULL}, Help: "without a ww_acquire_ctx"},
	{Name: "dma_resv_unlock", Kind: lkResvUnlock, Args: []Arg{argResv}},
	{Name: "ww_acquire_init", Kind: lkWWAcquireInit, Args: []Arg{argCtx}, Help: "the agent's context gets its stamp"},
	{Name: "dma_resv_lock", Kind: lkResvLockCtx, Args: []Arg{argResv, argCtx}, Help: "acquired (returns 0)"},
	{Name: "dma_resv_lock", Kind: lkResvLockCtx, Args: []Arg{argResv, argCtx}, Result: "0", Help: "acquired"},
	{Name: "dma_resv_lock", Kind: lkResvLockCtxAlready, Args: []Arg{argResv, argCtx}, Result: "-EALREADY", Help: "the context already holds it"},
	{Name: "dma_resv_lock", Kind: lkResvLockCtxDeadlk, Args: []Arg{argResv, argCtx}, Result: "-EDEADLK", Help: "back off: unlock all, then dma_resv_lock_slow"},
	{Name: "__ww_mutex_wound", Kind: lkResvLockCtxWound, Args: []Arg{argResv, argCtx}, Help: "wound-wait: dma_resv_lock(RESV, ctx) wounds the younger holder and waits on"},
	{Name: "dma_resv_lock_slow", Kind: lkResvLockSlow, Args: []Arg{argResv, argCtx}, Help: "after -EDEADLK: RESV is the contended lock"},
	{Name: "drm_exec_unlock_all", Kind: lkResvBackoff, Args: []Arg{argCtx}, Help: "backoff: dma_resv_unlock of every resv the context holds"},
	{Name: "ww_acquire_fini", Kind: lkWWAcquireFini, Args: []Arg{argCtx}},
	{Name: "dma_resv_add_fence", Kind: lkFencePublish, Args: []Arg{argFenceResv, argFenceOf("a fence declared with a dma_resv", func(f LockFence) bool { return f.Resv >= 0 }), argFenceUsage},
		Help: "the fence's dma_resv and usage are those it is declared with"},
	{Name: "drm_sched_entity_push_job", Kind: lkFencePublish, Args: []Arg{argFenceOf("a fence declared without a dma_resv", func(f LockFence) bool { return f.Resv < 0 })},
		Help: "the job's fence becomes visible"},
	{Name: "drm_sched_run_job", Kind: lkSchedRunJob, Args: []Arg{argLockFence}, Help: "the scheduler picks the job (its fence is published)"},
	{Name: "drm_sched_entity_pop_job", Kind: lkSchedWaitDeps, Args: []Arg{argFenceOf("a fence declared with deps", func(f LockFence) bool { return f.Deps })},
		Help: "the job's dependencies have signalled"},
	{Name: "dma_fence_wait", Kind: lkFenceWait, Args: []Arg{argLockFence}},
	{Name: "dma_resv_wait_timeout", Kind: lkResvWait, Args: []Arg{argResv, argLockUsage}},
	{Name: "dma_fence_signal", Kind: lkFenceSignal, Args: []Arg{argLockFence}, Help: "takes fence->lock if declared"},
	{Name: "dma_fence_signal_locked", Kind: lkFenceSignalLocked, Args: []Arg{argFenceOf("a fence declared with a lock", func(f LockFence) bool { return f.Lock >= 0 })}},
	{Name: "dma_fence_begin_signalling", Kind: lkBeginSignalling},
	{Name: "dma_fence_end_signalling", Kind: lkEndSignalling},
	{Name: "kmalloc", Lead: "GFP_KERNEL", Kind: lkKmalloc, Help: "the fast path (fs_reclaim is still acquired for lockdep)"},
	{Name: "kmalloc", Lead: "GFP_ATOMIC", Kind: lkKmallocAtomic, Help: "never reclaims"},
	{Name: "__alloc_pages_direct_reclaim", Kind: lkKmallocReclaim, Help: "kmalloc(GFP_KERNEL) entering direct reclaim (fs_reclaim); shrink_slab() follows"},
	{Name: "shrink_slab", Kind: lkShrink, Help: "direct reclaim's shrinker waits for the fences of the buffers it frees"},
	{Name: "dma_fence_get", Kind: lkFenceGet, Args: []Arg{argLockFence}},
	{Name: "dma_fence_put", Kind: lkFencePut, Args: []Arg{argLockFence}, Help: "not the last reference"},
	{Name: "dma_fence_release", Kind: lkFencePutLast, Args: []Arg{argLockFence}, Help: "dma_fence_put of the last reference"},
	{Name: "dma_fence_add_callback", Kind: lkAddCallback, Args: []Arg{argLockFence}, Help: "registered (returns 0)"},
	{Name: "dma_fence_add_callback", Kind: lkAddCallback, Args: []Arg{argLockFence}, Result: "0"},
	{Name: "dma_fence_add_callback", Kind: lkAddCallbackENOENT, Args: []Arg{argLockFence}, Result: "-ENOENT", Help: "already signalled"},
	{Name: "dma_fence_run_callback", Kind: lkRunCallback, Args: []Arg{argLockFence, argOwner}, Help: "the signaller runs the callback AGENT registered on FENCE"},
	{Name: "dma_fence_run_callback", Kind: lkNoCallback, Args: []Arg{argLockFence, argOwner}, Result: "none", Help: "AGENT has no callback registered on FENCE"},
	{Name: "atomic_dec_and_test", Kind: lkArrayDecTrue, Args: []Arg{argLockFence}, Result: "true", Help: "&array->num_pending reaches 0"},
	{Name: "atomic_dec_and_test", Kind: lkArrayDecFalse, Args: []Arg{argLockFence}, Result: "false"},
	{Name: "send", Kind: lkSend, Args: []Arg{argChannel}, Help: "a message: a ring request or response, irq_work_queue, complete()"},
	{Name: "recv", Kind: lkRecv, Args: []Arg{argChannel}, Help: "blocks while no message is in flight"},
	{Name: "dma_buf_dynamic_attach", Kind: lkP2PAttach, Args: []Arg{argPMDev}, Help: "with allow_peer2peer, to PM_DEVICE's buffer (the exporter takes a runtime-PM reference)"},
	{Name: "dma_buf_detach", Kind: lkP2PDetach, Args: []Arg{argPMDev}, Help: "of the peer-to-peer attachment (drops its runtime-PM reference)"},
	{Name: "pm_runtime_get_sync", Kind: lkPMGetSync, Args: []Arg{argPMDev}},
	{Name: "pm_runtime_get_if_active", Kind: lkPMGetIfActive, Args: []Arg{argPMDev}, Help: "returns 1"},
	{Name: "pm_runtime_get_if_active", Kind: lkPMGetIfActive, Args: []Arg{argPMDev}, Result: "1"},
	{Name: "pm_runtime_get_if_active", Kind: lkPMGetIfActiveZero, Args: []Arg{argPMDev}, Result: "0", Help: "suspended: peer2peer cleared"},
	{Name: "pm_runtime_put_autosuspend", Kind: lkPMPut, Args: []Arg{argPMDev}},
	{Name: "rpm_suspend", Kind: lkPMSuspend, Args: []Arg{argPMDev}, Help: "autosuspend"},
	{Name: "bar_dma", Kind: lkP2PDMA, Args: []Arg{argPMDev, argOwner}, Help: "AGENT's attachment DMAs through PM_DEVICE's BAR (stalls while it is suspended; with locks: suspended-bar: lost, completes as a lost access: writes dropped, reads all-ones)"},
	{Name: "dma_fence_enable_sw_signaling", Kind: lkEnableSignaling, Args: []Arg{argContainer}, Help: "enable_signaling of a container: callbacks on its members"},
	{Name: "dma_fence_is_signaled", Kind: lkIsSignaledTrue, Args: []Arg{argLockFence}, Result: "true", Help: "ops->signaled says so (a v6.12 dma_fence_array only once signalling is enabled); signals the fence"},
	{Name: "dma_fence_is_signaled", Kind: lkIsSignaledFalse, Args: []Arg{argLockFence}, Result: "false"},
	{Name: "drm_syncobj_add_point", Kind: lkSyncobjAddPoint, Args: []Arg{argPointSyncobj, argPoint}, Help: "the chain link becomes the syncobj's point"},
	{Name: "drm_syncobj_timeline_wait", Kind: lkTimelineWait, Args: []Arg{argPointSyncobj, argPoint}, Help: "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT returns 0: the point was added and has signalled"},
	{Name: "drm_syncobj_timeline_wait", Kind: lkTimelineWait, Args: []Arg{argPointSyncobj, argPoint}, Result: "0"},
	{Name: "drm_syncobj_timeline_wait", Kind: lkTimelineWaitEINVAL, Args: []Arg{argPointSyncobj, argPoint}, Result: "-EINVAL", Help: "the point is not submitted yet and the wait has no WAIT_FOR_SUBMIT"},
	{Name: "drm_syncobj_timeline_wait", Kind: lkTimelineWaitSubmit, Args: []Arg{argPointSyncobj, argPoint, argWord("WAIT_FOR_SUBMIT")}, Help: "DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: waits for the point to be added, then for its fence"},
}

// The container calls' arguments: a container fence; a timeline point
// (a chain link declared with a syncobj) after its syncobj, derived from
// the point.
var (
	argContainer    = argFenceOf("a container fence (dma_fence_array, dma_fence_chain)", func(f LockFence) bool { return f.Container != NotContainer })
	argPoint        = argFenceOf("a timeline point (a chain link declared with a syncobj)", func(f LockFence) bool { return f.Syncobj != "" })
	argPointSyncobj = Arg{Form: "SYNCOBJ", What: "the point's syncobj", Get: func(c Call) int { return c.Obj },
		Format: func(s *Spec, v int) string { return s.Locks.Fences[v].Syncobj }}
)

// lockUsed reports whether the world lays out the lock family's state
// (some program makes its calls); its atoms are false or 0 otherwise.
func lockUsed(v View) bool { return v.w.spec.Locks.d != nil && v.w.spec.Locks.d.used }

// lockAtoms are the lock family's atoms of the expression language
// (exprparse.go): holds(A, L), locked(L), signaled(F), published(F),
// suspended(D), pm_usage(D), signalling(A), in_flight(CH).
var lockAtoms = []Atom{
	{Name: "holds", Args: []Arg{argAgent, argLockOf("LOCK", "a lock", -1)}, Help: "the agent holds the lock", Build: func(t string, a []int, _ []string) Expr {
		ag, l := a[0], a[1]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkOwner(l) == ag })
	}},
	{Name: "locked", Args: []Arg{argLockOf("LOCK", "a lock", -1)}, Help: "some agent holds the lock", Build: func(t string, a []int, _ []string) Expr {
		l := a[0]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkOwner(l) >= 0 })
	}},
	{Name: "signaled", Args: []Arg{argLockFence}, Help: "the lock family's fence has signaled (dma_fence_is_signaled)", Build: func(t string, a []int, _ []string) Expr {
		f := a[0]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkSignalled(f) })
	}},
	{Name: "published", Args: []Arg{argLockFence}, Help: "the fence is visible (added to its dma_resv, or its job pushed)", Build: func(t string, a []int, _ []string) Expr {
		f := a[0]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkPublished(f) })
	}},
	{Name: "suspended", Args: []Arg{argPMDev}, Help: "the device is runtime-suspended", Build: func(t string, a []int, _ []string) Expr {
		d := a[0]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkSuspended(d) })
	}},
	{Name: "pm_usage", Args: []Arg{argPMDev}, Help: "the device's runtime-PM usage count", Build: func(t string, a []int, _ []string) Expr {
		d := a[0]
		return Value(t, func(v View) int {
			if !lockUsed(v) {
				return 0
			}
			return int(v.lkPMUsage(d))
		})
	}},
	{Name: "signalling", Args: []Arg{argAgent}, Help: "the agent is inside dma_fence_begin_signalling", Build: func(t string, a []int, _ []string) Expr {
		ag := a[0]
		return Pred(t, func(v View) bool { return lockUsed(v) && v.lkSigDepth(ag) > 0 })
	}},
	{Name: "in_flight", Args: []Arg{argChannel}, Help: "the messages sent on the channel and not yet received", Build: func(t string, a []int, _ []string) Expr {
		ch := a[0]
		return Value(t, func(v View) int {
			if !lockUsed(v) {
				return 0
			}
			return int(v.b[v.w.spec.Locks.d.chans+ch])
		})
	}},
}
