package world

import (
	"math/bits"
	"slices"
)

// The fence family's section of the state and its kernel rules, one
// function each, as operations on the packed bytes. The encodings are the
// earlier model's (model/fence/state.go).

// fmask is a set of fence slots, bit f for slot f.
type fmask uint16

// Fence slot 0 is dma_fence_get_stub(): context 0, always signalled; it is
// not stored. Then each ring's jobs, the sw_sync points, the copy fence.
const fStub = 0

// Fence byte encoding: status | error<<2 | signalling enabled | seqno mod
// 4 <<5.
const (
	fenceUnused    uint8 = 0
	fencePending   uint8 = 1
	fenceSignalled uint8 = 2
	fenceStatus    uint8 = 3
	fenceErrShift        = 2
	fenceErrBits   uint8 = 3 << fenceErrShift
	fenceEnabled   uint8 = 1 << 4 // DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT
	fenceSeqShift        = 5
	fenceSeq       uint8 = 3 << fenceSeqShift
)

// Fence errors (dma_fence.error), as stored.
const (
	ferrNone  uint8 = 0
	ferrNoEnt uint8 = 1 // -ENOENT: sw_sync timeline closed
	ferrTime  uint8 = 2 // -ETIME: force-completed by a timeout
)

var ferrNames = [4]string{"", "-ENOENT", "-ETIME", "?"}

// Job byte encoding.
const (
	jNone      uint8 = 0
	jQueued    uint8 = 1 // submitted, waiting for its dependencies / ring turn
	jRunning   uint8 = 2 // DMA in flight
	jDone      uint8 = 3 // completed (or cancelled) and its fence signalled
	jPhase     uint8 = 3
	jWrite     uint8 = 1 << 2
	jStale     uint8 = 1 << 3 // submitted before the exporter moved the buffer
	jCancelled uint8 = 1 << 4 // force-completed by a timeout without running
	jWaited    uint8 = 1 << 5 // had dependencies at submission
	jErrorDue  uint8 = 1 << 6 // the buggy timeout signalled and will set the error next
)

// CPU byte encoding.
const (
	cpuIdle    uint8 = 0
	cpuWaiting uint8 = 1 // in begin_cpu_access's dma_resv_wait_timeout
	cpuInside  uint8 = 2 // begin returned
	cpuPhase   uint8 = 3
	cpuWrite   uint8 = 1 << 2 // the bracket is DMA_TO_DEVICE
	cpuBlocked uint8 = 1 << 3 // the wait found pending fences
)

// Poll byte encoding.
const (
	pollIdle       uint8 = 0
	pollArmed      uint8 = 1 // sleeping: dma_buf_poll_cb installed on a fence
	pollWoken      uint8 = 2 // the callback ran: poll again
	pollDone       uint8 = 3 // returned EPOLLIN
	pollPhase      uint8 = 3
	pollShift            = 2
	pollFence      uint8 = 15 << pollShift
	pollAfterWrite uint8 = 1 << 7
)

// Timeline and exporter encodings.
const (
	timelineValue  uint8 = 3
	timelineClosed uint8 = 1 << 2

	expIdle     uint8 = 0
	expNotified uint8 = 1 // holds the resv lock, move_notify done, waiting for BOOKKEEP fences
	expCopying  uint8 = 2 // moved, lock dropped, the copy fence pending
	expMoved    uint8 = 3
	expPhase    uint8 = 3
	expWaited   uint8 = 1 << 2
)

// Violation flags of the fence family, in its own ghost byte.
const (
	fflagMonotonicity uint8 = 1 << iota // a fence un-signalled, error after signal, seqno out of order
	fflagIdleLied                       // a wait or test for U passed with a published fence ≤ U pending
	fflagJobAfterMove                   // a job touched the buffer after (or while) it was moved
	fflagNoReserve                      // dma_resv_add_fence appended without a reserved slot
)

var fenceFlagNames = []string{"fence-monotonicity", "resv-idle-lied", "job-after-move", "add-without-reservation"}

