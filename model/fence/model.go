package fence

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is the kind of an action; each names the kernel function (or
// device event) it stands for. docs/fences.md maps every kind to the
// kernel source.
type Kind uint8

// Action kinds.
const (
	// Importer drivers and their devices.
	KSubmit       Kind = iota // job submission: dependencies, dma_resv_reserve_fences, dma_resv_add_fence (under the resv lock)
	KRun                      // drm_sched run_job: dependencies signalled, DMA starts
	KDone                     // the job completes: dma_fence_signal
	KTimeout                  // the scheduler gives up on a stuck job: dma_fence_set_error(-ETIME) + dma_fence_signal
	KSetErrorLate             // dma_fence_set_error after dma_fence_signal (bug)
	// CPU through begin/end_cpu_access.
	KCPUBegin    // dma_buf_begin_cpu_access: starts dma_resv_wait_timeout(usage_rw(write))
	KCPUWaitDone // the wait returns: the resv is idle for that usage
	KCPUEnd      // dma_buf_end_cpu_access
	// User space.
	KPoll     // poll(dmabuf, EPOLLIN): dma_buf_poll
	KExport   // DMA_BUF_IOCTL_EXPORT_SYNC_FILE
	KImport   // DMA_BUF_IOCTL_IMPORT_SYNC_FILE
	KSwCreate // SW_SYNC_IOC_CREATE_FENCE
	KSwInc    // SW_SYNC_IOC_INC
	KSwClose  // close of the sw_sync timeline fd
	// Dynamic exporter.
	KMoveNotify // dma_resv_lock + dma_buf_move_notify
	KMove       // dma_resv_wait_timeout(BOOKKEEP) returns, move, (copy fence,) dma_resv_unlock
	KCopyDone   // the copy completes: dma_fence_signal(copy fence)
	numKinds
)

var kindNames = [numKinds]string{
	"KSubmit", "KRun", "KDone", "KTimeout", "KSetErrorLate", "KCPUBegin", "KCPUWaitDone", "KCPUEnd",
	"KPoll", "KExport", "KImport", "KSwCreate", "KSwInc", "KSwClose", "KMoveNotify", "KMove", "KCopyDone",
}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Kinds returns every action kind.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for k := range numKinds {
		out[k] = k
	}
	return out
}

// act is one entry of the action table.
type act struct {
	kind Kind
	imp  int // importer, or -1
	arg  int // 1 for a write (submit, CPU bracket, sync_file flag); the point for KSwCreate
}

// Model is the fence protocol for one Config. It implements
// statespace.Model[State] (Properties in props.go), EndStater,
// WaitForGraph, Describer and FairModel.
type Model struct {
	cfg   Config
	table []act
	names []string
}

var dmaDirNames = [2]string{"DMA_FROM_DEVICE", "DMA_TO_DEVICE"}
var syncFlag = [2]string{"READ", "WRITE"}

