package world

// p2pDocs explain the p2p family's properties and the kernel rule each
// comes from (PropertyDoc).
var p2pDocs = map[string]string{
	"p2p-bar-only-to-peer2peer-importers": "Only an importer that set allow_peer2peer gets BAR addresses (sg entries without struct pages): static importers never get peer2peer (kernel-rules §9: attach->peer2peer = importer_ops->allow_peer2peer; amdgpu allows VRAM placement in map only when attach->peer2peer).",
	"p2p-cpu-read-device-write":           "Reachability: the CPU read, up to date, a version an importer's DMA wrote.",
	"p2p-device-read-cpu-write":           "Reachability: an importer's DMA read, up to date, a version the CPU wrote.",
	"p2p-fallback-after-reject":           "Reachability: an importer whose attach was rejected reached the buffer by attaching without peer2peer or by a CPU copy.",
	"p2p-mapping-routable":                "Every P2P mapping the exporter hands out is one the topology allows, with the address kind its path needs: pci_p2pdma_distance (calc_map_type_and_dist, drivers/pci/p2pdma.c) is not PCI_P2PDMA_MAP_NOT_SUPPORTED, and the sg table holds PCI bus addresses for PCI_P2PDMA_MAP_BUS_ADDR (a common switch, no ACS redirect) and IOMMU addresses (dma_map_resource) for PCI_P2PDMA_MAP_THRU_HOST_BRIDGE (kernel-rules §9; amdgpu_dma_buf_attach clears peer2peer when the distance is negative).",
	"p2p-no-dropped-transfer":             "No DMA request is issued on a path the platform drops: a bus address that no switch routes (ACS redirect sends it up to the IOMMU untranslated), an IOVA through a root complex that does not forward peer requests, a CPU physical address, or a bus address from an integrated device whose requests skip its bridges (seed 004: \"the devices do have a common upstream bridge! ... your code would currently claim that P2P is supported, but in practice it doesn't work\"). Checked against the platform's routing (Topology.Route), not the kernel's classification.",
	"p2p-no-stale-read-through-bar":       "No read (by the CPU or an importer's DMA) returns a version older than the latest completed write. A BAR backed by stolen system memory (an APU) is ordinary RAM the CPU caches, and a peer access through the BAR is not snooped: the exporter must redirect peers to the system-memory address (coherent, snooped DMA) or clean and invalidate the CPU's lines around their access, after it as well as before, because the cache may prefetch at any time (kernel-rules §8, §9, §12.2 speculate; seed 004: a BAR may be backed by stolen system memory).",
	"p2p-redirected-to-system-memory":     "Reachability: an importer that allowed peer2peer was redirected to system memory (attach->peer2peer cleared).",
	"p2p-rejected-attach-has-fallback":    "An importer whose attach is rejected (-EBUSY) is never left without a path to the buffer: it can attach again without peer2peer (the exporter serves it from system memory) or copy through the CPU (kernel-rules §2.1: the exporter may reject or redirect; a static importer of a dynamic exporter is pinned in a placement it can reach).",
	"p2p-transfer-done":                   "Reachability: a DMA over a peer-to-peer mapping arrived.",
}
