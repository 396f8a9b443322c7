package deadlock

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Params size a scenario: the number of importers and of jobs each
// submits.
type Params struct {
	Importers, Jobs int
}

// DefaultParams are the sizes the fixes are verified with.
var DefaultParams = Params{Importers: 2, Jobs: 2}

// Scenario is one built-in configuration: a deadlock pattern of
// docs/kernel-rules.md §12.5, failing or fixed.
type Scenario struct {
	// Name is the scenario's name; the CLI registers it as "deadlock-"+Name.
	Name string
	// Pattern is the kernel-rules §12.5 pattern (1..8).
	Pattern     int
	Description string
	// Rule is the kernel rule the pattern breaks, and where it comes from.
	Rule string
	// Expect is the property the scenario violates (DeadlockProperty for
	// the failing variants), or "" when everything must hold.
	Expect string
	// AlsoBreaks are properties violated too (checked on their own);
	// AlsoHolds properties that hold even though the scenario fails.
	AlsoBreaks, AlsoHolds []string
	// Build makes the configuration for p.
	Build func(p Params) Config
}

// Config returns the scenario's configuration with DefaultParams.
func (sc Scenario) Config() Config { return sc.Build(DefaultParams) }

// Scenarios returns the built-in scenarios: each pattern's failing variant
// and its fix (some patterns have two of either).
func Scenarios() []Scenario {
	dl := statespace.DeadlockProperty
	return []Scenario{
		{Name: "wait-under-lock", Pattern: 1, Expect: dl, AlsoBreaks: []string{PropLockdep},
			Rule:        "kernel-rules §5.2 rule 3: dma_fence_wait may be called under dma_resv_lock, so the signalling path must not take a resv lock",
			Description: "the exporter evicts the buffer: dma_resv_lock, move_notify, dma_resv_wait_timeout for the importers' jobs; the importers' completion workers take the same resv lock before dma_fence_signal",
			Build:       func(p Params) Config { return waitUnderLock(p, false) }},
		{Name: "wait-under-lock-fixed", Pattern: 1,
			Rule:        "kernel-rules §5.2 rule 3",
			Description: "the completion workers signal without taking the resv lock",
			Build:       func(p Params) Config { return waitUnderLock(p, true) }},
		{Name: "wait-under-driver-lock", Pattern: 1, Expect: dl, AlsoBreaks: []string{PropLockdep},
			Rule:        "kernel-rules §5.2: T1 lock(A); dma_fence_wait(B) vs T2 lock(A); dma_fence_signal(B)",
			Description: "each importer throttles on its previous job's fence while holding the driver's struct_mutex; the completion workers take struct_mutex before dma_fence_signal",
			Build:       func(p Params) Config { return waitUnderDriverLock(p, false) }},
		{Name: "wait-under-driver-lock-fixed", Pattern: 1,
			Rule:        "kernel-rules §5.2",
			Description: "each importer throttles before taking struct_mutex",
			Build:       func(p Params) Config { return waitUnderDriverLock(p, true) }},
		{Name: "reclaim-in-signalling-path", Pattern: 2, Expect: dl, AlsoBreaks: []string{PropLockdep},
			Rule:        "kernel-rules §5.2 rule 4: dma_fence_wait may be called from shrinkers, so the signalling path must not allocate with GFP_KERNEL",
			Description: "the completion workers kmalloc(GFP_KERNEL) inside the signalling critical section; direct reclaim runs a shrinker that waits for the buffers' fences",
			Build:       func(p Params) Config { return reclaim(p, reclaimKernel) }},
		{Name: "reclaim-in-signalling-path-fixed", Pattern: 2,
			Rule:        "kernel-rules §5.2 rules 4 and 5",
			Description: "the completion workers allocate with GFP_ATOMIC",
			Build:       func(p Params) Config { return reclaim(p, reclaimAtomic) }},
		{Name: "reclaim-in-signalling-path-prealloc", Pattern: 2,
			Rule:        "kernel-rules §5.2 rule 4",
			Description: "the importers preallocate with GFP_KERNEL before publishing the fence; the completion workers do not allocate",
			Build:       func(p Params) Config { return reclaim(p, reclaimPrealloc) }},
		{Name: "reclaim-outside-annotation", Pattern: 2, Expect: dl, AlsoHolds: []string{PropLockdep},
			Rule:        "kernel-rules §5.2: the signalling critical section starts when the fence is published, not where dma_fence_begin_signalling is placed",
			Description: "the completion workers kmalloc(GFP_KERNEL) after the fence is published but before dma_fence_begin_signalling: lockdep sees nothing, the deadlock is still there",
			Build:       func(p Params) Config { return reclaim(p, reclaimUnannotated) }},
		{Name: "fence-lock-inversion", Pattern: 3, Expect: dl,
			Rule:        "dma-fence.c: callbacks run under the signalled fence's lock; enable_signaling runs under the container's lock",
			Description: "each importer waits for any of its two jobs through a signal_on_any dma_fence_array: enable_signaling holds the array lock and takes the ring's fence lock; the ring's completion worker holds the fence lock and its array callback signals the array, taking the array lock",
			Build:       func(p Params) Config { return fenceArray(p, false) }},
		{Name: "fence-lock-inversion-fixed", Pattern: 3,
			Rule:        "dma_fence_array_cb_func defers the array's signal to irq_work",
			Description: "the array callback queues an irq_work that signals the array without the member's lock",
			Build:       func(p Params) Config { return fenceArray(p, true) }},
		{Name: "recursive-lock-in-callback", Pattern: 4, Expect: dl,
			Rule:        "dma-buf/sw_sync: Avoid recursive lock during fence signal (Rob Clark, Aug 2023)",
			Description: "SW_SYNC_IOC_INC signals a sw_sync point under the timeline lock; a drm_sched dependency callback drops the last reference and timeline_fence_release takes the timeline lock again",
			Build:       func(p Params) Config { return swSync(p, false) }},
		{Name: "recursive-lock-in-callback-fixed", Pattern: 4,
			Rule:        "sync_timeline_signal holds an extra reference across the signal and drops it after the unlock",
			Description: "the release happens outside the timeline lock",
			Build:       func(p Params) Config { return swSync(p, true) }},
		{Name: "indefinite-fence-cycle", Pattern: 5, Expect: dl, AlsoBreaks: []string{PropIndefinite},
			Rule:        "kernel-rules §5.3: indefinite fences may depend on dma fences, never the reverse",
			Description: "user space imports its user-queue fence into the buffer's resv (IMPORT_SYNC_FILE); the eviction's move fence depends on it, and the user queue only signals it after its page fault waits for the move",
			Build:       func(p Params) Config { return indefinite(p, false) }},
		{Name: "indefinite-fence-cycle-fixed", Pattern: 5,
			Rule:        "kernel-rules §5.3",
			Description: "the user fence is never published as a dma_fence: the eviction does not wait on it",
			Build:       func(p Params) Config { return indefinite(p, true) }},
		{Name: "ww-mutex-misuse", Pattern: 6, Expect: dl,
			Rule:        "kernel-rules §4.2: several resv locks are taken with one ww_acquire_ctx and the -EDEADLK backoff",
			Description: "two importers lock the same two buffers in opposite orders with dma_resv_lock(obj, NULL)",
			Build:       func(p Params) Config { return wwMutex(p, wwNoCtx) }},
		{Name: "ww-mutex-no-backoff", Pattern: 6, Expect: dl,
			Rule:        "kernel-rules §4.2: on -EDEADLK drop every lock of the context before dma_resv_lock_slow",
			Description: "the importers use a ww_acquire_ctx but, on -EDEADLK, sleep in dma_resv_lock_slow without dropping the locks they hold",
			Build:       func(p Params) Config { return wwMutex(p, wwNoBackoff) }},
		{Name: "ww-mutex-misuse-fixed", Pattern: 6,
			Rule:        "kernel-rules §4.2 (drm_exec)",
			Description: "ww_acquire_init, dma_resv_lock(obj, &ctx); on -EDEADLK unlock all, dma_resv_lock_slow on the contended lock, retry",
			Build:       func(p Params) Config { return wwMutex(p, wwBackoff) }},
		{Name: "cross-vm-round-trip-under-lock", Pattern: 7, Expect: dl,
			Rule:        "hyper_dmabuf (seed 004): remote ops are synchronous round trips to the exporting VM",
			Description: "the importing VM's hyper_dmabuf front end holds its lock while it waits for the exporting VM's reply; the ring's rx thread must first register the exporting VM's export notification under that lock before it reaches the reply",
			Build:       func(p Params) Config { return crossVM(p, false) }},
		{Name: "cross-vm-round-trip-under-lock-fixed", Pattern: 7,
			Rule:        "asynchronous completion",
			Description: "the front end queues the request under its lock and waits for the reply after unlocking (asynchronous completion)",
			Build:       func(p Params) Config { return crossVM(p, true) }},
		{Name: "runtime-pm-suspended-exporter", Pattern: 8, Expect: dl,
			Rule:        "kernel-rules §9: amdgpu_dma_buf_attach holds a runtime-PM reference while a P2P attachment exists (2026 fix)",
			Description: "importers attach peer-to-peer to an exporter GPU that then runtime-suspends; their DMA through its BAR stalls, and the only resume is user space's next submission to the exporter, which waits for the importers' fences",
			Build:       func(p Params) Config { return runtimePM(p, false) }},
		{Name: "runtime-pm-suspended-exporter-fixed", Pattern: 8,
			Rule:        "kernel-rules §9",
			Description: "attach takes pm_runtime_get_if_active (peer2peer cleared if the GPU is suspended), detach drops it",
			Build:       func(p Params) Config { return runtimePM(p, true) }},
	}
}

