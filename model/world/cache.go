package world

// The semantics of the dma-buf calls: the buffer, its backing memory and
// the CPU cache, the importers' attachments, mappings and DMA-API state,
// their jobs, and the exporter's hooks. docs/kernel-rules.md gives the
// rules; each call cites its kernel function in callDefs.

// View is a world state seen through the world's layout: the accessors
// read and write the packed bytes. Expressions (Pred, Value) receive one.
type View struct {
	w *core
	b []byte
	// count, when set, receives the cache maintenance the calls perform
	// (maintenance.go); it is no part of the state.
	count *Maintenance
}

// Violation flags, in the ghost bytes.
const (
	FlagStaleRead    uint16 = 1 << iota // a read returned a version older than the latest completed write
	FlagLostWrite                       // a completed write was discarded or overwritten by older data
	FlagNoMapping                       // device DMA without a valid mapping
	FlagUseAfterFree                    // access to a released buffer or a detached attachment
	FlagDMADebug                        // a DMA-API precondition broken (dma-debug would warn)
	FlagPairing                         // begin/end_cpu_access unbalanced or mismatched
	FlagMisuse                          // a kernel call made in a state where the kernel forbids it (lock family)
	numFlags         = iota
)

// Line values: state in the top bits, version in the low ones.
const (
	lineInvalid uint8 = 0
	lineClean   uint8 = 1 << 4
	lineDirty   uint8 = 2 << 4
	lineState   uint8 = 3 << 4
	lineVer     uint8 = 0x0f
)

func lineOf(state, ver uint8) uint8 {
	if state == lineInvalid {
		return 0
	}
	return state | ver
}

// Buffer bits.
const (
	bufReleased uint8 = 1 << 0
	bufSGT      uint8 = 1 << 1 // the exporter's CPU-side sg table exists (OpCreateSGT)
)

// Bracket phases (access >> 2).
const (
	phaseIdle   uint8 = 0
	phaseBegun  uint8 = 1 // step 1 of begin done (hook), waiting for fences
	phaseInside uint8 = 2
)

// Attachment values.
const (
	attNone     uint8 = 0
	attAttached uint8 = 1
	attRejected uint8 = 2
	attPinned   uint8 = 4
	attMask     uint8 = 3
)

// Mapping bits.
const (
	mapHeld   uint8 = 3
	mapCached uint8 = 3 << 2
	mapStale  uint8 = 1 << 4
	mapFresh  uint8 = 1 << 5
)

// Job kinds.
const (
	jobIdle  uint8 = 0
	jobRead  uint8 = 1
	jobWrite uint8 = 2
)

// Errnos.
const (
	errNone  uint8 = 0
	errBusy  uint8 = 1 // -EBUSY
	errInval uint8 = 2 // -EINVAL
)

// Writers in latestBy: 0 none, 1 the CPU, 2+d device d.
const (
	writerNone    uint8 = 0
	writerCPU     uint8 = 1
	writerDevice0 uint8 = 2
)

func (v View) ghost() uint16 { return uint16(v.b[v.w.lay.ghost]) | uint16(v.b[v.w.lay.ghost+1])<<8 }
func (v View) raise(f uint16) {
	g := v.ghost() | f
	v.b[v.w.lay.ghost], v.b[v.w.lay.ghost+1] = uint8(g), uint8(g>>8)
}

// Flag reports whether violation flag f was raised.
func (v View) Flag(f uint16) bool { return v.ghost()&f != 0 }

func (v View) released() bool { return v.b[v.w.lay.buf]&bufReleased != 0 }

// Live reports whether the buffer has not been released.
func (v View) Live() bool { return !v.released() }

func (v View) mem(l int) *uint8      { return &v.b[v.w.lay.mem+l] }
func (v View) latest(l int) *uint8   { return &v.b[v.w.lay.latest+l] }
func (v View) latestBy(l int) *uint8 { return &v.b[v.w.lay.latestBy+l] }
func (v View) cpu(l int) *uint8      { return &v.b[v.w.lay.cpu+l] }
func (v View) writes() *uint8        { return &v.b[v.w.lay.writes] }

