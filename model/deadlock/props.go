package deadlock

import "github.com/dmabufcheck/dmabufcheck/statespace"

// Property names.
const (
	// PropLockdep is lockdep's view of the fence signalling critical
	// section (dma_fence_begin_signalling, kernel-rules §5.2): no lock is
	// acquired inside a signalling critical section if it is also held
	// around a dma_fence_wait (elsewhere, or as primed at boot by
	// dma_resv_lockdep() for the resv locks and fs_reclaim).
	PropLockdep = "lockdep-fence-signalling"
	// PropIndefinite is §5.3: no dma_fence depends on an indefinite
	// (userspace-controlled) fence.
	PropIndefinite = "no-dma-fence-depends-on-indefinite-fence"
	// PropCompletion: some run finishes every program (the scenario is not
	// passing vacuously by blocking early).
	PropCompletion = "every-program-can-finish"
	// PropEveryFenceSignalled (Liveness only) is "every fence is eventually
	// signalled", under weak fairness per agent.
	PropEveryFenceSignalled = "every-fence-eventually-signalled"
)

// Doc explains each property and the kernel rule it comes from.
var Doc = map[string]string{
	PropLockdep: "lockdep's view of the fence signalling critical section (dma_fence_begin_signalling, kernel-rules §5.2; " +
		"drivers/dma-buf/dma-fence.c DOC \"fence signalling annotation\"): no lock is acquired inside a signalling critical " +
		"section if it is also held around a dma_fence_wait elsewhere, or primed by dma_resv_lockdep() (resv locks, fs_reclaim).",
	PropIndefinite: "Documentation/driver-api/dma-buf.rst \"Indefinite DMA Fences\" (kernel-rules §5.3): no dma_fence depends on an " +
		"indefinite, userspace-controlled fence.",
	PropCompletion:              "Reachability: some run finishes every agent's program (the scenario does not pass by blocking early).",
	PropEveryFenceSignalled:     "Liveness: every fence is eventually signalled, under weak fairness of each agent (dma-fence.c \"fence cross-driver contract\": fences complete in reasonable time).",
	statespace.DeadlockProperty: "No reachable state in which some agent has not finished and no agent can take a step; the report names the wait-for cycle.",
}

// Properties returns the model's properties.
func (m *Model) Properties() []statespace.Property[State] {
	ps := []statespace.Property[State]{
		{Name: PropLockdep, Expectation: statespace.Always, Holds: func(s *State) bool {
			return m.LockdepConflict(s) == 0
		}},
		{Name: PropIndefinite, Expectation: statespace.Always, Holds: func(s *State) bool {
			for f, fc := range m.cfg.Fences {
				if !fc.Indefinite && s.Deps[f]&m.indefinite != 0 {
					return false
				}
			}
			return true
		}},
		{Name: PropCompletion, Expectation: statespace.Sometimes, Holds: func(s *State) bool {
			for a := range m.cfg.Agents {
				if !m.idle(s, a) {
					return false
				}
			}
			return true
		}},
	}
	if m.cfg.Liveness {
		ps = append(ps, statespace.Property[State]{Name: PropEveryFenceSignalled, Expectation: statespace.Eventually,
			Holds: func(s *State) bool {
				for f := range m.cfg.Fences {
					if !s.signalled(f) {
						return false
					}
				}
				return true
			}})
	}
	return ps
}

// acquiring returns the lock (bitmask, fs_reclaim as bit 7) that agent a's
// next step acquires, if any. Lockdep validates an acquisition when it is
// attempted, before the thread blocks on it, so an agent at such a step
// counts as acquiring.
func (m *Model) acquiring(s *State, a int) uint8 {
	if m.finished(s, a) {
		return 0
	}
	in := m.cfg.Agents[a].Program[s.PC[a]]
	switch in.Op {
	case OpLock, OpWWLock:
		return 1 << in.Obj
	case OpWWLockSlow:
		if c := s.Contended[a]; c != 0 {
			return 1 << (c - 1)
		}
	case OpSignal, OpAddCallback:
		if l := m.cfg.Fences[in.Obj].Lock; l >= 0 {
			return 1 << l
		}
	case OpAllocKernel:
		return fsReclaim
	}
	return 0
}

// waiting reports whether agent a's next step is a fence wait (lockdep's
// __dma_fence_might_wait runs before it blocks).
func (m *Model) waiting(s *State, a int) bool {
	if m.finished(s, a) {
		return false
	}
	switch m.cfg.Agents[a].Program[s.PC[a]].Op {
	case OpWait, OpWaitResv, OpShrink:
		return true
	}
	return false
}

// LockdepSignalling returns the locks lockdep has seen taken inside a fence
// signalling critical section (bit per lock, bit 7 fs_reclaim), including
// acquisitions being attempted now.
func (m *Model) LockdepSignalling(s *State) uint8 {
	sig := s.LockdepSig
	for a := range m.cfg.Agents {
		if s.sigDepth(a) > 0 {
			sig |= m.acquiring(s, a)
		}
	}
	return sig
}

// LockdepAroundWait returns the locks lockdep knows are held around a
// dma_fence_wait: the boot-time priming, what it has seen, and the waits
// in progress.
func (m *Model) LockdepAroundWait(s *State) uint8 {
	w := s.LockdepWait
	if !m.cfg.NoLockdepPriming {
		w |= m.resvMask | fsReclaim
	}
	for a := range m.cfg.Agents {
		if m.waiting(s, a) {
			w |= s.held(a)
			if s.has(a, agentReclaim) {
				w |= fsReclaim
			}
		}
	}
	return w
}

// LockdepConflict returns the locks that lockdep reports as a possible
// deadlock: taken inside a signalling critical section and held around a
// fence wait. Lockdep classes every resv lock as one
// (reservation_ww_class_mutex), so one resv on each side is enough.
func (m *Model) LockdepConflict(s *State) uint8 {
	sig, wait := m.LockdepSignalling(s), m.LockdepAroundWait(s)
	if sig&m.resvMask != 0 && wait&m.resvMask != 0 {
		return sig&m.resvMask | sig&wait
	}
	return sig & wait
}