// ScenarioByName returns the built-in scenario with that name.
func ScenarioByName(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

func fenceName(prefix string, i, j int) string { return fmt.Sprintf("%s%d%d", prefix, i, j) }

// Pattern 1: wait-under-lock (kernel-rules §12.5 pattern 1, §5.2 rule 3).
func waitUnderLock(p Params, fixed bool) Config {
	w := newWorld()
	bo := w.lock("bo", Resv)
	jobs := make([][]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			jobs[i] = append(jobs[i], w.fence(Fence{Name: fenceName("F", i, j), Resv: bo, Usage: UsageWrite, Lock: -1}))
		}
	}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
	}
	w.agent("exporter")
	for i := range p.Importers {
		imp, irq := newProg(), newProg()
		for j, f := range jobs[i] {
			imp.job(j)
			imp.lock(bo)
			imp.publish(f)
			imp.unlock(bo)
			irq.job(j)
			irq.await(f)
			irq.begin()
			if !fixed {
				// e.g. bumping the buffer on the LRU, dropping the job's
				// reference under the resv lock
				irq.lock(bo)
				irq.unlock(bo)
			}
			irq.signal(f)
			irq.end()
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
	}
	ex := newProg()
	ex.call(ex.lock(bo), "ttm_bo_evict: dma_resv_lock(bo, NULL)")
	ex.nop("dma_buf_move_notify(bo)")
	ex.waitResv(bo, UsageBookkeep)
	ex.nop("ttm_bo_move_memcpy(bo)")
	ex.unlock(bo)
	w.run("exporter", ex)
	return w.cfg
}

