package world

import "fmt"

// Spec declares one world: the objects (a dma-buf with its backing and
// cache lines, the CPU cache, importer devices with their attachments, the
// exporter with its hooks) and the agents with their programs. It is data:
// the scenario files of the file language and the built-in scenarios both
// produce a Spec, and Build turns it into a model.
type Spec struct {
	// Name names the world in traces.
	Name string
	// Arch selects what the DMA API's sync operations do to the CPU cache.
	Arch Arch
	// Backing is where the buffer's pages live and how the CPU maps them.
	Backing Backing
	// Lines is the number of cache lines of the buffer (1..MaxLines).
	Lines int
	// Writes bounds the total number of writes, CPU and device (1..MaxVersion):
	// a write call is disabled once the bound is reached.
	Writes int
	// CPUStart is the state of the buffer's lines in the CPU cache at the
	// start (initial.go): invalid, or dirty after page population.
	CPUStart CacheStart
	// Devices are the importing devices, in index order (1..MaxDevices).
	Devices []Device
	// Exporter is the exporter's behaviour: its hooks as operation lists.
	Exporter Exporter
	// DMASyncsDeviceCaches makes the platform's dma_sync_* calls also
	// write back (for the device: the other masters') and invalidate (the
	// syncing device's own) write-back caches of masters, as the DMA API
	// would for masters with caches of their own.
	DMASyncsDeviceCaches bool
	// Agents run the programs. Their order is the order of the action
	// table.
	Agents []Agent
	// Invariants are the user's own safety properties: expressions over
	// the world's state that must hold in every reachable state.
	Invariants []Invariant
	// Symmetry declares interchangeable objects for an exact symmetry
	// reduction: each group lists devices (each brings the agents whose
	// calls name it and no other device) or agents alone, all of one kind.
	// Build proves the declaration (symmetry.go): the devices of a group
	// are equal but for the name, the agents' programs are equal up to the
	// exchange of the members' names, and no rule depends on the order of
	// the devices; it rejects a declaration that is not a symmetry.
	Symmetry [][]string
	// Fence, Locks, VM and P2P declare the objects of the other families.
	Fence FenceSpec
	Locks LockSpec
	VM    VMSpec
	P2P   P2PSpec
	// VMs declares three VMs sharing one buffer (vm_chain.go).
	VMs VMChainSpec
	// Life declares the life family's objects and fds (life.go).
	Life LifeSpec
}

// Invariant is a named expression that must hold in every reachable state.
type Invariant struct {
	Name string
	Expr Expr
}

// Arch selects what the DMA API's sync operations do to the CPU cache
// (arch_sync_dma_for_device / arch_sync_dma_for_cpu).
type Arch uint8

const (
	// ARM64: for_device cleans for every direction; for_cpu invalidates
	// unless TO_DEVICE (arch/arm64/mm/dma-mapping.c).
	ARM64 Arch = iota
	// ARM32: for_device invalidates for FROM_DEVICE and cleans otherwise;
	// for_cpu invalidates unless TO_DEVICE (arch/arm/mm/dma-mapping.c).
	ARM32
	// X86: the DMA API does no cache maintenance (devices snoop).
	X86
)

func (a Arch) String() string { return [...]string{"arm64", "arm32", "x86"}[a] }

// Backing is where the buffer's pages live and how the CPU maps them.
type Backing uint8

const (
	// SystemCached is system memory mapped write-back cached by the CPU.
	SystemCached Backing = iota
	// WriteCombined is system memory the CPU maps uncached/write-combined.
	WriteCombined
	// DeviceMemory is the exporter's VRAM reached through a BAR,
	// write-combined: like WriteCombined for the caches.
	DeviceMemory
)

func (b Backing) String() string {
	return [...]string{"system-cached", "write-combined", "device-memory"}[b]
}

func (b Backing) uncached() bool { return b != SystemCached }