// fenceLay is the fence family's section: offsets and the world's fence
// slots. used is false when the world neither declares fence objects nor
// makes fence calls (the section is then empty).
type fenceLay struct {
	used bool
	// ghost, the fence bytes (slots 1..), Added (every slot), the resv
	// entries, Deps and Job (per job slot), the masks and the small bytes.
	ghost, fence, added, resv, deps, job           int
	cpuWait, cpuTruth, syncFile                    int
	cpu, poll, user, timeline, exporter            int
	slots, entries, rings, fPoint, fCopy, jobSlots int
	ring0                                          [MaxRings + 1]int // ring i's first job slot; ring0[rings] = fPoint
	ctx                                            [maxFenceSlots]uint8
	base                                           [maxFenceSlots]uint32 // the seqno base of each slot's context
	ringOf                                         [maxFenceSlots]int8   // the ring of a job slot, else -1
	ctxTimeline, ctxCopy                           int
	// The spec's numbers, copied here for the hot paths.
	points, exports, imports                                  int
	rule                                                      ReplaceRule
	layout                                                    ResvLayout
	cmp                                                       SeqnoCompare
	hasCPU, hasPoll, hasSyncFile, hasMove, hasInc, hasClose   bool
	ringWrites, ringUsage, ringAny, ringImplicit, ringTimeout [MaxRings]bool
	ringExplicitKernel, ringAddsWrite                         [MaxRings]bool
	// joined: the world's lock-family fences are fence slots too
	// (docs/world.md, "dma_fence: one kind"). lockSlot[i] is lock fence
	// i's slot; lockOf[s] is the lock fence of slot s, or -1; driver0 is
	// the first slot of the lock family's own fences (after the copy).
	joined   bool
	driver0  int
	lockSlot [MaxFences]int8
	lockOf   [maxFenceSlots]int8
	// nctx is the number of fence contexts (the stub's 0 included).
	nctx int
}

