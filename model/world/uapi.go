package world

import "fmt"

// This file is the dma-buf file's uAPI layer: what the calls user space
// makes on a dma-buf (and on the devices that create one) return, as
// functions of their arguments and of the world's exporter (kernel-rules
// §3.2, §3.3, §7). DMA_BUF_IOCTL_SYNC is the world's own call: a
// DMABufFile is a small built world whose one agent, user space, may make
// every SYNC call, and Sync steps the call through the world's action
// table (the exporter's begin_cpu_access / end_cpu_access hooks run as the
// cache family defines them); the errno is the agent's syncErr. The other
// calls keep no state and are plain rules here. The conformance suite
// (package conformance) replays a real kernel's answers against every one
// of them. Nothing in the state machine uses this file.

// Errno is a Linux error number as a system call returns it (positive).
type Errno int

// The error numbers the uAPI layer predicts (asm-generic/errno*.h).
const (
	OK        Errno = 0
	ENOENT    Errno = 2
	EBADF     Errno = 9
	EACCES    Errno = 13
	EBUSY     Errno = 16
	EINVAL    Errno = 22
	ENOTTY    Errno = 25
	EBADFD    Errno = 77
	ETIMEDOUT Errno = 110
)

var errnoNames = map[Errno]string{OK: "OK", ENOENT: "ENOENT", EBADF: "EBADF", EACCES: "EACCES", EBUSY: "EBUSY",
	EINVAL: "EINVAL", ENOTTY: "ENOTTY", EBADFD: "EBADFD", ETIMEDOUT: "ETIMEDOUT"}

func (e Errno) String() string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// errnoOf converts a stored call result (errNone, errBusy, errInval) to
// the errno.
func errnoOf(err uint8) Errno {
	switch err {
	case errBusy:
		return EBUSY
	case errInval:
		return EINVAL
	}
	return OK
}

// DMA_BUF_IOCTL_SYNC's raw flags (include/uapi/linux/dma-buf.h): READ,
// WRITE, their union, START (0) and END, and DMA_BUF_SYNC_VALID_FLAGS_MASK.
const (
	SyncFlagRead   uint64 = 1
	SyncFlagWrite  uint64 = 2
	SyncFlagRW            = SyncFlagRead | SyncFlagWrite
	SyncFlagStart  uint64 = 0
	SyncFlagEnd    uint64 = 4
	SyncFlagsValid        = SyncFlagRW | SyncFlagEnd
)

// SyncCall is the world's call DMA_BUF_IOCTL_SYNC with these raw flags
// makes. dma_buf_ioctl (drivers/dma-buf/dma-buf.c) rejects flags outside
// DMA_BUF_SYNC_VALID_FLAGS_MASK, or with neither READ nor WRITE, with
// -EINVAL (SyncInvalid: 8 stands for any unknown bit, 0 for no
// direction); END calls dma_buf_end_cpu_access (SyncEnd); START calls
// dma_buf_begin_cpu_access (SyncStart, whose second step is the implicit
// fence wait).
func SyncCall(flags uint64) Call {
	switch {
	case flags&^SyncFlagsValid != 0:
		return SyncInvalid(8)
	case flags&SyncFlagRW == 0:
		return SyncInvalid(0)
	case flags&SyncFlagEnd != 0:
		return SyncEnd(uint8(flags & SyncFlagRW))
	}
	return SyncStart(uint8(flags & SyncFlagRW))
}

// syncCalls are the calls of a DMABufFile's user space: every SYNC the
// ioctl can make.
var syncCalls = []Call{
	SyncStart(SyncRead), SyncStart(SyncWrite), SyncStart(SyncRW),
	SyncEnd(SyncRead), SyncEnd(SyncWrite), SyncEnd(SyncRW),
	SyncInvalid(0), SyncInvalid(8),
}

// FileOps is an exporter's dma_buf_ops beyond the hooks the cache family
// runs: what its mmap callback does with a private mapping, and the
// exp_name fdinfo shows (exporterFileOps in presets.go).
type FileOps struct {
	Mmap MmapPolicy
	// ExpName is dma_buf->exp_name (dma_buf_export's exp_info.exp_name).
	ExpName string
}