// Device is one importing device.
type Device struct {
	Name string
	// Coherent is dev_is_dma_coherent(dev): the device snoops the CPU cache.
	Coherent bool
	// OwnCache gives the device a write-back cache of its own.
	OwnCache bool
	// Dynamic: the importer uses dma_buf_dynamic_attach with move_notify.
	Dynamic bool
	// Bounce: the DMA API maps the buffer through a swiotlb bounce buffer.
	Bounce bool
	// IOMMU puts the device behind an IOMMU (dma-iommu) rather than
	// dma-direct: a dma_sync on a table never dma_map'ed still maintains
	// the right pages.
	IOMMU bool
	// Fence names the dma_fence the device's DMA jobs signal when they
	// complete (docs/world.md, "Devices and their jobs' fences"): a ring
	// of the fence family (the device's jobs are the ring's jobs) or a
	// fence of the lock family (device_job_done is also its
	// dma_fence_signal); "" for the cache family's implicit fence.
	Fence string
}

// Exporter is the exporter's behaviour: the dma_buf_ops it implements, as
// data.
type Exporter struct {
	Name string
	// Dynamic exporters implement pin/unpin and may move the buffer.
	Dynamic bool
	// CacheSGT is cache_sgt_mapping: the first mapping is cached, a map in
	// another direction fails with -EBUSY, unmap is a no-op and the real
	// unmap happens at detach.
	CacheSGT bool
	// CacheSGTFirstDir is the past behaviour of a cached sg table
	// (hooks_state.go): with CacheSGT, a map in another direction returns
	// the table mapped with the first caller's direction instead of
	// failing with -EBUSY.
	CacheSGTFirstDir bool
	// Attach, Map, Begin and End are the hooks: attach, map_dma_buf (its
	// unmap_dma_buf undoes what it did), begin_cpu_access and
	// end_cpu_access.
	Attach, Map, Begin, End Hook
}

// Hook is an exporter callback as a list of operations, run in order inside
// the step of the call that invokes it. A hook that waits (OpWaitFences)
// splits its call into two atomic steps at the wait.
type Hook []HookOp

// HookOp is one operation of a hook.
type HookOp struct {
	Kind HookKind
	// SkipCPUSync is DMA_ATTR_SKIP_CPU_SYNC for OpDMAMap.
	SkipCPUSync bool
	// Dir overrides the direction of the operation's cache maintenance
	// (hooks_state.go): a sync for the CPU or for the device, a clean or
	// an invalidate, whatever hook it is in.
	Dir HookDir
	// When restricts the operation to the hook's first call or to the
	// calls after it (hooks_state.go).
	When HookWhen
}

// HookKind names an operation exporter hooks are made of.
type HookKind uint8

const (
	// OpWaitFences is dma_resv_wait_timeout(dma_resv_usage_rw(write)) in
	// the hook: the exporter waits for the implicit fences itself.
	OpWaitFences HookKind = iota
	// OpSyncMapped syncs every attachment that is dma_map'ed, for the CPU
	// (begin) or for the device (end), with that attachment's device and
	// direction (the system and CMA heaps).
	OpSyncMapped
	// OpSyncExporterDevice syncs with the exporter's own device,
	// bidirectionally, whether or not anything is mapped (udmabuf's misc
	// device).
	OpSyncExporterDevice
	// OpClflush cleans (end) or cleans and invalidates (begin) the whole
	// buffer in the CPU cache (i915's clflush).
	OpClflush
	// OpCreateSGT records that the CPU-side sg table exists (udmabuf's
	// begin_cpu_udmabuf creates ubuf->sg).
	OpCreateSGT
	// OpNeedSGT fails the hook with -EINVAL unless the CPU-side sg table
	// exists (end_cpu_udmabuf), skipping the rest.
	OpNeedSGT
	// OpRejectNonCoherent fails attach with -EINVAL for a device that is
	// not dma-coherent (the 2022 dma_coherent proposal).
	OpRejectNonCoherent
	// OpDMAMap is dma_map_sgtable in map_dma_buf (dma_unmap_sgtable in
	// unmap_dma_buf), with SkipCPUSync as DMA_ATTR_SKIP_CPU_SYNC.
	OpDMAMap
	// OpIOMMUMapDirect maps the pages into the device's IOMMU domain
	// without the DMA API (drm/msm before 2019): no DMA-API mapping exists.
	OpIOMMUMapDirect
	// OpSetCPUDomain is i915's domain tracker in begin_cpu_access
	// (hooks_state.go): clean and invalidate the buffer and remember the
	// CPU domain, unless the tracker says the buffer is in it already.
	OpSetCPUDomain
	numHookKinds
)

