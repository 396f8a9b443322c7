package statespace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// openSpillFiles counts this process's open files under dir (they are
// unlinked, so only /proc shows them); -1 without /proc.
func openSpillFiles(dir string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, fd := range fds {
		if p, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(p, dir+string(os.PathSeparator)) {
			n++
		}
	}
	return n
}

// A run that spills its BFS levels through a tiny threshold gives exactly
// the result of an in-memory run (counts, action statistics, verdicts,
// traces), for every number of workers; it wrote and read back most of
// its states, held the files open during the run, and left nothing in the
// directory.
func TestSpillSameAsInMemory(t *testing.T) {
	g3, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	d3, err := dmabufbench.New(3, false)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := dmabufbench.New(3, true)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		check func(statespace.Options) (*statespace.Result, error)
		opt   statespace.Options
	}{
		{"german 3", checker[german.State](g3), statespace.Options{}},
		{"german 3 max depth 12", checker[german.State](g3), statespace.Options{MaxDepth: 12}},
		{"dmabuf-bench 3", checker[dmabufbench.State](d3), statespace.Options{}},
		{"dmabuf-bench bad 3", checker[dmabufbench.State](bad), statespace.Options{}},
		{"scramble", checker[scrState](scramble{seed: 3, size: 40000, k: 4, inits: []uint32{1, 20000}}), statespace.Options{}},
	}
	for _, tc := range cases {
		mem, err := tc.check(tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		opt := tc.opt
		// A few states per shard and write.
		opt.SpillDir, opt.SpillThreshold = dir, 1024*uint64(mem.Stats.StateSize)
		maxOpen := 0
		opt.ProgressInterval = time.Nanosecond
		opt.Progress = func(statespace.Progress) { maxOpen = max(maxOpen, openSpillFiles(dir)) }
		var spilled []uint64
		check := func(o statespace.Options) (*statespace.Result, error) {
			r, err := tc.check(o)
			if err == nil {
				spilled = append(spilled, r.Stats.SpilledBytes)
			}
			return r, err
		}
		var r *statespace.Result
		for _, w := range []int{1, 2, 5} {
			opt.Workers = w
			if w > 1 {
				opt.Progress = nil
			}
			if r, err = check(opt); err != nil {
				t.Fatal(err)
			}
			if a, b := summary(r), summary(mem); a != b {
				t.Errorf("%s, workers %d: spilled\n%s\nin memory\n%s", tc.name, w, a, b)
			}
		}
		size := uint64(r.Stats.StateSize)
		if s := r.Stats.SpilledBytes; s%size != 0 || s < r.Stats.States*size/4 || s > r.Stats.States*size {
			t.Errorf("%s: %d bytes spilled for %d states of %d B", tc.name, s, r.Stats.States, size)
		}
		for _, s := range spilled {
			if s != r.Stats.SpilledBytes {
				t.Errorf("%s: bytes spilled %v differ between worker counts", tc.name, spilled)
				break
			}
		}
		if mem.Stats.SpilledBytes != 0 {
			t.Errorf("%s: the in-memory run spilled %d bytes", tc.name, mem.Stats.SpilledBytes)
		}
		if maxOpen == 0 {
			t.Errorf("%s: no spill file was open during the run", tc.name)
		}
		if left, err := os.ReadDir(dir); err != nil || len(left) > 0 {
			t.Errorf("%s: the spill directory holds %v after the run (%v)", tc.name, left, err)
		}
		if n := openSpillFiles(dir); n > 0 {
			t.Errorf("%s: %d spill files still open after the run", tc.name, n)
		}
	}
}

// A run with a threshold larger than its levels writes nothing.
func TestSpillBelowThresholdWritesNothing(t *testing.T) {
	r := mustCheck(t, cube{bits: 10}, statespace.Options{SpillDir: t.TempDir(), SpillThreshold: 1 << 30})
	if r.Status != statespace.StatusOK || r.Stats.States != 1024 || r.Stats.SpilledBytes != 0 {
		t.Errorf("%s, %d states, %d bytes spilled", r.Status, r.Stats.States, r.Stats.SpilledBytes)
	}
}

// Spill options that cannot work are errors, not runs; an interrupted
// spilled run removes its files too.
func TestSpillErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opt  statespace.Options
		want string
	}{
		{statespace.Options{SpillDir: filepath.Join(t.TempDir(), "missing")}, "spill directory"},
		{statespace.Options{SpillDir: file}, "spill directory"},
		{statespace.Options{SpillDir: t.TempDir(), FullState: true}, "full-state"},
	} {
		if _, err := statespace.Check[cubeState](cube{bits: 4}, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one about %q", tc.opt, err, tc.want)
		}
	}

	dir := t.TempDir()
	calls := 0
	r := mustCheck(t, cube{bits: 16}, statespace.Options{SpillDir: dir, SpillThreshold: 1024, ProgressInterval: time.Nanosecond,
		MaxStates: 20000, Progress: func(statespace.Progress) { calls++ }})
	if r.Status != statespace.StatusIncomplete || r.Stats.SpilledBytes == 0 || calls == 0 {
		t.Errorf("bounded spilled run: %s, %d bytes spilled", r.Status, r.Stats.SpilledBytes)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("the spill directory holds %v after an incomplete run", left)
	}
}
