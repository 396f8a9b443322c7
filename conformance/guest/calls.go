package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
)

// A call is blocked when its thread sleeps in the kernel (state S or D
// in /proc/self/task/<tid>/stat, not in a futex: that is the Go runtime)
// for sleepSamples samples sampleEvery apart, without returning; a call
// that neither returns nor sleeps within maxWindow counts as blocked too.
// The decision looks at the guest's own thread states, so a loaded host
// that slows QEMU down does not change it.
const (
	sampleEvery  = 5 * time.Millisecond
	sleepSamples = 10
	maxWindow    = 3 * time.Second
)

// scn is one running scenario: its named objects and blocked calls.
type scn struct {
	rec     *recorder
	name    string
	bufs    map[string]int    // dma-buf fds
	files   map[string]int    // sync_file fds
	tls     map[string]int    // sw_sync timeline fds
	handles map[string]uint32 // vgem GEM handles
	fences  map[string]uint32 // vgem fence ids
	done    map[string]bool   // vgem fences this program signalled
	drm     int
	waiters []*waiter
	nwait   int
	closers []int
}

type waiter struct {
	id  string
	ch  chan wakeRes
	tid int
}

type wakeRes struct{ errno, revents int }

type scenario struct {
	name  string
	needs []string
	run   func(s *scn)
}

func runScenario(rec *recorder, sc scenario) {
	end := rec.newRecord(sc.name, wire.OpScenarioEnd, "")
	for _, n := range sc.needs {
		if !have(n) {
			end.Note = "skipped: no " + n
			rec.emit(end)
			return
		}
	}
	s := &scn{rec: rec, name: sc.name, bufs: map[string]int{}, files: map[string]int{}, tls: map[string]int{},
		handles: map[string]uint32{}, fences: map[string]uint32{}, done: map[string]bool{}, drm: -1}
	func() {
		defer func() {
			if r := recover(); r != nil {
				end.Note = fmt.Sprintf("stopped: %v", r)
			}
		}()
		sc.run(s)
		s.cleanup()
	}()
	for _, w := range s.waiters {
		end.Still = append(end.Still, w.id)
	}
	for _, fd := range s.closers {
		unix.Close(fd)
	}
	if s.drm >= 0 {
		unix.Close(s.drm)
	}
	rec.emit(end)
	fmt.Fprintf(console, "guest: %s done (%d records so far)\n", sc.name, rec.seq)
}

// cleanup closes the timelines still open and signals the vgem fences not
// yet signalled, so that no call stays blocked; both are recorded.
func (s *scn) cleanup() {
	for _, name := range sortedKeys(s.tls) {
		s.swClose(name)
	}
	for _, name := range sortedKeys(s.fences) {
		if !s.done[name] {
			s.signal(name, 0)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *scn) r(op, obj string) *wire.Record {
	return s.rec.newRecord(s.name, op, obj)
}

func (s *scn) emit(r *wire.Record) { s.rec.emit(r) }

func (s *scn) keep(fd int) int { s.closers = append(s.closers, fd); return fd }

// must stops the scenario when a setup call fails.
func (s *scn) must(what string, err error) {
	if err != nil {
		r := s.r(wire.OpSetup, "")
		r.Note, r.Errno = what, errnoOf(err)
		s.emit(r)
		panic(fmt.Sprintf("%s: %v", what, err))
	}
}

// fd resolves an object name: a buffer, a sync_file, or one of the
// special names of import's second argument.
func (s *scn) fd(name string) int {
	if fd, ok := s.bufs[name]; ok {
		return fd
	}
	if fd, ok := s.files[name]; ok {
		return fd
	}
	switch name {
	case "fd:-1":
		return -1
	case "devnull":
		fd, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
		s.must("open /dev/null", err)
		return s.keep(fd)
	}
	panic("no object " + name)
}

func args(kv ...any) map[string]int64 {
	m := map[string]int64{}
	for i := 0; i < len(kv); i += 2 {
		var v int64
		switch x := kv[i+1].(type) {
		case int:
			v = int64(x)
		case int64:
			v = x
		case uint32:
			v = int64(x)
		case uint64:
			v = int64(x)
		default:
			panic(fmt.Sprintf("args: %T", x))
		}
		m[kv[i].(string)] = v
	}
	return m
}

func boolp(b bool) *bool { return &b }
func intp(i int) *int    { return &i }

// --- buffers ---------------------------------------------------------

// memfd returns a memfd of size bytes with seals added.
func (s *scn) memfd(size int64, seals int) int {
	fd, err := unix.MemfdCreate("conformance", unix.MFD_ALLOW_SEALING|unix.MFD_CLOEXEC)
	s.must("memfd_create", err)
	s.keep(fd)
	s.must("ftruncate", unix.Ftruncate(fd, size))
	if seals != 0 {
		_, err = unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals)
		s.must("F_ADD_SEALS", err)
	}
	return fd
}

// udmabufFrom is UDMABUF_CREATE on fd (of kind backing: memfd, tmpfs,
// pipe, closed); the record carries the seals and size the backing has.
func (s *scn) udmabufFrom(out, backing string, fd int, offset, size uint64, flags uint32) {
	r := s.r(wire.OpUdmabufCreate, "")
	r.Out, r.Exp = out, "udmabuf"
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		seals = -errnoOf(err)
	}
	var st unix.Stat_t
	fsize := int64(-1)
	if unix.Fstat(fd, &st) == nil {
		fsize = st.Size
	}
	r.Str = map[string]string{"backing": backing}
	r.Args = args("seals", seals, "fsize", fsize, "offset", offset, "size", size, "flags", flags)
	dev, err := unix.Open("/dev/udmabuf", unix.O_RDWR|unix.O_CLOEXEC, 0)
	s.must("open /dev/udmabuf", err)
	defer unix.Close(dev)
	arg := udmabufCreate{Memfd: uint32(fd), Flags: flags, Offset: offset, Size: size}
	nfd, err := ioctlRet(dev, wire.UdmabufCreate, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		s.bufs[out] = s.keep(nfd)
		r.Size, r.Cloexec, r.ExpName = sizeOf(nfd), cloexec(nfd), fdinfo(nfd, "exp_name")
	}
	s.emit(r)
}

