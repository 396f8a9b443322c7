package model_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
)

// The uAPI layer's rules, one case per kernel check they encode. The
// conformance suite (conformance/) compares them with a real kernel.

func TestSyncActions(t *testing.T) {
	m, err := model.New(model.Config{Arch: model.X86, Lines: 1, Devices: []model.Device{model.GPU},
		Exporter: model.SystemHeap, Writes: 1, Discipline: model.Discipline{EndWithoutBegin: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		flags uint64
		kinds []model.Kind
		errno model.Errno
	}{
		{model.SyncRead, []model.Kind{model.KSyncStart, model.KBeginWait}, model.OK},
		{model.SyncRW, []model.Kind{model.KSyncStart, model.KBeginWait}, model.OK},
		{model.SyncEnd | model.SyncWrite, []model.Kind{model.KSyncEnd}, model.OK},
		{0, []model.Kind{model.KSyncInvalid}, model.EINVAL},                  // START with no direction
		{model.SyncEnd, []model.Kind{model.KSyncInvalid}, model.EINVAL},      // END with no direction
		{8 | model.SyncRead, []model.Kind{model.KSyncInvalid}, model.EINVAL}, // outside the mask
		{1<<63 | model.SyncRW, []model.Kind{model.KSyncInvalid}, model.EINVAL},
	} {
		acts, ok := m.SyncActions(c.flags)
		if !ok || len(acts) != len(c.kinds) {
			t.Fatalf("SyncActions(%#x) = %v, %v", c.flags, acts, ok)
		}
		s := m.Init()[0]
		for i, a := range acts {
			if k, _ := m.KindOf(a); k != c.kinds[i] {
				t.Errorf("SyncActions(%#x)[%d] is %v, want %v", c.flags, i, k, c.kinds[i])
			}
			s = m.Step(&s, a)
		}
		if got := model.ErrnoOf(s.SyncErr); got != c.errno {
			t.Errorf("SYNC(%#x): %v, want %v", c.flags, got, c.errno)
		}
	}
	km, _ := model.New(model.Config{Arch: model.X86, Lines: 1, Devices: []model.Device{model.GPU}, Exporter: model.SystemHeap, Writes: 1, KernelCPU: true})
	if _, ok := km.SyncActions(0); ok {
		t.Error("a kernel CPU agent has no uAPI flag check")
	}
}

func TestLseek(t *testing.T) {
	for _, c := range []struct {
		off    int64
		whence int
		ret    int64
		errno  model.Errno
	}{
		{0, model.SeekEnd, 16384, model.OK},
		{0, model.SeekSet, 0, model.OK},
		{4096, model.SeekSet, -1, model.EINVAL},
		{0, model.SeekCur, -1, model.EINVAL},
		{-4096, model.SeekEnd, -1, model.EINVAL},
	} {
		if ret, e := model.Lseek(16384, c.off, c.whence); ret != c.ret || e != c.errno {
			t.Errorf("Lseek(%d, %d) = %d, %v; want %d, %v", c.off, c.whence, ret, e, c.ret, c.errno)
		}
	}
}

func TestMmap(t *testing.T) {
	const rw = model.ProtRead | model.ProtWrite
	for _, c := range []struct {
		a    model.MmapArgs
		want model.Errno
	}{
		{model.MmapArgs{Length: 16384, Prot: rw, Flags: model.MapShared, AccMode: 2}, model.OK},
		{model.MmapArgs{Length: 16384, Prot: rw, Flags: model.MapShared, AccMode: 0}, model.EACCES},
		{model.MmapArgs{Length: 16384, Prot: model.ProtRead, Flags: model.MapShared, AccMode: 0}, model.OK},
		{model.MmapArgs{Length: 32768, Prot: rw, Flags: model.MapShared, AccMode: 2}, model.EINVAL},
		{model.MmapArgs{Length: 4096, Offset: 16384, Prot: rw, Flags: model.MapShared, AccMode: 2}, model.EINVAL},
		{model.MmapArgs{Length: 4096, Offset: 4096, Prot: rw, Flags: model.MapShared, AccMode: 2}, model.OK},
		{model.MmapArgs{Length: 4096, Prot: model.ProtRead, Flags: model.MapPrivate, AccMode: 2, Policy: model.MmapSharedOnly}, model.EINVAL},
		{model.MmapArgs{Length: 4096, Prot: model.ProtRead, Flags: model.MapPrivate, AccMode: 2, Policy: model.MmapNoCOW}, model.EINVAL},
		{model.MmapArgs{Length: 4096, Prot: model.ProtRead, Flags: model.MapPrivate, AccMode: 2, Policy: model.MmapRemapPages}, model.OK},
		{model.MmapArgs{Length: 8192, Prot: model.ProtRead, Flags: model.MapPrivate, AccMode: 2, Policy: model.MmapRemapPages}, model.EINVAL},
	} {
		c.a.Size = 16384
		if got := model.Mmap(c.a); got != c.want {
			t.Errorf("Mmap(%+v) = %v, want %v", c.a, got, c.want)
		}
	}
}

func TestUdmabufCreate(t *testing.T) {
	ok := model.UdmabufArgs{File: model.FileShmem, Seals: model.SealShrink, FSize: 16384, Size: 16384, Flags: model.UdmabufFlagsCloexec}
	with := func(f func(*model.UdmabufArgs)) model.UdmabufArgs { a := ok; f(&a); return a }
	for _, c := range []struct {
		name string
		a    model.UdmabufArgs
		want model.Errno
	}{
		{"sealed memfd", ok, model.OK},
		{"unknown flag ignored", with(func(a *model.UdmabufArgs) { a.Flags = 2 }), model.OK},
		{"no seals", with(func(a *model.UdmabufArgs) { a.Seals = 0 }), model.EINVAL},
		{"F_SEAL_WRITE", with(func(a *model.UdmabufArgs) { a.Seals |= model.SealWrite }), model.EINVAL},
		{"F_SEAL_FUTURE_WRITE", with(func(a *model.UdmabufArgs) { a.Seals |= model.SealFutureWrite }), model.EINVAL},
		{"tmpfs file (seals F_SEAL_SEAL)", with(func(a *model.UdmabufArgs) { a.Seals = model.SealSeal }), model.EINVAL},
		{"unaligned size", with(func(a *model.UdmabufArgs) { a.Size = 4097 }), model.EINVAL},
		{"size 0", with(func(a *model.UdmabufArgs) { a.Size = 0 }), model.EINVAL},
		{"beyond the file", with(func(a *model.UdmabufArgs) { a.Offset = 4096 }), model.EINVAL},
		{"over size_limit_mb", with(func(a *model.UdmabufArgs) { a.Size, a.FSize = 65<<20, 65<<20 }), model.EINVAL},
		{"pipe", with(func(a *model.UdmabufArgs) { a.File = model.FileOther }), model.EBADFD},
		{"closed fd", with(func(a *model.UdmabufArgs) { a.File = model.FileClosed }), model.EBADFD},
	} {
		if _, got := model.UdmabufCreate(c.a); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestHeapAlloc(t *testing.T) {
	size, acc, cloexec, e := model.HeapAlloc(model.HeapArgs{Len: 5000, FdFlags: model.OCloexec | 2})
	if size != 8192 || acc != 2 || !cloexec || e != model.OK {
		t.Errorf("HeapAlloc(5000) = %d, %d, %v, %v", size, acc, cloexec, e)
	}
	for _, a := range []model.HeapArgs{{Len: 0}, {Len: 4096, HeapFlags: 1}, {Len: 4096, FdFlags: 0o4000}, {Len: 4096, Fd: 5}} {
		if _, _, _, e := model.HeapAlloc(a); e != model.EINVAL {
			t.Errorf("HeapAlloc(%+v) = %v, want EINVAL", a, e)
		}
	}
}

func TestSetNameAndIoctls(t *testing.T) {
	if model.SetName(31) != model.OK || model.SetName(32) != model.EINVAL {
		t.Error("DMA_BUF_SET_NAME: 31 characters fit DMA_BUF_NAME_LEN (32 with the NUL), 32 do not")
	}
	if model.DmaBufIoctl(model.IoctlSync) != model.OK || model.DmaBufIoctl(0x627f) != model.ENOTTY {
		t.Error("dma_buf_ioctl: unknown commands are -ENOTTY")
	}
}

// udmabuf's end_cpu_access fails until a begin_cpu_access has created its
// sg table: "if (!ubuf->sg) return -EINVAL;" (drivers/dma-buf/udmabuf.c,
// end_cpu_udmabuf; kernel-rules §3.4). Other exporters return 0. Found by the
// conformance suite on 6.12 (docs/conformance.md).
func TestUdmabufEndBeforeFirstStartIsEINVAL(t *testing.T) {
	for _, c := range []struct {
		exp      model.Exporter
		endFirst model.Errno
		endLater model.Errno
	}{
		{model.Udmabuf, model.EINVAL, model.OK},
		{model.SystemHeap, model.OK, model.OK},
		{model.GEMPrime, model.OK, model.OK},
	} {
		m, err := model.New(model.Config{Arch: model.X86, Lines: 1, Devices: []model.Device{model.GPU},
			Exporter: c.exp, Writes: 1, Discipline: model.Discipline{EndWithoutBegin: true}})
		if err != nil {
			t.Fatal(err)
		}
		run := func(s model.State, flags uint64) model.State {
			acts, ok := m.SyncActions(flags)
			if !ok {
				t.Fatalf("%s: no actions for SYNC(%#x)", c.exp.Name, flags)
			}
			for _, a := range acts {
				s = m.Step(&s, a)
			}
			return s
		}
		s := run(m.Init()[0], model.SyncEnd|model.SyncRead)
		if got := model.ErrnoOf(s.SyncErr); got != c.endFirst {
			t.Errorf("%s: END before any START: %v, want %v", c.exp.Name, got, c.endFirst)
		}
		s = run(s, model.SyncRead)
		s = run(s, model.SyncEnd|model.SyncRead)
		s = run(s, model.SyncEnd|model.SyncRead) // unpaired, but the sg table exists now
		if got := model.ErrnoOf(s.SyncErr); got != c.endLater {
			t.Errorf("%s: END after a START: %v, want %v", c.exp.Name, got, c.endLater)
		}
	}
}
