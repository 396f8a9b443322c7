package conformance

// knownGaps are disagreements between the kernel and the model that are
// understood and reported, not fixed here (the state machines belong to
// other work): each names the scenario, the call and the field, and says
// what the model misses. The suite fails on any other disagreement, and
// on a gap that no longer shows up (it was fixed: delete the entry).
var knownGaps = []gap{
	{
		scn: "fileops/udmabuf", call: "DMA_BUF_IOCTL_SYNC(B, END|READ)", nth: 1, field: "errno", kernel: "EINVAL", model: "OK",
		why: "udmabuf's end_cpu_access returns -EINVAL until a begin_cpu_access has created its sg table " +
			"(end_cpu_udmabuf: if (!ubuf->sg) return -EINVAL; semantics §3.4 says so too); the buffer model's " +
			"KSyncEnd always sets SyncErr = ErrNone and its State does not record whether a START ever completed",
	},
	{
		scn: "replace/same-fence-twice", call: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE(C, 0x3)", field: "fences",
		kernel: "sw_sync/tl:0 sw_sync/tl:0", model: "sw_sync/tl:0", why: dupFences,
	},
	{
		scn: "replace/same-fence-twice", call: "SYNC_IOC_FILE_INFO(eC)", field: "fences",
		kernel: "sw_sync/tl:1 sw_sync/tl:1", model: "sw_sync/tl:1", why: dupFences,
	},
}

const dupFences = "the fence model holds a sync_file as a set of leaf fences (State.SyncFile, ExportSyncFile's mask); " +
	"the kernel's dma_resv_get_singleton does not deduplicate: a fence that two resv entries hold (imported as WRITE, " +
	"then as READ, which dma_resv_add_fence appends because READ > WRITE) is exported as a dma_fence_array of that fence " +
	"twice (num_fences 2). Harmless for the model's properties: re-importing it adds the same fence twice, and the second " +
	"add replaces the first entry"

type gap struct {
	scn, call string
	nth       int // the nth call of that name in the scenario (0: any)
	field     string
	kernel    string
	model     string
	why       string
}

func (g gap) matches(m Mismatch) bool {
	return m.Scn == g.scn && m.Call == g.call && (g.nth == 0 || m.Nth == g.nth) && m.Field == g.field && m.Kernel == g.kernel && m.Model == g.model
}

func knownGap(m Mismatch) string {
	for _, g := range knownGaps {
		if g.matches(m) {
			return g.why
		}
	}
	return ""
}