// udmabuf creates a 16 KiB udmabuf from a memfd sealed with F_SEAL_SHRINK.
func (s *scn) udmabuf(out string) {
	s.udmabufFrom(out, "memfd", s.memfd(16384, wire.FSealShrink), 0, 16384, wire.UdmabufFlagsCloexec)
	if _, ok := s.bufs[out]; !ok {
		panic("udmabuf " + out + " not created")
	}
}

// heapAlloc is DMA_HEAP_IOCTL_ALLOC on the system heap.
func (s *scn) heapAlloc(out string, length uint64, fdFlags uint32, heapFlags uint64, fdIn uint32) {
	r := s.r(wire.OpHeapAlloc, "")
	r.Out, r.Exp = out, "system"
	r.Args = args("len", length, "fd_flags", fdFlags, "heap_flags", heapFlags, "fd", fdIn)
	dev, err := unix.Open(features["heap"], unix.O_RDONLY|unix.O_CLOEXEC, 0)
	s.must("open /dev/dma_heap/system", err)
	defer unix.Close(dev)
	arg := heapAlloc{Len: length, Fd: fdIn, FdFlags: fdFlags, HeapFlags: heapFlags}
	err = ioctl(dev, wire.DmaHeapIoctlAlloc, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		fd := int(arg.Fd)
		s.bufs[out] = s.keep(fd)
		r.Size, r.Cloexec, r.ExpName = sizeOf(fd), cloexec(fd), fdinfo(fd, "exp_name")
		fl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		r.Args["accmode"] = int64(fl & unix.O_ACCMODE)
	}
	s.emit(r)
}

func (s *scn) heap(out string) {
	s.heapAlloc(out, 16384, unix.O_RDWR|unix.O_CLOEXEC, 0, 0)
	if _, ok := s.bufs[out]; !ok {
		panic("heap buffer " + out + " not created")
	}
}

func (s *scn) openDRM() {
	if s.drm >= 0 {
		return
	}
	fd, err := unix.Open(features["vgem"], unix.O_RDWR|unix.O_CLOEXEC, 0)
	s.must("open /dev/dri/card0", err)
	s.drm = fd
}