// Pattern 1 with a driver mutex: no lockdep priming, lockdep learns both
// sides from the scenario.
func waitUnderDriverLock(p Params, fixed bool) Config {
	w := newWorld()
	mu := w.lock("struct_mutex", Mutex)
	jobs := make([][]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			jobs[i] = append(jobs[i], w.fence(Fence{Name: fenceName("F", i, j), Resv: -1, Lock: -1}))
		}
	}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
	}
	for i := range p.Importers {
		imp, irq := newProg(), newProg()
		for j, f := range jobs[i] {
			imp.job(j)
			throttle := func() {
				if j > 0 {
					imp.wait(jobs[i][j-1])
				}
			}
			if fixed {
				throttle()
			}
			imp.lock(mu)
			if !fixed {
				throttle()
			}
			imp.publish(f)
			imp.unlock(mu)
			irq.job(j)
			irq.await(f)
			irq.begin()
			irq.call(irq.lock(mu), "mutex_lock(struct_mutex) (retire requests)")
			irq.unlock(mu)
			irq.signal(f)
			irq.end()
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
	}
	return w.cfg
}

type reclaimMode int

const (
	reclaimKernel      reclaimMode = iota // GFP_KERNEL inside the annotated section
	reclaimAtomic                         // GFP_ATOMIC inside the section
	reclaimPrealloc                       // GFP_KERNEL in the submit path, before the fence is published
	reclaimUnannotated                    // GFP_KERNEL after publication, before begin_signalling
)

