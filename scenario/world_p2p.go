package scenario

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The "p2p" section of a world file declares the p2p family's objects:
// the PCIe topology as data, the exporting device with its driver's
// policies, the importers, and the BAR's buffer:
//
//	p2p:
//	  topology:
//	    name: switch
//	    amd-zen: false              # cpu_supports_p2pdma()
//	    cross-host-bridge: false    # the platform routes between host bridges
//	    nodes:                      # parents listed before their children
//	      - {name: hb, kind: host-bridge, whitelisted: true, forwards-p2p: true}
//	      - {name: rp, kind: root-port, parent: hb}
//	      - {name: usp, kind: switch-upstream, parent: rp}
//	      - {name: dsp0, kind: switch-downstream, parent: usp, acs-redirect: true}
//	      - {name: gpu, kind: endpoint, parent: dsp0}
//	      ...
//	  exporter: {device: gpu, attach: distance, map: by-type, bar: device-memory, migratable: true}
//	  importers:
//	    - {name: nic, device: nic, allow-p2p: true}
//	  lines: 1
//	  writes: 2
//
// Every field changes the model or is rejected where it is written: a
// host bridge's whitelist and routing on a host bridge, ACS on a port,
// integrated on an endpoint, cache maintenance and the APU redirect with a
// stolen BAR.

var (
	p2pFields         = []string{"topology", "exporter", "importers", "lines", "writes"}
	p2pTopologyFields = []string{"name", "amd-zen", "cross-host-bridge", "nodes"}
	p2pNodeFields     = []string{"name", "kind", "parent", "acs-redirect", "whitelisted", "same-host-bridge-only", "forwards-p2p", "integrated"}
	p2pExporterFields = []string{"device", "attach", "map", "bar", "migratable", "apu-redirect", "maint", "ignores-peer2peer"}
	p2pImporterFields = []string{"name", "device", "allow-p2p"}
	pciKindNames      = []string{"host-bridge", "root-port", "switch-upstream", "switch-downstream", "endpoint"}
	p2pAttachNames    = []string{"distance", "naive", "reject"}
	p2pMapNames       = []string{"by-type", "bus-always", "cpu-phys"}
	p2pBARNames       = []string{"device-memory", "stolen"}
	p2pMaintNames     = []string{"none", "flush-around", "invalidate-before"}
)

// p2pSection reads a world file's "p2p" section into s.P2P. Lines
// default to 1 and writes to 2.
func (f *fileReader) p2pSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, p2pFields)
	p := world.P2PSpec{Lines: 1, Writes: 2}
	if x, ok := m["topology"]; ok {
		p.Topology = f.pciTopology(x)
	} else {
		f.fail(n, "p2p: needs a topology (the PCIe hierarchy: nodes from the host bridges down)")
	}
	endpoint := func(x *yaml.Node, what string) string {
		name := f.str(x)
		var eps []string
		for _, nd := range p.Topology.Nodes {
			if nd.Kind == world.PCIEndpoint {
				eps = append(eps, nd.Name)
			}
		}
		if f.err == nil && !slices.Contains(eps, name) {
			f.fail(x, "p2p: %s %q is not an endpoint of the topology%s", what, name, didYouMean(name, eps))
		}
		return name
	}
	if x, ok := m["exporter"]; ok {
		em := f.mapping(x, p2pExporterFields)
		ex := &p.Exporter
		if d, ok := em["device"]; ok {
			ex.Device = endpoint(d, "exporter device")
		} else {
			f.fail(x, "p2p: the exporter needs a device (an endpoint of the topology)")
		}
		if v, ok := em["attach"]; ok {
			ex.Attach = world.P2PAttachPolicy(f.choice(v, "attach policy", p2pAttachNames))
		}
		if v, ok := em["map"]; ok {
			ex.Map = world.P2PMapMethod(f.choice(v, "map method", p2pMapNames))
		}
		if v, ok := em["bar"]; ok {
			ex.BAR = world.P2PBAR(f.choice(v, "BAR backing", p2pBARNames))
		}
		stolen := ex.BAR == world.BARStolen
		if v, ok := em["migratable"]; ok {
			if ex.Migratable = f.bool(v); ex.Migratable && stolen {
				f.fail(v, "p2p: migratable: a stolen BAR is system memory already")
			}
		}
		if v, ok := em["apu-redirect"]; ok {
			if ex.APURedirect = f.bool(v); ex.APURedirect && !stolen {
				f.fail(v, "p2p: apu-redirect needs a stolen BAR (bar: stolen)")
			}
		}
		if v, ok := em["maint"]; ok {
			if ex.Maint = world.P2PMaint(f.choice(v, "cache maintenance", p2pMaintNames)); ex.Maint != world.MaintNone && !stolen {
				f.fail(v, "p2p: maint: cache maintenance applies to a stolen BAR (bar: stolen)")
			}
		}
		if v, ok := em["ignores-peer2peer"]; ok {
			if ex.IgnoresPeer2Peer = f.bool(v); ex.IgnoresPeer2Peer && stolen {
				f.fail(v, "p2p: ignores-peer2peer: a stolen BAR's pages have struct pages")
			}
		}
	} else {
		f.fail(n, "p2p: needs an exporter (its device and its driver's policies)")
	}
	if x, ok := m["importers"]; ok {
		if x.Kind != yaml.SequenceNode || len(x.Content) < 1 || len(x.Content) > world.MaxP2PImporters {
			f.fail(x, "p2p: importers: want a list of 1 to %d importers", world.MaxP2PImporters)
		} else {
			var names []string
			for _, in := range x.Content {
				im := f.mapping(in, p2pImporterFields)
				var imp world.P2PImporter
				if d, ok := im["device"]; ok {
					imp.Device = endpoint(d, "importer device")
					if f.err == nil && imp.Device == p.Exporter.Device {
						f.fail(d, "p2p: importer device %q is the exporter's", imp.Device)
					}
				} else {
					f.fail(in, "p2p: an importer needs a device (an endpoint of the topology)")
				}
				name, at := imp.Device, in
				if v, ok := im["name"]; ok {
					imp.Name, name, at = f.str(v), v.Value, v
				}
				if slices.Contains(names, name) {
					f.fail(at, "p2p: two importers called %q", name)
				}
				names = append(names, name)
				if v, ok := im["allow-p2p"]; ok {
					imp.AllowP2P = f.bool(v)
				}
				p.Importers = append(p.Importers, imp)
			}
		}
	} else {
		f.fail(n, "p2p: needs importers (1 to %d)", world.MaxP2PImporters)
	}
	if x, ok := m["lines"]; ok {
		p.Lines = f.int(x, 1, world.MaxLines)
	}
	if x, ok := m["writes"]; ok {
		p.Writes = f.int(x, 1, world.MaxVersion)
	}
	s.P2P = p
}