// DMABufExporter is a world built for one exporter preset's uAPI: the
// preset's hooks, its FileOps, and one agent, user space, which may make
// any SYNC call in any order (the kernel pairs nothing: user space may
// end a bracket it never began). Its files are the dma-bufs it exports.
type DMABufExporter struct {
	c   *core
	ops FileOps
}

// NewDMABufExporter builds the uAPI world of the named exporter preset
// (ExporterPreset); the preset must have FileOps (ExporterFileOps).
func NewDMABufExporter(preset string) (*DMABufExporter, error) {
	exp, ok := ExporterPreset(preset)
	if !ok {
		return nil, fmt.Errorf("no exporter preset %q", preset)
	}
	ops, ok := ExporterFileOps(preset)
	if !ok {
		return nil, fmt.Errorf("exporter preset %q has no uAPI data (mmap policy, exp_name)", preset)
	}
	gpu, _ := DevicePreset("gpu")
	var prog Forever
	for _, c := range syncCalls {
		prog = append(prog, c)
	}
	m, err := Build(Spec{Name: preset + " uAPI", Arch: X86, Backing: SystemCached, Lines: 1, Writes: 1,
		Devices: []Device{gpu}, Exporter: exp, Agents: []Agent{{Name: "user space", Program: prog}}})
	if err != nil {
		return nil, err
	}
	return &DMABufExporter{c: m.c, ops: ops}, nil
}

// FileOps returns the exporter's uAPI data.
func (e *DMABufExporter) FileOps() FileOps { return e.ops }

// Name is the exporter preset's name.
func (e *DMABufExporter) Name() string { return e.c.spec.Exporter.Name }

// Export is dma_buf_export: a new dma-buf file of the exporter, in the
// world's initial state (nothing begun, no sg table).
func (e *DMABufExporter) Export() *DMABufFile {
	f := &DMABufFile{e: e, s: make([]byte, classOf(e.c.lay.size))}
	e.c.init(f.s)
	return f
}

// DMABufFile is one dma-buf file: its exporter's world and the world's
// state (the bracket of user space, the exporter's sg table).
type DMABufFile struct {
	e *DMABufExporter
	s []byte
}

// Sync is DMA_BUF_IOCTL_SYNC(flags) (dma_buf_ioctl): the world steps
// SyncCall(flags), each of its steps an action of the world's table
// (dma_buf_begin_cpu_access runs the exporter's begin hook, then the
// fence wait; dma_buf_end_cpu_access the end hook, which fails with
// -EINVAL for udmabuf before the first begin created its sg table), and
// the result is the call's errno. The fence wait of the second step finds
// nothing to wait for here: whether the real call blocks is the fence
// family's question (Resv.Query).
func (f *DMABufFile) Sync(flags uint64) (Errno, error) {
	call := SyncCall(flags)
	if err := f.step(call, 0); err != nil {
		return 0, err
	}
	if call.Kind == KSyncStart {
		if err := f.step(call, 1); err != nil {
			return 0, err
		}
	}
	return errnoOf(f.s[f.e.c.lay.syncErr[0]]), nil
}

// step takes the enabled action of the world's table that is step i of
// call.
func (f *DMABufFile) step(call Call, i int) error {
	c := f.e.c
	for _, a := range c.actions(f.s, nil) {
		if e := c.table[a].e; len(e.Ops) == 1 && e.Ops[0] == call && e.Step == i {
			c.step(f.s, a)
			return nil
		}
	}
	return fmt.Errorf("%s: step %d of %s is not enabled", c.spec.Name, i, c.callName(call, i))
}

// SetName is DMA_BUF_SET_NAME of a name of n bytes (dma_buf_set_name):
// strndup_user with DMA_BUF_NAME_LEN (32, including the NUL) fails with
// -EINVAL for 32 bytes or more.
func SetName(n int) Errno {
	const nameLen = 32
	if n+1 > nameLen {
		return EINVAL
	}
	return OK
}

