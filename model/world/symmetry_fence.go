package world

import (
	"fmt"
	"slices"
)

// The fence family's symmetry hooks (symmetry.go): interchangeable rings.
//
// A ring in a symmetry group brings the agents whose calls name it (its
// driver and its scheduler; an agent that names it and another ring or a
// device cannot be permuted with it), as a device brings its agents.
// Exchanging two rings exchanges everything indexed by them: each of
// their jobs' fence slots (the fence's status, error and seqno bits, the
// ghost record of its adds), each job's byte and dependency mask, and the
// slot a value names wherever the state stores one: the resv's entries,
// every fence mask (the jobs' dependencies, the CPU's wait snapshot and
// its truth, the sync_file's leaves) and the fence the poller sleeps on.
// This is the earlier fence model's permutation (model/fence/symmetry.go,
// removed in issue 16), proven exact the same way.

// ringCall reports whether a fence-family call's Obj is a ring.
func ringCall(k CallKind) bool {
	switch k {
	case KJobSubmit, KJobRun, KJobSignal, KJobTimeout, KJobTimeoutSignal, KJobSetErrorLate:
		return true
	}
	return false
}

// fencePermuteCall renames a fence-family call's ring.
func fencePermuteCall(c Call, p *permutation) Call {
	if ringCall(c.Kind) {
		c.Obj = p.ring[c.Obj]
	}
	return c
}

// ringMembers finds the rings the declaration lists (by name) and, for
// every agent, the ring its calls name (-1: none). An agent that names a
// listed ring must name no other ring and no device.
func (c *core) ringMembers(decl [][]string, devIdx map[string]int, devsOf [][]int) (map[string]int, []int, error) {
	ringIdx := map[string]int{}
	listed := map[int]bool{}
	for _, g := range decl {
		for _, name := range g {
			if r := slices.IndexFunc(c.spec.Fence.Rings, func(r Ring) bool { return r.Name == name }); r >= 0 {
				if _, isDev := devIdx[name]; isDev {
					return nil, nil, fmt.Errorf("symmetry: %s is both a device and a ring", name)
				}
				ringIdx[name] = r
				listed[r] = true
			}
		}
	}
	ringOf := make([]int, len(c.progs))
	for a, p := range c.progs {
		ringOf[a] = -1
		var rings []int
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if ringCall(op.Kind) && !slices.Contains(rings, op.Obj) {
						rings = append(rings, op.Obj)
					}
				}
			}
		}
		for _, r := range rings {
			if !listed[r] {
				continue
			}
			if len(rings) > 1 || len(devsOf[a]) > 0 {
				return nil, nil, fmt.Errorf("symmetry: agent %s calls on ring %s and other rings or devices: only an agent of one ring can be permuted with it", c.spec.Agents[a].Name, c.spec.Fence.Rings[r].Name)
			}
			ringOf[a] = r
		}
	}
	return ringIdx, ringOf, nil
}

// fenceCheckSymmetry rejects permuted rings that the fence family's rules
// (or the state's encoding) can tell apart by their index:
//
//   - DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds a sync_file's leaves in slot
//     order (importSyncFile), so with both exports and imports the order
//     of the resv's entries after an import depends on the rings'
//     numbering (the earlier model's exclusion, found by its exactness
//     test);
//   - a world that joins the fence family to others (lock-family fences
//     that are fence slots, the dma-buf's resv shared with the lock
//     family, devices tied to the rings' fences) has state of the other
//     families indexed by the same fences, which nothing renames;
//   - a fence mask is stored in two bytes that are renamed one by one: a
//     permuted ring's slots must sit in the same byte as their images'.
func fenceCheckSymmetry(c *core, sy *symmetry) error {
	sp, l := &c.spec.Fence, &c.lay.fence
	var rings []int
	for _, m := range sy.members {
		if m.ring >= 0 {
			rings = append(rings, m.ring)
		}
	}
	if len(rings) == 0 {
		return nil
	}
	name := sp.Rings[rings[0]].Name
	switch {
	case sp.Exports > 0 && sp.Imports > 0:
		return fmt.Errorf("ring %s: DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds an exported sync_file's fences in ring order", name)
	case l.joined || c.join.bufResv >= 0 || c.join.tied:
		return fmt.Errorf("ring %s: the world shares the rings' fences or the dma-buf's resv with another family, whose state is not renamed", name)
	}
	for _, g := range sy.groups {
		first := sy.members[g[0]]
		if first.ring < 0 {
			continue
		}
		for _, i := range g[1:] {
			r := sy.members[i].ring
			for k := range sp.Rings[r].Jobs {
				if (l.ring0[first.ring]+k)/8 != (l.ring0[r]+k)/8 {
					return fmt.Errorf("rings %s and %s: their fences' bits lie in different bytes of the state's fence masks", sp.Rings[first.ring].Name, sp.Rings[r].Name)
				}
			}
		}
	}
	return nil
}

// fencePermute moves each permuted ring's fence slots and jobs to its
// image's and renames the slots stored as values.
func fencePermute(c *core, p *permutation, move func(to, from int), rename func(off int, table []uint8)) {
	l := &c.lay.fence
	if !l.used {
		return
	}
	// slot[f] is the image of fence slot f.
	var slot [16]int
	for f := range slot {
		slot[f] = f
	}
	for r := range l.rings {
		for k := range l.ring0[r+1] - l.ring0[r] {
			slot[l.ring0[r]+k] = l.ring0[p.ring[r]] + k
		}
	}
	for f := 1; f < l.slots; f++ {
		move(l.fence+slot[f]-1, l.fence+f-1)
	}
	for f := range l.slots {
		move(l.added+slot[f], l.added+f)
	}
	// The mask tables: byte h of a mask holds slots 8h..8h+7.
	var masks [2][]uint8
	for h := range masks {
		masks[h] = make([]uint8, 256)
		for v := range 256 {
			var out int
			for b := range 8 {
				if v&(1<<b) != 0 {
					out |= 1 << (slot[8*h+b] - 8*h)
				}
			}
			masks[h][v] = uint8(out)
		}
	}
	renameMask := func(off int) {
		rename(off, masks[0])
		rename(off+1, masks[1])
	}
	for j := 1; j <= l.jobSlots; j++ {
		move(l.job+slot[j]-1, l.job+j-1)
		move(l.deps+2*(slot[j]-1), l.deps+2*(j-1))
		move(l.deps+2*(slot[j]-1)+1, l.deps+2*(j-1)+1)
	}
	for j := 1; j <= l.jobSlots; j++ {
		renameMask(l.deps + 2*(j-1))
	}
	renameMask(l.cpuWait)
	renameMask(l.cpuTruth)
	renameMask(l.syncFile)
	// A resv entry holds slot+1 in its low nibble.
	entries := make([]uint8, 256)
	for v := range 256 {
		entries[v] = uint8(v)
		if f := v&0x0f - 1; f >= 0 {
			entries[v] = uint8(v&^0x0f | (slot[f] + 1))
		}
	}
	for i := range l.entries {
		rename(l.resv+i, entries)
	}
	// The poller's armed fence.
	poll := make([]uint8, 256)
	for v := range 256 {
		f := v & int(pollFence) >> pollShift
		poll[v] = uint8(v&^int(pollFence) | slot[f]<<pollShift)
	}
	rename(l.poll, poll)
}
