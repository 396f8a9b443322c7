package statespace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// mapping is memory mapped by mapWords.
type mapping struct {
	p unsafe.Pointer
	n uintptr
}

// mapWords returns n zeroed words outside the Go heap (an anonymous
// mapping) and the mapping to give back to unmapWords, or ok false when
// the kernel refuses (the caller then allocates on the heap). The large
// fingerprint tables live there: they hold no pointers, so the garbage
// collector has nothing to scan in them, and the memory of a table that
// was doubled is returned at once instead of waiting, counted in the heap,
// for the next collection. A mapping of at least one huge page starts on a
// huge-page boundary and its whole huge pages are advised as such
// (MADV_HUGEPAGE: fewer TLB misses on the randomly probed table; german 5's
// 3 MiB shard tables get one 2 MiB page each, and small pages for the rest,
// which a huge page would round up).
func mapWords(n int) ([]uint64, mapping, bool) {
	size := uintptr(n) * 8
	extra := uintptr(0)
	if size >= hugePage {
		extra = hugePage // room to align the start
	}
	p, err := unix.MmapPtr(-1, 0, nil, size+extra, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, mapping{}, false
	}
	if extra > 0 {
		head := (hugePage - uintptr(p)%hugePage) % hugePage
		if head > 0 {
			_ = unix.MunmapPtr(p, head)
		}
		if tail := extra - head; tail > 0 {
			_ = unix.MunmapPtr(unsafe.Add(p, head+size), tail)
		}
		p = unsafe.Add(p, head)
	}
	w := unsafe.Slice((*uint64)(p), n)
	adviseHuge(w)
	return w, mapping{p, size}, true
}

// unmapWords gives back a mapping of mapWords.
func unmapWords(m mapping) { _ = unix.MunmapPtr(m.p, m.n) }

// adviseHuge asks Linux to back the large, randomly probed slice s with
// transparent huge pages (MADV_HUGEPAGE), which cuts TLB misses on the
// fingerprint table. Only the 2 MiB-aligned interior is advised; errors are
// ignored (the advice is an optimisation, and THP may be disabled).
func adviseHuge(s []uint64) {
	if len(s)*8 < hugePage {
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
