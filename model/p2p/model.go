package p2p

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is the kind of an action; each names the kernel function (or
// hardware event) it stands for. docs/crossvm-p2p.md maps every kind to
// the kernel source.
type Kind uint8

// Action kinds.
const (
	KAttach   Kind = iota // dma_buf_dynamic_attach (ops->attach: accept, redirect, reject) + dma_buf_map_attachment
	KRetry                // after -EBUSY: attach again without allow_peer2peer
	KCopy                 // after -EBUSY: fall back to a CPU copy through a bounce buffer
	KGiveUp               // after -EBUSY, no fallback left: the importer's operation fails
	KDMAStart             // the importer's device starts a DMA read or write (exporter's begin hook: cache maintenance)
	KDMADone              // the DMA completes (exporter's end hook)
	KCPURead              // the CPU reads a line
	KCPUWrite             // the CPU writes a line
	KPrefetch             // the CPU speculatively loads a line (adversary)
	KEvict                // the CPU cache writes back (if dirty) and drops a line (adversary)
	numKinds
)

var kindNames = [numKinds]string{"KAttach", "KRetry", "KCopy", "KGiveUp", "KDMAStart", "KDMADone", "KCPURead", "KCPUWrite", "KPrefetch", "KEvict"}

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

type act struct {
	kind  Kind
	imp   int  // importer, or -1
	line  int  // line, or -1
	write bool // KDMAStart
}

// Model is peer-to-peer DMA for one Config. It implements
// statespace.Model[State] (Properties in props.go), EndStater, Describer
// and Actorer.
type Model struct {
	cfg   Config
	table []act
	names []string
	prov  int   // the exporter's node
	cli   []int // each importer's node
}

// New builds the model for cfg.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	m := &Model{cfg: cfg, prov: cfg.Topology.Index(cfg.Exporter.Device)}
	for _, im := range cfg.Importers {
		m.cli = append(m.cli, cfg.Topology.Index(im.Device))
	}
	add := func(a act, name string) {
		m.table = append(m.table, a)
		m.names = append(m.names, name)
	}
	for i, im := range cfg.Importers {
		n := m.impName(i)
		ops := "importer_ops{allow_peer2peer = false}"
		if im.AllowP2P {
			ops = "importer_ops{allow_peer2peer = true}"
		}
		add(act{kind: KAttach, imp: i, line: -1}, fmt.Sprintf("%s: dma_buf_dynamic_attach(%s) + dma_buf_map_attachment", n, ops))
		if m.mayReject(i) {
			if im.Retry {
				add(act{kind: KRetry, imp: i, line: -1}, fmt.Sprintf("%s: -EBUSY: attach again without peer2peer", n))
			}
			switch {
			case im.Copy:
				add(act{kind: KCopy, imp: i, line: -1}, fmt.Sprintf("%s: -EBUSY: fall back to a CPU copy through a bounce buffer", n))
			case !im.Retry || m.sysMayFail(i):
				add(act{kind: KGiveUp, imp: i, line: -1}, fmt.Sprintf("%s: -EBUSY and no fallback left: the operation fails", n))
			}
		}
		if im.Access != Writes {
			add(act{kind: KDMAStart, imp: i, line: -1}, fmt.Sprintf("%s: device starts a DMA read of the buffer", n))
		}
		if im.Access != Reads {
			add(act{kind: KDMAStart, imp: i, line: -1, write: true}, fmt.Sprintf("%s: device starts a DMA write of the buffer", n))
		}
		add(act{kind: KDMADone, imp: i, line: -1}, fmt.Sprintf("%s: DMA complete", n))
	}
	if cfg.CPU {
		for l := range cfg.Lines {
			add(act{kind: KCPURead, imp: -1, line: l}, fmt.Sprintf("cpu: read line %d", l))
			add(act{kind: KCPUWrite, imp: -1, line: l}, fmt.Sprintf("cpu: write line %d", l))
			add(act{kind: KPrefetch, imp: -1, line: l}, fmt.Sprintf("cpu cache: speculative load of line %d", l))
			add(act{kind: KEvict, imp: -1, line: l}, fmt.Sprintf("cpu cache: evict line %d (write back if dirty)", l))
		}
	}
	return m, nil
}

