package fence_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

func named(ims ...fence.Importer) []fence.Importer {
	for i := range ims {
		ims[i].Name = fmt.Sprintf("gpu%d", i)
	}
	return ims
}

func symmetric(t testing.TB, cfg fence.Config) (*fence.Model, *fence.Symmetric, []func(fence.State) fence.State) {
	t.Helper()
	sym, err := fence.NewSymmetric(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var perms []func(fence.State) fence.State
	for _, p := range sym.Permutations()[1:] {
		perms = append(perms, func(s fence.State) fence.State { return sym.Permute(s, p) })
	}
	return sym.Model, sym, perms
}

var (
	writer1 = fence.Importer{Jobs: 1, Access: fence.JobsWrite, Sync: fence.Implicit, Fence: fence.FenceUsage, SeqnoBase: 1}
	rw1     = fence.Importer{Jobs: 1, Access: fence.JobsReadWrite, Sync: fence.Implicit, Fence: fence.FenceUsage, SeqnoBase: 1}
	reader1 = fence.Importer{Jobs: 1, Access: fence.JobsRead, Sync: fence.Implicit, Fence: fence.FenceUsage, SeqnoBase: 1}
	bk1     = fence.Importer{Jobs: 1, Access: fence.JobsRead, Sync: fence.Explicit, Fence: fence.FenceBookkeep, SeqnoBase: 1}
)

// symmetryConfigs are small configurations with interchangeable importers
// that together use every importer-indexed part of the state: job words,
// dependencies, fence slots in the resv, the CPU's wait masks, the
// sync_file's leaves and the poller's armed fence.
var symmetryConfigs = map[string]fence.Config{
	"2 writers of 2 jobs, CPU, poll": {Importers: named(fence.Writer, fence.Writer), CPU: fence.CPURead, Poll: true},
	"3 read-or-write GPUs, CPU":      {Importers: named(rw1, rw1, rw1), CPU: fence.CPUReadWrite},
	"3 writers, poll":                {Importers: named(writer1, writer1, writer1), Poll: true},
	"4 writers":                      {Importers: named(writer1, writer1, writer1, writer1)},
	"2+2: writers and readers, sw_sync point imported": {Importers: named(writer1, reader1, writer1, reader1),
		SyncFile: fence.SyncFile{Imports: 1}, SwSync: fence.SwSync{Points: 1, User: fence.UserIncrements}},
	"2 explicit readers, move with copy": {Importers: named(writer1, bk1, bk1),
		Exporter: fence.Exporter{Moves: true, CopyFence: true}},
}

// TestSymmetryReductionIsExact proves the fence model's canonical form on
// small configurations: the model is symmetric under every permutation of
// interchangeable importers, Canonical picks one member of each orbit, the
// same for all its members, and the reduced search stores exactly one
// state per orbit, the orbits adding up to the unreduced count.
func TestSymmetryReductionIsExact(t *testing.T) {
	for name, cfg := range symmetryConfigs {
		t.Run(name, func(t *testing.T) {
			plain, sym, perms := symmetric(t, cfg)
			if len(perms) == 0 {
				t.Fatal("the configuration has no interchangeable importers")
			}
			c := symmetrytest.AssertExact[fence.State](t, plain, sym, perms, statespace.Options{Only: []string{fence.Monotonicity}})
			t.Logf("%s; group of %d", c, len(perms)+1)
		})
	}
}

// TestOnlyIdenticalImportersArePermuted: importers that differ in anything
// but the name are never interchanged.
func TestOnlyIdenticalImportersArePermuted(t *testing.T) {
	other := writer1
	other.SeqnoBase = 0xffffffff
	m := newModel(t, fence.Config{Importers: named(writer1, reader1, writer1, other)})
	got := fmt.Sprint(m.Permutations())
	if want := "[[0 1 2 3] [2 1 0 3]]"; got != want {
		t.Errorf("permutations %s, want %s", got, want)
	}
	// A sync_file is imported in fence-slot order: with exports and
	// imports, the importers' numbering shows in the resv.
	m = newModel(t, fence.Config{Importers: named(writer1, writer1), SyncFile: fence.SyncFile{Exports: 1, Imports: 1}})
	if n := len(m.Permutations()); n != 1 {
		t.Errorf("with sync_file exports and imports: %d permutations, want only the identity", n)
	}
	for _, sc := range fence.Scenarios() {
		if n := len(newModel(t, sc.Config).Permutations()); (n > 1) != (sc.Name == "three-writers") {
			t.Errorf("scenario %s has %d importer permutations", sc.Name, n)
		}
	}
}

// TestSymmetryKeepsVerdicts: on configurations with interchangeable
// importers, correct and broken, the reduced and unreduced checks give
// the same verdict on every property, and a counterexample of the reduced
// check replays on the reduced model and, lifted, on the unreduced one.
func TestSymmetryKeepsVerdicts(t *testing.T) {
	cfgs := map[string]fence.Config{
		"timeout sets the error after the signal, 2 writers": {Importers: named(late(writer1), late(writer1)),
			SyncFile: fence.SyncFile{Imports: 1}, SwSync: fence.SwSync{Points: 1}},
		"2 unfenced explicit readers, move": {Importers: named(writer1, with(bk1, fence.FenceNone), with(bk1, fence.FenceNone)),
			Exporter: fence.Exporter{Moves: true, CopyFence: true}},
		"2 writers without reservation": {Importers: named(skip(writer1), skip(writer1))},
		"sw_sync never signalled, 2 writers": {Importers: named(writer1, writer1), CPU: fence.CPURead,
			SyncFile: fence.SyncFile{Imports: 1}, SwSync: fence.SwSync{Points: 1}},
		"3 writers, CPU": {Importers: named(writer1, writer1, writer1), CPU: fence.CPURead},
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			plain, sym, _ := symmetric(t, cfg)
			full := run(t, plain, statespace.Options{})
			violated := 0
			for _, p := range plain.Properties() {
				rp := statespace.Options{Only: []string{p.Name}}
				a, b := verdict(t, run(t, plain, rp), p.Name), verdict(t, run(t, sym, rp), p.Name)
				if a.Verdict != b.Verdict {
					t.Errorf("%s: %s unreduced, %s reduced", p.Name, a.Verdict, b.Verdict)
				}
				if p.Expectation != statespace.Eventually && a.Trace != nil && b.Trace != nil && a.Trace.Len() != b.Trace.Len() {
					t.Errorf("%s: shortest trace %d steps unreduced, %d reduced", p.Name, a.Trace.Len(), b.Trace.Len())
				}
				if p.Expectation == statespace.Always && b.Trace != nil {
					symmetrytest.AssertLifts[fence.State](t, plain, sym, b.Trace, p.Name)
				}
				if b.Verdict == "violated" {
					violated++
				}
			}
			if correct := name == "3 writers, CPU"; correct != (violated == 0) {
				t.Errorf("%d properties violated", violated)
			}
			r := run(t, sym, statespace.Options{})
			if r.Status != full.Status {
				t.Errorf("full check: %s unreduced, %s reduced", full.Status, r.Status)
			}
			if (full.Violation == nil) != (r.Violation == nil) ||
				full.Violation != nil && (full.Violation.Property != r.Violation.Property || full.Violation.Length() != r.Violation.Length()) {
				t.Errorf("full check: the first violations differ")
			}
			if r.Violation != nil && r.Violation.Kind == statespace.KindDeadlock {
				symmetrytest.AssertLifts[fence.State](t, plain, sym, r.Violation.Trace, statespace.DeadlockProperty)
			}
		})
	}
}

