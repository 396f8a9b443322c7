// Package fence is the synchronisation half of the DMA-buf protocol as a
// pure, deterministic state machine over the statespace engine: one
// dma-buf's reservation object (dma_resv) with its usage-classed fence
// slots, the dma_fences published into it (device jobs of up to four importers,
// sw_sync timeline points, the exporter's move), their signalling and
// callbacks, and the users of the resv: implicit- and explicit-sync job
// submission, CPU access (begin_cpu_access), poll(), the sync_file
// export/import ioctls and a dynamic exporter moving the buffer.
//
// As in package model, the configuration is data: a kernel rule that
// changed over time (dma_resv_add_fence's replacement rule, the seqno
// comparison) or a driver's misuse is a field of Config, so a historical
// bug is a small variant of the correct configuration. Everything follows
// docs/kernel-rules.md §4–§6 (kernel 6.12). The cache and
// attachment half is package model; lock ordering and ww_mutex deadlocks
// are another package's.
package fence

import "fmt"

// Usage is enum dma_resv_usage (include/linux/dma-resv.h). The order is
// meaningful: a query for usage U returns every fence with usage ≤ U.
type Usage uint8

// The usage classes, in their kernel order.
const (
	Kernel   Usage = iota // DMA_RESV_USAGE_KERNEL: memory management (moves, clears)
	Write                 // DMA_RESV_USAGE_WRITE: implicit-sync writers
	Read                  // DMA_RESV_USAGE_READ: implicit-sync readers
	Bookkeep              // DMA_RESV_USAGE_BOOKKEEP: no implicit sync
)

var usageNames = [4]string{"KERNEL", "WRITE", "READ", "BOOKKEEP"}

func (u Usage) String() string { return usageNames[u&3] }

// UsageRW is dma_resv_usage_rw(write): a new writer waits for every reader
// and writer (READ), a new reader waits for writers only (WRITE).
func UsageRW(write bool) Usage {
	if write {
		return Read
	}
	return Write
}

// ReplaceRule is dma_resv_add_fence's rule for overwriting an existing
// entry instead of appending the new fence.
type ReplaceRule uint8

const (
	// Rule612 is the rule since 95ba893c9f4f (2023, in 6.12): replace old
	// if (same context AND old usage ≥ usage AND the new fence is
	// dma_fence_is_later_or_same than old) OR old is signalled.
	Rule612 ReplaceRule = iota
	// RuleStrictLater is a3f7c10a269d (2022) before 95ba893c9f4f: the
	// same, with dma_fence_is_later: re-adding the same fence appends it
	// and needs one more reserved slot.
	RuleStrictLater
	// RulePre2022 is the rule before a3f7c10a269d (CVE-2022-49935): same
	// context AND old usage ≥ usage, without any seqno check, so an older
	// fence (an imported sync_file) replaces a newer one.
	RulePre2022
)

func (r ReplaceRule) String() string {
	return [...]string{"6.12", "strict-later", "pre-2022"}[r]
}

// Compare is __dma_fence_is_later's seqno comparison.
type Compare uint8

const (
	// Wrap32 is the kernel's comparison for 32-bit seqno contexts:
	// (int)(lower_32_bits(a) - lower_32_bits(b)) > 0, correct across the
	// wrap-around.
	Wrap32 Compare = iota
	// Naive is a > b on the 32-bit values: wrong once a context's seqno
	// wraps (the bug variant).
	Naive
)

func (c Compare) String() string { return [...]string{"wrap32", "naive"}[c] }

// Access is what an importer's jobs do to the buffer.
type Access uint8

const (
	JobsWrite     Access = iota // every job writes
	JobsRead                    // every job reads
	JobsReadWrite               // each job reads or writes (both submit actions)
)

func (a Access) String() string { return [...]string{"write", "read", "read-write"}[a] }

// Sync is how an importer synchronises its jobs.
type Sync uint8

const (
	// Implicit collects the job's dependencies from the resv with
	// dma_resv_usage_rw(write) (drm_sched_job_add_implicit_dependencies).
	Implicit Sync = iota
	// Explicit takes no implicit dependencies (user space passes its own
	// fences); only the KERNEL fences, which everybody must wait for.
	Explicit
)

// FencePolicy is what an importer adds to the resv for a job.
type FencePolicy uint8

const (
	// FenceUsage adds the job's fence with WRITE for a write, READ for a
	// read: the implicit-sync rule (dma-buf.h, struct dma_buf::resv).
	FenceUsage FencePolicy = iota
	// FenceBookkeep adds it with BOOKKEEP: no implicit sync, but the
	// exporter sees it (explicit sync; the dynamic-importer rule (b)).
	FenceBookkeep
	// FenceNone adds nothing: a dynamic importer that cannot stop its DMA
	// in move_notify and does not fence it (the bug variant).
	FenceNone
	// FenceBookkeepThenUsage adds the same fence twice, BOOKKEEP then its
	// implicit usage, after reserving a single slot: valid since
	// 95ba893c9f4f (the second add replaces the first).
	FenceBookkeepThenUsage
)

// Timeout says whether an importer's scheduler gives up on a job stuck on
// a dependency (the cross-driver contract: work that may never finish must
// be backed by a timeout that force-completes its fence).
type Timeout uint8

const (
	NoTimeout Timeout = iota
	// TimeoutSetErrorThenSignal: dma_fence_set_error(-ETIME), then
	// dma_fence_signal, in one step.
	TimeoutSetErrorThenSignal
	// TimeoutErrorAfterSignal signals first and sets the error in a later
	// step (dma_fence_set_error WARNs: the error may not be observed).
	TimeoutErrorAfterSignal
)