// Pattern 2: reclaim-in-signalling-path (kernel-rules §12.5 pattern 2, §5.2 rules 4-5).
func reclaim(p Params, mode reclaimMode) Config {
	w := newWorld()
	bo := w.lock("bo", Resv)
	jobs := make([][]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			jobs[i] = append(jobs[i], w.fence(Fence{Name: fenceName("F", i, j), Resv: bo, Usage: UsageWrite, Lock: -1}))
		}
	}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
	}
	for i := range p.Importers {
		imp, irq := newProg(), newProg()
		for j, f := range jobs[i] {
			imp.job(j)
			if mode == reclaimPrealloc {
				imp.allocKernel()
			}
			imp.lock(bo)
			imp.publish(f)
			imp.unlock(bo)
			irq.job(j)
			irq.await(f)
			if mode == reclaimUnannotated {
				irq.allocKernel()
			}
			irq.begin()
			switch mode {
			case reclaimKernel:
				irq.allocKernel()
			case reclaimAtomic:
				irq.allocAtomic()
			}
			irq.signal(f)
			irq.end()
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
	}
	return w.cfg
}

// Pattern 3: fence-lock-inversion (kernel-rules §12.5 pattern 3). Importer i's jobs run on its
// ring, whose fences share the ring's fence lock; a signal_on_any
// dma_fence_array over them is importer i's "wait for any job" fence.
func fenceArray(p Params, fixed bool) Config {
	w := newWorld()
	ring := make([]int, p.Importers)
	alock := make([]int, p.Importers)
	for i := range p.Importers {
		ring[i] = w.lock(fmt.Sprintf("ring%d.fence_lock", i), Spinlock)
		alock[i] = w.lock(fmt.Sprintf("A%d.lock", i), Spinlock)
	}
	members := make([][]int, p.Importers)
	array := make([]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			members[i] = append(members[i], w.fence(Fence{Name: fenceName("M", i, j), Resv: -1, Lock: ring[i]}))
		}
		array[i] = w.fence(Fence{Name: fmt.Sprintf("A%d", i), Resv: -1, Lock: alock[i], Published: true, Pending: 1})
	}
	work := make([]int, p.Importers)
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
		if fixed {
			work[i] = w.channel(fmt.Sprintf("A%d.work", i))
			w.agent(fmt.Sprintf("irq-work%d", i))
		}
	}
	for i := range p.Importers {
		imp := newProg()
		for j, f := range members[i] {
			imp.job(j)
			imp.publish(f)
		}
		// dma_fence_wait(A) → dma_fence_enable_sw_signaling(A) under A's
		// lock → dma_fence_array_enable_signaling → add_callback on every
		// member (each takes the ring's fence lock).
		imp.note = "wait"
		imp.call(imp.lock(alock[i]), fmt.Sprintf("dma_fence_enable_sw_signaling(A%d): spin_lock(A%d.lock)", i, i))
		for j, f := range members[i] {
			this, next := fmt.Sprintf("member%d", j), fmt.Sprintf("member%d", j+1)
			imp.at(this)
			add := imp.call(imp.emit(Instr{Op: OpAddCallback, Obj: f}), fmt.Sprintf("dma_fence_add_callback(M%d%d, dma_fence_array_cb_func)", i, j))
			imp.next(add, next)
			imp.els(add, "enoent"+this)
			imp.at("enoent" + this)
			dec := imp.call(imp.emit(Instr{Op: OpArrayDec, Obj: array[i]}), fmt.Sprintf("dma_fence_array_enable_signaling: M%d%d signalled: atomic_dec_and_test(&A%d->num_pending)", i, j, i))
			imp.next(dec, "signal")
			imp.els(dec, next)
		}
		// num_pending reached 0 on a member that had already signalled:
		// enable_signaling returns false and the enabler signals the array.
		imp.at("signal")
		imp.signalLocked(array[i])
		imp.at("unlock")
		imp.at(fmt.Sprintf("member%d", len(members[i])))
		imp.unlock(alock[i])
		imp.wait(array[i])
		w.run(fmt.Sprintf("importer%d", i), imp)

		irq := newProg()
		for j, f := range members[i] {
			irq.job(j)
			irq.await(f)
			irq.call(irq.lock(ring[i]), fmt.Sprintf("dma_fence_signal(M%d%d): spin_lock(ring%d.fence_lock)", i, j, i))
			irq.signalLocked(f)
			irq.branch(Instr{Op: OpIfCallback, Obj: f, Arg: w.agent(fmt.Sprintf("importer%d", i)),
				Call: fmt.Sprintf("dma_fence_array_cb_func(M%d%d)", i, j)}, func() {
				irq.branch(Instr{Op: OpArrayDec, Obj: array[i]}, func() {
					if fixed {
						irq.call(irq.send(work[i]), fmt.Sprintf("irq_work_queue(&A%d->work)", i))
					} else {
						irq.call(irq.lock(alock[i]), fmt.Sprintf("dma_fence_signal(A%d): spin_lock(A%d.lock)", i, i))
						irq.signalLocked(array[i])
						irq.unlock(alock[i])
					}
				})
			})
			irq.unlock(ring[i])
		}
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
		if fixed {
			wk := newProg()
			wk.idle(wk.call(wk.recv(work[i]), fmt.Sprintf("irq_work: run A%d->work", i)))
			wk.call(wk.signal(array[i]), fmt.Sprintf("irq_dma_fence_array_work: dma_fence_signal(A%d)", i))
			w.run(fmt.Sprintf("irq-work%d", i), wk)
		}
	}
	return w.cfg
}