// pciTopology reads a topology: its nodes in order, each naming its
// parent (listed before it).
func (f *fileReader) pciTopology(n *yaml.Node) world.PCITopology {
	m := f.mapping(n, p2pTopologyFields)
	var t world.PCITopology
	if x, ok := m["name"]; ok {
		t.Name = f.str(x)
	}
	if x, ok := m["amd-zen"]; ok {
		t.AMDZen = f.bool(x)
	}
	if x, ok := m["cross-host-bridge"]; ok {
		t.CrossHostBridge = f.bool(x)
	}
	nodes, ok := m["nodes"]
	if !ok {
		f.fail(n, "p2p: topology: needs nodes (host bridges first, each other node after its parent)")
		return t
	}
	if nodes.Kind != yaml.SequenceNode || len(nodes.Content) == 0 {
		f.fail(nodes, "p2p: topology: nodes: want a list of nodes")
		return t
	}
	var names []string
	hostBridges := 0
	for _, c := range nodes.Content {
		nm := f.mapping(c, p2pNodeFields)
		nd := world.PCINode{Parent: -1}
		if x, ok := nm["name"]; ok {
			nd.Name = f.str(x)
			if slices.Contains(names, nd.Name) {
				f.fail(x, "p2p: topology: two nodes called %q", nd.Name)
			}
		} else {
			f.fail(c, "p2p: topology: a node needs a name")
		}
		if x, ok := nm["kind"]; ok {
			nd.Kind = world.PCIKind(f.choice(x, "node kind", pciKindNames))
		} else {
			f.fail(c, "p2p: topology: node %s needs a kind (%s)", nd.Name, strings.Join(pciKindNames, ", "))
		}
		if x, ok := nm["parent"]; ok {
			pn := f.str(x)
			nd.Parent = slices.Index(names, pn)
			switch {
			case nd.Kind == world.PCIHostBridge:
				f.fail(x, "p2p: topology: a host bridge has no parent")
			case nd.Parent < 0:
				f.fail(x, "p2p: topology: parent %q is not a node listed before %s%s", pn, nd.Name, didYouMean(pn, names))
			}
		} else if nd.Kind != world.PCIHostBridge {
			f.fail(c, "p2p: topology: %s needs a parent (a node listed before it)", nd.Name)
		}
		hb, port, ep := nd.Kind == world.PCIHostBridge, nd.Kind != world.PCIHostBridge && nd.Kind != world.PCIEndpoint, nd.Kind == world.PCIEndpoint
		for _, b := range []struct {
			key string
			ptr *bool
			ok  bool
			why string
		}{
			{"acs-redirect", &nd.ACSRedirect, port, "ACS redirect is a bridge port's (root or switch port)"},
			{"whitelisted", &nd.Whitelisted, hb, "the p2pdma whitelist lists host bridges"},
			{"same-host-bridge-only", &nd.SameHostBridgeOnly, hb, "REQ_SAME_HOST_BRIDGE is a host bridge's whitelist entry"},
			{"forwards-p2p", &nd.ForwardsP2P, hb, "forwarding between root ports is a host bridge's"},
			{"integrated", &nd.Integrated, ep, "only endpoints are integrated in the CPU package"},
		} {
			x, ok := nm[b.key]
			if !ok {
				continue
			}
			if *b.ptr = f.bool(x); *b.ptr && !b.ok {
				f.fail(x, "p2p: topology: %s: %s, and %s is a %s", b.key, b.why, nd.Name, nd.Kind)
			}
		}
		if x, ok := nm["same-host-bridge-only"]; ok && nd.SameHostBridgeOnly && !nd.Whitelisted {
			f.fail(x, "p2p: topology: same-host-bridge-only qualifies a whitelisted host bridge (whitelisted: true)")
		}
		if hb {
			hostBridges++
		}
		names = append(names, nd.Name)
		t.Nodes = append(t.Nodes, nd)
	}
	if x, ok := m["cross-host-bridge"]; ok && t.CrossHostBridge && hostBridges < 2 {
		f.fail(x, "p2p: topology: cross-host-bridge needs two host bridges")
	}
	return t
}

