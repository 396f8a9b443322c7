package deadlock

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// act is one entry of the action table: agent Agent takes step PC with
// result Out.
type act struct {
	agent, pc int
	out       outcome
}

// Model is the locking protocol for one Config. It implements
// statespace.Model[State], EndStater, Describer, WaitForGraph and
// FairModel.
type Model struct {
	cfg   Config
	table []act
	names []string
	kinds []string
	// byStep[a][pc] lists the action indices of agent a's step pc.
	byStep [][][]statespace.Action
	// indefinite is the bitmask of indefinite fences; resvMask that of the
	// resv locks (lockdep's reservation_ww_class_mutex class).
	indefinite, resvMask uint8
}

// New builds the model for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("deadlock: %w", err)
	}
	m := &Model{cfg: cfg}
	for i, f := range cfg.Fences {
		if f.Indefinite {
			m.indefinite |= 1 << i
		}
	}
	for i, l := range cfg.Locks {
		if l.Kind == Resv {
			m.resvMask |= 1 << i
		}
	}
	m.byStep = make([][][]statespace.Action, len(cfg.Agents))
	for a, ag := range cfg.Agents {
		m.byStep[a] = make([][]statespace.Action, len(ag.Program))
		for pc, in := range ag.Program {
			for _, o := range m.outcomes(in) {
				m.byStep[a][pc] = append(m.byStep[a][pc], statespace.Action(len(m.table)))
				m.table = append(m.table, act{agent: a, pc: pc, out: o})
				m.names = append(m.names, m.label(a, in, o))
				m.kinds = append(m.kinds, kindOf(in.Op, o))
			}
		}
	}
	// Labels must be unique: the same call in two places of a program
	// (a retry path) is told apart by its step number.
	seen := map[string]int{}
	for _, n := range m.names {
		seen[n]++
	}
	for i, n := range m.names {
		if seen[n] > 1 {
			m.names[i] = fmt.Sprintf("%s (step %d)", n, m.table[i].pc)
		}
	}
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// outcomes lists the results of step in, one action each.
func (m *Model) outcomes(in Instr) []outcome {
	switch in.Op {
	case OpWWLock:
		if m.cfg.WW == WoundWait {
			return []outcome{outDone, outAlready, outDeadlk, outWound}
		}
		return []outcome{outDone, outAlready, outDeadlk}
	case OpWWLockSlow:
		var out []outcome
		for l, lk := range m.cfg.Locks {
			if lk.Kind == Resv {
				out = append(out, outLock0+outcome(l))
			}
		}
		return out
	}
	if opInfo[in.Op].alt {
		return []outcome{outDone, outAlt}
	}
	return []outcome{outDone}
}

// kindOf names an op and result for coverage ("ww_lock=-EDEADLK").
func kindOf(op Op, o outcome) string {
	switch {
	case o >= outLock0:
		return op.String()
	case o == outDone:
		return op.String()
	}
	return op.String() + "=" + [...]string{"", "-EALREADY", "-EDEADLK", "wound", "alt"}[o]
}

// Kinds returns every op/result pair the model can take, for coverage
// across scenarios.
func Kinds() []string {
	var out []string
	for op := range numOps {
		out = append(out, kindOf(op, outDone))
		switch {
		case op == OpWWLock:
			out = append(out, kindOf(op, outAlready), kindOf(op, outDeadlk), kindOf(op, outWound))
		case opInfo[op].alt:
			out = append(out, kindOf(op, outAlt))
		}
	}
	return out
}

// Kind returns the op/result pair of action a (see Kinds).
func (m *Model) Kind(a statespace.Action) string { return m.kinds[a] }

// AgentOf returns the agent that takes action a.
func (m *Model) AgentOf(a statespace.Action) int { return m.table[a].agent }

