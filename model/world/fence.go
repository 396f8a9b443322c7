package world

import (
	"fmt"
)

// The fence family: dma_fence (context, 32-bit seqno, error, signalling),
// one dma-buf's dma_resv (usage-classed entries, reserved slots, the
// dma_resv_add_fence replacement rule), the importers' job rings under
// drm_sched (submit, run, done, timeout), the CPU's wait in
// begin_cpu_access, poll(), DMA_BUF_IOCTL_EXPORT/IMPORT_SYNC_FILE, a
// sw_sync timeline and a dynamic exporter's move. docs/kernel-rules.md
// §4–§6 give the rules (kernel 6.12); each call cites its kernel function
// in fenceCallDefs. The semantics follow the earlier model/fence step for
// step: fence_state.go holds the rules, fence_props.go the properties.

// Usage is enum dma_resv_usage (include/linux/dma-resv.h). The order is
// meaningful: a query for usage U returns every fence with usage ≤ U.
type Usage uint8

// The usage classes, in their kernel order.
const (
	UsageKernel   Usage = iota // DMA_RESV_USAGE_KERNEL: memory management (moves, clears)
	UsageWrite                 // DMA_RESV_USAGE_WRITE: implicit-sync writers
	UsageRead                  // DMA_RESV_USAGE_READ: implicit-sync readers
	UsageBookkeep              // DMA_RESV_USAGE_BOOKKEEP: no implicit sync
)

var usageNames = [4]string{"KERNEL", "WRITE", "READ", "BOOKKEEP"}

func (u Usage) String() string { return usageNames[u&3] }

// usageRW is dma_resv_usage_rw(write): a new writer waits for every reader
// and writer (READ), a new reader waits for writers only (WRITE).
func usageRW(write bool) Usage {
	if write {
		return UsageRead
	}
	return UsageWrite
}

// ReplaceRule is dma_resv_add_fence's rule for overwriting an existing
// entry instead of appending the new fence: a kernel-version parameter.
type ReplaceRule uint8

const (
	// Rule612 is the rule since 95ba893c9f4f (in 6.12): replace old if
	// (same context AND old usage ≥ usage AND the new fence is
	// dma_fence_is_later_or_same than old) OR old is signalled.
	Rule612 ReplaceRule = iota
	// RuleStrictLater is a3f7c10a269d before 95ba893c9f4f: the same with
	// dma_fence_is_later, so re-adding the same fence appends it.
	RuleStrictLater
	// RulePre2022 is the rule before a3f7c10a269d (CVE-2022-49935): same
	// context AND old usage ≥ usage, without any seqno check.
	RulePre2022
)

func (r ReplaceRule) String() string { return [...]string{"6.12", "strict-later", "pre-2022"}[r] }

// SeqnoCompare is __dma_fence_is_later's seqno comparison.
type SeqnoCompare uint8

const (
	// Wrap32 is the kernel's (int)(lower_32_bits(a) - lower_32_bits(b)) > 0.
	Wrap32 SeqnoCompare = iota
	// NaiveCompare is a > b on the 32-bit values: wrong across a wrap.
	NaiveCompare
)

func (c SeqnoCompare) String() string { return [...]string{"wrap32", "naive"}[c] }

// FenceSpec declares the fence family's objects: the importers' job rings
// (one fence context each), the sw_sync timeline's points, the exporter's
// copy engine, the bounds of user space's sync_file ioctls, and the
// kernel's dma_resv_add_fence rule and seqno comparison.
type FenceSpec struct {
	// Rings are the importers' scheduler rings, in context order.
	Rings []Ring
	// Rule is dma_resv_add_fence's replacement rule.
	Rule ReplaceRule
	// Compare is __dma_fence_is_later's comparison.
	Compare SeqnoCompare
	// Layout is the dma_resv's layout: 6.12's usage classes, or the
	// exclusive and shared fences before 5.19 (resv_layout.go).
	Layout ResvLayout
	// Points is the number of sw_sync points (0..MaxPoints), at values 1,
	// 2 of the one timeline.
	Points int
	// CopyEngine gives the exporter a copy engine whose fence a move adds
	// as KERNEL.
	CopyEngine bool
	// Exports and Imports bound DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
	// DMA_BUF_IOCTL_IMPORT_SYNC_FILE calls (0..MaxSyncFileOps each).
	Exports, Imports int
}

