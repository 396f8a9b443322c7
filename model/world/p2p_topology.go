package world

import "fmt"

// The PCIe topology of the p2p family, as data: what pci_p2pdma_distance
// classifies (calc_map_type_and_dist: what the kernel believes) and what
// the platform really routes (the truth the world checks it against).

// PCIKind is the kind of a node of the PCIe topology.
type PCIKind uint8

// Node kinds.
const (
	PCIHostBridge       PCIKind = iota // a root complex (struct pci_host_bridge); not a pci_dev
	PCIRootPort                        // a root port: a bridge on the host bridge's root bus
	PCISwitchUpstream                  // a switch's upstream port
	PCISwitchDownstream                // a switch's downstream port
	PCIEndpoint                        // a device function
)

var pciKindNames = [...]string{"host bridge", "root port", "switch upstream port", "switch downstream port", "endpoint"}

func (k PCIKind) String() string {
	if int(k) < len(pciKindNames) {
		return pciKindNames[k]
	}
	return fmt.Sprintf("PCIKind(%d)", k)
}

// PCINode is one node of the topology.
type PCINode struct {
	Name string
	Kind PCIKind
	// Parent is the index of the node above; -1 for a host bridge.
	Parent int
	// ACSRedirect: the port has ACS P2P Request/Completion Redirect or
	// Egress Control enabled (pci_bridge_has_acs_redir): peer requests
	// through it go up to the root complex.
	ACSRedirect bool
	// Whitelisted: the host bridge is in pci_p2pdma_whitelist (what the
	// kernel believes).
	Whitelisted bool
	// SameHostBridgeOnly: the whitelist entry has REQ_SAME_HOST_BRIDGE.
	SameHostBridgeOnly bool
	// ForwardsP2P: the host bridge really routes peer-to-peer requests
	// between its root ports (the platform's truth).
	ForwardsP2P bool
	// Integrated: an endpoint integrated in the CPU package (an APU's GPU,
	// its NPU): its memory requests go straight to the north bridge,
	// whatever bridges it claims to sit below.
	Integrated bool
}

// PCITopology is a small PCIe hierarchy.
type PCITopology struct {
	Name  string
	Nodes []PCINode
	// AMDZen: cpu_supports_p2pdma() (an AMD Zen or later CPU): the kernel
	// allows traffic through any host bridge.
	AMDZen bool
	// CrossHostBridge: the platform routes peer requests between different
	// host bridges (when both forward P2P at all).
	CrossHostBridge bool
}

// maxPCINodes bounds a topology.
const maxPCINodes = 16

func (t *PCITopology) validate() error {
	if len(t.Nodes) == 0 || len(t.Nodes) > maxPCINodes {
		return fmt.Errorf("topology %s: 1..%d nodes, not %d", t.Name, maxPCINodes, len(t.Nodes))
	}
	for i, n := range t.Nodes {
		parent := func() PCIKind { return t.Nodes[n.Parent].Kind }
		switch {
		case n.Kind > PCIEndpoint:
			return fmt.Errorf("topology %s: %s has an unknown kind", t.Name, n.Name)
		case n.Kind == PCIHostBridge && n.Parent != -1:
			return fmt.Errorf("topology %s: host bridge %s has a parent", t.Name, n.Name)
		case n.Kind != PCIHostBridge && (n.Parent < 0 || n.Parent >= i):
			return fmt.Errorf("topology %s: %s needs a parent listed before it", t.Name, n.Name)
		case n.Kind == PCIRootPort && parent() != PCIHostBridge:
			return fmt.Errorf("topology %s: root port %s must hang off a host bridge", t.Name, n.Name)
		case n.Kind == PCISwitchUpstream && parent() != PCIRootPort && parent() != PCISwitchDownstream:
			return fmt.Errorf("topology %s: switch %s must hang off a root or downstream port", t.Name, n.Name)
		case n.Kind == PCISwitchDownstream && parent() != PCISwitchUpstream:
			return fmt.Errorf("topology %s: downstream port %s must hang off an upstream port", t.Name, n.Name)
		case n.Kind == PCIEndpoint && parent() == PCIEndpoint:
			return fmt.Errorf("topology %s: endpoint %s below an endpoint", t.Name, n.Name)
		case n.Integrated && n.Kind != PCIEndpoint:
			return fmt.Errorf("topology %s: only endpoints are integrated", t.Name)
		}
	}
	return nil
}