// Init returns the start state: every lock free, the fences as configured,
// every device active and unused, no ww_acquire_ctx.
func (m *Model) Init() []State {
	var s State
	for i, f := range m.cfg.Fences {
		if f.Published {
			s.Fence[i] = fencePublished
		}
		s.Refs[i] = f.Refs
		s.Pending[i] = f.Pending
	}
	return []State{s}
}

// ActionNames returns the action table's labels: "agent: kernel call
// [= result] [job n]".
func (m *Model) ActionNames() []string { return m.names }

// Actions appends the actions enabled in s: for each agent that has not
// finished, the results its next step can have now.
func (m *Model) Actions(s *State, buf []statespace.Action) []statespace.Action {
	for a := range m.cfg.Agents {
		pc := int(s.PC[a])
		if pc >= len(m.cfg.Agents[a].Program) {
			continue
		}
		for _, x := range m.byStep[a][pc] {
			if m.enabled(s, &m.table[x]) {
				buf = append(buf, x)
			}
		}
	}
	return buf
}

// Step returns the successor of s under x.
func (m *Model) Step(s *State, x statespace.Action) State {
	n := *s
	m.apply(&n, &m.table[x])
	return n
}

// finished reports whether agent a has run its whole program.
func (m *Model) finished(s *State, a int) bool {
	return int(s.PC[a]) >= len(m.cfg.Agents[a].Program)
}

// idle reports whether agent a is finished or at an Idle step.
func (m *Model) idle(s *State, a int) bool {
	return m.finished(s, a) || m.cfg.Agents[a].Program[s.PC[a]].Idle
}

// ValidEnd: every agent has finished its program or waits at an Idle step
// for work that may never come.
func (m *Model) ValidEnd(s *State) bool {
	for a := range m.cfg.Agents {
		if !m.idle(s, a) {
			return false
		}
	}
	return true
}

// Fairness returns one weak-fairness group per agent: an agent that can
// keep taking a step eventually takes one.
func (m *Model) Fairness() []statespace.Fairness {
	var out []statespace.Fairness
	for a, ag := range m.cfg.Agents {
		f := statespace.Fairness{Name: ag.Name}
		for _, steps := range m.byStep[a] {
			f.Actions = append(f.Actions, steps...)
		}
		out = append(out, f)
	}
	return out
}

func (m *Model) instr(a, pc int) *Instr { return &m.cfg.Agents[a].Program[pc] }

// acquired is the number of resv locks agent a holds (ctx->acquired).
func (m *Model) acquired(s *State, a int) int {
	n := 0
	for l := range m.cfg.Locks {
		if m.resvMask&(1<<l) != 0 && s.owner(l) == a {
			n++
		}
	}
	return n
}

// younger reports whether agent a's context is younger than b's (b's
// ticket is older; a context-less holder is never "older").
func younger(s *State, a, b int) bool {
	return s.Ticket[b] != 0 && s.Ticket[a] > s.Ticket[b]
}

// resvIdle reports whether every fence in reservation object r with usage
// ≤ u has signalled (what dma_resv_wait_timeout waits for); r < 0 means
// every reservation object (a shrinker walking its LRU).
func (m *Model) resvIdle(s *State, r int, u Usage) bool {
	for f, fc := range m.cfg.Fences {
		if s.inResv(f) && (r < 0 || fc.Resv == r) && fc.Usage <= u && !s.signalled(f) {
			return false
		}
	}
	return true
}

