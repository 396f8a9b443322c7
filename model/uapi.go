package model

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// This file is the buffer model's uAPI layer: what the calls user space
// makes on a dma-buf return, as functions of their arguments (kernel-rules
// §3.2, §3.3, §7). DMA_BUF_IOCTL_SYNC is the state machine's own action
// (SyncActions maps a raw flags value onto the action table, and
// State.SyncErr is the result); the other calls have no state in the model
// and are plain rules here. The conformance suite (package conformance)
// checks every one of them against a real kernel. Nothing in the state
// machine uses this file.

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

// ErrnoOf converts State.SyncErr / DevState.Err to the errno.
func ErrnoOf(err uint8) Errno {
	switch err {
	case ErrBusy:
		return EBUSY
	case ErrInval:
		return EINVAL
	}
	return OK
}

// DMA_BUF_IOCTL_SYNC flags (include/uapi/linux/dma-buf.h).
const (
	SyncRead       = 1
	SyncWrite      = 2
	SyncRW         = SyncRead | SyncWrite
	SyncStart      = 0
	SyncEnd        = 4
	SyncValidFlags = SyncRW | SyncEnd
)

// SyncActions returns the actions of m's table that DMA_BUF_IOCTL_SYNC with
// these raw flags performs, in order: dma_buf_ioctl rejects flags outside
// DMA_BUF_SYNC_VALID_FLAGS_MASK, or with neither READ nor WRITE, with
// -EINVAL (KSyncInvalid); END calls end_cpu_access (KSyncEnd); START calls
// begin_cpu_access, which runs the exporter's hook and waits for the
// implicit fences (KSyncStart then KBeginWait). After them State.SyncErr is
// the ioctl's result. ok is false for a configuration without the uAPI
// (KernelCPU).
func (m *Model) SyncActions(flags uint64) (acts []statespace.Action, ok bool) {
	kind, dir := KSyncInvalid, uint8(0)
	if flags&^SyncValidFlags == 0 && flags&SyncRW != 0 {
		kind, dir = KSyncStart, uint8(flags&SyncRW)
		if flags&SyncEnd != 0 {
			kind = KSyncEnd
		}
	}
	find := func(k Kind, d uint8) bool {
		for a, t := range m.table {
			if t.kind == k && (k == KSyncInvalid || t.dir == d) {
				acts = append(acts, statespace.Action(a))
				return true
			}
		}
		return false
	}
	if !find(kind, dir) {
		return nil, false
	}
	if kind == KSyncStart && !find(KBeginWait, dir) {
		return nil, false
	}
	return acts, true
}

// SyncWrites reports whether DMA_BUF_IOCTL_SYNC(flags) is a CPU write
// bracket: begin_cpu_access then waits with dma_resv_usage_rw(true) (every
// fence), a read bracket only for the WRITE fences.
func SyncWrites(flags uint64) bool { return flags&SyncWrite != 0 }

// SetName is DMA_BUF_SET_NAME of a name of n bytes: strndup_user with
// DMA_BUF_NAME_LEN (32, including the NUL) fails with -EINVAL for 32 bytes
// or more.
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
	// MmapSharedOnly: -EINVAL unless VM_SHARED or VM_MAYSHARE (udmabuf).
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
	Policy  MmapPolicy
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

// UdmabufCreate is udmabuf_create for one item (§7): offset and size must
// be page-aligned, the size non-zero and within size_limit_mb (-EINVAL);
// the fd must be open (-EBADFD) and shmem or hugetlbfs (-EBADFD); it must be
// sealed against shrinking and not against writing (-EINVAL); the range
// must lie within the file (memfd_pin_folios: -EINVAL). Unknown flag bits
// are ignored; UDMABUF_FLAGS_CLOEXEC sets FD_CLOEXEC on the new fd.
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

// HeapAlloc is dma_heap_ioctl_allocate (§7): the fd field must be 0,
// fd_flags within O_ACCMODE|O_CLOEXEC, heap_flags 0, and the length
// non-zero once page-aligned; else -EINVAL. It returns the buffer's size
// (the length rounded up to pages) and the new fd's access mode and
// FD_CLOEXEC.
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
