package world

import (
	"fmt"
	"sort"
)

// This file opens the fence family's rules to code that drives them call
// by call, with the kernel's own arguments, instead of through a program:
// the conformance suite's replay (package conformance) follows a real
// kernel's records and asks these functions what each sync_file, sw_sync,
// vgem and DMA_BUF_IOCTL_{EXPORT,IMPORT}_SYNC_FILE call returns. Fences
// are the fence objects of a world built from a FenceSpec (its rings'
// fences, the sw_sync points, the copy engine's fence, each a slot of the
// family's packed state, with its context and seqno base); any number of
// reservation objects (Resv, one per dma-buf) share their statuses, as
// every dma_resv of a kernel sees the same dma_fences. Each operation is
// the family's own rule (fence_state.go: addFence, query, signal, create,
// seqno, isLater), so the replay and the checker cannot drift apart. The
// state machine does not use this file.

// StubFence is the slot of dma_fence_get_stub(): context 0, always
// signalled.
const StubFence = fStub

// FenceError is a fence's error (dma_fence.error) as the family stores it.
type FenceError uint8

// The errors a fence signals with.
const (
	FenceOK     = FenceError(ferrNone)
	FenceENOENT = FenceError(ferrNoEnt) // a sw_sync timeline closed with the point pending
	FenceETIME  = FenceError(ferrTime)  // drm_sched's timeout
)

// UsageRW is dma_resv_usage_rw(write) (include/linux/dma-resv.h): a writer
// waits for every reader and writer (READ), a reader for writers only
// (WRITE).
func UsageRW(write bool) Usage { return usageRW(write) }

// Fences are the fence objects of one world and their state: status,
// error and seqno of every slot.
type Fences struct {
	c *core
	g []byte // the world's state; its fence bytes are the statuses
}

// NewFences builds a world with spec's fence objects and one agent, user
// space, that makes no call of its own: every fence starts unused.
func NewFences(spec FenceSpec) (*Fences, error) {
	m, err := Build(Spec{Name: "fences", Lines: 1, Writes: 1, Fence: spec, Agents: []Agent{{Name: "user space"}}})
	if err != nil {
		return nil, err
	}
	if !m.c.lay.fence.used {
		return nil, fmt.Errorf("fences: the spec declares no fence object")
	}
	t := &Fences{c: m.c, g: make([]byte, classOf(m.c.lay.size))}
	m.c.init(t.g)
	return t, nil
}

func (t *Fences) fs() fs { return fs{b: t.g, l: &t.c.lay.fence} }

// Slots is the number of fence slots, the stub included.
func (t *Fences) Slots() int { return t.c.lay.fence.slots }

// RingFence is the slot of ring r's k-th job fence.
func (t *Fences) RingFence(r, k int) int {
	l := &t.c.lay.fence
	if r < 0 || r >= l.rings || k < 0 || k >= l.ring0[r+1]-l.ring0[r] {
		panic(fmt.Sprintf("world: ring %d has no job %d", r, k))
	}
	return l.ring0[r] + k
}

// PointFence is the slot of the sw_sync timeline's k-th point.
func (t *Fences) PointFence(k int) int {
	l := &t.c.lay.fence
	if k < 0 || k >= l.points {
		panic(fmt.Sprintf("world: the timeline has no point %d", k))
	}
	return l.fPoint + k
}

// CopyFence is the slot of the exporter's copy fence, -1 without a copy
// engine.
func (t *Fences) CopyFence() int { return t.c.lay.fence.fCopy }

// Context is slot f's fence context: 0 for the stub, then the rings in
// order, the timeline, the copy engine.
func (t *Fences) Context(f int) int { return int(t.c.lay.fence.ctx[f]) }

// Base is the seqno of the first fence of slot f's context.
func (t *Fences) Base(f int) uint32 { return t.c.lay.fence.base[f] }

// Create makes slot f a new pending fence with the given seqno
// (dma_fence_init). Only seqno mod 4 is stored: Seqno reconstructs it from
// the context's base, so a caller keeps a context's seqnos within
// Base..Base+3.
func (t *Fences) Create(f int, seqno uint32) { t.fs().create(f, seqno) }

// Seqno is slot f's 32-bit seqno.
func (t *Fences) Seqno(f int) uint32 { return t.fs().seqno(f) }

// IsLater is __dma_fence_is_later(a, b) with the spec's comparison.
func (t *Fences) IsLater(a, b uint32) bool { return isLater(a, b, t.c.lay.fence.cmp) }