func (m *Model) enabled(s *State, x *act) bool {
	a := x.agent
	in := m.instr(a, x.pc)
	switch in.Op {
	case OpNop, OpUnlock, OpWWInit, OpWWUnlockAll, OpWWFini, OpPublish, OpSignalLocked,
		OpBeginSignalling, OpEndSignalling, OpAllocKernel, OpAllocAtomic, OpFenceGet, OpSend,
		OpAttach, OpDetach, OpPMGetSync, OpPMPut:
		return true
	case OpLock:
		return s.owner(in.Obj) < 0
	case OpWWLock:
		own := s.owner(in.Obj)
		switch x.out {
		case outDone:
			return own < 0
		case outAlready:
			return own == a
		case outDeadlk:
			if own < 0 || own == a || m.acquired(s, a) == 0 {
				return false
			}
			if m.cfg.WW == WoundWait {
				return s.has(a, agentWounded)
			}
			return younger(s, a, own)
		case outWound:
			return own >= 0 && own != a && m.acquired(s, a) > 0 && younger(s, own, a) && !s.has(own, agentWounded)
		}
	case OpWWLockSlow:
		l := int(x.out - outLock0)
		return int(s.Contended[a]) == l+1 && s.owner(l) < 0
	case OpAwait:
		return s.published(in.Obj)
	case OpWaitDeps:
		return s.Deps[in.Obj]&^m.signalledMask(s) == 0
	case OpWait:
		return s.published(in.Obj) && s.signalled(in.Obj)
	case OpWaitResv:
		return m.resvIdle(s, in.Obj, Usage(in.Arg))
	case OpSignal:
		l := m.cfg.Fences[in.Obj].Lock
		return l < 0 || s.owner(l) < 0
	case OpShrink:
		return m.resvIdle(s, -1, UsageBookkeep)
	case OpFencePut:
		if s.Refs[in.Obj] == 0 {
			m.programError(a, x.pc, "dma_fence_put(%s) after its last reference was dropped", m.cfg.Fences[in.Obj].Name)
		}
		if x.out == outDone {
			return s.Refs[in.Obj] == 1
		}
		return s.Refs[in.Obj] > 1
	case OpAddCallback:
		if l := m.cfg.Fences[in.Obj].Lock; l >= 0 && s.owner(l) >= 0 {
			return false
		}
		return s.signalled(in.Obj) == (x.out == outAlt)
	case OpIfCallback:
		return (s.Cbs[in.Obj]&(1<<in.Arg) != 0) == (x.out == outDone)
	case OpArrayDec:
		return (s.Pending[in.Obj] == 1) == (x.out == outDone)
	case OpRecv:
		return s.Chan[in.Obj] > 0
	case OpPMGetIfActive:
		return s.suspended(in.Obj) == (x.out == outAlt)
	case OpPMSuspend:
		return !s.suspended(in.Obj) && s.pmUsage(in.Obj) == 0
	case OpP2PDMA:
		return !s.suspended(in.Obj) || !s.has(in.Arg, agentP2P)
	}
	return false
}

func (m *Model) signalledMask(s *State) uint8 {
	var sm uint8
	for f := range m.cfg.Fences {
		if s.signalled(f) {
			sm |= 1 << f
		}
	}
	return sm
}

// programError reports a step that the program should never take in that
// state (a scenario-building mistake, not a protocol outcome); the engine
// turns the panic into an error.
func (m *Model) programError(a, pc int, format string, args ...any) {
	panic(fmt.Sprintf("deadlock: agent %s step %d: %s", m.cfg.Agents[a].Name, pc, fmt.Sprintf(format, args...)))
}

// acquire gives lock l to agent a, recording for lockdep an acquisition
// inside a signalling critical section.
func (m *Model) acquire(s *State, a, l int) {
	s.Owner[l] = uint8(a + 1)
	m.noteAcquire(s, a, 1<<l)
}

func (m *Model) noteAcquire(s *State, a int, bits uint8) {
	if s.sigDepth(a) > 0 {
		s.LockdepSig |= bits
	}
}

// noteWait records for lockdep the locks agent a holds around a wait.
func (m *Model) noteWait(s *State, a int) {
	h := s.held(a)
	if s.has(a, agentReclaim) {
		h |= fsReclaim
	}
	s.LockdepWait |= h
}

