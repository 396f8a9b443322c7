package wire

import "testing"

// TestIoctlNumbers pins the ioctl numbers to the values a C program
// compiled against the 6.12 uAPI headers printed on x86-64
// (docs/kernel-rules.md §13, "ioctl numbers").
func TestIoctlNumbers(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"DMA_BUF_IOCTL_SYNC", DmaBufIoctlSync, 0x40086200},
		{"DMA_BUF_SET_NAME_B", DmaBufSetNameB, 0x40086201},
		{"DMA_BUF_IOCTL_EXPORT_SYNC_FILE", DmaBufExportSyncFile, 0xc0086202},
		{"DMA_BUF_IOCTL_IMPORT_SYNC_FILE", DmaBufImportSyncFile, 0x40086203},
		{"UDMABUF_CREATE", UdmabufCreate, 0x40187542},
		{"DMA_HEAP_IOCTL_ALLOC", DmaHeapIoctlAlloc, 0xc0184800},
		{"SYNC_IOC_MERGE", SyncIocMerge, 0xc0303e03},
		{"SYNC_IOC_FILE_INFO", SyncIocFileInfo, 0xc0383e04},
		{"SW_SYNC_IOC_CREATE_FENCE", SwSyncIocCreateFence, 0xc0285700},
		{"SW_SYNC_IOC_INC", SwSyncIocInc, 0x40045701},
		{"DRM_IOCTL_PRIME_HANDLE_TO_FD", DrmIoctlPrimeHandleFD, 0xc00c642d},
		{"DRM_IOCTL_PRIME_FD_TO_HANDLE", DrmIoctlPrimeFDHandle, 0xc00c642e},
		{"DRM_IOCTL_MODE_CREATE_DUMB", DrmIoctlCreateDumb, 0xc02064b2},
		{"DRM_IOCTL_VGEM_FENCE_ATTACH", DrmIoctlVgemAttach, 0xc0106441},
		{"DRM_IOCTL_VGEM_FENCE_SIGNAL", DrmIoctlVgemSignal, 0x40086442},
		{"DRM_IOCTL_GEM_CLOSE", DrmIoctlGemClose, 0x40086409},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}
