package world

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The objects the families share (docs/world.md, "Shared objects"): what
// Build derives and checks of a world whose families act on one object.

// joinCore is what a built world knows of its shared objects.
type joinCore struct {
	// bufResv is the lock family's index of the dma-buf's resv lock
	// (LockObj.DmaBuf), or -1.
	bufResv int
	// tieLock[d] is 1 + the lock-family fence device d's jobs signal, and
	// tieRing[d] 1 + the fence-family ring whose jobs they are; 0 for
	// none (the cache family's implicit fence).
	tieLock, tieRing [MaxDevices]int8
	// tied: some device is tied to a fence.
	tied bool
	// linked[i]: lock-family fence i is a fence-family fence (a world
	// with both families, and the fence family's name).
	linked [MaxFences]bool
	// shared: the world's device jobs meet another family's objects (a
	// device tied to a fence, the dma-buf's resv lock, the fence family's
	// section); without, the cache family's rules run as they always did.
	shared bool
}

// deriveJoin resolves the spec's references between families: the
// dma-buf's resv lock and the devices' fences.
func (c *core) deriveJoin() error {
	j := &c.join
	j.bufResv = -1
	ls := &c.spec.Locks
	for i, l := range ls.Locks {
		if !l.DmaBuf {
			continue
		}
		if l.Kind != ResvLock {
			return fmt.Errorf("lock %s: only a resv lock is a dma-buf's reservation (dma-buf)", l.Name)
		}
		if j.bufResv >= 0 {
			return fmt.Errorf("locks %s and %s are both the dma-buf's resv lock; the world has one dma-buf", ls.Locks[j.bufResv].Name, l.Name)
		}
		j.bufResv = i
	}
	rings := ringNames(&c.spec)
	for d, dv := range c.spec.Devices {
		if dv.Fence == "" {
			continue
		}
		r := slices.Index(rings, dv.Fence)
		f := slices.IndexFunc(ls.Fences, func(x LockFence) bool { return x.Name == dv.Fence })
		switch {
		case r >= 0 && f >= 0:
			return fmt.Errorf("device %s: fence %s is both a ring and a lock-family fence", dv.Name, dv.Fence)
		case r >= 0:
			j.tieRing[d] = int8(r + 1)
		case f >= 0:
			j.tieLock[d] = int8(f + 1)
		default:
			var have []string
			have = append(have, rings...)
			for _, x := range ls.Fences {
				have = append(have, x.Name)
			}
			msg := fmt.Sprintf("device %s: no ring or fence %q", dv.Name, dv.Fence)
			if len(have) > 0 {
				msg += " (the world has " + strings.Join(have, ", ") + ")"
			}
			return errors.New(msg)
		}
		for e := range d {
			if c.spec.Devices[e].Fence == dv.Fence {
				return fmt.Errorf("devices %s and %s are tied to the same fence %s", c.spec.Devices[e].Name, dv.Name, dv.Fence)
			}
		}
		j.tied = true
	}
	if c.spec.fencesJoined() {
		// Every lock-family fence is a fence slot: the fence family's own,
		// then the lock family's others.
		names := fenceNames(&c.spec)
		if n := 1 + len(names); n > maxFenceSlots {
			return fmt.Errorf("the fence and lock families' fences are %d dma_fences with the stub; at most %d", n, maxFenceSlots)
		}
		own := ownFenceNames(&c.spec)
		for i, f := range ls.Fences {
			j.linked[i] = slices.Contains(own, f.Name)
		}
	}
	return nil
}

