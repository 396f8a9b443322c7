package p2p

import "fmt"

// NodeKind is the kind of a node of the PCIe topology.
type NodeKind uint8

const (
	HostBridge       NodeKind = iota // a root complex (struct pci_host_bridge); not a pci_dev
	RootPort                         // a root port: a bridge on the host bridge's root bus
	SwitchUpstream                   // a switch's upstream port
	SwitchDownstream                 // a switch's downstream port
	Endpoint                         // a device function
)

var nodeKindNames = [...]string{"host bridge", "root port", "switch upstream port", "switch downstream port", "endpoint"}

func (k NodeKind) String() string {
	if int(k) < len(nodeKindNames) {
		return nodeKindNames[k]
	}
	return fmt.Sprintf("NodeKind(%d)", k)
}

// Node is one node of the topology.
type Node struct {
	Name   string
	Kind   NodeKind
	Parent int // index of the node above; -1 for a host bridge
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
	// between its root ports (the platform's truth, which the whitelist or
	// the CPU check is supposed to describe).
	ForwardsP2P bool
	// Integrated: an endpoint integrated in the CPU package (an APU's GPU,
	// its NPU): it only claims to sit below its bridges; its memory
	// requests go straight to the north bridge (seed 004, Christian König:
	// "their memory request path go directly through the integrated north
	// bridge").
	Integrated bool
}

// Topology is a small PCIe hierarchy as data.
type Topology struct {
	Name  string
	Nodes []Node
	// AMDZen: cpu_supports_p2pdma() (an AMD Zen or later CPU): the kernel
	// allows traffic through any host bridge.
	AMDZen bool
	// CrossHostBridge: the platform routes peer requests between different
	// host bridges (when both forward P2P at all).
	CrossHostBridge bool
}

// Validate reports the first problem with t.
func (t *Topology) Validate() error {
	if len(t.Nodes) == 0 || len(t.Nodes) > 16 {
		return fmt.Errorf("topology %s: 1..16 nodes, not %d", t.Name, len(t.Nodes))
	}
	for i, n := range t.Nodes {
		switch {
		case n.Kind == HostBridge && n.Parent != -1:
			return fmt.Errorf("topology %s: host bridge %s has a parent", t.Name, n.Name)
		case n.Kind != HostBridge && (n.Parent < 0 || n.Parent >= i):
			return fmt.Errorf("topology %s: %s needs a parent listed before it", t.Name, n.Name)
		case n.Kind == RootPort && t.Nodes[n.Parent].Kind != HostBridge:
			return fmt.Errorf("topology %s: root port %s must hang off a host bridge", t.Name, n.Name)
		case n.Kind == SwitchUpstream && t.Nodes[n.Parent].Kind != RootPort && t.Nodes[n.Parent].Kind != SwitchDownstream:
			return fmt.Errorf("topology %s: switch %s must hang off a root or downstream port", t.Name, n.Name)
		case n.Kind == SwitchDownstream && t.Nodes[n.Parent].Kind != SwitchUpstream:
			return fmt.Errorf("topology %s: downstream port %s must hang off an upstream port", t.Name, n.Name)
		case n.Kind == Endpoint && t.Nodes[n.Parent].Kind == Endpoint:
			return fmt.Errorf("topology %s: endpoint %s below an endpoint", t.Name, n.Name)
		case n.Integrated && n.Kind != Endpoint:
			return fmt.Errorf("topology %s: only endpoints are integrated", t.Name)
		}
	}
	return nil
}