// Pattern 4: recursive-lock-in-callback (kernel-rules §12.5 pattern 4): sw_sync points share
// the timeline's lock as their fence lock.
func swSync(p Params, fixed bool) Config {
	w := newWorld()
	tl := w.lock("timeline.lock", Spinlock)
	pts := make([]int, p.Jobs)
	for j := range p.Jobs {
		pts[j] = w.fence(Fence{Name: fmt.Sprintf("pt%d", j+1), Resv: -1, Lock: tl, Published: true, Refs: 1, Indefinite: true})
	}
	execbuf := make([]int, p.Importers)
	for i := range p.Importers {
		execbuf[i] = w.channel(fmt.Sprintf("execbuf%d-returned", i))
		w.agent(fmt.Sprintf("importer%d", i))
	}
	w.agent("user-space")
	// release is timeline_fence_release, run by the put that drops the
	// last reference (where names the put).
	release := func(q *prog, pt int, where string) func() {
		return func() {
			q.call(q.lock(tl), fmt.Sprintf("timeline_fence_release(pt%d) %s: spin_lock(timeline.lock)", pt+1, where))
			q.call(q.unlock(tl), fmt.Sprintf("timeline_fence_release(pt%d) %s: spin_unlock(timeline.lock)", pt+1, where))
		}
	}
	for i := range p.Importers {
		imp := newProg()
		for j, pt := range pts {
			imp.job(j)
			imp.call(imp.get(pt), fmt.Sprintf("sync_file_get_fence(pt%d)", j+1))
			// = 0: the entity owns the reference, the callback drops it;
			// -ENOENT: drop it now.
			add := imp.emit(Instr{Op: OpAddCallback, Obj: pt, Call: fmt.Sprintf("drm_sched_job_add_dependency: dma_fence_add_callback(pt%d, drm_sched_entity_wakeup)", j+1)})
			imp.ins[add].Else = add + 1
			imp.next(add, fmt.Sprintf("submitted%d", j))
			imp.put(pt, release(imp, pt, "after -ENOENT"))
			imp.at(fmt.Sprintf("submitted%d", j))
			imp.call(imp.send(execbuf[i]), "execbuf ioctl returns")
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
	}
	us := newProg()
	for j, pt := range pts {
		us.job(j)
		for i := range p.Importers {
			us.call(us.recv(execbuf[i]), fmt.Sprintf("wait for importer%d's execbuf", i))
		}
		us.call(us.put(pt, release(us, pt, "from close")), fmt.Sprintf("close(sync_file fd of pt%d): dma_fence_put(pt%d)", j+1, j+1))
		us.call(us.lock(tl), "SW_SYNC_IOC_INC: sync_timeline_signal: spin_lock(timeline.lock)")
		if fixed {
			us.call(us.get(pt), fmt.Sprintf("sync_timeline_signal: dma_fence_get(pt%d)", j+1))
		}
		us.signalLocked(pt)
		for i := range p.Importers {
			us.branch(Instr{Op: OpIfCallback, Obj: pt, Arg: w.agent(fmt.Sprintf("importer%d", i)),
				Call: fmt.Sprintf("drm_sched_entity_wakeup(importer%d)", i)}, func() {
				us.call(us.put(pt, release(us, pt, fmt.Sprintf("from importer%d's callback", i))), fmt.Sprintf("drm_sched_entity_wakeup(importer%d): dma_fence_put(pt%d)", i, j+1))
			})
		}
		us.call(us.unlock(tl), "SW_SYNC_IOC_INC: spin_unlock(timeline.lock)")
		if fixed {
			us.call(us.put(pt, release(us, pt, "after the unlock")), fmt.Sprintf("sync_timeline_signal: dma_fence_put(pt%d) after the unlock", j+1))
		}
	}
	w.run("user-space", us)
	return w.cfg
}

// Pattern 5: indefinite-fence-cycle (kernel-rules §12.5 pattern 5, §5.3).
func indefinite(p Params, fixed bool) Config {
	w := newWorld()
	bo := w.lock("bo", Resv)
	u := w.fence(Fence{Name: "U", Resv: bo, Usage: UsageWrite, Lock: -1, Published: true, Indefinite: true})
	k := w.fence(Fence{Name: "K", Resv: bo, Usage: UsageKernel, Lock: -1, Deps: true, DepUsage: UsageBookkeep})
	jobs := make([][]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			jobs[i] = append(jobs[i], w.fence(Fence{Name: fenceName("F", i, j), Resv: bo, Usage: UsageRead, Lock: -1, Deps: true, DepUsage: UsageWrite}))
		}
	}
	w.agent("user-space")
	w.agent("exporter")
	w.agent("copy-engine")
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
	}
	us := newProg()
	if !fixed {
		us.call(us.lock(bo), "DMA_BUF_IOCTL_IMPORT_SYNC_FILE(U): dma_resv_lock(bo, NULL)")
		us.publish(u)
		us.unlock(bo)
	}
	us.call(us.wait(k), "user queue faults on bo: dma_fence_wait(K)")
	us.call(us.signal(u), "user queue signals U")
	w.run("user-space", us)
	ex := newProg()
	ex.call(ex.lock(bo), "ttm_bo_evict: dma_resv_lock(bo, NULL)")
	ex.publish(k)
	ex.unlock(bo)
	w.run("exporter", ex)
	ce := newProg()
	ce.await(k)
	ce.waitDeps(k)
	ce.signal(k)
	w.run("copy-engine", ce)
	for i := range p.Importers {
		imp, irq := newProg(), newProg()
		for j, f := range jobs[i] {
			imp.job(j)
			imp.lock(bo)
			imp.publish(f)
			imp.unlock(bo)
			irq.job(j)
			irq.await(f)
			irq.waitDeps(f)
			irq.signal(f)
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
	}
	w.cfg.Liveness = true
	return w.cfg
}

