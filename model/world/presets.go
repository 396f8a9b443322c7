package world

// Exporter presets: the dma_buf_ops of real exporters as hook lists
// (kernel-rules §3.4, §7). A scenario names one, or writes its own
// driver's hooks.
var exporterPresets = []Exporter{
	// drivers/dma-buf/heaps/system_heap.c: dma_map_sgtable with CPU sync at
	// map; begin/end_cpu_access sync every attachment that is mapped.
	{Name: "system-heap", Map: Hook{{Kind: OpDMAMap}}, Begin: Hook{{Kind: OpSyncMapped}}, End: Hook{{Kind: OpSyncMapped}}},
	// drivers/dma-buf/heaps/cma_heap.c: as the system heap for caches.
	{Name: "cma-heap", Map: Hook{{Kind: OpDMAMap}}, Begin: Hook{{Kind: OpSyncMapped}}, End: Hook{{Kind: OpSyncMapped}}},
	// drivers/dma-buf/udmabuf.c: map with DMA_ATTR_SKIP_CPU_SYNC, a cached
	// sg table, begin/end sync with its own misc device; end_cpu_udmabuf
	// fails with -EINVAL until begin_cpu_udmabuf created ubuf->sg.
	{Name: "udmabuf", CacheSGT: true, Map: Hook{{Kind: OpDMAMap, SkipCPUSync: true}},
		Begin: Hook{{Kind: OpCreateSGT}, {Kind: OpSyncExporterDevice}}, End: Hook{{Kind: OpNeedSGT}, {Kind: OpSyncExporterDevice}}},
	// drm_gem_map_dma_buf: map with SKIP_CPU_SYNC, no maintenance in
	// begin/end.
	{Name: "gem-prime", Map: Hook{{Kind: OpDMAMap, SkipCPUSync: true}}},
	// i915: domain tracking, clflush of the whole object in begin/end.
	{Name: "i915", Map: Hook{{Kind: OpDMAMap, SkipCPUSync: true}}, Begin: Hook{{Kind: OpClflush}}, End: Hook{{Kind: OpClflush}}},
	// amdgpu as a dynamic exporter: pin/unpin and move_notify.
	{Name: "amdgpu-dynamic", Dynamic: true, Map: Hook{{Kind: OpDMAMap, SkipCPUSync: true}}},
	// drm/msm before 2019: maps into the GPU's IOMMU domain itself.
	{Name: "msm", Map: Hook{{Kind: OpIOMMUMapDirect}}},
	// Proposal 5's exporter: maintenance only in map/unmap.
	{Name: "map-syncs-only", Map: Hook{{Kind: OpDMAMap}}},
}

// exporterFileOps are the exporter presets' uAPI data beyond their hooks
// (FileOps), for the exporters the conformance suite probed on 6.12
// (docs/conformance.md): what each mmap callback does with a private
// mapping, and the exp_name fdinfo shows.
var exporterFileOps = map[string]FileOps{
	// system_heap_mmap: remap_pfn_range page by page; exp_name is the
	// heap's name (dma_heap_get_name).
	"system-heap": {Mmap: MmapRemapPages, ExpName: "system"},
	// mmap_udmabuf: -EINVAL without VM_SHARED | VM_MAYSHARE.
	"udmabuf": {Mmap: MmapSharedOnly, ExpName: "udmabuf"},
	// drm_gem_prime_mmap -> drm_gem_shmem_mmap (vgem): -EINVAL for a COW
	// mapping; drm_gem_prime_export names the exporter "drm".
	"gem-prime": {Mmap: MmapNoCOW, ExpName: "drm"},
}

// ExporterFileOps returns the uAPI data of the named exporter preset; ok
// is false for a preset the uAPI layer does not describe.
func ExporterFileOps(name string) (FileOps, bool) {
	ops, ok := exporterFileOps[name]
	return ops, ok
}

// devicePresets are typical importers.
var devicePresets = []Device{
	{Name: "gpu", Coherent: true, IOMMU: true},                       // a snooping GPU behind an IOMMU
	{Name: "isp", Coherent: false},                                   // a non-coherent camera ISP on dma-direct
	{Name: "cxl-accel", Coherent: true, OwnCache: true, IOMMU: true}, // a coherent accelerator with its own cache
	{Name: "npu", OwnCache: true},                                    // a non-coherent accelerator with its own cache
	{Name: "dyn-gpu", Coherent: true, Dynamic: true, IOMMU: true},    // a dynamic importer
	{Name: "legacy-dma", Bounce: true},                               // reached through swiotlb bounce buffers
	{Name: "msm-gpu", IOMMU: true},                                   // Adreno behind its own IOMMU, non-coherent
}

// ExporterPreset returns the named exporter preset.
func ExporterPreset(name string) (Exporter, bool) {
	for _, e := range exporterPresets {
		if e.Name == name {
			e.Attach, e.Map, e.Begin, e.End = clone(e.Attach), clone(e.Map), clone(e.Begin), clone(e.End)
			return e, true
		}
	}
	return Exporter{}, false
}

// ExporterPresetNames lists the exporter presets.
func ExporterPresetNames() []string {
	var out []string
	for _, e := range exporterPresets {
		out = append(out, e.Name)
	}
	return out
}

// DevicePreset returns the named device preset.
func DevicePreset(name string) (Device, bool) {
	for _, d := range devicePresets {
		if d.Name == name {
			return d, true
		}
	}
	return Device{}, false
}

// DevicePresetNames lists the device presets.
func DevicePresetNames() []string {
	var out []string
	for _, d := range devicePresets {
		out = append(out, d.Name)
	}
	return out
}

func clone(h Hook) Hook { return append(Hook(nil), h...) }

// HookKindByName returns the hook operation with the given name
// (wait-fences, sync-mapped, ...).
func HookKindByName(name string) (HookKind, bool) {
	for k := HookKind(0); k < numHookKinds; k++ {
		if hookNames[k] == name {
			return k, true
		}
	}
	return 0, false
}

// HookKindNames lists the hook operations' names.
func HookKindNames() []string { return append([]string(nil), hookNames[:]...) }

// FlagNames lists the violation flags' names, as violated(FLAG) takes them.
func FlagNames() []string { return append([]string(nil), flagNames[:]...) }