// vgemBuf creates a 16 KiB vgem dumb buffer (handle out) and exports it
// as dma-buf out.
func (s *scn) vgemBuf(out string) {
	s.openDRM()
	r := s.r(wire.OpVgemDumb, "")
	r.Out, r.Exp = out, "vgem"
	d := createDumb{Width: 1024, Height: 4, Bpp: 32}
	err := ioctl(s.drm, wire.DrmIoctlCreateDumb, unsafe.Pointer(&d))
	if err == nil {
		s.handles[out] = d.Handle
		p := primeHandle{Handle: d.Handle, Flags: unix.O_CLOEXEC | unix.O_RDWR}
		err = ioctl(s.drm, wire.DrmIoctlPrimeHandleFD, unsafe.Pointer(&p))
		if err == nil {
			s.bufs[out] = s.keep(int(p.Fd))
			r.Size, r.Cloexec, r.ExpName = sizeOf(int(p.Fd)), cloexec(int(p.Fd)), fdinfo(int(p.Fd), "exp_name")
		}
	}
	r.Errno = errnoOf(err)
	s.emit(r)
	if err != nil {
		panic("vgem buffer: " + err.Error())
	}
}

// buf creates a 16 KiB buffer of exporter exp.
func (s *scn) buf(exp, out string) {
	switch exp {
	case "udmabuf":
		s.udmabuf(out)
	case "system":
		s.heap(out)
	case "vgem":
		s.vgemBuf(out)
	default:
		panic("exporter " + exp)
	}
}

// vgemImport imports buffer buf into vgem (PRIME_FD_TO_HANDLE): handle out.
func (s *scn) vgemImport(buf, out string) {
	s.openDRM()
	r := s.r(wire.OpVgemImport, buf)
	r.Out = out
	p := primeHandle{Fd: int32(s.bufs[buf])}
	err := ioctl(s.drm, wire.DrmIoctlPrimeFDHandle, unsafe.Pointer(&p))
	r.Errno = errnoOf(err)
	if err == nil {
		s.handles[out] = p.Handle
	}
	s.emit(r)
}

// --- file operations -------------------------------------------------

func (s *scn) lseek(buf string, off int64, whence int) {
	r := s.r(wire.OpLseek, buf)
	r.Args = args("offset", off, "whence", whence)
	n, err := unix.Seek(s.bufs[buf], off, whence)
	r.Ret, r.Errno = n, errnoOf(err)
	s.emit(r)
}

func (s *scn) mmap(buf string, length, pgoff int64, prot, flags int) {
	r := s.r(wire.OpMmap, buf)
	r.Args = args("len", length, "offset", pgoff, "prot", prot, "flags", flags)
	b, err := unix.Mmap(s.bufs[buf], pgoff, int(length), prot, flags)
	r.Errno = errnoOf(err)
	if err == nil {
		unix.Munmap(b)
	}
	s.emit(r)
}

func (s *scn) setName(buf string, n int) {
	r := s.r(wire.OpSetName, buf)
	r.Args = args("len", n)
	name := make([]byte, n+1)
	for i := range n {
		name[i] = 'a' + byte(i%26)
	}
	err := ioctl(s.bufs[buf], wire.DmaBufSetNameB, unsafe.Pointer(&name[0]))
	r.Errno = errnoOf(err)
	s.emit(r)
}

// ioctlUnknown calls an ioctl command that obj's driver does not define,
// or cmd if given.
func (s *scn) ioctlCmd(obj string, cmd uintptr) {
	r := s.r(wire.OpIoctl, obj)
	r.Args = args("cmd", int64(cmd))
	var v [64]byte
	err := ioctl(s.fd(obj), cmd, unsafe.Pointer(&v[0]))
	r.Errno = errnoOf(err)
	s.emit(r)
}

// sync is DMA_BUF_IOCTL_SYNC(flags); it may block.
func (s *scn) sync(buf string, flags uint64) {
	r := s.r(wire.OpSync, buf)
	r.Args = args("flags", flags)
	fd := s.fd(buf)
	s.blocking(r, func() wakeRes {
		arg := flags
		return wakeRes{errno: errnoOf(ioctl(fd, wire.DmaBufIoctlSync, unsafe.Pointer(&arg)))}
	})
}

func (s *scn) poll(obj string, events int) {
	r := s.r(wire.OpPoll, obj)
	r.Args = args("events", events)
	fds := []unix.PollFd{{Fd: int32(s.fd(obj)), Events: int16(events)}}
	_, err := unix.Poll(fds, 0)
	r.Errno, r.Revents = errnoOf(err), intp(int(fds[0].Revents))
	s.emit(r)
}