func (v View) att(d int) *uint8 { return &v.b[v.w.lay.dev[d].att] }
func (v View) mp(d int) *uint8  { return &v.b[v.w.lay.dev[d].mp] }
func (v View) dma(d int) *uint8 { return &v.b[v.w.lay.dev[d].dma] }
func (v View) job(d int) *uint8 { return &v.b[v.w.lay.dev[d].job] }
func (v View) err(d int) *uint8 { return &v.b[v.w.lay.dev[d].err] }
func (v View) devCache(d, l int) *uint8 {
	return &v.b[v.w.lay.dev[d].cache+l]
}
func (v View) bounce(d, l int) *uint8 { return &v.b[v.w.lay.dev[d].bounce+l] }

func (v View) attached(d int) bool { return *v.att(d)&attMask == attAttached }
func (v View) held(d int) uint8    { return *v.mp(d) & mapHeld }
func (v View) cached(d int) uint8  { return *v.mp(d) & mapCached >> 2 }
func (v View) jobKind(d int) uint8 { return *v.job(d) & 3 }
func (v View) jobLine(d int) int   { return int(*v.job(d) >> 2 & 1) }
func (v View) jobVer(d int) uint8  { return *v.job(d) >> 3 & lineVer }

func (v View) phase(ag int) uint8  { return v.b[v.w.lay.access[ag]] >> 2 & 3 }
func (v View) accDir(ag int) uint8 { return v.b[v.w.lay.access[ag]] & 3 }
func (v View) setAccess(ag int, p, d uint8) {
	v.b[v.w.lay.access[ag]] = p<<2 | d
}

// Attached reports whether device d is attached.
func (v View) Attached(d int) bool { return v.attached(d) }

// Mapped reports whether device d's importer holds a mapping.
func (v View) Mapped(d int) bool { return v.held(d) != 0 }

// Pinned reports whether device d's attachment is pinned.
func (v View) Pinned(d int) bool { return *v.att(d)&attPinned != 0 }

// Rejected reports whether device d's attach failed.
func (v View) Rejected(d int) bool { return *v.att(d)&attMask == attRejected }

// JobIdle reports whether device d runs no job.
func (v View) JobIdle(d int) bool { return v.jobKind(d) == jobIdle }

// JobWriting reports whether device d runs a write job.
func (v View) JobWriting(d int) bool { return v.jobKind(d) == jobWrite }

// MappingStale reports whether move_notify invalidated d's mapping.
func (v View) MappingStale(d int) bool { return *v.mp(d)&mapStale != 0 }

// MappingFresh reports whether d mapped since its last job started.
func (v View) MappingFresh(d int) bool { return *v.mp(d)&mapFresh != 0 }

// Idle reports whether agent ag is outside any CPU bracket (true for an
// agent without one).
func (v View) Idle(ag int) bool { return v.w.lay.access[ag] < 0 || v.phase(ag) == phaseIdle }

// Inside reports whether agent ag is inside a bracket of direction dir.
func (v View) Inside(ag int, dir uint8) bool {
	return v.w.lay.access[ag] >= 0 && v.phase(ag) == phaseInside && v.accDir(ag) == dir
}

// InsideAllowing reports whether agent ag is inside a bracket whose SYNC
// flags include want.
func (v View) InsideAllowing(ag int, want uint8) bool {
	return v.w.lay.access[ag] >= 0 && v.phase(ag) == phaseInside && v.accDir(ag)&want != 0
}

// BracketDir returns agent ag's bracket direction (SYNC flags), 0 if idle.
func (v View) BracketDir(ag int) uint8 {
	if v.Idle(ag) {
		return 0
	}
	return v.accDir(ag)
}

// AllIdle reports whether no agent is inside (or beginning) a bracket.
func (v View) AllIdle() bool {
	for _, ag := range v.w.lay.bracketAgents {
		if v.phase(ag) != phaseIdle {
			return false
		}
	}
	return true
}