// fenceLayout places the family's fields, sized for the world's rings,
// points and calls.
func fenceLayout(c *core, l *layout, take func(n int) int) {
	f := &l.fence
	sp := &c.spec.Fence
	var twice [MaxRings]bool // rings whose jobs add their fence twice
	for _, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if isBracketBegin(op.Kind) {
						f.hasCPU = true // the bracket's fence part (bracket.go)
					}
					if familyOf(op.Kind) != famFence || isBracket(op.Kind) {
						continue
					}
					f.used = true
					switch op.Kind {
					case KJobSubmit:
						r, pol := op.Obj, unpackPolicy(op.N)
						if op.Dir == 1 {
							f.ringWrites[r] = true
						}
						switch pol.Adds {
						case AddUsage, AddBookkeepThenUsage:
							f.ringUsage[r] = true
							f.ringAddsWrite[r] = true
						}
						if pol.Adds != AddNone {
							f.ringAny[r] = true
						}
						if !pol.Explicit {
							f.ringImplicit[r] = true
						} else if !pol.IgnoreKernelFences {
							f.ringExplicitKernel[r] = true
						}
						if pol.Adds == AddBookkeepThenUsage {
							twice[r] = true
						}
					case KJobTimeout, KJobTimeoutSignal:
						f.ringTimeout[op.Obj] = true
					case KPoll:
						f.hasPoll = true
					case KExporterMove:
						f.hasMove = true
					case KSwSyncInc:
						f.hasInc = true
					case KSwSyncClose:
						f.hasClose = true
					}
				}
			}
		}
	}
	if sp.declaresObjects() {
		f.used = true
	}
	if !f.used {
		return
	}
	f.rings = len(sp.Rings)
	slot := 1
	for i, r := range sp.Rings {
		f.ring0[i] = slot
		slot += r.Jobs
	}
	f.ring0[f.rings] = slot
	f.jobSlots = slot - 1
	f.fPoint = slot
	slot += sp.Points
	f.fCopy = -1
	if sp.CopyEngine {
		f.fCopy = slot
		slot++
	}
	f.ctxTimeline = 1 + f.rings
	f.ctxCopy = 2 + f.rings
	f.nctx = 3 + f.rings
	// The lock family's fences: one with a fence-family fence's name is
	// that fence; any other is a slot of its own, with a context of its own.
	f.driver0 = slot
	var driverAdds int
	lockFences := c.spec.Locks.Fences
	f.joined = c.spec.fencesJoined()
	for s := range f.lockOf {
		f.lockOf[s] = -1
	}
	if f.joined {
		names := fenceNames(&c.spec)
		for i, lf := range lockFences {
			if k := slices.Index(names, lf.Name); k >= 0 && k < f.driver0-1 {
				f.lockSlot[i] = int8(k + 1)
			} else {
				f.lockSlot[i] = int8(slot)
				f.ctx[slot], f.base[slot] = uint8(f.nctx), 1
				f.nctx++
				slot++
				if lf.Resv >= 0 && c.join.bufResv == lf.Resv {
					driverAdds++
				}
			}
			f.lockOf[f.lockSlot[i]] = int8(i)
		}
	}
	f.slots = slot
	for s := range f.slots {
		f.ringOf[s] = -1
	}
	for s := range f.driver0 {
		switch {
		case s == fStub:
		case s < f.fPoint:
			for i := range f.rings {
				if s >= f.ring0[i] && s < f.ring0[i+1] {
					f.ringOf[s] = int8(i)
					f.ctx[s] = uint8(1 + i)
					f.base[s] = sp.Rings[i].SeqnoBase
				}
			}
		case s < f.fPoint+sp.Points:
			f.ctx[s], f.base[s] = uint8(f.ctxTimeline), 1
		default:
			f.ctx[s], f.base[s] = uint8(f.ctxCopy), 1
		}
	}
	// Every job and the copy add once (twice for BOOKKEEP then usage),
	// every import adds each of its leaves.
	adds := f.jobSlots + sp.Imports*f.slots
	for i, r := range sp.Rings {
		if twice[i] {
			adds += r.Jobs
		}
	}
	if sp.CopyEngine {
		adds++
	}
	f.entries = min(min(adds, maxEntries)+driverAdds, maxJoinedEntries)
	f.points, f.exports, f.imports, f.rule, f.cmp = sp.Points, sp.Exports, sp.Imports, sp.Rule, sp.Compare
	f.layout = sp.Layout
	f.ghost = take(1)
	f.fence = take(f.slots - 1)
	f.added = take(f.slots)
	f.resv = take(f.entries)
	f.deps = take(2 * f.jobSlots)
	f.job = take(f.jobSlots)
	f.cpuWait, f.cpuTruth, f.syncFile = take(2), take(2), take(2)
	f.cpu, f.poll, f.user, f.timeline, f.exporter = take(1), take(1), take(1), take(1), take(1)
	f.hasSyncFile = sp.Exports > 0 || sp.Imports > 0 || sp.Points > 0
}

// fs is the fence section of a state.
type fs struct {
	b []byte
	l *fenceLay
}

func (v View) fs() fs { return fs{b: v.b, l: &v.w.lay.fence} }

func (s fs) fb(f int) uint8 {
	if f == fStub {
		return fenceSignalled
	}
	return s.b[s.l.fence+f-1]
}
func (s fs) setFb(f int, x uint8)     { s.b[s.l.fence+f-1] = x }
func (s fs) status(f int) uint8       { return s.fb(f) & fenceStatus }
func (s fs) pending(f int) bool       { return s.status(f) == fencePending }
func (s fs) signaled(f int) bool      { return s.status(f) == fenceSignalled }
func (s fs) ferr(f int) uint8         { return s.fb(f) & fenceErrBits >> fenceErrShift }
func (s fs) seqLow(f int) uint8       { return s.fb(f) & fenceSeq >> fenceSeqShift }
func (s fs) mask(off int) fmask       { return fmask(s.b[off]) | fmask(s.b[off+1])<<8 }
func (s fs) setMask(off int, m fmask) { s.b[off], s.b[off+1] = uint8(m), uint8(m>>8) }
func (s fs) raise(f uint8)            { s.b[s.l.ghost] |= f }
func (s fs) ghost() uint8             { return s.b[s.l.ghost] }
func (s fs) added(f int) uint8        { return s.b[s.l.added+f] }
func (s fs) job(j int) uint8          { return s.b[s.l.job+j-1] } // j: the job's fence slot
func (s fs) setJob(j int, x uint8)    { s.b[s.l.job+j-1] = x }
func (s fs) deps(j int) fmask         { return s.mask(s.l.deps + 2*(j-1)) }
func (s fs) setDeps(j int, m fmask)   { s.setMask(s.l.deps+2*(j-1), m) }
func (s fs) cpu() uint8               { return s.b[s.l.cpu] }
func (s fs) pollB() uint8             { return s.b[s.l.poll] }
func (s fs) user() uint8              { return s.b[s.l.user] }
func (s fs) timeline() uint8          { return s.b[s.l.timeline] }
func (s fs) exporter() uint8          { return s.b[s.l.exporter] }
func (s fs) exports() int             { return int(s.user() & 3) }
func (s fs) imports() int             { return int(s.user() >> 2 & 3) }
func (s fs) points() int              { return int(s.user() >> 4 & 3) }
func (s fs) syncFileMask() fmask      { return s.mask(s.l.syncFile) }

