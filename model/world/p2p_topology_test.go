package world

import "testing"

// pciPair is what the p2p family decides for one provider and client
// endpoint of a topology: calc_map_type_and_dist's map type and
// distance, and whether the platform routes the client's DMA to the
// provider's BAR with PCI bus addresses and with IOVAs.
type pciPair struct {
	provider, client string
	mapType          P2PMapType
	dist             int
	bus, iova        bool
}

// pciTopologyCases are the topologies of the p2p built-ins and variants
// (ACS on one switch port, an AMD Zen CPU, two host bridges with and
// without REQ_SAME_HOST_BRIDGE, a whitelist of one, no cross-bridge
// routing), with the answers for every ordered pair of endpoints. The
// answers follow pci_p2pdma_distance (drivers/pci/p2pdma.c):
// calc_map_type_and_dist walks up from the provider to the first bridge
// upstream of both; with no ACS redirect (pci_bridge_has_acs_redir) on
// either path it is PCI_P2PDMA_MAP_BUS_ADDR at the sum of the hops,
// otherwise the traffic goes through the host bridge, allowed
// (PCI_P2PDMA_MAP_THRU_HOST_BRIDGE) only when cpu_supports_p2pdma (AMD
// Zen) or host_bridge_whitelist accepts both host bridges (the same one
// for REQ_SAME_HOST_BRIDGE), else PCI_P2PDMA_MAP_NOT_SUPPORTED. The
// distance of a path through the host bridge counts every hop up to it
// and down. The routes are the platform's: a bus address only through a
// switch that routes it (never an integrated endpoint's), an IOVA when
// the host bridges forward peer requests (across host bridges only where
// the platform does). They were the earlier p2p model's answers, equal
// when it was removed (issue 16).
var pciTopologyCases = []struct {
	top   PCITopology
	pairs []pciPair
}{
	{top: PCITopology{Name: "switch-acs-dsp1", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "usp", Kind: PCISwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "dsp1", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "dsp2", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 3},
		{Name: "nic", Kind: PCIEndpoint, Parent: 4},
		{Name: "encoder", Kind: PCIEndpoint, Parent: 5},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapNotSupported, 4, false, false},
		{"gpu", "encoder", MapBusAddr, 4, true, false},
		{"nic", "gpu", MapNotSupported, 4, false, false},
		{"nic", "encoder", MapNotSupported, 4, false, false},
		{"encoder", "gpu", MapBusAddr, 4, true, false},
		{"encoder", "nic", MapNotSupported, 4, false, false},
	}},
	{top: PCITopology{Name: "root-ports-amd-zen", AMDZen: true, Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 0},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 1},
		{Name: "nic", Kind: PCIEndpoint, Parent: 2},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapThruHostBridge, 4, false, false},
		{"nic", "gpu", MapThruHostBridge, 4, false, false},
	}},
	{top: PCITopology{Name: "root-ports", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 0},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 1},
		{Name: "nic", Kind: PCIEndpoint, Parent: 2},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapNotSupported, 4, false, false},
		{"nic", "gpu", MapNotSupported, 4, false, false},
	}},
	{top: PCITopology{Name: "apu", AMDZen: true, Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, ForwardsP2P: true},
		{Name: "apu-gpu", Kind: PCIEndpoint, Parent: 0, Integrated: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "nic", Kind: PCIEndpoint, Parent: 2},
	}}, pairs: []pciPair{
		{"apu-gpu", "nic", MapThruHostBridge, 3, false, true},
		{"nic", "apu-gpu", MapThruHostBridge, 3, false, true},
	}},
	{top: PCITopology{Name: "apu-internal-bridge", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "gpp-bridge", Kind: PCIRootPort, Parent: 0},
		{Name: "apu-gpu", Kind: PCIEndpoint, Parent: 1, Integrated: true},
		{Name: "apu-npu", Kind: PCIEndpoint, Parent: 1, Integrated: true},
	}}, pairs: []pciPair{
		{"apu-gpu", "apu-npu", MapBusAddr, 2, false, false},
		{"apu-npu", "apu-gpu", MapBusAddr, 2, false, false},
	}},
	{top: PCITopology{Name: "two-host-bridges", CrossHostBridge: true, Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "hb1", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 1},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 2},
		{Name: "nic", Kind: PCIEndpoint, Parent: 3},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapThruHostBridge, 4, false, true},
		{"nic", "gpu", MapThruHostBridge, 4, false, true},
	}},
	{top: PCITopology{Name: "two-host-bridges-same-only", CrossHostBridge: true, Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, SameHostBridgeOnly: true, ForwardsP2P: true},
		{Name: "hb1", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 1},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 2},
		{Name: "nic", Kind: PCIEndpoint, Parent: 3},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapNotSupported, 4, false, true},
		{"nic", "gpu", MapNotSupported, 4, false, true},
	}},
	{top: PCITopology{Name: "two-host-bridges-one-listed", CrossHostBridge: true, Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "hb1", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 1},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 2},
		{Name: "nic", Kind: PCIEndpoint, Parent: 3},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapNotSupported, 4, false, false},
		{"nic", "gpu", MapNotSupported, 4, false, false},
	}},
	{top: PCITopology{Name: "two-host-bridges-not-crossed", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "hb1", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "rp1", Kind: PCIRootPort, Parent: 1},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 2},
		{Name: "nic", Kind: PCIEndpoint, Parent: 3},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapThruHostBridge, 4, false, false},
		{"nic", "gpu", MapThruHostBridge, 4, false, false},
	}},
	{top: PCITopology{Name: "switch-acs-false-whitelisted-false", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "usp", Kind: PCISwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "dsp1", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "dsp2", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 3},
		{Name: "nic", Kind: PCIEndpoint, Parent: 4},
		{Name: "encoder", Kind: PCIEndpoint, Parent: 5},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapBusAddr, 4, true, false},
		{"gpu", "encoder", MapBusAddr, 4, true, false},
		{"nic", "gpu", MapBusAddr, 4, true, false},
		{"nic", "encoder", MapBusAddr, 4, true, false},
		{"encoder", "gpu", MapBusAddr, 4, true, false},
		{"encoder", "nic", MapBusAddr, 4, true, false},
	}},
	{top: PCITopology{Name: "switch-acs-false-whitelisted-true", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "usp", Kind: PCISwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "dsp1", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "dsp2", Kind: PCISwitchDownstream, Parent: 2},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 3},
		{Name: "nic", Kind: PCIEndpoint, Parent: 4},
		{Name: "encoder", Kind: PCIEndpoint, Parent: 5},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapBusAddr, 4, true, true},
		{"gpu", "encoder", MapBusAddr, 4, true, true},
		{"nic", "gpu", MapBusAddr, 4, true, true},
		{"nic", "encoder", MapBusAddr, 4, true, true},
		{"encoder", "gpu", MapBusAddr, 4, true, true},
		{"encoder", "nic", MapBusAddr, 4, true, true},
	}},
	{top: PCITopology{Name: "switch-acs-true-whitelisted-false", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "usp", Kind: PCISwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "dsp1", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "dsp2", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 3},
		{Name: "nic", Kind: PCIEndpoint, Parent: 4},
		{Name: "encoder", Kind: PCIEndpoint, Parent: 5},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapNotSupported, 4, false, false},
		{"gpu", "encoder", MapNotSupported, 4, false, false},
		{"nic", "gpu", MapNotSupported, 4, false, false},
		{"nic", "encoder", MapNotSupported, 4, false, false},
		{"encoder", "gpu", MapNotSupported, 4, false, false},
		{"encoder", "nic", MapNotSupported, 4, false, false},
	}},
	{top: PCITopology{Name: "switch-acs-true-whitelisted-true", Nodes: []PCINode{
		{Name: "hb0", Kind: PCIHostBridge, Parent: -1, Whitelisted: true, ForwardsP2P: true},
		{Name: "rp0", Kind: PCIRootPort, Parent: 0},
		{Name: "usp", Kind: PCISwitchUpstream, Parent: 1},
		{Name: "dsp0", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "dsp1", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "dsp2", Kind: PCISwitchDownstream, Parent: 2, ACSRedirect: true},
		{Name: "gpu", Kind: PCIEndpoint, Parent: 3},
		{Name: "nic", Kind: PCIEndpoint, Parent: 4},
		{Name: "encoder", Kind: PCIEndpoint, Parent: 5},
	}}, pairs: []pciPair{
		{"gpu", "nic", MapThruHostBridge, 4, false, true},
		{"gpu", "encoder", MapThruHostBridge, 4, false, true},
		{"nic", "gpu", MapThruHostBridge, 4, false, true},
		{"nic", "encoder", MapThruHostBridge, 4, false, true},
		{"encoder", "gpu", MapThruHostBridge, 4, false, true},
		{"encoder", "nic", MapThruHostBridge, 4, false, true},
	}},
}

