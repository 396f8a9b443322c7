package statespace_test

import (
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The Progress callback is called during a long enough run, with numbers
// that are consistent with each other and with the final result.
func TestProgressCallback(t *testing.T) {
	for _, workers := range []int{1, 3} {
		var got []statespace.Progress
		opt := statespace.Options{
			Workers:          workers,
			ProgressInterval: time.Nanosecond,
			Progress:         func(p statespace.Progress) { got = append(got, p) },
		}
		r := mustCheck(t, cube{bits: 16}, opt)
		if r.Status != statespace.StatusOK {
			t.Fatalf("status %s", r.Status)
		}
		// At least one call per level.
		if len(got) < 16 {
			t.Fatalf("workers %d: %d progress calls for 17 levels", workers, len(got))
		}
		var prev statespace.Progress
		sawQueue := false
		for i, p := range got {
			if p.Depth < prev.Depth || p.States < prev.States || p.Transitions < prev.Transitions || p.Elapsed < prev.Elapsed {
				t.Errorf("workers %d: progress %d went backwards: %+v after %+v", workers, i, p, prev)
			}
			if p.Depth > r.Stats.MaxDepth || p.States > r.Stats.States || p.Transitions > r.Stats.Transitions {
				t.Errorf("workers %d: progress %d beyond the final result: %+v", workers, i, p)
			}
			if p.States == 0 || p.Elapsed <= 0 || p.HeapByte == 0 {
				t.Errorf("workers %d: progress %d implausible: %+v", workers, i, p)
			}
			// No more states are queued than are stored.
			if p.Queue > p.States {
				t.Errorf("workers %d: progress %d queues %d of %d states", workers, i, p.Queue, p.States)
			}
			sawQueue = sawQueue || p.Queue > 0
			prev = p
		}
		if !sawQueue {
			t.Errorf("workers %d: the queue was always empty", workers)
		}
		if last := got[len(got)-1]; last.States != r.Stats.States || last.Transitions != r.Stats.Transitions {
			t.Errorf("workers %d: last progress %+v, final %d states %d transitions", workers, last, r.Stats.States, r.Stats.Transitions)
		}
	}
}

// Without a callback, or with the default interval on a short run, nothing
// is called and nothing breaks.
func TestProgressDefaultIntervalOnShortRun(t *testing.T) {
	calls := 0
	r := mustCheck(t, grid{n: 5, m: 5}, statespace.Options{Progress: func(statespace.Progress) { calls++ }})
	if r.Status != statespace.StatusOK {
		t.Errorf("status %s", r.Status)
	}
	if calls != 0 {
		t.Errorf("%d progress calls within the default 2s interval on a tiny run", calls)
	}
}
