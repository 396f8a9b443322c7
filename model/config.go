// Package model is the cache half of the DMA-buf buffer-sharing protocol as
// a pure, deterministic state machine over the statespace engine: one
// buffer of 1..MaxLines cache lines, its backing memory (cached or not) and
// the CPU's write-back cache, the exporter, and 1..MaxDevices importer
// devices, each with its attachment, dma-buf mapping, DMA-API mapping, job,
// own cache or swiotlb bounce slots. Actions are named after the kernel
// functions they model (docs/model.md); a violation sets a ghost flag
// (State.Ghost) in the step that commits it.
//
// The files: config.go (Config: architecture, backing, devices, the
// exporter's behaviour table, the client discipline), state.go (State),
// model.go (New, the action table, enabledness, steps, and StepCounting,
// which also counts the cache maintenance done: Ops), cost.go (Workload:
// the maintenance a sequence of high-level accesses costs), symmetry.go
// (the exact reduction over interchangeable importers: Symmetric), describe.go (named state
// fields for traces), uapi.go (the uAPI calls without state of their own,
// checked against a real kernel by package conformance) and variants.go
// (the exporter tables and the built-in scenarios, Scenarios).
//
// The properties checked on this model are in package props. The
// synchronisation half (fences, dma_resv, sync_file), deadlocks, sharing
// across VMs and peer-to-peer DMA are separate models in the subpackages
// fence, deadlock, crossvm and p2p.
//
// Exporter behaviour and design proposals are data (Exporter, Discipline),
// not forks of the code: a historical bug or a proposal from the mailing
// lists is a small variant of a correct table. Everything follows
// docs/kernel-rules.md (kernel 6.12).
package model

import "fmt"

// Arch selects what the DMA API's sync operations do to the CPU cache
// (arch_sync_dma_for_device / arch_sync_dma_for_cpu).
type Arch uint8

const (
	// ARM64: for_device cleans for every direction; for_cpu invalidates
	// unless TO_DEVICE.
	ARM64 Arch = iota
	// ARM32: for_device invalidates for FROM_DEVICE and cleans otherwise;
	// for_cpu invalidates unless TO_DEVICE.
	ARM32
	// X86: the DMA API does no cache maintenance (devices are expected to
	// snoop); a non-snooping device there needs the exporter's own clflush.
	X86
)

func (a Arch) String() string { return [...]string{"arm64", "arm32", "x86"}[a] }

// Backing is where the buffer's pages live and how the CPU maps them.
type Backing uint8

const (
	// SystemCached is system memory mapped write-back cached by the CPU.
	SystemCached Backing = iota
	// WriteCombined is system memory mapped uncached/write-combined: CPU
	// accesses bypass the cache.
	WriteCombined
	// DeviceMemory is memory on the exporting device (VRAM) that the CPU
	// reaches through a BAR, mapped write-combined: like WriteCombined for
	// the caches. (Peer-to-peer routing to it is issue 8's model.)
	DeviceMemory
)

func (b Backing) String() string {
	return [...]string{"system-cached", "write-combined", "device-memory"}[b]
}

// uncached reports whether CPU accesses bypass the CPU cache.
func (b Backing) uncached() bool { return b != SystemCached }

// Device is one device that imports the buffer.
type Device struct {
	Name string
	// Coherent is dev_is_dma_coherent(dev): the device snoops the CPU cache
	// (reads see dirty CPU lines, writes invalidate them).
	Coherent bool
	// OwnCache gives the device a write-back cache of its own: device writes
	// land there dirty and reach memory only when written back.
	OwnCache bool
	// Dynamic makes the importer use dma_buf_dynamic_attach with
	// move_notify (it handles invalidation and must remap).
	Dynamic bool
	// Bounce means the device cannot address the buffer directly: the DMA
	// API maps it through a bounce buffer (swiotlb), copying on map/unmap
	// and sync.
	Bounce bool
	// IOMMU puts the device behind an IOMMU (dma-iommu): its dma_sync calls
	// maintain the sg table's pages by physical address, so they work even
	// on a table that was never dma_map'ed; with dma-direct they use the
	// (garbage) DMA address instead.
	IOMMU bool
}

// SyncScope says which cache maintenance an exporter does in
// begin_cpu_access / end_cpu_access.
type SyncScope uint8

const (
	// SyncNone does nothing (vb2-dma-contig, amdgpu).
	SyncNone SyncScope = iota
	// SyncMapped syncs for each attachment that is currently mapped, with
	// that attachment's device (system and CMA heaps).
	SyncMapped
	// SyncExporterDevice syncs with the exporter's own device, whether or
	// not anything is mapped (udmabuf's misc device).
	SyncExporterDevice
	// SyncAlways flushes/invalidates the CPU cache for the whole buffer
	// regardless of devices (i915's domain tracking with clflush).
	SyncAlways
)

func (s SyncScope) String() string {
	return [...]string{"none", "mapped-attachments", "exporter-device", "always"}[s]
}