// Ring is one importer's scheduler ring: a fence context whose jobs'
// fences are issued in order.
type Ring struct {
	Name string
	// Jobs is the number of jobs submitted over the run (0..MaxRingJobs).
	Jobs int
	// SeqnoBase is the 32-bit seqno of the ring's first fence; the next
	// ones follow it (0xffffffff: the second wraps to 0).
	SeqnoBase uint32
}

// Limits of the fence family.
const (
	MaxRings       = 4
	MaxRingJobs    = 2
	MaxPoints      = 2
	MaxSyncFileOps = 3
	// maxFenceSlots bounds the fence slots (masks are 16 bits; an entry
	// holds slot+1 in 4 bits).
	maxFenceSlots = 15
	// maxEntries bounds the resv's entries the fence family's own fences
	// make; maxJoinedEntries those with the lock family's fences added to
	// the dma-buf's resv.
	maxEntries       = 12
	maxJoinedEntries = 15
)

func (s *FenceSpec) validate(*Spec) error {
	switch {
	case len(s.Rings) > MaxRings:
		return fmt.Errorf("at most %d rings, not %d", MaxRings, len(s.Rings))
	case s.Rule > RulePre2022:
		return fmt.Errorf("unknown replacement rule %d", s.Rule)
	case s.Layout >= numResvLayouts:
		return fmt.Errorf("unknown dma_resv layout %d", s.Layout)
	case s.Compare > NaiveCompare:
		return fmt.Errorf("unknown seqno comparison %d", s.Compare)
	case s.Points < 0 || s.Points > MaxPoints:
		return fmt.Errorf("sw_sync points must be 0..%d, not %d", MaxPoints, s.Points)
	case s.Exports < 0 || s.Exports > MaxSyncFileOps || s.Imports < 0 || s.Imports > MaxSyncFileOps:
		return fmt.Errorf("sync_file exports and imports must be 0..%d", MaxSyncFileOps)
	}
	for i, r := range s.Rings {
		if r.Jobs < 0 || r.Jobs > MaxRingJobs {
			return fmt.Errorf("ring %d: jobs must be 0..%d, not %d", i, MaxRingJobs, r.Jobs)
		}
		if r.Name == "" {
			return fmt.Errorf("ring %d has no name", i)
		}
	}
	return nil
}

// Calls of the fence family.
const (
	// An importer's driver, scheduler and device (Obj: the ring).
	KJobSubmit        CallKind = famFence<<8 + iota // job submission under the resv lock (Dir 1: a write; N: the SubmitPolicy)
	KJobRun                                         // drm_sched run_job: dependencies signalled, DMA starts
	KJobSignal                                      // the job completes: dma_fence_signal
	KJobTimeout                                     // drm_sched timedout_job: dma_fence_set_error(-ETIME), dma_fence_signal
	KJobTimeoutSignal                               // a timeout path that signals first (the error comes later)
	KJobSetErrorLate                                // dma_fence_set_error after dma_fence_signal
	// The CPU (Dir 1: DMA_TO_DEVICE, 0: DMA_FROM_DEVICE).
	KResvBeginCPU // dma_buf_begin_cpu_access: starts dma_resv_wait_timeout(usage_rw), two steps (begin, the wait returns)
	KResvEndCPU   // dma_buf_end_cpu_access
	// User space.
	KPoll           // poll(dmabuf, EPOLLIN): dma_buf_poll
	KExportSyncFile // DMA_BUF_IOCTL_EXPORT_SYNC_FILE (Dir 1: WRITE flag)
	KImportSyncFile // DMA_BUF_IOCTL_IMPORT_SYNC_FILE (Dir 1: WRITE flag)
	KSwSyncCreate   // SW_SYNC_IOC_CREATE_FENCE (N: the point, value N+1)
	KSwSyncInc      // SW_SYNC_IOC_INC(1)
	KSwSyncClose    // close of the sw_sync timeline fd
	// The dynamic exporter.
	KExporterMove // dma_resv_lock, dma_buf_move_notify, then (second step) the BOOKKEEP wait returns, move, (copy,) dma_resv_unlock (N 1: a copy)
	KCopyDone     // the copy completes: dma_fence_signal(copy fence)
	kFenceEnd
)