// lockFree reports whether the resv lock is free: only the exporter holds
// it across steps; the other users lock and unlock within one step.
func (s fs) lockFree() bool { return s.exporter()&expPhase != expNotified }

// numEntries returns the number of resv entries (num_fences).
func (s fs) numEntries() int {
	for i := range s.l.entries {
		if s.b[s.l.resv+i] == 0 {
			return i
		}
	}
	return s.l.entries
}

func (s fs) entry(i int) uint8        { return s.b[s.l.resv+i] }
func entryFence(e uint8) int          { return int(e&0x0f) - 1 }
func entryUsage(e uint8) Usage        { return Usage(e >> 4 & 3) }
func entryOf(f int, u Usage) uint8    { return uint8(f+1) | uint8(u)<<4 }
func (s fs) jobSlot(r, k int) int     { return s.l.ring0[r] + k }
func (s fs) isJobSlot(f int) bool     { return f >= 1 && f < s.l.fPoint }
func (s fs) isPointSlot(f int) bool   { return f >= s.l.fPoint && f < s.l.fPoint+s.l.points }
func (s fs) sameCtx(f, g int) bool    { return s.l.ctx[f] == s.l.ctx[g] }
func (s fs) timelineValue() uint32    { return uint32(s.timeline() & timelineValue) }
func (s fs) cpuWrites() bool          { return s.cpu()&cpuWrite != 0 }
func jobPhaseOf(j uint8) uint8        { return j & jPhase }
func (s fs) ringJobs(r int) int       { return s.l.ring0[r+1] - s.l.ring0[r] }
func (s fs) allSignaled(m fmask) bool { return m&^s.signaledMask() == 0 }

// submitted returns the number of jobs ring r has submitted, and the slot
// of its head: the first job not done (-1 when there is none).
func (s fs) submitted(r int) (n, head int) {
	head = -1
	for j := s.l.ring0[r]; j < s.l.ring0[r+1]; j++ {
		p := s.b[s.l.job+j-1] & jPhase
		if p != jNone {
			n++
		}
		if p != jNone && p != jDone && head < 0 {
			head = j
		}
	}
	return n, head
}

// seqno returns the 32-bit seqno of slot f: only its lower two bits are
// stored; the context's base and the bound of fewer than four fences per
// context make the reconstruction exact.
func (s fs) seqno(f int) uint32 {
	b := s.l.base[f]
	return b + uint32((s.seqLow(f)-uint8(b))&3)
}

// isLater is __dma_fence_is_later(a, b) for a context without
// use_64bit_seqno, with the configured comparison.
func isLater(a, b uint32, c SeqnoCompare) bool {
	if c == NaiveCompare {
		return a > b
	}
	return int32(a-b) > 0
}