// New builds the model for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fence: %w", err)
	}
	m := &Model{cfg: cfg}
	add := func(a act, name string) {
		m.table = append(m.table, a)
		m.names = append(m.names, name)
	}
	for i, im := range cfg.Importers {
		if im.Jobs == 0 {
			continue
		}
		n := m.impName(i)
		for w := 1; w >= 0; w-- {
			if w == 1 && im.Access == JobsRead || w == 0 && im.Access == JobsWrite {
				continue
			}
			add(act{kind: KSubmit, imp: i, arg: w}, fmt.Sprintf("%s: submit %s job (%s)", n, [2]string{"read", "write"}[w], m.submitSummary(im, w == 1)))
		}
		add(act{kind: KRun, imp: i}, fmt.Sprintf("%s: run_job (dependencies signalled)", n))
		add(act{kind: KDone, imp: i}, fmt.Sprintf("%s: job done, dma_fence_signal", n))
		switch im.Timeout {
		case TimeoutSetErrorThenSignal:
			add(act{kind: KTimeout, imp: i}, fmt.Sprintf("%s: job timeout: dma_fence_set_error(-ETIME), dma_fence_signal", n))
		case TimeoutErrorAfterSignal:
			add(act{kind: KTimeout, imp: i}, fmt.Sprintf("%s: job timeout: dma_fence_signal", n))
			add(act{kind: KSetErrorLate, imp: i}, fmt.Sprintf("%s: dma_fence_set_error(-ETIME) after dma_fence_signal", n))
		}
	}
	for w := range 2 {
		if cfg.CPU == CPURead && w == 1 || cfg.CPU == CPUWrite && w == 0 || cfg.CPU == NoCPU {
			continue
		}
		add(act{kind: KCPUBegin, imp: -1, arg: w}, fmt.Sprintf("cpu: dma_buf_begin_cpu_access(%s)", dmaDirNames[w]))
		add(act{kind: KCPUWaitDone, imp: -1, arg: w}, fmt.Sprintf("cpu: dma_resv_wait_timeout(%s) returned", UsageRW(w == 1)))
		add(act{kind: KCPUEnd, imp: -1, arg: w}, fmt.Sprintf("cpu: dma_buf_end_cpu_access(%s)", dmaDirNames[w]))
	}
	if cfg.Poll {
		add(act{kind: KPoll, imp: -1}, "poll(dmabuf, EPOLLIN)")
	}
	for k := range cfg.SwSync.Points {
		add(act{kind: KSwCreate, imp: -1, arg: k}, fmt.Sprintf("SW_SYNC_IOC_CREATE_FENCE(value %d)", k+1))
	}
	if cfg.SyncFile.Exports > 0 {
		for w := range 2 {
			add(act{kind: KExport, imp: -1, arg: w}, fmt.Sprintf("DMA_BUF_IOCTL_EXPORT_SYNC_FILE(%s)", syncFlag[w]))
		}
	}
	if cfg.SyncFile.Imports > 0 {
		for w := 1; w >= 0; w-- {
			add(act{kind: KImport, imp: -1, arg: w}, fmt.Sprintf("DMA_BUF_IOCTL_IMPORT_SYNC_FILE(%s)", syncFlag[w]))
		}
	}
	if cfg.SwSync.Points > 0 {
		if cfg.SwSync.User == UserIncrements {
			add(act{kind: KSwInc, imp: -1}, "SW_SYNC_IOC_INC(1)")
		}
		if cfg.SwSync.User != UserNever {
			add(act{kind: KSwClose, imp: -1}, "close(sw_sync timeline fd)")
		}
	}
	if cfg.Exporter.Moves {
		add(act{kind: KMoveNotify, imp: -1}, "exporter: dma_resv_lock, dma_buf_move_notify")
		move := "exporter: dma_resv_wait_timeout(BOOKKEEP) returned, move, dma_resv_unlock"
		if cfg.Exporter.CopyFence {
			move = "exporter: dma_resv_wait_timeout(BOOKKEEP) returned, copy, dma_resv_add_fence(copy, KERNEL), dma_resv_unlock"
		}
		add(act{kind: KMove, imp: -1}, move)
		if cfg.Exporter.CopyFence {
			add(act{kind: KCopyDone, imp: -1}, "exporter: copy done, dma_fence_signal(copy)")
		}
	}
	return m, nil
}