const numFenceCalls = int(kFenceEnd & 0xff)

var fenceCallDefs = [numFenceCalls]callDef{
	KJobSubmit & 0xff:        {name: "submit", kernel: "drivers/gpu/drm/scheduler/sched_main.c: drm_sched_job_add_implicit_dependencies, drm_sched_job_arm; drivers/dma-buf/dma-resv.c: dma_resv_reserve_fences, dma_resv_add_fence", steps: 1},
	KJobRun & 0xff:           {name: "run_job", kernel: "drivers/gpu/drm/scheduler/sched_main.c: drm_sched_run_job_work (dependencies signalled), ops->run_job", steps: 1},
	KJobSignal & 0xff:        {name: "job done, dma_fence_signal", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal", steps: 1},
	KJobTimeout & 0xff:       {name: "job timeout", kernel: "drivers/gpu/drm/scheduler/sched_main.c: drm_sched_job_timedout; drivers/dma-buf/dma-fence.c: dma_fence_set_error, dma_fence_signal", steps: 1},
	KJobTimeoutSignal & 0xff: {name: "job timeout", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal (before dma_fence_set_error)", steps: 1},
	KJobSetErrorLate & 0xff:  {name: "dma_fence_set_error", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_set_error (WARNs on a signalled fence)", steps: 1},
	KResvBeginCPU & 0xff:     {name: "dma_buf_begin_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_begin_cpu_access, __dma_buf_begin_cpu_access; drivers/dma-buf/dma-resv.c: dma_resv_wait_timeout", steps: 2},
	KResvEndCPU & 0xff:       {name: "dma_buf_end_cpu_access", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_end_cpu_access", steps: 1},
	KPoll & 0xff:             {name: "poll(dmabuf, EPOLLIN)", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_poll, dma_buf_poll_add_cb, dma_buf_poll_cb", steps: 1},
	KExportSyncFile & 0xff:   {name: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_export_sync_file; drivers/dma-buf/dma-resv.c: dma_resv_get_singleton", steps: 1},
	KImportSyncFile & 0xff:   {name: "DMA_BUF_IOCTL_IMPORT_SYNC_FILE", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_import_sync_file (dma_fence_unwrap_for_each, dma_resv_reserve_fences, dma_resv_add_fence)", steps: 1},
	KSwSyncCreate & 0xff:     {name: "SW_SYNC_IOC_CREATE_FENCE", kernel: "drivers/dma-buf/sw_sync.c: sw_sync_ioctl_create_fence", steps: 1},
	KSwSyncInc & 0xff:        {name: "SW_SYNC_IOC_INC", kernel: "drivers/dma-buf/sw_sync.c: sw_sync_ioctl_inc, sync_timeline_signal", steps: 1},
	KSwSyncClose & 0xff:      {name: "close(sw_sync timeline fd)", kernel: "drivers/dma-buf/sw_sync.c: sw_sync_debugfs_release (pending points signalled with -ENOENT)", steps: 1},
	KExporterMove & 0xff:     {name: "dma_buf_move_notify", kernel: "drivers/dma-buf/dma-buf.c: dma_buf_move_notify; drivers/dma-buf/dma-resv.c: dma_resv_lock, dma_resv_wait_timeout(BOOKKEEP), dma_resv_add_fence, dma_resv_unlock", steps: 2},
	KCopyDone & 0xff:         {name: "copy done, dma_fence_signal", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_signal", steps: 1},
}

// AddPolicy is what a driver adds to the resv for a job.
type AddPolicy uint8

const (
	// AddUsage adds the job's fence with WRITE for a write, READ for a
	// read: the implicit-sync rule.
	AddUsage AddPolicy = iota
	// AddBookkeep adds it with BOOKKEEP (explicit sync; the exporter sees
	// it).
	AddBookkeep
	// AddNone adds nothing (a dynamic importer that neither stops nor
	// fences its DMA: the bug).
	AddNone
	// AddBookkeepThenUsage adds the same fence twice, BOOKKEEP then its
	// usage, after reserving one slot (valid since 95ba893c9f4f).
	AddBookkeepThenUsage
)

// SubmitPolicy is what a driver's job submission does: how it collects
// dependencies, what it adds, whether it reserves a slot first.
type SubmitPolicy struct {
	// Explicit takes no implicit dependencies, only the KERNEL fences.
	Explicit bool
	// IgnoreKernelFences: an explicit-sync job waits for nothing at all.
	IgnoreKernelFences bool
	// Adds is what the job adds to the resv.
	Adds AddPolicy
	// SkipReserve calls dma_resv_add_fence without dma_resv_reserve_fences.
	SkipReserve bool
}

func (p SubmitPolicy) pack() int {
	n := int(p.Adds & 3)
	if p.Explicit {
		n |= 1 << 2
	}
	if p.IgnoreKernelFences {
		n |= 1 << 3
	}
	if p.SkipReserve {
		n |= 1 << 4
	}
	return n
}

func unpackPolicy(n int) SubmitPolicy {
	return SubmitPolicy{Adds: AddPolicy(n & 3), Explicit: n&(1<<2) != 0, IgnoreKernelFences: n&(1<<3) != 0, SkipReserve: n&(1<<4) != 0}
}

func dirBit(write bool) uint8 {
	if write {
		return 1
	}
	return 0
}

// JobSubmit is ring r's driver submitting a job (a write or a read) under
// the resv lock with policy p.
func JobSubmit(r int, write bool, p SubmitPolicy) Call {
	return Call{Kind: KJobSubmit, Obj: r, Dir: dirBit(write), N: p.pack()}
}

// JobRun is ring r's scheduler running its head job (drm_sched run_job).
func JobRun(r int) Call { return Call{Kind: KJobRun, Obj: r} }

// JobDoneSignal is ring r's head job completing: dma_fence_signal.
func JobDoneSignal(r int) Call { return Call{Kind: KJobSignal, Obj: r} }

// JobTimeout is ring r's scheduler force-completing a head job stuck on a
// dependency: dma_fence_set_error(-ETIME), then dma_fence_signal.
func JobTimeout(r int) Call { return Call{Kind: KJobTimeout, Obj: r} }

// JobTimeoutSignalFirst is a timeout path that signals the stuck job's
// fence first and sets its error in a later step (JobSetErrorLate).
func JobTimeoutSignalFirst(r int) Call { return Call{Kind: KJobTimeoutSignal, Obj: r} }

// JobSetErrorLate is dma_fence_set_error(-ETIME) on a fence ring r's
// timeout already signalled.
func JobSetErrorLate(r int) Call { return Call{Kind: KJobSetErrorLate, Obj: r} }

// ResvBeginCPU is dma_buf_begin_cpu_access (DMA_TO_DEVICE for a write,
// DMA_FROM_DEVICE for a read) with its implicit fence wait.
func ResvBeginCPU(write bool) Call { return Call{Kind: KResvBeginCPU, Dir: dirBit(write)} }

// ResvEndCPU is dma_buf_end_cpu_access.
func ResvEndCPU(write bool) Call { return Call{Kind: KResvEndCPU, Dir: dirBit(write)} }

// Poll is poll(dmabuf fd, EPOLLIN).
func Poll() Call { return Call{Kind: KPoll} }

// ExportSyncFile is DMA_BUF_IOCTL_EXPORT_SYNC_FILE with the READ or WRITE
// flag.
func ExportSyncFile(write bool) Call { return Call{Kind: KExportSyncFile, Dir: dirBit(write)} }

// ImportSyncFile is DMA_BUF_IOCTL_IMPORT_SYNC_FILE of the sync_file user
// space holds, with the READ or WRITE flag.
func ImportSyncFile(write bool) Call { return Call{Kind: KImportSyncFile, Dir: dirBit(write)} }

// SwSyncCreate is SW_SYNC_IOC_CREATE_FENCE of point k (value k+1).
func SwSyncCreate(k int) Call { return Call{Kind: KSwSyncCreate, N: k} }

// SwSyncInc is SW_SYNC_IOC_INC(1).
func SwSyncInc() Call { return Call{Kind: KSwSyncInc} }

// SwSyncClose is the close of the sw_sync timeline's fd.
func SwSyncClose() Call { return Call{Kind: KSwSyncClose} }

// ExporterMove is the dynamic exporter moving the buffer: dma_resv_lock and
// dma_buf_move_notify, then, once the BOOKKEEP fences signalled, the move
// (a copy whose fence is added as KERNEL, with copy) and dma_resv_unlock.
func ExporterMove(copy bool) Call { return Call{Kind: KExporterMove, N: int(dirBit(copy))} }

// CopyDone is the exporter's copy completing: dma_fence_signal.
func CopyDone() Call { return Call{Kind: KCopyDone} }

var dmaDirNames = [2]string{"DMA_FROM_DEVICE", "DMA_TO_DEVICE"}
var syncFlagNames = [2]string{"READ", "WRITE"}

// fenceCallName renders step i of a fence-family call, as the earlier
// model named its actions (the agent's name comes before it).
func (c *core) fenceCallName(call Call, step int) string {
	w := call.Dir == 1
	switch call.Kind {
	case KJobSubmit:
		return fmt.Sprintf("submit %s job (%s)", [2]string{"read", "write"}[call.Dir&1], submitSummary(unpackPolicy(call.N), w))
	case KJobRun:
		return "run_job (dependencies signalled)"
	case KJobTimeout:
		return "job timeout: dma_fence_set_error(-ETIME), dma_fence_signal"
	case KJobTimeoutSignal:
		return "job timeout: dma_fence_signal"
	case KJobSetErrorLate:
		return "dma_fence_set_error(-ETIME) after dma_fence_signal"
	case KResvBeginCPU:
		if step == 1 {
			return fmt.Sprintf("dma_resv_wait_timeout(%s) returned", usageRW(w))
		}
		return fmt.Sprintf("dma_buf_begin_cpu_access(%s)", dmaDirNames[call.Dir&1])
	case KResvEndCPU:
		return fmt.Sprintf("dma_buf_end_cpu_access(%s)", dmaDirNames[call.Dir&1])
	case KExportSyncFile, KImportSyncFile:
		return fmt.Sprintf("%s(%s)", call.def().name, syncFlagNames[call.Dir&1])
	case KSwSyncCreate:
		return fmt.Sprintf("SW_SYNC_IOC_CREATE_FENCE(value %d)", call.N+1)
	case KSwSyncInc:
		return "SW_SYNC_IOC_INC(1)"
	case KExporterMove:
		if step == 0 {
			return "dma_resv_lock, dma_buf_move_notify"
		}
		if call.N == 1 {
			return "dma_resv_wait_timeout(BOOKKEEP) returned, copy, dma_resv_add_fence(copy, KERNEL), dma_resv_unlock"
		}
		return "dma_resv_wait_timeout(BOOKKEEP) returned, move, dma_resv_unlock"
	case KCopyDone:
		return "copy done, dma_fence_signal(copy)"
	}
	return call.def().name
}

// submitSummary names what a submission does: its dependencies and the
// fences it adds.
func submitSummary(p SubmitPolicy, write bool) string {
	deps := "deps " + usageRW(write).String()
	if p.Explicit {
		deps = "explicit, deps KERNEL"
		if p.IgnoreKernelFences {
			deps = "explicit, no deps"
		}
	}
	usage := usageRW(!write) // WRITE for a write, READ for a read
	var add string
	switch p.Adds {
	case AddUsage:
		add = fmt.Sprintf("dma_resv_add_fence(%s)", usage)
	case AddBookkeep:
		add = "dma_resv_add_fence(BOOKKEEP)"
	case AddNone:
		add = "no fence added"
	case AddBookkeepThenUsage:
		add = fmt.Sprintf("dma_resv_add_fence(BOOKKEEP), dma_resv_add_fence(%s)", usage)
	}
	if p.SkipReserve && p.Adds != AddNone {
		add = "no dma_resv_reserve_fences, " + add
	}
	return deps + "; " + add
}

// fenceCheckCall rejects a fence call naming an object the world does not
// have.
func (c *core) fenceCheckCall(call Call) error {
	f := &c.spec.Fence
	d := call.def()
	switch call.Kind {
	case KJobSubmit, KJobRun, KJobSignal, KJobTimeout, KJobTimeoutSignal, KJobSetErrorLate:
		if call.Obj < 0 || call.Obj >= len(f.Rings) {
			return fmt.Errorf("%s: no ring %d (the world has %d)", d.name, call.Obj, len(f.Rings))
		}
		if call.Kind == KJobRun || call.Kind == KJobSignal {
			for dv, t := range c.join.tieRing {
				if int(t)-1 == call.Obj {
					return fmt.Errorf("%s(%s): ring %s's jobs are device %s's: they run with device_dma_read/device_dma_write(%s, LINE) and complete with device_job_done(%s)",
						map[CallKind]string{KJobRun: "run_job", KJobSignal: "dma_fence_signal"}[call.Kind], f.Rings[call.Obj].Name, f.Rings[call.Obj].Name, c.spec.Devices[dv].Name, c.spec.Devices[dv].Name, c.spec.Devices[dv].Name)
				}
			}
		}
		if call.Kind == KJobSubmit {
			p := unpackPolicy(call.N)
			if p.IgnoreKernelFences && !p.Explicit {
				return fmt.Errorf("%s: ignoring KERNEL fences applies to explicit sync only", d.name)
			}
			// Before 5.19 (layout exclusive-shared) an explicit-sync driver
			// whose writes implicit-sync consumers must see had no other
			// way than the exclusive fence (resv_layout.go).
			if p.Explicit && (p.Adds == AddUsage && f.Layout == LayoutUsage || p.Adds == AddBookkeepThenUsage) {
				return fmt.Errorf("%s: an explicit-sync job adds BOOKKEEP or nothing (or, with the dma_resv layout exclusive-shared, its usage)", d.name)
			}
		}
	case KSwSyncCreate:
		if call.N < 0 || call.N >= f.Points {
			return fmt.Errorf("%s: no point %d (the timeline has %d)", d.name, call.N, f.Points)
		}
	case KSwSyncInc, KSwSyncClose:
		if f.Points == 0 {
			return fmt.Errorf("%s: the world has no sw_sync points", d.name)
		}
	case KExporterMove:
		if call.N == 1 && !f.CopyEngine {
			return fmt.Errorf("%s: a copy needs the exporter's copy engine (CopyEngine)", d.name)
		}
	case KCopyDone:
		if !f.CopyEngine {
			return fmt.Errorf("%s: the exporter has no copy engine", d.name)
		}
	}
	// The CPU's, the poller's and the sync_file calls name no object.
	return nil
}
