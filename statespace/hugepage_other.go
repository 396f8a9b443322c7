//go:build !linux

package statespace

// adviseHuge is a no-op where transparent huge pages are not available.
func adviseHuge(s []uint64) {}
