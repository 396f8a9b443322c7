package model

import "fmt"

// Exporter behaviour tables (kernel-rules §3.4). A historical bug or a design
// proposal is one of these with a field or two changed.
var (
	// SystemHeap is drivers/dma-buf/heaps/system_heap.c (and the CMA heap):
	// dma_map_sgtable with CPU sync at map, and begin/end_cpu_access sync
	// every attachment that is currently mapped.
	SystemHeap = Exporter{Name: "system-heap", BeginSync: SyncMapped, EndSync: SyncMapped}
	// CMAHeap (drivers/dma-buf/heaps/cma_heap.c) behaves as SystemHeap for
	// caches; it differs only in contiguity, which the model abstracts.
	CMAHeap = Exporter{Name: "cma-heap", BeginSync: SyncMapped, EndSync: SyncMapped}
	// Udmabuf maps with DMA_ATTR_SKIP_CPU_SYNC (since 2026), caches its sg
	// table, and syncs with its own misc device in begin/end; its
	// end_cpu_access fails until a begin_cpu_access has created ubuf->sg.
	Udmabuf = Exporter{Name: "udmabuf", MapSkipCPUSync: true, CacheSGT: true,
		BeginSync: SyncExporterDevice, EndSync: SyncExporterDevice, EndNeedsBegin: true}
	// GEMPrime is drm_gem_map_dma_buf (amdgpu, vb2 and most DRM drivers):
	// map with SKIP_CPU_SYNC and no maintenance in begin/end.
	GEMPrime = Exporter{Name: "gem-prime", MapSkipCPUSync: true}
	// I915 tracks domains and clflushes the whole object in begin/end.
	I915 = Exporter{Name: "i915", MapSkipCPUSync: true, BeginSync: SyncAlways, EndSync: SyncAlways}
	// AMDGPUDynamic is a dynamic exporter (pin/unpin, move_notify).
	AMDGPUDynamic = Exporter{Name: "amdgpu-dynamic", MapSkipCPUSync: true, Dynamic: true}
	// MSM is drm/msm before 2019: it maps the pages into the GPU's IOMMU
	// domain itself, so there is no DMA-API mapping.
	MSM = Exporter{Name: "msm", MapSkipCPUSync: true, MapBypassesDMAAPI: true}
	// MapSyncsOnly does cache maintenance only in map/unmap (DMA API
	// semantics), nothing in begin/end: proposal 5's exporter.
	MapSyncsOnly = Exporter{Name: "map-syncs-only"}
)

// Devices used by the built-in scenarios.
var (
	// GPU is a cache-coherent (snooping) GPU behind an IOMMU.
	GPU = Device{Name: "gpu", Coherent: true, IOMMU: true}
	// ISP is a non-coherent camera ISP on an Arm SoC, dma-direct.
	ISP = Device{Name: "isp"}
	// CXLAccel is a coherent accelerator with its own write-back cache that
	// takes part in coherence.
	CXLAccel = Device{Name: "cxl-accel", Coherent: true, OwnCache: true, IOMMU: true}
	// NPU is a non-coherent accelerator with its own write-back cache.
	NPU = Device{Name: "npu", OwnCache: true}
	// DynamicGPU is a coherent GPU that imports with dma_buf_dynamic_attach.
	DynamicGPU = Device{Name: "dyn-gpu", Coherent: true, Dynamic: true, IOMMU: true}
	// LegacyDMA is a non-coherent device with a 32-bit DMA mask: the buffer
	// is reached through swiotlb bounce buffers.
	LegacyDMA = Device{Name: "legacy-dma", Bounce: true}
	// MSMGPU is the Adreno GPU behind its own IOMMU, non-coherent.
	MSMGPU = Device{Name: "msm-gpu", IOMMU: true}
	// MSMGPUDirect is the same GPU on a dma-direct configuration.
	MSMGPUDirect = Device{Name: "msm-gpu"}
)

// Scenario is a named configuration with what the design review expects of
// it (Expect: the property a design breaks, or "" when every safety
// property must hold).
type Scenario struct {
	Name        string
	Description string
	Config      Config
	Expect      string
	// AlsoBreaks and AlsoHolds are properties checked on their own
	// (Options.Only) that the design review also relies on.
	AlsoBreaks, AlsoHolds []string
	// Proposal is the seed proposal this scenario checks (1..6), or 0.
	Proposal int
}

func base(e Exporter, devs ...Device) Config {
	return Config{Arch: ARM64, Backing: SystemCached, Lines: 1, Devices: devs, Exporter: e, Writes: 2}
}

