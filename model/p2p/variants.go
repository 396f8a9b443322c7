package p2p

// Scenario is a named configuration with what it is expected to show.
type Scenario struct {
	Name        string
	Description string
	Config      Config
	// Expect is the property the configuration breaks first, or "" when
	// every property holds.
	Expect string
	// AlsoBreaks are further properties it breaks, each checked on its own.
	AlsoBreaks []string
}

// SwitchTopology is a GPU and a NIC below one PCIe switch, on a root port
// of host bridge hb0; acs enables ACS redirect on the switch's downstream
// ports, whitelisted puts hb0 in pci_p2pdma_whitelist (and makes it
// forward peer requests: the whitelist is right).
func SwitchTopology(acs, whitelisted bool) Topology {
	return Topology{Name: "switch", Nodes: []Node{
		{Name: "hb0", Kind: HostBridge, Parent: -1, Whitelisted: whitelisted, ForwardsP2P: whitelisted},
		{Name: "rp0", Kind: RootPort, Parent: 0},
		{Name: "usp", Kind: SwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: SwitchDownstream, Parent: 2, ACSRedirect: acs},
		{Name: "dsp1", Kind: SwitchDownstream, Parent: 2, ACSRedirect: acs},
		{Name: "dsp2", Kind: SwitchDownstream, Parent: 2, ACSRedirect: acs},
		{Name: "gpu", Kind: Endpoint, Parent: 3},
		{Name: "nic", Kind: Endpoint, Parent: 4},
		{Name: "encoder", Kind: Endpoint, Parent: 5},
	}}
}

// RootPortsTopology is a GPU and a NIC on two root ports of host bridge
// hb0, which is not whitelisted and does not forward peer requests.
func RootPortsTopology() Topology {
	return Topology{Name: "root-ports", Nodes: []Node{
		{Name: "hb0", Kind: HostBridge, Parent: -1},
		{Name: "rp0", Kind: RootPort, Parent: 0},
		{Name: "rp1", Kind: RootPort, Parent: 0},
		{Name: "gpu", Kind: Endpoint, Parent: 1},
		{Name: "nic", Kind: Endpoint, Parent: 2},
	}}
}

// APUTopology is an AMD APU: its GPU integrated on the root bus of hb0
// (an AMD Zen CPU: cpu_supports_p2pdma, and the root complex forwards
// peer requests), and a discrete NIC on a root port.
func APUTopology() Topology {
	return Topology{Name: "apu", AMDZen: true, Nodes: []Node{
		{Name: "hb0", Kind: HostBridge, Parent: -1, ForwardsP2P: true},
		{Name: "apu-gpu", Kind: Endpoint, Parent: 0, Integrated: true},
		{Name: "rp0", Kind: RootPort, Parent: 0},
		{Name: "nic", Kind: Endpoint, Parent: 2},
	}}
}

// APUInternalBridgeTopology is an APU whose GPU and NPU sit below one
// internal bridge (a root port on hb0): pci_p2pdma_distance sees a common
// upstream bridge, but both are integrated and their requests go straight
// to the north bridge, which does not forward peer requests.
func APUInternalBridgeTopology() Topology {
	return Topology{Name: "apu-internal-bridge", Nodes: []Node{
		{Name: "hb0", Kind: HostBridge, Parent: -1},
		{Name: "gpp-bridge", Kind: RootPort, Parent: 0},
		{Name: "apu-gpu", Kind: Endpoint, Parent: 1, Integrated: true},
		{Name: "apu-npu", Kind: Endpoint, Parent: 1, Integrated: true},
	}}
}

// nic is an RDMA NIC importing with allow_peer2peer, reading and writing.
func nic() Importer {
	return Importer{Name: "nic", Device: "nic", AllowP2P: true, Access: ReadsWrites}
}

func gpuExporter(a Attach) Exporter {
	return Exporter{Device: "gpu", Attach: a, Map: MapByType, BAR: BARDeviceMemory, Migratable: true}
}

func withCfg(c Config, f func(*Config)) Config {
	c.Importers = append([]Importer(nil), c.Importers...)
	f(&c)
	return c
}

func switchCfg(acs, whitelisted bool, a Attach) Config {
	return Config{Topology: SwitchTopology(acs, whitelisted), Exporter: gpuExporter(a), Importers: []Importer{nic()}, Lines: 1}
}

func rootPortsCfg(im Importer) Config {
	return Config{Topology: RootPortsTopology(), Exporter: gpuExporter(AttachReject), Importers: []Importer{im}, Lines: 1}
}

// pinned is a NIC that maps the buffer peer-to-peer (blocking a
// migration) and a static importer (a video encoder, no peer2peer) that
// needs it in system memory.
func pinned(copyFallback bool) Config {
	return Config{Topology: SwitchTopology(false, false), Exporter: gpuExporter(AttachDistance), Lines: 1,
		Importers: []Importer{nic(), {Name: "encoder", Device: "encoder", Access: Reads, Copy: copyFallback}}}
}

func apuCfg(redirect bool, maint Maint) Config {
	return Config{Topology: APUTopology(), Lines: 2, CPU: true,
		Exporter:  Exporter{Device: "apu-gpu", Attach: AttachDistance, Map: MapByType, BAR: BARStolen, APURedirect: redirect, Maint: maint},
		Importers: []Importer{nic()}}
}