// pollWait is a poll with a 20 s timeout; it may block.
func (s *scn) pollWait(obj string, events int) {
	r := s.r(wire.OpPollWait, obj)
	r.Args = args("events", events)
	fd := s.fd(obj)
	s.blocking(r, func() wakeRes {
		fds := []unix.PollFd{{Fd: int32(fd), Events: int16(events)}}
		for {
			_, err := unix.Poll(fds, 20000)
			if err == unix.EINTR {
				continue
			}
			return wakeRes{errno: errnoOf(err), revents: int(fds[0].Revents)}
		}
	})
}

// blocking runs call on a thread of its own; if it blocks, it goes on as
// a waiter whose result a later settle reports.
func (s *scn) blocking(r *wire.Record, call func() wakeRes) {
	ch := make(chan wakeRes, 1)
	tid := make(chan int, 1)
	go func() {
		runtime.LockOSThread() // the thread exits with the goroutine
		tid <- unix.Gettid()
		ch <- call()
	}()
	w := &waiter{ch: ch, tid: <-tid}
	res, done, wchan := w.wait()
	if done {
		r.Blocked, r.Errno = boolp(false), res.errno
		if r.Op == wire.OpPollWait {
			r.Revents = intp(res.revents)
		}
	} else {
		s.nwait++
		w.id = fmt.Sprintf("w%d", s.nwait)
		r.Blocked, r.Waiter, r.Note = boolp(true), w.id, "sleeping in "+wchan
		s.waiters = append(s.waiters, w)
	}
	s.emit(r)
}

// wait returns the waiter's result if it returns, or done false once it
// sleeps in the kernel (with where: its wchan).
func (w *waiter) wait() (res wakeRes, done bool, where string) {
	deadline := time.Now().Add(maxWindow)
	stable := 0
	for {
		select {
		case res = <-w.ch:
			return res, true, ""
		default:
		}
		state, wchan := threadState(w.tid)
		if (state == "S" || state == "D") && !strings.Contains(wchan, "futex") {
			stable++
		} else {
			stable = 0
		}
		if stable >= sleepSamples {
			return res, false, wchan
		}
		if time.Now().After(deadline) {
			return res, false, "(no return within " + maxWindow.String() + ", state " + state + " " + wchan + ")"
		}
		time.Sleep(sampleEvery)
	}
}

// threadState reads a thread's scheduler state letter and wchan.
func threadState(tid int) (state, wchan string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return "?", ""
	}
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
		state = string(b[i+2])
	}
	wc, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/wchan", tid))
	return state, string(wc)
}

// settle waits, after a call that signals fences, until every blocked
// call has returned or sleeps again, and reports which returned (Woke,
// with the result) and which did not (Still) in r. The signal runs the
// fences' callbacks, which wake the waiters, before the signalling call
// returns.
func (s *scn) settle(r *wire.Record) {
	var left []*waiter
	for _, w := range s.waiters {
		if res, done, _ := w.wait(); done {
			r.Woke = append(r.Woke, wire.Wake{Waiter: w.id, Errno: res.errno, Revents: res.revents})
		} else {
			r.Still = append(r.Still, w.id)
			left = append(left, w)
		}
	}
	s.waiters = left
}

// --- sync_file ---------------------------------------------------------

func (s *scn) export(buf string, flags uint32, out string) {
	r := s.r(wire.OpExport, buf)
	r.Args = args("flags", flags)
	arg := syncFileArg{Flags: flags, Fd: -1}
	err := ioctl(s.bufs[buf], wire.DmaBufExportSyncFile, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		r.Out = out
		s.files[out] = s.keep(int(arg.Fd))
		r.Cloexec = cloexec(int(arg.Fd))
		r.Info, err = fileInfoOf(int(arg.Fd))
		s.must("SYNC_IOC_FILE_INFO", err)
	}
	s.emit(r)
}

func (s *scn) imp(buf, file string, flags uint32) {
	r := s.r(wire.OpImport, buf)
	r.Obj2 = file
	r.Args = args("flags", flags)
	arg := syncFileArg{Flags: flags, Fd: int32(s.fd(file))}
	r.Errno = errnoOf(ioctl(s.bufs[buf], wire.DmaBufImportSyncFile, unsafe.Pointer(&arg)))
	s.emit(r)
}

