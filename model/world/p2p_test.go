package world_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// p2pWorld is a GPU exporting VRAM to a NIC below one PCIe switch, the NIC
// running prog.
func p2pWorld(bar world.P2PBAR, prog world.Stmt) world.Spec {
	return world.Spec{Name: "p2p", Backing: world.DeviceMemory, Lines: 1, Writes: 1,
		P2P: world.P2PSpec{Lines: 1, Writes: 1,
			Topology: world.PCITopology{Name: "switch", Nodes: []world.PCINode{
				{Name: "hb0", Kind: world.PCIHostBridge, Parent: -1},
				{Name: "rp0", Kind: world.PCIRootPort, Parent: 0},
				{Name: "usp", Kind: world.PCISwitchUpstream, Parent: 1},
				{Name: "dsp0", Kind: world.PCISwitchDownstream, Parent: 2},
				{Name: "dsp1", Kind: world.PCISwitchDownstream, Parent: 2},
				{Name: "gpu", Kind: world.PCIEndpoint, Parent: 3},
				{Name: "nic", Kind: world.PCIEndpoint, Parent: 4},
			}},
			Exporter:  world.P2PExporter{Device: "gpu", BAR: bar},
			Importers: []world.P2PImporter{{Name: "nic", Device: "nic", AllowP2P: true}}},
		Agents: []world.Agent{{Name: "nic", Program: prog}}}
}

// TestP2PCallsNameObjectsTheWorldHas: a world refuses a p2p call on an
// importer or a line it does not declare, and a CPU cache event on a BAR
// the CPU maps uncached (VRAM).
func TestP2PCallsNameObjectsTheWorldHas(t *testing.T) {
	for _, tc := range []struct {
		prog world.Stmt
		bar  world.P2PBAR
		want string
	}{
		{world.P2PAttach(1), world.BARDeviceMemory, "no importer 1"},
		{world.P2PCPURead(1), world.BARDeviceMemory, "no line 1"},
		{world.P2PPrefetch(0), world.BARDeviceMemory, "uncached"},
	} {
		_, err := world.Build(p2pWorld(tc.bar, tc.prog))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: Build error %v, want one saying %q", tc.prog, err, tc.want)
		}
	}
	if _, err := world.Build(p2pWorld(world.BARStolen, world.P2PPrefetch(0))); err != nil {
		t.Errorf("a stolen BAR is cached: %v", err)
	}
}

// TestP2PPeerTransferBelowASwitch: an importer that allows peer2peer,
// below the same switch as the exporter, gets PCI bus addresses and its
// DMA arrives: the transfer is reachable and every safety property holds.
func TestP2PPeerTransferBelowASwitch(t *testing.T) {
	m, err := world.Build(p2pWorld(world.BARDeviceMemory, world.Seq{world.P2PAttach(0), world.P2PDMAWrite(0), world.P2PDMADone(0)}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{world.P2PTransferDone, world.P2PRoutable, world.P2PNoDropped, world.P2PNoStaleRead} {
		r, err := world.Check(m, statespace.Options{Only: []string{p}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Violation != nil {
			t.Errorf("%s: %s", p, r.Violation.Kind)
		}
	}
}