// Signal is dma_fence_set_error(err) (when err is not FenceOK) then
// dma_fence_signal (drivers/dma-buf/dma-fence.c); a fence that is not
// pending is left alone.
func (t *Fences) Signal(f int, err FenceError) { t.fs().signal(f, uint8(err)) }

// Pending reports whether slot f is an unsignalled fence.
func (t *Fences) Pending(f int) bool { return t.fs().pending(f) }

// Signalled reports whether slot f is a signalled fence (the stub is).
func (t *Fences) Signalled(f int) bool { return t.fs().signaled(f) }

// AllSignaled reports whether every fence of leaves is signalled: a wait
// on them is over, a sync_file of them (one fence or the dma_fence_array
// of its leaves) is signalled.
func (t *Fences) AllSignaled(leaves []int) bool {
	s := t.fs()
	for _, f := range leaves {
		if !s.signaled(f) {
			return false
		}
	}
	return true
}

// Status is dma_fence_get_status of slot f: 0 while pending, 1 once
// signalled, the negative error if it signalled with one.
func (t *Fences) Status(f int) int {
	s := t.fs()
	if !s.signaled(f) {
		return 0
	}
	switch s.ferr(f) {
	case ferrNoEnt:
		return -2 // -ENOENT
	case ferrTime:
		return -62 // -ETIME
	}
	return 1
}

// FileStatus is the status SYNC_IOC_FILE_INFO (sync_file_ioctl_fence_info)
// reports for a sync_file with these leaves when it also returns the
// per-fence information: the first leaf status ≤ 0, else 1.
func (t *Fences) FileStatus(leaves []int) int {
	for _, f := range leaves {
		if st := t.Status(f); st <= 0 {
			return st
		}
	}
	return 1
}

// Merge is SYNC_IOC_MERGE's dma_fence_unwrap_merge of two sync_files'
// leaves (drivers/dma-buf/sync_file.c: sync_file_merge;
// dma-fence-unwrap.c: __dma_fence_unwrap_merge; kernel-rules §6): the
// pending leaves of both, sorted by context, only the latest fence of each
// context kept; when none is pending, the signalled stub.
func (t *Fences) Merge(a, b []int) []int {
	s := t.fs()
	var pend []int
	for _, f := range append(append([]int{}, a...), b...) {
		if s.pending(f) {
			pend = append(pend, f)
		}
	}
	if len(pend) == 0 {
		return []int{StubFence}
	}
	sort.SliceStable(pend, func(i, j int) bool {
		ci, cj := t.Context(pend[i]), t.Context(pend[j])
		if ci != cj {
			return ci < cj
		}
		return t.IsLater(s.seqno(pend[i]), s.seqno(pend[j]))
	})
	out := pend[:1]
	for _, f := range pend[1:] {
		if t.Context(f) != t.Context(out[len(out)-1]) {
			out = append(out, f)
		}
	}
	return out
}

// NewResv returns a new, empty reservation object (dma_resv_init) whose
// fences are t's.
func (t *Fences) NewResv() *Resv {
	return &Resv{t: t, b: make([]byte, len(t.g))}
}

// Resv is one dma-buf's reservation object: its entries, over the fences
// of its Fences.
type Resv struct {
	t *Fences
	b []byte // a state of t's world: its resv entries; the fence bytes are t's
}

// fs returns the resv's section with the current fence statuses.
func (r *Resv) fs() fs {
	l := &r.t.c.lay.fence
	n := l.slots - 1
	copy(r.b[l.fence:l.fence+n], r.t.g[l.fence:l.fence+n])
	return fs{b: r.b, l: l}
}

// Add is dma_resv_add_fence(obj, f, u) (drivers/dma-buf/dma-resv.c) with
// *reserved slots left by dma_resv_reserve_fences: the first entry the
// spec's replacement rule allows is overwritten, else f is appended, which
// consumes a reserved slot.
func (r *Resv) Add(f int, u Usage, reserved *int) { r.fs().addFence(f, u, reserved) }

// Query returns the pending fences of the entries with usage ≤ u, in slot
// order (dma_resv_for_each_fence_unlocked skips signalled ones): what
// dma_resv_wait_timeout(u) waits for.
func (r *Resv) Query(u Usage) []int { return maskLeaves(r.fs().query(u)) }

// TestSignaled is dma_resv_test_signaled(obj, u).
func (r *Resv) TestSignaled(u Usage) bool { return r.fs().testSignaled(u) }