type wwMode int

const (
	wwNoCtx     wwMode = iota // dma_resv_lock(obj, NULL) on both
	wwNoBackoff               // ctx, but lock_slow without dropping the held locks
	wwBackoff                 // drm_exec's loop
)

// Pattern 6: ww-mutex-misuse (kernel-rules §12.5 pattern 6, §4.2).
func wwMutex(p Params, mode wwMode) Config {
	w := newWorld()
	bos := []int{w.lock("bo0", Resv), w.lock("bo1", Resv)}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
	}
	for i := range p.Importers {
		order := []int{bos[i%2], bos[(i+1)%2]}
		q := newProg()
		for j := range p.Jobs {
			q.job(j)
			if mode == wwNoCtx {
				q.lock(order[0])
				q.lock(order[1])
				q.unlock(order[1])
				q.unlock(order[0])
				continue
			}
			retry, backoff, done := fmt.Sprintf("retry%d", j), fmt.Sprintf("backoff%d", j), fmt.Sprintf("done%d", j)
			q.wwInit()
			q.at(retry)
			q.wwLock(order[0], backoff)
			q.wwLock(order[1], backoff)
			q.unlock(order[1])
			q.unlock(order[0])
			q.next(q.wwFini(), done)
			q.at(backoff)
			if mode == wwBackoff {
				q.wwUnlockAll()
			}
			q.next(q.wwLockSlow(), retry)
			q.at(done)
		}
		w.run(fmt.Sprintf("importer%d", i), q)
	}
	return w.cfg
}

