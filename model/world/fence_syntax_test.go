package world_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// fenceTestSpec declares every fence object: two rings, two sw_sync
// points, the copy engine and sync_file bounds.
func fenceTestSpec() world.Spec {
	return world.Spec{Name: "fence-syntax", Lines: 1, Writes: 1, Fence: world.FenceSpec{
		Rings:  []world.Ring{{Name: "gpu0", Jobs: 2, SeqnoBase: 1}, {Name: "gpu1", Jobs: 1, SeqnoBase: 0xffffffff}},
		Points: 2, CopyEngine: true, Exports: 1, Imports: 1}}
}

// TestFenceCallsRoundTrip: every fence-family call, with every argument
// value, has a text that ParseCall reads back to the same call, and no
// two calls share a text.
func TestFenceCallsRoundTrip(t *testing.T) {
	spec := fenceTestSpec()
	var calls []world.Call
	for r := range 2 {
		for _, w := range []bool{false, true} {
			for _, explicit := range []bool{false, true} {
				for _, ignore := range []bool{false, true} {
					if ignore && !explicit {
						continue
					}
					for adds := world.AddUsage; adds <= world.AddBookkeepThenUsage; adds++ {
						for _, skip := range []bool{false, true} {
							calls = append(calls, world.JobSubmit(r, w, world.SubmitPolicy{Explicit: explicit, IgnoreKernelFences: ignore, Adds: adds, SkipReserve: skip}))
						}
					}
				}
			}
		}
		calls = append(calls, world.JobRun(r), world.JobDoneSignal(r), world.JobTimeout(r), world.JobTimeoutSignalFirst(r), world.JobSetErrorLate(r))
	}
	for _, w := range []bool{false, true} {
		calls = append(calls, world.ResvBeginCPU(w), world.ResvEndCPU(w), world.ExportSyncFile(w), world.ImportSyncFile(w), world.ExporterMove(w))
	}
	calls = append(calls, world.Poll(), world.SwSyncCreate(0), world.SwSyncCreate(1), world.SwSyncInc(), world.SwSyncClose(), world.CopyDone())
	seen := map[string]world.Call{}
	for _, c := range calls {
		text, err := world.CallText(c, &spec)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if o, dup := seen[text]; dup {
			t.Errorf("%q is the text of %+v and %+v", text, o, c)
		}
		seen[text] = c
		back, err := world.ParseCall(text, &spec)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if back != c {
			t.Errorf("%q reads back as %+v, not %+v", text, back, c)
		}
	}
}

// TestFenceCallErrors: a mistaken fence call says what is wrong.
func TestFenceCallErrors(t *testing.T) {
	spec := fenceTestSpec()
	for _, tc := range []struct{ text, want string }{
		{"run_job(gpu2)", `argument 1 must be a ring (did you mean "gpu0"?), not "gpu2"`},
		{"job_submit(gpu0, WRITE, IMPLICT, USAGE)", `argument 3 must be IMPLICIT, EXPLICIT or EXPLICIT_IGNORE_KERNEL (did you mean "IMPLICIT"?)`},
		{"job_submit(gpu0, WRITE, IMPLICIT)", "job_submit takes 4 argument(s)"},
		{"SW_SYNC_IOC_CREATE_FENCE(3)", "argument 1 must be a point's value"},
		{"SW_SYNC_IOC_INC(2)", `argument 1 must be 1`},
		{"poll(EPOLLOUT)", `argument 1 must be EPOLLIN`},
		{"__dma_buf_begin_cpu_access(DMA_BIDIRECTIONAL)", "must be DMA_FROM_DEVICE or DMA_TO_DEVICE"},
		{"dma_fence_signal(cpy)", `(did you mean "copy"?)`},
		{"exporter_move(FAST)", "must be MEMCPY or COPY"},
	} {
		_, err := world.ParseCall(tc.text, &spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %s", tc.text, err, tc.want)
		}
	}
	noCopy := fenceTestSpec()
	noCopy.Fence.CopyEngine = false
	if _, err := world.ParseCall("dma_fence_signal(copy)", &noCopy); err == nil {
		t.Error("dma_fence_signal(copy) parsed in a world without a copy engine")
	}
}

// TestFenceAtoms: the family's atoms parse over its objects, evaluate on
// a run, and reject what the world does not have.
func TestFenceAtoms(t *testing.T) {
	spec := fenceTestSpec()
	for _, text := range []string{"signaled(gpu0#1)", "pending(pt2)", "fence_error(pt1, -ENOENT)", "fence_error(gpu1#0, -ETIME)",
		"job_queued(gpu0#0) || job_running(gpu0#0) || job_done(gpu0#0) || job_cancelled(gpu0#0)",
		"submitted(gpu0) <= 2 && ring_idle(gpu1)", "in_resv(copy, KERNEL) && !in_resv(gpu0#0, DMA_RESV_USAGE_WRITE)",
		"resv_signaled(BOOKKEEP) && resv_fences == 0 && !resv_locked", "cpu_access_idle || cpu_access_waiting || in_cpu_access(DMA_TO_DEVICE)",
		"!poll_returned && !poll_sleeping", "sync_file_held || sync_file_exports == 0 && sync_file_imports == 0", "timeline < 2 && !timeline_closed",
		"!moving && !moved", "!fence_violated(resv-idle-lied)"} {
		e, err := world.ParseExpr(text, &spec)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if e.Text == "" {
			t.Errorf("%s: no text", text)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"signaled(gpu0#2)", `"gpu0#2" is not a fence`},
		{"job_done(pt1)", `"pt1" is not a job's fence`},
		{"in_resv(gpu0#0, SHARED)", `"SHARED" is not a usage`},
		{"signalld(copy)", `did you mean "signaled"?`},
	} {
		_, err := world.ParseExpr(tc.text, &spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %s", tc.text, err, tc.want)
		}
	}
}