func with(im fence.Importer, f fence.FencePolicy) fence.Importer { im.Fence = f; return im }
func skip(im fence.Importer) fence.Importer                      { im.SkipReserve = true; return im }
func late(im fence.Importer) fence.Importer                      { im.Timeout = fence.TimeoutErrorAfterSignal; return im }

// TestSymmetricLivenessIsCheckedUnreduced: with symmetry reduction the
// liveness properties are still checked on the unreduced graph (the result
// says so), with the same verdicts, and their lassos replay on the
// unreduced model.
func TestSymmetricLivenessIsCheckedUnreduced(t *testing.T) {
	cfg := fence.Config{Importers: named(writer1, writer1), CPU: fence.CPURead,
		SyncFile: fence.SyncFile{Imports: 1}, SwSync: fence.SwSync{Points: 1}}
	plain, sym, _ := symmetric(t, cfg)
	for _, f := range plain.KernelFences() {
		p := fence.EventuallySignal + "/" + plain.ShortName(f)
		a := verdict(t, run(t, plain, statespace.Options{Only: []string{p}}), p)
		r := run(t, sym, statespace.Options{Only: []string{p}})
		b := verdict(t, r, p)
		if a.Verdict != b.Verdict || b.Verdict != "violated" {
			t.Errorf("%s: %s unreduced, %s reduced; the sw_sync point is never signalled", p, a.Verdict, b.Verdict)
		}
		noted := false
		for _, n := range r.Notes {
			noted = noted || n == "liveness was checked on the unreduced state graph: symmetry reduction can hide or invent cycles, so it is not applied to Eventually properties"
		}
		if !noted {
			t.Errorf("%s: no note that liveness ignored the symmetry reduction: %v", p, r.Notes)
		}
		if b.Trace == nil || b.Trace.Loop < 0 {
			t.Fatalf("%s: no lasso", p)
		}
		var steps []statespace.ReplayStep
		for _, st := range b.Trace.Steps {
			steps = append(steps, statespace.ReplayStep{Action: st.Action, Label: st.Label, Fingerprint: st.Fingerprint})
		}
		if _, err := statespace.Replay[fence.State](plain, b.Trace.InitIndex, steps, p, b.Trace.Loop); err != nil {
			t.Errorf("%s: the lasso does not replay on the unreduced model: %v", p, err)
		}
	}
}

// TestSymmetricResultsDoNotDependOnWorkers: the reduced search keeps the
// checker's determinism promise.
func TestSymmetricResultsDoNotDependOnWorkers(t *testing.T) {
	_, sym, _ := symmetric(t, fence.Config{Importers: named(rw1, rw1, rw1), CPU: fence.CPURead})
	statespacetest.AssertWorkerIndependent[fence.State](t, sym, statespace.Options{}, 1, 2, 5)
}
