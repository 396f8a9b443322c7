package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// ioctl calls ioctl(fd, req, arg) with a pointer argument.
func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// ioctlRet is ioctl returning the call's value (a new fd for UDMABUF_CREATE).
func ioctlRet(fd int, req uintptr, arg unsafe.Pointer) (int, error) {
	r, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

type udmabufCreate struct {
	Memfd, Flags uint32
	Offset, Size uint64
}

type heapAlloc struct {
	Len         uint64
	Fd, FdFlags uint32
	HeapFlags   uint64
}

type syncFileArg struct {
	Flags uint32
	Fd    int32
}

type syncMerge struct {
	Name       [32]byte
	Fd2, Fence int32
	Flags, Pad uint32
}

type fenceInfo struct {
	ObjName, DriverName [32]byte
	Status              int32
	Flags               uint32
	Timestamp           uint64
}

type fileInfo struct {
	Name             [32]byte
	Status           int32
	Flags, NumFences uint32
	Pad              uint32
	SyncFenceInfo    uint64
}

type swCreate struct {
	Value uint32
	Name  [32]byte
	Fence int32
}

type primeHandle struct {
	Handle, Flags uint32
	Fd            int32
}

type createDumb struct {
	Height, Width, Bpp, Flags, Handle, Pitch uint32
	Size                                     uint64
}

type vgemAttach struct {
	Handle, Flags, OutFence, Pad uint32
}

type vgemSignal struct {
	Fence, Flags uint32
}

// fileInfoOf is SYNC_IOC_FILE_INFO with room for 8 fences.
func fileInfoOf(fd int) (*wire.FileInfo, error) {
	var fi [8]fenceInfo
	info := fileInfo{NumFences: uint32(len(fi)), SyncFenceInfo: uint64(uintptr(unsafe.Pointer(&fi[0])))}
	if err := ioctl(fd, wire.SyncIocFileInfo, unsafe.Pointer(&info)); err != nil {
		return nil, err
	}
	out := &wire.FileInfo{Status: int(info.Status), Fences: []wire.FenceInfo{}}
	for i := range int(info.NumFences) {
		out.Fences = append(out.Fences, wire.FenceInfo{
			Driver:   unix.ByteSliceToString(fi[i].DriverName[:]),
			Timeline: unix.ByteSliceToString(fi[i].ObjName[:]),
			Status:   int(fi[i].Status),
		})
	}
	return out, nil
}

// cloexec reports FD_CLOEXEC of fd.
func cloexec(fd int) *bool {
	v, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	b := err == nil && v&unix.FD_CLOEXEC != 0
	return &b
}

// fdinfo returns the value of key in /proc/self/fdinfo/<fd>.
func fdinfo(fd int, key string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", fd))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sizeOf is lseek(fd, 0, SEEK_END), the dma-buf size query.
func sizeOf(fd int) int64 {
	n, err := unix.Seek(fd, 0, unix.SEEK_END)
	if err != nil {
		return -1
	}
	unix.Seek(fd, 0, unix.SEEK_SET)
	return n
}

// resvOf returns the fence lines of the dma-buf fd's entry in
// <debugfs>/dma_buf/bufinfo, found by inode number.
func resvOf(fd int) ([]wire.ResvLine, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	f, err := os.Open(features["bufinfo"])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := []wire.ResvLine{}
	found, in := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "\t") {
			fields := strings.Split(l, "\t")
			in = false
			if len(fields) >= 6 {
				if ino, err := strconv.ParseUint(strings.TrimSpace(fields[5]), 10, 64); err == nil && ino == st.Ino {
					in, found = true, true
				}
			}
			continue
		}
		if !in {
			continue
		}
		usage, rest, ok := strings.Cut(strings.TrimPrefix(l, "\t"), " fence:")
		if !ok {
			continue
		}
		w := strings.Fields(rest)
		if len(w) != 5 || w[2] != "seq" {
			return nil, fmt.Errorf("bufinfo: cannot parse %q", l)
		}
		seq, _ := strconv.ParseUint(w[3], 10, 64)
		out = append(out, wire.ResvLine{Usage: usage, Driver: w[0], Timeline: w[1], Seq: seq, Signalled: w[4] == "signalled"})
	}
	if !found {
		return nil, fmt.Errorf("bufinfo: no buffer with inode %d", st.Ino)
	}
	return out, sc.Err()
}