// replaces reports whether dma_resv_add_fence(f, u) overwrites the entry
// (old, oldUsage) under the configured rule.
func (s fs) replaces(old int, oldUsage Usage, f int, u Usage) bool {
	if s.signaled(old) {
		return true // dma_fence_is_signaled(old)
	}
	if !s.sameCtx(old, f) || oldUsage < u {
		return false
	}
	switch s.l.rule {
	case RulePre2022:
		return true
	case RuleStrictLater:
		return isLater(s.seqno(f), s.seqno(old), s.l.cmp)
	}
	return f == old || isLater(s.seqno(f), s.seqno(old), s.l.cmp) // dma_fence_is_later_or_same
}

// addFence is dma_resv_add_fence(obj, f, u) with *reserved slots left by
// dma_resv_reserve_fences: the first entry the rule allows is overwritten,
// else f is appended, which consumes a reserved slot (BUG_ON when there is
// none: flagged). The ghost Added records that f was published with u.
func (s fs) addFence(f int, u Usage, reserved *int) {
	if a := uint8(u) + 1; s.added(f) == 0 || a < s.added(f) {
		s.b[s.l.added+f] = a
	}
	if s.l.layout == LayoutExclusiveShared {
		var excl bool
		if u, excl = pastUsage(u); excl {
			s.addExclusive(f, u) // resv_layout.go
			return
		}
	}
	n := s.numEntries()
	for i := range n {
		e := s.entry(i)
		if s.replaces(entryFence(e), entryUsage(e), f, u) {
			s.b[s.l.resv+i] = entryOf(f, u)
			return
		}
	}
	if *reserved <= 0 {
		s.raise(fflagNoReserve) // BUG_ON(num_fences >= max_fences)
	} else {
		*reserved--
	}
	if n == s.l.entries {
		panic("world: resv entry bound exceeded") // a programming error: fenceLayout bounds the appends
	}
	s.b[s.l.resv+n] = entryOf(f, u)
}

// query returns the pending fences the resv returns for usage u: entries
// with usage ≤ u (dma_resv_for_each_fence_unlocked skips signalled ones).
func (s fs) query(u Usage) fmask {
	var m fmask
	for i := range s.l.entries {
		e := s.entry(i)
		if e == 0 {
			break
		}
		if f := entryFence(e); entryUsage(e) <= u && s.pending(f) {
			m |= 1 << f
		}
	}
	return m
}

// testSignaled is dma_resv_test_signaled(obj, u).
func (s fs) testSignaled(u Usage) bool { return s.query(u) == 0 }

// published returns the fences added with a usage ≤ u and still pending:
// what a wait for u must cover, whatever the entries say.
func (s fs) published(u Usage) fmask {
	var m fmask
	for f := range s.l.slots {
		if a := s.added(f); a != 0 && Usage(a-1) <= u && s.pending(f) {
			m |= 1 << f
		}
	}
	return m
}

// reportIdle is where the kernel concludes that nothing ≤ u is pending:
// it flags the violation when a published fence ≤ u is in fact pending.
func (s fs) reportIdle(u Usage) {
	if s.published(u) != 0 {
		s.raise(fflagIdleLied)
	}
}

// addCallback is dma_fence_add_callback: false (-ENOENT) on a signalled
// fence; otherwise signalling is enabled.
func (s fs) addCallback(f int) bool {
	if !s.pending(f) {
		return false
	}
	s.setFb(f, s.fb(f)|fenceEnabled)
	return true
}

// enableAll enables signalling on every fence of m.
func (s fs) enableAll(m fmask) {
	for m != 0 {
		f := bits.TrailingZeros16(uint16(m))
		m &^= 1 << f
		s.addCallback(f)
	}
}

// signal is dma_fence_set_error(err) (when err ≠ 0) then dma_fence_signal:
// a fence that is not pending is left alone. The callbacks run inside the
// signal: drm_sched's dependency callback, dma_buf_poll_cb.
func (s fs) signal(f int, err uint8) {
	if !s.pending(f) {
		return
	}
	s.setFb(f, s.fb(f)&^(fenceStatus|fenceErrBits)|fenceSignalled|err<<fenceErrShift)
	for j := 1; j <= s.l.jobSlots; j++ {
		if d := s.deps(j); d&(1<<f) != 0 {
			s.setDeps(j, d&^(1<<f))
		}
	}
	if p := s.pollB(); p&pollPhase == pollArmed && int(p&pollFence>>pollShift) == f {
		s.b[s.l.poll] = p&^pollPhase | pollWoken
	}
}