// checkShared rejects a world whose families' declarations of a shared
// object cannot be one object (after the layout).
func (c *core) checkShared() error {
	j := &c.join
	lockUsed := c.spec.Locks.d != nil && c.spec.Locks.d.used
	if j.bufResv >= 0 && !lockUsed {
		return fmt.Errorf("lock %s is the dma-buf's resv lock (dma-buf), but no agent makes a lock-family call", c.spec.Locks.Locks[j.bufResv].Name)
	}
	if j.bufResv >= 0 && !c.uses[famCache] && !c.lay.fence.used {
		return fmt.Errorf("lock %s is the dma-buf's resv lock (dma-buf), but no agent makes a call on the buffer, its devices or its fences", c.spec.Locks.Locks[j.bufResv].Name)
	}
	for d, dv := range c.spec.Devices {
		switch {
		case j.tieLock[d] != 0 && !lockUsed:
			return fmt.Errorf("device %s: its fence %s is a lock-family fence, but no agent makes a lock-family call", dv.Name, dv.Fence)
		case j.tieRing[d] != 0 && !c.lay.fence.used:
			return fmt.Errorf("device %s: its fence %s is a ring, but no agent makes a fence-family call", dv.Name, dv.Fence)
		}
	}
	if err := c.checkSharedFences(); err != nil {
		return err
	}
	j.shared = j.tied || j.bufResv >= 0 || c.lay.fence.used
	if p := &c.spec.P2P; c.p2p.used && c.uses[famCache] {
		// The p2p family's BAR buffer is the dma-buf: one set of lines.
		want := DeviceMemory
		if p.Exporter.BAR == BARStolen {
			want = SystemCached
		}
		switch {
		case c.spec.Lines != p.Lines || c.spec.Writes != p.Writes:
			return fmt.Errorf("the p2p family's BAR buffer is the dma-buf: its lines and writes (%d, %d) must be the buffer's (%d, %d)", p.Lines, p.Writes, c.spec.Lines, c.spec.Writes)
		case c.spec.Backing != want:
			return fmt.Errorf("the p2p family's BAR buffer is the dma-buf: a %s BAR is %s backing, not %s", [...]string{"device-memory", "stolen"}[p.Exporter.BAR], want, c.spec.Backing)
		}
	}
	if c.lay.fence.used && c.lay.fence.hasCPU {
		// The fence family's wait state is the CPU's: one agent.
		var cpus []string
		for ag, p := range c.progs {
			if programCalls(p, isBracketBegin) {
				cpus = append(cpus, c.spec.Agents[ag].Name)
			}
		}
		if len(cpus) > 1 {
			return fmt.Errorf("agents %s all begin CPU access: in a world with the fence family one agent is the CPU (its wait in dma_buf_begin_cpu_access is the fence family's)", strings.Join(cpus, ", "))
		}
	}
	return nil
}

// checkSharedFences rejects declarations that would make a dma_fence two
// objects in a world with the fence family.
func (c *core) checkSharedFences() error {
	l := &c.lay.fence
	if !l.used {
		return nil
	}
	ls := &c.spec.Locks
	if len(ls.Fences) > 0 && !l.joined {
		return fmt.Errorf("the world makes fence-family calls and declares lock-family fences, but no fence-family objects (fence:): declare them, so that the fences are one set")
	}
	for i, f := range ls.Fences {
		linked := int(l.lockSlot[i]) < l.driver0
		switch {
		case linked && (f.Resv >= 0 || f.Published || f.Deps || f.Pending != 0):
			return fmt.Errorf("fence %s is the fence family's: the fence family creates and publishes it, so its lock-family declaration takes no resv, usage, deps, published or pending", f.Name)
		case f.Deps && f.Resv >= 0 && f.Resv == c.join.bufResv:
			return fmt.Errorf("fence %s: dependencies in the dma-buf's resv are the fence family's (job_submit with IMPLICIT), not a lock-family fence's deps", f.Name)
		}
	}
	for d, dv := range c.spec.Devices {
		if !c.untied(d) {
			continue
		}
		for _, p := range c.progs {
			if callsDevice(p, d) {
				return fmt.Errorf("device %s runs DMA jobs in a world with the fence family: tie it to the fence its jobs signal (a ring or a lock-family fence: Device.Fence), so that the fence family's calls see its job's fence", dv.Name)
			}
		}
	}
	return nil
}

// callsDevice reports whether program p makes a DMA job call on device d.
func callsDevice(p *program, d int) bool {
	for _, n := range p.nodes {
		for _, e := range n {
			for _, op := range e.Ops {
				if (op.Kind == KJobRead || op.Kind == KJobWrite) && op.Dev == d {
					return true
				}
			}
		}
	}
	return false
}

// programCalls reports whether program p makes a call whose kind
// satisfies ok.
func programCalls(p *program, ok func(CallKind) bool) bool {
	for _, n := range p.nodes {
		for _, e := range n {
			for _, op := range e.Ops {
				if ok(op.Kind) {
					return true
				}
			}
		}
	}
	return false
}