func readsAllowed(dir uint8) bool  { return dir == DirTo || dir == DirBidir }
func writesAllowed(dir uint8) bool { return dir == DirFrom || dir == DirBidir }

// cacheEnabled is callEnabled for the cache family.
func (v View) cacheEnabled(ag int, c Call, step int) bool {
	s := &v.w.spec
	switch c.Kind {
	case KSyncStart, KBeginCPU:
		if step == 0 {
			return true
		}
		if !v.w.join.shared {
			// Nothing but the device jobs' implicit fences in the resv.
			return !v.devicesBusy(usageRW(c.Dir&SyncWrite != 0), -1)
		}
		return v.bracketWaitOver(c.Dir)
	case KSyncEnd, KEndCPU, KSyncInvalid, KCPURead:
		return true
	case KCPUWrite:
		return *v.writes() < uint8(s.Writes)
	case KWriteback:
		return *v.cpu(c.Line)&lineState == lineDirty
	case KEvict:
		return *v.cpu(c.Line)&lineState == lineClean
	case KPrefetch:
		return *v.cpu(c.Line)&lineState == lineInvalid
	case KAttach:
		return !v.attached(c.Dev)
	case KDetach:
		return v.attached(c.Dev)
	case KMap:
		return v.attached(c.Dev) && v.held(c.Dev) == 0
	case KUnmap:
		return v.attached(c.Dev) && v.held(c.Dev) != 0
	case KPin:
		return v.attached(c.Dev) && *v.att(c.Dev)&attPinned == 0
	case KUnpin:
		return v.attached(c.Dev) && *v.att(c.Dev)&attPinned != 0
	case KJobRead, KJobWrite:
		d := c.Dev
		if !v.attached(d) || v.jobKind(d) != jobIdle {
			return false
		}
		held := v.held(d)
		if c.Kind == KJobRead && !readsAllowed(held) || c.Kind == KJobWrite && !writesAllowed(held) {
			return false // the IOMMU/mapping does not allow the access
		}
		if c.Kind == KJobWrite && *v.writes() >= uint8(s.Writes) {
			return false
		}
		if v.w.join.shared {
			if r := v.w.tiedRing(d); r >= 0 {
				// The ring's head job runs (drm_sched run_job): submitted,
				// its dependencies signalled.
				return v.fenceEnabled(ag, JobRun(r), 0)
			}
			// Implicit sync: the scheduler waits for the job's
			// dependencies, the other fences in the dma-buf's resv
			// (dma_resv_usage_rw): a reader waits for writers, a writer
			// for everyone.
			return !v.resvBusyNow(usageRW(c.Kind == KJobWrite), d)
		}
		// The same without shared objects: the other devices' jobs are
		// the resv's fences.
		for j := range s.Devices {
			if j == d {
				continue
			}
			if k := v.jobKind(j); k == jobWrite || k == jobRead && c.Kind == KJobWrite {
				return false
			}
		}
		return true
	case KJobDone:
		if v.w.join.shared {
			if f := v.w.tiedLock(c.Dev); f >= 0 && !v.lkCanSignal(f) {
				return false // its dma_fence_signal waits for fence->lock
			}
			if r := v.w.tiedRing(c.Dev); r >= 0 && !v.fenceEnabled(ag, JobDoneSignal(r), 0) {
				return false
			}
		}
		return v.jobKind(c.Dev) != jobIdle
	case KSyncForCPU, KSyncForDevice:
		return v.attached(c.Dev)
	case KDevWriteback:
		return *v.devCache(c.Dev, c.Line)&lineState == lineDirty
	case KDevEvict:
		return *v.devCache(c.Dev, c.Line)&lineState == lineClean
	case KMoveNotify:
		// The exporter may move an unpinned buffer once every job's fence
		// has signalled (it waits for them).
		for j := range s.Devices {
			if *v.att(j)&attPinned != 0 || v.jobKind(j) != jobIdle {
				return false
			}
		}
		return true
	case KRelease:
		return !v.released()
	}
	return false
}

