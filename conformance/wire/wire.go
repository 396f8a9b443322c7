// Package wire is the record format between the conformance guest (the
// init program booted under QEMU) and the host side that compares each
// record with the model's prediction. The guest writes one JSON Record per
// line, prefixed by Prefix, to its second serial port.
package wire

// Prefix starts every record line; Done is the guest's last line.
const (
	Prefix = "@@ "
	Done   = "DMABUFCHECK-CONFORMANCE-DONE"
)

// Operations. Each names the system call or ioctl the guest made.
const (
	// Environment and setup (not predicted; they must succeed).
	OpEnv         = "env"          // kernel release, modules loaded, features present
	OpSetup       = "setup"        // a helper call a scenario needs (memfd, open, close); Note names it
	OpVgemDumb    = "vgem_dumb"    // DRM_IOCTL_MODE_CREATE_DUMB + PRIME_HANDLE_TO_FD: Out is the dma-buf
	OpVgemImport  = "vgem_import"  // DRM_IOCTL_PRIME_FD_TO_HANDLE of buffer Obj: Out is the vgem handle
	OpScenarioEnd = "scenario_end" // the scenario finished; Note is an error if it stopped early

	// Buffer creation.
	OpUdmabufCreate = "udmabuf_create" // UDMABUF_CREATE
	OpHeapAlloc     = "heap_alloc"     // DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/system

	// Generic dma-buf file operations on buffer Obj.
	OpLseek    = "lseek"
	OpMmap     = "mmap"
	OpSync     = "sync"     // DMA_BUF_IOCTL_SYNC; may block (Blocked, Waiter)
	OpSetName  = "set_name" // DMA_BUF_SET_NAME_B with a name of Args["len"] characters
	OpIoctl    = "ioctl"    // an ioctl command Args["cmd"] the file's driver does not know
	OpPoll     = "poll"     // poll(Args["events"], timeout 0): Revents
	OpPollWait = "poll_wait"
	OpExport   = "export" // DMA_BUF_IOCTL_EXPORT_SYNC_FILE: Out is the sync_file, Info its FILE_INFO
	OpImport   = "import" // DMA_BUF_IOCTL_IMPORT_SYNC_FILE of Obj2 (a sync_file, or "fd:-1", "devnull", a buffer)
	OpResv     = "resv"   // the buffer's dma_resv entries from debugfs dma_buf/bufinfo

	// sync_file and sw_sync.
	OpFileInfo = "file_info" // SYNC_IOC_FILE_INFO of sync_file Obj
	OpMerge    = "merge"     // SYNC_IOC_MERGE of Obj and Obj2: Out, Info
	OpSwOpen   = "sw_open"   // open <debugfs>/sync/sw_sync: timeline Out named Note
	OpSwCreate = "sw_create" // SW_SYNC_IOC_CREATE_FENCE(Args["value"]) on timeline Obj: Out, Info
	OpSwInc    = "sw_inc"    // SW_SYNC_IOC_INC(Args["n"])
	OpSwClose  = "sw_close"  // close of the timeline fd

	// vgem fences.
	OpVgemAttach = "vgem_attach" // DRM_IOCTL_VGEM_FENCE_ATTACH on handle Obj: Out is the fence
	OpVgemSignal = "vgem_signal" // DRM_IOCTL_VGEM_FENCE_SIGNAL of fence Obj (or "id:N")
)

// Record is one probed call.
type Record struct {
	Seq  int    `json:"seq"`
	Scn  string `json:"scn"`
	Op   string `json:"op"`
	Obj  string `json:"obj,omitempty"`
	Obj2 string `json:"obj2,omitempty"`
	Out  string `json:"out,omitempty"`
	// Exp is the exporter of a buffer the call creates: udmabuf, system, vgem.
	Exp string `json:"exp,omitempty"`
	// Args are the call's integer arguments, by name (flags, len, whence…).
	Args map[string]int64 `json:"args,omitempty"`
	// Str are string arguments or inputs (the udmabuf backing's kind).
	Str map[string]string `json:"str,omitempty"`
	// Errno is the error the call returned (0 on success) and Ret its
	// return value.
	Errno int   `json:"errno"`
	Ret   int64 `json:"ret"`

	// Observations.
	Size    int64  `json:"size,omitempty"`    // a new buffer's size (lseek SEEK_END)
	Cloexec *bool  `json:"cloexec,omitempty"` // FD_CLOEXEC of a new fd
	ExpName string `json:"exp_name,omitempty"`
	Revents *int   `json:"revents,omitempty"` // poll
	// Blocked: the call had not returned after the blocking window; it
	// then runs on as Waiter until a later record reports it in Woke.
	Blocked *bool      `json:"blocked,omitempty"`
	Waiter  string     `json:"waiter,omitempty"`
	Info    *FileInfo  `json:"info,omitempty"`
	Resv    []ResvLine `json:"resv,omitempty"`
	// Woke and Still report, after a call that signals fences, every
	// waiter that returned (with its result) and every one still blocked.
	Woke  []Wake   `json:"woke,omitempty"`
	Still []string `json:"still,omitempty"`
	Note  string   `json:"note,omitempty"`
}

// FileInfo is SYNC_IOC_FILE_INFO's answer.
type FileInfo struct {
	Status int         `json:"status"`
	Fences []FenceInfo `json:"fences"`
}

// FenceInfo is one struct sync_fence_info.
type FenceInfo struct {
	Driver   string `json:"driver"`
	Timeline string `json:"timeline"`
	Status   int    `json:"status"`
}

// ResvLine is one fence line of the buffer in dma_buf/bufinfo
// ("\t<usage> fence:<driver> <timeline> seq <n> [un]signalled").
type ResvLine struct {
	Usage     string `json:"usage"`
	Driver    string `json:"driver"`
	Timeline  string `json:"timeline"`
	Seq       uint64 `json:"seq"`
	Signalled bool   `json:"signalled"`
}

// Wake is a waiter that returned.
type Wake struct {
	Waiter  string `json:"waiter"`
	Errno   int    `json:"errno"`
	Revents int    `json:"revents,omitempty"`
}