func (m *Model) apply(s *State, x *act) {
	a, pc := x.agent, x.pc
	in := m.instr(a, pc)
	next := in.Next
	switch in.Op {
	case OpNop, OpAwait, OpWaitDeps, OpAllocAtomic:
	case OpLock:
		m.acquire(s, a, in.Obj)
	case OpUnlock:
		if s.owner(in.Obj) != a {
			m.programError(a, pc, "unlocks %s, which it does not hold", m.cfg.Locks[in.Obj].Name)
		}
		s.Owner[in.Obj] = 0
	case OpWWInit:
		if s.Ticket[a] != 0 {
			m.programError(a, pc, "ww_acquire_init with a live context")
		}
		top := uint8(0)
		for _, t := range s.Ticket {
			top = max(top, t)
		}
		s.Ticket[a] = top + 1
		s.Flags[a] &^= agentWounded
		s.Contended[a] = 0
	case OpWWLock:
		if s.Ticket[a] == 0 {
			m.programError(a, pc, "dma_resv_lock with a ctx before ww_acquire_init")
		}
		switch x.out {
		case outDone:
			if m.acquired(s, a) == 0 {
				s.Flags[a] &^= agentWounded
			}
			m.acquire(s, a, in.Obj)
		case outDeadlk:
			s.Contended[a] = uint8(in.Obj + 1)
			next = in.Else
		case outWound:
			s.Flags[s.owner(in.Obj)] |= agentWounded
			next = pc // the older context keeps waiting for the lock
		}
	case OpWWLockSlow:
		l := int(x.out - outLock0)
		if m.acquired(s, a) == 0 {
			s.Flags[a] &^= agentWounded
		}
		m.acquire(s, a, l)
		s.Contended[a] = 0
	case OpWWUnlockAll:
		for l := range m.cfg.Locks {
			if m.resvMask&(1<<l) != 0 && s.owner(l) == a {
				s.Owner[l] = 0
			}
		}
	case OpWWFini:
		if m.acquired(s, a) != 0 {
			m.programError(a, pc, "ww_acquire_fini while holding resv locks")
		}
		s.Ticket[a] = 0
		s.Contended[a] = 0
		s.Flags[a] &^= agentWounded
		s.renumberTickets()
	case OpPublish:
		f := &m.cfg.Fences[in.Obj]
		if f.Resv >= 0 {
			if s.owner(f.Resv) != a {
				m.programError(a, pc, "dma_resv_add_fence(%s) without holding %s", f.Name, m.cfg.Locks[f.Resv].Name)
			}
			if s.inResv(in.Obj) {
				m.programError(a, pc, "adds %s twice", f.Name)
			}
			if f.Deps {
				var d uint8
				for g, fg := range m.cfg.Fences {
					if g != in.Obj && s.inResv(g) && fg.Resv == f.Resv && fg.Usage <= f.DepUsage && !s.signalled(g) {
						d |= 1 << g
					}
				}
				s.Deps[in.Obj] = d
			}
			s.Fence[in.Obj] |= fenceInResv
		} else if s.published(in.Obj) {
			m.programError(a, pc, "publishes %s twice", f.Name)
		}
		s.Fence[in.Obj] |= fencePublished
	case OpWait, OpWaitResv:
		m.noteWait(s, a)
	case OpSignal:
		if !s.published(in.Obj) {
			m.programError(a, pc, "signals %s before it is published", m.cfg.Fences[in.Obj].Name)
		}
		if l := m.cfg.Fences[in.Obj].Lock; l >= 0 {
			m.noteAcquire(s, a, 1<<l)
		}
		s.Fence[in.Obj] |= fenceSignalled
	case OpSignalLocked:
		if s.owner(m.cfg.Fences[in.Obj].Lock) != a || !s.published(in.Obj) {
			m.programError(a, pc, "dma_fence_signal_locked(%s) without its lock or before it is published", m.cfg.Fences[in.Obj].Name)
		}
		s.Fence[in.Obj] |= fenceSignalled
	case OpBeginSignalling:
		if s.sigDepth(a) == agentSigDepth {
			m.programError(a, pc, "signalling sections nested too deep")
		}
		s.Flags[a]++
	case OpEndSignalling:
		if s.sigDepth(a) == 0 {
			m.programError(a, pc, "dma_fence_end_signalling without begin")
		}
		s.Flags[a]--
	case OpAllocKernel:
		// might_alloc(GFP_KERNEL) tells lockdep about fs_reclaim on the
		// fast path too.
		m.noteAcquire(s, a, fsReclaim)
		if x.out == outAlt {
			next = in.Else
		} else {
			s.Flags[a] |= agentReclaim
		}
	case OpShrink:
		if !s.has(a, agentReclaim) {
			m.programError(a, pc, "shrinker outside direct reclaim")
		}
		m.noteWait(s, a)
		s.Flags[a] &^= agentReclaim
	case OpFenceGet:
		if s.Refs[in.Obj] == 0 {
			m.programError(a, pc, "dma_fence_get(%s) after its last reference was dropped", m.cfg.Fences[in.Obj].Name)
		}
		s.Refs[in.Obj]++
	case OpFencePut:
		s.Refs[in.Obj]--
		if x.out == outAlt {
			next = in.Else
		}
	case OpAddCallback:
		if l := m.cfg.Fences[in.Obj].Lock; l >= 0 {
			m.noteAcquire(s, a, 1<<l)
		}
		if x.out == outAlt {
			next = in.Else
		} else {
			s.Cbs[in.Obj] |= 1 << a
		}
	case OpIfCallback:
		if !s.signalled(in.Obj) {
			m.programError(a, pc, "runs callbacks of %s before signalling it", m.cfg.Fences[in.Obj].Name)
		}
		if x.out == outAlt {
			next = in.Else
		} else {
			s.Cbs[in.Obj] &^= 1 << in.Arg
		}
	case OpArrayDec:
		if x.out == outAlt {
			if s.Pending[in.Obj] > 1 {
				s.Pending[in.Obj]--
			}
			next = in.Else
		} else {
			s.Pending[in.Obj] = 0
		}
	case OpSend:
		if s.Chan[in.Obj] == 255 {
			m.programError(a, pc, "channel %s overflows", m.cfg.Channels[in.Obj])
		}
		s.Chan[in.Obj]++
	case OpRecv:
		s.Chan[in.Obj]--
	case OpAttach:
		s.Flags[a] |= agentP2P
	case OpDetach:
		s.Flags[a] &^= agentP2P
		if s.PMRef[in.Obj]&(1<<a) != 0 {
			s.PMRef[in.Obj] &^= 1 << a
			s.PM[in.Obj]--
		}
	case OpPMGetSync:
		m.pmGet(s, a, pc, in.Obj)
		s.PM[in.Obj] &^= pmSuspended // rpm_resume runs in the caller
	case OpPMGetIfActive:
		if x.out == outAlt {
			s.Flags[a] &^= agentP2P
			next = in.Else
		} else {
			m.pmGet(s, a, pc, in.Obj)
		}
	case OpPMPut:
		if s.PMRef[in.Obj]&(1<<a) == 0 {
			m.programError(a, pc, "pm_runtime_put without a reference")
		}
		s.PMRef[in.Obj] &^= 1 << a
		s.PM[in.Obj]--
	case OpPMSuspend:
		s.PM[in.Obj] |= pmSuspended
	case OpP2PDMA:
	default:
		m.programError(a, pc, "unknown op %s", in.Op)
	}
	s.PC[a] = uint8(next)
}

func (m *Model) pmGet(s *State, a, pc, d int) {
	if s.PMRef[d]&(1<<a) != 0 {
		m.programError(a, pc, "takes a second runtime-PM reference on %s", m.cfg.Devices[d])
	}
	s.PMRef[d] |= 1 << a
	s.PM[d]++
}