// mayP2P reports whether importer i can be given a peer-to-peer mapping.
func (m *Model) mayP2P(i int) bool {
	ex := &m.cfg.Exporter
	im := &m.cfg.Importers[i]
	switch {
	case ex.BAR == BARStolen && ex.APURedirect:
		return false
	case im.AllowP2P:
		return ex.Attach == AttachNaive || m.cfg.Topology.Distance(m.prov, m.cli[i]) >= 0
	}
	return ex.IgnoresPeer2Peer && ex.BAR == BARDeviceMemory
}

// sysMayFail reports whether serving importer i from system memory can
// fail: the buffer is in VRAM and cannot migrate, or another importer may
// have it mapped in the BAR.
func (m *Model) sysMayFail(i int) bool {
	ex := &m.cfg.Exporter
	if ex.BAR == BARStolen {
		return false // the stolen pages are system memory anyway
	}
	if !ex.Migratable {
		return true
	}
	for j := range m.cfg.Importers {
		if j != i && m.mayP2P(j) {
			return true // mapped in the BAR, it blocks the migration
		}
	}
	return false
}

// mayReject reports whether importer i's attach can fail with -EBUSY in
// some state: the fallback actions are in the table only then.
func (m *Model) mayReject(i int) bool {
	ex := &m.cfg.Exporter
	im := &m.cfg.Importers[i]
	if m.mayP2P(i) || ex.BAR == BARStolen && ex.APURedirect {
		return false
	}
	return im.AllowP2P && ex.Attach == AttachReject || m.sysMayFail(i)
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// KindOf returns the kind and importer (-1 for none) of action a.
func (m *Model) KindOf(a statespace.Action) (Kind, int) { return m.table[a].kind, m.table[a].imp }

func (m *Model) impName(i int) string {
	if n := m.cfg.Importers[i].Name; n != "" {
		return n
	}
	return m.cfg.Importers[i].Device
}

// Init returns the start state: the buffer in the BAR holding version 0,
// nothing attached, the CPU cache empty.
func (m *Model) Init() []State { return []State{{}} }

// ActionNames returns the action table's labels.
func (m *Model) ActionNames() []string { return m.names }

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
	m.apply(&n, &m.table[a])
	return n
}

// Actor names the agent of action a: the importer, "cpu" or "cpu-cache".
func (m *Model) Actor(a statespace.Action) string {
	t := &m.table[a]
	switch t.kind {
	case KPrefetch, KEvict:
		return "cpu-cache"
	case KCPURead, KCPUWrite:
		return "cpu"
	}
	return m.impName(t.imp)
}

// ValidEnd reports whether a state without enabled actions is a proper
// end: no DMA in flight.
func (m *Model) ValidEnd(s *State) bool { return !s.dmaBusy() }

// cached reports whether the CPU accesses the buffer through its cache:
// the memory is ordinary RAM (an APU's stolen memory).
func (m *Model) cached() bool { return m.cfg.Exporter.BAR == BARStolen }

func (m *Model) enabled(s *State, a *act) bool {
	c := &m.cfg
	switch a.kind {
	case KAttach:
		return s.att(a.imp) == AttNone
	case KRetry:
		return s.att(a.imp) == AttRejected
	case KCopy:
		return s.att(a.imp) == AttRejected || s.att(a.imp) == AttRetryRejected
	case KGiveUp:
		im := &c.Importers[a.imp]
		return s.att(a.imp) == AttRejected && !im.Retry || s.att(a.imp) == AttRetryRejected
	case KDMAStart:
		return s.working(a.imp) && !s.dmaBusy() && (!a.write || s.Writes < MaxWrites)
	case KDMADone:
		return s.DMA[a.imp]&dmaPhase != DMAIdle
	case KCPURead:
		return !s.dmaBusy()
	case KCPUWrite:
		return !s.dmaBusy() && s.Writes < MaxWrites
	case KPrefetch:
		return s.Cache[a.line] == LineInvalid
	case KEvict:
		return s.Cache[a.line] != LineInvalid
	}
	return false
}