// submitSummary names what a submission does: its dependencies and the
// fences it adds.
func (m *Model) submitSummary(im Importer, write bool) string {
	deps := "deps " + UsageRW(write).String()
	if im.Sync == Explicit {
		deps = "explicit, deps KERNEL"
		if im.IgnoreKernelFences {
			deps = "explicit, no deps"
		}
	}
	usage := UsageRW(!write) // WRITE for a write, READ for a read
	var add string
	switch im.Fence {
	case FenceUsage:
		add = fmt.Sprintf("dma_resv_add_fence(%s)", usage)
	case FenceBookkeep:
		add = "dma_resv_add_fence(BOOKKEEP)"
	case FenceNone:
		add = "no fence added"
	case FenceBookkeepThenUsage:
		add = fmt.Sprintf("dma_resv_add_fence(BOOKKEEP), dma_resv_add_fence(%s)", usage)
	}
	if im.SkipReserve && im.Fence != FenceNone {
		add = "no dma_resv_reserve_fences, " + add
	}
	return deps + "; " + add
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

func (m *Model) impName(i int) string {
	if n := m.cfg.Importers[i].Name; n != "" {
		return n
	}
	return fmt.Sprintf("imp%d", i)
}

// Init returns the start state: an empty resv, the stub signalled,
// nothing submitted.
func (m *Model) Init() []State {
	var s State
	s.Fence[FStub] = FenceSignalled
	return []State{s}
}

// ActionNames returns the action table's labels.
func (m *Model) ActionNames() []string { return m.names }

// KindOf returns the kind and importer (-1 for none) of action a.
func (m *Model) KindOf(a statespace.Action) (Kind, int) {
	return m.table[a].kind, m.table[a].imp
}

// Actions appends the actions enabled in s.
func (m *Model) Actions(s *State, buf []statespace.Action) []statespace.Action {
	for a := range m.table {
		if m.enabled(s, &m.table[a]) {
			buf = append(buf, statespace.Action(a))
		}
	}
	return buf
}

// Step returns the successor of s under a. A monitor compares the fences
// before and after: a signalled fence that becomes unsignalled, an error
// that changes after the signal, or a seqno that changes, is a
// fence-monotonicity violation whatever step did it.
func (m *Model) Step(s *State, a statespace.Action) State {
	n := *s
	m.apply(&n, &m.table[a])
	for f := range MaxFences {
		o, x := s.Fence[f], n.Fence[f]
		if o&fenceStatus == FenceSignalled && (x&fenceStatus != FenceSignalled || x&fenceErr != o&fenceErr) ||
			o&fenceStatus != FenceUnused && x&fenceSeq != o&fenceSeq {
			n.Ghost |= FlagMonotonicity
		}
	}
	return n
}

// submitted returns the number of jobs importer i has submitted, and its
// head: the first job not done (MaxJobs when there is none).
func (s *State) submitted(i int) (n, head int) {
	head = MaxJobs
	for k := range MaxJobs {
		p := jobPhaseOf(s.Job[i][k])
		if p != JobNone {
			n++
		}
		if p != JobNone && p != JobDone && head == MaxJobs {
			head = k
		}
	}
	return n, head
}

// lockFree reports whether the resv lock is free: only the exporter holds
// it across steps; the other users lock and unlock within one step.
func (s *State) lockFree() bool { return s.Exporter&expPhase != ExpNotified }

func (s *State) exports() int { return int(s.User & 3) }
func (s *State) imports() int { return int(s.User >> 2 & 3) }
func (s *State) points() int  { return int(s.User >> 4 & 3) }

func (m *Model) enabled(s *State, a *act) bool {
	c := &m.cfg
	switch a.kind {
	case KSubmit:
		n, _ := s.submitted(a.imp)
		return s.lockFree() && n < c.Importers[a.imp].Jobs
	case KRun, KDone, KTimeout:
		_, h := s.submitted(a.imp)
		if h == MaxJobs {
			return false
		}
		p := jobPhaseOf(s.Job[a.imp][h])
		switch a.kind {
		case KRun:
			return p == JobQueued && s.Deps[a.imp][h] == 0
		case KDone:
			return p == JobRunning
		}
		return p == JobQueued && s.Deps[a.imp][h] != 0
	case KSetErrorLate:
		for k := range MaxJobs {
			if s.Job[a.imp][k]&JobErrorDue != 0 {
				return true
			}
		}
		return false
	case KCPUBegin:
		return s.CPU&cpuPhase == CPUIdle
	case KCPUWaitDone:
		return s.CPU&cpuPhase == CPUWaiting && s.cpuWrites() == (a.arg == 1) && AllSignaled(s, s.CPUWait)
	case KCPUEnd:
		return s.CPU&cpuPhase == CPUInside && s.cpuWrites() == (a.arg == 1)
	case KPoll:
		p := s.Poll & pollPhase
		return (p == PollIdle || p == PollWoken) && s.lockFree() // dma_buf_poll takes the resv lock
	case KExport:
		return s.exports() < c.SyncFile.Exports
	case KImport:
		return s.SyncFile != 0 && s.imports() < c.SyncFile.Imports && s.lockFree()
	case KSwCreate:
		return s.points() == a.arg && s.Timeline&TimelineClosed == 0
	case KSwInc:
		return s.Timeline&TimelineClosed == 0 && int(TimelineValue(s)) < c.SwSync.Points
	case KSwClose:
		return s.Timeline&TimelineClosed == 0
	case KMoveNotify:
		return s.Exporter&expPhase == ExpIdle
	case KMove:
		return s.Exporter&expPhase == ExpNotified && TestSignaled(s, Bookkeep)
	case KCopyDone:
		return s.Exporter&expPhase == ExpCopying
	}
	return false
}

func (s *State) cpuWrites() bool { return s.CPU&cpuWrite != 0 }

// JobFence returns the fence slot of importer i's job k.
func JobFence(i, k int) int { return FJob + MaxJobs*i + k }

// issue makes slot f a new pending fence with seqno, checking that the
// context issues its seqnos in order (each later than every earlier fence
// of the context, by the kernel's wrap-around comparison).
func (m *Model) issue(s *State, f int, seqno uint32) {
	for g := range MaxFences {
		if g != f && Context(g) == Context(f) && s.status(g) != FenceUnused && !IsLater(seqno, m.Seqno(s, g), Wrap32) {
			s.Ghost |= FlagMonotonicity
		}
	}
	create(s, f, seqno)
}

func (m *Model) apply(s *State, a *act) {
	c := &m.cfg
	switch a.kind {
	case KSubmit:
		m.submit(s, a.imp, a.arg == 1)
	case KRun:
		_, h := s.submitted(a.imp)
		j := &s.Job[a.imp][h]
		if *j&JobStale != 0 || s.Exporter&expPhase == ExpCopying {
			// DMA through the old pages, or into pages the exporter is
			// still copying.
			s.Ghost |= FlagJobAfterMove
		}
		*j = *j&^jobPhase | JobRunning
	case KDone:
		_, h := s.submitted(a.imp)
		s.Job[a.imp][h] = s.Job[a.imp][h]&^jobPhase | JobDone
		Signal(s, JobFence(a.imp, h), ErrNone)
	case KTimeout:
		_, h := s.submitted(a.imp)
		j := &s.Job[a.imp][h]
		*j = *j&^jobPhase | JobDone | JobCancelled
		s.Deps[a.imp][h] = 0 // dma_fence_remove_callback on its dependencies
		if c.Importers[a.imp].Timeout == TimeoutErrorAfterSignal {
			Signal(s, JobFence(a.imp, h), ErrNone)
			*j |= JobErrorDue
		} else {
			Signal(s, JobFence(a.imp, h), ErrTime)
		}
	case KSetErrorLate:
		for k := range MaxJobs {
			if j := &s.Job[a.imp][k]; *j&JobErrorDue != 0 {
				*j &^= JobErrorDue
				SetError(s, JobFence(a.imp, k), ErrTime)
				break
			}
		}
	case KCPUBegin:
		u := UsageRW(a.arg == 1)
		q := Query(s, u)
		enableAll(s, q) // dma_fence_wait_timeout on each
		s.CPUWait, s.CPUTruth = q, Published(s, u)
		s.CPU = CPUWaiting
		if a.arg == 1 {
			s.CPU |= cpuWrite
		}
		if q != 0 {
			s.CPU |= cpuBlocked
		}
	case KCPUWaitDone:
		// Every fence published ≤ usage before the wait began must have
		// signalled by now.
		for f := range MaxFences {
			if s.CPUTruth&(1<<f) != 0 && s.pending(f) {
				s.Ghost |= FlagIdleLied
			}
		}
		s.CPU = s.CPU&^cpuPhase | CPUInside
		s.CPUWait, s.CPUTruth = 0, 0
	case KCPUEnd:
		s.CPU = CPUIdle
	case KPoll:
		m.poll(s)
	case KExport:
		s.SyncFile = ExportSyncFile(s, a.arg == 1)
		s.User++
	case KImport:
		m.ImportSyncFile(s, s.SyncFile, a.arg == 1)
		s.SyncFile = 0 // user space closes the fd after the import
		s.User += 1 << 2
	case KSwCreate:
		m.SwSyncCreate(s, a.arg)
		s.SyncFile = 1 << (FPoint + a.arg)
		s.User += 1 << 4
	case KSwInc:
		m.SwSyncInc(s)
	case KSwClose:
		SwSyncClose(s)
	case KMoveNotify:
		// The importers' move_notify callbacks invalidate their mappings;
		// what they cannot stop must already be fenced in the resv.
		q := Query(s, Bookkeep)
		enableAll(s, q)
		s.Exporter = ExpNotified
		if q != 0 {
			s.Exporter |= ExpWaited
		}
	case KMove:
		reportIdle(s, Bookkeep)
		for i := range s.Job {
			for k := range s.Job[i] {
				switch jobPhaseOf(s.Job[i][k]) {
				case JobRunning:
					s.Ghost |= FlagJobAfterMove // the pages move under the DMA
				case JobQueued:
					s.Job[i][k] |= JobStale // bound to the old pages at submission
				}
			}
		}
		if c.Exporter.CopyFence {
			m.issue(s, FCopy, m.base(CtxCopy))
			reserved := 1
			m.AddFence(s, FCopy, Kernel, &reserved)
			s.Exporter = s.Exporter&^expPhase | ExpCopying
		} else {
			s.Exporter = s.Exporter&^expPhase | ExpMoved
		}
	case KCopyDone:
		Signal(s, FCopy, ErrNone)
		s.Exporter = s.Exporter&^expPhase | ExpMoved
	}
}

// submit is a job submission by importer i's driver, under the resv lock:
// collect the dependencies (dma_resv_usage_rw(write) for implicit sync,
// KERNEL for explicit), install the scheduler's callback on each
// (dma_fence_add_callback), arm the job's fence (next seqno of the ring),
// dma_resv_reserve_fences(1) and dma_resv_add_fence.
func (m *Model) submit(s *State, i int, write bool) {
	im := &m.cfg.Importers[i]
	k, _ := s.submitted(i)
	f := JobFence(i, k)
	var deps Mask
	switch {
	case im.Sync == Implicit:
		deps = Query(s, UsageRW(write))
	case !im.IgnoreKernelFences:
		deps = Query(s, Kernel)
	}
	for g := range MaxFences {
		if Context(g) == Context(f) {
			deps &^= 1 << g // the ring's own order covers its earlier jobs
		}
	}
	enableAll(s, deps)
	m.issue(s, f, im.SeqnoBase+uint32(k))
	j := JobQueued
	if write {
		j |= JobWrite
	}
	if deps != 0 {
		j |= JobWaited
	}
	s.Job[i][k], s.Deps[i][k] = j, deps
	reserved := 1
	if im.SkipReserve {
		reserved = 0
	}
	usage := UsageRW(!write)
	switch im.Fence {
	case FenceUsage:
		m.AddFence(s, f, usage, &reserved)
	case FenceBookkeep:
		m.AddFence(s, f, Bookkeep, &reserved)
	case FenceBookkeepThenUsage:
		m.AddFence(s, f, Bookkeep, &reserved)
		m.AddFence(s, f, usage, &reserved)
	}
}

// poll is dma_buf_poll(EPOLLIN) under the resv lock: ready when no WRITE
// (or KERNEL) fence is pending; otherwise dma_buf_poll_add_cb installs
// dma_buf_poll_cb on the first pending one and the poller sleeps.
func (m *Model) poll(s *State) {
	if f, ok := firstPending(s, UsageRW(false)); ok {
		AddCallback(s, f)
		s.Poll = PollArmed | uint8(f)<<pollShift
		return
	}
	reportIdle(s, UsageRW(false))
	s.Poll = PollDone
	for i := range s.Job {
		for k := range s.Job[i] {
			if j := s.Job[i][k]; jobPhaseOf(j) == JobDone && j&JobWrite != 0 && j&JobCancelled == 0 {
				s.Poll |= PollAfterWrite
			}
		}
	}
}

// kernelFence reports whether slot f is a fence the kernel publishes and
// must signal: a job's or the exporter's (not the stub, not a sw_sync
// point, which user space controls).
func kernelFence(f int) bool { return f >= FJob && f < FPoint || f == FCopy }

// ValidEnd reports whether a state without enabled actions is a proper
// end: no job queued or running, no CPU, exporter or poller blocked, and
// every kernel fence signalled. A sw_sync point left pending is user
// space's own object: no kernel agent is left waiting for it.
func (m *Model) ValidEnd(s *State) bool {
	for i := range s.Job {
		for k := range s.Job[i] {
			if p := jobPhaseOf(s.Job[i][k]); p == JobQueued || p == JobRunning {
				return false
			}
		}
	}
	if s.CPU&cpuPhase == CPUWaiting || s.Poll&pollPhase == PollArmed {
		return false
	}
	if p := s.Exporter & expPhase; p == ExpNotified || p == ExpCopying {
		return false
	}
	for f := range MaxFences {
		if kernelFence(f) && s.pending(f) {
			return false
		}
	}
	return true
}

// Fairness declares the agents that signal fences as weakly fair: each
// importer's device and scheduler (run, complete, time out), the
// exporter's move and copy engine, and a well-behaved user space's
// sw_sync timeline (increment or close). Submissions, the CPU, poll and
// the sync_file ioctls are not: they may stop at any time.
func (m *Model) Fairness() []statespace.Fairness {
	groups := map[string][]statespace.Action{}
	var order []string
	addTo := func(name string, a int) {
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], statespace.Action(a))
	}
	for a, t := range m.table {
		switch t.kind {
		case KRun, KDone, KTimeout, KSetErrorLate:
			addTo(m.impName(t.imp)+": device and scheduler", a)
		case KMove, KCopyDone:
			addTo("exporter: move and copy engine", a)
		case KSwInc, KSwClose:
			addTo("user space: signals its sw_sync timeline", a)
		}
	}
	var out []statespace.Fairness
	for _, n := range order {
		out = append(out, statespace.Fairness{Name: n, Actions: groups[n]})
	}
	return out
}

