package world

// lockDocs explain the lock family's properties and the kernel rule each
// comes from (PropertyDoc).
var lockDocs = map[string]string{
	NoKernelAPIMisuse: "No call is made in a state where the kernel forbids it: unlocking a lock not held, ww_acquire_init on a live " +
		"context or dma_resv_lock with a context before it, ww_acquire_fini while holding locks, dma_fence_add to a resv not locked, " +
		"a fence published or signalled twice or before it is published, end_signalling without begin, a get or put after the last " +
		"reference (use after free), a runtime-PM put without a reference (kernel-rules §4, §5, §10, §11).",
}
