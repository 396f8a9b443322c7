package world

import "fmt"

// Initial states other than the all-zero one (issue 18, class 8): a CPU
// cache that page population left dirty, and a fence that exists already
// signalled. Each is a field of the spec, refused where it would change
// nothing.

// CacheStart is the state the CPU cache holds the buffer's lines in when
// the world starts (Spec.CPUStart).
type CacheStart uint8

const (
	// StartInvalid: the CPU cache holds none of the buffer's lines (the
	// default).
	StartInvalid CacheStart = iota
	// StartDirty: page population left every line dirty in the CPU cache.
	// The allocator zeroes the pages through the cache
	// (alloc_pages(__GFP_ZERO): clear_page, drivers/dma-buf/heaps/
	// system_heap.c: system_heap_allocate; shmem_get_folio for GEM shmem),
	// so the zeroes are the buffer's first write, version 1, by the CPU,
	// and memory still holds what the page held before (version 0). The
	// zeroing counts as one of the world's writes (Spec.Writes). An
	// importer's non-coherent DMA read before any clean reads version 0:
	// the exporter must clean the lines when it maps (system_heap_map_dma_buf:
	// dma_map_sgtable(..., 0) syncs for the device) and must not map with
	// DMA_ATTR_SKIP_CPU_SYNC (drivers/gpu/drm/drm_prime.c:
	// drm_gem_map_dma_buf) unless it flushed at allocation.
	StartDirty
)

var cacheStartNames = [...]string{"invalid", "dirty"}

// CacheStartNames lists the CPU cache's initial states as world files
// write them (cpu-cache: {initial: ...}).
func CacheStartNames() []string { return cacheStartNames[:] }

func (c CacheStart) String() string {
	if int(c) < len(cacheStartNames) {
		return cacheStartNames[c]
	}
	return fmt.Sprintf("CacheStart(%d)", c)
}

// validateInitial rejects initial states the world cannot have.
func (s *Spec) validateInitial() error {
	switch {
	case s.CPUStart > StartDirty:
		return fmt.Errorf("unknown initial CPU cache state %d", s.CPUStart)
	case s.CPUStart == StartDirty && s.Backing.uncached():
		return fmt.Errorf("cpu-cache: the %s buffer bypasses the CPU cache, so no line of it starts dirty there", s.Backing)
	case s.CPUStart == StartDirty && s.P2P.used():
		return fmt.Errorf("cpu-cache: the p2p family's BAR buffer is filled by its device, not by page population")
	}
	for _, f := range s.Locks.Fences {
		if f.Signalled && !f.Published {
			return fmt.Errorf("fence %s: a fence that starts signalled exists from the start (published: true)", f.Name)
		}
	}
	return nil
}

// cacheInitial sets the cache family's initial values other than zero.
func (v View) cacheInitial() {
	s := &v.w.spec
	if s.CPUStart != StartDirty || !v.w.uses[famCache] {
		return
	}
	*v.writes() = 1
	for l := range s.Lines {
		*v.cpu(l) = lineOf(lineDirty, 1)
		*v.latest(l) = 1
		*v.latestBy(l) = writerCPU
	}
}

// lkStartSignalled makes lock-family fence f signalled in the initial
// state: dma_fence_get_stub() and dma_fence_allocate_private_stub() return
// fences signalled at creation (drivers/dma-buf/dma-fence.c), and a
// sync_file imported after its work finished holds one. No callback can be
// added to it: dma_fence_add_callback returns -ENOENT.
func (v View) lkStartSignalled(f int) {
	if l := &v.w.lay.fence; l.joined {
		v.signalSlot(int(l.lockSlot[f]))
		return
	}
	v.b[v.w.spec.Locks.d.fence+f] |= lkSignalled
}