// writeP2PSection renders s.P2P as a world file's "p2p" section; nil when
// the spec declares none of the family's objects.
func writeP2PSection(s *world.Spec) (*yaml.Node, error) {
	p := &s.P2P
	if len(p.Importers) == 0 && len(p.Topology.Nodes) == 0 {
		return nil, nil
	}
	flow := func() *yaml.Node { m := mapping(); m.Style = yaml.FlowStyle; return m }
	put := func(m *yaml.Node, k, v string) { m.Content = append(m.Content, scalar(k), scalar(v)) }
	flag := func(m *yaml.Node, k string, v bool) {
		if v {
			put(m, k, "true")
		}
	}
	t := &p.Topology
	top := mapping()
	if t.Name != "" {
		put(top, "name", t.Name)
	}
	flag(top, "amd-zen", t.AMDZen)
	flag(top, "cross-host-bridge", t.CrossHostBridge)
	nodes := sequence()
	for _, nd := range t.Nodes {
		nn := flow()
		put(nn, "name", nd.Name)
		if int(nd.Kind) < len(pciKindNames) {
			put(nn, "kind", pciKindNames[nd.Kind])
		}
		if nd.Parent >= 0 && nd.Parent < len(t.Nodes) {
			put(nn, "parent", t.Nodes[nd.Parent].Name)
		}
		flag(nn, "acs-redirect", nd.ACSRedirect)
		flag(nn, "whitelisted", nd.Whitelisted)
		flag(nn, "same-host-bridge-only", nd.SameHostBridgeOnly && nd.Whitelisted)
		flag(nn, "forwards-p2p", nd.ForwardsP2P)
		flag(nn, "integrated", nd.Integrated)
		nodes.Content = append(nodes.Content, nn)
	}
	top.Content = append(top.Content, scalar("nodes"), nodes)
	out := mapping()
	out.Content = append(out.Content, scalar("topology"), top)

	ex := &p.Exporter
	stolen := ex.BAR == world.BARStolen
	en := flow()
	put(en, "device", ex.Device)
	for _, c := range []struct {
		k     string
		v     int
		names []string
	}{{"attach", int(ex.Attach), p2pAttachNames}, {"map", int(ex.Map), p2pMapNames}, {"bar", int(ex.BAR), p2pBARNames}} {
		if c.v < len(c.names) {
			put(en, c.k, c.names[c.v])
		}
	}
	flag(en, "migratable", ex.Migratable && !stolen)
	flag(en, "apu-redirect", ex.APURedirect)
	if ex.Maint != world.MaintNone && int(ex.Maint) < len(p2pMaintNames) {
		put(en, "maint", p2pMaintNames[ex.Maint])
	}
	flag(en, "ignores-peer2peer", ex.IgnoresPeer2Peer && !stolen)
	out.Content = append(out.Content, scalar("exporter"), en)

	ims := sequence()
	for _, im := range p.Importers {
		in := flow()
		if im.Name != "" {
			put(in, "name", im.Name)
		}
		put(in, "device", im.Device)
		flag(in, "allow-p2p", im.AllowP2P)
		ims.Content = append(ims.Content, in)
	}
	out.Content = append(out.Content, scalar("importers"), ims)
	put(out, "lines", strconv.Itoa(p.Lines))
	put(out, "writes", strconv.Itoa(p.Writes))
	return out, nil
}