// setError is dma_fence_set_error(f, err) on its own.
func (s fs) setError(f int, err uint8) { s.setFb(f, s.fb(f)&^fenceErrBits|err<<fenceErrShift) }

// create makes slot f a new pending fence with the given seqno.
func (s fs) create(f int, seqno uint32) { s.setFb(f, fencePending|uint8(seqno&3)<<fenceSeqShift) }

// issue creates f, checking that its context issues seqnos in order.
func (s fs) issue(f int, seqno uint32) {
	for g := 1; g < s.l.slots; g++ {
		if g != f && s.sameCtx(g, f) && s.status(g) != fenceUnused && !isLater(seqno, s.seqno(g), Wrap32) {
			s.raise(fflagMonotonicity)
		}
	}
	s.create(f, seqno)
}

// signaledMask returns the signalled fences.
func (s fs) signaledMask() fmask {
	m := fmask(1 << fStub)
	for f := 1; f < s.l.slots; f++ {
		if s.signaled(f) {
			m |= 1 << f
		}
	}
	return m
}

// firstPending is the fence dma_buf_poll_add_cb installs its callback on.
func (s fs) firstPending(u Usage) (int, bool) {
	for i := range s.l.entries {
		e := s.entry(i)
		if e == 0 {
			break
		}
		if f := entryFence(e); entryUsage(e) <= u && s.pending(f) {
			return f, true
		}
	}
	return 0, false
}

// fenceEnabled is callEnabled for the fence family: the blocking waits,
// the resv lock, and the bounds of the world's objects.
func (v View) fenceEnabled(ag int, c Call, step int) bool {
	s := v.fs()
	switch c.Kind {
	case KJobSubmit:
		n, _ := s.submitted(c.Obj)
		return s.lockFree() && n < s.ringJobs(c.Obj) && v.bufLockFree(ag, true) // dma_resv_lock; a job slot of the ring left
	case KJobRun, KJobSignal, KJobTimeout, KJobTimeoutSignal:
		_, h := s.submitted(c.Obj)
		if h < 0 {
			return false
		}
		p := jobPhaseOf(s.job(h))
		switch c.Kind {
		case KJobRun:
			return p == jQueued && s.deps(h) == 0
		case KJobSignal:
			return p == jRunning && v.lockFacetFree(h)
		}
		return p == jQueued && s.deps(h) != 0 // a job stuck on a dependency
	case KJobSetErrorLate:
		for k := range s.ringJobs(c.Obj) {
			if s.job(s.jobSlot(c.Obj, k))&jErrorDue != 0 {
				return true
			}
		}
		return false
	case KResvBeginCPU:
		return step == 0 || v.bracketWaitOver(bracketDir(c))
	case KResvEndCPU:
		return true
	case KPoll:
		return s.pollB()&pollPhase != pollArmed && s.lockFree() && v.bufLockFree(ag, false) // asleep on the callback; dma_buf_poll takes the resv lock
	case KExportSyncFile:
		return s.exports() < s.l.exports
	case KImportSyncFile:
		return s.syncFileMask() != 0 && s.imports() < s.l.imports && s.lockFree() && v.bufLockFree(ag, false)
	case KSwSyncCreate:
		return s.points() == c.N && s.timeline()&timelineClosed == 0
	case KSwSyncInc:
		return s.timeline()&timelineClosed == 0 && int(s.timelineValue()) < s.l.points
	case KSwSyncClose:
		return s.timeline()&timelineClosed == 0
	case KExporterMove:
		if step == 1 {
			return s.testSignaled(UsageBookkeep) // dma_resv_wait_timeout(BOOKKEEP) returns
		}
		return s.exporter()&expPhase == expIdle && v.bufLockFree(ag, false) // the world's exporter moves the buffer once
	case KCopyDone:
		return s.exporter()&expPhase == expCopying && v.lockFacetFree(s.l.fCopy)
	}
	return false
}