// Exporter is the exporter's behaviour table: what its callbacks do.
type Exporter struct {
	Name string
	// MapSkipCPUSync: map_dma_buf / unmap_dma_buf pass
	// DMA_ATTR_SKIP_CPU_SYNC (GEM exporters, udmabuf since 2026).
	MapSkipCPUSync bool
	// CacheSGT is cache_sgt_mapping: the first mapping is cached, a second
	// map in another direction fails with -EBUSY, unmap is a no-op and the
	// real unmap happens at detach.
	CacheSGT bool
	// BeginSync and EndSync are the maintenance done by begin_cpu_access
	// and end_cpu_access.
	BeginSync, EndSync SyncScope
	// Dynamic exporters implement pin/unpin and may move the buffer
	// (dma_buf_move_notify).
	Dynamic bool
	// RejectNonCoherent is the 2022 dma_coherent proposal: attach fails
	// with -EINVAL for a device that is not dev_is_dma_coherent.
	RejectNonCoherent bool
	// WaitBeforeHook swaps the two steps of begin_cpu_access: wait for the
	// implicit fences first, then run the exporter's hook (a proposed fix
	// for the invalidate-before-DMA-done window).
	WaitBeforeHook bool
	// MapBypassesDMAAPI: map_dma_buf maps the pages into the device's
	// IOMMU domain itself, without dma_map_sg (drm/msm before 2019), so no
	// DMA-API mapping exists for later dma_sync calls.
	MapBypassesDMAAPI bool
	// SyncDeviceCaches makes the exporter's maintenance (map, begin, end)
	// also write back and invalidate the importers' own caches, as the DMA
	// API would for masters with write-back caches (proposal 3).
	SyncDeviceCaches bool
	// EndNeedsBegin: end_cpu_access fails with -EINVAL (and does nothing)
	// until a begin_cpu_access has run once. udmabuf's end_cpu_udmabuf
	// returns -EINVAL while ubuf->sg is NULL, and only begin_cpu_udmabuf
	// creates it (kernel-rules §3.4; observed on 6.12, docs/conformance.md).
	// The model tracks the "has begun" bit only when the discipline lets
	// user space end a bracket it never began: otherwise every END follows
	// a START and the bit would split states without changing behaviour.
	EndNeedsBegin bool
}

// Discipline says how the importers' drivers and user space behave: the
// correct protocol, or one of the misuses the kernel does not prevent.
type Discipline struct {
	// UnbracketedCPU lets the CPU touch the mmap without DMA_BUF_IOCTL_SYNC.
	UnbracketedCPU bool
	// EndWithoutBegin lets user space issue SYNC_END without SYNC_START.
	EndWithoutBegin bool
	// SyncUnmapped lets the importer's driver call dma_sync_sgtable_for_*
	// at any time, whether or not the sg table is dma_map'ed (drm/msm 2019).
	SyncUnmapped bool
	// IgnoreMoveNotify lets a dynamic importer keep using its mapping after
	// move_notify instead of remapping.
	IgnoreMoveNotify bool
	// ReleaseWhileAttached lets the last file reference be dropped while
	// attachments remain.
	ReleaseWhileAttached bool
	// DetachWithJobInFlight lets an importer detach while its DMA runs.
	DetachWithJobInFlight bool
	// RaceCPUAndDevice lets a device job start while the CPU is inside a
	// conflicting begin/end bracket (no ordering between them).
	RaceCPUAndDevice bool
	// MapDuringCPUAccess lets importers map and unmap while the CPU is
	// inside a begin/end bracket (an unmap's sync_for_cpu then invalidates
	// lines the CPU is writing).
	MapDuringCPUAccess bool
	// MapAroundEveryJob makes importers map right before each job and unmap
	// right after it (proposal 5); without it they map once.
	MapAroundEveryJob bool
	// ImporterSyncs makes importers' drivers sync their attachment for the
	// device when a job starts and for the CPU when it completes (the 2013
	// dma_buf_sync_sg_attachment proposal, proposal 4), instead of relying on
	// the CPU-side begin/end maintenance.
	ImporterSyncs bool
}

// Limits bound the state space.
const (
	MaxLines   = 2
	MaxDevices = 3 // importers; device indexes are 0..MaxDevices-1
	MaxVersion = 3 // at most this many writes in total
)

// Config is one complete model instance.
type Config struct {
	Arch Arch
	// KernelCPU makes the CPU agent an in-kernel user (vmap +
	// dma_buf_begin_cpu_access / dma_buf_end_cpu_access) instead of user
	// space (mmap + DMA_BUF_IOCTL_SYNC): the same protocol, the kernel's
	// names, and no uAPI flag validation.
	KernelCPU  bool
	Backing    Backing
	Lines      int // 1 or 2 cache lines
	Devices    []Device
	Exporter   Exporter
	Discipline Discipline
	// Writes bounds the total number of writes (CPU and device), 1..MaxVersion.
	Writes int
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case c.Arch > X86:
		return fmt.Errorf("unknown arch %d", c.Arch)
	case c.Backing > DeviceMemory:
		return fmt.Errorf("unknown backing %d", c.Backing)
	case c.Lines < 1 || c.Lines > MaxLines:
		return fmt.Errorf("lines must be 1..%d, not %d", MaxLines, c.Lines)
	case len(c.Devices) < 1 || len(c.Devices) > MaxDevices:
		return fmt.Errorf("devices must be 1..%d, not %d", MaxDevices, len(c.Devices))
	case c.Writes < 1 || c.Writes > MaxVersion:
		return fmt.Errorf("writes must be 1..%d, not %d", MaxVersion, c.Writes)
	case c.Exporter.BeginSync > SyncAlways || c.Exporter.EndSync > SyncAlways:
		return fmt.Errorf("unknown sync scope")
	case c.Exporter.CacheSGT && c.Exporter.Dynamic:
		// dma_buf_export: WARN and -EINVAL for cache_sgt_mapping with pin/unpin.
		return fmt.Errorf("exporter %q: a cached sg table (cache_sgt_mapping) cannot be combined with a dynamic exporter (pin/unpin)", c.Exporter.Name)
	}
	for i, d := range c.Devices {
		if d.Dynamic && !c.Exporter.Dynamic && c.Discipline.IgnoreMoveNotify {
			return fmt.Errorf("device %d (%s): IgnoreMoveNotify needs a dynamic exporter", i, d.Name)
		}
	}
	return nil
}