// tiedLock returns the lock-family fence device d's jobs signal, or -1.
func (c *core) tiedLock(d int) int { return int(c.join.tieLock[d]) - 1 }

// untied reports whether device d's job is the cache family's implicit
// fence.
func (c *core) untied(d int) bool { return c.join.tieLock[d] == 0 && c.join.tieRing[d] == 0 }

// resvBusyNow reports whether the dma-buf's resv holds, now, a fence of
// usage ≤ u that is pending, among those the fence family's entries do
// not cover: the implicit fences of device jobs in flight on devices not
// tied to a fence (a write job is a WRITE fence, a read job a READ
// fence), and, without the fence family, the lock family's fences in the
// dma-buf's resv; device except's own excepted (-1: none). A reader
// (u = WRITE) waits for writers, a writer (u = READ) for every job.
func (v View) resvBusyNow(u Usage, except int) bool {
	if v.devicesBusy(u, except) {
		return true
	}
	j := &v.w.join
	if j.bufResv < 0 || v.w.lay.fence.used {
		return false
	}
	own := -1
	if except >= 0 {
		own = v.w.tiedLock(except)
	}
	for f, fc := range v.w.spec.Locks.Fences {
		if f != own && fc.Resv == j.bufResv && ResvUsage(u) >= fc.Usage && v.lkInResv(f) && !v.lkSignalled(f) {
			return true
		}
	}
	return false
}

// devicesBusy reports whether the job in flight of a device not tied to
// a fence, but device except (-1: none), is a fence of usage ≤ u in the
// dma-buf's resv.
func (v View) devicesBusy(u Usage, except int) bool {
	j := &v.w.join
	for d := range v.w.spec.Devices {
		if d == except || j.tied && !v.w.untied(d) {
			continue
		}
		if k := v.jobKind(d); k == jobWrite || k == jobRead && u >= UsageRead {
			return true
		}
	}
	return false
}

// signalSlot is the fence family's side of dma_fence_signal of fence slot
// f, whichever family's call makes it: its callbacks run (a queued job's
// dependency is cleared, a sleeping poll is woken) and a ring job's
// running job completes. A slot never created (signalled before it was
// published, which the lock family flags) becomes signalled all the same.
func (v View) signalSlot(f int) {
	s := v.fs()
	switch {
	case s.pending(f):
		if s.isJobSlot(f) && jobPhaseOf(s.job(f)) == jRunning {
			s.setJob(f, s.job(f)&^jPhase|jDone)
		}
		s.signal(f, ferrNone)
	case s.status(f) == fenceUnused:
		s.setFb(f, fenceSignalled)
	}
}

// publishSlot is the fence family's side of the lock family's publication
// of its own fence lf: the fence is created (seqno 1 of its context) and,
// added to the dma-buf's resv, it is an entry of the one resv.
func (v View) publishSlot(lf int) {
	s := v.fs()
	slot := int(s.l.lockSlot[lf])
	if s.status(slot) == fenceUnused {
		s.create(slot, 1)
	}
	if fc := &v.w.spec.Locks.Fences[lf]; fc.Resv >= 0 && fc.Resv == v.w.join.bufResv {
		reserved := 1 // the lock family does not model dma_resv_reserve_fences
		s.addFence(slot, Usage(fc.Usage), &reserved)
	}
}

// lockFacetFree reports whether dma_fence_signal of fence slot f can take
// its fence->lock, when the lock family declares one (the call waits while
// another agent holds it).
func (v View) lockFacetFree(f int) bool {
	l := &v.w.lay.fence
	if !l.joined || l.lockOf[f] < 0 || !lockUsed(v) {
		return true
	}
	return v.lkCanSignal(int(l.lockOf[f]))
}

// lockFacetSignal records the lock family's side of a fence-family
// dma_fence_signal of slot f by agent ag: fence->lock taken, for lockdep.
func (v View) lockFacetSignal(ag, f int) {
	l := &v.w.lay.fence
	if !l.joined || l.lockOf[f] < 0 || !lockUsed(v) {
		return
	}
	if lk := v.w.spec.Locks.Fences[l.lockOf[f]].Lock; lk >= 0 {
		v.lkNoteAcquire(ag, 1<<lk)
	}
}

