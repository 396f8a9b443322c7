package p2p_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
)

func node(t *testing.T, top p2p.Topology, name string) int {
	t.Helper()
	i := top.Index(name)
	if i < 0 {
		t.Fatalf("topology %s has no node %s", top.Name, name)
	}
	return i
}

// twoHostBridges is a GPU and a NIC below two different host bridges.
func twoHostBridges(wl0, wl1, sameOnly bool) p2p.Topology {
	return p2p.Topology{Name: "two-host-bridges", CrossHostBridge: true, Nodes: []p2p.Node{
		{Name: "hb0", Kind: p2p.HostBridge, Parent: -1, Whitelisted: wl0, SameHostBridgeOnly: sameOnly, ForwardsP2P: wl0},
		{Name: "hb1", Kind: p2p.HostBridge, Parent: -1, Whitelisted: wl1, ForwardsP2P: wl1},
		{Name: "rp0", Kind: p2p.RootPort, Parent: 0},
		{Name: "rp1", Kind: p2p.RootPort, Parent: 1},
		{Name: "gpu", Kind: p2p.Endpoint, Parent: 2},
		{Name: "nic", Kind: p2p.Endpoint, Parent: 3},
	}}
}

// TestClassifyFollowsCalcMapTypeAndDist: the map type and distance of
// drivers/pci/p2pdma.c calc_map_type_and_dist on each preset topology
// (kernel-rules §9: 4 is "behind one switch").
func TestClassifyFollowsCalcMapTypeAndDist(t *testing.T) {
	zen := p2p.RootPortsTopology()
	zen.AMDZen = true
	oneSideACS := p2p.SwitchTopology(false, false)
	oneSideACS.Nodes[node(t, oneSideACS, "dsp1")].ACSRedirect = true
	for _, tc := range []struct {
		name       string
		top        p2p.Topology
		prov, cli  string
		want       p2p.MapType
		dist, pdis int
	}{
		{"switch", p2p.SwitchTopology(false, false), "gpu", "nic", p2p.MapBusAddr, 4, 4},
		{"switch, same device", p2p.SwitchTopology(false, false), "gpu", "gpu", p2p.MapBusAddr, 0, 0},
		{"switch, ACS, whitelisted", p2p.SwitchTopology(true, true), "gpu", "nic", p2p.MapThruHostBridge, 4, 4},
		{"switch, ACS", p2p.SwitchTopology(true, false), "gpu", "nic", p2p.MapNotSupported, 4, -1},
		{"switch, ACS on the client's port only", oneSideACS, "gpu", "nic", p2p.MapNotSupported, 4, -1},
		{"root ports", p2p.RootPortsTopology(), "gpu", "nic", p2p.MapNotSupported, 4, -1},
		{"root ports, AMD Zen", zen, "gpu", "nic", p2p.MapThruHostBridge, 4, 4},
		{"APU", p2p.APUTopology(), "apu-gpu", "nic", p2p.MapThruHostBridge, 3, 3},
		{"APU internal bridge", p2p.APUInternalBridgeTopology(), "apu-gpu", "apu-npu", p2p.MapBusAddr, 2, 2},
		{"two host bridges, both whitelisted", twoHostBridges(true, true, false), "gpu", "nic", p2p.MapThruHostBridge, 4, 4},
		{"two host bridges, REQ_SAME_HOST_BRIDGE", twoHostBridges(true, true, true), "gpu", "nic", p2p.MapNotSupported, 4, -1},
		{"two host bridges, one whitelisted", twoHostBridges(true, false, false), "gpu", "nic", p2p.MapNotSupported, 4, -1},
	} {
		if err := tc.top.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p, c := node(t, tc.top, tc.prov), node(t, tc.top, tc.cli)
		mt, d := tc.top.Classify(p, c)
		if mt != tc.want || d != tc.dist {
			t.Errorf("%s: Classify = %s, %d; want %s, %d", tc.name, mt, d, tc.want, tc.dist)
		}
		if got := tc.top.Distance(p, c); got != tc.pdis {
			t.Errorf("%s: pci_p2pdma_distance = %d, want %d", tc.name, got, tc.pdis)
		}
	}
}

