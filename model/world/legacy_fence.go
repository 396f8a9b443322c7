package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
)

// FromFenceConfig re-expresses a configuration of the earlier fence model
// (package model/fence) as a world: the importers' rings, the sw_sync
// points, the exporter's copy engine and the kernel's rule and comparison
// as the fence family's objects, and one agent per actor of the earlier
// model (each importer's driver, scheduler and device; the CPU; the
// poller; user space; the exporter) whose program is the earlier model's
// free choice of calls. What the configuration says a driver or user
// does (its submission policy, its timeout path, whether user space
// signals its timeline) is which calls the program makes; the discipline
// of a correct user (a CPU bracket begun when idle and ended in its
// direction, a poller that stops at EPOLLIN) is in When guards, each
// written as text in the expression language (ParseExpr). The cache
// section is present but constant (one line, one write, no device). It is
// the bridge the differential test uses; it goes when the earlier model
// does.
func FromFenceConfig(name string, c fence.Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, fmt.Errorf("%s: %w", name, err)
	}
	s := Spec{Name: name, Lines: 1, Writes: 1}
	f := &s.Fence
	f.Rule = ReplaceRule(c.Rule)
	f.Compare = SeqnoCompare(c.Compare)
	f.Points = c.SwSync.Points
	f.CopyEngine = c.Exporter.CopyFence
	f.Exports, f.Imports = c.SyncFile.Exports, c.SyncFile.Imports
	for i, im := range c.Importers {
		n := im.Name
		if n == "" {
			n = fmt.Sprintf("imp%d", i)
		}
		f.Rings = append(f.Rings, Ring{Name: n, Jobs: im.Jobs, SeqnoBase: im.SeqnoBase})
	}

	var perr error
	// expr parses a guard's text: every guard has a textual form, so the
	// world can be written out as a scenario file.
	expr := func(format string, a ...any) Expr {
		e, err := ParseExpr(fmt.Sprintf(format, a...), &s)
		if err != nil && perr == nil {
			perr = fmt.Errorf("%s: guard %q: %w", name, fmt.Sprintf(format, a...), err)
		}
		return e
	}

	// Each importer: its driver submits (writes first, as the earlier
	// table did), its scheduler runs and times out, its device completes.
	for i, im := range c.Importers {
		if im.Jobs == 0 {
			continue
		}
		pol := SubmitPolicy{Explicit: im.Sync == fence.Explicit, IgnoreKernelFences: im.IgnoreKernelFences,
			Adds: AddPolicy(im.Fence), SkipReserve: im.SkipReserve}
		var prog Forever
		if im.Access != fence.JobsRead {
			prog = append(prog, JobSubmit(i, true, pol))
		}
		if im.Access != fence.JobsWrite {
			prog = append(prog, JobSubmit(i, false, pol))
		}
		prog = append(prog, JobRun(i), JobDoneSignal(i))
		switch im.Timeout {
		case fence.TimeoutSetErrorThenSignal:
			prog = append(prog, JobTimeout(i))
		case fence.TimeoutErrorAfterSignal:
			prog = append(prog, JobTimeoutSignalFirst(i), JobSetErrorLate(i))
		}
		s.Agents = append(s.Agents, Agent{Name: f.Rings[i].Name, Program: prog})
	}

	// The CPU: a bracket is begun only when none is open, and ended in
	// the direction it was begun.
	if c.CPU != fence.NoCPU {
		cpuIdle := expr("cpu_access_idle")
		var prog Forever
		for _, w := range []bool{false, true} {
			if c.CPU == fence.CPURead && w || c.CPU == fence.CPUWrite && !w {
				continue
			}
			inside := expr("in_cpu_access(%s)", dmaDirNames[b2i(w)])
			prog = append(prog, When{Cond: cpuIdle, Body: ResvBeginCPU(w)}, When{Cond: inside, Body: ResvEndCPU(w)})
		}
		s.Agents = append(s.Agents, Agent{Name: "cpu", Program: prog})
	}

	// The poller polls until EPOLLIN, then stops.
	if c.Poll {
		s.Agents = append(s.Agents, Agent{Name: "poll", Program: Forever{When{Cond: expr("!poll_returned"), Body: Poll()}}})
	}

	// User space: sw_sync points, sync_file export and import, and its
	// timeline's signalling as the configuration says.
	var user Forever
	for k := range c.SwSync.Points {
		user = append(user, SwSyncCreate(k))
	}
	if c.SyncFile.Exports > 0 {
		user = append(user, ExportSyncFile(false), ExportSyncFile(true))
	}
	if c.SyncFile.Imports > 0 {
		user = append(user, ImportSyncFile(true), ImportSyncFile(false))
	}
	if c.SwSync.Points > 0 {
		if c.SwSync.User == fence.UserIncrements {
			user = append(user, SwSyncInc())
		}
		if c.SwSync.User != fence.UserNever {
			user = append(user, SwSyncClose())
		}
	}
	if len(user) > 0 {
		s.Agents = append(s.Agents, Agent{Name: "user space", Program: user})
	}

	if c.Exporter.Moves {
		exp := Forever{ExporterMove(c.Exporter.CopyFence)}
		if c.Exporter.CopyFence {
			exp = append(exp, CopyDone())
		}
		s.Agents = append(s.Agents, Agent{Name: "exporter", Program: exp})
	}
	if perr != nil {
		return Spec{}, perr
	}
	if len(s.Agents) == 0 {
		return Spec{}, fmt.Errorf("%s: the configuration has no actor", name)
	}
	return s, nil
}