// cacheApply performs a cache-family call's step.
func (v View) cacheApply(ag int, c Call, step int) {
	if c.Kind <= KEndCPU { // the CPU bracket (isBracket)
		v.bracketApply(ag, c, step)
		return
	}
	s := &v.w.spec
	if v.released() {
		v.raise(FlagUseAfterFree) // every call here touches the buffer
	}
	switch c.Kind {
	case KCPURead:
		if !v.InsideAllowing(ag, SyncRead) {
			v.raise(FlagPairing) // through the mmap without SYNC
		}
		v.observe(c.Line, v.cpuLoad(c.Line))
	case KCPUWrite:
		if !v.InsideAllowing(ag, SyncWrite) {
			v.raise(FlagPairing)
		}
		ver := v.newVersion(c.Line, writerCPU)
		if s.Backing.uncached() {
			v.storeMem(c.Line, ver)
		} else {
			*v.cpu(c.Line) = lineOf(lineDirty, ver)
		}
		// A coherent device with its own cache loses its copy (snooped).
		for j, dv := range s.Devices {
			if dv.OwnCache && dv.Coherent {
				*v.devCache(j, c.Line) = 0
			}
		}
	case KWriteback:
		v.storeMem(c.Line, *v.cpu(c.Line)&lineVer)
		*v.cpu(c.Line) = lineOf(lineClean, *v.cpu(c.Line)&lineVer)
	case KEvict:
		*v.cpu(c.Line) = 0
	case KPrefetch:
		*v.cpu(c.Line) = lineOf(lineClean, *v.mem(c.Line))
	case KAttach:
		v.attach(c.Dev)
	case KDetach:
		v.detach(c.Dev)
	case KMap:
		v.mapAttachment(c.Dev, c.Dir)
	case KUnmap:
		d := c.Dev
		if !s.Exporter.CacheSGT && v.cached(d) == 0 {
			v.dmaUnmap(d, v.held(d))
		}
		*v.mp(d) &^= mapHeld | mapStale | mapFresh
	case KPin:
		*v.att(c.Dev) |= attPinned
	case KUnpin:
		*v.att(c.Dev) &^= attPinned
	case KJobRead:
		d := c.Dev
		if *v.mp(d)&mapStale != 0 {
			v.raise(FlagNoMapping) // DMA through a mapping move_notify invalidated
		}
		ver := v.devLoad(d, c.Line)
		*v.job(d) = jobRead | uint8(c.Line)<<2 | ver<<3
		*v.mp(d) &^= mapFresh
		v.observe(c.Line, ver)
		if r := v.w.tiedRing(d); r >= 0 {
			v.fenceApply(ag, JobRun(r), 0)
		}
	case KJobWrite:
		d := c.Dev
		if *v.mp(d)&mapStale != 0 {
			v.raise(FlagNoMapping)
		}
		*v.job(d) = jobWrite | uint8(c.Line)<<2
		*v.mp(d) &^= mapFresh
		if r := v.w.tiedRing(d); r >= 0 {
			v.fenceApply(ag, JobRun(r), 0)
		}
	case KJobDone:
		d := c.Dev
		if v.jobKind(d) == jobWrite {
			l := v.jobLine(d)
			ver := v.newVersion(l, writerDevice0+uint8(d))
			v.devStore(d, l, ver)
		}
		*v.job(d) = 0
		if f := v.w.tiedLock(d); f >= 0 {
			v.lkSignal(ag, f) // the job's fence: one dma_fence_signal
		}
		if r := v.w.tiedRing(d); r >= 0 {
			v.fenceApply(ag, JobDoneSignal(r), 0) // the ring's job completes, its fence signals
		}
	case KSyncForCPU, KSyncForDevice:
		v.driverSync(c.Dev, c.Kind == KSyncForCPU)
	case KDevWriteback:
		v.storeMem(c.Line, *v.devCache(c.Dev, c.Line)&lineVer)
		*v.devCache(c.Dev, c.Line) = lineOf(lineClean, *v.devCache(c.Dev, c.Line)&lineVer)
	case KDevEvict:
		*v.devCache(c.Dev, c.Line) = 0
	case KMoveNotify:
		// The exporter copies the data to the new location (through the
		// CPU's view), the CPU's mapping is zapped and refaults there,
		// and every dynamic importer's mapping now points at the old pages.
		for l := range s.Lines {
			if *v.cpu(l)&lineState == lineDirty {
				*v.mem(l) = *v.cpu(l) & lineVer
			}
			*v.cpu(l) = 0
		}
		for j := range s.Devices {
			if v.attached(j) && *v.mp(j)&(mapHeld|mapCached) != 0 && s.Devices[j].Dynamic {
				*v.mp(j) |= mapStale
			}
		}
	case KRelease:
		for j := range s.Devices {
			if v.attached(j) {
				v.raise(FlagUseAfterFree) // released while attached: the importer still holds a pointer
			}
		}
		if !v.AllIdle() {
			v.raise(FlagPairing)
		}
		v.b[v.w.lay.buf] |= bufReleased
	}
}