// index returns the node called name, or -1.
func (t *PCITopology) index(name string) int {
	for i, n := range t.Nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

// up is pci_upstream_bridge: the bridge above a device, or -1 for a device
// on a host bridge's root bus (a root port, an integrated endpoint).
func (t *PCITopology) up(i int) int {
	p := t.Nodes[i].Parent
	if p < 0 || t.Nodes[p].Kind == PCIHostBridge {
		return -1
	}
	return p
}

// host is pci_find_host_bridge.
func (t *PCITopology) host(i int) int {
	for t.Nodes[i].Kind != PCIHostBridge {
		i = t.Nodes[i].Parent
	}
	return i
}

// acsRedir is pci_bridge_has_acs_redir.
func (t *PCITopology) acsRedir(i int) bool {
	k := t.Nodes[i].Kind
	return (k == PCIRootPort || k == PCISwitchDownstream || k == PCISwitchUpstream) && t.Nodes[i].ACSRedirect
}

// P2PMapType is enum pci_p2pdma_map_type.
type P2PMapType uint8

// Map types.
const (
	MapNotSupported   P2PMapType = iota // PCI_P2PDMA_MAP_NOT_SUPPORTED
	MapBusAddr                          // PCI_P2PDMA_MAP_BUS_ADDR: through a common switch, PCI bus addresses
	MapThruHostBridge                   // PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: through the root complex, IOMMU-mapped
)

var mapTypeNames = [...]string{"PCI_P2PDMA_MAP_NOT_SUPPORTED", "PCI_P2PDMA_MAP_BUS_ADDR", "PCI_P2PDMA_MAP_THRU_HOST_BRIDGE"}

func (m P2PMapType) String() string {
	if int(m) < len(mapTypeNames) {
		return mapTypeNames[m]
	}
	return fmt.Sprintf("P2PMapType(%d)", m)
}

// classify is calc_map_type_and_dist (drivers/pci/p2pdma.c): walk up from
// the provider; for each of its upstream bridges a (counting ACS
// redirects), look for a among the client's upstream bridges. A common
// bridge with no ACS redirect on either path is PCI_P2PDMA_MAP_BUS_ADDR
// with distance dist_a + dist_b; otherwise the traffic goes through the
// host bridge, allowed (PCI_P2PDMA_MAP_THRU_HOST_BRIDGE) only if the CPU
// supports it (cpu_supports_p2pdma) or both host bridges are whitelisted
// (host_bridge_whitelist; the same one for REQ_SAME_HOST_BRIDGE), else
// PCI_P2PDMA_MAP_NOT_SUPPORTED.
func (t *PCITopology) classify(provider, client int) (P2PMapType, int) {
	if provider == client {
		return MapBusAddr, 0
	}
	acs := 0
	distA, distB := 0, 0
	for a := provider; a >= 0; a = t.up(a) {
		distB = 0
		if t.acsRedir(a) {
			acs++
		}
		for b := client; b >= 0; b = t.up(b) {
			if a == b {
				for bb := client; bb >= 0 && bb != a; bb = t.up(bb) {
					if t.acsRedir(bb) {
						acs++
					}
				}
				if acs == 0 {
					return MapBusAddr, distA + distB
				}
				return t.thruHostBridge(provider, client), distA + distB
			}
			distB++
		}
		distA++
	}
	return t.thruHostBridge(provider, client), distA + distB
}

func (t *PCITopology) thruHostBridge(provider, client int) P2PMapType {
	if t.AMDZen {
		return MapThruHostBridge
	}
	ha, hb := t.host(provider), t.host(client)
	ok := func(h int, same bool) bool {
		n := &t.Nodes[h]
		return n.Whitelisted && (same || !n.SameHostBridgeOnly)
	}
	if ha == hb && ok(ha, true) || ha != hb && ok(ha, false) && ok(hb, false) {
		return MapThruHostBridge
	}
	return MapNotSupported
}

// P2PAddr is what an importer's sg table holds for its mapping.
type P2PAddr uint8

// Address kinds.
const (
	AddrNone    P2PAddr = iota
	AddrSysMem          // system-memory pages (dma_map_sgtable through the importer's IOMMU): snooped, coherent
	AddrBus             // PCI bus addresses of the BAR (pci_p2pdma_bus_addr_map)
	AddrIOVA            // IOVAs of the BAR (dma_map_resource through the importer's IOMMU)
	AddrCPUPhys         // raw CPU physical addresses of the BAR (NVIDIA open-gpu issue #1324)
)

var addrNames = [...]string{"none", "system memory", "PCI bus address", "IOVA (dma_map_resource)", "CPU physical address"}

func (a P2PAddr) String() string {
	if int(a) < len(addrNames) {
		return addrNames[a]
	}
	return fmt.Sprintf("P2PAddr(%d)", a)
}

// route is the platform's truth: whether a DMA request from client to the
// provider's BAR with addresses of kind a arrives, and why not otherwise.
// The IOMMU is on. A bus address is routed only by a switch the request
// passes on its way up (a common bridge with no ACS redirect on either
// side, and no integrated endpoint, whose requests skip the bridges);
// anywhere else it reaches the IOMMU untranslated and faults. An IOVA goes
// up to the root complex, is translated, and arrives if the host bridges
// forward peer requests (and across host bridges if the platform does). A
// CPU physical address is not a DMA address at all.
func (t *PCITopology) route(client, provider int, a P2PAddr) (bool, string) {
	switch a {
	case AddrSysMem:
		return true, ""
	case AddrCPUPhys:
		return false, "a CPU physical address is not a DMA address: the IOMMU faults it"
	case AddrBus:
		if t.Nodes[client].Integrated || t.Nodes[provider].Integrated {
			return false, "an integrated device's requests go straight to the north bridge, past the bridge that would route a bus address: the IOMMU faults it"
		}
		if mt, _ := t.classify(provider, client); mt == MapBusAddr {
			return true, ""
		}
		return false, "no switch on the path routes the bus address (ACS redirect, or no common bridge): it reaches the IOMMU untranslated and faults"
	case AddrIOVA:
		ha, hb := t.host(provider), t.host(client)
		switch {
		case !t.Nodes[ha].ForwardsP2P || !t.Nodes[hb].ForwardsP2P:
			return false, "the root complex drops peer-to-peer requests between its ports"
		case ha != hb && !t.CrossHostBridge:
			return false, "the platform does not route peer requests between host bridges"
		}
		return true, ""
	}
	return false, "no mapping"
}
