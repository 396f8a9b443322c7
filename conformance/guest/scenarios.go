package main

import (
	"golang.org/x/sys/unix"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// The scenarios, in the order they run. Each uses fresh objects. The host
// side knows nothing of them: it replays whatever records arrive through
// the model.

var exporters = []struct{ name, feature string }{
	{"udmabuf", "udmabuf"}, {"system", "heap"}, {"vgem", "vgem"},
}

const (
	R, W, RW  = wire.SyncRead, wire.SyncWrite, wire.SyncRW
	END       = wire.SyncEnd
	IN, OUT   = wire.PollIn, wire.PollOut
	INOUT     = IN | OUT
	protRW    = unix.PROT_READ | unix.PROT_WRITE
	shared    = unix.MAP_SHARED
	private   = unix.MAP_PRIVATE
	sealShr   = wire.FSealShrink
	vgemWrite = wire.VgemFenceWrite
)

func scenarios() []scenario {
	out := []scenario{
		{"create/udmabuf", []string{"udmabuf"}, createUdmabuf},
		{"create/heap", []string{"heap"}, createHeap},
	}
	for _, e := range exporters {
		exp := e.name
		out = append(out,
			scenario{"fileops/" + exp, []string{e.feature, "bufinfo"}, func(s *scn) { fileOps(s, exp) }},
			scenario{"fence-write/" + exp, []string{e.feature, "sw_sync", "bufinfo"}, func(s *scn) { fenceWrite(s, exp) }},
			scenario{"fence-read/" + exp, []string{e.feature, "sw_sync", "bufinfo"}, func(s *scn) { fenceRead(s, exp) }},
		)
	}
	need := []string{"udmabuf", "sw_sync", "bufinfo"}
	out = append(out,
		scenario{"fence-error/udmabuf", need, fenceError},
		scenario{"fence-signalled/udmabuf", need, fenceSignalled},
		scenario{"syncfile/sw_sync", []string{"sw_sync"}, syncFile},
		scenario{"replace/same-timeline-later", need, replaceLater},
		scenario{"replace/same-timeline-earlier", need, replaceEarlier},
		scenario{"replace/read-then-write", need, readThenWrite},
		scenario{"replace/write-then-read", need, writeThenRead},
		scenario{"replace/two-timelines", need, twoTimelines},
		scenario{"replace/merged-import", need, mergedImport},
		scenario{"replace/same-fence-twice", need, sameFenceTwice},
		scenario{"syncfile/seqno-wrap", []string{"sw_sync"}, seqnoWrap},
		scenario{"vgem/fences", []string{"vgem", "bufinfo"}, vgemFences},
		scenario{"vgem/cross-device", []string{"vgem", "udmabuf", "bufinfo"}, vgemCrossDevice},
		scenario{"vgem/shared-resv", []string{"vgem", "udmabuf", "sw_sync", "bufinfo"}, vgemSharedResv},
	)
	return out
}

// createUdmabuf: UDMABUF_CREATE's argument checks (kernel-rules §7).
func createUdmabuf(s *scn) {
	const k16 = 16384
	memfd := func(seals int) int { return s.memfd(k16, seals) }
	s.udmabufFrom("u-cloexec", "memfd", memfd(sealShr), 0, k16, wire.UdmabufFlagsCloexec)
	s.udmabufFrom("u-noflags", "memfd", memfd(sealShr), 0, k16, 0)
	s.udmabufFrom("u-unknown-flag", "memfd", memfd(sealShr), 0, k16, 2)
	s.udmabufFrom("u-offset", "memfd", memfd(sealShr), 4096, 8192, 0)
	s.udmabufFrom("u-at-end", "memfd", memfd(sealShr), 8192, 8192, 0)
	s.udmabufFrom("u-more-seals", "memfd", memfd(sealShr|wire.FSealGrow|wire.FSealSeal), 0, k16, 0)
	s.udmabufFrom("u-no-seals", "memfd", memfd(0), 0, k16, 0)
	s.udmabufFrom("u-grow-only", "memfd", memfd(wire.FSealGrow), 0, k16, 0)
	s.udmabufFrom("u-seal-write", "memfd", memfd(sealShr|wire.FSealWrite), 0, k16, 0)
	s.udmabufFrom("u-seal-future-write", "memfd", memfd(sealShr|wire.FSealFutureWrite), 0, k16, 0)
	s.udmabufFrom("u-size-unaligned", "memfd", memfd(sealShr), 0, 4097, 0)
	s.udmabufFrom("u-offset-unaligned", "memfd", memfd(sealShr), 100, 4096, 0)
	s.udmabufFrom("u-size-0", "memfd", memfd(sealShr), 0, 0, 0)
	s.udmabufFrom("u-size-beyond", "memfd", memfd(sealShr), 0, 2*k16, 0)
	s.udmabufFrom("u-offset-beyond", "memfd", memfd(sealShr), k16, 4096, 0)
	s.udmabufFrom("u-65MiB", "memfd", s.memfd(65<<20, sealShr), 0, 65<<20, 0)
	s.udmabufFrom("u-64MiB", "memfd", s.memfd(64<<20, sealShr), 0, 64<<20, 0)
	if fd, ok := s.bufs["u-64MiB"]; ok {
		unix.Close(fd) // give the 64 MiB back
		delete(s.bufs, "u-64MiB")
	}
	var p [2]int
	s.must("pipe2", unix.Pipe2(p[:], unix.O_CLOEXEC))
	s.keep(p[0])
	s.keep(p[1])
	s.udmabufFrom("u-pipe", "pipe", p[0], 0, 4096, 0)
	closed, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	s.must("open /dev/null", err)
	unix.Close(closed)
	s.udmabufFrom("u-closed", "closed", closed, 0, 4096, 0)
	tf, err := unix.Open("/tmp/plain", unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	s.must("create /tmp/plain", err)
	s.keep(tf)
	s.must("ftruncate", unix.Ftruncate(tf, k16))
	s.udmabufFrom("u-tmpfs-file", "tmpfs", tf, 0, 4096, 0)
}

// createHeap: DMA_HEAP_IOCTL_ALLOC's argument checks, and the access mode
// of the fd it returns.
func createHeap(s *scn) {
	s.heapAlloc("h-16k", 16384, unix.O_RDWR|unix.O_CLOEXEC, 0, 0)
	s.heapAlloc("h-5000", 5000, unix.O_RDWR, 0, 0)
	s.heapAlloc("h-rdonly", 16384, unix.O_RDONLY, 0, 0)
	s.heapAlloc("h-len-0", 0, unix.O_RDWR, 0, 0)
	s.heapAlloc("h-heap-flags", 16384, unix.O_RDWR, 1, 0)
	s.heapAlloc("h-nonblock", 16384, unix.O_RDWR|unix.O_NONBLOCK, 0, 0)
	s.heapAlloc("h-fd-set", 16384, unix.O_RDWR, 0, 5)
	if _, ok := s.bufs["h-rdonly"]; ok {
		s.mmap("h-rdonly", 16384, 0, protRW, shared)
		s.mmap("h-rdonly", 16384, 0, unix.PROT_READ, shared)
		s.mmap("h-rdonly", 4096, 0, unix.PROT_READ, private)
	}
}

// fileOps: lseek, mmap, the SYNC flags (END before the first START
// first), SET_NAME, unknown ioctls, poll and the sync_file ioctls with no
// fence attached.
func fileOps(s *scn, exp string) {
	s.buf(exp, "B")
	s.sync("B", END|R) // END before any START
	for _, f := range []uint64{R, W, RW, END | R, END | W, END | RW, R, R} {
		s.sync("B", f)
	}
	for _, f := range []uint64{0, END, 8 | R, 1<<63 | RW, 0xff} {
		s.sync("B", f)
	}
	s.lseek("B", 0, unix.SEEK_END)
	s.lseek("B", 0, unix.SEEK_SET)
	s.lseek("B", 4096, unix.SEEK_SET)
	s.lseek("B", 0, unix.SEEK_CUR)
	s.lseek("B", -4096, unix.SEEK_END)
	s.mmap("B", 16384, 0, protRW, shared)
	s.mmap("B", 16384, 0, unix.PROT_READ, shared)
	s.mmap("B", 4096, 4096, protRW, shared)
	s.mmap("B", 32768, 0, protRW, shared)
	s.mmap("B", 4096, 16384, protRW, shared)
	s.mmap("B", 16384, 4096, protRW, shared)
	s.mmap("B", 16384, 0, protRW, private)
	s.mmap("B", 4096, 0, unix.PROT_READ, private)
	s.setName("B", 31)
	s.setName("B", 32)
	s.ioctlCmd("B", wire.DmaBufIoctlUnknown)
	s.poll("B", INOUT)
	s.poll("B", IN)
	s.poll("B", OUT)
	s.export("B", R, "eR")
	s.export("B", W, "eW")
	s.export("B", RW, "eRW")
	for _, f := range []uint32{0, END, 9} {
		s.export("B", f, "bad")
	}
	for _, f := range []uint32{0, END, W | 8} {
		s.imp("B", "eR", f)
	}
	s.imp("B", "fd:-1", W)
	s.imp("B", "devnull", W)
	s.imp("B", "B", W)
	s.resv("B")
	s.imp("B", "eR", W)
	s.resv("B")
	s.imp("B", "eW", RW)
	s.imp("B", "eRW", R)
	s.resv("B")
	s.poll("B", INOUT)
	s.export("B", RW, "e2")
	s.sync("B", W)
	s.sync("B", END|W)
}

// fenceWrite: an unsignalled sw_sync fence imported as WRITE: poll, the
// exports, which SYNC calls block, and everything after the signal.
func fenceWrite(s *scn, exp string) {
	s.buf(exp, "B")
	s.swOpen("tlw")
	s.swCreate("tlw", 1, "f1")
	s.poll("f1", IN)
	s.imp("B", "f1", W)
	s.resv("B")
	s.poll("B", INOUT)
	s.poll("B", IN)
	s.poll("B", OUT)
	s.pollWait("B", IN)
	s.pollWait("B", OUT)
	s.export("B", R, "eR")
	s.export("B", W, "eW")
	s.sync("B", R)
	s.sync("B", W)
	s.sync("B", END|R)
	s.sync("B", 0)
	s.swInc("tlw", 1)
	s.poll("B", INOUT)
	s.poll("f1", IN)
	s.info("eR")
	s.export("B", R, "eR2")
	s.resv("B")
	s.sync("B", RW)
	s.sync("B", END|RW)
}

// fenceRead: the same with the fence imported as READ.
func fenceRead(s *scn, exp string) {
	s.buf(exp, "B")
	s.swOpen("tlr")
	s.swCreate("tlr", 1, "f1")
	s.imp("B", "f1", R)
	s.resv("B")
	s.poll("B", INOUT)
	s.export("B", R, "eR")
	s.export("B", W, "eW")
	s.export("B", RW, "eRW")
	s.sync("B", R)
	s.sync("B", END|R)
	s.sync("B", W)
	s.sync("B", RW)
	s.swInc("tlr", 1)
	s.poll("B", INOUT)
	s.export("B", W, "eW2")
	s.info("eW")
}

// fenceError: closing the timeline signals its pending points with
// -ENOENT; a blocked SYNC returns 0 all the same.
func fenceError(s *scn) {
	s.udmabuf("B")
	s.swOpen("tle")
	s.swCreate("tle", 1, "f1")
	s.imp("B", "f1", W)
	s.export("B", R, "eR")
	s.sync("B", R)
	s.pollWait("B", IN)
	s.swClose("tle")
	s.poll("B", INOUT)
	s.info("f1")
	s.info("eR")
	s.export("B", R, "eR2")
	s.resv("B")
}

// fenceSignalled: importing fences that are already signalled.
func fenceSignalled(s *scn) {
	s.udmabuf("B")
	s.swOpen("tls")
	s.swCreate("tls", 0, "f0") // value 0 on a new timeline: born signalled
	s.imp("B", "f0", W)
	s.poll("B", INOUT)
	s.export("B", R, "eR")
	s.resv("B")
	s.swCreate("tls", 2, "f2")
	s.swInc("tls", 2)
	s.imp("B", "f2", R)
	s.resv("B")
	s.poll("B", INOUT)
	s.sync("B", RW)
}

// syncFile: sync_file poll and status, merges, an unknown ioctl.
func syncFile(s *scn) {
	s.swOpen("tla")
	s.swOpen("tlb")
	s.swCreate("tla", 1, "a1")
	s.swCreate("tla", 2, "a2")
	s.swCreate("tlb", 1, "b1")
	s.poll("a1", IN)
	s.info("a1")
	s.ioctlCmd("a1", wire.DmaBufIoctlSync)
	s.merge("a1", "a2", "m-same")
	s.merge("a1", "b1", "m-two")
	s.pollWait("a1", IN)
	s.pollWait("m-two", IN)
	s.swInc("tla", 1)
	s.poll("a1", IN)
	s.poll("m-two", IN)
	s.info("m-two")
	s.merge("a1", "b1", "m-after")
	s.swInc("tlb", 1)
	s.poll("m-two", IN)
	s.info("m-two")
	s.merge("a1", "b1", "m-done")
	s.info("a2")
	s.mergeFlags("a2", "b1", "bad", 1)
	s.mergeFlags("a2", "devnull", "bad", 0)
	s.swOpen("tlc")
	s.swCreate("tlc", 1, "c1")
	s.merge("a2", "c1", "m-err-first")
	s.merge("c1", "a2", "m-pending-first")
	s.swClose("tla")
	s.info("a2")
	s.poll("a2", IN)
	s.info("m-same")
	s.info("m-err-first")
	s.info("m-pending-first")
	s.poll("m-err-first", IN)
	s.swInc("tlc", 1)
	s.info("m-err-first")
	s.poll("m-err-first", IN)
}

// seqnoWrap: sw_sync points compare with the timeline by the kernel's
// 32-bit wrap-around rule: on a new timeline (value 0) a point 2^31 or
// more ahead counts as already passed.
func seqnoWrap(s *scn) {
	s.swOpen("tlx")
	s.swOpen("tly")
	s.swCreate("tlx", 0x7fffffff, "x-max")
	s.swCreate("tlx", 0x80000000, "x-half")
	s.swCreate("tly", 1, "y1")
	s.swCreate("tly", 0xffffffff, "y-minus1")
	s.swInc("tlx", 0x7ffffffe)
	s.info("x-max")
	s.swInc("tlx", 1)
	s.info("x-max")
	s.swInc("tly", 0x80000001)
	s.info("y1")
}

// sameFenceTwice: one fence imported twice. As READ then WRITE the entry
// is upgraded in place; as WRITE then READ dma_resv_add_fence appends a
// second entry for the same fence.
func sameFenceTwice(s *scn) {
	s.udmabuf("B")
	s.udmabuf("C")
	s.swOpen("tl")
	s.swCreate("tl", 1, "f")
	s.imp("B", "f", R)
	s.imp("B", "f", W)
	s.resv("B")
	s.export("B", RW, "eB")
	s.imp("C", "f", W)
	s.imp("C", "f", R)
	s.resv("C")
	s.export("C", RW, "eC")
	s.export("C", R, "eCR")
	s.imp("B", "eC", R)
	s.resv("B")
	s.swInc("tl", 1)
	s.poll("C", INOUT)
	s.info("eC")
}

// replaceLater: the same timeline, a later point imported after an
// earlier one: dma_resv_add_fence replaces the entry.
func replaceLater(s *scn) {
	s.udmabuf("B")
	s.swOpen("tl")
	s.swCreate("tl", 3, "p3")
	s.swCreate("tl", 4, "p4")
	s.imp("B", "p3", W)
	s.imp("B", "p4", W)
	s.resv("B")
	s.export("B", W, "e")
	s.swInc("tl", 3)
	s.poll("B", INOUT)
	s.swInc("tl", 1)
	s.poll("B", INOUT)
	s.resv("B")
}

// replaceEarlier: an earlier point after a later one is appended.
func replaceEarlier(s *scn) {
	s.udmabuf("B")
	s.swOpen("tl")
	s.swCreate("tl", 6, "p6")
	s.swCreate("tl", 5, "p5")
	s.imp("B", "p6", W)
	s.imp("B", "p5", W)
	s.resv("B")
	s.export("B", W, "e")
	s.swInc("tl", 5)
	s.poll("B", INOUT)
	s.resv("B")
	s.swInc("tl", 1)
	s.poll("B", INOUT)
}

// readThenWrite: a later WRITE replaces a READ entry of its context.
func readThenWrite(s *scn) {
	s.udmabuf("B")
	s.swOpen("tl")
	s.swCreate("tl", 1, "r1")
	s.swCreate("tl", 2, "w2")
	s.imp("B", "r1", R)
	s.imp("B", "w2", W)
	s.resv("B")
	s.export("B", R, "e")
	s.swInc("tl", 1)
	s.poll("B", INOUT)
	s.swInc("tl", 1)
	s.poll("B", INOUT)
}

// writeThenRead: a later READ does not replace a WRITE entry.
func writeThenRead(s *scn) {
	s.udmabuf("B")
	s.swOpen("tl")
	s.swCreate("tl", 3, "w3")
	s.swCreate("tl", 4, "r4")
	s.imp("B", "w3", W)
	s.imp("B", "r4", R)
	s.resv("B")
	s.export("B", W, "eW")
	s.export("B", R, "eR")
	s.sync("B", R)
	s.sync("B", W)
	s.swInc("tl", 3)
	s.poll("B", INOUT)
	s.swInc("tl", 1)
	s.poll("B", INOUT)
}

// twoTimelines: fences of two contexts never replace each other.
func twoTimelines(s *scn) {
	s.udmabuf("B")
	s.swOpen("tla")
	s.swOpen("tlb")
	s.swCreate("tla", 1, "a1")
	s.swCreate("tlb", 1, "b1")
	s.imp("B", "a1", W)
	s.imp("B", "b1", R)
	s.resv("B")
	s.export("B", W, "eW")
	s.export("B", R, "eR")
	s.poll("B", INOUT)
	s.sync("B", R)
	s.sync("B", W)
	s.swInc("tla", 1)
	s.poll("B", INOUT)
	s.info("eW")
	s.swInc("tlb", 1)
	s.poll("B", INOUT)
	s.info("eW")
}

// mergedImport: a merged sync_file is unwrapped on import.
func mergedImport(s *scn) {
	s.udmabuf("B")
	s.swOpen("tla")
	s.swOpen("tlb")
	s.swCreate("tla", 1, "a1")
	s.swCreate("tlb", 1, "b1")
	s.merge("a1", "b1", "m")
	s.imp("B", "m", W)
	s.resv("B")
	s.export("B", R, "e")
	s.swInc("tla", 1)
	s.poll("B", INOUT)
	s.swInc("tlb", 1)
	s.poll("B", INOUT)
}

// vgemFences: vgem's fence ioctls and their conflict rule.
func vgemFences(s *scn) {
	s.vgemBuf("V")
	s.attach("V", vgemWrite, 0, "g1")
	s.resv("V")
	s.poll("V", INOUT)
	s.attach("V", vgemWrite, 0, "busy")
	s.attach("V", 0, 0, "busy")
	s.sync("V", R)
	s.export("V", R, "eR")
	s.signal("g1", 0)
	s.poll("V", INOUT)
	s.info("eR")
	s.attach("V", 0, 0, "g2")
	s.attach("V", 0, 0, "g3")
	s.resv("V")
	s.poll("V", INOUT)
	s.attach("V", vgemWrite, 0, "busy")
	s.sync("V", R)
	s.sync("V", W)
	s.signal("g2", 0)
	s.poll("V", INOUT)
	s.signal("g3", 0)
	s.poll("V", INOUT)
	s.signal("g2", 0)
	s.signal("no-such-fence", 0)
	s.attach("V", 2, 0, "bad")
	s.attach("V", 0, 1, "bad")
	s.attach("no-such-handle", 0, 0, "bad")
	s.signal("g3", 1)
	s.resv("V")
}

// vgemCrossDevice: a vgem fence exported as a sync_file and imported into a
// udmabuf gates the udmabuf.
func vgemCrossDevice(s *scn) {
	s.vgemBuf("V")
	s.udmabuf("U")
	s.attach("V", vgemWrite, 0, "g1")
	s.export("V", R, "e")
	s.imp("U", "e", W)
	s.resv("U")
	s.poll("U", INOUT)
	s.sync("U", R)
	s.pollWait("U", OUT)
	s.signal("g1", 0)
	s.poll("U", INOUT)
}

// vgemSharedResv: a udmabuf imported into vgem shares its reservation
// object; vgem's attach sees fences it did not create.
func vgemSharedResv(s *scn) {
	s.udmabuf("U")
	s.vgemImport("U", "hU")
	s.attach("hU", vgemWrite, 0, "g1")
	s.resv("U")
	s.poll("U", INOUT)
	s.export("U", R, "e")
	s.sync("U", R)
	s.signal("g1", 0)
	s.poll("U", INOUT)
	s.vgemBuf("V")
	s.swOpen("tl")
	s.swCreate("tl", 1, "p1")
	s.imp("V", "p1", W)
	s.attach("V", 0, 0, "busy")
	s.swInc("tl", 1)
	s.attach("V", 0, 0, "g2")
	s.resv("V")
	s.poll("V", INOUT)
	s.signal("g2", 0)
	s.poll("V", INOUT)
}
