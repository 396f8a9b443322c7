package world

// fenceDocs explain the fence family's properties and the kernel rule each
// comes from (PropertyDoc).
var fenceDocs = map[string]string{
	"add-fence-needs-reservation":        "dma_resv_add_fence appends only into a slot reserved by dma_resv_reserve_fences in the same locked section (drivers/dma-buf/dma-resv.c: BUG_ON(fobj->num_fences >= fobj->max_fences)); re-adding the same fence needs no extra slot since 95ba893c9f4f.",
	"cpu-waited-for-fence":               "Reachability: begin_cpu_access found pending fences and returned after they signalled.",
	"exporter-waited-for-fence":          "Reachability: the exporter's move waited for a pending fence before moving.",
	"fence-monotonicity":                 "A signalled fence never becomes unsignalled, its error is set only before the signal, and a context issues its seqnos in order. include/linux/dma-fence.h: dma_fence_signal is one-shot (test_and_set of DMA_FENCE_FLAG_SIGNALED_BIT); dma_fence_set_error WARNs on a signalled fence; \"all fences of one context are totally ordered by seqno\" (kernel-rules §5.1).",
	"fences-eventually-signal":           "Every fence the kernel publishes (a job's, the exporter's copy) eventually signals, on every behaviour fair to the devices, the exporter and a well-behaved user space. dma-fence.c DOC \"fence cross-driver contract\": fences must complete in reasonable time; Documentation/driver-api/dma-buf.rst \"Indefinite DMA Fences\": a DMA fence must never depend on a userspace-controlled fence (sw_sync is exactly that, §6).",
	"imported-fence-became-write-fence":  "Reachability: a fence imported with DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) is in the resv as a WRITE fence.",
	"job-ran-after-dependency":           "Reachability: a job ran after waiting for a dependency whose callback ran inside dma_fence_signal.",
	"job-timed-out":                      "Reachability: a job stuck on a dependency was force-completed with -ETIME.",
	"no-job-after-move":                  "No device job accesses the buffer after, or while, the exporter moves it. include/linux/dma-buf.h, dynamic importer rules: importers must add fences (BOOKKEEP at least) for every access they cannot stop in move_notify, the exporter waits for BOOKKEEP fences before moving, and everybody waits for KERNEL fences (kernel-rules §2.4, §4.1).",
	"poll-saw-epollin-after-write":       "Reachability: poll() returned EPOLLIN after a device write had completed and signalled.",
	"resv-idle-means-idle":               "When dma_resv_wait_timeout(U) returns, dma_resv_test_signaled(U) or poll() says idle, no fence that was added to the resv with a usage ≤ U is still pending. drivers/dma-buf/dma-resv.c: a query for U returns every fence ≤ U, and dma_resv_add_fence may only drop an entry the new fence covers (same context, later or same, usage no weaker) or a signalled one; CVE-2022-49935 (a3f7c10a269d) broke this with imported sync_files.",
	"resv-keeps-newest-fence":            "For each fence context, the resv holds a fence at least as late (in issue order) as the newest pending fence of that context ever added to it. dma_resv_add_fence replaces an entry only with a later-or-same fence of its context (a3f7c10a269d, 95ba893c9f4f; __dma_fence_is_later's 32-bit wrap-around comparison).",
	"timeline-closed-with-pending-point": "Reachability: closing the sw_sync timeline signalled a pending point with -ENOENT.",
}
