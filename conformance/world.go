package conformance

import (
	"fmt"
	"sort"
	"strings"

	"sync"

	"github.com/dmabufcheck/dmabufcheck/conformance/wire"
	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// This file drives the world's uAPI layer (model/world: uapi.go,
// uapi_fence.go) as the kernel's records say: a replay per scenario
// holds, for every buffer, its dma-buf file (a world.DMABufFile of its
// exporter, for DMA_BUF_IOCTL_SYNC) and its reservation object (a
// world.Resv over the scenario's world.Fences), plus the sync_files,
// sw_sync timelines and vgem fences the scenario made. Each record is
// replayed through it: the world's rules predict the call's result, and
// the replay moves on as the kernel did.

// Mismatch is one disagreement between the kernel and the model.
type Mismatch struct {
	Seq  int
	Scn  string
	Call string // the call, e.g. "DMA_BUF_IOCTL_SYNC(B, END|READ)"
	// Nth counts the calls of this name in the scenario so far (1 for the
	// first).
	Nth   int
	Field string // what differs: errno, revents, blocked, info, resv, woke…
	// Kernel and Model are the two results.
	Kernel, Model string
	// Known is the explanation when this is a known model gap (gaps.go).
	Known string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s #%d %s: %s: kernel %s, model %s", m.Scn, m.Seq, m.Call, m.Field, m.Kernel, m.Model)
}

// fenceSpec declares the world's fence objects the replay maps the real
// fences onto: four contexts of at most two fences (two rings, the sw_sync
// timeline, the copy engine), all based at seqno 1, with the 6.12
// replacement rule and the wrap-around seqno comparison.
var fenceSpec = world.FenceSpec{
	Rings: []world.Ring{
		{Name: "ctx1", Jobs: world.MaxRingJobs, SeqnoBase: 1},
		{Name: "ctx2", Jobs: world.MaxRingJobs, SeqnoBase: 1},
	},
	Rule: world.Rule612, Compare: world.Wrap32,
	Points: world.MaxPoints, CopyEngine: true, Exports: 1, Imports: 1,
}

// modelContext is one of the world's fence contexts: its slots, in seqno
// order, and its base seqno.
type modelContext struct {
	slots []int
	base  uint32
}

// contextPool lists the world's contexts in increasing context number, so
// that the order in which a scenario's real contexts are allocated (and
// sorted, by SYNC_IOC_MERGE) is kept.
func contextPool(f *world.Fences) []modelContext {
	ctx := func(slots ...int) modelContext { return modelContext{slots, f.Base(slots[0])} }
	return []modelContext{
		ctx(f.RingFence(0, 0), f.RingFence(0, 1)),
		ctx(f.RingFence(1, 0), f.RingFence(1, 1)),
		ctx(f.PointFence(0), f.PointFence(1)),
		ctx(f.CopyFence()),
	}
}

// exporterPresets are the world's exporter presets of the three exporters
// probed: their hooks (for SYNC) and FileOps (mmap policy, exp_name).
var exporterPresets = map[string]string{"udmabuf": "udmabuf", "system": "system-heap", "vgem": "gem-prime"}

// exporters builds the three exporters' uAPI worlds once.
var exporters = sync.OnceValues(func() (map[string]*world.DMABufExporter, error) {
	out := map[string]*world.DMABufExporter{}
	for exp, preset := range exporterPresets {
		e, err := world.NewDMABufExporter(preset)
		if err != nil {
			return nil, err
		}
		out[exp] = e
	}
	return out, nil
})

type buffer struct {
	exp     *world.DMABufExporter
	size    int64
	accMode int
	file    *world.DMABufFile // the dma-buf file: SYNC's bracket
	resv    *world.Resv       // the reservation object
}

type timeline struct {
	name   string
	ctx    modelContext
	value  uint32
	seqnos []uint32       // every point value the scenario creates, sorted
	slots  map[uint32]int // point value → slot
	closed bool
}

type vgemFence struct {
	slot     int
	consumed bool // signalled through the ioctl: the id is gone
}

// desc is how the kernel names a fence (sync_fence_info, bufinfo).
type desc struct {
	driver, timeline string
	seq              uint64
}

type waiter struct {
	id     string
	call   string
	sync   bool
	wait   []int  // sync: the fences begin_cpu_access waits for
	errno  int    // sync: the result once the wait is over
	buf    string // poll on a buffer
	leaves []int  // poll on a sync_file
	events int
}

type replay struct {
	f       *world.Fences // the fences every reservation object sees
	exps    map[string]*world.DMABufExporter
	pool    []modelContext
	bufs    map[string]*buffer
	files   map[string][]int
	tls     map[string]*timeline
	vgem    map[string]*vgemFence
	handles map[string]string // vgem handle → buffer
	names   map[int]desc
	ctxUsed int
	waiters []*waiter
	bad     []Mismatch
	calls   int
	checks  int
	seen    map[string]int // calls by name so far
}

func newWorld(recs []wire.Record) (*replay, error) {
	f, err := world.NewFences(fenceSpec)
	if err != nil {
		return nil, err
	}
	exps, err := exporters()
	if err != nil {
		return nil, err
	}
	w := &replay{f: f, exps: exps, pool: contextPool(f), bufs: map[string]*buffer{}, files: map[string][]int{}, tls: map[string]*timeline{},
		vgem: map[string]*vgemFence{}, handles: map[string]string{}, seen: map[string]int{},
		names: map[int]desc{world.StubFence: {"stub", "stub", 0}}}
	// The world keeps only seqno mod 4 per fence: each timeline's point
	// values are ranked over the whole scenario, so that their order
	// (all the rules look at) is kept.
	vals := map[string]map[uint32]bool{}
	for _, r := range recs {
		if r.Op == wire.OpSwCreate {
			if vals[r.Obj] == nil {
				vals[r.Obj] = map[uint32]bool{}
			}
			vals[r.Obj][uint32(r.Args["value"])] = true
		}
	}
	for name, vs := range vals {
		t := &timeline{name: name, slots: map[uint32]int{}}
		for v := range vs {
			t.seqnos = append(t.seqnos, v)
		}
		sort.Slice(t.seqnos, func(i, j int) bool { return t.seqnos[i] < t.seqnos[j] })
		w.tls[name] = t
	}
	return w, nil
}

// newContext hands out the next world context.
func (w *replay) newContext() (modelContext, error) {
	if w.ctxUsed == len(w.pool) {
		return modelContext{}, fmt.Errorf("the scenario uses more than %d fence contexts, the world's bound", len(w.pool))
	}
	w.ctxUsed++
	return w.pool[w.ctxUsed-1], nil
}

func (w *replay) signal(f int, err world.FenceError) { w.f.Signal(f, err) }

// --- comparison helpers ------------------------------------------------

type check struct {
	w    *replay
	r    *wire.Record
	call string
	nth  int
}

func (c check) eq(field, kernel, model string) {
	c.w.checks++
	if kernel != model {
		c.w.bad = append(c.w.bad, Mismatch{Seq: c.r.Seq, Scn: c.r.Scn, Call: c.call, Nth: c.nth, Field: field, Kernel: kernel, Model: model})
	}
}

func (c check) errno(want world.Errno) { c.eq("errno", world.Errno(c.r.Errno).String(), want.String()) }

func (c check) boolean(field string, kernel *bool, want bool) {
	k := "none"
	if kernel != nil {
		k = fmt.Sprint(*kernel)
	}
	c.eq(field, k, fmt.Sprint(want))
}

func pollNames(ev int) string {
	var s []string
	if ev&wire.PollIn != 0 {
		s = append(s, "IN")
	}
	if ev&wire.PollOut != 0 {
		s = append(s, "OUT")
	}
	if ev&^(wire.PollIn|wire.PollOut) != 0 {
		s = append(s, fmt.Sprintf("%#x", ev&^(wire.PollIn|wire.PollOut)))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "|")
}

func syncFlagNames(f uint64) string {
	var s []string
	if f&world.SyncFlagEnd != 0 {
		s = append(s, "END")
	} else {
		s = append(s, "START")
	}
	switch f & world.SyncFlagRW {
	case world.SyncFlagRead:
		s = append(s, "READ")
	case world.SyncFlagWrite:
		s = append(s, "WRITE")
	case world.SyncFlagRW:
		s = append(s, "RW")
	}
	if rest := f &^ world.SyncFlagsValid; rest != 0 {
		s = append(s, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(s, "|")
}

// callName names a record's call for reports.
func callName(r *wire.Record) string {
	a := r.Args
	switch r.Op {
	case wire.OpUdmabufCreate:
		return fmt.Sprintf("UDMABUF_CREATE(%s %s, seals %#x, offset %d, size %d, flags %#x)", r.Out, r.Str["backing"], a["seals"], a["offset"], a["size"], a["flags"])
	case wire.OpHeapAlloc:
		return fmt.Sprintf("DMA_HEAP_IOCTL_ALLOC(%s, len %d, fd_flags %#o, heap_flags %#x, fd %d)", r.Out, a["len"], a["fd_flags"], a["heap_flags"], a["fd"])
	case wire.OpLseek:
		return fmt.Sprintf("lseek(%s, %d, %s)", r.Obj, a["offset"], [...]string{"SEEK_SET", "SEEK_CUR", "SEEK_END", "?"}[min(a["whence"], 3)])
	case wire.OpMmap:
		return fmt.Sprintf("mmap(%s, len %d, offset %d, prot %d, %s)", r.Obj, a["len"], a["offset"], a["prot"], map[int64]string{1: "MAP_SHARED", 2: "MAP_PRIVATE"}[a["flags"]])
	case wire.OpSync:
		return fmt.Sprintf("DMA_BUF_IOCTL_SYNC(%s, %s)", r.Obj, syncFlagNames(uint64(a["flags"])))
	case wire.OpSetName:
		return fmt.Sprintf("DMA_BUF_SET_NAME(%s, %d chars)", r.Obj, a["len"])
	case wire.OpIoctl:
		return fmt.Sprintf("ioctl(%s, %#x)", r.Obj, uint32(a["cmd"]))
	case wire.OpPoll:
		return fmt.Sprintf("poll(%s, %s, 0)", r.Obj, pollNames(int(a["events"])))
	case wire.OpPollWait:
		return fmt.Sprintf("poll(%s, %s, 20 s)", r.Obj, pollNames(int(a["events"])))
	case wire.OpExport:
		return fmt.Sprintf("DMA_BUF_IOCTL_EXPORT_SYNC_FILE(%s, %#x)", r.Obj, a["flags"])
	case wire.OpImport:
		return fmt.Sprintf("DMA_BUF_IOCTL_IMPORT_SYNC_FILE(%s, %s, %#x)", r.Obj, r.Obj2, a["flags"])
	case wire.OpResv:
		return fmt.Sprintf("bufinfo(%s)", r.Obj)
	case wire.OpFileInfo:
		return fmt.Sprintf("SYNC_IOC_FILE_INFO(%s)", r.Obj)
	case wire.OpMerge:
		return fmt.Sprintf("SYNC_IOC_MERGE(%s, %s)", r.Obj, r.Obj2)
	case wire.OpSwCreate:
		return fmt.Sprintf("SW_SYNC_IOC_CREATE_FENCE(%s, %d)", r.Obj, a["value"])
	case wire.OpSwInc:
		return fmt.Sprintf("SW_SYNC_IOC_INC(%s, %d)", r.Obj, a["n"])
	case wire.OpSwClose:
		return fmt.Sprintf("close(timeline %s)", r.Obj)
	case wire.OpVgemAttach:
		return fmt.Sprintf("DRM_IOCTL_VGEM_FENCE_ATTACH(%s, flags %#x, pad %d)", r.Obj, a["flags"], a["pad"])
	case wire.OpVgemSignal:
		return fmt.Sprintf("DRM_IOCTL_VGEM_FENCE_SIGNAL(%s, flags %#x)", r.Obj, a["flags"])
	}
	return r.Op + "(" + r.Obj + ")"
}

// --- replay ------------------------------------------------------------

// apply replays one record: predicts, compares, and moves the world on.
func (w *replay) apply(r *wire.Record) {
	c := check{w: w, r: r, call: callName(r)}
	w.seen[c.call]++
	c.nth = w.seen[c.call]
	counted := true
	defer func() {
		if counted {
			w.calls++
		}
	}()
	switch r.Op {
	case wire.OpUdmabufCreate:
		file := map[string]world.UdmabufFile{"memfd": world.FileShmem, "tmpfs": world.FileShmem, "pipe": world.FileOther, "closed": world.FileClosed}[r.Str["backing"]]
		cloexec, err := world.UdmabufCreate(world.UdmabufArgs{File: file, Seals: int(r.Args["seals"]), FSize: r.Args["fsize"],
			Offset: uint64(r.Args["offset"]), Size: uint64(r.Args["size"]), Flags: uint32(r.Args["flags"])})
		c.errno(err)
		if err == world.OK && r.Errno == 0 {
			c.eq("size", fmt.Sprint(r.Size), fmt.Sprint(r.Args["size"]))
			c.boolean("FD_CLOEXEC", r.Cloexec, cloexec)
			c.eq("exp_name", r.ExpName, w.exps["udmabuf"].FileOps().ExpName)
			w.addBuffer(r.Out, "udmabuf", r.Args["size"], 2)
		}
	case wire.OpHeapAlloc:
		size, acc, cloexec, err := world.HeapAlloc(world.HeapArgs{Len: uint64(r.Args["len"]), Fd: uint32(r.Args["fd"]),
			FdFlags: uint32(r.Args["fd_flags"]), HeapFlags: uint64(r.Args["heap_flags"])})
		c.errno(err)
		if err == world.OK && r.Errno == 0 {
			c.eq("size", fmt.Sprint(r.Size), fmt.Sprint(size))
			c.eq("access mode", fmt.Sprint(r.Args["accmode"]), fmt.Sprint(acc))
			c.boolean("FD_CLOEXEC", r.Cloexec, cloexec)
			c.eq("exp_name", r.ExpName, w.exps["system"].FileOps().ExpName)
			w.addBuffer(r.Out, "system", size, acc)
		}
	case wire.OpVgemDumb, wire.OpVgemImport, wire.OpSwOpen:
		counted = false
		if r.Errno != 0 {
			w.fail(r, "setup call failed: %s", world.Errno(r.Errno))
			return
		}
		switch r.Op {
		case wire.OpVgemDumb:
			w.addBuffer(r.Out, "vgem", r.Size, 2)
			w.handles[r.Out] = r.Out
		case wire.OpVgemImport:
			w.handles[r.Out] = r.Obj // the imported GEM object uses the dma-buf's resv
		case wire.OpSwOpen:
			t := w.tls[r.Out]
			if t == nil {
				t = &timeline{name: r.Out, slots: map[uint32]int{}}
				w.tls[r.Out] = t
			}
			ctx, err := w.newContext()
			if err != nil {
				w.fail(r, "%v", err)
				return
			}
			if len(t.seqnos) > len(ctx.slots) {
				w.fail(r, "timeline %s has %d points, the world at most %d per context", r.Out, len(t.seqnos), len(ctx.slots))
				return
			}
			t.ctx = ctx
		}
	case wire.OpLseek:
		b := w.buf(r)
		if b == nil {
			return
		}
		ret, err := world.Lseek(b.size, r.Args["offset"], int(r.Args["whence"]))
		c.errno(err)
		if err == world.OK {
			c.eq("offset", fmt.Sprint(r.Ret), fmt.Sprint(ret))
		}
	case wire.OpMmap:
		b := w.buf(r)
		if b == nil {
			return
		}
		c.errno(world.Mmap(world.MmapArgs{Size: b.size, Length: r.Args["len"], Offset: r.Args["offset"],
			Prot: int(r.Args["prot"]), Flags: int(r.Args["flags"]), AccMode: b.accMode, Policy: b.exp.FileOps().Mmap}))
	case wire.OpSync:
		w.sync(c)
	case wire.OpSetName:
		c.errno(world.SetName(int(r.Args["len"])))
	case wire.OpIoctl:
		cmd := uint64(uint32(r.Args["cmd"]))
		if _, ok := w.bufs[r.Obj]; ok {
			c.errno(world.DmaBufIoctl(cmd))
		} else if _, ok := w.files[r.Obj]; ok {
			c.errno(world.SyncFileIoctl(cmd))
		} else {
			w.fail(r, "unknown object %s", r.Obj)
		}
	case wire.OpPoll, wire.OpPollWait:
		w.poll(c)
	case wire.OpExport:
		w.export(c)
	case wire.OpImport:
		w.importFile(c)
	case wire.OpResv:
		w.compareResv(c)
	case wire.OpFileInfo:
		leaves, ok := w.files[r.Obj]
		if !ok {
			w.fail(r, "unknown sync_file %s", r.Obj)
			return
		}
		c.errno(world.OK)
		w.compareInfo(c, leaves)
	case wire.OpMerge:
		a, okA := w.files[r.Obj]
		b, okB := w.files[r.Obj2]
		if !okA {
			w.fail(r, "unknown sync_file %s", r.Obj)
			return
		}
		if e := world.MergeArgs(uint32(r.Args["flags"]), 0, okB); e != world.OK {
			c.errno(e)
			return
		}
		leaves := w.f.Merge(a, b)
		c.errno(world.OK)
		if r.Errno == 0 {
			w.compareInfo(c, leaves)
			w.files[r.Out] = leaves
		}
	case wire.OpSwCreate:
		w.swCreate(c)
	case wire.OpSwInc, wire.OpSwClose:
		t := w.tls[r.Obj]
		if t == nil || t.closed {
			w.fail(r, "unknown timeline %s", r.Obj)
			return
		}
		if r.Op == wire.OpSwInc {
			// sync_timeline_signal: the timeline advances and every point
			// it has reached signals.
			t.value += uint32(r.Args["n"])
			for _, v := range t.seqnos {
				if f, ok := t.slots[v]; ok && !w.f.IsLater(v, t.value) {
					w.signal(f, world.FenceOK)
				}
			}
		} else {
			// Closing the timeline fd signals its pending points with -ENOENT.
			for _, v := range t.seqnos {
				if f, ok := t.slots[v]; ok {
					w.signal(f, world.FenceENOENT)
				}
			}
			t.closed = true
		}
		c.errno(world.OK)
		w.wakes(c)
	case wire.OpVgemAttach:
		w.vgemAttach(c)
	case wire.OpVgemSignal:
		w.vgemSignal(c)
	case wire.OpScenarioEnd:
		counted = false
		var still []string
		for _, x := range w.waiters {
			still = append(still, x.id)
		}
		c.eq("calls still blocked at the end", strings.Join(r.Still, ","), strings.Join(still, ","))
	default:
		counted = false
		w.fail(r, "unexpected record %q", r.Op)
	}
}

// fail records a failure of the replay itself (a setup call failed, an
// unknown object): the world can no longer follow the kernel.
func (w *replay) fail(r *wire.Record, format string, a ...any) {
	w.bad = append(w.bad, Mismatch{Seq: r.Seq, Scn: r.Scn, Call: callName(r), Field: "replay",
		Kernel: fmt.Sprintf("errno %s", world.Errno(r.Errno)), Model: fmt.Sprintf(format, a...)})
}

func (w *replay) buf(r *wire.Record) *buffer {
	b := w.bufs[r.Obj]
	if b == nil {
		w.fail(r, "unknown buffer %s", r.Obj)
	}
	return b
}

func (w *replay) addBuffer(name, exp string, size int64, accMode int) {
	e := w.exps[exp]
	w.bufs[name] = &buffer{exp: e, size: size, accMode: accMode, file: e.Export(), resv: w.f.NewResv()}
}

// sync is DMA_BUF_IOCTL_SYNC: the world's SYNC call on the buffer's file
// gives the errno, its reservation object whether begin_cpu_access waits.
func (w *replay) sync(c check) {
	r := c.r
	b := w.buf(r)
	if b == nil {
		return
	}
	flags := uint64(r.Args["flags"])
	errno, err := b.file.Sync(flags)
	if err != nil {
		w.fail(r, "%v", err)
		return
	}
	c.errno(errno)
	var wait []int
	if world.SyncCall(flags).Kind == world.KSyncStart {
		wait = b.resv.Query(world.UsageRW(flags&world.SyncFlagWrite != 0))
	}
	c.boolean("blocked", r.Blocked, len(wait) != 0)
	if len(wait) != 0 && r.Blocked != nil && *r.Blocked {
		w.waiters = append(w.waiters, &waiter{id: r.Waiter, call: c.call, sync: true, wait: wait, errno: int(errno)})
	}
}

// ready is poll's readiness of a buffer (dma_buf_poll) or a sync_file
// (sync_file_poll: EPOLLIN once its fence signalled), masked by events.
func (w *replay) ready(buf string, leaves []int, events int) int {
	var rev int
	if b := w.bufs[buf]; b != nil {
		in, out := b.resv.PollReady()
		if in {
			rev |= wire.PollIn
		}
		if out {
			rev |= wire.PollOut
		}
	} else if w.f.AllSignaled(leaves) {
		rev |= wire.PollIn
	}
	return rev & events
}

func (w *replay) poll(c check) {
	r := c.r
	events := int(r.Args["events"])
	var buf string
	var leaves []int
	if _, ok := w.bufs[r.Obj]; ok {
		buf = r.Obj
	} else if l, ok := w.files[r.Obj]; ok {
		leaves = l
	} else {
		w.fail(r, "unknown object %s", r.Obj)
		return
	}
	rev := w.ready(buf, leaves, events)
	c.errno(world.OK)
	if r.Op == wire.OpPoll {
		c.eq("revents", pollNames(derefInt(r.Revents)), pollNames(rev))
		return
	}
	c.boolean("blocked", r.Blocked, rev == 0)
	if rev != 0 && r.Revents != nil {
		c.eq("revents", pollNames(*r.Revents), pollNames(rev))
	}
	if rev == 0 && r.Blocked != nil && *r.Blocked {
		w.waiters = append(w.waiters, &waiter{id: r.Waiter, call: c.call, buf: buf, leaves: leaves, events: events})
	}
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

// wakes compares, after a call that signalled fences, which blocked calls
// returned (and what they returned) with the model's waits that are over.
func (w *replay) wakes(c check) {
	woke := map[string]wire.Wake{}
	for _, x := range c.r.Woke {
		woke[x.Waiter] = x
	}
	var left []*waiter
	for _, x := range w.waiters {
		done, rev := false, 0
		if x.sync {
			done = w.f.AllSignaled(x.wait)
		} else {
			rev = w.ready(x.buf, x.leaves, x.events)
			done = rev != 0
		}
		k, ok := woke[x.id]
		sub := check{w: w, r: c.r, call: c.call + " → " + x.call + " [" + x.id + "]", nth: c.nth}
		sub.eq("returned", fmt.Sprint(ok), fmt.Sprint(done))
		if done && ok {
			if x.sync {
				sub.eq("errno", world.Errno(k.Errno).String(), world.Errno(x.errno).String())
			} else {
				sub.eq("revents", pollNames(k.Revents), pollNames(rev))
			}
		}
		if !ok {
			left = append(left, x)
		}
	}
	w.waiters = left
}

func (w *replay) export(c check) {
	r := c.r
	b := w.buf(r)
	if b == nil {
		return
	}
	write, ok := world.SyncFileFlags(uint32(r.Args["flags"]))
	if !ok {
		c.errno(world.EINVAL)
		return
	}
	c.errno(world.OK)
	if r.Errno != 0 {
		return
	}
	leaves := b.resv.ExportSyncFile(write)
	c.boolean("FD_CLOEXEC", r.Cloexec, true)
	w.compareInfo(c, leaves)
	w.files[r.Out] = leaves
}

func (w *replay) importFile(c check) {
	r := c.r
	b := w.buf(r)
	if b == nil {
		return
	}
	write, ok := world.SyncFileFlags(uint32(r.Args["flags"]))
	if !ok {
		c.errno(world.EINVAL)
		return
	}
	leaves, ok := w.files[r.Obj2]
	if !ok {
		// sync_file_get_fence: not a sync_file (-1, /dev/null, a dma-buf).
		c.errno(world.EINVAL)
		return
	}
	c.errno(world.OK)
	if r.Errno != 0 {
		return
	}
	// dma_buf_import_sync_file: reserve a slot per leaf, then add each leaf
	// in the sync_file's order with WRITE or READ usage.
	b.resv.ImportSyncFile(leaves, write)
}

func (w *replay) swCreate(c check) {
	r := c.r
	t := w.tls[r.Obj]
	if t == nil || t.closed {
		w.fail(r, "unknown timeline %s", r.Obj)
		return
	}
	v := uint32(r.Args["value"])
	f, ok := t.slots[v]
	if !ok || !w.f.Pending(f) {
		rank := sort.Search(len(t.seqnos), func(i int) bool { return t.seqnos[i] >= v })
		f = t.ctx.slots[rank]
		w.f.Create(f, t.ctx.base+uint32(rank))
		t.slots[v] = f
		w.names[f] = desc{"sw_sync", t.name, uint64(v)}
		// A point the timeline has reached is born signalled.
		if !w.f.IsLater(v, t.value) {
			w.signal(f, world.FenceOK)
		}
	}
	c.errno(world.OK)
	if r.Errno == 0 {
		w.compareInfo(c, []int{f})
		w.files[r.Out] = []int{f}
	}
}

func (w *replay) vgemAttach(c check) {
	r := c.r
	flags, pad := r.Args["flags"], r.Args["pad"]
	switch {
	case flags&^wire.VgemFenceWrite != 0, pad != 0:
		c.errno(world.EINVAL)
		return
	}
	bufName, ok := w.handles[r.Obj]
	if !ok {
		c.errno(world.ENOENT) // drm_gem_object_lookup
		return
	}
	b := w.bufs[bufName]
	if b == nil {
		w.fail(r, "unknown buffer %s", bufName)
		return
	}
	write := flags&wire.VgemFenceWrite != 0
	// vgem_fence_attach_ioctl: a conflicting unsignalled fence of
	// dma_resv_usage_rw(write) makes it -EBUSY.
	if !b.resv.TestSignaled(world.UsageRW(write)) {
		c.errno(world.EBUSY)
		return
	}
	c.errno(world.OK)
	if r.Errno != 0 {
		return
	}
	ctx, err := w.newContext()
	if err != nil {
		w.fail(r, "%v", err)
		return
	}
	f := ctx.slots[0]
	w.f.Create(f, ctx.base) // a new context, seqno 1
	w.names[f] = desc{"vgem", "unbound", 1}
	u := world.UsageRead
	if write {
		u = world.UsageWrite
	}
	reserved := 1 // dma_resv_reserve_fences(resv, 1)
	b.resv.Add(f, u, &reserved)
	w.vgem[r.Out] = &vgemFence{slot: f}
}

func (w *replay) vgemSignal(c check) {
	r := c.r
	if r.Args["flags"] != 0 {
		c.errno(world.EINVAL)
		return
	}
	v, ok := w.vgem[r.Obj]
	if !ok || v.consumed {
		c.errno(world.ENOENT) // idr_replace finds no fence
		return
	}
	v.consumed = true
	if w.f.Signalled(v.slot) {
		c.errno(world.ETIMEDOUT) // it timed out first
	} else {
		c.errno(world.OK)
	}
	w.signal(v.slot, world.FenceOK)
	w.wakes(c)
}

// compareInfo compares SYNC_IOC_FILE_INFO of a sync_file with leaves.
func (w *replay) compareInfo(c check, leaves []int) {
	if c.r.Info == nil {
		c.eq("info", "none", "a sync_file")
		return
	}
	c.eq("status", fmt.Sprint(c.r.Info.Status), fmt.Sprint(w.f.FileStatus(leaves)))
	var k, m []string
	for _, f := range c.r.Info.Fences {
		k = append(k, fmt.Sprintf("%s/%s:%d", f.Driver, f.Timeline, f.Status))
	}
	for _, f := range leaves {
		d := w.names[f]
		m = append(m, fmt.Sprintf("%s/%s:%d", d.driver, d.timeline, w.f.Status(f)))
	}
	c.eq("fences", strings.Join(k, " "), strings.Join(m, " "))
}

// compareResv compares the buffer's dma_resv entries in bufinfo with the
// model's, entry by entry in order.
func (w *replay) compareResv(c check) {
	b := w.buf(c.r)
	if b == nil {
		return
	}
	c.errno(world.OK)
	var k, m []string
	for _, l := range c.r.Resv {
		st := "unsignalled"
		if l.Signalled {
			st = "signalled"
		}
		k = append(k, fmt.Sprintf("%s %s/%s seq %d %s", l.Usage, l.Driver, l.Timeline, l.Seq, st))
	}
	fences, usages := b.resv.Entries()
	for i, f := range fences {
		d := w.names[f]
		st := "unsignalled"
		if w.f.Signalled(f) {
			st = "signalled"
		}
		m = append(m, fmt.Sprintf("%s %s/%s seq %d %s", strings.ToLower(usages[i].String()), d.driver, d.timeline, d.seq, st))
	}
	c.eq("resv", strings.Join(k, "; "), strings.Join(m, "; "))
}