// PathOf returns the map type, distance and mapping address kind the
// exporter's attach + map give importer i when it keeps peer2peer.
func (m *Model) PathOf(i int) (MapType, int, AddrKind) {
	mt, d := m.cfg.Topology.Classify(m.prov, m.cli[i])
	switch m.cfg.Exporter.Map {
	case MapBusAlways:
		return mt, d, AddrBus
	case MapCPUPhys:
		return mt, d, AddrCPUPhys
	}
	if mt == MapThruHostBridge {
		return mt, d, AddrIOVA
	}
	return mt, d, AddrBus // BUS_ADDR; a naive exporter hands out bus addresses for NOT_SUPPORTED too
}

// barMapped reports whether an importer has the buffer mapped in the BAR,
// which blocks a migration.
func (s *State) barMapped() bool {
	for i := range MaxImporters {
		if s.att(i) == AttP2P {
			return true
		}
	}
	return false
}

// sysmem serves importer i from system memory: the buffer is there, or it
// is an APU's stolen memory (the same pages), or the exporter can migrate
// it (nothing mapped in the BAR); otherwise -EBUSY.
func (m *Model) sysmem(s *State, i int, redirected bool) bool {
	c := &m.cfg
	switch {
	case s.Place == PlaceSys || c.Exporter.BAR == BARStolen:
	case c.Exporter.Migratable && !s.barMapped():
		s.Place = PlaceSys // ttm_bo_validate to GTT
	default:
		return false
	}
	setAtt(s, i, AttSys, AddrSysMem)
	if redirected {
		s.Att[i] |= AttRedirected
		s.Cover |= CoverRedirected
	}
	return true
}

// attach is ops->attach and the first map for importer i.
func (m *Model) attach(s *State, i int) {
	c := &m.cfg
	ex := &c.Exporter
	im := &c.Importers[i]
	p2p := func() {
		if s.Place == PlaceSys {
			setAtt(s, i, AttSys, AddrSysMem) // mapped where the buffer is
			return
		}
		mt, _, addr := m.PathOf(i)
		setAtt(s, i, AttP2P, addr)
		if mt == MapNotSupported || mt == MapBusAddr && addr != AddrBus || mt == MapThruHostBridge && addr != AddrIOVA {
			s.Ghost |= FlagUnroutable
		}
		if !im.AllowP2P {
			s.Ghost |= FlagNoPages
		}
	}
	reject := func() { setAtt(s, i, AttRejected, AddrNone) }
	switch {
	case ex.BAR == BARStolen && ex.APURedirect:
		m.sysmem(s, i, im.AllowP2P)
	case im.AllowP2P:
		reachable := c.Topology.Distance(m.prov, m.cli[i]) >= 0
		switch {
		case ex.Attach == AttachNaive || reachable:
			p2p()
		case ex.Attach == AttachReject:
			reject()
		case !m.sysmem(s, i, true):
			reject()
		}
	case ex.IgnoresPeer2Peer && s.Place == PlaceBAR && ex.BAR == BARDeviceMemory:
		p2p()
	case !m.sysmem(s, i, false):
		reject()
	}
}

func (m *Model) apply(s *State, a *act) {
	switch a.kind {
	case KAttach:
		m.attach(s, a.imp)
	case KRetry:
		if m.sysmem(s, a.imp, false) {
			s.Cover |= CoverFallback
		} else {
			setAtt(s, a.imp, AttRetryRejected, AddrNone)
		}
	case KCopy:
		setAtt(s, a.imp, AttCopy, AddrSysMem)
		s.Cover |= CoverFallback
	case KGiveUp:
		setAtt(s, a.imp, AttFailed, AddrNone)
		s.Ghost |= FlagNoFallback
	case KDMAStart:
		m.dmaStart(s, a.imp, a.write)
	case KDMADone:
		m.dmaDone(s, a.imp)
	case KCPURead:
		m.cpuRead(s, a.line)
	case KCPUWrite:
		s.Writes++
		v := s.Writes
		if m.cached() {
			s.Cache[a.line] = lineOf(LineDirty, v)
		} else {
			s.Mem[a.line] = v
		}
		s.Latest[a.line], s.LatestBy[a.line] = v, 1
	case KPrefetch:
		s.Cache[a.line] = lineOf(LineClean, s.Mem[a.line])
	case KEvict:
		if l := s.Cache[a.line]; lineStateOf(l) == LineDirty {
			s.Mem[a.line] = lineVerOf(l)
		}
		s.Cache[a.line] = LineInvalid
	}
}

