package statespace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// adviseHuge asks Linux to back the large, randomly probed slice s with
// transparent huge pages (MADV_HUGEPAGE), which cuts TLB misses on the
// fingerprint table. Only the 2 MiB-aligned interior is advised; errors are
// ignored (the advice is an optimisation, and THP may be disabled).
func adviseHuge(s []uint64) {
	if len(s)*8 < 2*hugePage {
		return
	}
	p := unsafe.Pointer(&s[0])
	start := uintptr(p)
	end := start + uintptr(len(s))*8
	a := (start + hugePage - 1) &^ (hugePage - 1)
	b := end &^ (hugePage - 1)
	if b <= a {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, a-start)), b-a), unix.MADV_HUGEPAGE)
}