// Pattern 7: cross-VM round trip under a lock (kernel-rules §12.5 pattern 7, seed 004). Each
// importer has a ring to the exporting VM; the importing VM's rx thread
// handles the ring's messages in order: the exporting VM's export
// notification (registered under the front end's lock), then the replies
// to the importer's requests (completed without it).
func crossVM(p Params, fixed bool) Config {
	w := newWorld()
	fe := w.lock("hyper_dmabuf.lock", Mutex)
	req := make([]int, p.Importers)
	resp := make([]int, p.Importers)
	ack := make([]int, p.Importers)
	for i := range p.Importers {
		req[i] = w.channel(fmt.Sprintf("ring%d.request", i))
		resp[i] = w.channel(fmt.Sprintf("ring%d.response", i))
		ack[i] = w.channel(fmt.Sprintf("req%d.done", i))
	}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("exporter-vm%d", i))
		w.agent(fmt.Sprintf("rx%d", i))
	}
	for i := range p.Importers {
		imp, rem, rx := newProg(), newProg(), newProg()
		rem.call(rem.send(resp[i]), "backend: send HYPER_DMABUF_EXPORT (a new buffer)")
		rx.call(rx.recv(resp[i]), "rx: receive HYPER_DMABUF_EXPORT")
		rx.call(rx.lock(fe), "rx: mutex_lock(hyper_dmabuf.lock) (register the imported buffer)")
		rx.unlock(fe)
		for j := range p.Jobs {
			imp.job(j)
			imp.call(imp.lock(fe), "hyper_dmabuf_ops_begin_cpu_access: mutex_lock(hyper_dmabuf.lock)")
			imp.call(imp.send(req[i]), "hyper_dmabuf_send_request(HYPER_DMABUF_OPS_TO_SOURCE)")
			if fixed {
				imp.unlock(fe)
				imp.call(imp.recv(ack[i]), "wait_for_completion(&req->done)")
			} else {
				imp.call(imp.recv(ack[i]), "wait_for_completion(&req->done)")
				imp.unlock(fe)
			}
			rem.job(j)
			rem.call(rem.recv(req[i]), "backend: receive HYPER_DMABUF_OPS_TO_SOURCE")
			rem.nop("dma_buf_begin_cpu_access(original buffer)")
			rem.call(rem.send(resp[i]), "backend: send the response")
			rx.job(j)
			rx.call(rx.recv(resp[i]), "rx: receive the response")
			rx.call(rx.send(ack[i]), "complete(&req->done)")
		}
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("exporter-vm%d", i), rem)
		w.run(fmt.Sprintf("rx%d", i), rx)
	}
	return w.cfg
}

