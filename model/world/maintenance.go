package world

import "github.com/dmabufcheck/dmabufcheck/statespace"

// Maintenance counts the cache maintenance the calls of a run perform, one
// per cache line and operation: what the DMA API's arch_sync_dma_for_*
// (and i915's clflush) do to the CPU cache, what a DMA API that maintains
// device caches does to them, and swiotlb's copies. A View reports to it
// when its count is set (a counting step, workload.go); it is no part of
// the state, and the checker never sets it.
type Maintenance struct {
	// Cleans are CPU cache lines cleaned (written back to the point of
	// coherency), dirty or not: the instruction is issued either way.
	Cleans int
	// Invalidates are CPU cache lines invalidated.
	Invalidates int
	// DeviceCacheOps are lines of a device's own write-back cache written
	// back or dropped.
	DeviceCacheOps int
	// BounceCopies are lines swiotlb copied to or from a bounce slot.
	BounceCopies int
}

// Total is the number of maintenance operations.
func (m Maintenance) Total() int { return m.Cleans + m.Invalidates + m.DeviceCacheOps + m.BounceCopies }

func (m *Maintenance) clean() {
	if m != nil {
		m.Cleans++
	}
}

func (m *Maintenance) invalidate() {
	if m != nil {
		m.Invalidates++
	}
}

func (m *Maintenance) deviceCacheOp() {
	if m != nil {
		m.DeviceCacheOps++
	}
}

func (m *Maintenance) bounceCopy() {
	if m != nil {
		m.BounceCopies++
	}
}

// stepCounting is step that also adds the cache maintenance action a
// performs to n.
func (c *core) stepCounting(s []byte, a statespace.Action, n *Maintenance) {
	t := &c.table[a]
	v := View{w: c, b: s, count: n}
	for _, op := range t.e.Ops {
		v.callApply(t.ag, op, t.e.Step)
	}
	if off := c.lay.pc[t.ag]; off >= 0 {
		s[off] = uint8(t.e.To)
	}
}