// begin is dma_buf_begin_cpu_access: the exporter's hook and the core's
// fence wait, in two atomic steps split at the first wait.
func (v View) begin(ag int, dir uint8, step int) {
	hook := v.w.spec.Exporter.Begin
	split := len(hook)
	for i, op := range hook {
		if op.Kind == OpWaitFences {
			split = i
			break
		}
	}
	ran := v.hookRan(bufRanBegin)
	if step == 0 {
		v.b[v.w.lay.syncErr[ag]] = errNone
		v.setAccess(ag, phaseBegun, dir)
		v.runHook(hook[:split], true, ag, ran)
		return
	}
	// The wait returned (enabled only when nothing is left to wait for);
	// the rest of the hook runs, and the core's own wait finds the resv
	// idle at once.
	v.setAccess(ag, phaseInside, dir)
	if split < len(hook) {
		v.runHook(hook[split+1:], true, ag, ran)
	}
	v.markRan(hook, bufRanBegin)
}

// runHook runs the operations of an exporter's begin (forCPU) or end hook
// (ran: the hook has run before, for its first-call and later-calls
// operations).
func (v View) runHook(h Hook, forCPU bool, ag int, ran bool) {
	s := &v.w.spec
	for _, op := range h {
		if !op.runsOn(ran) {
			continue
		}
		switch op.Kind {
		case OpWaitFences:
			// Inside the second step the fences are already signalled.
		case OpCreateSGT:
			v.b[v.w.lay.buf] |= bufSGT
		case OpNeedSGT:
			if v.b[v.w.lay.buf]&bufSGT == 0 {
				// end_cpu_udmabuf: if (!ubuf->sg) return -EINVAL;
				v.b[v.w.lay.syncErr[ag]] = errInval
				return
			}
		case OpSyncMapped:
			for j := range s.Devices {
				if dir := *v.dma(j); dir != 0 && op.forCPU(forCPU) {
					v.syncForCPU(j, dir)
				} else if dir != 0 {
					v.syncForDevice(j, dir)
				}
			}
		case OpSyncExporterDevice:
			if s.Backing.uncached() {
				continue
			}
			if op.forCPU(forCPU) {
				v.archForCPU(DirBidir)
			} else {
				v.archForDevice(DirBidir)
			}
		case OpClflush:
			v.clflush(op.Dir, forCPU)
		case OpSetCPUDomain:
			v.setCPUDomain()
		}
	}
}

// driverSync is the importer's driver calling dma_sync_sgtable_for_cpu (or
// _for_device) on its sg table, in the direction it holds.
func (v View) driverSync(d int, forCPU bool) {
	dir := *v.dma(d)
	if dir == 0 {
		// dma_sync on an sg table that was never dma_map'ed: dma-debug
		// warns. Behind an IOMMU the sync maintains the pages by physical
		// address and works; on dma-direct it uses the garbage
		// sg_dma_address and maintains some other memory.
		v.raise(FlagDMADebug)
		if !v.w.spec.Devices[d].IOMMU {
			return
		}
		dir = v.held(d)
		if dir == 0 {
			dir = DirBidir
		}
	} else if held := v.held(d); held != 0 && held != dir {
		v.raise(FlagDMADebug) // sync with another direction than mapped
	}
	if forCPU {
		v.syncForCPU(d, dir)
	} else {
		v.syncForDevice(d, dir)
	}
}