// fenceApply performs a fence call's step. A monitor compares the fences
// before and after: a signalled fence that becomes unsignalled, an error
// that changes after the signal, or a seqno that changes, is a
// fence-monotonicity violation whatever step did it.
func (v View) fenceApply(ag int, c Call, step int) {
	if isBracket(c.Kind) {
		v.bracketApply(ag, c, step)
		return
	}
	s := v.fs()
	if v.w.join.bufResv >= 0 || s.l.joined {
		v.fenceShared(ag, c, step)
	}
	var before [maxFenceSlots]uint8
	n := s.l.slots - 1
	copy(before[:n], s.b[s.l.fence:s.l.fence+n])
	s.apply(c, step)
	for i := range n {
		o, x := before[i], s.b[s.l.fence+i]
		if o&fenceStatus == fenceSignalled && (x&fenceStatus != fenceSignalled || x&fenceErrBits != o&fenceErrBits) ||
			o&fenceStatus != fenceUnused && x&fenceSeq != o&fenceSeq {
			s.raise(fflagMonotonicity)
		}
	}
}

func (s fs) apply(c Call, step int) {
	switch c.Kind {
	case KJobSubmit:
		s.submit(c.Obj, c.Dir == 1, unpackPolicy(c.N))
	case KJobRun:
		_, h := s.submitted(c.Obj)
		j := s.job(h)
		if j&jStale != 0 || s.exporter()&expPhase == expCopying {
			// DMA through the old pages, or into pages the exporter is
			// still copying.
			s.raise(fflagJobAfterMove)
		}
		s.setJob(h, j&^jPhase|jRunning)
	case KJobSignal:
		_, h := s.submitted(c.Obj)
		s.setJob(h, s.job(h)&^jPhase|jDone)
		s.signal(h, ferrNone)
	case KJobTimeout, KJobTimeoutSignal:
		_, h := s.submitted(c.Obj)
		j := s.job(h)&^jPhase | jDone | jCancelled
		s.setDeps(h, 0) // dma_fence_remove_callback on its dependencies
		if c.Kind == KJobTimeoutSignal {
			s.signal(h, ferrNone)
			j |= jErrorDue
		} else {
			s.signal(h, ferrTime)
		}
		s.setJob(h, j)
	case KJobSetErrorLate:
		for k := range s.ringJobs(c.Obj) {
			h := s.jobSlot(c.Obj, k)
			if j := s.job(h); j&jErrorDue != 0 {
				s.setJob(h, j&^jErrorDue)
				s.setError(h, ferrTime)
				break
			}
		}
	case KPoll:
		s.poll()
	case KExportSyncFile:
		m := s.query(usageRW(c.Dir == 1))
		if m == 0 {
			m = 1 << fStub // dma_resv_get_singleton of nothing: the signalled stub
		}
		s.setMask(s.l.syncFile, m)
		s.b[s.l.user]++
	case KImportSyncFile:
		s.importSyncFile(s.syncFileMask(), c.Dir == 1)
		s.setMask(s.l.syncFile, 0) // user space closes the fd after the import
		s.b[s.l.user] += 1 << 2
	case KSwSyncCreate:
		f := s.l.fPoint + c.N
		s.create(f, uint32(c.N+1))
		if !isLater(s.seqno(f), s.timelineValue(), s.l.cmp) {
			s.signal(f, ferrNone)
		}
		s.setMask(s.l.syncFile, 1<<f)
		s.b[s.l.user] += 1 << 4
	case KSwSyncInc:
		// The timeline advances and signals every point it has reached.
		s.b[s.l.timeline]++
		for k := range s.l.points {
			f := s.l.fPoint + k
			if s.pending(f) && !isLater(s.seqno(f), s.timelineValue(), s.l.cmp) {
				s.signal(f, ferrNone)
			}
		}
	case KSwSyncClose:
		// Every pending point signals with -ENOENT (ea4d5a270b57).
		s.b[s.l.timeline] |= timelineClosed
		for k := range s.l.points {
			s.signal(s.l.fPoint+k, ferrNoEnt)
		}
	case KExporterMove:
		if step == 0 {
			// The importers' move_notify callbacks invalidate their
			// mappings; what they cannot stop must already be fenced.
			q := s.query(UsageBookkeep)
			s.enableAll(q)
			x := expNotified
			if q != 0 {
				x |= expWaited
			}
			s.b[s.l.exporter] = x
			return
		}
		s.reportIdle(UsageBookkeep)
		for j := 1; j <= s.l.jobSlots; j++ {
			switch jobPhaseOf(s.job(j)) {
			case jRunning:
				s.raise(fflagJobAfterMove) // the pages move under the DMA
			case jQueued:
				s.setJob(j, s.job(j)|jStale) // bound to the old pages at submission
			}
		}
		if c.N == 1 {
			s.issue(s.l.fCopy, s.l.base[s.l.fCopy])
			reserved := 1
			s.addFence(s.l.fCopy, UsageKernel, &reserved)
			s.b[s.l.exporter] = s.exporter()&^expPhase | expCopying
		} else {
			s.b[s.l.exporter] = s.exporter()&^expPhase | expMoved
		}
	case KCopyDone:
		s.signal(s.l.fCopy, ferrNone)
		s.b[s.l.exporter] = s.exporter()&^expPhase | expMoved
	}
}

