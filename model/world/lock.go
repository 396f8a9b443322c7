package world

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The lock family: kernel threads taking mutexes, dma_resv ww_mutexes (with
// a ww_acquire_ctx and the -EDEADLK backoff, wait-die or wound-wait) and
// spinlocks (fence locks among them); the fences and waits a deadlock needs
// (publication into a dma_resv, scheduler jobs, dma_fence_wait,
// dma_resv_wait_timeout, dma_fence_signal, callbacks, containers, reference
// counts); direct reclaim and its shrinker; runtime PM of a device and
// peer-to-peer DMA through its BAR; message channels (a remote VM's round
// trip, an irq_work, a completion); lockdep's fence signalling annotation
// as a property. It is the world's form of the earlier model/deadlock
// (kernel-rules §4.2, §5.2, §5.3, §9, §12.5).
//
// The fences of this family are its own (lkFence* calls, LockSpec.Fences):
// the fence family, migrated separately, has its own dma_fence objects;
// joining them is later work.
//
// A call whose kernel result decides what the caller does next has one
// call kind per result (dma_resv_lock(obj, &ctx) = 0, = -EALREADY,
// = -EDEADLK, or waiting after wounding the holder), each enabled only in
// the states in which the kernel returns that result. A program branches
// on the result with a Choose whose branches start with the result's call:
//
//	Choose{
//		Seq{Lk.ResvLockCtx(bo), ...},              // = 0
//		Seq{Lk.ResvLockCtxDeadlk(bo), Goto{"backoff"}}, // = -EDEADLK
//	}
//
// so the result costs no state: the branch taken is the agent's program
// counter.

// LockKind is the kind of a lock: it decides the kernel functions that take
// and release it and how lockdep classes it.
type LockKind uint8

const (
	// ResvLock is a dma_resv's ww_mutex (reservation_ww_class): taken with
	// dma_resv_lock(obj, NULL) or with a ww_acquire_ctx. Every resv lock is
	// one lockdep class, primed at boot by dma_resv_lockdep() as held
	// around dma_fence_wait.
	ResvLock LockKind = iota
	// MutexLock is a driver mutex.
	MutexLock
	// SpinLock is a spinlock, typically a fence's lock.
	SpinLock
)

// LockObj is one lock of a world.
type LockObj struct {
	Name string
	Kind LockKind
	// DmaBuf marks the resv lock of the world's dma-buf (dmabuf->resv):
	// its dma_resv is the one the cache family's waits and jobs and the
	// fence family's calls use, and the lock the fence family takes
	// (docs/world.md, "The dma-buf's dma_resv"). At most one lock.
	DmaBuf bool
}

// ResvUsage is enum dma_resv_usage: KERNEL < WRITE < READ < BOOKKEEP; a
// query for usage U returns every fence with usage ≤ U.
type ResvUsage uint8

// Usages.
const (
	ResvUsageKernel ResvUsage = iota
	ResvUsageWrite
	ResvUsageRead
	ResvUsageBookkeep
)

var resvUsageNames = [...]string{"DMA_RESV_USAGE_KERNEL", "DMA_RESV_USAGE_WRITE", "DMA_RESV_USAGE_READ", "DMA_RESV_USAGE_BOOKKEEP"}

func (u ResvUsage) String() string {
	if int(u) < len(resvUsageNames) {
		return resvUsageNames[u]
	}
	return fmt.Sprintf("usage(%d)", u)
}

// LockFence is one dma_fence of the lock family (or a userspace-controlled
// fence).
type LockFence struct {
	Name string
	// Resv is the resv lock whose dma_resv the fence is added to by
	// Lk.FencePublish (dma_resv_add_fence), or -1 (a job pushed without
	// one, a container, a sw_sync point).
	Resv int
	// Usage is the usage the fence is added with.
	Usage ResvUsage
	// Deps makes the publication snapshot the job's dependencies
	// (drm_sched_job_add_resv_dependencies): the unsignalled fences of the
	// same dma_resv with usage ≤ DepUsage. Lk.SchedWaitDeps waits for them.
	Deps     bool
	DepUsage ResvUsage
	// Lock is the fence's spinlock (fence->lock) when the world needs it
	// explicit, or -1.
	Lock int
	// Indefinite marks a userspace-controlled fence (kernel-rules §5.3).
	Indefinite bool
	// Published: the fence exists and is visible from the start.
	Published bool
	// Signalled: the fence exists already signalled (a stub fence,
	// dma_fence_get_stub; a sync_file of finished work): initial.go.
	Signalled bool
	// Refs is the initial reference count; Pending the initial num_pending
	// of a dma_fence_array.
	Refs, Pending uint8
	// Container, Members, WalksMembers, Syncobj and Point make the fence
	// a container fence (lock_container.go): a dma_fence_array or a
	// dma_fence_chain link over the fences in Members (a bitmask of
	// fences declared before it), signalled lazily; Syncobj (a name of
	// LockSpec.Syncobjs, "" none) and Point place a chain link on a
	// drm_syncobj timeline.
	Container    ContainerKind
	Members      uint8
	WalksMembers bool
	Syncobj      string
	Point        uint8
}

// WWClass is the ww_mutex algorithm of the resv locks.
type WWClass uint8

const (
	// WaitDie (DEFINE_WD_CLASS(reservation_ww_class)): a younger context
	// that holds locks and contends with an older one gets -EDEADLK.
	WaitDie WWClass = iota
	// WoundWait: an older context wounds a younger holder; the wounded
	// context gets -EDEADLK when it next has to wait while holding locks.
	WoundWait
)

// LockPoint names a point of an agent's program (a Label).
type LockPoint struct {
	Agent, Label string
}

// LockSpec declares the lock family's objects.
type LockSpec struct {
	Locks    []LockObj
	Fences   []LockFence
	Channels []string
	// Syncobjs are the drm_syncobj timelines (lock_container.go).
	Syncobjs []string
	// PMDevices are the devices with runtime PM (an exporter GPU).
	PMDevices []string
	WW        WWClass
	// NoLockdepPriming turns off dma_resv_lockdep()'s boot-time priming
	// (resv locks and fs_reclaim held around dma_fence_wait).
	NoLockdepPriming bool
	// Liveness adds the Eventually property "every fence is eventually
	// signalled" under weak fairness per agent.
	Liveness bool
	// LockOrder adds lockdep's lock-order rule (lock_order.go): no two
	// lock classes are taken in both orders, and no class is nested in
	// itself without an annotation.
	LockOrder bool
	// SuspendedBAR is what bar_dma does while its device is suspended:
	// stall, or complete as a lost access (p2p_pm.go).
	SuspendedBAR SuspendedBAR
	// Idle are the points at which an agent may wait forever (for work
	// that may never come: an irq_work, an autosuspend timer) without that
	// being a deadlock.
	Idle []LockPoint

	// d is derived by Build (lockLayout): offsets and per-point facts.
	d *lockDerived
}

// Limits of the lock family's state.
const (
	MaxLocks    = 7 // lockdep's fs_reclaim pseudo-lock is bit 7 of the lockdep masks
	MaxFences   = 8
	MaxChannels = 8
	MaxPMDevs   = 2
)

func (s *LockSpec) validate(sp *Spec) error {
	switch {
	case len(s.Locks) > MaxLocks:
		return fmt.Errorf("%d locks; at most %d", len(s.Locks), MaxLocks)
	case len(s.Fences) > MaxFences:
		return fmt.Errorf("%d lock-family fences; at most %d", len(s.Fences), MaxFences)
	case len(s.Channels) > MaxChannels:
		return fmt.Errorf("%d channels; at most %d", len(s.Channels), MaxChannels)
	case len(s.PMDevices) > MaxPMDevs:
		return fmt.Errorf("%d runtime-PM devices; at most %d", len(s.PMDevices), MaxPMDevs)
	case s.WW > WoundWait:
		return errors.New("unknown ww class")
	}
	for i, f := range s.Fences {
		if f.Resv >= len(s.Locks) || f.Resv >= 0 && s.Locks[f.Resv].Kind != ResvLock {
			return fmt.Errorf("fence %s: Resv %d is not a resv lock", f.Name, f.Resv)
		}
		if f.Lock >= len(s.Locks) {
			return fmt.Errorf("fence %s: Lock %d out of range", f.Name, f.Lock)
		}
		if f.Deps && f.Resv < 0 {
			return fmt.Errorf("fence %s: Deps without a reservation object", f.Name)
		}
		for j := range i {
			if s.Fences[j].Name == f.Name {
				return fmt.Errorf("fence name %q used twice", f.Name)
			}
		}
	}
	if err := s.validateContainers(); err != nil {
		return err
	}
	for i, d := range s.PMDevices {
		if slices.Contains(s.PMDevices[:i], d) || slices.ContainsFunc(sp.Devices, func(x Device) bool { return x.Name == d }) {
			return fmt.Errorf("runtime-PM device name %q used twice (a device name names one device)", d)
		}
	}
	for i, l := range s.Locks {
		if slices.ContainsFunc(s.Locks[:i], func(x LockObj) bool { return x.Name == l.Name }) {
			return fmt.Errorf("lock name %q used twice", l.Name)
		}
	}
	for i, ch := range s.Channels {
		if slices.Contains(s.Channels[:i], ch) {
			return fmt.Errorf("channel name %q used twice", ch)
		}
	}
	for _, p := range s.Idle {
		found, labelled := false, false
		for _, a := range sp.Agents {
			if a.Name == p.Agent {
				found, labelled = true, hasLabel(a.Program, p.Label)
			}
		}
		switch {
		case !found:
			return fmt.Errorf("idle point %q: no agent %q", p.Label, p.Agent)
		case !labelled:
			return fmt.Errorf("idle point %q: agent %s's program has no such label", p.Label, p.Agent)
		}
	}
	return nil
}

// hasLabel reports whether st places Label name.
func hasLabel(st Stmt, name string) bool {
	switch st := st.(type) {
	case Label:
		return st.Name == name
	case Seq:
		for _, x := range st {
			if hasLabel(x, name) {
				return true
			}
		}
	case Choose:
		for _, x := range st {
			if hasLabel(x, name) {
				return true
			}
		}
	case Forever:
		for _, x := range st {
			if hasLabel(x, name) {
				return true
			}
		}
	case Repeat:
		return hasLabel(st.Body, name)
	case Loop:
		return hasLabel(st.Body, name)
	case When:
		return hasLabel(st.Body, name)
	}
	return false
}

// Calls of the lock family.
const (
	lkNop                CallKind = famLock<<8 | iota // a step the model does not track (its text names it)
	lkMutexLock                                       // mutex_lock
	lkMutexUnlock                                     // mutex_unlock
	lkSpinLock                                        // spin_lock
	lkSpinUnlock                                      // spin_unlock
	lkResvLock                                        // dma_resv_lock(obj, NULL)
	lkResvUnlock                                      // dma_resv_unlock
	lkWWAcquireInit                                   // ww_acquire_init
	lkResvLockCtx                                     // dma_resv_lock(obj, &ctx) = 0
	lkResvLockCtxAlready                              // dma_resv_lock(obj, &ctx) = -EALREADY
	lkResvLockCtxDeadlk                               // dma_resv_lock(obj, &ctx) = -EDEADLK
	lkResvLockCtxWound                                // wound-wait: waits after wounding the younger holder
	lkResvLockSlow                                    // dma_resv_lock_slow(contended, &ctx)
	lkResvBackoff                                     // dma_resv_unlock of every resv the context holds
	lkWWAcquireFini                                   // ww_acquire_fini
	lkFencePublish                                    // dma_resv_add_fence / drm_sched_entity_push_job
	lkSchedRunJob                                     // drm_sched picks the job (its fence is published)
	lkSchedWaitDeps                                   // drm_sched: the job's dependencies signalled
	lkFenceWait                                       // dma_fence_wait
	lkResvWait                                        // dma_resv_wait_timeout(obj, usage N)
	lkFenceSignal                                     // dma_fence_signal
	lkFenceSignalLocked                               // dma_fence_signal_locked
	lkBeginSignalling                                 // dma_fence_begin_signalling
	lkEndSignalling                                   // dma_fence_end_signalling
	lkKmallocReclaim                                  // kmalloc(GFP_KERNEL) entering direct reclaim
	lkKmalloc                                         // kmalloc(GFP_KERNEL) on the fast path
	lkShrink                                          // direct reclaim: the shrinker waits for the LRU's fences
	lkKmallocAtomic                                   // kmalloc(GFP_ATOMIC)
	lkFenceGet                                        // dma_fence_get
	lkFencePut                                        // dma_fence_put, not the last reference
	lkFencePutLast                                    // dma_fence_put of the last reference: release
	lkAddCallback                                     // dma_fence_add_callback = 0
	lkAddCallbackENOENT                               // dma_fence_add_callback = -ENOENT (already signalled)
	lkRunCallback                                     // the signaller runs agent N's callback on the fence
	lkNoCallback                                      // agent N has no callback registered on the fence
	lkArrayDecTrue                                    // atomic_dec_and_test(&array->num_pending) = true
	lkArrayDecFalse                                   // atomic_dec_and_test(&array->num_pending) = false
	lkSend                                            // send a message (request, reply, irq_work_queue, complete)
	lkRecv                                            // receive a message (blocks while none)
	lkP2PAttach                                       // dma_buf_dynamic_attach with allow_peer2peer
	lkP2PDetach                                       // dma_buf_detach (drops the attachment's PM reference)
	lkPMGetSync                                       // pm_runtime_get_sync
	lkPMGetIfActive                                   // pm_runtime_get_if_active = 1
	lkPMGetIfActiveZero                               // pm_runtime_get_if_active = 0 (suspended; peer2peer cleared)
	lkPMPut                                           // pm_runtime_put
	lkPMSuspend                                       // rpm_suspend from autosuspend
	lkP2PDMA                                          // DMA through the device's BAR for agent N's attachment
	lkEnableSignaling                                 // dma_fence_enable_sw_signaling
	lkIsSignaledTrue                                  // dma_fence_is_signaled = true
	lkIsSignaledFalse                                 // dma_fence_is_signaled = false
	lkSyncobjAddPoint                                 // drm_syncobj_add_point
	lkTimelineWait                                    // DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = 0
	lkTimelineWaitEINVAL                              // DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = -EINVAL (point not submitted)
	lkTimelineWaitSubmit                              // DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT(WAIT_FOR_SUBMIT) = 0
	lkEnd
)

// Operand kinds of the lock family's calls.
const (
	lkObjNone = iota
	lkObjLock
	lkObjResv
	lkObjFence
	lkObjChannel
	lkObjDevice
)

// lockOperand is, per call, the kind of object Obj names.
var lockOperand = [lkEnd & 0xff]uint8{
	lkMutexLock & 0xff: lkObjLock, lkMutexUnlock & 0xff: lkObjLock, lkSpinLock & 0xff: lkObjLock,
	lkSpinUnlock & 0xff: lkObjLock, lkResvLock & 0xff: lkObjResv, lkResvUnlock & 0xff: lkObjResv,
	lkResvLockCtx & 0xff: lkObjResv, lkResvLockCtxAlready & 0xff: lkObjResv, lkResvLockCtxDeadlk & 0xff: lkObjResv,
	lkResvLockCtxWound & 0xff: lkObjResv, lkResvLockSlow & 0xff: lkObjResv, lkResvWait & 0xff: lkObjResv,
	lkFencePublish & 0xff: lkObjFence, lkSchedRunJob & 0xff: lkObjFence, lkSchedWaitDeps & 0xff: lkObjFence,
	lkFenceWait & 0xff: lkObjFence, lkFenceSignal & 0xff: lkObjFence, lkFenceSignalLocked & 0xff: lkObjFence,
	lkFenceGet & 0xff: lkObjFence, lkFencePut & 0xff: lkObjFence, lkFencePutLast & 0xff: lkObjFence,
	lkAddCallback & 0xff: lkObjFence, lkAddCallbackENOENT & 0xff: lkObjFence, lkRunCallback & 0xff: lkObjFence,
	lkNoCallback & 0xff: lkObjFence, lkArrayDecTrue & 0xff: lkObjFence, lkArrayDecFalse & 0xff: lkObjFence,
	lkSend & 0xff: lkObjChannel, lkRecv & 0xff: lkObjChannel,
	lkP2PAttach & 0xff: lkObjDevice, lkP2PDetach & 0xff: lkObjDevice, lkPMGetSync & 0xff: lkObjDevice,
	lkPMGetIfActive & 0xff: lkObjDevice, lkPMGetIfActiveZero & 0xff: lkObjDevice, lkPMPut & 0xff: lkObjDevice,
	lkPMSuspend & 0xff: lkObjDevice, lkP2PDMA & 0xff: lkObjDevice,
	lkEnableSignaling & 0xff: lkObjFence, lkIsSignaledTrue & 0xff: lkObjFence, lkIsSignaledFalse & 0xff: lkObjFence,
	lkSyncobjAddPoint & 0xff: lkObjFence, lkTimelineWait & 0xff: lkObjFence, lkTimelineWaitEINVAL & 0xff: lkObjFence,
	lkTimelineWaitSubmit & 0xff: lkObjFence,
}

var lockCallDefs = [lkEnd & 0xff]callDef{
	lkNop & 0xff:                {name: "(untracked step)", kernel: "a driver step the locking model does not track", steps: 1},
	lkMutexLock & 0xff:          {name: "mutex_lock", kernel: "kernel/locking/mutex.c: mutex_lock", steps: 1},
	lkMutexUnlock & 0xff:        {name: "mutex_unlock", kernel: "kernel/locking/mutex.c: mutex_unlock", steps: 1},
	lkSpinLock & 0xff:           {name: "spin_lock", kernel: "kernel/locking/spinlock.c: _raw_spin_lock_irqsave", steps: 1},
	lkSpinUnlock & 0xff:         {name: "spin_unlock", kernel: "kernel/locking/spinlock.c: _raw_spin_unlock_irqrestore", steps: 1},
	lkResvLock & 0xff:           {name: "dma_resv_lock(obj, NULL)", kernel: "include/linux/dma-resv.h: dma_resv_lock; kernel/locking/ww_mutex.h: ww_mutex_lock without a context", steps: 1},
	lkResvUnlock & 0xff:         {name: "dma_resv_unlock", kernel: "include/linux/dma-resv.h: dma_resv_unlock (ww_mutex_unlock)", steps: 1},
	lkWWAcquireInit & 0xff:      {name: "ww_acquire_init", kernel: "include/linux/ww_mutex.h: ww_acquire_init (stamp from the class)", steps: 1},
	lkResvLockCtx & 0xff:        {name: "dma_resv_lock(obj, &ctx) = 0", kernel: "kernel/locking/ww_mutex.h: __ww_mutex_lock, acquired", steps: 1},
	lkResvLockCtxAlready & 0xff: {name: "dma_resv_lock(obj, &ctx) = -EALREADY", kernel: "kernel/locking/mutex.c: __ww_mutex_lock (ww->ctx == ww_ctx)", steps: 1},
	lkResvLockCtxDeadlk & 0xff:  {name: "dma_resv_lock(obj, &ctx) = -EDEADLK", kernel: "kernel/locking/ww_mutex.h: __ww_mutex_kill (wait-die: __ww_mutex_check_kill; wound-wait: ctx->wounded)", steps: 1},
	lkResvLockCtxWound & 0xff:   {name: "dma_resv_lock(obj, &ctx) wounds the holder", kernel: "kernel/locking/ww_mutex.h: __ww_mutex_wound", steps: 1},
	lkResvLockSlow & 0xff:       {name: "dma_resv_lock_slow", kernel: "include/linux/dma-resv.h: dma_resv_lock_slow (ww_mutex_lock_slow)", steps: 1},
	lkResvBackoff & 0xff:        {name: "backoff: dma_resv_unlock(every locked resv)", kernel: "drivers/gpu/drm/drm_exec.c: drm_exec_unlock_all", steps: 1},
	lkWWAcquireFini & 0xff:      {name: "ww_acquire_fini", kernel: "include/linux/ww_mutex.h: ww_acquire_fini", steps: 1},
	lkFencePublish & 0xff:       {name: "dma_resv_add_fence", kernel: "drivers/dma-buf/dma-resv.c: dma_resv_add_fence; drivers/gpu/drm/scheduler/sched_entity.c: drm_sched_entity_push_job", steps: 1},
	lkSchedRunJob & 0xff:        {name: "drm_sched: run_job", kernel: "drivers/gpu/drm/scheduler/sched_main.c: drm_sched_run_job_work", steps: 1},
	lkSchedWaitDeps & 0xff:      {name: "drm_sched: dependencies signalled", kernel: "drivers/gpu/drm/scheduler/sched_entity.c: drm_sched_entity_pop_job / drm_sched_job_dependency", steps: 1},
	lkFenceWait & 0xff:          {name: "dma_fence_wait", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_wait_timeout", steps: 1},
	lkResvWait & 0xff:           {name: "dma_resv_wait_timeout", kernel: "drivers/dma-buf/dma-resv.c: dma_resv_wait_timeout", steps: 1},
	lkFenceSignal & 0xff:        {name: "dma_fence_signal", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal (takes fence->lock)", steps: 1},
	lkFenceSignalLocked & 0xff:  {name: "dma_fence_signal_locked", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal_locked", steps: 1},
	lkBeginSignalling & 0xff:    {name: "dma_fence_begin_signalling", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_begin_signalling", steps: 1},
	lkEndSignalling & 0xff:      {name: "dma_fence_end_signalling", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_end_signalling", steps: 1},
	lkKmallocReclaim & 0xff:     {name: "kmalloc(GFP_KERNEL): direct reclaim", kernel: "mm/page_alloc.c: __alloc_pages_direct_reclaim (might_alloc: fs_reclaim_acquire)", steps: 1},
	lkKmalloc & 0xff:            {name: "kmalloc(GFP_KERNEL) = ok", kernel: "mm/slub.c: kmalloc fast path (might_alloc: fs_reclaim_acquire)", steps: 1},
	lkShrink & 0xff:             {name: "shrinker", kernel: "mm/vmscan.c: shrink_slab → a driver shrinker's dma_resv_wait_timeout", steps: 1},
	lkKmallocAtomic & 0xff:      {name: "kmalloc(GFP_ATOMIC)", kernel: "mm/slub.c: kmalloc (GFP_ATOMIC never reclaims)", steps: 1},
	lkFenceGet & 0xff:           {name: "dma_fence_get", kernel: "include/linux/dma-fence.h: dma_fence_get", steps: 1},
	lkFencePut & 0xff:           {name: "dma_fence_put", kernel: "include/linux/dma-fence.h: dma_fence_put (kref_put, not the last)", steps: 1},
	lkFencePutLast & 0xff:       {name: "dma_fence_put: last reference, release", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_release", steps: 1},
	lkAddCallback & 0xff:        {name: "dma_fence_add_callback = 0", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_add_callback", steps: 1},
	lkAddCallbackENOENT & 0xff:  {name: "dma_fence_add_callback = -ENOENT", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_add_callback (already signalled)", steps: 1},
	lkRunCallback & 0xff:        {name: "callback runs", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal_timestamp_locked (cur->func under fence->lock)", steps: 1},
	lkNoCallback & 0xff:         {name: "callback: none registered", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal_timestamp_locked", steps: 1},
	lkArrayDecTrue & 0xff:       {name: "atomic_dec_and_test(&array->num_pending) = true", kernel: "drivers/dma-buf/dma-fence-array.c: dma_fence_array_cb_func", steps: 1},
	lkArrayDecFalse & 0xff:      {name: "atomic_dec_and_test(&array->num_pending) = false", kernel: "drivers/dma-buf/dma-fence-array.c: dma_fence_array_cb_func", steps: 1},
	lkSend & 0xff:               {name: "send", kernel: "a message: hyper_dmabuf ring request/response, irq_work_queue, complete()", steps: 1},
	lkRecv & 0xff:               {name: "recv", kernel: "a message: ring rx, irq_work run, wait_for_completion", steps: 1},
	lkP2PAttach & 0xff:          {name: "dma_buf_dynamic_attach(allow_peer2peer)", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_dynamic_attach", steps: 1},
	lkP2PDetach & 0xff:          {name: "dma_buf_detach", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_detach (amdgpu_dma_buf_detach: pm_runtime_put)", steps: 1},
	lkPMGetSync & 0xff:          {name: "pm_runtime_get_sync", kernel: "drivers/base/power/runtime.c: __pm_runtime_resume", steps: 1},
	lkPMGetIfActive & 0xff:      {name: "pm_runtime_get_if_active = 1", kernel: "drivers/base/power/runtime.c: pm_runtime_get_conditional", steps: 1},
	lkPMGetIfActiveZero & 0xff:  {name: "pm_runtime_get_if_active = 0", kernel: "drivers/base/power/runtime.c: pm_runtime_get_conditional (suspended)", steps: 1},
	lkPMPut & 0xff:              {name: "pm_runtime_put_autosuspend", kernel: "drivers/base/power/runtime.c: __pm_runtime_idle", steps: 1},
	lkPMSuspend & 0xff:          {name: "rpm_suspend (autosuspend)", kernel: "drivers/base/power/runtime.c: rpm_suspend", steps: 1},
	lkP2PDMA & 0xff:             {name: "P2P DMA through the BAR", kernel: "PCIe peer-to-peer DMA to the exporter's BAR (stalls while it is in D3, or, suspended-bar: lost, an Unsupported Request: write dropped, read all-ones)", steps: 1},
	lkEnableSignaling & 0xff:    {name: "dma_fence_enable_sw_signaling", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_enable_sw_signaling → ops->enable_signaling (dma_fence_array_enable_signaling, dma_fence_chain_enable_signaling)", steps: 1},
	lkIsSignaledTrue & 0xff:     {name: "dma_fence_is_signaled = true", kernel: "include/linux/dma-fence.h: dma_fence_is_signaled (ops->signaled; signals the fence when it returns true)", steps: 1},
	lkIsSignaledFalse & 0xff:    {name: "dma_fence_is_signaled = false", kernel: "include/linux/dma-fence.h: dma_fence_is_signaled", steps: 1},
	lkSyncobjAddPoint & 0xff:    {name: "drm_syncobj_add_point", kernel: "drivers/gpu/drm/drm_syncobj.c: drm_syncobj_add_point (dma_fence_chain_init)", steps: 1},
	lkTimelineWait & 0xff:       {name: "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = 0", kernel: "drivers/gpu/drm/drm_syncobj.c: drm_syncobj_array_wait_timeout", steps: 1},
	lkTimelineWaitEINVAL & 0xff: {name: "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = -EINVAL", kernel: "drivers/gpu/drm/drm_syncobj.c: drm_syncobj_array_wait_timeout (no fence for the point, no WAIT_FOR_SUBMIT)", steps: 1},
	lkTimelineWaitSubmit & 0xff: {name: "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT(WAIT_FOR_SUBMIT) = 0", kernel: "drivers/gpu/drm/drm_syncobj.c: drm_syncobj_array_wait_timeout (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT: waits for the point to materialise)", steps: 1},
}

// Lk makes the lock family's calls: Lk.MutexLock(l), Lk.ResvLockCtx(bo),
// ... Each is named after its kernel function; a call with several results
// has one constructor per result.
var Lk lockCalls

// lockCalls is the namespace of the lock family's call constructors.
type lockCalls struct{}

// Nop is a step the model does not track; give it a text (Said).
func (lockCalls) Nop() Call { return Call{Kind: lkNop} }

// MutexLock is mutex_lock(l).
func (lockCalls) MutexLock(l int) Call { return Call{Kind: lkMutexLock, Obj: l} }

// MutexUnlock is mutex_unlock(l).
func (lockCalls) MutexUnlock(l int) Call { return Call{Kind: lkMutexUnlock, Obj: l} }

// SpinLock is spin_lock_irqsave(l).
func (lockCalls) SpinLock(l int) Call { return Call{Kind: lkSpinLock, Obj: l} }

// SpinUnlock is spin_unlock_irqrestore(l).
func (lockCalls) SpinUnlock(l int) Call { return Call{Kind: lkSpinUnlock, Obj: l} }

// ResvLock is dma_resv_lock(obj, NULL).
func (lockCalls) ResvLock(l int) Call { return Call{Kind: lkResvLock, Obj: l} }

// ResvUnlock is dma_resv_unlock(obj).
func (lockCalls) ResvUnlock(l int) Call { return Call{Kind: lkResvUnlock, Obj: l} }

// WWAcquireInit is ww_acquire_init(&ctx, &reservation_ww_class).
func (lockCalls) WWAcquireInit() Call { return Call{Kind: lkWWAcquireInit} }

// ResvLockCtx is dma_resv_lock(obj, &ctx) returning 0.
func (lockCalls) ResvLockCtx(l int) Call { return Call{Kind: lkResvLockCtx, Obj: l} }

// ResvLockCtxAlready is dma_resv_lock(obj, &ctx) returning -EALREADY.
func (lockCalls) ResvLockCtxAlready(l int) Call { return Call{Kind: lkResvLockCtxAlready, Obj: l} }

// ResvLockCtxDeadlk is dma_resv_lock(obj, &ctx) returning -EDEADLK.
func (lockCalls) ResvLockCtxDeadlk(l int) Call { return Call{Kind: lkResvLockCtxDeadlk, Obj: l} }

// ResvLockCtxWound is dma_resv_lock(obj, &ctx) under wound-wait wounding
// the younger holder and going on waiting (the program stays at the call).
func (lockCalls) ResvLockCtxWound(l int) Call { return Call{Kind: lkResvLockCtxWound, Obj: l} }

// ResvLockSlow is dma_resv_lock_slow(l, &ctx), l being the contended lock.
func (lockCalls) ResvLockSlow(l int) Call { return Call{Kind: lkResvLockSlow, Obj: l} }

// ResvBackoff unlocks every resv lock the context holds.
func (lockCalls) ResvBackoff() Call { return Call{Kind: lkResvBackoff} }

// WWAcquireFini is ww_acquire_fini(&ctx).
func (lockCalls) WWAcquireFini() Call { return Call{Kind: lkWWAcquireFini} }

// FencePublish makes fence f visible: dma_resv_add_fence into its resv, or
// drm_sched_entity_push_job.
func (lockCalls) FencePublish(f int) Call { return Call{Kind: lkFencePublish, Obj: f} }

// SchedRunJob is the scheduler picking the job of fence f.
func (lockCalls) SchedRunJob(f int) Call { return Call{Kind: lkSchedRunJob, Obj: f} }

// SchedWaitDeps is the scheduler waiting for the dependencies of f's job.
func (lockCalls) SchedWaitDeps(f int) Call { return Call{Kind: lkSchedWaitDeps, Obj: f} }

// FenceWait is dma_fence_wait(f).
func (lockCalls) FenceWait(f int) Call { return Call{Kind: lkFenceWait, Obj: f} }

// ResvWait is dma_resv_wait_timeout(l, u).
func (lockCalls) ResvWait(l int, u ResvUsage) Call {
	return Call{Kind: lkResvWait, Obj: l, N: int(u)}
}

// FenceSignal is dma_fence_signal(f).
func (lockCalls) FenceSignal(f int) Call { return Call{Kind: lkFenceSignal, Obj: f} }

// FenceSignalLocked is dma_fence_signal_locked(f).
func (lockCalls) FenceSignalLocked(f int) Call { return Call{Kind: lkFenceSignalLocked, Obj: f} }

// BeginSignalling is dma_fence_begin_signalling().
func (lockCalls) BeginSignalling() Call { return Call{Kind: lkBeginSignalling} }

// EndSignalling is dma_fence_end_signalling().
func (lockCalls) EndSignalling() Call { return Call{Kind: lkEndSignalling} }

// KmallocReclaim is kmalloc(GFP_KERNEL) entering direct reclaim (a Shrink
// follows).
func (lockCalls) KmallocReclaim() Call { return Call{Kind: lkKmallocReclaim} }

// Kmalloc is kmalloc(GFP_KERNEL) succeeding on the fast path.
func (lockCalls) Kmalloc() Call { return Call{Kind: lkKmalloc} }

// Shrink is direct reclaim's shrinker waiting for the fences of the
// buffers it frees.
func (lockCalls) Shrink() Call { return Call{Kind: lkShrink} }

// KmallocAtomic is kmalloc(GFP_ATOMIC).
func (lockCalls) KmallocAtomic() Call { return Call{Kind: lkKmallocAtomic} }

// FenceGet is dma_fence_get(f).
func (lockCalls) FenceGet(f int) Call { return Call{Kind: lkFenceGet, Obj: f} }

// FencePut is dma_fence_put(f) dropping a reference that is not the last.
func (lockCalls) FencePut(f int) Call { return Call{Kind: lkFencePut, Obj: f} }

// FencePutLast is dma_fence_put(f) dropping the last reference.
func (lockCalls) FencePutLast(f int) Call { return Call{Kind: lkFencePutLast, Obj: f} }

// AddCallback is dma_fence_add_callback(f) returning 0.
func (lockCalls) AddCallback(f int) Call { return Call{Kind: lkAddCallback, Obj: f} }

// AddCallbackENOENT is dma_fence_add_callback(f) returning -ENOENT.
func (lockCalls) AddCallbackENOENT(f int) Call { return Call{Kind: lkAddCallbackENOENT, Obj: f} }

// RunCallback is the signaller of f running the callback agent ag
// registered.
func (lockCalls) RunCallback(f, ag int) Call { return Call{Kind: lkRunCallback, Obj: f, N: ag} }

// NoCallback is the signaller of f finding no callback of agent ag.
func (lockCalls) NoCallback(f, ag int) Call { return Call{Kind: lkNoCallback, Obj: f, N: ag} }

// ArrayDecTrue is atomic_dec_and_test(&array->num_pending) = true.
func (lockCalls) ArrayDecTrue(f int) Call { return Call{Kind: lkArrayDecTrue, Obj: f} }

// ArrayDecFalse is atomic_dec_and_test(&array->num_pending) = false.
func (lockCalls) ArrayDecFalse(f int) Call { return Call{Kind: lkArrayDecFalse, Obj: f} }

// Send sends a message on channel ch.
func (lockCalls) Send(ch int) Call { return Call{Kind: lkSend, Obj: ch} }

// Recv receives a message from channel ch.
func (lockCalls) Recv(ch int) Call { return Call{Kind: lkRecv, Obj: ch} }

// P2PAttach is dma_buf_dynamic_attach(d's buffer) with allow_peer2peer.
func (lockCalls) P2PAttach(d int) Call { return Call{Kind: lkP2PAttach, Obj: d} }

// P2PDetach is dma_buf_detach(d's buffer).
func (lockCalls) P2PDetach(d int) Call { return Call{Kind: lkP2PDetach, Obj: d} }

// PMGetSync is pm_runtime_get_sync(d).
func (lockCalls) PMGetSync(d int) Call { return Call{Kind: lkPMGetSync, Obj: d} }

// PMGetIfActive is pm_runtime_get_if_active(d) returning 1.
func (lockCalls) PMGetIfActive(d int) Call { return Call{Kind: lkPMGetIfActive, Obj: d} }

// PMGetIfActiveZero is pm_runtime_get_if_active(d) returning 0.
func (lockCalls) PMGetIfActiveZero(d int) Call { return Call{Kind: lkPMGetIfActiveZero, Obj: d} }

// PMPut is pm_runtime_put(d).
func (lockCalls) PMPut(d int) Call { return Call{Kind: lkPMPut, Obj: d} }

// PMSuspend is rpm_suspend(d) from autosuspend.
func (lockCalls) PMSuspend(d int) Call { return Call{Kind: lkPMSuspend, Obj: d} }

// P2PDMA is DMA through d's BAR for agent ag's attachment.
func (lockCalls) P2PDMA(d, ag int) Call { return Call{Kind: lkP2PDMA, Obj: d, N: ag} }

// Said gives a lock-family call its text (Call.Text): a driver's words
// for it, shown instead of the kernel call ("execbuf ioctl returns"), and
// a note to append in brackets ("job 1"); either may be empty.
func (lockCalls) Said(c Call, call, note string) Call { c.Text = lockText(call, note); return c }

// lockText joins a call's replacement text and its note as Call.Text.
func lockText(call, note string) string {
	switch {
	case note == "":
		return call
	case call == "":
		return "[" + note + "]"
	}
	return call + " [" + note + "]"
}

// splitLockText splits Call.Text into the replacement of the kernel call
// and the note.
func splitLockText(t string) (call, note string) {
	if strings.HasSuffix(t, "]") {
		if t[0] == '[' && strings.IndexByte(t, ']') == len(t)-1 {
			return "", t[1 : len(t)-1]
		}
		if i := strings.LastIndex(t, " ["); i >= 0 {
			return t[:i], t[i+2 : len(t)-1]
		}
	}
	return t, ""
}

func isLockKind(k CallKind) bool { return familyOf(k) == famLock && k < lkEnd }

// lockCheckCall rejects a call naming objects the world does not have.
func (c *core) lockCheckCall(call Call) error {
	ls := &c.spec.Locks
	if !isLockKind(call.Kind) {
		return fmt.Errorf("unknown lock call %d", call.Kind&0xff)
	}
	name := lockCallDefs[call.Kind&0xff].name
	if call.Dev != 0 || call.Line != 0 || call.Dir != 0 {
		return fmt.Errorf("%s: a lock-family call takes no device, line or direction", name)
	}
	inRange := func(what string, n int) error {
		if call.Obj < 0 || call.Obj >= n {
			return fmt.Errorf("%s: %s %d out of range", name, what, call.Obj)
		}
		return nil
	}
	switch lockOperand[call.Kind&0xff] {
	case lkObjLock:
		if err := inRange("lock", len(ls.Locks)); err != nil {
			return err
		}
		want := map[CallKind]LockKind{lkMutexLock: MutexLock, lkMutexUnlock: MutexLock, lkSpinLock: SpinLock, lkSpinUnlock: SpinLock}[call.Kind]
		if ls.Locks[call.Obj].Kind != want {
			return fmt.Errorf("%s: lock %s is of another kind", name, ls.Locks[call.Obj].Name)
		}
	case lkObjResv:
		if err := inRange("lock", len(ls.Locks)); err != nil {
			return err
		}
		if ls.Locks[call.Obj].Kind != ResvLock {
			return fmt.Errorf("%s: lock %s is not a resv lock", name, ls.Locks[call.Obj].Name)
		}
		if call.Kind == lkResvWait && (call.N < 0 || call.N > int(ResvUsageBookkeep)) {
			return fmt.Errorf("%s: usage %d out of range", name, call.N)
		}
		if call.Kind == lkResvLockCtxWound && ls.WW != WoundWait {
			return fmt.Errorf("%s: only a wound-wait class wounds", name)
		}
	case lkObjFence:
		if err := inRange("fence", len(ls.Fences)); err != nil {
			return err
		}
		f := ls.Fences[call.Obj]
		switch call.Kind {
		case lkFenceSignalLocked:
			if f.Lock < 0 {
				return fmt.Errorf("%s: fence %s has no explicit lock", name, f.Name)
			}
		case lkSchedWaitDeps:
			if !f.Deps {
				return fmt.Errorf("%s: fence %s has no dependencies", name, f.Name)
			}
		case lkFencePublish:
			if c.join.linked[call.Obj] {
				return fmt.Errorf("%s: fence %s is the fence family's: job_submit creates and publishes it", name, f.Name)
			}
		case lkRunCallback, lkNoCallback:
			if call.N < 0 || call.N >= len(c.spec.Agents) {
				return fmt.Errorf("%s: callback owner %d out of range", name, call.N)
			}
		case lkEnableSignaling, lkArrayDecTrue, lkArrayDecFalse, lkSyncobjAddPoint, lkTimelineWait, lkTimelineWaitEINVAL, lkTimelineWaitSubmit:
			return c.lkCheckContainerCall(call, name)
		}
	case lkObjChannel:
		return inRange("channel", len(ls.Channels))
	case lkObjDevice:
		if err := inRange("device", len(ls.PMDevices)); err != nil {
			return err
		}
		if call.Kind == lkP2PDMA && (call.N < 0 || call.N >= len(c.spec.Agents)) {
			return fmt.Errorf("%s: attachment owner %d out of range", name, call.N)
		}
	}
	return nil
}
