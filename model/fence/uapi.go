package fence

import "sort"

// This file opens the rules to code that drives them directly, call by
// call, instead of through the action table: the conformance suite's uAPI
// layer (package conformance) replays the calls a real kernel answered and
// asks these functions, and the rules of rules.go, what each call returns.
// The state machine does not use them; they change nothing in it.

// NewFence makes slot f a new pending fence with the given seqno. As in
// every slot only seqno mod 4 is stored: Seqno reconstructs it from the
// context's base, so a caller keeps a context's seqnos within base..base+3.
func NewFence(s *State, f int, seqno uint32) { create(s, f, seqno) }

// SyncFileFlags is the flags check of DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
// DMA_BUF_IOCTL_IMPORT_SYNC_FILE (kernel-rules §4.5): the flags must be a
// non-empty subset of DMA_BUF_SYNC_RW (READ=1, WRITE=2), else -EINVAL
// (ok false). write is the WRITE bit: export snapshots
// dma_resv_usage_rw(write), import adds with WRITE usage.
func SyncFileFlags(flags uint32) (write, ok bool) {
	const rw = 3
	if flags&^rw != 0 || flags&rw == 0 {
		return false, false
	}
	return flags&2 != 0, true
}

// ExportLeaves is the fence list of the sync_file that
// DMA_BUF_IOCTL_EXPORT_SYNC_FILE builds: the pending fences of
// dma_resv_usage_rw(write) in resv entry order (dma_resv_get_singleton:
// the fence itself when there is one, else a dma_fence_array of them in
// that order), or the signalled stub alone. The list is not deduplicated,
// as in the kernel: a fence held by two entries (imported as WRITE, then as
// READ, which dma_resv_add_fence appends) is in the array twice. The state
// machine keeps a sync_file as the set of these leaves (ExportSyncFile's
// mask), which is exact for what it does with one: importing a fence twice
// with one usage adds it, then replaces that entry with itself.
func ExportLeaves(s *State, write bool) []int {
	if ExportSyncFile(s, write) == 1<<FStub {
		return []int{FStub}
	}
	var out []int
	u := UsageRW(write)
	for i := range s.entries() {
		if e := s.Resv[i]; entryUsage(e) <= u && s.pending(entryFence(e)) {
			out = append(out, entryFence(e))
		}
	}
	return out
}

// Leaves returns the slots of a leaf mask in slot order.
func Leaves(mask Mask) []int {
	var out []int
	for f := range MaxFences {
		if mask&(1<<f) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// MergeLeaves is SYNC_IOC_MERGE's dma_fence_unwrap_merge of two
// sync_files' leaves (kernel-rules §6): the pending leaves of both, sorted by
// context, only the latest fence of each context kept; when none is pending,
// a signalled stub.
func (m *Model) MergeLeaves(s *State, a, b []int) []int {
	var pend []int
	for _, f := range append(append([]int{}, a...), b...) {
		if s.pending(f) {
			pend = append(pend, f)
		}
	}
	if len(pend) == 0 {
		return []int{FStub}
	}
	sort.SliceStable(pend, func(i, j int) bool {
		ci, cj := Context(pend[i]), Context(pend[j])
		if ci != cj {
			return ci < cj
		}
		return IsLater(m.Seqno(s, pend[i]), m.Seqno(s, pend[j]), m.cfg.Compare)
	})
	out := pend[:1]
	for _, f := range pend[1:] {
		if Context(f) != Context(out[len(out)-1]) {
			out = append(out, f)
		}
	}
	return out
}

// LeafStatus is dma_fence_get_status of slot f: 0 while pending, 1 once
// signalled, the negative error if it signalled with one.
func LeafStatus(s *State, f int) int {
	if !s.signaled(f) {
		return 0
	}
	switch s.fenceErr(f) {
	case ErrNoEnt:
		return -2 // -ENOENT
	case ErrTime:
		return -62 // -ETIME
	}
	return 1
}

// FileStatus is the status SYNC_IOC_FILE_INFO reports for a sync_file
// with these leaves when it also returns the per-fence information: the
// first leaf status ≤ 0, else 1.
func FileStatus(s *State, leaves []int) int {
	for _, f := range leaves {
		if st := LeafStatus(s, f); st <= 0 {
			return st
		}
	}
	return 1
}

// sync_file ioctl commands (include/uapi/linux/sync_file.h, type '>').
const (
	SyncIocMerge       = 0xc0303e03
	SyncIocFileInfo    = 0xc0383e04
	SyncIocSetDeadline = 0x40103e05
)

// MergeArgs is SYNC_IOC_MERGE's argument check (kernel-rules §6): flags or
// pad not 0 is -EINVAL (22), a second fd that is not a sync_file -ENOENT
// (2); 0 if the merge goes ahead.
func MergeArgs(flags, pad uint32, fd2IsSyncFile bool) int {
	switch {
	case flags != 0 || pad != 0:
		return 22
	case !fd2IsSyncFile:
		return 2
	}
	return 0
}

// SyncFileIoctl reports whether sync_file_ioctl knows cmd; any other
// command, a DMA-buf one included, is -ENOTTY (kernel-rules §6).
func SyncFileIoctl(cmd uint64) bool {
	switch cmd {
	case SyncIocMerge, SyncIocFileInfo, SyncIocSetDeadline:
		return true
	}
	return false
}