// Pattern 8: runtime PM of a P2P exporter (kernel-rules §12.5 pattern 8, §9).
func runtimePM(p Params, fixed bool) Config {
	w := newWorld()
	gpu := w.device("gpu0")
	jobs := make([][]int, p.Importers)
	for i := range p.Importers {
		for j := range p.Jobs {
			jobs[i] = append(jobs[i], w.fence(Fence{Name: fenceName("F", i, j), Resv: -1, Lock: -1}))
		}
	}
	for i := range p.Importers {
		w.agent(fmt.Sprintf("importer%d", i))
		w.agent(fmt.Sprintf("irq-worker%d", i))
	}
	w.agent("exporter")
	w.agent("autosuspend")
	for i := range p.Importers {
		imp, irq := newProg(), newProg()
		imp.emit(Instr{Op: OpAttach, Obj: gpu})
		if fixed {
			k := imp.emit(Instr{Op: OpPMGetIfActive, Obj: gpu, Call: "amdgpu_dma_buf_attach: pm_runtime_get_if_active(gpu0)"})
			imp.ins[k].Else = k + 1
		}
		for j, f := range jobs[i] {
			imp.job(j)
			imp.publish(f)
			irq.job(j)
			irq.await(f)
			irq.emit(Instr{Op: OpP2PDMA, Obj: gpu, Arg: w.agent(fmt.Sprintf("importer%d", i))})
			irq.signal(f)
		}
		imp.note = ""
		imp.wait(jobs[i][len(jobs[i])-1])
		imp.emit(Instr{Op: OpDetach, Obj: gpu})
		w.run(fmt.Sprintf("importer%d", i), imp)
		w.run(fmt.Sprintf("irq-worker%d", i), irq)
	}
	ex := newProg()
	for j := range p.Jobs {
		ex.job(j)
		for i := range p.Importers {
			ex.call(ex.wait(jobs[i][j]), fmt.Sprintf("implicit sync: dma_fence_wait(F%d%d)", i, j))
		}
		ex.call(ex.emit(Instr{Op: OpPMGetSync, Obj: gpu}), "amdgpu_cs_ioctl: pm_runtime_get_sync(gpu0)")
		ex.nop("render on gpu0")
		ex.emit(Instr{Op: OpPMPut, Obj: gpu})
	}
	w.run("exporter", ex)
	as := newProg()
	for k := range 2 {
		as.note = fmt.Sprintf("idle period %d", k+1)
		as.idle(as.emit(Instr{Op: OpPMSuspend, Obj: gpu}))
	}
	w.run("autosuspend", as)
	return w.cfg
}