// hookDocs say what each hook operation does.
var hookDocs = [numHookKinds]string{
	"wait for the implicit fences (dma_resv_wait_timeout with dma_resv_usage_rw); the call blocks here and continues in a second step",
	"sync every dma_map'ed attachment with its device and direction: dma_sync_sgtable_for_cpu in begin, _for_device in end (the system and CMA heaps)",
	"sync with the exporter's own device, bidirectionally, whether or not anything is mapped (udmabuf's misc device)",
	"clean (end) or clean and invalidate (begin) the whole buffer in the CPU cache (i915's clflush)",
	"record that the CPU-side sg table exists (udmabuf's begin_cpu_udmabuf creates ubuf->sg)",
	"fail with -EINVAL unless the CPU-side sg table exists, skipping the rest (end_cpu_udmabuf)",
	"fail attach with -EINVAL for a device that is not dma-coherent (the 2022 dma_coherent proposal)",
	"dma_map_sgtable in map_dma_buf (dma_unmap_sgtable in unmap); (skip-cpu-sync) is DMA_ATTR_SKIP_CPU_SYNC",
	"map the pages into the device's IOMMU domain without the DMA API (drm/msm before 2019): no DMA-API mapping exists",
	"i915's domain tracker: clean and invalidate the buffer and record the CPU read domain, skipped when the tracker records it already (i915_gem_object_set_to_cpu_domain)",
}

var hookNames = [numHookKinds]string{
	"wait-fences", "sync-mapped", "sync-exporter-device", "clflush", "create-sgt", "need-sgt",
	"reject-non-coherent", "dma-map", "iommu-map-direct", "set-cpu-domain",
}

func (k HookKind) String() string {
	if k < numHookKinds {
		return hookNames[k]
	}
	return fmt.Sprintf("HookKind(%d)", k)
}

// Agent is one actor running a program of calls.
type Agent struct {
	Name string
	// Program is what the agent does; nil means nothing.
	Program Stmt
}

// Limits bound the packed state.
const (
	MaxLines   = 2
	MaxDevices = 3
	MaxVersion = 3
	MaxAgents  = 16
)

