package deadlock

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Nobody is the wait-for node of a resource no agent will ever provide.
const Nobody = "nobody"

// providers returns the agents that can still take a step matching want at
// or after their current step (a static look-ahead over the rest of their
// programs; the retry loop of a ww backoff never signals or sends).
func (m *Model) providers(s *State, want func(in *Instr) bool) []int {
	var out []int
	for a, ag := range m.cfg.Agents {
		for pc := int(s.PC[a]); pc < len(ag.Program); pc++ {
			if want(&ag.Program[pc]) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func (m *Model) signallers(s *State, f int) []int {
	return m.providers(s, func(in *Instr) bool {
		return (in.Op == OpSignal || in.Op == OpSignalLocked) && in.Obj == f
	})
}

func (m *Model) publishers(s *State, f int) []int {
	return m.providers(s, func(in *Instr) bool { return in.Op == OpPublish && in.Obj == f })
}

// WaitsFor returns, for every agent whose next step is blocked, whom it
// waits for: the owner of the lock it wants, the agents that will signal
// the fences it waits on, publish the job it would run, send the message
// it expects, or resume the device it needs. The checker reports a cycle
// of this graph with a deadlock.
func (m *Model) WaitsFor(s *State) []statespace.WaitEdge {
	var edges []statespace.WaitEdge
	var buf []statespace.Action
	for a, ag := range m.cfg.Agents {
		if m.finished(s, a) {
			continue
		}
		buf = buf[:0]
		for _, x := range m.byStep[a][s.PC[a]] {
			if m.enabled(s, &m.table[x]) {
				buf = append(buf, x)
			}
		}
		if len(buf) > 0 {
			continue
		}
		in := ag.Program[s.PC[a]]
		from := ag.Name
		call := m.stepText(s, a)
		edge := func(to []int, why string) {
			if len(to) == 0 {
				edges = append(edges, statespace.WaitEdge{From: from, To: Nobody, Why: why + " (no agent will provide it)"})
				return
			}
			for _, t := range to {
				edges = append(edges, statespace.WaitEdge{From: from, To: m.cfg.Agents[t].Name, Why: why})
			}
		}
		lockEdge := func(l int) {
			o := s.owner(l)
			if o < 0 {
				return
			}
			why := fmt.Sprintf("%s: %s held by %s", call, m.lockDesc(l), m.cfg.Agents[o].Name)
			if o == a {
				why = fmt.Sprintf("%s: %s already held by %s itself (recursive locking)", call, m.lockDesc(l), from)
			}
			edge([]int{o}, why)
		}
		fenceEdge := func(f int, why string) {
			if !s.published(f) {
				edge(m.publishers(s, f), fmt.Sprintf("%s: fence %s not yet published", call, m.fenceName(f)))
				return
			}
			who := m.signallers(s, f)
			edge(who, fmt.Sprintf("%s: fence %s%s, signalled by %s", call, m.fenceName(f), why, m.names4(who)))
		}
		switch in.Op {
		case OpLock, OpWWLock:
			lockEdge(in.Obj)
		case OpWWLockSlow:
			if c := s.Contended[a]; c != 0 {
				lockEdge(int(c) - 1)
			}
		case OpSignal, OpAddCallback:
			lockEdge(m.cfg.Fences[in.Obj].Lock)
		case OpAwait:
			edge(m.publishers(s, in.Obj), fmt.Sprintf("%s: job of %s not yet submitted", call, m.fenceName(in.Obj)))
		case OpWait:
			fenceEdge(in.Obj, "")
		case OpWaitDeps:
			for g := range m.cfg.Fences {
				if s.Deps[in.Obj]&(1<<g) != 0 && !s.signalled(g) {
					fenceEdge(g, " (a dependency of "+m.fenceName(in.Obj)+")")
				}
			}
		case OpWaitResv, OpShrink:
			r, u := in.Obj, Usage(in.Arg)
			if in.Op == OpShrink {
				r, u = -1, UsageBookkeep
			}
			for g, fg := range m.cfg.Fences {
				if s.inResv(g) && (r < 0 || fg.Resv == r) && fg.Usage <= u && !s.signalled(g) {
					fenceEdge(g, " in "+m.cfg.Locks[fg.Resv].Name+"'s resv")
				}
			}
		case OpRecv:
			who := m.providers(s, func(x *Instr) bool { return x.Op == OpSend && x.Obj == in.Obj })
			edge(who, fmt.Sprintf("%s: no message on %s, sent by %s", call, m.cfg.Channels[in.Obj], m.names4(who)))
		case OpP2PDMA:
			who := m.providers(s, func(x *Instr) bool { return x.Op == OpPMGetSync && x.Obj == in.Obj })
			edge(who, fmt.Sprintf("%s: %s is runtime-suspended, resumed by pm_runtime_get_sync in %s", call, m.cfg.Devices[in.Obj], m.names4(who)))
		case OpPMSuspend:
			var who []int
			for b := range m.cfg.Agents {
				if s.PMRef[in.Obj]&(1<<b) != 0 {
					who = append(who, b)
				}
			}
			edge(who, fmt.Sprintf("%s: usage count %d, references held by %s", call, s.pmUsage(in.Obj), m.names4(who)))
		}
	}
	return edges
}

// lockDesc names lock l for wait-for edges ("resv lock of bo").
func (m *Model) lockDesc(l int) string {
	lk := m.cfg.Locks[l]
	return [...]string{"resv lock of ", "mutex ", "spinlock "}[lk.Kind] + lk.Name
}

func (m *Model) names4(who []int) string {
	if len(who) == 0 {
		return Nobody
	}
	var mask uint8
	for _, w := range who {
		mask |= 1 << w
	}
	return m.agentList(mask)
}