// DMA-buf ioctl commands (type 'b'). Any other command is unknown to
// dma_buf_ioctl: -ENOTTY. A sync_file knows only SYNC_IOC_* (type '>'):
// any 'b' command on it is -ENOTTY as well.
const (
	IoctlSync       = 0x40086200
	IoctlSetNameA   = 0x40046201
	IoctlSetNameB   = 0x40086201
	IoctlExportSync = 0xc0086202
	IoctlImportSync = 0x40086203
)

// DmaBufIoctl says whether dma_buf_ioctl knows cmd (-ENOTTY if not).
func DmaBufIoctl(cmd uint64) Errno {
	switch cmd {
	case IoctlSync, IoctlSetNameA, IoctlSetNameB, IoctlExportSync, IoctlImportSync:
		return OK
	}
	return ENOTTY
}

// Whence values of lseek.
const (
	SeekSet = 0
	SeekCur = 1
	SeekEnd = 2
)

// Lseek is dma_buf_llseek on a buffer of size bytes (§3.3): only
// SEEK_SET and SEEK_END with offset 0, for size discovery; anything else
// is -EINVAL.
func Lseek(size, offset int64, whence int) (int64, Errno) {
	var base int64
	switch whence {
	case SeekEnd:
		base = size
	case SeekSet:
	default:
		return -1, EINVAL
	}
	if offset != 0 {
		return -1, EINVAL
	}
	return base, OK
}

// MmapPolicy is how an exporter's mmap callback treats a private
// (copy-on-write) mapping.
type MmapPolicy uint8

const (
	// MmapSharedOnly: -EINVAL unless VM_SHARED or VM_MAYSHARE (udmabuf's
	// mmap_udmabuf).
	MmapSharedOnly MmapPolicy = iota
	// MmapNoCOW: -EINVAL for is_cow_mapping (drm_gem_shmem_mmap: vgem and
	// the other shmem GEM drivers).
	MmapNoCOW
	// MmapRemapPages maps page by page with remap_pfn_range, which accepts
	// a copy-on-write mapping only when one call covers the whole vma: a
	// private mapping of exactly one page works, a larger one fails with
	// -EINVAL (the system heap, system_heap_mmap).
	MmapRemapPages
)

func (p MmapPolicy) String() string {
	return [...]string{"shared-only", "no-cow", "remap-pages"}[p]
}

// Mmap protection and flag bits.
const (
	ProtRead    = 1
	ProtWrite   = 2
	MapShared   = 1
	MapPrivate  = 2
	pageSize    = 4096
	pageShift   = 12
	accModeMask = 3
	oRDWR       = 2
	oWRONLY     = 1
)

// MmapArgs is one mmap(2) of a dma-buf fd.
type MmapArgs struct {
	Size           int64 // the buffer's size
	Length, Offset int64
	Prot, Flags    int
	// AccMode is the fd's O_ACCMODE (O_RDONLY 0, O_RDWR 2).
	AccMode int
	// Policy is the exporter's (FileOps.Mmap).
	Policy MmapPolicy
}

// Mmap is mmap of a dma-buf (§3.3): do_mmap's file-mode checks (a shared
// writable mapping of a read-only fd: -EACCES), then
// dma_buf_mmap_internal's bounds check (pgoff + pages beyond the buffer:
// -EINVAL), then the exporter's policy for private mappings.
func Mmap(a MmapArgs) Errno {
	writable := a.AccMode == oRDWR || a.AccMode == oWRONLY
	if a.Length <= 0 || a.Offset%pageSize != 0 {
		return EINVAL
	}
	if a.Flags&MapShared != 0 && a.Prot&ProtWrite != 0 && !writable {
		return EACCES
	}
	pages := (a.Length + pageSize - 1) >> pageShift
	if a.Offset>>pageShift+pages > a.Size>>pageShift {
		return EINVAL
	}
	if a.Flags&MapShared != 0 {
		return OK
	}
	switch a.Policy {
	case MmapSharedOnly, MmapNoCOW:
		return EINVAL
	case MmapRemapPages:
		if pages != 1 {
			return EINVAL
		}
	}
	return OK
}