// PollReady is dma_buf_poll's readiness (drivers/dma-buf/dma-buf.c):
// EPOLLIN when no WRITE (or KERNEL) fence is pending, EPOLLOUT when no
// READ, WRITE or KERNEL fence is.
func (r *Resv) PollReady() (in, out bool) {
	s := r.fs()
	return s.testSignaled(usageRW(false)), s.testSignaled(usageRW(true))
}

// ExportSyncFile is the fence list of the sync_file that
// DMA_BUF_IOCTL_EXPORT_SYNC_FILE builds (dma_buf_export_sync_file): the
// pending fences of dma_resv_usage_rw(write) in entry order
// (dma_resv_get_singleton: the fence itself when there is one, else a
// dma_fence_array of them in that order), or the signalled stub alone.
// The list is not deduplicated, as in the kernel: a fence held by two
// entries (imported as WRITE, then as READ, which dma_resv_add_fence
// appends) is in the array twice. The world's KExportSyncFile keeps a
// sync_file as the set of these leaves, which is exact for what its
// programs do with one.
func (r *Resv) ExportSyncFile(write bool) []int {
	s := r.fs()
	u := usageRW(write)
	var out []int
	for i := range s.numEntries() {
		if e := s.entry(i); entryUsage(e) <= u && s.pending(entryFence(e)) {
			out = append(out, entryFence(e))
		}
	}
	if len(out) == 0 {
		return []int{StubFence}
	}
	return out
}

// ImportSyncFile is DMA_BUF_IOCTL_IMPORT_SYNC_FILE of a sync_file with
// these leaves (dma_buf_import_sync_file): dma_resv_reserve_fences(number
// of leaves), then each leaf, in the sync_file's order
// (dma_fence_unwrap_for_each), is added with WRITE usage for the WRITE
// flag, else READ.
func (r *Resv) ImportSyncFile(leaves []int, write bool) {
	u := UsageRead
	if write {
		u = UsageWrite
	}
	s := r.fs()
	reserved := len(leaves)
	for _, f := range leaves {
		s.addFence(f, u, &reserved)
	}
}

// Entries returns the resv's entries in kernel order as (fence slot,
// usage) pairs: what debugfs's bufinfo lists.
func (r *Resv) Entries() (fences []int, usages []Usage) {
	s := r.fs()
	for i := range s.numEntries() {
		e := s.entry(i)
		fences = append(fences, entryFence(e))
		usages = append(usages, entryUsage(e))
	}
	return fences, usages
}

// maskLeaves lists the slots of a mask in slot order.
func maskLeaves(m fmask) []int {
	var out []int
	for f := range maxFenceSlots {
		if m&(1<<f) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// SyncFileFlags is the flags check of DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
// DMA_BUF_IOCTL_IMPORT_SYNC_FILE (dma_buf_export_sync_file,
// dma_buf_import_sync_file; kernel-rules §4.5): the flags must be a
// non-empty subset of DMA_BUF_SYNC_RW, else -EINVAL (ok false). write is
// the WRITE bit: export snapshots dma_resv_usage_rw(write), import adds
// with WRITE usage.
func SyncFileFlags(flags uint32) (write, ok bool) {
	const rw = uint32(SyncFlagRW)
	if flags&^rw != 0 || flags&rw == 0 {
		return false, false
	}
	return flags&uint32(SyncFlagWrite) != 0, true
}

// sync_file ioctl commands (include/uapi/linux/sync_file.h, type '>').
const (
	SyncIocMerge       = 0xc0303e03
	SyncIocFileInfo    = 0xc0383e04
	SyncIocSetDeadline = 0x40103e05
)

// MergeArgs is SYNC_IOC_MERGE's argument check (sync_file_ioctl_merge,
// kernel-rules §6): flags or pad not 0 is -EINVAL, a second fd that is not
// a sync_file -ENOENT; OK if the merge goes ahead.
func MergeArgs(flags, pad uint32, fd2IsSyncFile bool) Errno {
	switch {
	case flags != 0 || pad != 0:
		return EINVAL
	case !fd2IsSyncFile:
		return ENOENT
	}
	return OK
}

// SyncFileIoctl is sync_file_ioctl's command check: SYNC_IOC_MERGE,
// SYNC_IOC_FILE_INFO and SYNC_IOC_SET_DEADLINE are known; any other, a
// DMA-buf one included, is -ENOTTY (kernel-rules §6).
func SyncFileIoctl(cmd uint64) Errno {
	switch cmd {
	case SyncIocMerge, SyncIocFileInfo, SyncIocSetDeadline:
		return OK
	}
	return ENOTTY
}
