package statespace

// prefetch asks the CPU to bring the cache line at addr into cache without
// waiting for it (PREFETCHT0). Unlike a load it never blocks the pipeline,
// so the misses of several table probes overlap.
//
//go:noescape
func prefetch(addr uintptr)