// bufLockFree reports whether agent ag can take the dma-buf's resv lock
// inside its step (held: or already holds it, as a submit path between
// dma_resv_lock and dma_resv_unlock does); true in a world without it.
func (v View) bufLockFree(ag int, held bool) bool {
	b := v.w.join.bufResv
	if b < 0 {
		return true
	}
	o := v.lkOwner(b)
	return o < 0 || held && o == ag
}

// tiedRing returns the ring whose jobs device d's jobs are, or -1.
func (c *core) tiedRing(d int) int { return int(c.join.tieRing[d]) - 1 }

// fenceShared is the lock family's side of a fence-family call's step by
// agent ag in a world whose families share the dma-buf's resv lock or
// its fences: the resv lock the call takes, holds or releases, and the
// fence->lock a dma_fence_signal takes, as lockdep sees them.
func (v View) fenceShared(ag int, c Call, step int) {
	s := v.fs()
	b := v.w.join.bufResv
	switch c.Kind {
	case KJobSubmit, KPoll, KImportSyncFile:
		if b >= 0 && v.lkOwner(b) != ag {
			v.lkNoteAcquire(ag, 1<<b) // taken and released inside the call
		}
	case KExporterMove:
		if b < 0 {
			break
		}
		if step == 0 {
			v.lkAcquire(ag, b) // held from move_notify until the move is done
		} else {
			v.b[v.w.spec.Locks.d.owner+b] = 0
		}
	case KJobSignal:
		if _, h := s.submitted(c.Obj); h >= 0 {
			v.lockFacetSignal(ag, h)
		}
	case KCopyDone:
		v.lockFacetSignal(ag, s.l.fCopy)
	}
}

// signalsLockFence reports whether call x signals lock-family fence f: a
// dma_fence_signal of it by either family, or the completion of the
// device job whose fence it is.
func (c *core) signalsLockFence(x Call, f int) bool {
	switch x.Kind {
	case lkFenceSignal, lkFenceSignalLocked:
		return x.Obj == f
	case KJobDone:
		if c.tiedLock(x.Dev) == f {
			return true
		}
	}
	if l := &c.lay.fence; l.joined {
		return c.signalsSlot(x, int(l.lockSlot[f]))
	}
	return false
}

// publishesLockFence reports whether call x publishes lock-family fence f:
// the lock family's dma_resv_add_fence or push_job, or, for a fence-family
// fence, its ring's job_submit.
func (c *core) publishesLockFence(x Call, f int) bool {
	if x.Kind == lkFencePublish {
		return x.Obj == f
	}
	l := &c.lay.fence
	if !l.joined || x.Kind != KJobSubmit {
		return false
	}
	slot := int(l.lockSlot[f])
	return slot < l.fPoint && int(l.ringOf[slot]) == x.Obj
}

// signalsSlot reports whether call x signals fence slot f: a ring's job
// completion (or timeout) for its job's fence, the copy's completion, the
// sw_sync timeline for a point, a dma_fence_signal of the lock family's
// fence that is the slot, or a tied device's job completion.
func (c *core) signalsSlot(x Call, f int) bool {
	l := &c.lay.fence
	ringJob := func(r int) bool { return f >= 1 && f < l.fPoint && int(l.ringOf[f]) == r }
	switch x.Kind {
	case KJobSignal, KJobTimeout, KJobTimeoutSignal:
		return ringJob(x.Obj)
	case KJobDone:
		if r := c.tiedRing(x.Dev); r >= 0 {
			return ringJob(r)
		}
		lf := c.tiedLock(x.Dev)
		return lf >= 0 && l.joined && int(l.lockSlot[lf]) == f
	case KCopyDone:
		return f == l.fCopy
	case KSwSyncInc, KSwSyncClose:
		return f >= l.fPoint && f < l.fPoint+l.points
	case lkFenceSignal, lkFenceSignalLocked:
		return l.joined && int(l.lockSlot[x.Obj]) == f
	}
	return false
}