// Importer is one importer device and its driver.
type Importer struct {
	Name string
	// Jobs is the number of jobs it submits over the run (0..MaxJobs).
	Jobs   int
	Access Access
	Sync   Sync
	Fence  FencePolicy
	// SkipReserve: the driver calls dma_resv_add_fence without
	// dma_resv_reserve_fences (BUG_ON in the kernel when it must append).
	SkipReserve bool
	// IgnoreKernelFences: an explicit-sync job does not wait for the
	// resv's KERNEL fences either (the exporter's move).
	IgnoreKernelFences bool
	Timeout            Timeout
	// SeqnoBase is the 32-bit seqno of the ring's first fence; the next
	// ones follow it (0xffffffff: the second fence wraps to 0).
	SeqnoBase uint32
}

// CPU is the CPU agent's access through begin/end_cpu_access.
type CPU uint8

const (
	NoCPU        CPU = iota
	CPURead          // DMA_FROM_DEVICE: waits for WRITE (and KERNEL) fences
	CPUWrite         // DMA_TO_DEVICE: waits for READ, WRITE and KERNEL fences
	CPUReadWrite     // either, each bracket
)

// UserSignals is how user space treats its sw_sync timeline.
type UserSignals uint8

const (
	// UserNever creates points and never increments nor closes the
	// timeline: an indefinite fence.
	UserNever UserSignals = iota
	// UserCloses eventually closes the timeline fd (pending points signal
	// with -ENOENT).
	UserCloses
	// UserIncrements increments the timeline (SW_SYNC_IOC_INC) and may
	// close it.
	UserIncrements
)

// SwSync is the sw_sync timeline user space controls.
type SwSync struct {
	// Points is the number of points user space creates (0..MaxPoints),
	// at values 1, 2.
	Points int
	User   UserSignals
}

// SyncFile bounds user space's sync_file ioctls on the dma-buf.
type SyncFile struct {
	// Exports and Imports bound DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
	// DMA_BUF_IOCTL_IMPORT_SYNC_FILE calls (0..3 each).
	Exports, Imports int
}

// Exporter is the dynamic exporter's move.
type Exporter struct {
	// Moves lets the exporter move the buffer once: lock the resv,
	// dma_buf_move_notify, wait for BOOKKEEP fences, move.
	Moves bool
	// CopyFence makes the move a copy by the exporter's engine whose fence
	// is added as KERNEL; the pages are in flux until it signals.
	CopyFence bool
}

// Config is one model instance.
type Config struct {
	Importers []Importer
	Rule      ReplaceRule
	Compare   Compare
	CPU       CPU
	// Poll is one user-space poll(dmabuf fd, EPOLLIN) loop: poll, sleep on
	// the callback, re-poll until EPOLLIN.
	Poll     bool
	SyncFile SyncFile
	SwSync   SwSync
	Exporter Exporter
}

// Limits of the state space.
const (
	MaxImporters = 4
	MaxJobs      = 2  // per importer, over the run
	MaxPoints    = 2  // sw_sync points
	MaxUserOps   = 3  // exports, imports
	MaxFences    = 12 // fence slots: stub, 4×2 jobs, 2 points, the move's copy
	MaxEntries   = 12 // resv entries
)

// Mask is a set of fence slots, bit f for slot f (MaxFences ≤ 16).
type Mask uint16

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case len(c.Importers) > MaxImporters:
		return fmt.Errorf("at most %d importers, not %d", MaxImporters, len(c.Importers))
	case c.Rule > RulePre2022:
		return fmt.Errorf("unknown replacement rule %d", c.Rule)
	case c.Compare > Naive:
		return fmt.Errorf("unknown seqno comparison %d", c.Compare)
	case c.CPU > CPUReadWrite:
		return fmt.Errorf("unknown CPU access %d", c.CPU)
	case c.SwSync.Points < 0 || c.SwSync.Points > MaxPoints:
		return fmt.Errorf("sw_sync points must be 0..%d, not %d", MaxPoints, c.SwSync.Points)
	case c.SwSync.User > UserIncrements:
		return fmt.Errorf("unknown sw_sync user behaviour %d", c.SwSync.User)
	case c.SyncFile.Exports < 0 || c.SyncFile.Exports > MaxUserOps || c.SyncFile.Imports < 0 || c.SyncFile.Imports > MaxUserOps:
		return fmt.Errorf("sync_file exports and imports must be 0..%d", MaxUserOps)
	case c.SwSync.Points > 0 && c.SyncFile.Imports == 0:
		return fmt.Errorf("sw_sync points reach the resv only through DMA_BUF_IOCTL_IMPORT_SYNC_FILE: set SyncFile.Imports")
	case c.Exporter.CopyFence && !c.Exporter.Moves:
		return fmt.Errorf("the exporter's copy fence needs Exporter.Moves")
	}
	for i, im := range c.Importers {
		switch {
		case im.Jobs < 0 || im.Jobs > MaxJobs:
			return fmt.Errorf("importer %d: jobs must be 0..%d, not %d", i, MaxJobs, im.Jobs)
		case im.Access > JobsReadWrite || im.Sync > Explicit || im.Fence > FenceBookkeepThenUsage || im.Timeout > TimeoutErrorAfterSignal:
			return fmt.Errorf("importer %d: unknown access, sync, fence policy or timeout", i)
		case im.IgnoreKernelFences && im.Sync != Explicit:
			return fmt.Errorf("importer %d: IgnoreKernelFences applies to explicit sync only", i)
		case im.Sync == Explicit && (im.Fence == FenceUsage || im.Fence == FenceBookkeepThenUsage):
			return fmt.Errorf("importer %d: an explicit-sync importer adds BOOKKEEP or nothing", i)
		}
	}
	return nil
}
