package fence_test

import (
	"reflect"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
)

func TestSyncFileFlags(t *testing.T) {
	for flags, want := range map[uint32][2]bool{1: {false, true}, 2: {true, true}, 3: {true, true}, 0: {}, 4: {}, 9: {}, 2 | 8: {}} {
		w, ok := fence.SyncFileFlags(flags)
		if [2]bool{w, ok} != want {
			t.Errorf("SyncFileFlags(%#x) = %v, %v; want %v", flags, w, ok, want)
		}
	}
}

// TestUAPIHelpers drives the rules the conformance suite uses on one
// reservation object: two points of the sw_sync timeline, exports, merges
// and statuses.
func TestUAPIHelpers(t *testing.T) {
	m := newModel(t, fence.Config{SyncFile: fence.SyncFile{Exports: 1, Imports: 1}, SwSync: fence.SwSync{Points: 2, User: fence.UserIncrements}})
	s := m.Init()[0]
	p1, p2 := fence.FPoint, fence.FPoint+1
	fence.NewFence(&s, p2, 2)
	fence.NewFence(&s, p1, 1)
	r := 2
	m.AddFence(&s, p2, fence.Write, &r)
	m.AddFence(&s, p1, fence.Write, &r) // earlier: appended after p2
	if got := fence.ExportLeaves(&s, false); !reflect.DeepEqual(got, []int{p2, p1}) {
		t.Errorf("ExportLeaves = %v, want resv order [p2 p1]", got)
	}
	if got := m.MergeLeaves(&s, []int{p1}, []int{p2}); !reflect.DeepEqual(got, []int{p2}) {
		t.Errorf("MergeLeaves of one context = %v, want the later fence", got)
	}
	if st := fence.FileStatus(&s, []int{p2, p1}); st != 0 {
		t.Errorf("FileStatus pending = %d", st)
	}
	m.SwSyncInc(&s)
	fence.SwSyncClose(&s)
	if st := fence.LeafStatus(&s, p1); st != 1 {
		t.Errorf("p1 signalled by INC: status %d", st)
	}
	if st := fence.FileStatus(&s, []int{p1, p2}); st != -2 {
		t.Errorf("FileStatus after close = %d, want -ENOENT", st)
	}
	if got := m.MergeLeaves(&s, []int{p1}, []int{p2}); !reflect.DeepEqual(got, []int{fence.FStub}) {
		t.Errorf("MergeLeaves of signalled fences = %v, want the stub", got)
	}
	if got := fence.ExportLeaves(&s, true); !reflect.DeepEqual(got, []int{fence.FStub}) {
		t.Errorf("ExportLeaves with nothing pending = %v, want the stub", got)
	}
	if fence.MergeArgs(1, 0, true) != 22 || fence.MergeArgs(0, 0, false) != 2 || fence.MergeArgs(0, 0, true) != 0 {
		t.Error("MergeArgs")
	}
	if fence.SyncFileIoctl(0x40086200) || !fence.SyncFileIoctl(fence.SyncIocFileInfo) {
		t.Error("SyncFileIoctl")
	}
}

// dma_resv_get_singleton does not deduplicate: one fence imported as WRITE
// and then as READ is held by two resv entries (dma_resv_add_fence appends,
// because the old usage WRITE < READ), and EXPORT_SYNC_FILE(RW) returns a
// dma_fence_array holding it twice (observed on 6.12: num_fences 2,
// docs/conformance.md). EXPORT(READ) sees only the WRITE entry.
func TestExportListsAFenceOncePerResvEntry(t *testing.T) {
	m := newModel(t, fence.Config{SyncFile: fence.SyncFile{Exports: 1, Imports: 2}, SwSync: fence.SwSync{Points: 1, User: fence.UserIncrements}})
	s := m.Init()[0]
	p := fence.FPoint
	fence.NewFence(&s, p, 1)
	m.ImportSyncFile(&s, 1<<p, true)
	m.ImportSyncFile(&s, 1<<p, false)
	if fs, us := s.ResvEntries(); !reflect.DeepEqual(fs, []int{p, p}) || !reflect.DeepEqual(us, []fence.Usage{fence.Write, fence.Read}) {
		t.Fatalf("resv holds %v with usages %v, want WRITE and READ of the same fence", fs, us)
	}
	if got := fence.ExportLeaves(&s, true); !reflect.DeepEqual(got, []int{p, p}) {
		t.Errorf("EXPORT(RW) leaves = %v, want the fence twice", got)
	}
	if got := fence.ExportLeaves(&s, false); !reflect.DeepEqual(got, []int{p}) {
		t.Errorf("EXPORT(READ) leaves = %v, want the WRITE entry only", got)
	}
	if got := fence.ExportSyncFile(&s, true); got != 1<<p {
		t.Errorf("the state machine's sync_file is the set %#b, want %#b", got, 1<<p)
	}
}