func integratedCfg(redirect bool) Config {
	return Config{Topology: APUInternalBridgeTopology(), Lines: 1,
		Exporter:  Exporter{Device: "apu-gpu", Attach: AttachDistance, Map: MapByType, BAR: BARStolen, APURedirect: redirect},
		Importers: []Importer{{Name: "npu", Device: "apu-npu", AllowP2P: true, Access: ReadsWrites}}}
}

// Scenarios returns the built-in peer-to-peer scenarios.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "switch-bus-addr",
			Description: "a GPU exports VRAM to an RDMA NIC below the same PCIe switch, no ACS redirect: PCI_P2PDMA_MAP_BUS_ADDR, bus addresses, reads and writes",
			Config:      switchCfg(false, false, AttachDistance)},
		{Name: "acs-whitelisted",
			Description: "the same switch with ACS redirect on its downstream ports and a whitelisted host bridge: PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, IOVAs from dma_map_resource",
			Config:      switchCfg(true, true, AttachDistance)},
		{Name: "acs-redirect-sysmem",
			Description: "ACS redirect and a host bridge that is not whitelisted: pci_p2pdma_distance < 0, so the exporter clears attach->peer2peer and serves the NIC from system memory (amdgpu_dma_buf_attach)",
			Config:      switchCfg(true, false, AttachDistance)},
		{Name: "acs-naive-exporter", Expect: Routable, AlsoBreaks: []string{NoDropped},
			Description: "the same platform with an exporter that keeps peer2peer whenever the importer allows it: bus addresses on a path that only the root complex could route",
			Config:      switchCfg(true, false, AttachNaive)},
		{Name: "bus-addr-thru-host-bridge", Expect: Routable, AlsoBreaks: []string{NoDropped},
			Description: "ACS redirect and a whitelisted host bridge, but the exporter maps its BAR with bus addresses: the requests go up to the IOMMU untranslated",
			Config:      withCfg(switchCfg(true, true, AttachDistance), func(c *Config) { c.Exporter.Map = MapBusAlways })},
		{Name: "cpu-physical-address", Expect: Routable, AlsoBreaks: []string{NoDropped},
			Description: "below one switch, but the exporter hands out its BAR's CPU physical addresses instead of DMA addresses (NVIDIA open-gpu issue #1324)",
			Config:      withCfg(switchCfg(false, false, AttachDistance), func(c *Config) { c.Exporter.Map = MapCPUPhys })},
		{Name: "root-ports-reject-copy",
			Description: "GPU and NIC on two root ports of a host bridge that is not whitelisted; the exporter rejects the P2P attach (-EBUSY) and the NIC's driver falls back to a CPU copy",
			Config:      rootPortsCfg(Importer{Name: "nic", Device: "nic", AllowP2P: true, Access: ReadsWrites, Copy: true})},
		{Name: "root-ports-reject-retry",
			Description: "the same rejection; the NIC's driver attaches again without peer2peer and the exporter migrates the buffer to system memory",
			Config:      rootPortsCfg(Importer{Name: "nic", Device: "nic", AllowP2P: true, Access: ReadsWrites, Retry: true})},
		{Name: "pinned-static-importer", Expect: Fallback,
			Description: "the NIC maps the buffer peer-to-peer in VRAM; a video encoder without peer2peer then needs it in system memory, which the exporter cannot migrate while mapped: -EBUSY, and the encoder has no fallback",
			Config:      pinned(false)},
		{Name: "pinned-static-importer-copy",
			Description: "the same two importers, the encoder falling back to a CPU copy when its attach is rejected (and served from system memory when it attaches first)",
			Config:      pinned(true)},
		{Name: "bar-to-static-importer", Expect: BAROnlyToP2P,
			Description: "an exporter that hands BAR addresses to an importer that did not set allow_peer2peer (sg entries without struct pages)",
			Config: withCfg(switchCfg(false, false, AttachDistance), func(c *Config) {
				c.Exporter.IgnoresPeer2Peer = true
				c.Importers[0].AllowP2P = false
			})},
		{Name: "integrated-common-bridge", Expect: NoDropped,
			Description: "an APU's GPU exports to its NPU below the same internal bridge: pci_p2pdma_distance says PCI_P2PDMA_MAP_BUS_ADDR, but integrated devices' requests go straight to the north bridge and the bus addresses fault",
			Config:      integratedCfg(false)},
		{Name: "integrated-redirect",
			Description: "the same APU whose driver redirects every importer to the system-memory pages behind its stolen BAR",
			Config:      integratedCfg(true)},
		{Name: "apu-redirect",
			Description: "an APU GPU exports its stolen-memory BAR to a discrete NIC and redirects it to the system-memory address (snooped DMA); the CPU reads and writes through its cache, which prefetches",
			Config:      apuCfg(true, MaintNone)},
		{Name: "apu-bar-as-device-memory", Expect: NoStaleRead,
			Description: "the same APU treating its stolen BAR as VRAM: the NIC reads and writes it peer-to-peer (THRU_HOST_BRIDGE on AMD Zen), unsnooped, while the CPU cache holds the lines",
			Config:      apuCfg(false, MaintNone)},
		{Name: "apu-bar-flush-around",
			Description: "peer-to-peer through the stolen BAR, the exporter cleaning and invalidating the CPU lines before the NIC's access and invalidating them again after it",
			Config:      apuCfg(false, MaintFlushAround)},
		{Name: "apu-bar-invalidate-before-dma", Expect: NoStaleRead,
			Description: "the same maintenance before the NIC's access only: a line the CPU prefetches while the NIC writes stays stale",
			Config:      apuCfg(false, MaintInvalidateBefore)},
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