// UdmabufFile is what kind of file UDMABUF_CREATE is given.
type UdmabufFile uint8

const (
	// FileClosed: not an open fd (fget fails).
	FileClosed UdmabufFile = iota
	// FileOther: open, but neither shmem nor hugetlbfs (a pipe).
	FileOther
	// FileShmem: a shmem file: a memfd, or a plain tmpfs file (whose seals
	// read F_SEAL_SEAL).
	FileShmem
)

// fcntl seals.
const (
	SealSeal        = 0x1
	SealShrink      = 0x2
	SealGrow        = 0x4
	SealWrite       = 0x8
	SealFutureWrite = 0x10
)

// UdmabufSizeLimitMB is udmabuf's size_limit_mb module parameter default.
const UdmabufSizeLimitMB = 64

// UdmabufArgs is one UDMABUF_CREATE.
type UdmabufArgs struct {
	File  UdmabufFile
	Seals int   // the file's F_GET_SEALS
	FSize int64 // the file's size
	// Offset, Size and Flags are struct udmabuf_create's fields.
	Offset, Size uint64
	Flags        uint32
}

// UdmabufFlagsCloexec is UDMABUF_FLAGS_CLOEXEC.
const UdmabufFlagsCloexec = 1

// UdmabufCreate is udmabuf_create for one item (drivers/dma-buf/udmabuf.c,
// §7): offset and size must be page-aligned, the size non-zero and within
// size_limit_mb (-EINVAL); the fd must be open (-EBADFD) and shmem or
// hugetlbfs (-EBADFD); it must be sealed against shrinking and not against
// writing (-EINVAL); the range must lie within the file
// (memfd_pin_folios: -EINVAL). Unknown flag bits are ignored;
// UDMABUF_FLAGS_CLOEXEC sets FD_CLOEXEC on the new fd.
func UdmabufCreate(a UdmabufArgs) (cloexec bool, err Errno) {
	if a.Offset%pageSize != 0 || a.Size%pageSize != 0 {
		return false, EINVAL
	}
	pages := a.Size >> pageShift
	if pages > UdmabufSizeLimitMB<<20>>pageShift || pages == 0 {
		return false, EINVAL
	}
	switch a.File {
	case FileClosed, FileOther:
		return false, EBADFD
	}
	if a.Seals&SealShrink == 0 || a.Seals&(SealWrite|SealFutureWrite) != 0 {
		return false, EINVAL
	}
	if a.Offset+a.Size > uint64(a.FSize) {
		return false, EINVAL
	}
	return a.Flags&UdmabufFlagsCloexec != 0, OK
}

// HeapArgs is one DMA_HEAP_IOCTL_ALLOC.
type HeapArgs struct {
	Len       uint64
	Fd        uint32 // must be 0 on input
	FdFlags   uint32
	HeapFlags uint64
}

// Open flags a heap allocation may ask for.
const (
	OCloexec    = 0o2000000
	heapFdFlags = OCloexec | accModeMask
)

// HeapAlloc is dma_heap_ioctl_allocate (drivers/dma-buf/dma-heap.c, §7):
// the fd field must be 0, fd_flags within O_ACCMODE|O_CLOEXEC, heap_flags
// 0, and the length non-zero once page-aligned; else -EINVAL. It returns
// the buffer's size (the length rounded up to pages) and the new fd's
// access mode and FD_CLOEXEC.
func HeapAlloc(a HeapArgs) (size int64, accMode int, cloexec bool, err Errno) {
	if a.Fd != 0 || a.FdFlags&^heapFdFlags != 0 || a.HeapFlags != 0 {
		return 0, 0, false, EINVAL
	}
	size = int64((a.Len + pageSize - 1) &^ (pageSize - 1))
	if size == 0 {
		return 0, 0, false, EINVAL
	}
	return size, int(a.FdFlags & accModeMask), a.FdFlags&OCloexec != 0, OK
}
