package world

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
)

// TestPCITopologyAgreesWithTheP2PModel: on every topology of the earlier
// p2p model (and variants: ACS on one side, an AMD Zen CPU, two host
// bridges with and without REQ_SAME_HOST_BRIDGE), for every pair of
// endpoints, the p2p family's calc_map_type_and_dist gives the earlier map
// type and distance, and the platform routes every address kind as the
// earlier model did.
func TestPCITopologyAgreesWithTheP2PModel(t *testing.T) {
	oneSideACS := p2p.SwitchTopology(false, false)
	oneSideACS.Nodes[oneSideACS.Index("dsp1")].ACSRedirect = true
	zen := p2p.RootPortsTopology()
	zen.AMDZen = true
	twoHB := func(wl0, wl1, sameOnly, cross bool) p2p.Topology {
		return p2p.Topology{Name: "two-host-bridges", CrossHostBridge: cross, Nodes: []p2p.Node{
			{Name: "hb0", Kind: p2p.HostBridge, Parent: -1, Whitelisted: wl0, SameHostBridgeOnly: sameOnly, ForwardsP2P: wl0},
			{Name: "hb1", Kind: p2p.HostBridge, Parent: -1, Whitelisted: wl1, ForwardsP2P: wl1},
			{Name: "rp0", Kind: p2p.RootPort, Parent: 0},
			{Name: "rp1", Kind: p2p.RootPort, Parent: 1},
			{Name: "gpu", Kind: p2p.Endpoint, Parent: 2},
			{Name: "nic", Kind: p2p.Endpoint, Parent: 3},
		}}
	}
	tops := []p2p.Topology{oneSideACS, zen, p2p.RootPortsTopology(), p2p.APUTopology(), p2p.APUInternalBridgeTopology(),
		twoHB(true, true, false, true), twoHB(true, true, true, true), twoHB(true, false, false, true), twoHB(true, true, false, false)}
	for _, acs := range []bool{false, true} {
		for _, wl := range []bool{false, true} {
			tops = append(tops, p2p.SwitchTopology(acs, wl))
		}
	}
	for _, old := range tops {
		top := fromP2PTopology(old)
		if err := top.validate(); err != nil {
			t.Fatalf("%s: %v", old.Name, err)
		}
		for a, na := range old.Nodes {
			for b, nb := range old.Nodes {
				if na.Kind != p2p.Endpoint || nb.Kind != p2p.Endpoint {
					continue
				}
				wantMT, wantD := old.Classify(a, b)
				if mt, d := top.classify(a, b); int(mt) != int(wantMT) || d != wantD {
					t.Errorf("%s: calc_map_type_and_dist(%s, %s) = %s, %d; earlier %s, %d", old.Name, na.Name, nb.Name, mt, d, wantMT, wantD)
				}
				for k := p2p.AddrNone; k <= p2p.AddrCPUPhys; k++ {
					want, _ := old.Route(b, a, k)
					if got, _ := top.route(b, a, P2PAddr(k)); got != want {
						t.Errorf("%s: route(%s -> %s, %s) = %v; earlier %v", old.Name, nb.Name, na.Name, k, got, want)
					}
				}
			}
		}
	}
}
