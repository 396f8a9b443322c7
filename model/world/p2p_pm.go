package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Sharing at scale (issue 18, class 7): peer-to-peer DMA to the BAR of an
// exporting device under runtime PM. A PCIe device in D3hot does not
// answer memory requests: a peer's write to its BAR is dropped and a read
// completes with all-ones (an Unsupported Request), so DMA to a suspended
// BAR is a lost or garbage access, not a stall. The lock family's bar_dma
// stalls while the device is suspended (the deadlock pattern of
// kernel-rules §12.5 pattern 8, where the DMA waits for a resume); with
// LockSpec.SuspendedBAR = BARLost it completes at once, and a DMA through
// a peer2peer attachment to a suspended device violates
// no-dma-to-suspended-bar. The exporter's fix is amdgpu's:
// amdgpu_dma_buf_attach takes pm_runtime_get_if_active (and clears
// peer2peer, so the importer goes through system memory, when the device
// is already suspended) and amdgpu_dma_buf_detach puts it
// (drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c).

// SuspendedBAR is what bar_dma does while its device is runtime-suspended.
type SuspendedBAR uint8

const (
	// BARStall: the DMA waits until the device resumes (the earlier
	// model's reading).
	BARStall SuspendedBAR = iota
	// BARLost: the DMA completes at once, a write lost and a read of
	// all-ones: a violation of no-dma-to-suspended-bar.
	BARLost
	numSuspendedBARs
)

var suspendedBARNames = [numSuspendedBARs]string{"stall", "lost"}

func (s SuspendedBAR) String() string {
	if s < numSuspendedBARs {
		return suspendedBARNames[s]
	}
	return fmt.Sprintf("SuspendedBAR(%d)", s)
}

// SuspendedBARNames lists the modes' names, as world files write them.
func SuspendedBARNames() []string { return append([]string(nil), suspendedBARNames[:]...) }

// FlagSuspendedBAR is raised by a peer DMA through a peer2peer attachment
// to the BAR of a runtime-suspended device (LockSpec.SuspendedBAR lost).
const FlagSuspendedBAR uint16 = 1 << (numFlags + 1)

// NoDMAToSuspendedBAR is the property of worlds whose suspended BAR loses
// DMA: no peer DMA reaches the BAR of a device in D3.
const NoDMAToSuspendedBAR = "no-dma-to-suspended-bar"

const noDMAToSuspendedBARDoc = "No peer-to-peer DMA through a peer2peer attachment reaches the BAR of a runtime-suspended exporter: in D3hot the device " +
	"answers no memory request, a write is lost and a read returns all-ones (PCIe Unsupported Request). The exporter holds a runtime-PM " +
	"reference while a peer2peer attachment exists (amdgpu_dma_buf_attach: pm_runtime_get_if_active; amdgpu_dma_buf_detach: pm_runtime_put)."

// barDMALost is bar_dma's step in a world whose suspended BAR loses DMA.
func (v View) barDMALost(c Call) {
	if v.lkSuspended(c.Obj) && v.lkHas(c.N, lkP2P) {
		v.raise(FlagSuspendedBAR)
	}
}

// suspendedBARProps is the property of a world whose suspended BAR loses
// DMA (none otherwise).
func (c *core) suspendedBARProps() []propDef {
	if c.spec.Locks.SuspendedBAR != BARLost {
		return nil
	}
	return []propDef{{name: NoDMAToSuspendedBAR, exp: statespace.Always, holds: func(v View) bool { return !v.Flag(FlagSuspendedBAR) }}}
}

// suspendedBAR explains no-dma-to-suspended-bar: the DMA and when its
// device was suspended.
func (n *lockNarrator) suspendedBAR() string {
	t, c := n.t, n.c
	i, call, _, _ := t.guiltyCall(func(v View) bool { return !v.Flag(FlagSuspendedBAR) })
	if i < 0 {
		return ""
	}
	d := call.Obj
	return t.story(i, fmt.Sprintf("%s is runtime-suspended since step %d and its peer2peer importer holds no runtime-PM reference on it: "+
		"in D3 the BAR answers no memory request, the DMA's writes are lost and its reads return all-ones; the exporter must hold a "+
		"reference while a peer2peer attachment exists (amdgpu_dma_buf_attach: pm_runtime_get_if_active)", c.spec.Locks.PMDevices[d], n.suspended[d]))
}