// TestPCITopology: on every topology of pciTopologyCases, for every pair
// of endpoints, classify (calc_map_type_and_dist) gives the map type and
// distance written, and route the platform's answer for each address
// kind: system memory always arrives, a CPU physical address never.
func TestPCITopology(t *testing.T) {
	for _, tc := range pciTopologyCases {
		top := tc.top
		if err := top.validate(); err != nil {
			t.Fatalf("%s: %v", top.Name, err)
		}
		endpoints := 0
		for _, n := range top.Nodes {
			if n.Kind == PCIEndpoint {
				endpoints++
			}
		}
		if len(tc.pairs) != endpoints*(endpoints-1) {
			t.Errorf("%s: %d pairs for %d endpoints", top.Name, len(tc.pairs), endpoints)
		}
		for _, p := range tc.pairs {
			a, b := top.index(p.provider), top.index(p.client)
			if mt, d := top.classify(a, b); mt != p.mapType || d != p.dist {
				t.Errorf("%s: calc_map_type_and_dist(%s, %s) = %s, %d; want %s, %d", top.Name, p.provider, p.client, mt, d, p.mapType, p.dist)
			}
			for _, r := range []struct {
				addr P2PAddr
				want bool
			}{{AddrNone, false}, {AddrSysMem, true}, {AddrBus, p.bus}, {AddrIOVA, p.iova}, {AddrCPUPhys, false}} {
				if got, why := top.route(b, a, r.addr); got != r.want || !got && why == "" {
					t.Errorf("%s: route(%s -> %s, %s) = %v %q; want %v", top.Name, p.client, p.provider, r.addr, got, why, r.want)
				}
			}
		}
	}
}
