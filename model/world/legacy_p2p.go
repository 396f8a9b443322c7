package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
)

// FromP2PConfig re-expresses a configuration of the earlier peer-to-peer
// model (package model/p2p) as a world: the same topology, exporter and
// importers as the p2p family's objects, and one agent per actor of the
// earlier model (each importer's driver and device, the CPU, the CPU
// cache) whose program is its free choice of calls, each guarded by the
// discipline the earlier model imposed: an importer attaches once, falls
// back only after -EBUSY (by the fallbacks its driver has), starts a DMA
// only on a working path and while no other transfer is in flight, and
// the CPU touches the buffer only while no DMA is in flight. The cache
// family's section is present but unused (one line, one write, no
// devices): the p2p family has its own devices and its own CPU cache over
// a stolen BAR. It is the bridge the differential test uses; it goes when
// the earlier model does.
func FromP2PConfig(name string, c p2p.Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", name, err)
	}
	s := Spec{Name: name, Backing: DeviceMemory, Lines: 1, Writes: 1}
	if c.Exporter.BAR == p2p.BARStolen {
		s.Backing = SystemCached
	}
	e := c.Exporter
	s.P2P = P2PSpec{Topology: fromP2PTopology(c.Topology), Lines: c.Lines, Writes: p2p.MaxWrites,
		Exporter: P2PExporter{Device: e.Device, Attach: P2PAttachPolicy(e.Attach), Map: P2PMapMethod(e.Map), BAR: P2PBAR(e.BAR),
			Migratable: e.Migratable, APURedirect: e.APURedirect, Maint: P2PMaint(e.Maint), IgnoresPeer2Peer: e.IgnoresPeer2Peer}}
	for _, im := range c.Importers {
		s.P2P.Importers = append(s.P2P.Importers, P2PImporter{Name: im.Name, Device: im.Device, AllowP2P: im.AllowP2P})
	}

	var perr error
	// expr parses a guard's text: every guard has a textual form
	// (p2pAtoms), so the world can be written out as a scenario file.
	expr := func(format string, a ...any) Expr {
		e, err := ParseExpr(fmt.Sprintf(format, a...), &s)
		if err != nil && perr == nil {
			perr = fmt.Errorf("%s: guard %q: %w", name, fmt.Sprintf(format, a...), err)
		}
		return e
	}
	noDMA := expr("!p2p_dma_in_flight")
	for i, im := range c.Importers {
		n := P2PImporterNames(&s)[i]
		att := func(st string) Expr { return expr("p2p_attachment(%s, %s)", n, st) }
		// One transfer at a time, on a working path.
		canDMA := expr("p2p_working(%s) && !p2p_dma_in_flight", n)
		prog := Forever{When{Cond: att("none"), Body: P2PAttach(i)}}
		// The driver's fallbacks after -EBUSY.
		if im.Retry {
			prog = append(prog, When{Cond: att("rejected"), Body: P2PRetry(i)})
		}
		switch {
		case im.Copy:
			prog = append(prog, When{Cond: Or(att("rejected"), att("retry_rejected")), Body: P2PCopy(i)})
		case im.Retry:
			prog = append(prog, When{Cond: att("retry_rejected"), Body: P2PGiveUp(i)})
		default:
			prog = append(prog, When{Cond: att("rejected"), Body: P2PGiveUp(i)})
		}
		if im.Access != p2p.Writes {
			prog = append(prog, When{Cond: canDMA, Body: P2PDMARead(i)})
		}
		if im.Access != p2p.Reads {
			prog = append(prog, When{Cond: canDMA, Body: P2PDMAWrite(i)})
		}
		prog = append(prog, P2PDMADone(i))
		s.Agents = append(s.Agents, Agent{Name: n, Program: prog})
	}
	if c.CPU {
		var cpu, cache Forever
		for l := range c.Lines {
			cpu = append(cpu, When{Cond: noDMA, Body: P2PCPURead(l)}, When{Cond: noDMA, Body: P2PCPUWrite(l)})
			cache = append(cache, P2PPrefetch(l), P2PEvict(l))
		}
		s.Agents = append(s.Agents, Agent{Name: "cpu", Program: cpu}, Agent{Name: "cpu-cache", Program: cache})
	}
	return s, perr
}

// fromP2PTopology is the earlier model's topology as the p2p family's.
func fromP2PTopology(pt p2p.Topology) PCITopology {
	t := PCITopology{Name: pt.Name, AMDZen: pt.AMDZen, CrossHostBridge: pt.CrossHostBridge}
	for _, n := range pt.Nodes {
		t.Nodes = append(t.Nodes, PCINode{Name: n.Name, Kind: PCIKind(n.Kind), Parent: n.Parent, ACSRedirect: n.ACSRedirect,
			Whitelisted: n.Whitelisted, SameHostBridgeOnly: n.SameHostBridgeOnly, ForwardsP2P: n.ForwardsP2P, Integrated: n.Integrated})
	}
	return t
}
