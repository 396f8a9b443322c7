//go:build !linux

package statespace

// mapping is memory mapped by mapWords (none here).
type mapping struct{}

// mapWords declines: tables live on the Go heap where no mapping is used.
func mapWords(n int) ([]uint64, mapping, bool) { return nil, mapping{}, false }

// unmapWords is never called where mapWords declines.
func unmapWords(m mapping) {}

// adviseHuge is a no-op where transparent huge pages are not available.
func adviseHuge(s []uint64) {}
