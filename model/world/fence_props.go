package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Property names of the fence family: the earlier model/fence's names.
const (
	FenceMonotonicity    = "fence-monotonicity"
	ResvIdleMeansIdle    = "resv-idle-means-idle"
	ResvKeepsNewest      = "resv-keeps-newest-fence"
	NoJobAfterMove       = "no-job-after-move"
	AddFenceNeedsReserve = "add-fence-needs-reservation"
	// FencesEventuallySignal is the prefix of the per-fence liveness
	// properties: "fences-eventually-signal/<fence>" for each kernel
	// fence (a job's, the exporter's copy).
	FencesEventuallySignal = "fences-eventually-signal"

	JobRanAfterDependency    = "job-ran-after-dependency"
	PollSawEPOLLINAfterWrite = "poll-saw-epollin-after-write"
	ImportedFenceBecameWrite = "imported-fence-became-write-fence"
	CPUWaitedForFence        = "cpu-waited-for-fence"
	ExporterWaitedForFence   = "exporter-waited-for-fence"
	TimelineClosedPending    = "timeline-closed-with-pending-point"
	JobTimedOut              = "job-timed-out"
)

func fenceFlagProp(name string, f uint8) propDef {
	return propDef{name: name, exp: statespace.Always, holds: func(v View) bool { return v.fs().ghost()&f == 0 }}
}

// fenceProps are the family's properties: the safety properties, the
// reachability properties that apply to the world (those whose feature
// its programs exercise), and one liveness property per kernel fence.
func (c *core) fenceProps() []propDef {
	l := &c.lay.fence
	if !l.used {
		return nil
	}
	sp := &c.spec.Fence
	props := []propDef{
		fenceFlagProp(FenceMonotonicity, fflagMonotonicity),
		fenceFlagProp(ResvIdleMeansIdle, fflagIdleLied),
		{name: ResvKeepsNewest, exp: statespace.Always, holds: func(v View) bool { return v.fs().keepsNewest() }},
		fenceFlagProp(NoJobAfterMove, fflagJobAfterMove),
		fenceFlagProp(AddFenceNeedsReserve, fflagNoReserve),
	}
	some := func(name string, holds func(s fs) bool) {
		props = append(props, propDef{name: name, exp: statespace.Sometimes, holds: func(v View) bool { return holds(v.fs()) }})
	}
	active := func(r int) bool { return sp.Rings[r].Jobs > 0 }
	usageFences, anyFenced, writesWithUsage := false, false, false
	producers := 0
	for r := range sp.Rings {
		if !active(r) {
			continue
		}
		if l.ringUsage[r] {
			producers++
			usageFences = true
			if l.ringWrites[r] {
				writesWithUsage = true
			}
		}
		if l.ringAny[r] {
			anyFenced = true
		}
	}
	userSignals := sp.Points > 0 && (l.hasInc || l.hasClose)
	// The lock family's own fences added to the dma-buf's resv are
	// dependencies too (docs/world.md, "dma_fence: one kind").
	lockAdds := false
	for _, f := range c.spec.Locks.Fences {
		lockAdds = lockAdds || l.joined && f.Resv >= 0 && f.Resv == c.join.bufResv
	}
	canDepend := false
	for r := range sp.Rings {
		if !active(r) {
			continue
		}
		if l.ringImplicit[r] && (producers > 1 || producers == 1 && !l.ringUsage[r] || userSignals || sp.CopyEngine || lockAdds) ||
			l.ringExplicitKernel[r] && sp.CopyEngine {
			canDepend = true
		}
	}
	if canDepend {
		some(JobRanAfterDependency, fs.jobRanAfterDep)
	}
	if l.hasPoll && writesWithUsage {
		some(PollSawEPOLLINAfterWrite, func(s fs) bool { p := s.pollB(); return p&pollPhase == pollDone && p&pollAfterWrite != 0 })
	}
	if sp.Imports > 0 && (sp.Exports > 0 || sp.Points > 0) {
		some(ImportedFenceBecameWrite, fs.importedWrite)
	}
	if l.hasCPU && (usageFences || sp.Points > 0 || sp.CopyEngine) {
		some(CPUWaitedForFence, func(s fs) bool { return s.cpu()&cpuPhase == cpuInside && s.cpu()&cpuBlocked != 0 })
	}
	if l.hasMove && anyFenced {
		some(ExporterWaitedForFence, func(s fs) bool {
			p := s.exporter() & expPhase
			return (p == expCopying || p == expMoved) && s.exporter()&expWaited != 0
		})
	}
	if userSignals {
		some(TimelineClosedPending, func(s fs) bool {
			for k := range s.l.points {
				if f := s.l.fPoint + k; s.signaled(f) && s.ferr(f) == ferrNoEnt {
					return true
				}
			}
			return false
		})
	}
	var timeouts []int // the rings whose scheduler can time a job out
	for r := range sp.Rings {
		if l.ringTimeout[r] && active(r) {
			timeouts = append(timeouts, r)
		}
	}
	if len(timeouts) > 0 {
		some(JobTimedOut, func(s fs) bool {
			for _, r := range timeouts {
				for k := range s.ringJobs(r) {
					if s.job(s.jobSlot(r, k))&jCancelled != 0 {
						return true
					}
				}
			}
			return false
		})
	}
	for _, f := range c.kernelFences() {
		f := f
		props = append(props, propDef{
			name:    FencesEventuallySignal + "/" + c.fenceShortName(f),
			exp:     statespace.Eventually,
			trigger: func(v View) bool { return v.fs().pending(f) },
			holds:   func(v View) bool { return v.fs().signaled(f) },
		})
	}
	return props
}

