package statespace_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// onDisk checks m with its parent links written to a file in dir from
// every flushAt settled links per shard on.
func onDisk[S comparable](m statespace.Model[S], dir string, flushAt uint32) func(statespace.Options) (*statespace.Result, error) {
	return func(o statespace.Options) (*statespace.Result, error) {
		return statespace.CheckWithParentFile(m, o, dir, flushAt)
	}
}

// sameOnDisk checks that a run whose parent links go to a file (every
// level, and every few levels) gives, for every worker count, exactly the
// result of a run that keeps them in memory: counts, the states first
// reached by each action, verdicts, every trace.
func sameOnDisk[S comparable](t *testing.T, name string, m statespace.Model[S], opt statespace.Options) {
	t.Helper()
	mem := opt
	mem.ParentsInMemory = true
	want, err := statespace.Check(m, mem)
	if err != nil {
		t.Fatalf("%s in memory: %v", name, err)
	}
	if want.Stats.ParentFileBytes != 0 {
		t.Errorf("%s: a run with its parent links in memory wrote %d bytes of them", name, want.Stats.ParentFileBytes)
	}
	for _, flushAt := range []uint32{1, 10} {
		r := sameForAllWorkers(t, name, onDisk(m, t.TempDir(), flushAt), opt)
		if got := summary(r); got != summary(want) {
			t.Errorf("%s, links on disk from %d per shard: differs from the run in memory:\n--- in memory\n%s--- on disk\n%s", name, flushAt, summary(want), got)
		}
		if b := r.Stats.ParentFileBytes; b == 0 || b%6 != 0 || b > 6*r.Stats.States {
			t.Errorf("%s, links on disk from %d per shard: %d bytes written for %d states; want 6 per state written, some written", name, flushAt, b, r.Stats.States)
		}
	}
}

// Parent links read back from the file rebuild the same counterexamples
// and statistics as those kept in memory, in fingerprint and full-state
// mode, with and without bounds.
func TestParentLinksOnDiskGiveTheSameResults(t *testing.T) {
	bad, err := dmabufbench.New(3, true)
	if err != nil {
		t.Fatal(err)
	}
	sameOnDisk(t, "dmabuf-bench bad 3", statespace.Model[dmabufbench.State](bad), statespace.Options{})
	sameOnDisk(t, "dmabuf-bench bad 3, full state", statespace.Model[dmabufbench.State](bad), statespace.Options{FullState: true})
	g3, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	sameOnDisk(t, "german 3", statespace.Model[german.State](g3), statespace.Options{})
	sameOnDisk(t, "german 3, max states", statespace.Model[german.State](g3), statespace.Options{MaxStates: 20_000})
	sameOnDisk(t, "german 3, max depth", statespace.Model[german.State](g3), statespace.Options{MaxDepth: 9})
	scr := scramble{seed: 11, size: 150000, k: 4, inits: []uint32{5, 99999, 5, 70000}, props: []statespace.Property[scrState]{
		sometimes("multiple of 97", func(s *scrState) bool { return s.V%97 == 0 && s.V > 0 }),
		always("not 3 mod 1000", func(s *scrState) bool { return s.V%1000 != 3 }),
	}}
	sameOnDisk(t, "scramble, properties", statespace.Model[scrState](scr), statespace.Options{NoDeadlock: true})
	sameOnDisk(t, "scramble, deadlock", statespace.Model[scrState](scramble{seed: 11, size: 150000, k: 4, inits: []uint32{5, 99999}}), statespace.Options{})
	c := cube{bits: 16, props: []statespace.Property[cubeState]{
		always("fewer than 9 bits", func(s *cubeState) bool { return s.V&0xff != 0xff || s.V>>8 == 0 }),
	}}
	sameOnDisk(t, "cube 16", statespace.Model[cubeState](c), statespace.Options{})
}

// When the parent file cannot be created, the links stay in memory: the
// result is the same and a note says why.
func TestParentLinksStayInMemoryWhenTheFileCannotBeWritten(t *testing.T) {
	bad, err := dmabufbench.New(3, true)
	if err != nil {
		t.Fatal(err)
	}
	want := mustCheck(t, statespace.Model[dmabufbench.State](bad), statespace.Options{ParentsInMemory: true})
	for _, w := range []int{1, 2} {
		r, err := statespace.CheckWithParentFile(statespace.Model[dmabufbench.State](bad), statespace.Options{Workers: w}, filepath.Join(t.TempDir(), "missing"), 1)
		if err != nil {
			t.Fatal(err)
		}
		if summary(r) != summary(want) {
			t.Errorf("workers %d: differs from the run in memory:\n%s\n%s", w, summary(want), summary(r))
		}
		if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "parent links were kept in memory") }) || r.Stats.ParentFileBytes != 0 {
			t.Errorf("workers %d: notes %q, %d bytes written; want a note that the links stayed in memory", w, r.Notes, r.Stats.ParentFileBytes)
		}
	}
}

// By default a run of more than a million states writes the parent links
// of its finished levels to a file; the result is that of a run that keeps
// them all in memory.
func TestLargeRunsWriteParentLinksToAFile(t *testing.T) {
	g4, err := german.New(4)
	if err != nil {
		t.Fatal(err)
	}
	r := mustCheck(t, statespace.Model[german.State](g4), statespace.Options{})
	mem := mustCheck(t, statespace.Model[german.State](g4), statespace.Options{ParentsInMemory: true})
	if summary(r) != summary(mem) {
		t.Errorf("german 4: on disk and in memory differ:\n%s\n%s", summary(r), summary(mem))
	}
	if r.Stats.ParentFileBytes < 3*r.Stats.States || mem.Stats.ParentFileBytes != 0 {
		t.Errorf("german 4, %d states: %d bytes of parent links written (%d with ParentsInMemory); want most of the 6 per state on disk",
			r.Stats.States, r.Stats.ParentFileBytes, mem.Stats.ParentFileBytes)
	}
}

// A parent directory must be usable, and is rejected with links kept in
// memory, where it would change nothing.
func TestParentDirIsChecked(t *testing.T) {
	m := cube{bits: 4}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, o := range []statespace.Options{
		{ParentDir: filepath.Join(t.TempDir(), "missing")},
		{ParentDir: file},
		{ParentDir: t.TempDir(), ParentsInMemory: true},
	} {
		if _, err := statespace.Check(statespace.Model[cubeState](m), o); err == nil || !strings.Contains(err.Error(), "parent") {
			t.Errorf("%+v: error %v, want one about the parent link directory", o, err)
		}
	}
	if r, err := statespace.Check(statespace.Model[cubeState](m), statespace.Options{ParentDir: t.TempDir()}); err != nil || r.Status != statespace.StatusOK {
		t.Errorf("a usable parent directory: %v", err)
	}
}