// submit is a job submission by ring r's driver, under the resv lock:
// collect the dependencies (dma_resv_usage_rw(write) for implicit sync,
// KERNEL for explicit), install the scheduler's callback on each, arm the
// job's fence (next seqno of the ring), dma_resv_reserve_fences(1) and
// dma_resv_add_fence as the policy says.
func (s fs) submit(r int, write bool, p SubmitPolicy) {
	k, _ := s.submitted(r)
	f := s.jobSlot(r, k)
	var deps fmask
	switch {
	case !p.Explicit:
		deps = s.query(usageRW(write))
	case !p.IgnoreKernelFences:
		deps = s.query(UsageKernel)
	}
	// The ring's own order covers its earlier jobs.
	for g := s.l.ring0[r]; g < s.l.ring0[r+1]; g++ {
		deps &^= 1 << g
	}
	s.enableAll(deps)
	s.issue(f, s.l.base[f]+uint32(k))
	j := jQueued
	if write {
		j |= jWrite
	}
	if deps != 0 {
		j |= jWaited
	}
	s.setJob(f, j)
	s.setDeps(f, deps)
	reserved := 1
	if p.SkipReserve {
		reserved = 0
	}
	usage := usageRW(!write)
	switch p.Adds {
	case AddUsage:
		s.addFence(f, usage, &reserved)
	case AddBookkeep:
		s.addFence(f, UsageBookkeep, &reserved)
	case AddBookkeepThenUsage:
		s.addFence(f, UsageBookkeep, &reserved)
		s.addFence(f, usage, &reserved)
	}
}

// poll is dma_buf_poll(EPOLLIN) under the resv lock: ready when no WRITE
// (or KERNEL) fence is pending; otherwise dma_buf_poll_add_cb installs
// dma_buf_poll_cb on the first pending one and the poller sleeps.
func (s fs) poll() {
	if f, ok := s.firstPending(usageRW(false)); ok {
		s.addCallback(f)
		s.b[s.l.poll] = pollArmed | uint8(f)<<pollShift
		return
	}
	s.reportIdle(usageRW(false))
	x := pollDone
	for j := 1; j <= s.l.jobSlots; j++ {
		if jb := s.job(j); jobPhaseOf(jb) == jDone && jb&jWrite != 0 && jb&jCancelled == 0 {
			x |= pollAfterWrite
		}
	}
	s.b[s.l.poll] = x
}

// importSyncFile is DMA_BUF_IOCTL_IMPORT_SYNC_FILE of a sync_file with
// leaves, under the resv lock: the container is unwrapped,
// dma_resv_reserve_fences(number of leaves), then each leaf is added with
// WRITE (WRITE flag) or READ.
func (s fs) importSyncFile(leaves fmask, write bool) {
	u := UsageRead
	if write {
		u = UsageWrite
	}
	reserved := bits.OnesCount16(uint16(leaves))
	for f := range s.l.slots {
		if leaves&(1<<f) != 0 {
			s.addFence(f, u, &reserved)
		}
	}
}