// WaitsFor lists who waits for what in s: jobs for their dependencies and
// the ring's earlier job, fences for the agent that signals them, the CPU,
// the exporter and the poller for the fences they wait on.
func (m *Model) WaitsFor(s *State) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	edge := func(from, to, why string) { out = append(out, statespace.WaitEdge{From: from, To: to, Why: why}) }
	fencesOf := func(from string, mask Mask, why string) {
		for f := range MaxFences {
			if mask&(1<<f) != 0 {
				edge(from, m.FenceName(s, f), why)
			}
		}
	}
	for i := range m.cfg.Importers {
		for k := range MaxJobs {
			j := s.Job[i][k]
			if jobPhaseOf(j) != JobQueued {
				continue
			}
			name := m.jobName(i, k)
			if k > 0 && jobPhaseOf(s.Job[i][k-1]) != JobDone {
				edge(name, m.jobName(i, k-1), "ring order: the scheduler runs the entity's jobs in order")
			}
			fencesOf(name, s.Deps[i][k], "dependency: drm_sched callback installed with dma_fence_add_callback")
		}
	}
	for f := range MaxFences {
		if !s.pending(f) {
			continue
		}
		switch {
		case f >= FJob && f < FPoint:
			i, k := (f-FJob)/MaxJobs, (f-FJob)%MaxJobs
			edge(m.FenceName(s, f), m.jobName(i, k), "signalled when the job completes")
		case f >= FPoint && f < FCopy:
			edge(m.FenceName(s, f), "sw_sync timeline 0 (user space)", "signalled only by SW_SYNC_IOC_INC or closing the timeline")
		case f == FCopy:
			edge(m.FenceName(s, f), "exporter copy engine", "signalled when the copy completes")
		}
	}
	if s.CPU&cpuPhase == CPUWaiting {
		w := s.cpuWrites()
		fencesOf("cpu", s.CPUWait&^SignaledMask(s), fmt.Sprintf("dma_resv_wait_timeout(%s) in dma_buf_begin_cpu_access(%s)", UsageRW(w), dmaDirNames[b2i(w)]))
	}
	if s.Exporter&expPhase == ExpNotified {
		fencesOf("exporter", Query(s, Bookkeep), "dma_resv_wait_timeout(BOOKKEEP) holding the resv lock, before the move")
	}
	if s.Poll&pollPhase == PollArmed {
		fencesOf("poll", 1<<(s.Poll&pollFence>>pollShift), "dma_buf_poll_cb installed on the first pending WRITE fence")
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (m *Model) jobName(i, k int) string { return fmt.Sprintf("%s job %d", m.impName(i), k) }

// ShortName names fence slot f: stub, <importer>#k, pt<value>, copy.
func (m *Model) ShortName(f int) string {
	switch {
	case f == FStub:
		return "stub"
	case f < FPoint:
		i, k := (f-FJob)/MaxJobs, (f-FJob)%MaxJobs
		if i < len(m.cfg.Importers) {
			return fmt.Sprintf("%s#%d", m.impName(i), k)
		}
		return fmt.Sprintf("imp%d#%d", i, k)
	case f < FCopy:
		return fmt.Sprintf("pt%d", f-FPoint+1)
	}
	return "copy"
}

// FenceName names fence slot f with its context and seqno, e.g. "fence
// gpu0#1 (ctx 1, seqno 2)".
func (m *Model) FenceName(s *State, f int) string {
	return fmt.Sprintf("fence %s (ctx %d, seqno %d)", m.ShortName(f), m.contextNumber(f), m.Seqno(s, f))
}

// contextNumber is the context number shown for slot f: the rings of the
// configured importers come first (at least two, as when the model had two
// importer slots), then the timeline, then the copy engine.
func (m *Model) contextNumber(f int) int {
	c := Context(f)
	if c < CtxTimeline {
		return c
	}
	return c - CtxTimeline + CtxRing + max(len(m.cfg.Importers), legacyImporters)
}
