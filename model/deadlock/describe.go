package deadlock

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func (m *Model) lockName(l int) string {
	if l == 7 {
		return "fs_reclaim"
	}
	return m.cfg.Locks[l].Name
}

func (m *Model) fenceName(f int) string { return m.cfg.Fences[f].Name }

// call renders the kernel call of step in (with result o for
// dma_resv_lock_slow, whose lock is the contended one).
func (m *Model) call(in Instr, o outcome) string {
	if in.Call != "" && in.Op != OpWWLockSlow {
		return in.Call
	}
	c := &m.cfg
	obj := func() string {
		switch opInfo[in.Op].obj {
		case objLock, objResv:
			return c.Locks[in.Obj].Name
		case objFence:
			return c.Fences[in.Obj].Name
		case objChannel:
			return c.Channels[in.Obj]
		case objDevice:
			return c.Devices[in.Obj]
		}
		return ""
	}
	switch in.Op {
	case OpLock, OpUnlock:
		verb := [...]string{"dma_resv_lock", "mutex_lock", "spin_lock"}[c.Locks[in.Obj].Kind]
		if in.Op == OpUnlock {
			verb = [...]string{"dma_resv_unlock", "mutex_unlock", "spin_unlock"}[c.Locks[in.Obj].Kind]
		}
		if in.Op == OpLock && c.Locks[in.Obj].Kind == Resv {
			return fmt.Sprintf("%s(%s, NULL)", verb, obj())
		}
		return fmt.Sprintf("%s(%s)", verb, obj())
	case OpWWInit:
		return "ww_acquire_init(&ctx)"
	case OpWWLock:
		return fmt.Sprintf("dma_resv_lock(%s, &ctx)", obj())
	case OpWWLockSlow:
		return fmt.Sprintf("dma_resv_lock_slow(%s, &ctx)", c.Locks[o-outLock0].Name)
	case OpWWUnlockAll:
		return "backoff: dma_resv_unlock(every locked resv)"
	case OpWWFini:
		return "ww_acquire_fini(&ctx)"
	case OpPublish:
		f := c.Fences[in.Obj]
		if f.Resv >= 0 {
			return fmt.Sprintf("dma_resv_add_fence(%s, %s, %s)", c.Locks[f.Resv].Name, f.Name, f.Usage)
		}
		return fmt.Sprintf("drm_sched_entity_push_job(%s)", f.Name)
	case OpAwait:
		return fmt.Sprintf("drm_sched: run_job(%s)", obj())
	case OpWaitDeps:
		return fmt.Sprintf("drm_sched: dependencies of %s signalled", obj())
	case OpWait:
		return fmt.Sprintf("dma_fence_wait(%s)", obj())
	case OpWaitResv:
		return fmt.Sprintf("dma_resv_wait_timeout(%s, %s)", obj(), Usage(in.Arg))
	case OpSignal:
		return fmt.Sprintf("dma_fence_signal(%s)", obj())
	case OpSignalLocked:
		return fmt.Sprintf("dma_fence_signal_locked(%s)", obj())
	case OpBeginSignalling:
		return "dma_fence_begin_signalling()"
	case OpEndSignalling:
		return "dma_fence_end_signalling()"
	case OpAllocKernel:
		return "kmalloc(GFP_KERNEL)"
	case OpShrink:
		return "shrinker: dma_resv_wait_timeout(LRU buffers, DMA_RESV_USAGE_BOOKKEEP)"
	case OpAllocAtomic:
		return "kmalloc(GFP_ATOMIC)"
	case OpFenceGet:
		return fmt.Sprintf("dma_fence_get(%s)", obj())
	case OpFencePut:
		return fmt.Sprintf("dma_fence_put(%s)", obj())
	case OpAddCallback:
		return fmt.Sprintf("dma_fence_add_callback(%s)", obj())
	case OpIfCallback:
		return fmt.Sprintf("callback of %s on %s", c.Agents[in.Arg].Name, obj())
	case OpArrayDec:
		return fmt.Sprintf("atomic_dec_and_test(&%s->num_pending)", obj())
	case OpSend:
		return fmt.Sprintf("send(%s)", obj())
	case OpRecv:
		return fmt.Sprintf("recv(%s)", obj())
	case OpAttach:
		return fmt.Sprintf("dma_buf_dynamic_attach(%s's buffer, allow_peer2peer)", obj())
	case OpDetach:
		return fmt.Sprintf("dma_buf_detach(%s's buffer)", obj())
	case OpPMGetSync:
		return fmt.Sprintf("pm_runtime_get_sync(%s)", obj())
	case OpPMGetIfActive:
		return fmt.Sprintf("pm_runtime_get_if_active(%s)", obj())
	case OpPMPut:
		return fmt.Sprintf("pm_runtime_put_autosuspend(%s)", obj())
	case OpPMSuspend:
		return fmt.Sprintf("rpm_suspend(%s) (autosuspend)", obj())
	case OpP2PDMA:
		return fmt.Sprintf("P2P DMA through %s's BAR", obj())
	}
	return in.Op.String()
}