// validate reports the first problem with s.
func (s *Spec) validate() error {
	switch {
	case s.Arch > X86:
		return fmt.Errorf("unknown arch %d", s.Arch)
	case s.Backing > DeviceMemory:
		return fmt.Errorf("unknown backing %d", s.Backing)
	case s.Lines < 1 || s.Lines > MaxLines:
		return fmt.Errorf("lines must be 1..%d, not %d", MaxLines, s.Lines)
	case len(s.Devices) > MaxDevices:
		return fmt.Errorf("at most %d devices, not %d", MaxDevices, len(s.Devices))
	case s.Writes < 1 || s.Writes > MaxVersion:
		return fmt.Errorf("writes must be 1..%d, not %d", MaxVersion, s.Writes)
	case len(s.Agents) == 0 || len(s.Agents) > MaxAgents:
		return fmt.Errorf("agents must be 1..%d, not %d", MaxAgents, len(s.Agents))
	case s.Exporter.CacheSGT && s.Exporter.Dynamic:
		// dma_buf_export: WARN and -EINVAL for cache_sgt_mapping with pin/unpin.
		return fmt.Errorf("exporter %q: a cached sg table (cache_sgt_mapping) cannot be combined with a dynamic exporter (pin/unpin)", s.Exporter.Name)
	}
	for _, h := range []struct {
		name string
		hook Hook
		ok   []HookKind
	}{
		{"attach", s.Exporter.Attach, []HookKind{OpRejectNonCoherent}},
		{"map_dma_buf", s.Exporter.Map, []HookKind{OpDMAMap, OpIOMMUMapDirect}},
		{"begin_cpu_access", s.Exporter.Begin, []HookKind{OpWaitFences, OpSyncMapped, OpSyncExporterDevice, OpClflush, OpCreateSGT, OpSetCPUDomain}},
		{"end_cpu_access", s.Exporter.End, []HookKind{OpSyncMapped, OpSyncExporterDevice, OpClflush, OpNeedSGT}},
	} {
		for _, op := range h.hook {
			if !containsKind(h.ok, op.Kind) {
				return fmt.Errorf("exporter %q: %s cannot do %s", s.Exporter.Name, h.name, op.Kind)
			}
			if err := op.validateModifiers(); err != nil {
				return fmt.Errorf("exporter %q: %s: %v", s.Exporter.Name, h.name, err)
			}
		}
	}
	if s.Exporter.CacheSGTFirstDir && !s.Exporter.CacheSGT {
		return fmt.Errorf("exporter %q: the first caller's direction is a cached sg table's (cache-sgt)", s.Exporter.Name)
	}
	if len(s.Devices) > 0 && len(s.Exporter.Map) != 1 {
		return fmt.Errorf("exporter %q: map_dma_buf must map exactly once (dma-map or iommu-map-direct)", s.Exporter.Name)
	}
	for _, err := range []error{s.Fence.validate(s), s.Locks.validate(s), s.VM.validate(s), s.P2P.validate(s), s.Life.validate(), s.validateInitial()} {
		if err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, a := range s.Agents {
		if a.Name == "" {
			return fmt.Errorf("agent %d has no name", i)
		}
		if seen[a.Name] {
			return fmt.Errorf("agent %q declared twice", a.Name)
		}
		seen[a.Name] = true
	}
	for i, d := range s.Devices {
		if d.Name == "" {
			return fmt.Errorf("device %d has no name", i)
		}
	}
	return nil
}

func containsKind(ks []HookKind, k HookKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// UsesCacheFamily reports whether any agent's program makes a call of the
// cache family (the buffer, its lines and the CPU cache) other than the
// CPU bracket: without one the arch, backing, lines and writes of the
// spec change nothing.
func (s *Spec) UsesCacheFamily() bool { return s.usesFamily(famCache) }

// UsesFamily reports whether any agent's program makes a call of the named
// family ("cache", "fence", "lock", "vm", "p2p"): a declared section of a
// family no program calls would change nothing. The CPU bracket
// (DMA_BUF_IOCTL_SYNC, dma_buf_begin/end_cpu_access) is every family's
// and counts for none: it acts on what the families declare.
func (s *Spec) UsesFamily(name string) bool {
	for f, n := range familyNames {
		if n == name {
			return s.usesFamily(f)
		}
	}
	return false
}

func (s *Spec) usesFamily(fam int) bool {
	found := false
	var walk func(st Stmt)
	walk = func(st Stmt) {
		switch st := st.(type) {
		case Call:
			found = found || familyOf(st.Kind) == fam && !isBracket(st.Kind)
		case Atomic:
			for _, c := range st {
				walk(c)
			}
		case Seq:
			for _, x := range st {
				walk(x)
			}
		case Choose:
			for _, x := range st {
				walk(x)
			}
		case Forever:
			for _, x := range st {
				walk(x)
			}
		case Repeat:
			walk(st.Body)
		case Loop:
			walk(st.Body)
		case When:
			walk(st.Body)
		}
	}
	for _, a := range s.Agents {
		walk(a.Program)
	}
	return found
}