// newVersion records a completed write to line l by writer w.
func (v View) newVersion(l int, w uint8) uint8 {
	*v.writes()++
	*v.latest(l) = *v.writes()
	*v.latestBy(l) = w
	return *v.writes()
}

// observe records a read of version ver of line l.
func (v View) observe(l int, ver uint8) {
	if ver < *v.latest(l) {
		v.raise(FlagStaleRead)
	}
}

// storeMem writes ver to memory; writing an older version over a newer one
// loses a write.
func (v View) storeMem(l int, ver uint8) {
	if ver < *v.mem(l) {
		v.raise(FlagLostWrite)
	}
	*v.mem(l) = ver
}

// cpuLoad returns what a CPU load of line l sees, filling the cache.
func (v View) cpuLoad(l int) uint8 {
	s := &v.w.spec
	if s.Backing.uncached() {
		return *v.mem(l)
	}
	if *v.cpu(l)&lineState == lineInvalid {
		ver := *v.mem(l)
		// A coherent device cache holding the line dirty is snooped.
		for j, dv := range s.Devices {
			if dv.OwnCache && dv.Coherent && *v.devCache(j, l)&lineState == lineDirty {
				ver = *v.devCache(j, l) & lineVer
			}
		}
		*v.cpu(l) = lineOf(lineClean, ver)
	}
	return *v.cpu(l) & lineVer
}

// cpuView is the data the CPU sees in line l without filling the cache.
func (v View) cpuView(l int) uint8 {
	if *v.cpu(l)&lineState != lineInvalid {
		return *v.cpu(l) & lineVer
	}
	return *v.mem(l)
}

// devLoad returns what device d reads from line l.
func (v View) devLoad(d, l int) uint8 {
	dv := v.w.spec.Devices[d]
	if dv.Bounce {
		return *v.bounce(d, l)
	}
	if dv.OwnCache && *v.devCache(d, l)&lineState != lineInvalid {
		return *v.devCache(d, l) & lineVer
	}
	ver := *v.mem(l)
	if dv.Coherent && *v.cpu(l)&lineState == lineDirty {
		ver = *v.cpu(l) & lineVer // snooped from the CPU cache
	}
	if dv.OwnCache {
		*v.devCache(d, l) = lineOf(lineClean, ver)
	}
	return ver
}

// devStore lands a device write of version ver in line l.
func (v View) devStore(d, l int, ver uint8) {
	dv := v.w.spec.Devices[d]
	switch {
	case dv.Bounce:
		*v.bounce(d, l) = ver
	case dv.OwnCache:
		*v.devCache(d, l) = lineOf(lineDirty, ver)
		if dv.Coherent {
			*v.cpu(l) = 0
		}
	default:
		v.storeMem(l, ver)
		if dv.Coherent {
			*v.cpu(l) = 0 // snoop-invalidate
		}
	}
}

// clean writes a dirty CPU line back (arch clean to PoC).
func (v View) clean(l int) {
	v.count.clean()
	if *v.cpu(l)&lineState == lineDirty {
		v.storeMem(l, *v.cpu(l)&lineVer)
		*v.cpu(l) = lineOf(lineClean, *v.cpu(l)&lineVer)
	}
}

// invalidate drops a CPU line; a dirty line's data is lost.
func (v View) invalidate(l int) {
	v.count.invalidate()
	if *v.cpu(l)&lineState == lineDirty && *v.cpu(l)&lineVer > *v.mem(l) {
		v.raise(FlagLostWrite)
	}
	*v.cpu(l) = 0
}