// snooped reports whether importer i's DMA goes through the coherent
// system-memory path (it snoops the CPU caches); a peer access through a
// stolen BAR does not.
func (m *Model) snooped(s *State, i int) bool { return s.att(i) != AttP2P }

// cleanInvalidate writes back dirty lines and drops every line.
func (m *Model) cleanInvalidate(s *State) {
	for l := range m.cfg.Lines {
		if lineStateOf(s.Cache[l]) == LineDirty {
			s.Mem[l] = lineVerOf(s.Cache[l])
		}
		s.Cache[l] = LineInvalid
	}
}

func (m *Model) dmaStart(s *State, i int, write bool) {
	ex := &m.cfg.Exporter
	if s.att(i) == AttP2P {
		if ok, _ := m.cfg.Topology.Route(m.cli[i], m.prov, s.addr(i)); !ok {
			s.Ghost |= FlagDropped
			s.DMA[i] = DMADropped
		}
		if m.cached() && ex.Maint != MaintNone {
			m.cleanInvalidate(s) // the exporter's begin hook
		}
	}
	if write {
		s.DMA[i] |= DMAWrite
	} else {
		s.DMA[i] |= DMARead
	}
}

func (m *Model) dmaDone(s *State, i int) {
	d := s.DMA[i]
	s.DMA[i] = DMAIdle
	p2p := s.att(i) == AttP2P
	if d&DMADropped == 0 {
		if p2p {
			s.Cover |= CoverP2PDone
		}
		switch {
		case d&dmaPhase == DMARead:
			for l := range m.cfg.Lines {
				v := s.Mem[l]
				if m.cached() && m.snooped(s, i) && lineStateOf(s.Cache[l]) == LineDirty {
					v = lineVerOf(s.Cache[l]) // the snoop returns the dirty line
				}
				m.observe(s, l, v, false)
			}
		case s.att(i) == AttCopy && m.cached():
			// The CPU copies the bounce buffer into the buffer.
			s.Writes++
			for l := range m.cfg.Lines {
				s.Cache[l] = lineOf(LineDirty, s.Writes)
				s.Latest[l], s.LatestBy[l] = s.Writes, 2
			}
		default:
			s.Writes++
			for l := range m.cfg.Lines {
				s.Mem[l] = s.Writes
				if m.cached() && m.snooped(s, i) {
					s.Cache[l] = LineInvalid // the snoop invalidates the CPU's copy
				}
				s.Latest[l], s.LatestBy[l] = s.Writes, 2
			}
		}
	}
	if p2p && m.cached() && m.cfg.Exporter.Maint == MaintFlushAround {
		for l := range m.cfg.Lines {
			s.Cache[l] = LineInvalid // the exporter's end hook: drop what was prefetched meanwhile
		}
	}
}

// observe records a read of version v of line l (by the CPU or a device).
func (m *Model) observe(s *State, l int, v uint8, cpu bool) {
	if v < s.Latest[l] {
		s.Ghost |= FlagStaleRead
		return
	}
	if v > 0 && v == s.Latest[l] {
		switch {
		case cpu && s.LatestBy[l] == 2:
			s.Cover |= CoverCPUReadDevice
		case !cpu && s.LatestBy[l] == 1:
			s.Cover |= CoverDeviceReadCPU
		}
	}
}

func (m *Model) cpuRead(s *State, l int) {
	v := s.Mem[l]
	if m.cached() {
		if s.Cache[l] != LineInvalid {
			v = lineVerOf(s.Cache[l])
		} else {
			s.Cache[l] = lineOf(LineClean, v)
		}
	}
	m.observe(s, l, v, true)
}
