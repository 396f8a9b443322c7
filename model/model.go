package model

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is the kind of an action; each names the kernel function (or
// hardware event) it stands for. docs/model.md maps every kind to the
// kernel source.
type Kind uint8

// Action kinds.
const (
	// CPU through user space: DMA_BUF_IOCTL_SYNC and the mmap.
	KSyncStart   Kind = iota // DMA_BUF_IOCTL_SYNC(START|dir): begin_cpu_access step 1
	KBeginWait               // begin_cpu_access step 2: dma_resv_wait_timeout(usage_rw(write))
	KSyncEnd                 // DMA_BUF_IOCTL_SYNC(END|dir): end_cpu_access
	KSyncInvalid             // DMA_BUF_IOCTL_SYNC with invalid flags: -EINVAL
	KCPURead                 // load from the mmap
	KCPUWrite                // store to the mmap
	// CPU cache hardware (adversary).
	KWriteback // a dirty line is written back
	KEvict     // a clean line is dropped
	KPrefetch  // speculative fill of an invalid line
	// Importer driver.
	KAttach        // dma_buf_attach / dma_buf_dynamic_attach
	KDetach        // dma_buf_detach
	KMap           // dma_buf_map_attachment(dir)
	KUnmap         // dma_buf_unmap_attachment
	KPin           // dma_buf_pin
	KUnpin         // dma_buf_unpin
	KJobRead       // device DMA read job starts (reads at start)
	KJobWrite      // device DMA write job starts
	KJobDone       // job completes (a write lands) and its fence signals
	KSyncForCPU    // dma_sync_sgtable_for_cpu by the importer's driver
	KSyncForDevice // dma_sync_sgtable_for_device by the importer's driver
	// Device's own cache (adversary).
	KDevWriteback
	KDevEvict
	// Exporter and file lifetime.
	KMoveNotify // exporter moves the buffer: dma_buf_move_notify
	KRelease    // last dma_buf_put: dma_buf_release
	numKinds
)

var kindNames = [numKinds]string{
	KSyncStart: "DMA_BUF_IOCTL_SYNC(START|%s)", KBeginWait: "dma_resv_wait_timeout(%s) in begin_cpu_access(%s)",
	KSyncEnd: "DMA_BUF_IOCTL_SYNC(END|%s)", KSyncInvalid: "DMA_BUF_IOCTL_SYNC(%s) = -EINVAL",
	KCPURead: "cpu_read(line %d)", KCPUWrite: "cpu_write(line %d)",
	KWriteback: "cache_writeback(line %d)", KEvict: "cache_evict(line %d)", KPrefetch: "cache_prefetch(line %d)",
	KAttach: "dma_buf_attach(%s)", KDetach: "dma_buf_detach(%s)", KMap: "dma_buf_map_attachment(%s, %s)",
	KUnmap: "dma_buf_unmap_attachment(%s)", KPin: "dma_buf_pin(%s)", KUnpin: "dma_buf_unpin(%s)",
	KJobRead: "%s: DMA read job (line %d)", KJobWrite: "%s: DMA write job (line %d)",
	KJobDone: "%s: job done, fence signalled", KSyncForCPU: "dma_sync_sgtable_for_cpu(%s)",
	KSyncForDevice: "dma_sync_sgtable_for_device(%s)", KDevWriteback: "%s: device cache writeback(line %d)",
	KDevEvict: "%s: device cache evict(line %d)", KMoveNotify: "dma_buf_move_notify",
	KRelease: "dma_buf_put (last reference): dma_buf_release",
}

// act is one entry of the action table.
type act struct {
	kind Kind
	dev  int   // device index, or -1
	line int   // cache line, or -1
	dir  uint8 // DMA dir for KMap; SYNC dir (1..3) for the CPU; raw flags for KSyncInvalid
}

// Model is the DMA-buf protocol for one Config. It implements
// statespace.Model[State].
type Model struct {
	cfg   Config
	table []act
	names []string
}

var dirNames = [4]string{"", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_BIDIRECTIONAL"}
var syncNames = [4]string{"", "READ", "WRITE", "RW"}

// New builds the model for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	m := &Model{cfg: cfg}
	add := func(a act, name string) {
		m.table = append(m.table, a)
		m.names = append(m.names, name)
	}
	startName, endName := kindNames[KSyncStart], kindNames[KSyncEnd]
	names := syncNames
	if cfg.KernelCPU {
		startName, endName = "dma_buf_begin_cpu_access(%s)", "dma_buf_end_cpu_access(%s)"
		// DMA_BUF_IOCTL_SYNC maps READ to DMA_FROM_DEVICE, WRITE to
		// DMA_TO_DEVICE and RW to DMA_BIDIRECTIONAL.
		names = [4]string{"", dirNames[DirFrom], dirNames[DirTo], dirNames[DirBidir]}
	}
	for d := uint8(1); d <= 3; d++ {
		add(act{kind: KSyncStart, dev: -1, line: -1, dir: d}, fmt.Sprintf(startName, names[d]))
	}
	for d := uint8(1); d <= 3; d++ {
		usage := "DMA_RESV_USAGE_WRITE"
		if d&cpuWrite != 0 {
			usage = "DMA_RESV_USAGE_READ"
		}
		add(act{kind: KBeginWait, dev: -1, line: -1, dir: d}, fmt.Sprintf(kindNames[KBeginWait], usage, names[d]))
	}
	for d := uint8(1); d <= 3; d++ {
		add(act{kind: KSyncEnd, dev: -1, line: -1, dir: d}, fmt.Sprintf(endName, names[d]))
	}
	if !cfg.KernelCPU {
		add(act{kind: KSyncInvalid, dev: -1, line: -1, dir: 0}, fmt.Sprintf(kindNames[KSyncInvalid], "START"))
		add(act{kind: KSyncInvalid, dev: -1, line: -1, dir: 8}, fmt.Sprintf(kindNames[KSyncInvalid], "0x8"))
	}
	for l := range cfg.Lines {
		add(act{kind: KCPURead, dev: -1, line: l}, fmt.Sprintf(kindNames[KCPURead], l))
		add(act{kind: KCPUWrite, dev: -1, line: l}, fmt.Sprintf(kindNames[KCPUWrite], l))
		if !cfg.Backing.uncached() {
			add(act{kind: KWriteback, dev: -1, line: l}, fmt.Sprintf(kindNames[KWriteback], l))
			add(act{kind: KEvict, dev: -1, line: l}, fmt.Sprintf(kindNames[KEvict], l))
			add(act{kind: KPrefetch, dev: -1, line: l}, fmt.Sprintf(kindNames[KPrefetch], l))
		}
	}
	for i, dv := range cfg.Devices {
		n := m.devName(i)
		add(act{kind: KAttach, dev: i, line: -1}, fmt.Sprintf(kindNames[KAttach], n))
		add(act{kind: KDetach, dev: i, line: -1}, fmt.Sprintf(kindNames[KDetach], n))
		for dir := DirTo; dir <= DirBidir; dir++ {
			add(act{kind: KMap, dev: i, line: -1, dir: dir}, fmt.Sprintf(kindNames[KMap], n, dirNames[dir]))
		}
		add(act{kind: KUnmap, dev: i, line: -1}, fmt.Sprintf(kindNames[KUnmap], n))
		if dv.Dynamic && cfg.Exporter.Dynamic {
			add(act{kind: KPin, dev: i, line: -1}, fmt.Sprintf(kindNames[KPin], n))
			add(act{kind: KUnpin, dev: i, line: -1}, fmt.Sprintf(kindNames[KUnpin], n))
		}
		for l := range cfg.Lines {
			add(act{kind: KJobRead, dev: i, line: l}, fmt.Sprintf(kindNames[KJobRead], n, l))
			add(act{kind: KJobWrite, dev: i, line: l}, fmt.Sprintf(kindNames[KJobWrite], n, l))
		}
		add(act{kind: KJobDone, dev: i, line: -1}, fmt.Sprintf(kindNames[KJobDone], n))
		if cfg.Discipline.SyncUnmapped {
			add(act{kind: KSyncForCPU, dev: i, line: -1}, fmt.Sprintf(kindNames[KSyncForCPU], n))
			add(act{kind: KSyncForDevice, dev: i, line: -1}, fmt.Sprintf(kindNames[KSyncForDevice], n))
		}
		if dv.OwnCache {
			for l := range cfg.Lines {
				add(act{kind: KDevWriteback, dev: i, line: l}, fmt.Sprintf(kindNames[KDevWriteback], n, l))
				add(act{kind: KDevEvict, dev: i, line: l}, fmt.Sprintf(kindNames[KDevEvict], n, l))
			}
		}
	}
	if cfg.Exporter.Dynamic {
		add(act{kind: KMoveNotify, dev: -1, line: -1}, kindNames[KMoveNotify])
	}
	add(act{kind: KRelease, dev: -1, line: -1}, kindNames[KRelease])
	return m, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

func (m *Model) devName(i int) string {
	if n := m.cfg.Devices[i].Name; n != "" {
		return n
	}
	return fmt.Sprintf("dev%d", i)
}

// Init returns the start state: the buffer exported and filled with
// version 0, nothing attached, the CPU outside any bracket.
func (m *Model) Init() []State { return []State{{}} }

// ActionNames returns the action table's labels, named after the kernel
// functions.
func (m *Model) ActionNames() []string { return m.names }

// KindOf returns the kind and device of action a (device -1 for none).
func (m *Model) KindOf(a statespace.Action) (Kind, int) {
	return m.table[a].kind, m.table[a].dev
}

// Actor names the agent of action a: "cpu" (user space or the kernel
// through the mmap/vmap), "cpu-cache" (the hardware), "exporter", or the
// device's name.
func (m *Model) Actor(a statespace.Action) string {
	t := &m.table[a]
	switch t.kind {
	case KWriteback, KEvict, KPrefetch:
		return "cpu-cache"
	case KMoveNotify, KRelease:
		return "exporter"
	}
	if t.dev >= 0 {
		return m.devName(t.dev)
	}
	return "cpu"
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

// Step returns the successor of s under a.
func (m *Model) Step(s *State, a statespace.Action) State {
	n := *s
	m.apply(&n, &m.table[a], nil)
	return n
}

// Ops counts the cache maintenance a step performed.
type Ops struct {
	Cleans, Invalidates, BounceCopies, DeviceCacheOps int
}

// Add adds o2 to o.
func (o *Ops) Add(o2 Ops) {
	o.Cleans += o2.Cleans
	o.Invalidates += o2.Invalidates
	o.BounceCopies += o2.BounceCopies
	o.DeviceCacheOps += o2.DeviceCacheOps
}

// Total is the number of maintenance operations.
func (o Ops) Total() int { return o.Cleans + o.Invalidates + o.BounceCopies + o.DeviceCacheOps }

// StepCounting is Step that also reports the cache maintenance done.
func (m *Model) StepCounting(s *State, a statespace.Action) (State, Ops) {
	n := *s
	var ops Ops
	m.apply(&n, &m.table[a], &ops)
	return n, ops
}

func (m *Model) enabled(s *State, a *act) bool {
	c := &m.cfg
	dis := &c.Discipline
	if s.Buf == BufFreed {
		return false // released: nothing touches the buffer any more
	}
	cpuPhase, cpuDir := s.phase(), s.accessDir()
	switch a.kind {
	case KSyncStart:
		if dis.MapAroundEveryJob {
			// Map, job, unmap is one access: the CPU does not start one
			// while an importer holds a mapping.
			for j := range c.Devices {
				if s.Dev[j].held() != 0 {
					return false
				}
			}
		}
		return cpuPhase == phaseIdle
	case KBeginWait:
		return cpuPhase == phaseBegun && cpuDir == a.dir && !m.cpuMustWait(s, a.dir)
	case KSyncEnd:
		if cpuPhase == phaseInside && cpuDir == a.dir {
			return true
		}
		return dis.EndWithoutBegin && cpuPhase == phaseIdle
	case KSyncInvalid:
		return cpuPhase == phaseIdle
	case KCPURead, KCPUWrite:
		want := uint8(cpuRead)
		if a.kind == KCPUWrite {
			want = cpuWrite
			if s.Writes >= uint8(c.Writes) {
				return false
			}
		}
		if cpuPhase == phaseInside && cpuDir&want != 0 {
			return true
		}
		return dis.UnbracketedCPU && cpuPhase == phaseIdle
	case KWriteback:
		return s.CPU[a.line]&lineState == LineDirty
	case KEvict:
		return s.CPU[a.line]&lineState == LineClean
	case KPrefetch:
		return s.CPU[a.line]&lineState == LineInvalid
	}
	d := &s.Dev[max(a.dev, 0)]
	dv := Device{}
	if a.dev >= 0 {
		dv = c.Devices[a.dev]
	}
	switch a.kind {
	case KAttach:
		return d.Att&attMask != AttAttached && d.Att&attMask != AttRejected
	case KDetach:
		if !d.attached() {
			return false
		}
		if d.Att&AttPinned != 0 && dv.Dynamic {
			return false // a dynamic importer unpins before it detaches
		}
		if dis.DetachWithJobInFlight {
			return true // tears everything down at once, DMA running or not
		}
		// The importer waits for its DMA and unmaps before it detaches.
		return d.held() == 0 && d.jobKind() == jobIdle
	case KMap, KUnmap:
		// User space orders mapping changes against its own CPU access (a
		// map or unmap syncs caches under the CPU's feet otherwise).
		if cpuPhase != phaseIdle && !dis.MapDuringCPUAccess {
			return false
		}
		if a.kind == KMap {
			return d.attached() && d.held() == 0 && d.jobKind() == jobIdle
		}
		return d.attached() && d.held() != 0 && d.jobKind() == jobIdle
	case KPin:
		return d.attached() && d.Att&AttPinned == 0
	case KUnpin:
		return d.attached() && d.Att&AttPinned != 0
	case KJobRead, KJobWrite:
		if !d.attached() || d.jobKind() != jobIdle {
			return false
		}
		held := d.held()
		if a.kind == KJobRead && !readsAllowed(held) || a.kind == KJobWrite && !writesAllowed(held) {
			return false
		}
		if a.kind == KJobWrite && s.Writes >= uint8(c.Writes) {
			return false
		}
		if d.Map&MapStale != 0 && !dis.IgnoreMoveNotify {
			return false
		}
		if dis.MapAroundEveryJob && d.Map&MapFresh == 0 {
			return false
		}
		// Implicit sync: the job's dependencies are the other jobs' fences
		// (dma_resv_usage_rw): a reader waits for writers, a writer for all.
		for j := range c.Devices {
			if j == a.dev {
				continue
			}
			if k := s.Dev[j].jobKind(); k == jobWrite || k == jobRead && a.kind == KJobWrite {
				return false
			}
		}
		// User space orders CPU access and device jobs: no job while the
		// CPU is inside a conflicting bracket.
		if cpuPhase != phaseIdle && !dis.RaceCPUAndDevice {
			if cpuDir&cpuWrite != 0 || a.kind == KJobWrite {
				return false
			}
		}
		return true
	case KJobDone:
		return d.jobKind() != jobIdle
	case KSyncForCPU, KSyncForDevice:
		// The misbehaving driver syncs whenever it likes, mapped or not.
		return d.attached() && d.jobKind() == jobIdle
	case KDevWriteback:
		return dv.OwnCache && d.Cache[a.line]&lineState == LineDirty
	case KDevEvict:
		return dv.OwnCache && d.Cache[a.line]&lineState == LineClean
	case KMoveNotify:
		// The exporter may move an unpinned buffer once every job's fence
		// has signalled (it waits for them; fences are the next issue).
		for j := range c.Devices {
			dj := &s.Dev[j]
			if dj.Att&AttPinned != 0 || dj.jobKind() != jobIdle {
				return false
			}
		}
		return cpuPhase == phaseIdle
	case KRelease:
		if cpuPhase != phaseIdle {
			return false // the mmap holds a file reference while in use
		}
		if dis.ReleaseWhileAttached {
			return true
		}
		for j := range c.Devices {
			if s.Dev[j].attached() {
				return false
			}
		}
		return cpuPhase == phaseIdle
	}
	return false
}

// cpuMustWait is the implicit fence wait of begin_cpu_access: a CPU read
// waits for device writes, a CPU write for every device job.
func (m *Model) cpuMustWait(s *State, dir uint8) bool {
	for j := range m.cfg.Devices {
		k := s.Dev[j].jobKind()
		if k == jobWrite || k == jobRead && dir&cpuWrite != 0 {
			return true
		}
	}
	return false
}

// tracksSGT reports whether the state records that a begin_cpu_access has
// run (Exporter.EndNeedsBegin, and a discipline that can end unbegun).
func (m *Model) tracksSGT() bool {
	return m.cfg.Exporter.EndNeedsBegin && m.cfg.Discipline.EndWithoutBegin
}

// beginHook runs the exporter's begin_cpu_access hook.
func (m *Model) beginHook(s *State, ops *Ops) {
	if m.tracksSGT() {
		s.Access |= accessSGT
	}
	m.exporterHook(s, m.cfg.Exporter.BeginSync, true, ops)
}

func (m *Model) apply(s *State, a *act, ops *Ops) {
	c := &m.cfg
	switch a.kind {
	case KSyncStart:
		s.SyncErr = ErrNone
		s.setAccess(phaseBegun, a.dir)

		if !c.Exporter.WaitBeforeHook {
			m.beginHook(s, ops)
		}
	case KBeginWait:
		s.setAccess(phaseInside, a.dir)
		if c.Exporter.WaitBeforeHook {
			m.beginHook(s, ops)
		}
	case KSyncEnd:
		s.SyncErr = ErrNone
		if s.phase() != phaseInside || s.accessDir() != a.dir {
			s.Ghost |= FlagPairing
		}
		s.setAccess(phaseIdle, 0)
		if m.tracksSGT() && !s.sgtCreated() {
			// end_cpu_udmabuf: if (!ubuf->sg) return -EINVAL;
			s.SyncErr = ErrInval
			break
		}
		m.exporterHook(s, c.Exporter.EndSync, false, ops)
	case KSyncInvalid:
		// dma_buf_ioctl: flags outside DMA_BUF_SYNC_VALID_FLAGS_MASK, or
		// neither READ nor WRITE: -EINVAL and nothing else happens.
		s.SyncErr = ErrInval
	case KCPURead:
		if s.phase() != phaseInside {
			// Through the mmap without SYNC: unbracketed access is a
			// pairing violation in its own right.
			s.Ghost |= FlagPairing
		}
		m.observe(s, a.line, m.cpuLoad(s, a.line))
	case KCPUWrite:
		if s.phase() != phaseInside {
			s.Ghost |= FlagPairing
		}
		v := m.newVersion(s, a.line, WriterCPU)
		if c.Backing.uncached() {
			m.storeMem(s, a.line, v)
		} else {
			s.CPU[a.line] = lineOf(LineDirty, v)
		}
		// A coherent device with its own cache loses its copy (snooped).
		for j, dv := range c.Devices {
			if dv.OwnCache && dv.Coherent {
				s.Dev[j].Cache[a.line] = 0
			}
		}
	case KWriteback:
		m.storeMem(s, a.line, s.CPU[a.line]&lineVer)
		s.CPU[a.line] = lineOf(LineClean, s.CPU[a.line]&lineVer)
	case KEvict:
		s.CPU[a.line] = 0
	case KPrefetch:
		s.CPU[a.line] = lineOf(LineClean, s.Mem[a.line])
	case KAttach:
		m.attach(s, a.dev, ops)
	case KDetach:
		d := &s.Dev[a.dev]
		if d.jobKind() != jobIdle {
			s.Ghost |= FlagUseAfterFree // the job's DMA goes on into freed mappings
			d.Job = 0
		}
		if cd := d.cached(); cd != 0 {
			// The core unmaps the cached sg table (and unpins what it
			// pinned for a static importer of a dynamic exporter).
			m.dmaUnmap(s, a.dev, cd, ops)
		} else if h := d.held(); h != 0 {
			m.dmaUnmap(s, a.dev, h, ops)
		}
		// A coherent device's cache takes part in coherence: its dirty
		// lines reach memory. Data only a non-coherent device still holds
		// is gone with it: a dirty line of its own cache, or a bounce slot
		// never copied back.
		if c.Devices[a.dev].OwnCache && c.Devices[a.dev].Coherent {
			m.devCacheFlush(s, a.dev, true, ops)
		}
		for l := range c.Lines {
			if d.Cache[l]&lineState == LineDirty && d.Cache[l]&lineVer > s.Mem[l] ||
				c.Devices[a.dev].Bounce && d.Bounce[l] > m.cpuView(s, l) {
				s.Ghost |= FlagLostWrite
			}
		}
		*d = DevState{}
	case KMap:
		m.mapAttachment(s, a.dev, a.dir, ops)
	case KUnmap:
		d := &s.Dev[a.dev]
		if !c.Exporter.CacheSGT && d.cached() == 0 {
			m.dmaUnmap(s, a.dev, d.held(), ops)
		}
		d.Map &^= mapHeld | MapStale | MapFresh
	case KPin:
		s.Dev[a.dev].Att |= AttPinned
	case KUnpin:
		s.Dev[a.dev].Att &^= AttPinned
	case KJobRead:
		d := &s.Dev[a.dev]
		if d.Map&MapStale != 0 {
			s.Ghost |= FlagNoMapping // DMA through a mapping move_notify invalidated
		}
		if c.Discipline.ImporterSyncs {
			m.driverSync(s, a.dev, false, ops)
		}
		v := m.devLoad(s, a.dev, a.line)
		d.Job = jobRead | uint8(a.line)<<2 | v<<3
		d.Map &^= MapFresh
		m.observe(s, a.line, v)
	case KJobWrite:
		d := &s.Dev[a.dev]
		if d.Map&MapStale != 0 {
			s.Ghost |= FlagNoMapping
		}
		d.Job = jobWrite | uint8(a.line)<<2
		d.Map &^= MapFresh
		if c.Discipline.ImporterSyncs {
			m.driverSync(s, a.dev, false, ops)
		}
	case KJobDone:
		d := &s.Dev[a.dev]
		if d.jobKind() == jobWrite {
			l := d.jobLine()
			v := m.newVersion(s, l, WriterDevice0+uint8(a.dev))
			m.devStore(s, a.dev, l, v)
		}
		d.Job = 0
		if c.Discipline.ImporterSyncs {
			m.driverSync(s, a.dev, true, ops)
		}
		if c.Discipline.MapAroundEveryJob && d.cached() == 0 {
			// The importer unmaps right after the job, before the fence
			// signals: the unmap is where the CPU-side maintenance happens.
			m.dmaUnmap(s, a.dev, d.held(), ops)
			d.Map &^= mapHeld | MapStale | MapFresh
		}
	case KSyncForCPU, KSyncForDevice:
		m.driverSync(s, a.dev, a.kind == KSyncForCPU, ops)
	case KDevWriteback:
		d := &s.Dev[a.dev]
		m.storeMem(s, a.line, d.Cache[a.line]&lineVer)
		d.Cache[a.line] = lineOf(LineClean, d.Cache[a.line]&lineVer)
	case KDevEvict:
		s.Dev[a.dev].Cache[a.line] = 0
	case KMoveNotify:
		// The exporter copies the data to the new location (through the
		// CPU's view), the CPU's mmap is zapped and refaults there, and
		// every dynamic importer's mapping now points at the old pages.
		for l := range c.Lines {
			if s.CPU[l]&lineState == LineDirty {
				s.Mem[l] = s.CPU[l] & lineVer
			}
			s.CPU[l] = 0
		}
		for j := range c.Devices {
			d := &s.Dev[j]
			if d.attached() && d.Map&(mapHeld|mapCached) != 0 && c.Devices[j].Dynamic {
				d.Map |= MapStale
			}
		}
	case KRelease:
		for j := range c.Devices {
			if s.Dev[j].attached() {
				s.Ghost |= FlagUseAfterFree // released while attached: the importer still holds a pointer
			}
		}
		if s.phase() != phaseIdle {
			s.Ghost |= FlagPairing
		}
		s.Buf = BufFreed
	}
}

// driverSync is the importer's driver calling dma_sync_sgtable_for_cpu (or
// _for_device) on its sg table, in the direction it holds.
func (m *Model) driverSync(s *State, d int, forCPU bool, ops *Ops) {
	ds := &s.Dev[d]
	dir := ds.DMA
	if dir == 0 {
		// dma_sync on an sg table that was never dma_map'ed: dma-debug
		// warns. Behind an IOMMU the sync maintains the pages by physical
		// address and works; on dma-direct it uses the garbage
		// sg_dma_address and maintains some other memory.
		s.Ghost |= FlagDMADebug
		if !m.cfg.Devices[d].IOMMU {
			return
		}
		dir = ds.held()
		if dir == 0 {
			dir = DirBidir
		}
	} else if held := ds.held(); held != 0 && held != dir {
		s.Ghost |= FlagDMADebug // sync with another direction than mapped
	}
	if forCPU {
		m.syncForCPU(s, d, dir, ops)
	} else {
		m.syncForDevice(s, d, dir, ops)
	}
}

// newVersion records a completed write to line l by writer w.
func (m *Model) newVersion(s *State, l int, w uint8) uint8 {
	s.Writes++
	s.Latest[l] = s.Writes
	s.LatestBy[l] = w
	return s.Writes
}

// observe records a read of version v of line l.
func (m *Model) observe(s *State, l int, v uint8) {
	if v < s.Latest[l] {
		s.Ghost |= FlagStaleRead
	}
}

// storeMem writes v to memory; writing an older version over a newer one
// loses a write.
func (m *Model) storeMem(s *State, l int, v uint8) {
	if v < s.Mem[l] {
		s.Ghost |= FlagLostWrite
	}
	s.Mem[l] = v
}

// cpuLoad returns what a CPU load of line l sees, filling the cache.
func (m *Model) cpuLoad(s *State, l int) uint8 {
	if m.cfg.Backing.uncached() {
		return s.Mem[l]
	}
	if s.CPU[l]&lineState == LineInvalid {
		v := s.Mem[l]
		// A coherent device cache holding the line dirty is snooped.
		for j, dv := range m.cfg.Devices {
			if dv.OwnCache && dv.Coherent && s.Dev[j].Cache[l]&lineState == LineDirty {
				v = s.Dev[j].Cache[l] & lineVer
			}
		}
		s.CPU[l] = lineOf(LineClean, v)
	}
	return s.CPU[l] & lineVer
}

// cpuView is the data the CPU sees in line l without filling the cache.
func (m *Model) cpuView(s *State, l int) uint8 {
	if s.CPU[l]&lineState != LineInvalid {
		return s.CPU[l] & lineVer
	}
	return s.Mem[l]
}

// devLoad returns what device d reads from line l.
func (m *Model) devLoad(s *State, d, l int) uint8 {
	dv := m.cfg.Devices[d]
	ds := &s.Dev[d]
	if dv.Bounce {
		return ds.Bounce[l]
	}
	if dv.OwnCache && ds.Cache[l]&lineState != LineInvalid {
		return ds.Cache[l] & lineVer
	}
	v := s.Mem[l]
	if dv.Coherent && s.CPU[l]&lineState == LineDirty {
		v = s.CPU[l] & lineVer // snooped from the CPU cache
	}
	if dv.OwnCache {
		ds.Cache[l] = lineOf(LineClean, v)
	}
	return v
}

// devStore lands a device write of version v in line l.
func (m *Model) devStore(s *State, d, l int, v uint8) {
	dv := m.cfg.Devices[d]
	ds := &s.Dev[d]
	switch {
	case dv.Bounce:
		ds.Bounce[l] = v
	case dv.OwnCache:
		ds.Cache[l] = lineOf(LineDirty, v)
		if dv.Coherent {
			s.CPU[l] = 0
		}
	default:
		m.storeMem(s, l, v)
		if dv.Coherent {
			s.CPU[l] = 0 // snoop-invalidate
		}
	}
}

// clean writes a dirty CPU line back (arch clean to PoC).
func (m *Model) clean(s *State, l int, ops *Ops) {
	if ops != nil {
		ops.Cleans++
	}
	if s.CPU[l]&lineState == LineDirty {
		m.storeMem(s, l, s.CPU[l]&lineVer)
		s.CPU[l] = lineOf(LineClean, s.CPU[l]&lineVer)
	}
}

// invalidate drops a CPU line; a dirty line's data is lost.
func (m *Model) invalidate(s *State, l int, ops *Ops) {
	if ops != nil {
		ops.Invalidates++
	}
	if s.CPU[l]&lineState == LineDirty && s.CPU[l]&lineVer > s.Mem[l] {
		s.Ghost |= FlagLostWrite
	}
	s.CPU[l] = 0
}

// archForDevice is arch_sync_dma_for_device for a non-coherent device.
func (m *Model) archForDevice(s *State, dir uint8, ops *Ops) {
	for l := range m.cfg.Lines {
		switch {
		case m.cfg.Arch == X86:
		case m.cfg.Arch == ARM32 && dir == DirFrom:
			m.invalidate(s, l, ops)
		default:
			m.clean(s, l, ops)
		}
	}
}

// archForCPU is arch_sync_dma_for_cpu for a non-coherent device.
func (m *Model) archForCPU(s *State, dir uint8, ops *Ops) {
	if m.cfg.Arch == X86 || dir == DirTo {
		return
	}
	for l := range m.cfg.Lines {
		m.invalidate(s, l, ops)
	}
}

// syncForDevice is dma_sync_*_for_device(dev, dir): the CPU's writes are
// made visible to the device.
func (m *Model) syncForDevice(s *State, d int, dir uint8, ops *Ops) {
	dv := m.cfg.Devices[d]
	if m.cfg.Exporter.SyncDeviceCaches {
		// Other masters' write-back caches are written back so that d sees
		// their data; d's own cache is dropped so that it refetches.
		for j, o := range m.cfg.Devices {
			if o.OwnCache {
				m.devCacheFlush(s, j, j == d, ops)
			}
		}
	}
	if !dv.Coherent && !m.cfg.Backing.uncached() {
		m.archForDevice(s, dir, ops)
	}
	if dv.Bounce && (dir == DirTo || dir == DirBidir) {
		for l := range m.cfg.Lines {
			s.Dev[d].Bounce[l] = m.cpuView(s, l) // swiotlb copies orig to the bounce slot
			if ops != nil {
				ops.BounceCopies++
			}
		}
	}
}

// syncForCPU is dma_sync_*_for_cpu(dev, dir): the device's writes are made
// visible to the CPU.
func (m *Model) syncForCPU(s *State, d int, dir uint8, ops *Ops) {
	dv := m.cfg.Devices[d]
	if dv.OwnCache && m.cfg.Exporter.SyncDeviceCaches {
		m.devCacheFlush(s, d, true, ops)
	}
	if !dv.Coherent && !m.cfg.Backing.uncached() {
		m.archForCPU(s, dir, ops)
	}
	if dv.Bounce && (dir == DirFrom || dir == DirBidir) {
		for l := range m.cfg.Lines {
			// swiotlb copies the bounce slot back into the buffer with CPU
			// stores.
			v := s.Dev[d].Bounce[l]
			if v < m.cpuView(s, l) {
				s.Ghost |= FlagLostWrite
			}
			if m.cfg.Backing.uncached() {
				m.storeMem(s, l, v)
			} else {
				s.CPU[l] = lineOf(LineDirty, v)
			}
			if ops != nil {
				ops.BounceCopies++
			}
		}
	}
}

// devCacheFlush writes back (and with inval, drops) device d's own cache.
func (m *Model) devCacheFlush(s *State, d int, inval bool, ops *Ops) {
	ds := &s.Dev[d]
	for l := range m.cfg.Lines {
		if ops != nil {
			ops.DeviceCacheOps++
		}
		if ds.Cache[l]&lineState == LineDirty {
			m.storeMem(s, l, ds.Cache[l]&lineVer)
			ds.Cache[l] = lineOf(LineClean, ds.Cache[l]&lineVer)
		}
		if inval {
			ds.Cache[l] = 0
		}
	}
}

// dmaMap is dma_map_sgtable(dev, dir, attrs) as the exporter calls it.
func (m *Model) dmaMap(s *State, d int, dir uint8, ops *Ops) {
	if m.cfg.Exporter.MapBypassesDMAAPI {
		return // mapped into the device's IOMMU domain directly (drm/msm)
	}
	s.Dev[d].DMA = dir
	if !m.cfg.Exporter.MapSkipCPUSync {
		m.syncForDevice(s, d, dir, ops)
	}
}

// dmaUnmap is dma_unmap_sgtable(dev, dir, attrs).
func (m *Model) dmaUnmap(s *State, d int, dir uint8, ops *Ops) {
	if m.cfg.Exporter.MapBypassesDMAAPI {
		return
	}
	if s.Dev[d].DMA != dir {
		s.Ghost |= FlagDMADebug // unmap with another direction than mapped
	}
	if !m.cfg.Exporter.MapSkipCPUSync {
		m.syncForCPU(s, d, dir, ops)
	}
	s.Dev[d].DMA = 0
}

// attach is dma_buf_attach / dma_buf_dynamic_attach and the exporter's
// attach callback.
func (m *Model) attach(s *State, d int, ops *Ops) {
	c := &m.cfg
	dv := c.Devices[d]
	ds := &s.Dev[d]
	if c.Exporter.RejectNonCoherent && !dv.Coherent {
		ds.Att = AttRejected
		ds.Err = ErrInval
		return
	}
	ds.Att = AttAttached
	ds.Err = ErrNone
	if dv.Dynamic != c.Exporter.Dynamic {
		// Mixed static/dynamic: the core pins (dynamic exporter) and maps
		// BIDIRECTIONAL at attach time, caching the sg table.
		if c.Exporter.Dynamic {
			ds.Att |= AttPinned
		}
		ds.Map = DirBidir << 2
		m.dmaMap(s, d, DirBidir, ops)
	}
}

// mapAttachment is dma_buf_map_attachment(attach, dir).
func (m *Model) mapAttachment(s *State, d int, dir uint8, ops *Ops) {
	ds := &s.Dev[d]
	if cd := ds.cached(); cd != 0 {
		if cd != dir && cd != DirBidir {
			ds.Err = ErrBusy // one direction per attachment
			return
		}
		// The cached sg table is returned as it is (a cached table never
		// moves: dynamic exporters cannot cache, see Config.Validate).
		ds.Err = ErrNone
		ds.Map = ds.Map&^mapHeld | cd | MapFresh
		return
	}
	ds.Err = ErrNone
	m.dmaMap(s, d, dir, ops)
	ds.Map = dir | MapFresh
	if m.cfg.Exporter.CacheSGT {
		ds.Map |= dir << 2
	}
}

// exporterHook is the exporter's begin_cpu_access (forCPU) or
// end_cpu_access callback doing the maintenance of its SyncScope.
func (m *Model) exporterHook(s *State, scope SyncScope, forCPU bool, ops *Ops) {
	switch scope {
	case SyncMapped:
		for j := range m.cfg.Devices {
			if dir := s.Dev[j].DMA; dir != 0 && forCPU {
				m.syncForCPU(s, j, dir, ops)
			} else if dir != 0 {
				m.syncForDevice(s, j, dir, ops)
			}
		}
	case SyncExporterDevice:
		if m.cfg.Backing.uncached() {
			return
		}
		if forCPU {
			m.archForCPU(s, DirBidir, ops)
		} else {
			m.archForDevice(s, DirBidir, ops)
		}
	case SyncAlways:
		for l := range m.cfg.Lines {
			m.clean(s, l, ops)
			if forCPU {
				m.invalidate(s, l, ops)
			}
		}
	}
}

// ValidEnd: the released buffer is the only state without actions, and it
// is a proper end.
func (m *Model) ValidEnd(s *State) bool { return s.Buf == BufFreed }