// result renders the outcome o of step in.
func result(in Instr, o outcome) string {
	switch in.Op {
	case OpWWLock:
		return [...]string{" = 0", " = -EALREADY", " = -EDEADLK", " waits and wounds the younger holder"}[o]
	case OpAllocKernel:
		if o == outAlt {
			return " = ok"
		}
		return ": direct reclaim"
	case OpFencePut:
		if o == outDone {
			return ": last reference, release"
		}
	case OpAddCallback:
		if o == outAlt {
			return " = -ENOENT (already signalled)"
		}
		return " = 0"
	case OpIfCallback:
		if o == outAlt {
			return ": none registered"
		}
		return ": runs"
	case OpArrayDec:
		if o == outAlt {
			return " = false"
		}
		return " = true"
	case OpPMGetIfActive:
		if o == outAlt {
			return " = 0: suspended, peer2peer cleared"
		}
		return " = 1"
	}
	return ""
}

func (m *Model) label(a int, in Instr, o outcome) string {
	l := fmt.Sprintf("%s: %s%s", m.cfg.Agents[a].Name, m.call(in, o), result(in, o))
	if in.Note != "" {
		l += " [" + in.Note + "]"
	}
	return l
}

// stepText renders agent a's next step for traces.
func (m *Model) stepText(s *State, a int) string {
	pc := int(s.PC[a])
	if pc >= len(m.cfg.Agents[a].Program) {
		return "finished"
	}
	in := m.cfg.Agents[a].Program[pc]
	t := m.call(in, outLock0)
	if in.Op == OpWWLockSlow {
		t = "dma_resv_lock_slow(contended, &ctx)"
		if c := s.Contended[a]; c != 0 {
			t = m.call(in, outLock0+outcome(c-1))
		}
	}
	if in.Note != "" {
		t += " [" + in.Note + "]"
	}
	return t
}