// TestRouteIsThePlatformsTruth: where the platform delivers a peer
// request, by address kind.
func TestRouteIsThePlatformsTruth(t *testing.T) {
	for _, tc := range []struct {
		name      string
		top       p2p.Topology
		cli, prov string
		addr      p2p.AddrKind
		want      bool
	}{
		{"switch, bus address", p2p.SwitchTopology(false, false), "nic", "gpu", p2p.AddrBus, true},
		{"switch, ACS, bus address", p2p.SwitchTopology(true, true), "nic", "gpu", p2p.AddrBus, false},
		{"switch, ACS, IOVA, forwarding root complex", p2p.SwitchTopology(true, true), "nic", "gpu", p2p.AddrIOVA, true},
		{"switch, ACS, IOVA, dropping root complex", p2p.SwitchTopology(true, false), "nic", "gpu", p2p.AddrIOVA, false},
		{"switch, CPU physical address", p2p.SwitchTopology(false, false), "nic", "gpu", p2p.AddrCPUPhys, false},
		{"root ports, system memory", p2p.RootPortsTopology(), "nic", "gpu", p2p.AddrSysMem, true},
		{"APU internal bridge, bus address", p2p.APUInternalBridgeTopology(), "apu-npu", "apu-gpu", p2p.AddrBus, false},
		{"APU, IOVA", p2p.APUTopology(), "nic", "apu-gpu", p2p.AddrIOVA, true},
		{"two host bridges, IOVA", twoHostBridges(true, true, false), "nic", "gpu", p2p.AddrIOVA, true},
	} {
		ok, why := tc.top.Route(node(t, tc.top, tc.cli), node(t, tc.top, tc.prov), tc.addr)
		if ok != tc.want || !ok && why == "" {
			t.Errorf("%s: Route = %v (%q), want %v", tc.name, ok, why, tc.want)
		}
	}
	cross := twoHostBridges(true, true, false)
	cross.CrossHostBridge = false
	if ok, _ := cross.Route(node(t, cross, "nic"), node(t, cross, "gpu"), p2p.AddrIOVA); ok {
		t.Errorf("a platform without cross-host-bridge routing delivered an IOVA between host bridges")
	}
}

// TestTopologyValidation rejects hierarchies that are not PCIe trees.
func TestTopologyValidation(t *testing.T) {
	for _, top := range []p2p.Topology{
		{Name: "empty"},
		{Name: "orphan", Nodes: []p2p.Node{{Name: "ep", Kind: p2p.Endpoint, Parent: -1}}},
		{Name: "root port below a switch", Nodes: []p2p.Node{{Name: "hb", Kind: p2p.HostBridge, Parent: -1}, {Name: "rp", Kind: p2p.RootPort, Parent: 0}, {Name: "usp", Kind: p2p.SwitchUpstream, Parent: 1}, {Name: "rp2", Kind: p2p.RootPort, Parent: 2}}},
		{Name: "downstream port on a root port", Nodes: []p2p.Node{{Name: "hb", Kind: p2p.HostBridge, Parent: -1}, {Name: "rp", Kind: p2p.RootPort, Parent: 0}, {Name: "dsp", Kind: p2p.SwitchDownstream, Parent: 1}}},
		{Name: "integrated bridge", Nodes: []p2p.Node{{Name: "hb", Kind: p2p.HostBridge, Parent: -1}, {Name: "rp", Kind: p2p.RootPort, Parent: 0, Integrated: true}}},
		{Name: "forward reference", Nodes: []p2p.Node{{Name: "hb", Kind: p2p.HostBridge, Parent: -1}, {Name: "ep", Kind: p2p.Endpoint, Parent: 2}, {Name: "rp", Kind: p2p.RootPort, Parent: 0}}},
	} {
		if err := top.Validate(); err == nil {
			t.Errorf("topology %s: accepted", top.Name)
		}
	}
}

// TestConfigValidation rejects combinations the model gives no meaning.
func TestConfigValidation(t *testing.T) {
	base := p2p.Config{Topology: p2p.SwitchTopology(false, false), Lines: 1,
		Exporter:  p2p.Exporter{Device: "gpu"},
		Importers: []p2p.Importer{{Device: "nic", AllowP2P: true}}}
	if _, err := p2p.New(base); err != nil {
		t.Fatalf("base config: %v", err)
	}
	for name, f := range map[string]func(c *p2p.Config){
		"exporter not an endpoint":    func(c *p2p.Config) { c.Exporter.Device = "usp" },
		"importer is the exporter":    func(c *p2p.Config) { c.Importers[0].Device = "gpu" },
		"no importer":                 func(c *p2p.Config) { c.Importers = nil },
		"three lines":                 func(c *p2p.Config) { c.Lines = 3 },
		"APU redirect without stolen": func(c *p2p.Config) { c.Exporter.APURedirect = true },
		"maintenance on VRAM":         func(c *p2p.Config) { c.Exporter.Maint = p2p.MaintFlushAround },
		"CPU on uncached VRAM":        func(c *p2p.Config) { c.CPU = true },
		"static importer retries":     func(c *p2p.Config) { c.Importers[0].AllowP2P = false; c.Importers[0].Retry = true },
	} {
		c := base
		c.Importers = append([]p2p.Importer(nil), base.Importers...)
		f(&c)
		if _, err := p2p.New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