// archForDevice is arch_sync_dma_for_device for a non-coherent device.
func (v View) archForDevice(dir uint8) {
	s := &v.w.spec
	for l := range s.Lines {
		switch {
		case s.Arch == X86:
		case s.Arch == ARM32 && dir == DirFrom:
			v.invalidate(l)
		default:
			v.clean(l)
		}
	}
}

// archForCPU is arch_sync_dma_for_cpu for a non-coherent device.
func (v View) archForCPU(dir uint8) {
	s := &v.w.spec
	if s.Arch == X86 || dir == DirTo {
		return
	}
	for l := range s.Lines {
		v.invalidate(l)
	}
}

// syncForDevice is dma_sync_*_for_device(dev, dir): the CPU's writes are
// made visible to the device.
func (v View) syncForDevice(d int, dir uint8) {
	s := &v.w.spec
	dv := s.Devices[d]
	if s.DMASyncsDeviceCaches {
		// Other masters' write-back caches are written back so that d sees
		// their data; d's own cache is dropped so that it refetches.
		for j, o := range s.Devices {
			if o.OwnCache {
				v.devCacheFlush(j, j == d)
			}
		}
	}
	if !dv.Coherent && !s.Backing.uncached() {
		v.archForDevice(dir)
	}
	if dv.Bounce && (dir == DirTo || dir == DirBidir) {
		for l := range s.Lines {
			*v.bounce(d, l) = v.cpuView(l) // swiotlb copies orig to the bounce slot
			v.count.bounceCopy()
		}
	}
}

// syncForCPU is dma_sync_*_for_cpu(dev, dir): the device's writes are made
// visible to the CPU.
func (v View) syncForCPU(d int, dir uint8) {
	s := &v.w.spec
	dv := s.Devices[d]
	if dv.OwnCache && s.DMASyncsDeviceCaches {
		v.devCacheFlush(d, true)
	}
	if !dv.Coherent && !s.Backing.uncached() {
		v.archForCPU(dir)
	}
	if dv.Bounce && (dir == DirFrom || dir == DirBidir) {
		for l := range s.Lines {
			// swiotlb copies the bounce slot back with CPU stores.
			v.count.bounceCopy()
			ver := *v.bounce(d, l)
			if ver < v.cpuView(l) {
				v.raise(FlagLostWrite)
			}
			if s.Backing.uncached() {
				v.storeMem(l, ver)
			} else {
				*v.cpu(l) = lineOf(lineDirty, ver)
			}
		}
	}
}

// devCacheFlush writes back (and with inval, drops) device d's own cache.
func (v View) devCacheFlush(d int, inval bool) {
	for l := range v.w.spec.Lines {
		v.count.deviceCacheOp()
		c := v.devCache(d, l)
		if *c&lineState == lineDirty {
			v.storeMem(l, *c&lineVer)
			*c = lineOf(lineClean, *c&lineVer)
		}
		if inval {
			*c = 0
		}
	}
}

// mapHook returns the exporter's map_dma_buf operation (validate makes
// sure there is one when the world has devices).
func (v View) mapHook() HookOp { return v.w.spec.Exporter.Map[0] }

// dmaMap is dma_map_sgtable(dev, dir, attrs) as the exporter calls it.
func (v View) dmaMap(d int, dir uint8) {
	op := v.mapHook()
	if op.Kind == OpIOMMUMapDirect {
		return // mapped into the device's IOMMU domain directly (drm/msm)
	}
	*v.dma(d) = dir
	if !op.SkipCPUSync && op.runsOn(v.hookRan(bufRanMap)) {
		v.syncForDevice(d, dir)
	}
	v.markRan(v.w.spec.Exporter.Map, bufRanMap)
}

// dmaUnmap is dma_unmap_sgtable(dev, dir, attrs).
func (v View) dmaUnmap(d int, dir uint8) {
	op := v.mapHook()
	if op.Kind == OpIOMMUMapDirect {
		return
	}
	if *v.dma(d) != dir {
		v.raise(FlagDMADebug) // unmap with another direction than mapped
	}
	if !op.SkipCPUSync {
		v.syncForCPU(d, dir)
	}
	*v.dma(d) = 0
}