// resvWaits returns the wait-for edges of agent from, blocked in call
// until the dma-buf's resv has nothing pending of usage ≤ u but the
// device except's own (-1: none), beyond the lock family's own fences:
// the fence family's entries, to the agents that signal them, and the
// untied devices' jobs in flight, to the agents that complete them.
func (c *core) resvWaits(v View, from, call string, u Usage, except int) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	edge := func(who []int, why string) {
		if len(who) == 0 {
			out = append(out, statespace.WaitEdge{From: from, To: Nobody, Why: why + " (no agent will provide it)"})
		}
		for _, a := range who {
			out = append(out, statespace.WaitEdge{From: from, To: c.spec.Agents[a].Name, Why: why})
		}
	}
	if c.lay.fence.used {
		s := v.fs()
		q := s.query(u)
		for f := range s.l.slots {
			if q&(1<<f) == 0 || f >= s.l.driver0 && c.spec.Locks.Fences[s.l.lockOf[f]].Resv >= 0 {
				continue // a lock-family fence in the resv: the lock family's edge
			}
			who := v.lkProviders(func(x Call) bool { return c.signalsSlot(x, f) })
			edge(who, fmt.Sprintf("%s: %s in the dma-buf's resv, signalled by %s", call, c.fenceName(s, f), v.lkNames(who)))
		}
	}
	for d := range c.spec.Devices {
		if d == except || !c.untied(d) {
			continue
		}
		if k := v.jobKind(d); k == jobWrite || k == jobRead && u >= UsageRead {
			who := v.lkProviders(func(x Call) bool { return x.Kind == KJobDone && x.Dev == d })
			edge(who, fmt.Sprintf("%s: %s's DMA job in flight (its implicit fence in the dma-buf's resv), completed by %s", call, c.devName(d), v.lkNames(who)))
		}
	}
	return out
}

// sharedWaits returns the wait-for edges of the agents blocked on a shared
// object, beyond what each family's own edges cover: a fence-family call
// that takes the dma-buf's resv lock, waiting for its holder, and the
// CPU's wait in dma_buf_begin_cpu_access for the untied device jobs and
// the lock family's fences in the dma-buf's resv (the fence family's own
// entries are fenceWaits').
func (c *core) sharedWaits(v View) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	for ag, a := range c.spec.Agents {
		var wait *Call
		blocked := true
		for _, x := range c.byPC[ag][c.pcOf(v.b, ag)] {
			if c.enabled(v.b, x, nil) {
				blocked = false
				break
			}
		}
		for _, x := range c.byPC[ag][c.pcOf(v.b, ag)] {
			t := &c.table[x]
			if !blocked || len(t.e.Ops) != 1 {
				continue
			}
			op := t.e.Ops[0]
			switch {
			case isBracketBegin(op.Kind) && t.e.Step == 1:
				wait = &t.e.Ops[0]
			case op.Kind == KJobSubmit || op.Kind == KPoll || op.Kind == KImportSyncFile || op.Kind == KExporterMove && t.e.Step == 0:
				if b := c.join.bufResv; b >= 0 {
					if o := v.lkOwner(b); o >= 0 && o != ag {
						out = append(out, statespace.WaitEdge{From: a.Name, To: c.spec.Agents[o].Name,
							Why: fmt.Sprintf("%s: the dma-buf's resv lock %s held by %s", c.callName(op, t.e.Step), c.spec.Locks.Locks[b].Name, c.spec.Agents[o].Name)})
					}
				}
			}
		}
		if wait == nil {
			continue
		}
		u := usageRW(bracketDir(*wait)&SyncWrite != 0)
		call := c.callName(*wait, 1)
		if !c.lay.fence.used {
			out = append(out, c.resvWaits(v, a.Name, call, u, -1)...)
		}
		if b := c.join.bufResv; b >= 0 && !c.lay.fence.used {
			for f, fc := range c.spec.Locks.Fences {
				if fc.Resv == b && ResvUsage(u) >= fc.Usage && v.lkInResv(f) && !v.lkSignalled(f) {
					who := v.lkProviders(func(x Call) bool { return c.signalsLockFence(x, f) })
					for _, w := range who {
						out = append(out, statespace.WaitEdge{From: a.Name, To: c.spec.Agents[w].Name, Why: fmt.Sprintf("%s: fence %s in the dma-buf's resv, signalled by %s", call, fc.Name, v.lkNames(who))})
					}
					if len(who) == 0 {
						out = append(out, statespace.WaitEdge{From: a.Name, To: Nobody, Why: fmt.Sprintf("%s: fence %s in the dma-buf's resv (no agent will signal it)", call, fc.Name)})
					}
				}
			}
		}
	}
	return out
}
