package world

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The fence family's file form: its calls as a scenario file writes them
// (fenceSyntaxes) and the atoms of the expression language that read its
// state (fenceAtoms). Rings, fences and usages are named as the family's
// traces name them: a ring by its name, a job's fence as RING#K (K from
// 0, the ring's K-th job), a sw_sync point as ptV (its value V), the
// exporter's copy fence as copy, a usage as KERNEL, WRITE, READ or
// BOOKKEEP (DMA_RESV_USAGE_ may prefix it).

// ringNames lists the fence family's rings, in context order.
func ringNames(s *Spec) []string {
	var out []string
	for _, r := range s.Fence.Rings {
		out = append(out, r.Name)
	}
	return out
}

// fenceNames lists the fence objects by name, index i naming slot i+1 (the
// layout's order: each ring's jobs, the sw_sync points, the copy fence,
// and, in a world that also declares the lock family's fences, those of
// them that are not one of these: docs/world.md, "dma_fence: one kind").
func fenceNames(s *Spec) []string {
	out := ownFenceNames(s)
	if s.fencesJoined() {
		own := len(out)
		for _, f := range s.Locks.Fences {
			if !slices.Contains(out[:own], f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// ownFenceNames lists the fence family's own fences: each ring's jobs, the
// sw_sync points, the copy fence.
func ownFenceNames(s *Spec) []string {
	var out []string
	for _, r := range s.Fence.Rings {
		for k := range r.Jobs {
			out = append(out, fmt.Sprintf("%s#%d", r.Name, k))
		}
	}
	for k := range s.Fence.Points {
		out = append(out, fmt.Sprintf("pt%d", k+1))
	}
	if s.Fence.CopyEngine {
		out = append(out, "copy")
	}
	return out
}

// fencesJoined reports whether the lock family's fences are fence slots
// of the fence family: the world declares fences of both.
func (s *Spec) fencesJoined() bool { return len(s.Locks.Fences) > 0 && s.Fence.declaresObjects() }

// declaresObjects reports whether the spec declares fence-family objects
// (then the family's section is laid out).
func (s *FenceSpec) declaresObjects() bool {
	return len(s.Rings) > 0 || s.Points > 0 || s.CopyEngine || s.Exports > 0 || s.Imports > 0
}

// jobNames lists the ring jobs' fences (RING#K), index i naming slot i+1.
func jobNames(s *Spec) []string {
	var out []string
	for _, r := range s.Fence.Rings {
		for k := range r.Jobs {
			out = append(out, fmt.Sprintf("%s#%d", r.Name, k))
		}
	}
	return out
}

// names returns a Names function over a fixed list.
func names(list ...string) func(*Spec) []string { return func(*Spec) []string { return list } }

// fixedArg is an argument that is always the same word (poll(EPOLLIN),
// SW_SYNC_IOC_INC(1)): it reads as the kernel writes the call and stores
// nothing.
func fixedArg(word string) Arg {
	return Arg{Form: word, What: word, Names: names(word), Parse: byName(names(word)),
		Set: func(*Call, int) {}, Get: func(Call) int { return 0 }}
}

// argCopy names the exporter's copy fence: only in a world with a copy
// engine.
var argCopy = Arg{Form: "copy", What: "copy (the world has a copy engine)", Names: func(s *Spec) []string {
	if s.Fence.CopyEngine {
		return []string{"copy"}
	}
	return nil
}, Parse: func(s *Spec, t string) (int, bool) { return 0, t == "copy" && s.Fence.CopyEngine },
	Set: func(*Call, int) {}, Get: func(Call) int { return 0 }}

// Submission dependencies (argDeps) and what a job adds (argAdds).
var (
	depsNames = []string{"IMPLICIT", "EXPLICIT", "EXPLICIT_IGNORE_KERNEL"}
	addsNames = []string{"USAGE", "BOOKKEEP", "NONE", "BOOKKEEP_THEN_USAGE",
		"USAGE_NO_RESERVE", "BOOKKEEP_NO_RESERVE", "NONE_NO_RESERVE", "BOOKKEEP_THEN_USAGE_NO_RESERVE"}
	moveNames = []string{"MEMCPY", "COPY"}
	errNames  = []string{"-ENOENT", "-ETIME"} // index+1 is the stored error
)

// The fence family's arguments.
var (
	argRing = Arg{Form: "RING", What: "a ring", Names: ringNames, Parse: byName(ringNames),
		Set: func(c *Call, v int) { c.Obj = v }, Get: func(c Call) int { return c.Obj }}
	// argFlagRW is a READ or WRITE flag (a job's access, DMA_BUF_SYNC_*).
	argFlagRW = Arg{Form: "READ|WRITE", What: "READ or WRITE", Names: names(syncFlagNames[:]...), Parse: byName(names(syncFlagNames[:]...)),
		Set: func(c *Call, v int) { c.Dir = uint8(v) }, Get: func(c Call) int { return int(c.Dir) }}
	// argResvDir is the direction of the fence family's CPU access: a
	// write is DMA_TO_DEVICE.
	argResvDir = Arg{Form: "DMA_FROM_DEVICE|DMA_TO_DEVICE", What: "DMA_FROM_DEVICE or DMA_TO_DEVICE", Names: names(dmaDirNames[:]...),
		Parse: byName(names(dmaDirNames[:]...)),
		Set:   func(c *Call, v int) { c.Dir = uint8(v) }, Get: func(c Call) int { return int(c.Dir) }}
	// argDeps is what a submission waits for: the implicit fences
	// (dma_resv_usage_rw), the KERNEL fences only (explicit sync), or
	// nothing.
	argDeps = Arg{Form: "IMPLICIT|EXPLICIT|EXPLICIT_IGNORE_KERNEL", What: "IMPLICIT, EXPLICIT or EXPLICIT_IGNORE_KERNEL",
		Names: names(depsNames...), Parse: byName(names(depsNames...)),
		Set: func(c *Call, v int) {
			p := unpackPolicy(c.N)
			p.Explicit, p.IgnoreKernelFences = v >= 1, v == 2
			c.N = p.pack()
		},
		Get: func(c Call) int {
			p := unpackPolicy(c.N)
			return b2i(p.Explicit) + b2i(p.Explicit && p.IgnoreKernelFences)
		}}
	// argAdds is what the job adds to the resv, and whether it reserved
	// a slot first.
	argAdds = Arg{Form: "USAGE|BOOKKEEP|NONE|BOOKKEEP_THEN_USAGE[_NO_RESERVE]", What: "what the job adds (" + strings.Join(addsNames, ", ") + ")",
		Names: names(addsNames...), Parse: byName(names(addsNames...)),
		Set: func(c *Call, v int) {
			p := unpackPolicy(c.N)
			p.Adds, p.SkipReserve = AddPolicy(v&3), v >= 4
			c.N = p.pack()
		},
		Get: func(c Call) int {
			p := unpackPolicy(c.N)
			return int(p.Adds) + 4*b2i(p.SkipReserve)
		}}
	// argPointValue is a sw_sync point by its value (1..Points).
	argPointValue = Arg{Form: "VALUE", What: "a point's value (1 up to the world's sw_sync points)", Parse: func(s *Spec, t string) (int, bool) {
		n, err := strconv.Atoi(t)
		return n - 1, err == nil && n >= 1 && n <= s.Fence.Points
	}, Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N },
		Format: func(_ *Spec, v int) string { return strconv.Itoa(v + 1) }}
	argMove = Arg{Form: "MEMCPY|COPY", What: "MEMCPY or COPY", Names: names(moveNames...), Parse: byName(names(moveNames...)),
		Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N }}
	// argSignalled is the fence dma_fence_signal signals: a ring's (its
	// head job's) or, as the word copy, the exporter's copy fence, which
	// makes the call the copy's completion.
	argSignalled = Arg{Form: "RING", What: "a ring (or copy)", Names: func(s *Spec) []string {
		n := ringNames(s)
		if s.Fence.CopyEngine {
			n = append(n, "copy")
		}
		return n
	}, Parse: func(s *Spec, t string) (int, bool) {
		if i := slices.Index(ringNames(s), t); i >= 0 {
			return i, true
		}
		return -1, t == "copy" && s.Fence.CopyEngine
	}, Set: func(c *Call, v int) {
		if v < 0 {
			c.Kind = KCopyDone
			return
		}
		c.Obj = v
	}, Get: func(c Call) int {
		if c.Kind == KCopyDone {
			return -1
		}
		return c.Obj
	}, Format: func(s *Spec, v int) string {
		if v < 0 {
			return "copy"
		}
		if n := ringNames(s); v < len(n) {
			return n[v]
		}
		return strconv.Itoa(v)
	}}
)

// fenceSyntaxes are the fence family's calls as scenario files write them
// (syntax.go), in documentation order.
var fenceSyntaxes = []Syntax{
	{Name: "job_submit", Kind: KJobSubmit, Args: []Arg{argRing, argFlagRW, argDeps, argAdds},
		Help: "the ring's driver submits a job under the resv lock: drm_sched_job_add_implicit_dependencies (IMPLICIT: dma_resv_usage_rw; EXPLICIT: the KERNEL fences only), dma_resv_reserve_fences(1) (not with _NO_RESERVE), drm_sched_job_arm, dma_resv_add_fence (USAGE: WRITE for a write, READ for a read)"},
	{Name: "run_job", Kind: KJobRun, Args: []Arg{argRing}, Help: "drm_sched runs the ring's head job once its dependencies signalled (ops->run_job): its DMA starts"},
	{Name: "dma_fence_signal", Kind: KJobSignal, Args: []Arg{argSignalled}, Help: "the ring's running job completes and its fence signals"},
	{Name: "dma_fence_signal", Kind: KCopyDone, Args: []Arg{argCopy}, Help: "the exporter's copy completes and its fence signals"},
	{Name: "timedout_job", Kind: KJobTimeout, Args: []Arg{argRing}, Help: "drm_sched times out the ring's head job stuck on a dependency: dma_fence_set_error(-ETIME), dma_fence_signal"},
	{Name: "timedout_job_signal_first", Kind: KJobTimeoutSignal, Args: []Arg{argRing}, Help: "a timeout path that signals the stuck job's fence first; dma_fence_set_error comes later"},
	{Name: "dma_fence_set_error", Kind: KJobSetErrorLate, Args: []Arg{argRing, fixedArg("-ETIME")}, Help: "the error of a fence the ring's timeout already signalled (WARNs)"},
	{Name: "__dma_buf_begin_cpu_access", Kind: KResvBeginCPU, Args: []Arg{argResvDir}, Help: "alias of dma_buf_begin_cpu_access(DMA_FROM_DEVICE|DMA_TO_DEVICE): the same call, read in older files (the fence family's former spelling); files, the built-ins and the world writer use the kernel's name"},
	{Name: "__dma_buf_end_cpu_access", Kind: KResvEndCPU, Args: []Arg{argResvDir}, Help: "alias of dma_buf_end_cpu_access(DMA_FROM_DEVICE|DMA_TO_DEVICE): the same call, read in older files (no kernel function has this name); files, the built-ins and the world writer use the kernel's name"},
	{Name: "poll", Kind: KPoll, Args: []Arg{fixedArg("EPOLLIN")}, Help: "poll(dmabuf fd, EPOLLIN): dma_buf_poll, asleep on dma_buf_poll_cb until the WRITE fences signalled"},
	{Name: "DMA_BUF_IOCTL_EXPORT_SYNC_FILE", Kind: KExportSyncFile, Args: []Arg{argFlagRW}, Help: "user space exports the resv's fences for that access as a sync_file (dma_resv_get_singleton)"},
	{Name: "DMA_BUF_IOCTL_IMPORT_SYNC_FILE", Kind: KImportSyncFile, Args: []Arg{argFlagRW}, Help: "user space imports the sync_file it holds: each leaf added as WRITE (WRITE) or READ (READ)"},
	{Name: "SW_SYNC_IOC_CREATE_FENCE", Kind: KSwSyncCreate, Args: []Arg{argPointValue}, Help: "user space creates the sw_sync point of that value and holds it as a sync_file"},
	{Name: "SW_SYNC_IOC_INC", Kind: KSwSyncInc, Args: []Arg{fixedArg("1")}, Help: "the sw_sync timeline advances by one, signalling the points it reaches"},
	{Name: "close", Kind: KSwSyncClose, Args: []Arg{fixedArg("sw_sync")}, Help: "the sw_sync timeline's fd is closed: pending points signal with -ENOENT"},
	{Name: "exporter_move", Kind: KExporterMove, Args: []Arg{argMove}, Help: "the dynamic exporter moves the buffer: dma_resv_lock, dma_buf_move_notify, then (once the BOOKKEEP fences signalled) the move, by memcpy or by its copy engine (whose fence is added as KERNEL), dma_resv_unlock"},
}

// The fence family's atom arguments.
var (
	argFence = Arg{Form: "FENCE", What: "a fence (RING#K, ptV or copy)", Names: fenceNames, Parse: func(s *Spec, t string) (int, bool) {
		i := slices.Index(fenceNames(s), t)
		return i + 1, i >= 0
	}}
	argJob = Arg{Form: "JOB", What: "a job's fence (RING#K)", Names: jobNames, Parse: func(s *Spec, t string) (int, bool) {
		i := slices.Index(jobNames(s), t)
		return i + 1, i >= 0
	}}
	argUsage = Arg{Form: "USAGE", What: "a usage (KERNEL, WRITE, READ or BOOKKEEP)", Names: names(usageNames[:]...), Parse: func(_ *Spec, t string) (int, bool) {
		i := slices.Index(usageNames[:], strings.TrimPrefix(t, "DMA_RESV_USAGE_"))
		return i, i >= 0
	}}
	argFenceErr  = Arg{Form: "-ENOENT|-ETIME", What: "-ENOENT or -ETIME", Names: names(errNames...), Parse: byName(names(errNames...))}
	argFenceFlag = Arg{Form: "FLAG", What: "a violation flag of the fence family", Names: names(fenceFlagNames...), Parse: byName(names(fenceFlagNames...))}
)

// fenceAtom is an atom over the fence section; unused is its value in a
// world without one.
func fenceAtom(text string, unused int, f func(s fs) int) Expr {
	return Value(text, func(v View) int {
		if !v.w.lay.fence.used {
			return unused
		}
		return f(v.fs())
	})
}

// fencePred is a boolean fenceAtom.
func fencePred(unused bool, f func(s fs) bool) func(string, []int, []string) Expr {
	return func(t string, _ []int, _ []string) Expr {
		return fenceAtom(t, b2i(unused), func(s fs) int { return b2i(f(s)) })
	}
}

// fenceArgPred is a boolean fenceAtom of its arguments' values.
func fenceArgPred(f func(s fs, a []int) bool) func(string, []int, []string) Expr {
	return func(t string, a []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { return b2i(f(s, a)) })
	}
}

// fenceAtoms are the fence family's atoms of the expression language
// (exprparse.go).
var fenceAtoms = []Atom{
	{Name: "signaled", Args: []Arg{argFence}, Help: "the fence has signalled (dma_fence_is_signaled)", Build: fenceArgPred(func(s fs, a []int) bool { return s.signaled(a[0]) })},
	{Name: "pending", Args: []Arg{argFence}, Help: "the fence exists and has not signalled", Build: fenceArgPred(func(s fs, a []int) bool { return s.pending(a[0]) })},
	{Name: "fence_error", Args: []Arg{argFence, argFenceErr}, Help: "the fence's error is that one", Build: fenceArgPred(func(s fs, a []int) bool { return int(s.ferr(a[0])) == a[1]+1 })},
	{Name: "job_queued", Args: []Arg{argJob}, Help: "the job is submitted, waiting for its dependencies or its turn", Build: fenceArgPred(func(s fs, a []int) bool { return jobPhaseOf(s.job(a[0])) == jQueued })},
	{Name: "job_running", Args: []Arg{argJob}, Help: "the job's DMA is in flight", Build: fenceArgPred(func(s fs, a []int) bool { return jobPhaseOf(s.job(a[0])) == jRunning })},
	{Name: "job_done", Args: []Arg{argJob}, Help: "the job completed (or was cancelled by a timeout) and its fence signalled", Build: fenceArgPred(func(s fs, a []int) bool { return jobPhaseOf(s.job(a[0])) == jDone })},
	{Name: "job_cancelled", Args: []Arg{argJob}, Help: "a timeout force-completed the job without running it", Build: fenceArgPred(func(s fs, a []int) bool { return s.job(a[0])&jCancelled != 0 })},
	{Name: "submitted", Args: []Arg{argRing}, Help: "the number of jobs the ring has submitted", Build: func(t string, a []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { n, _ := s.submitted(a[0]); return n })
	}},
	{Name: "ring_idle", Args: []Arg{argRing}, Help: "every job the ring submitted is done", Build: fenceArgPred(func(s fs, a []int) bool { _, h := s.submitted(a[0]); return h < 0 })},
	{Name: "in_resv", Args: []Arg{argFence, argUsage}, Help: "the resv has an entry of the fence with that usage", Build: fenceArgPred(func(s fs, a []int) bool {
		want := entryOf(a[0], Usage(a[1]))
		for i := range s.numEntries() {
			if s.entry(i) == want {
				return true
			}
		}
		return false
	})},
	{Name: "resv_signaled", Args: []Arg{argUsage}, Help: "dma_resv_test_signaled(resv, USAGE): no entry of usage ≤ USAGE is pending", Build: func(t string, a []int, _ []string) Expr {
		return fenceAtom(t, 1, func(s fs) int { return b2i(s.testSignaled(Usage(a[0]))) })
	}},
	{Name: "resv_fences", Help: "the number of the resv's entries (num_fences)", Build: func(t string, _ []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { return s.numEntries() })
	}},
	{Name: "resv_locked", Help: "the exporter holds the resv lock across its move", Build: fencePred(false, func(s fs) bool { return !s.lockFree() })},
	{Name: "cpu_access_idle", Help: "no CPU access is begun (dma_buf_begin_cpu_access) and not ended", Build: fencePred(true, func(s fs) bool { return s.cpu()&cpuPhase == cpuIdle })},
	{Name: "cpu_access_waiting", Help: "dma_buf_begin_cpu_access waits for the fences in the dma-buf's resv", Build: fencePred(false, func(s fs) bool { return s.cpu()&cpuPhase == cpuWaiting })},
	{Name: "in_cpu_access", Args: []Arg{argResvDir}, Help: "dma_buf_begin_cpu_access of that direction returned and its end has not come", Build: func(t string, a []int, _ []string) Expr {
		w := a[0] == 1
		return fenceAtom(t, 0, func(s fs) int { x := s.cpu(); return b2i(x&cpuPhase == cpuInside && (x&cpuWrite != 0) == w) })
	}},
	{Name: "poll_returned", Help: "poll(EPOLLIN) returned", Build: fencePred(false, func(s fs) bool { return s.pollB()&pollPhase == pollDone })},
	{Name: "poll_sleeping", Help: "poll(EPOLLIN) sleeps with dma_buf_poll_cb installed on a fence", Build: fencePred(false, func(s fs) bool { return s.pollB()&pollPhase == pollArmed })},
	{Name: "sync_file_held", Help: "user space holds a sync_file (exported, or a sw_sync point's)", Build: fencePred(false, func(s fs) bool { return s.syncFileMask() != 0 })},
	{Name: "sync_file_exports", Help: "the number of DMA_BUF_IOCTL_EXPORT_SYNC_FILE calls so far", Build: func(t string, _ []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { return s.exports() })
	}},
	{Name: "sync_file_imports", Help: "the number of DMA_BUF_IOCTL_IMPORT_SYNC_FILE calls so far", Build: func(t string, _ []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { return s.imports() })
	}},
	{Name: "timeline", Help: "the sw_sync timeline's value", Build: func(t string, _ []int, _ []string) Expr {
		return fenceAtom(t, 0, func(s fs) int { return int(s.timelineValue()) })
	}},
	{Name: "timeline_closed", Help: "the sw_sync timeline's fd is closed", Build: fencePred(false, func(s fs) bool { return s.timeline()&timelineClosed != 0 })},
	{Name: "moving", Help: "the exporter's move has begun and not finished (its copy included)", Build: fencePred(false, func(s fs) bool {
		p := s.exporter() & expPhase
		return p == expNotified || p == expCopying
	})},
	{Name: "moved", Help: "the exporter's move (and its copy) finished", Build: fencePred(false, func(s fs) bool { return s.exporter()&expPhase == expMoved })},
	{Name: "fence_violated", Args: []Arg{argFenceFlag}, Help: "a violation flag of the fence family was raised", Build: func(t string, a []int, _ []string) Expr {
		f := uint8(1) << a[0]
		return fenceAtom(t, 0, func(s fs) int { return b2i(s.ghost()&f != 0) })
	}},
}