func (s *scn) resv(buf string) {
	r := s.r(wire.OpResv, buf)
	lines, err := resvOf(s.bufs[buf])
	s.must("read bufinfo", err)
	r.Resv = lines
	s.emit(r)
}

func (s *scn) info(file string) {
	r := s.r(wire.OpFileInfo, file)
	info, err := fileInfoOf(s.files[file])
	r.Errno, r.Info = errnoOf(err), info
	s.emit(r)
}

func (s *scn) merge(a, b, out string) { s.mergeFlags(a, b, out, 0) }

// mergeFlags is SYNC_IOC_MERGE of a and b (any object name) with flags.
func (s *scn) mergeFlags(a, b, out string, flags uint32) {
	r := s.r(wire.OpMerge, a)
	r.Obj2 = b
	r.Args = args("flags", flags)
	arg := syncMerge{Fd2: int32(s.fd(b)), Fence: -1, Flags: flags}
	copy(arg.Name[:], "merged")
	err := ioctl(s.files[a], wire.SyncIocMerge, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		r.Out = out
		s.files[out] = s.keep(int(arg.Fence))
		r.Info, err = fileInfoOf(int(arg.Fence))
		s.must("SYNC_IOC_FILE_INFO", err)
	}
	s.emit(r)
}

// --- sw_sync -------------------------------------------------------------

// swOpen opens a sw_sync timeline. The kernel names it after the opening
// task's comm, so the thread is renamed to name for the open.
func (s *scn) swOpen(name string) {
	r := s.r(wire.OpSwOpen, "")
	r.Out = name
	runtime.LockOSThread()
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&append([]byte(name), 0)[0])), 0, 0, 0)
	fd, err := unix.Open(features["sw_sync"], unix.O_RDWR|unix.O_CLOEXEC, 0)
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&[]byte("init\x00")[0])), 0, 0, 0)
	runtime.UnlockOSThread()
	r.Errno = errnoOf(err)
	s.emit(r)
	s.must("open sw_sync", err)
	s.tls[name] = fd
}

func (s *scn) swCreate(tl string, value uint32, out string) {
	r := s.r(wire.OpSwCreate, tl)
	r.Args = args("value", value)
	arg := swCreate{Value: value, Fence: -1}
	copy(arg.Name[:], out)
	err := ioctl(s.tls[tl], wire.SwSyncIocCreateFence, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		r.Out = out
		s.files[out] = s.keep(int(arg.Fence))
		r.Info, err = fileInfoOf(int(arg.Fence))
		s.must("SYNC_IOC_FILE_INFO", err)
	}
	s.emit(r)
}

func (s *scn) swInc(tl string, n uint32) {
	r := s.r(wire.OpSwInc, tl)
	r.Args = args("n", n)
	v := n
	r.Errno = errnoOf(ioctl(s.tls[tl], wire.SwSyncIocInc, unsafe.Pointer(&v)))
	s.settle(r)
	s.emit(r)
}

func (s *scn) swClose(tl string) {
	r := s.r(wire.OpSwClose, tl)
	r.Errno = errnoOf(unix.Close(s.tls[tl]))
	delete(s.tls, tl)
	s.settle(r)
	s.emit(r)
}

// --- vgem fences -----------------------------------------------------------

func (s *scn) attach(handle string, flags, pad uint32, out string) {
	r := s.r(wire.OpVgemAttach, handle)
	r.Args = args("flags", flags, "pad", pad)
	h, ok := s.handles[handle]
	if !ok {
		h = 0xdead // a handle that does not exist
	}
	arg := vgemAttach{Handle: h, Flags: flags, Pad: pad}
	err := ioctl(s.drm, wire.DrmIoctlVgemAttach, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if err == nil {
		r.Out = out
		s.fences[out] = arg.OutFence
	}
	s.emit(r)
}

// signal is VGEM_FENCE_SIGNAL of fence name (an unknown name signals id
// 999, which does not exist).
func (s *scn) signal(name string, flags uint32) {
	r := s.r(wire.OpVgemSignal, name)
	r.Args = args("flags", flags)
	id, ok := s.fences[name]
	if !ok {
		id = 999
	}
	arg := vgemSignal{Fence: id, Flags: flags}
	err := ioctl(s.drm, wire.DrmIoctlVgemSignal, unsafe.Pointer(&arg))
	r.Errno = errnoOf(err)
	if ok && flags == 0 {
		s.done[name] = true
	}
	s.settle(r)
	s.emit(r)
}
