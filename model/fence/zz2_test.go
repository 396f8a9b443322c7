package fence

import (
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func TestZZSize(t *testing.T) {
	rw := with(Writer, func(im *Importer) { im.Access = JobsReadWrite })
	cfgs := map[string]Config{
		"A": {Importers: importers(rw, Reader), CPU: CPUReadWrite, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}},
		"B": {Importers: importers(rw, with(Reader, func(im *Importer) { im.Access = JobsReadWrite })), CPU: CPUReadWrite, Poll: true, SyncFile: SyncFile{Exports: 2, Imports: 2}},
		"C": {Importers: importers(rw, Reader), CPU: CPUReadWrite, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}, SwSync: SwSync{Points: 2, User: UserIncrements}, Exporter: Exporter{Moves: true, CopyFence: true}},
		"D": {Importers: importers(rw, ExplicitReader), CPU: CPUReadWrite, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}, SwSync: SwSync{Points: 1, User: UserCloses}, Exporter: Exporter{Moves: true, CopyFence: true}},
	}
	cfgs["E"] = Config{Importers: importers(Writer, Reader), CPU: CPUReadWrite, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}}
	cfgs["F"] = Config{Importers: importers(Writer, Reader), CPU: CPURead, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}}
	cfgs["G"] = Config{Importers: importers(rw, Reader), CPU: CPUReadWrite, Poll: true}
	cfgs["H"] = Config{Importers: importers(with(Writer, func(im *Importer) { im.Jobs = 1 }), with(ExplicitReader, func(im *Importer) { im.Jobs = 1 })), CPU: CPURead, Poll: true, SyncFile: SyncFile{Exports: 1, Imports: 1}, SwSync: SwSync{Points: 1, User: UserCloses}, Exporter: Exporter{Moves: true, CopyFence: true}}
	for _, n := range []string{"E", "F", "G", "H"} {
		m, err := New(cfgs[n])
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r, err := statespace.Check[State](safetyOnly{m}, statespace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %s states %d trans %d depth %d %v", n, r.Status, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth, time.Since(start).Round(time.Millisecond))
		for _, p := range r.Properties {
			if p.Verdict != "holds" && p.Verdict != "reached" {
				t.Logf("    %s: %s", p.Name, p.Verdict)
			}
		}
		if r.Violation != nil && r.Violation.Trace != nil {
			t.Logf("\n%s", r.Violation.Trace)
		}
		if vac := r.Stats.Vacuous(); len(vac) > 0 {
			t.Logf("    vacuous: %v", vac)
		}
	}
}
