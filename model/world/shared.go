package world

import (
	"fmt"
	"slices"
	"strings"
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
			return fmt.Errorf("%s", msg)
		}
		for e := range d {
			if c.spec.Devices[e].Fence == dv.Fence {
				return fmt.Errorf("devices %s and %s are tied to the same fence %s", c.spec.Devices[e].Name, dv.Name, dv.Fence)
			}
		}
		j.tied = true
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