// Index returns the node called name, or -1.
func (t *Topology) Index(name string) int {
	for i, n := range t.Nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

// up is pci_upstream_bridge: the bridge above a device, or -1 for a device
// on a host bridge's root bus (a root port, an integrated endpoint).
func (t *Topology) up(i int) int {
	p := t.Nodes[i].Parent
	if p < 0 || t.Nodes[p].Kind == HostBridge {
		return -1
	}
	return p
}

// host is pci_find_host_bridge.
func (t *Topology) host(i int) int {
	for t.Nodes[i].Kind != HostBridge {
		i = t.Nodes[i].Parent
	}
	return i
}

func (t *Topology) acsRedir(i int) bool {
	k := t.Nodes[i].Kind
	return (k == RootPort || k == SwitchDownstream || k == SwitchUpstream) && t.Nodes[i].ACSRedirect
}

// MapType is enum pci_p2pdma_map_type.
type MapType uint8

const (
	MapNotSupported   MapType = iota // PCI_P2PDMA_MAP_NOT_SUPPORTED
	MapBusAddr                       // PCI_P2PDMA_MAP_BUS_ADDR: through a common switch, PCI bus addresses
	MapThruHostBridge                // PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: through the root complex, IOMMU-mapped
)

var mapTypeNames = [...]string{"PCI_P2PDMA_MAP_NOT_SUPPORTED", "PCI_P2PDMA_MAP_BUS_ADDR", "PCI_P2PDMA_MAP_THRU_HOST_BRIDGE"}

func (m MapType) String() string {
	if int(m) < len(mapTypeNames) {
		return mapTypeNames[m]
	}
	return fmt.Sprintf("MapType(%d)", m)
}

// Classify is calc_map_type_and_dist (drivers/pci/p2pdma.c): walk up from
// the provider; for each of its upstream bridges a (counting ACS
// redirects), look for a among the client's upstream bridges. A common
// bridge with no ACS redirect on either path is PCI_P2PDMA_MAP_BUS_ADDR
// with distance dist_a + dist_b; otherwise the traffic goes through the
// host bridge, allowed (PCI_P2PDMA_MAP_THRU_HOST_BRIDGE) only if the CPU
// supports it (AMD Zen) or both host bridges are whitelisted (the same one
// for a REQ_SAME_HOST_BRIDGE entry), else PCI_P2PDMA_MAP_NOT_SUPPORTED.
func (t *Topology) Classify(provider, client int) (MapType, int) {
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

func (t *Topology) thruHostBridge(provider, client int) MapType {
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

// Distance is pci_p2pdma_distance for one client: -1 when the map type is
// PCI_P2PDMA_MAP_NOT_SUPPORTED, else the distance.
func (t *Topology) Distance(provider, client int) int {
	mt, d := t.Classify(provider, client)
	if mt == MapNotSupported {
		return -1
	}
	return d
}

// AddrKind is what an importer's sg table holds for a peer mapping.
type AddrKind uint8

const (
	AddrNone    AddrKind = iota
	AddrSysMem           // system-memory pages (dma_map_sgtable through the importer's IOMMU): snooped, coherent
	AddrBus              // PCI bus addresses of the BAR (pci_p2pdma_bus_addr_map)
	AddrIOVA             // IOVAs of the BAR (dma_map_resource through the importer's IOMMU)
	AddrCPUPhys          // raw CPU physical addresses of the BAR (the misuse of NVIDIA open-gpu issue #1324)
)

var addrNames = [...]string{"none", "system memory", "PCI bus address", "IOVA (dma_map_resource)", "CPU physical address"}

func (a AddrKind) String() string {
	if int(a) < len(addrNames) {
		return addrNames[a]
	}
	return fmt.Sprintf("AddrKind(%d)", a)
}

// Route is the platform's truth: whether a DMA request from client to the
// provider's BAR with addresses of kind a arrives, and why not otherwise.
// The IOMMU is on. A bus address is routed only by a switch that the
// request passes on its way up (a common bridge with no ACS redirect on
// either side, and no integrated endpoint, whose requests skip the
// bridges); anywhere else it reaches the IOMMU untranslated and faults. An
// IOVA goes up to the root complex, is translated, and arrives if the host
// bridge forwards peer requests (both, and across host bridges if the
// platform does). A CPU physical address is not a DMA address at all.
func (t *Topology) Route(client, provider int, a AddrKind) (bool, string) {
	switch a {
	case AddrSysMem:
		return true, ""
	case AddrCPUPhys:
		return false, "a CPU physical address is not a DMA address: the IOMMU faults it"
	case AddrBus:
		if t.Nodes[client].Integrated || t.Nodes[provider].Integrated {
			return false, "an integrated device's requests go straight to the north bridge, past the bridge that would route a bus address: the IOMMU faults it"
		}
		if mt, _ := t.Classify(provider, client); mt == MapBusAddr {
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