// copies returns n devices configured as d, named after it with their
// index (isp0, isp1, ...): interchangeable importers.
func copies(d Device, n int) []Device {
	out := make([]Device, n)
	for i := range out {
		out[i] = d
		out[i].Name = fmt.Sprintf("%s%d", d.Name, i)
	}
	return out
}

func with(c Config, f func(*Config)) Config { f(&c); return c }

// Scenarios returns the built-in DMA-buf scenarios: the six proposals of
// the seed threads, their fixes, and one misuse per property.
func Scenarios() []Scenario {
	fixed := SystemHeap
	fixed.Name, fixed.WaitBeforeHook = "system-heap+wait-first", true
	withDevCaches := fixed
	withDevCaches.Name, withDevCaches.SyncDeviceCaches = "dma-api-style", true
	coherentFlag := SystemHeap
	coherentFlag.Name, coherentFlag.RejectNonCoherent = "system-heap+dma_coherent", true
	return []Scenario{
		{Name: "today", Proposal: 1, Expect: "no-stale-read",
			Description: "today's rule: system-heap exporter responsible for coherency, map once, CPU and devices interleave with begin/end only",
			Config:      base(SystemHeap, GPU, ISP)},
		{Name: "today-wait-first", Proposal: 1,
			Description: "today's rule with begin_cpu_access waiting for fences before the exporter's cache maintenance",
			Config:      base(fixed, GPU, ISP)},
		{Name: "dma-coherent-flag", Proposal: 2, Expect: "all-importers-attached",
			AlsoHolds:   []string{"no-stale-read", "no-lost-write", "no-dma-without-valid-mapping", "no-access-after-release-or-detach", "dma-api-discipline", "begin-end-pairing"},
			Description: "2022 dma_coherent flag: attach rejects non-coherent importers (the ISP can no longer share)",
			Config:      base(coherentFlag, GPU, ISP)},
		{Name: "dma-api-maintenance", Proposal: 3,
			Description: "cache maintenance inserted for mixed coherent/non-coherent masters as the DMA API does, device caches included",
			Config:      with(base(withDevCaches, CXLAccel, NPU), func(c *Config) { c.Discipline.ImporterSyncs = true })},
		{Name: "device-caches-unmaintained", Proposal: 3, Expect: "no-lost-write", AlsoBreaks: []string{"no-stale-read"},
			Description: "masters with their own write-back caches, with maintenance around every access but only for the CPU cache",
			Config:      with(base(fixed, CXLAccel, NPU), func(c *Config) { c.Discipline.ImporterSyncs = true })},
		{Name: "device-sync", Proposal: 4,
			Description: "importers sync their attachment for the device before and for the CPU after each job; no CPU-side flushes",
			Config:      with(base(GEMPrime, GPU, ISP), func(c *Config) { c.Discipline.ImporterSyncs = true })},
		{Name: "map-per-access", Proposal: 5,
			Description: "importers map before and unmap after every job; the exporter syncs only in map/unmap",
			Config:      with(base(MapSyncsOnly, GPU, ISP), func(c *Config) { c.Discipline.MapAroundEveryJob = true })},
		{Name: "msm-sync-unmapped-iommu", Proposal: 6, Expect: "dma-api-discipline", AlsoHolds: []string{"no-stale-read"},
			Description: "drm/msm: dma_sync_sg_* on an sg table never dma_map'ed, GPU behind an IOMMU",
			Config:      with(base(MSM, GPU, MSMGPU), func(c *Config) { c.Discipline.ImporterSyncs = true })},
		{Name: "msm-sync-unmapped-direct", Proposal: 6, Expect: "dma-api-discipline", AlsoBreaks: []string{"no-stale-read"},
			Description: "drm/msm: dma_sync_sg_* on an sg table never dma_map'ed, on dma-direct",
			Config:      with(base(MSM, GPU, MSMGPUDirect), func(c *Config) { c.Discipline.ImporterSyncs = true })},
		{Name: "msm-sync-anytime", Proposal: 6, Expect: "dma-api-discipline",
			Description: "drm/msm's driver calls dma_sync_sgtable_for_cpu/for_device whenever it likes, on a table never dma_map'ed",
			Config:      with(base(MSM, GPU, MSMGPU), func(c *Config) { c.Discipline.SyncUnmapped = true })},
		{Name: "isp-only-coherent-flag", Proposal: 2, Expect: "device-reads-cpu-write",
			AlsoHolds:   []string{"no-stale-read", "no-lost-write", "no-dma-without-valid-mapping", "no-access-after-release-or-detach", "dma-api-discipline", "begin-end-pairing"},
			Description: "the dma_coherent flag on a board whose only importer is non-coherent: nothing can be shared at all",
			Config:      base(func() Exporter { e := SystemHeap; e.RejectNonCoherent = true; return e }(), ISP)},
		{Name: "gem-noncoherent", Expect: "no-stale-read",
			Description: "GEM prime exporter (SKIP_CPU_SYNC, no begin/end maintenance) with a non-coherent importer",
			Config:      base(GEMPrime, GPU, ISP)},
		{Name: "udmabuf-bounce", Expect: "no-lost-write", AlsoBreaks: []string{"no-stale-read"},
			Description: "udmabuf maps with SKIP_CPU_SYNC: an importer behind swiotlb never gets its bounce buffer filled",
			Config:      base(with(base(Udmabuf), func(c *Config) { c.Exporter.WaitBeforeHook = true }).Exporter, GPU, LegacyDMA)},
		{Name: "arm32-map-from-device", Expect: "no-lost-write",
			Description: "arm32: end_cpu_access syncs a FROM_DEVICE-mapped attachment for the device, and arm32 implements that as invalidate: the CPU's writes are discarded",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Arch = ARM32 })},
		{Name: "dynamic-ignores-move-notify", Expect: "no-dma-without-valid-mapping",
			Description: "a dynamic importer keeps using its mapping after dma_buf_move_notify",
			Config: with(base(AMDGPUDynamic, DynamicGPU, ISP), func(c *Config) {
				c.Discipline.IgnoreMoveNotify = true
				c.Devices[1].Coherent = true // isolate the move_notify rule from cache effects
			})},
		{Name: "release-while-attached", Expect: "no-access-after-release-or-detach",
			Description: "the last dma_buf_put while an importer is still attached",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.ReleaseWhileAttached = true })},
		{Name: "detach-with-job-in-flight", Expect: "no-access-after-release-or-detach",
			Description: "an importer detaches while its DMA is still running",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.DetachWithJobInFlight = true })},
		{Name: "end-without-begin", Expect: "begin-end-pairing",
			Description: "user space issues DMA_BUF_IOCTL_SYNC(END) without START",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.EndWithoutBegin = true })},
		{Name: "unbracketed-cpu", Expect: "begin-end-pairing",
			Description: "user space touches the mmap without DMA_BUF_IOCTL_SYNC",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.UnbracketedCPU = true })},
		{Name: "unmap-during-cpu-write", Expect: "no-lost-write",
			Description: "an importer unmaps its FROM_DEVICE mapping while the CPU is inside a write bracket: the unmap's invalidate discards the CPU's writes",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.MapDuringCPUAccess = true })},
		{Name: "race-cpu-and-device", Expect: "no-stale-read",
			Description: "user space starts a device job while the CPU is inside a write bracket",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Discipline.RaceCPUAndDevice = true })},
		{Name: "x86-i915-noncoherent",
			Description: "x86: the DMA API does no maintenance; i915's clflush in begin/end keeps a non-snooping importer coherent",
			Config: with(base(func() Exporter { e := I915; e.WaitBeforeHook = true; return e }(), GPU, ISP), func(c *Config) {
				c.Arch = X86
			})},
		{Name: "x86-gem-noncoherent", Expect: "no-stale-read",
			Description: "x86 with a non-snooping importer and a GEM exporter that does no clflush",
			Config:      with(base(GEMPrime, GPU, ISP), func(c *Config) { c.Arch = X86 })},
		{Name: "kernel-cpu-vmap",
			Description: "an in-kernel CPU user (vmap + dma_buf_begin/end_cpu_access) of a CMA-heap buffer, fence wait first",
			Config: with(base(func() Exporter { e := CMAHeap; e.WaitBeforeHook = true; return e }(), GPU, ISP), func(c *Config) {
				c.KernelCPU = true
			})},
		{Name: "vram-write-combined",
			Description: "a buffer in the exporter's VRAM, CPU-mapped write-combined through the BAR: no CPU cache to maintain, GEM exporter",
			Config:      with(base(GEMPrime, GPU, ISP), func(c *Config) { c.Backing = DeviceMemory })},
		{Name: "today-wait-first-two-isps",
			Description: "today's rule with the fence wait first, a coherent GPU and two identical non-coherent ISPs (interchangeable: symmetry reduction applies)",
			Config:      base(fixed, append([]Device{GPU}, copies(ISP, 2)...)...)},
		{Name: "today-three-isps", Proposal: 1, Expect: "no-stale-read",
			Description: "today's rule with three identical non-coherent ISPs (interchangeable: symmetry reduction applies); the stale read of \"today\" needs only one of them",
			Config:      base(SystemHeap, copies(ISP, 3)...)},
		{Name: "today-wait-first-2lines",
			Description: "today's rule with the fence wait first, on a two-line buffer",
			Config:      with(base(fixed, GPU, ISP), func(c *Config) { c.Lines = 2 })},
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
