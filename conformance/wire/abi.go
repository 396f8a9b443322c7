package wire

// The x86-64 Linux ABI the guest calls: ioctl numbers built with _IOC as
// the kernel's headers do (abi_test.go checks them against the values
// printed by a C program compiled with the real headers), and flag values.

const (
	iocNone  = 0
	iocWrite = 1
	iocRead  = 2
)

// IOC is the kernel's _IOC(dir, type, nr, size).
func IOC(dir, typ, nr, size uintptr) uintptr {
	return dir<<30 | size<<16 | typ<<8 | nr
}

func iow(typ, nr, size uintptr) uintptr  { return IOC(iocWrite, typ, nr, size) }
func iowr(typ, nr, size uintptr) uintptr { return IOC(iocRead|iocWrite, typ, nr, size) }

// ioctl commands.
var (
	DmaBufIoctlSync       = iow('b', 0, 8)  // struct dma_buf_sync {u64 flags}
	DmaBufSetNameB        = iow('b', 1, 8)  // u64 (a pointer)
	DmaBufExportSyncFile  = iowr('b', 2, 8) // {u32 flags; s32 fd}
	DmaBufImportSyncFile  = iow('b', 3, 8)  // {u32 flags; s32 fd}
	DmaBufIoctlUnknown    = IOC(iocNone, 'b', 0x7f, 0)
	UdmabufCreate         = iow('u', 0x42, 24)  // {u32 memfd, flags; u64 offset, size}
	DmaHeapIoctlAlloc     = iowr('H', 0, 24)    // {u64 len; u32 fd, fd_flags; u64 heap_flags}
	SyncIocMerge          = iowr('>', 3, 48)    // {char name[32]; s32 fd2, fence; u32 flags, pad}
	SyncIocFileInfo       = iowr('>', 4, 56)    // struct sync_file_info
	SwSyncIocCreateFence  = iowr('W', 0, 40)    // {u32 value; char name[32]; s32 fence}
	SwSyncIocInc          = iow('W', 1, 4)      // u32
	DrmIoctlGemClose      = iow('d', 0x09, 8)   // {u32 handle, pad}
	DrmIoctlPrimeHandleFD = iowr('d', 0x2d, 12) // {u32 handle, flags; s32 fd}
	DrmIoctlPrimeFDHandle = iowr('d', 0x2e, 12)
	DrmIoctlCreateDumb    = iowr('d', 0xb2, 32) // {u32 height, width, bpp, flags, handle, pitch; u64 size}
	DrmIoctlVgemAttach    = iowr('d', 0x40+0x01, 16)
	DrmIoctlVgemSignal    = iow('d', 0x40+0x02, 8)
)

// Flag values.
const (
	SyncRead  = 1 // DMA_BUF_SYNC_READ
	SyncWrite = 2 // DMA_BUF_SYNC_WRITE
	SyncRW    = 3
	SyncStart = 0
	SyncEnd   = 4

	UdmabufFlagsCloexec = 1
	VgemFenceWrite      = 1

	// fcntl seals.
	FSealSeal        = 0x1
	FSealShrink      = 0x2
	FSealGrow        = 0x4
	FSealWrite       = 0x8
	FSealFutureWrite = 0x10

	PollIn  = 0x1
	PollOut = 0x4
)