// attach is dma_buf_attach / dma_buf_dynamic_attach and the exporter's
// attach callback.
func (v View) attach(d int) {
	s := &v.w.spec
	dv := s.Devices[d]
	for _, op := range s.Exporter.Attach {
		if op.Kind == OpRejectNonCoherent && !dv.Coherent {
			*v.att(d) = attRejected
			*v.err(d) = errInval
			return
		}
	}
	*v.att(d) = attAttached
	*v.err(d) = errNone
	if dv.Dynamic != s.Exporter.Dynamic {
		// Mixed static/dynamic: the core pins (dynamic exporter) and maps
		// BIDIRECTIONAL at attach time, caching the sg table.
		if s.Exporter.Dynamic {
			*v.att(d) |= attPinned
		}
		*v.mp(d) = DirBidir << 2
		v.dmaMap(d, DirBidir)
	}
}

// detach is dma_buf_detach.
func (v View) detach(d int) {
	s := &v.w.spec
	if v.jobKind(d) != jobIdle {
		v.raise(FlagUseAfterFree) // the job's DMA goes on into freed mappings
		*v.job(d) = 0
	}
	if cd := v.cached(d); cd != 0 {
		// The core unmaps the cached sg table (and unpins what it pinned
		// for a static importer of a dynamic exporter).
		v.dmaUnmap(d, cd)
	} else if h := v.held(d); h != 0 {
		v.dmaUnmap(d, h)
	}
	dv := s.Devices[d]
	// A coherent device's cache takes part in coherence: its dirty lines
	// reach memory. Data only a non-coherent device still holds is gone
	// with it: a dirty line of its own cache, or a bounce slot never
	// copied back.
	if dv.OwnCache && dv.Coherent {
		v.devCacheFlush(d, true)
	}
	for l := range s.Lines {
		if dv.OwnCache && *v.devCache(d, l)&lineState == lineDirty && *v.devCache(d, l)&lineVer > *v.mem(l) ||
			dv.Bounce && *v.bounce(d, l) > v.cpuView(l) {
			v.raise(FlagLostWrite)
		}
	}
	dl := v.w.lay.dev[d]
	for _, off := range []int{dl.att, dl.mp, dl.dma, dl.job, dl.err} {
		v.b[off] = 0
	}
	for l := range s.Lines {
		if dl.cache >= 0 {
			v.b[dl.cache+l] = 0
		}
		if dl.bounce >= 0 {
			v.b[dl.bounce+l] = 0
		}
	}
}

// mapAttachment is dma_buf_map_attachment(attach, dir).
func (v View) mapAttachment(d int, dir uint8) {
	if cd := v.cached(d); cd != 0 {
		if cd != dir && cd != DirBidir && !v.w.spec.Exporter.CacheSGTFirstDir {
			*v.err(d) = errBusy // one direction per attachment
			return
		}
		if cd != dir && cd != DirBidir {
			// The past rule (CacheSGTFirstDir): the table mapped for the
			// first caller is returned for this one too; the importer
			// holds the direction it asked for, the DMA API keeps cd.
			*v.err(d) = errNone
			*v.mp(d) = *v.mp(d)&^mapHeld | dir | mapFresh
			return
		}
		// The cached sg table is returned as it is.
		*v.err(d) = errNone
		*v.mp(d) = *v.mp(d)&^mapHeld | cd | mapFresh
		return
	}
	*v.err(d) = errNone
	v.dmaMap(d, dir)
	*v.mp(d) = dir | mapFresh
	if v.w.spec.Exporter.CacheSGT {
		*v.mp(d) |= dir << 2
	}
}

func (c *core) init(s []byte) {
	// Everything starts at zero: version 0 in memory, caches invalid,
	// nothing attached, every agent at the start of its program; then
	// the families whose objects start otherwise.
	clear(s)
	View{w: c, b: s}.cacheInitial()
	View{w: c, b: s}.lockInit()
	View{w: c, b: s}.lifeInit()
}