// Describe renders s for traces: one field per agent (its next step and
// context), lock, fence, channel and device, and lockdep's knowledge.
func (m *Model) Describe(s *State) []statespace.Field {
	var f []statespace.Field
	add := func(name, v string) { f = append(f, statespace.Field{Name: name, Value: v}) }
	c := &m.cfg
	var buf []statespace.Action
	for a, ag := range c.Agents {
		v := m.stepText(s, a)
		if !m.finished(s, a) {
			buf = buf[:0]
			for _, x := range m.byStep[a][s.PC[a]] {
				if m.enabled(s, &m.table[x]) {
					buf = append(buf, x)
				}
			}
			switch {
			case len(buf) == 0 && ag.Program[s.PC[a]].Idle:
				v = "idle at " + v
			case len(buf) == 0:
				v = "BLOCKED at " + v
			default:
				v = "next " + v
			}
		}
		var ctx []string
		if t := s.Ticket[a]; t != 0 {
			ctx = append(ctx, fmt.Sprintf("ww ticket %d", t))
		}
		if s.has(a, agentWounded) {
			ctx = append(ctx, "wounded")
		}
		if cl := s.Contended[a]; cl != 0 {
			ctx = append(ctx, "contended "+c.Locks[cl-1].Name)
		}
		if d := s.sigDepth(a); d > 0 {
			ctx = append(ctx, "in fence signalling section")
		}
		if s.has(a, agentReclaim) {
			ctx = append(ctx, "in direct reclaim")
		}
		if s.has(a, agentP2P) {
			ctx = append(ctx, "peer2peer attachment")
		}
		if len(ctx) > 0 {
			v += " (" + strings.Join(ctx, ", ") + ")"
		}
		add(ag.Name, v)
	}
	for l, lk := range c.Locks {
		v := "free"
		if o := s.owner(l); o >= 0 {
			v = "held by " + c.Agents[o].Name
		}
		add("lock "+lk.Name, v)
	}
	for i, fc := range c.Fences {
		v := "not published"
		switch {
		case s.signalled(i):
			v = "signalled"
		case s.published(i):
			v = "pending"
		}
		if s.inResv(i) {
			v += ", in " + c.Locks[fc.Resv].Name + "'s resv"
		}
		if d := s.Deps[i]; d != 0 {
			v += ", depends on " + m.fenceList(d)
		}
		if fc.Refs != 0 {
			v += fmt.Sprintf(", refcount %d", s.Refs[i])
		}
		if fc.Pending != 0 {
			v += fmt.Sprintf(", num_pending %d", s.Pending[i])
		}
		if cb := s.Cbs[i]; cb != 0 {
			v += ", callbacks of " + m.agentList(cb)
		}
		add("fence "+fc.Name, v)
	}
	for ch, name := range c.Channels {
		add("msg "+name, fmt.Sprintf("%d in flight", s.Chan[ch]))
	}
	for d, name := range c.Devices {
		v := fmt.Sprintf("active, usage %d", s.pmUsage(d))
		if s.suspended(d) {
			v = fmt.Sprintf("runtime-suspended, usage %d", s.pmUsage(d))
		}
		if r := s.PMRef[d]; r != 0 {
			v += " (" + m.agentList(r) + ")"
		}
		add(name, v)
	}
	add("lockdep", m.lockdepText(s))
	return f
}

func (m *Model) fenceList(mask uint8) string {
	var n []string
	for i := range m.cfg.Fences {
		if mask&(1<<i) != 0 {
			n = append(n, m.cfg.Fences[i].Name)
		}
	}
	return strings.Join(n, ", ")
}

func (m *Model) agentList(mask uint8) string {
	var n []string
	for i := range m.cfg.Agents {
		if mask&(1<<i) != 0 {
			n = append(n, m.cfg.Agents[i].Name)
		}
	}
	return strings.Join(n, ", ")
}

func (m *Model) lockList(mask uint8) string {
	var n []string
	for l := range 8 {
		if mask&(1<<l) != 0 {
			n = append(n, m.lockName(l))
		}
	}
	return strings.Join(n, ", ")
}

// lockdepText is lockdep's knowledge: locks taken inside a signalling
// critical section, locks held around dma_fence_wait (with the boot-time
// priming), and the conflict it would report.
func (m *Model) lockdepText(s *State) string {
	sig, wait, bad := m.LockdepSignalling(s), m.LockdepAroundWait(s), m.LockdepConflict(s)
	var parts []string
	if sig != 0 {
		parts = append(parts, "taken in signalling section: "+m.lockList(sig))
	}
	if wait != 0 {
		parts = append(parts, "held around dma_fence_wait: "+m.lockList(wait))
	}
	if bad != 0 {
		parts = append(parts, "POSSIBLE DEADLOCK on "+m.lockList(bad))
	}
	if len(parts) == 0 {
		return "nothing learned"
	}
	return strings.Join(parts, "; ")
}
