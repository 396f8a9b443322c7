package world

// lockDocs explain the lock family's properties and the kernel rule each
// comes from (PropertyDoc).
var lockDocs = map[string]string{
	NoKernelAPIMisuse: "No call is made in a state where the kernel forbids it: unlocking a lock not held, ww_acquire_init on a live " +
		"context or dma_resv_lock with a context before it, ww_acquire_fini while holding locks, dma_fence_add to a resv not locked, " +
		"a fence published or signalled twice or before it is published, end_signalling without begin, a get or put after the last " +
		"reference (use after free), a runtime-PM put without a reference (kernel-rules §4, §5, §10, §11).",
	NoDMAToSuspendedBAR:                        noDMAToSuspendedBARDoc,
	"deadlock":                                 "No reachable state in which some agent has not finished and no agent can take a step; the report names the wait-for cycle.",
	"every-fence-eventually-signalled":         "Liveness: every fence is eventually signalled, under weak fairness of each agent (dma-fence.c \"fence cross-driver contract\": fences complete in reasonable time).",
	"every-program-can-finish":                 "Reachability: some run finishes every agent's program (the scenario does not pass by blocking early).",
	"lockdep-fence-signalling":                 "lockdep's view of the fence signalling critical section (dma_fence_begin_signalling, kernel-rules §5.2; drivers/dma-buf/dma-fence.c DOC \"fence signalling annotation\"): no lock is acquired inside a signalling critical section if it is also held around a dma_fence_wait elsewhere, or primed by dma_resv_lockdep() (resv locks, fs_reclaim).",
	LockOrderRule:                              "lockdep's lock-order rule (kernel/locking/lockdep.c: check_prev_add, check_deadlock; LockSpec.LockOrder): no two lock classes are taken in both orders anywhere in the run (A held while B is taken, and B held while A is taken), reported when the second order is attempted even if the paths never run at once; no class is taken while held unless annotated (dma_resv locks under one ww_acquire_ctx). Every dma_resv lock is one class; fence->lock spinlocks count when dma_fence_signal or dma_fence_add_callback takes them; dma_resv_lockdep() primes resv → fs_reclaim.",
	"no-dma-fence-depends-on-indefinite-fence": "Documentation/driver-api/dma-buf.rst \"Indefinite DMA Fences\" (kernel-rules §5.3): no dma_fence depends on an indefinite, userspace-controlled fence.",
}
