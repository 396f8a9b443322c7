package world_test

import (
	"reflect"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The uAPI layer's rules, one case per kernel check they encode. The
// conformance suite (conformance/) compares them with a real kernel.

func exporter(t *testing.T, preset string) *world.DMABufExporter {
	t.Helper()
	e, err := world.NewDMABufExporter(preset)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSyncCall(t *testing.T) {
	for _, c := range []struct {
		flags uint64
		call  world.Call
		errno world.Errno
	}{
		{world.SyncFlagRead, world.SyncStart(world.SyncRead), world.OK},
		{world.SyncFlagRW, world.SyncStart(world.SyncRW), world.OK},
		{world.SyncFlagEnd | world.SyncFlagWrite, world.SyncEnd(world.SyncWrite), world.OK},
		{0, world.SyncInvalid(0), world.EINVAL},                        // START with no direction
		{world.SyncFlagEnd, world.SyncInvalid(0), world.EINVAL},        // END with no direction
		{8 | world.SyncFlagRead, world.SyncInvalid(8), world.EINVAL},   // outside the mask
		{1<<63 | world.SyncFlagRW, world.SyncInvalid(8), world.EINVAL}, // far outside
		{world.SyncFlagEnd | world.SyncFlagRW | 0xf0, world.SyncInvalid(8), world.EINVAL},
	} {
		if got := world.SyncCall(c.flags); got != c.call {
			t.Errorf("SyncCall(%#x) = %+v, want %+v", c.flags, got, c.call)
		}
		// A fresh system-heap buffer: the world steps the call.
		f := exporter(t, "system-heap").Export()
		if got, err := f.Sync(c.flags); err != nil || got != c.errno {
			t.Errorf("SYNC(%#x) = %v, %v; want %v", c.flags, got, err, c.errno)
		}
	}
}

func TestLseek(t *testing.T) {
	for _, c := range []struct {
		off    int64
		whence int
		ret    int64
		errno  world.Errno
	}{
		{0, world.SeekEnd, 16384, world.OK},
		{0, world.SeekSet, 0, world.OK},
		{4096, world.SeekSet, -1, world.EINVAL},
		{0, world.SeekCur, -1, world.EINVAL},
		{-4096, world.SeekEnd, -1, world.EINVAL},
	} {
		if ret, e := world.Lseek(16384, c.off, c.whence); ret != c.ret || e != c.errno {
			t.Errorf("Lseek(%d, %d) = %d, %v; want %d, %v", c.off, c.whence, ret, e, c.ret, c.errno)
		}
	}
}

func TestMmap(t *testing.T) {
	const rw = world.ProtRead | world.ProtWrite
	for _, c := range []struct {
		a    world.MmapArgs
		want world.Errno
	}{
		{world.MmapArgs{Length: 16384, Prot: rw, Flags: world.MapShared, AccMode: 2}, world.OK},
		{world.MmapArgs{Length: 16384, Prot: rw, Flags: world.MapShared, AccMode: 0}, world.EACCES},
		{world.MmapArgs{Length: 16384, Prot: world.ProtRead, Flags: world.MapShared, AccMode: 0}, world.OK},
		{world.MmapArgs{Length: 32768, Prot: rw, Flags: world.MapShared, AccMode: 2}, world.EINVAL},
		{world.MmapArgs{Length: 4096, Offset: 16384, Prot: rw, Flags: world.MapShared, AccMode: 2}, world.EINVAL},
		{world.MmapArgs{Length: 4096, Offset: 4096, Prot: rw, Flags: world.MapShared, AccMode: 2}, world.OK},
		{world.MmapArgs{Length: 4096, Prot: world.ProtRead, Flags: world.MapPrivate, AccMode: 2, Policy: world.MmapSharedOnly}, world.EINVAL},
		{world.MmapArgs{Length: 4096, Prot: world.ProtRead, Flags: world.MapPrivate, AccMode: 2, Policy: world.MmapNoCOW}, world.EINVAL},
		{world.MmapArgs{Length: 4096, Prot: world.ProtRead, Flags: world.MapPrivate, AccMode: 2, Policy: world.MmapRemapPages}, world.OK},
		{world.MmapArgs{Length: 8192, Prot: world.ProtRead, Flags: world.MapPrivate, AccMode: 2, Policy: world.MmapRemapPages}, world.EINVAL},
	} {
		c.a.Size = 16384
		if got := world.Mmap(c.a); got != c.want {
			t.Errorf("Mmap(%+v) = %v, want %v", c.a, got, c.want)
		}
	}
}

// The exporter presets the conformance suite probed carry their mmap
// policy and exp_name; the others have no uAPI data.
func TestExporterFileOps(t *testing.T) {
	for preset, want := range map[string]world.FileOps{
		"system-heap": {Mmap: world.MmapRemapPages, ExpName: "system"},
		"udmabuf":     {Mmap: world.MmapSharedOnly, ExpName: "udmabuf"},
		"gem-prime":   {Mmap: world.MmapNoCOW, ExpName: "drm"},
	} {
		if got := exporter(t, preset).FileOps(); got != want {
			t.Errorf("%s: %+v, want %+v", preset, got, want)
		}
	}
	if _, ok := world.ExporterFileOps("i915"); ok {
		t.Error("i915 has uAPI data")
	}
	if _, err := world.NewDMABufExporter("i915"); err == nil {
		t.Error("NewDMABufExporter(i915) without uAPI data succeeded")
	}
	if _, err := world.NewDMABufExporter("nonesuch"); err == nil {
		t.Error("NewDMABufExporter of an unknown preset succeeded")
	}
}

func TestUdmabufCreate(t *testing.T) {
	ok := world.UdmabufArgs{File: world.FileShmem, Seals: world.SealShrink, FSize: 16384, Size: 16384, Flags: world.UdmabufFlagsCloexec}
	with := func(f func(*world.UdmabufArgs)) world.UdmabufArgs { a := ok; f(&a); return a }
	for _, c := range []struct {
		name string
		a    world.UdmabufArgs
		want world.Errno
	}{
		{"sealed memfd", ok, world.OK},
		{"unknown flag ignored", with(func(a *world.UdmabufArgs) { a.Flags = 2 }), world.OK},
		{"no seals", with(func(a *world.UdmabufArgs) { a.Seals = 0 }), world.EINVAL},
		{"F_SEAL_WRITE", with(func(a *world.UdmabufArgs) { a.Seals |= world.SealWrite }), world.EINVAL},
		{"F_SEAL_FUTURE_WRITE", with(func(a *world.UdmabufArgs) { a.Seals |= world.SealFutureWrite }), world.EINVAL},
		{"tmpfs file (seals F_SEAL_SEAL)", with(func(a *world.UdmabufArgs) { a.Seals = world.SealSeal }), world.EINVAL},
		{"unaligned size", with(func(a *world.UdmabufArgs) { a.Size = 4097 }), world.EINVAL},
		{"size 0", with(func(a *world.UdmabufArgs) { a.Size = 0 }), world.EINVAL},
		{"beyond the file", with(func(a *world.UdmabufArgs) { a.Offset = 4096 }), world.EINVAL},
		{"over size_limit_mb", with(func(a *world.UdmabufArgs) { a.Size, a.FSize = 65<<20, 65<<20 }), world.EINVAL},
		{"pipe", with(func(a *world.UdmabufArgs) { a.File = world.FileOther }), world.EBADFD},
		{"closed fd", with(func(a *world.UdmabufArgs) { a.File = world.FileClosed }), world.EBADFD},
	} {
		if _, got := world.UdmabufCreate(c.a); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHeapAlloc(t *testing.T) {
	size, acc, cloexec, e := world.HeapAlloc(world.HeapArgs{Len: 5000, FdFlags: world.OCloexec | 2})
	if size != 8192 || acc != 2 || !cloexec || e != world.OK {
		t.Errorf("HeapAlloc(5000) = %d, %d, %v, %v", size, acc, cloexec, e)
	}
	for _, a := range []world.HeapArgs{{Len: 0}, {Len: 4096, HeapFlags: 1}, {Len: 4096, FdFlags: 0o4000}, {Len: 4096, Fd: 5}} {
		if _, _, _, e := world.HeapAlloc(a); e != world.EINVAL {
			t.Errorf("HeapAlloc(%+v) = %v, want EINVAL", a, e)
		}
	}
}

func TestSetNameAndIoctls(t *testing.T) {
	if world.SetName(31) != world.OK || world.SetName(32) != world.EINVAL {
		t.Error("DMA_BUF_SET_NAME: 31 characters fit DMA_BUF_NAME_LEN (32 with the NUL), 32 do not")
	}
	if world.DmaBufIoctl(world.IoctlSync) != world.OK || world.DmaBufIoctl(0x627f) != world.ENOTTY {
		t.Error("dma_buf_ioctl: unknown commands are -ENOTTY")
	}
	if world.SyncFileIoctl(world.IoctlSync) != world.ENOTTY || world.SyncFileIoctl(world.SyncIocFileInfo) != world.OK {
		t.Error("sync_file_ioctl: only SYNC_IOC_* commands")
	}
}

// udmabuf's end_cpu_access fails until a begin_cpu_access has created its
// sg table: "if (!ubuf->sg) return -EINVAL;" (drivers/dma-buf/udmabuf.c,
// end_cpu_udmabuf; kernel-rules §3.4): the preset's need-sgt and
// create-sgt hook operations. Other exporters return 0. Found by the
// conformance suite on 6.12 (docs/conformance.md).
func TestUdmabufEndBeforeFirstStartIsEINVAL(t *testing.T) {
	for _, c := range []struct {
		preset             string
		endFirst, endLater world.Errno
	}{
		{"udmabuf", world.EINVAL, world.OK},
		{"system-heap", world.OK, world.OK},
		{"gem-prime", world.OK, world.OK},
	} {
		f := exporter(t, c.preset).Export()
		run := func(flags uint64) world.Errno {
			e, err := f.Sync(flags)
			if err != nil {
				t.Fatalf("%s: SYNC(%#x): %v", c.preset, flags, err)
			}
			return e
		}
		if got := run(world.SyncFlagEnd | world.SyncFlagRead); got != c.endFirst {
			t.Errorf("%s: END before any START: %v, want %v", c.preset, got, c.endFirst)
		}
		run(world.SyncFlagRead)
		run(world.SyncFlagEnd | world.SyncFlagRead)
		if got := run(world.SyncFlagEnd | world.SyncFlagRead); got != c.endLater { // unpaired, but the sg table exists now
			t.Errorf("%s: END after a START: %v, want %v", c.preset, got, c.endLater)
		}
		if got := run(world.SyncFlagRW); got != world.OK { // a repeated START is fine
			t.Errorf("%s: START: %v", c.preset, got)
		}
		if got := run(world.SyncFlagRW); got != world.OK {
			t.Errorf("%s: START again: %v", c.preset, got)
		}
	}
}

// --- the fence uAPI --------------------------------------------------------

func fences(t *testing.T, spec world.FenceSpec) *world.Fences {
	t.Helper()
	f, err := world.NewFences(spec)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSyncFileFlags(t *testing.T) {
	for flags, want := range map[uint32][2]bool{1: {false, true}, 2: {true, true}, 3: {true, true}, 0: {}, 4: {}, 9: {}, 2 | 8: {}} {
		w, ok := world.SyncFileFlags(flags)
		if [2]bool{w, ok} != want {
			t.Errorf("SyncFileFlags(%#x) = %v, %v; want %v", flags, w, ok, want)
		}
	}
}

// TestFenceUAPI drives the rules the conformance suite uses on one
// reservation object: two points of the sw_sync timeline, exports, merges
// and statuses.
func TestFenceUAPI(t *testing.T) {
	f := fences(t, world.FenceSpec{Points: 2, Exports: 1, Imports: 1})
	s := f.NewResv()
	p1, p2 := f.PointFence(0), f.PointFence(1)
	f.Create(p2, 2)
	f.Create(p1, 1)
	r := 2
	s.Add(p2, world.UsageWrite, &r)
	s.Add(p1, world.UsageWrite, &r) // earlier: appended after p2
	if got := s.ExportSyncFile(false); !reflect.DeepEqual(got, []int{p2, p1}) {
		t.Errorf("ExportSyncFile = %v, want resv order [p2 p1]", got)
	}
	if got := s.Query(world.UsageRW(false)); !reflect.DeepEqual(got, []int{p1, p2}) {
		t.Errorf("Query(WRITE) = %v, want both points", got)
	}
	if in, out := s.PollReady(); in || out {
		t.Errorf("PollReady with pending WRITE fences = %v, %v", in, out)
	}
	if got := f.Merge([]int{p1}, []int{p2}); !reflect.DeepEqual(got, []int{p2}) {
		t.Errorf("Merge of one context = %v, want the later fence", got)
	}
	if st := f.FileStatus([]int{p2, p1}); st != 0 {
		t.Errorf("FileStatus pending = %d", st)
	}
	f.Signal(p1, world.FenceOK)     // SW_SYNC_IOC_INC(1)
	f.Signal(p2, world.FenceENOENT) // close of the timeline
	if st := f.Status(p1); st != 1 {
		t.Errorf("p1 signalled: status %d", st)
	}
	if st := f.FileStatus([]int{p1, p2}); st != -2 {
		t.Errorf("FileStatus after close = %d, want -ENOENT", st)
	}
	if got := f.Merge([]int{p1}, []int{p2}); !reflect.DeepEqual(got, []int{world.StubFence}) {
		t.Errorf("Merge of signalled fences = %v, want the stub", got)
	}
	if got := s.ExportSyncFile(true); !reflect.DeepEqual(got, []int{world.StubFence}) {
		t.Errorf("ExportSyncFile with nothing pending = %v, want the stub", got)
	}
	if in, out := s.PollReady(); !in || !out || !s.TestSignaled(world.UsageBookkeep) || !f.AllSignaled([]int{p1, p2, world.StubFence}) {
		t.Error("everything signalled: the resv is idle")
	}
	if world.MergeArgs(1, 0, true) != world.EINVAL || world.MergeArgs(0, 0, false) != world.ENOENT || world.MergeArgs(0, 0, true) != world.OK {
		t.Error("MergeArgs")
	}
}

// A merge sorts by context, whichever argument order, and keeps the
// latest fence of each; IsLater is the wrap-around comparison.
func TestFenceMergeSortsByContext(t *testing.T) {
	f := fences(t, world.FenceSpec{Rings: []world.Ring{{Name: "a", Jobs: 2, SeqnoBase: 0xffffffff}}, Points: 1, Exports: 1, Imports: 1})
	j0, j1, p := f.RingFence(0, 0), f.RingFence(0, 1), f.PointFence(0)
	if f.Context(j0) != f.Context(j1) || f.Context(j0) >= f.Context(p) {
		t.Fatalf("contexts: ring %d %d, timeline %d", f.Context(j0), f.Context(j1), f.Context(p))
	}
	f.Create(j0, 0xffffffff)
	f.Create(j1, 0) // wrapped: later
	f.Create(p, 1)
	if f.Seqno(j1) != 0 || !f.IsLater(f.Seqno(j1), f.Seqno(j0)) {
		t.Errorf("seqno %#x after %#x: wrap32 says later", f.Seqno(j1), f.Seqno(j0))
	}
	if got := f.Merge([]int{p, j0}, []int{j1}); !reflect.DeepEqual(got, []int{j1, p}) {
		t.Errorf("Merge = %v, want [ring's latest, point]", got)
	}
	if f.CopyFence() != -1 {
		t.Error("no copy engine: CopyFence is -1")
	}
}

// dma_resv_get_singleton does not deduplicate: one fence imported as WRITE
// and then as READ is held by two resv entries (dma_resv_add_fence appends,
// because the old usage WRITE < READ), and EXPORT_SYNC_FILE(RW) returns a
// dma_fence_array holding it twice (observed on 6.12: num_fences 2,
// docs/conformance.md). EXPORT(READ) sees only the WRITE entry.
func TestExportListsAFenceOncePerResvEntry(t *testing.T) {
	f := fences(t, world.FenceSpec{Points: 1, Exports: 1, Imports: 2})
	s := f.NewResv()
	p := f.PointFence(0)
	f.Create(p, 1)
	s.ImportSyncFile([]int{p}, true)
	s.ImportSyncFile([]int{p}, false)
	if fs, us := s.Entries(); !reflect.DeepEqual(fs, []int{p, p}) || !reflect.DeepEqual(us, []world.Usage{world.UsageWrite, world.UsageRead}) {
		t.Fatalf("resv holds %v with usages %v, want WRITE and READ of the same fence", fs, us)
	}
	if got := s.ExportSyncFile(true); !reflect.DeepEqual(got, []int{p, p}) {
		t.Errorf("EXPORT(RW) leaves = %v, want the fence twice", got)
	}
	if got := s.ExportSyncFile(false); !reflect.DeepEqual(got, []int{p}) {
		t.Errorf("EXPORT(READ) leaves = %v, want the WRITE entry only", got)
	}
	// Importing the same fence again with one usage replaces its entry
	// with itself (the 6.12 rule: dma_fence_is_later_or_same).
	s.ImportSyncFile([]int{p}, true)
	if fs, _ := s.Entries(); len(fs) != 2 {
		t.Errorf("re-import appended: %v", fs)
	}
}

// Reservation objects share their fences' statuses: a signal seen through
// one is seen through every other; vgem's EBUSY rule is TestSignaled.
func TestResvsShareFences(t *testing.T) {
	f := fences(t, world.FenceSpec{Rings: []world.Ring{{Name: "vgem", Jobs: 1, SeqnoBase: 1}}, Exports: 1, Imports: 1})
	a, b := f.NewResv(), f.NewResv()
	j := f.RingFence(0, 0)
	f.Create(j, 1)
	one := 1
	a.Add(j, world.UsageWrite, &one)
	b.ImportSyncFile(a.ExportSyncFile(false), false)
	if a.TestSignaled(world.UsageRW(false)) || !b.TestSignaled(world.UsageRW(false)) || b.TestSignaled(world.UsageRW(true)) {
		t.Error("a has a pending WRITE fence, b the same fence as READ")
	}
	f.Signal(j, world.FenceOK)
	if !a.TestSignaled(world.UsageBookkeep) || !b.TestSignaled(world.UsageBookkeep) {
		t.Error("after the signal both resvs are idle")
	}
}