// kernelFences returns the fence slots the kernel publishes and must
// signal: each ring's jobs and the exporter's copy.
func (c *core) kernelFences() []int {
	l := &c.lay.fence
	var out []int
	for f := 1; f < l.fPoint; f++ {
		out = append(out, f)
	}
	if l.fCopy >= 0 {
		out = append(out, l.fCopy)
	}
	return out
}

// keepsNewest: for each context, the newest pending fence ever added to
// the resv is covered by an entry of the same context at least as late in
// issue order (slot order within a context is issue order).
func (s fs) keepsNewest() bool {
	var newest [3 + MaxRings + MaxFences]int
	for ctx := range s.l.nctx {
		newest[ctx] = -1
	}
	for f := range s.l.slots {
		if s.added(f) != 0 && s.pending(f) {
			newest[s.l.ctx[f]] = f
		}
	}
	n := s.numEntries()
	for ctx, f := range newest[:s.l.nctx] {
		if f < 0 {
			continue
		}
		ok := false
		for i := range n {
			if g := entryFence(s.entry(i)); int(s.l.ctx[g]) == ctx && g >= f {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (s fs) jobRanAfterDep() bool {
	for j := 1; j <= s.l.jobSlots; j++ {
		jb := s.job(j)
		if p := jobPhaseOf(jb); (p == jRunning || p == jDone) && jb&jWaited != 0 && jb&jCancelled == 0 {
			return true
		}
	}
	return false
}

// importedWrite: a WRITE entry whose fence its producer did not add as
// WRITE itself (a sw_sync point, the stub, a read job's fence or a
// BOOKKEEP-only job's fence): it got there by an import.
func (s fs) importedWrite() bool {
	for i := range s.numEntries() {
		e := s.entry(i)
		if entryUsage(e) != UsageWrite {
			continue
		}
		f := entryFence(e)
		switch {
		case f == fStub, s.isPointSlot(f):
			return true
		case s.isJobSlot(f):
			if s.job(f)&jWrite == 0 || !s.l.ringAddsWrite[s.l.ringOf[f]] {
				return true
			}
		}
	}
	return false
}

// fenceEnd reports whether a state without enabled actions is a proper
// end for the family: no job queued or running, no CPU, exporter or
// poller blocked, and every kernel fence signalled. A sw_sync point left
// pending is user space's own object: no kernel agent waits for it.
func (c *core) fenceEnd(v View) bool {
	if !c.lay.fence.used {
		return true
	}
	s := v.fs()
	for j := 1; j <= s.l.jobSlots; j++ {
		if p := jobPhaseOf(s.job(j)); p == jQueued || p == jRunning {
			return false
		}
	}
	if s.cpu()&cpuPhase == cpuWaiting || s.pollB()&pollPhase == pollArmed {
		return false
	}
	if p := s.exporter() & expPhase; p == expNotified || p == expCopying {
		return false
	}
	for _, f := range c.kernelFences() {
		if s.pending(f) {
			return false
		}
	}
	return true
}

// fenceFairness declares the agents that signal fences as weakly fair:
// each ring's device and scheduler (run, complete, time out), the
// exporter's move (once notified) and copy engine, and a well-behaved
// user space's sw_sync timeline (increment or close). Submissions, the
// CPU, poll and the sync_file ioctls are not: they may stop at any time.
func (c *core) fenceFairness() []statespace.Fairness {
	groups := map[string][]statespace.Action{}
	var order []string
	addTo := func(name string, a int) {
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], statespace.Action(a))
	}
	for a, t := range c.table {
		if len(t.e.Ops) != 1 {
			continue
		}
		op := t.e.Ops[0]
		switch op.Kind {
		case KJobRun, KJobSignal, KJobTimeout, KJobTimeoutSignal, KJobSetErrorLate:
			addTo(c.spec.Fence.Rings[op.Obj].Name+": device and scheduler", a)
		case KJobRead, KJobWrite, KJobDone:
			if r := c.tiedRing(op.Dev); r >= 0 {
				addTo(c.spec.Fence.Rings[r].Name+": device and scheduler", a) // the ring's jobs are the device's
			}
		case KExporterMove:
			if t.e.Step == 1 {
				addTo("exporter: move and copy engine", a)
			}
		case KCopyDone:
			addTo("exporter: move and copy engine", a)
		case KSwSyncInc, KSwSyncClose:
			addTo("user space: signals its sw_sync timeline", a)
		}
	}
	var out []statespace.Fairness
	for _, n := range order {
		out = append(out, statespace.Fairness{Name: n, Actions: groups[n]})
	}
	return out
}

// fenceWaits lists who waits for what: jobs for their dependencies and the
// ring's earlier job, fences for the agent that signals them, the CPU,
// the exporter and the poller for the fences they wait on.
func (c *core) fenceWaits(v View) []statespace.WaitEdge {
	if !c.lay.fence.used {
		return nil
	}
	s := v.fs()
	var out []statespace.WaitEdge
	edge := func(from, to, why string) { out = append(out, statespace.WaitEdge{From: from, To: to, Why: why}) }
	fencesOf := func(from string, m fmask, why string) {
		for f := range s.l.slots {
			if m&(1<<f) != 0 {
				edge(from, c.fenceName(s, f), why)
			}
		}
	}
	for r := range c.spec.Fence.Rings {
		for k := range s.ringJobs(r) {
			j := s.jobSlot(r, k)
			if jobPhaseOf(s.job(j)) != jQueued {
				continue
			}
			name := c.jobName(j)
			if k > 0 && jobPhaseOf(s.job(j-1)) != jDone {
				edge(name, c.jobName(j-1), "ring order: the scheduler runs the entity's jobs in order")
			}
			fencesOf(name, s.deps(j), "dependency: drm_sched callback installed with dma_fence_add_callback")
		}
	}
	for f := 1; f < s.l.slots; f++ {
		if !s.pending(f) {
			continue
		}
		switch {
		case s.isJobSlot(f):
			edge(c.fenceName(s, f), c.jobName(f), "signalled when the job completes")
		case s.isPointSlot(f):
			edge(c.fenceName(s, f), "sw_sync timeline 0 (user space)", "signalled only by SW_SYNC_IOC_INC or closing the timeline")
		case f == s.l.fCopy:
			edge(c.fenceName(s, f), "exporter copy engine", "signalled when the copy completes")
		}
	}
	if s.cpu()&cpuPhase == cpuWaiting {
		w := s.cpuWrites()
		fencesOf("cpu", s.mask(s.l.cpuWait)&^s.signaledMask(), fmt.Sprintf("dma_resv_wait_timeout(%s) in dma_buf_begin_cpu_access(%s)", usageRW(w), dmaDirNames[b2i(w)]))
	}
	if s.exporter()&expPhase == expNotified {
		fencesOf("exporter", s.query(UsageBookkeep), "dma_resv_wait_timeout(BOOKKEEP) holding the resv lock, before the move")
	}
	if s.pollB()&pollPhase == pollArmed {
		fencesOf("poll", 1<<(s.pollB()&pollFence>>pollShift), "dma_buf_poll_cb installed on the first pending WRITE fence")
	}
	return out
}

// jobName names the job of job slot j: "<ring> job k".
func (c *core) jobName(j int) string {
	l := &c.lay.fence
	r := int(l.ringOf[j])
	return fmt.Sprintf("%s job %d", c.spec.Fence.Rings[r].Name, j-l.ring0[r])
}

// fenceShortName names fence slot f: stub, <ring>#k, pt<value>, copy.
func (c *core) fenceShortName(f int) string {
	l := &c.lay.fence
	switch {
	case f == fStub:
		return "stub"
	case f < l.fPoint:
		r := int(l.ringOf[f])
		return fmt.Sprintf("%s#%d", c.spec.Fence.Rings[r].Name, f-l.ring0[r])
	case f < l.fPoint+c.spec.Fence.Points:
		return fmt.Sprintf("pt%d", f-l.fPoint+1)
	case f >= l.driver0:
		return c.spec.Locks.Fences[l.lockOf[f]].Name // the lock family's own fence
	}
	return "copy"
}

// fenceName names fence slot f with its context and seqno. Context
// numbers: the rings first (at least two, as the earlier model numbered
// them), then the timeline, then the copy engine.
func (c *core) fenceName(s fs, f int) string {
	ctx := int(s.l.ctx[f])
	if ctx > s.l.rings {
		ctx = ctx - s.l.rings + max(s.l.rings, 2)
	}
	return fmt.Sprintf("fence %s (ctx %d, seqno %d)", c.fenceShortName(f), ctx, s.seqno(f))
}

func (c *core) fenceMaskString(m fmask) string {
	var names []string
	for f := range c.lay.fence.slots {
		if m&(1<<f) != 0 {
			names = append(names, c.fenceShortName(f))
		}
	}
	return strings.Join(names, ", ")
}

// fenceString renders one fence's state.
func (c *core) fenceString(s fs, f int) string {
	switch s.status(f) {
	case fenceUnused:
		return "not created"
	case fencePending:
		v := fmt.Sprintf("pending (seqno %d)", s.seqno(f))
		if s.fb(f)&fenceEnabled != 0 {
			v += ", signalling enabled"
		}
		if e := s.ferr(f); e != ferrNone {
			v += ", error " + ferrNames[e]
		}
		return v
	}
	v := fmt.Sprintf("signalled (seqno %d)", s.seqno(f))
	if e := s.ferr(f); e != ferrNone {
		v += ", error " + ferrNames[e]
	}
	return v
}

// fenceDescribe renders the family's objects for traces: only what the
// world uses, with kernel names for the values.
func (c *core) fenceDescribe(v View, add func(name, value string)) {
	l := &c.lay.fence
	if !l.used {
		return
	}
	s := v.fs()
	sp := &c.spec.Fence
	if sp.Exports > 0 {
		add("fence stub", c.fenceString(s, fStub))
	}
	for f := 1; f < l.slots; f++ {
		add("fence "+c.fenceShortName(f), c.fenceString(s, f))
	}
	var entries []string
	for i := range s.numEntries() {
		e := s.entry(i)
		entries = append(entries, c.fenceShortName(entryFence(e))+" "+entryUsage(e).String())
	}
	add("resv", "["+strings.Join(entries, ", ")+"]")
	if l.hasMove {
		lock := "free"
		if !s.lockFree() {
			lock = "held by the exporter"
		}
		add("resv.lock", lock)
	}
	for j := 1; j <= l.jobSlots; j++ {
		r := int(l.ringOf[j])
		add(fmt.Sprintf("%s.job%d", sp.Rings[r].Name, j-l.ring0[r]), c.jobString(s, j))
	}
	if l.hasCPU {
		w := s.cpuWrites()
		var x string
		switch s.cpu() & cpuPhase {
		case cpuIdle:
			x = "idle"
		case cpuWaiting:
			x = fmt.Sprintf("in dma_buf_begin_cpu_access(%s): dma_resv_wait_timeout(%s) on [%s]", dmaDirNames[b2i(w)], usageRW(w), c.fenceMaskString(s.mask(l.cpuWait)))
		case cpuInside:
			x = fmt.Sprintf("inside %s bracket", dmaDirNames[b2i(w)])
		}
		add("cpu", x)
	}
	if l.hasPoll {
		var x string
		switch p := s.pollB(); p & pollPhase {
		case pollIdle:
			x = "not polled yet"
		case pollArmed:
			x = "sleeping, dma_buf_poll_cb on " + c.fenceShortName(int(p&pollFence>>pollShift))
		case pollWoken:
			x = "woken by dma_buf_poll_cb"
		case pollDone:
			x = "returned EPOLLIN"
			if p&pollAfterWrite != 0 {
				x += " (after a device write completed)"
			}
		}
		add("poll", x)
	}
	if l.hasSyncFile {
		x := "none"
		switch sf := s.syncFileMask(); {
		case sf == 1<<fStub:
			x = "stub (signalled)"
		case sf != 0 && sf&(sf-1) == 0:
			x = c.fenceMaskString(sf)
		case sf != 0:
			x = "dma_fence_array{" + c.fenceMaskString(sf) + "}"
		}
		add("user.sync_file", x)
		add("user.ioctls", fmt.Sprintf("exports %d/%d, imports %d/%d", s.exports(), sp.Exports, s.imports(), sp.Imports))
	}
	if sp.Points > 0 {
		x := fmt.Sprintf("value %d, open", s.timelineValue())
		if s.timeline()&timelineClosed != 0 {
			x = fmt.Sprintf("value %d, closed", s.timelineValue())
		}
		add("sw_sync timeline", x)
	}
	if l.hasMove {
		add("exporter", [4]string{"not moved", "holds the resv lock, move_notify sent, waiting for BOOKKEEP fences",
			"moved, copy fence pending", "moved"}[s.exporter()&expPhase])
	}
	var flags []string
	for i, name := range fenceFlagNames {
		if s.ghost()&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("VIOLATED (fences)", strings.Join(flags, ", "))
	}
}

func (c *core) jobString(s fs, j int) string {
	jb := s.job(j)
	kind := "read"
	if jb&jWrite != 0 {
		kind = "write"
	}
	var x string
	switch jobPhaseOf(jb) {
	case jNone:
		return "not submitted"
	case jQueued:
		x = "queued " + kind
		if d := s.deps(j); d != 0 {
			x += ", waiting for " + c.fenceMaskString(d)
		}
	case jRunning:
		x = "running " + kind + " (DMA in flight)"
	case jDone:
		x = kind + " done"
		if jb&jCancelled != 0 {
			x = kind + " cancelled by timeout"
		}
	}
	if jb&jStale != 0 {
		x += ", bound to the pages before the move"
	}
	return x
}
