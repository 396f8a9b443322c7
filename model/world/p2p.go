package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The p2p family: peer-to-peer DMA between PCIe devices through dma-buf
// (docs/kernel-rules.md §2.1, §8, §9; docs/crossvm-p2p.md). Its objects
// are a PCIe topology (p2p_topology.go), the exporting device with its
// driver's attach and map policy and the BAR it exports, and the importing
// devices with their attach ops. Its state is the buffer's placement,
// each importer's attachment and DMA, and the BAR's lines with the CPU
// cache in front of a stolen-memory BAR.
//
// The BAR's buffer is the world's dma-buf (docs/world.md, "The buffer's
// lines"): its lines, their versions in memory, the latest write and its
// writer, the CPU's cache line over a stolen BAR and the write count are
// the cache family's fields; the family's calls keep their own semantics
// on them (its cache_evict writes a dirty line back; a peer access
// through a stolen BAR does not snoop the CPU cache).

// P2PAttachPolicy is the exporter's ops->attach policy for an importer
// that allows peer2peer.
type P2PAttachPolicy uint8

// Attach policies.
const (
	// P2PAttachDistance is amdgpu_dma_buf_attach: clear attach->peer2peer
	// (redirect to system memory) when pci_p2pdma_distance < 0.
	P2PAttachDistance P2PAttachPolicy = iota
	// P2PAttachNaive keeps peer2peer whenever the importer allows it,
	// without asking the topology.
	P2PAttachNaive
	// P2PAttachReject fails the attach (-EBUSY) when pci_p2pdma_distance <
	// 0, leaving the fallback to the importer.
	P2PAttachReject
)

// P2PMapMethod is how the exporter's map_dma_buf addresses its BAR for a
// peer.
type P2PMapMethod uint8

// Map methods.
const (
	// P2PMapByType follows the map type: PCI bus addresses for
	// PCI_P2PDMA_MAP_BUS_ADDR, dma_map_resource (an IOVA) for
	// PCI_P2PDMA_MAP_THRU_HOST_BRIDGE.
	P2PMapByType P2PMapMethod = iota
	// P2PMapBusAlways hands out bus addresses whatever the path.
	P2PMapBusAlways
	// P2PMapCPUPhys hands out the BAR's CPU physical addresses (NVIDIA
	// open-gpu issue #1324, kernel-rules §9).
	P2PMapCPUPhys
)

// P2PBAR is what backs the exporter's BAR.
type P2PBAR uint8

// BAR backings.
const (
	// BARDeviceMemory is device-local memory (VRAM), mapped uncached by
	// the CPU.
	BARDeviceMemory P2PBAR = iota
	// BARStolen is system memory stolen by an APU and decoded through a
	// BAR: the CPU caches it like any RAM, and a peer access through the
	// BAR is not snooped.
	BARStolen
)

// P2PMaint is the cache maintenance an exporter with a stolen BAR does
// around a peer's access through the BAR.
type P2PMaint uint8

// Maintenance policies.
const (
	MaintNone P2PMaint = iota
	// MaintFlushAround cleans and invalidates the CPU lines before the
	// peer's access and invalidates them again after it.
	MaintFlushAround
	// MaintInvalidateBefore cleans and invalidates before the access only
	// (a line prefetched during a peer's write stays stale).
	MaintInvalidateBefore
)

// P2PExporter is the exporting device and its driver.
type P2PExporter struct {
	// Device is its endpoint in the topology (the provider).
	Device string
	Attach P2PAttachPolicy
	Map    P2PMapMethod
	BAR    P2PBAR
	// Migratable: the buffer may be placed in system memory (GTT) to serve
	// an importer that cannot reach the BAR, unless an importer has it
	// mapped in the BAR.
	Migratable bool
	// APURedirect: with a stolen BAR, every importer gets the
	// system-memory address of the same pages (attach->peer2peer cleared).
	APURedirect bool
	// Maint applies to peer accesses through a stolen BAR.
	Maint P2PMaint
	// IgnoresPeer2Peer hands BAR addresses to importers that did not set
	// allow_peer2peer (sg entries without struct pages: a bug).
	IgnoresPeer2Peer bool
}

// P2PImporter is one importing device and its attach ops.
type P2PImporter struct {
	Name string
	// Device is its endpoint in the topology (the client).
	Device string
	// AllowP2P is dma_buf_attach_ops.allow_peer2peer.
	AllowP2P bool
}

// P2PSpec declares the p2p family's objects. The zero value declares
// none: the world does not use the family.
type P2PSpec struct {
	Topology  PCITopology
	Exporter  P2PExporter
	Importers []P2PImporter
	// Lines is the number of lines of the BAR's buffer (1..MaxLines).
	Lines int
	// Writes bounds the writes to the buffer, CPU and device
	// (1..MaxVersion): a write is disabled once the bound is reached.
	Writes int
}

// MaxP2PImporters bounds the importers of the p2p family.
const MaxP2PImporters = 2

func (s *P2PSpec) used() bool { return len(s.Importers) > 0 || len(s.Topology.Nodes) > 0 }

func (s *P2PSpec) validate(*Spec) error {
	if !s.used() {
		return nil
	}
	if err := s.Topology.validate(); err != nil {
		return fmt.Errorf("p2p: %w", err)
	}
	t := &s.Topology
	ex := &s.Exporter
	prov := t.index(ex.Device)
	switch {
	case prov < 0 || t.Nodes[prov].Kind != PCIEndpoint:
		return fmt.Errorf("p2p: exporter device %q is not an endpoint of topology %s", ex.Device, t.Name)
	case len(s.Importers) < 1 || len(s.Importers) > MaxP2PImporters:
		return fmt.Errorf("p2p: 1..%d importers, not %d", MaxP2PImporters, len(s.Importers))
	case s.Lines < 1 || s.Lines > MaxLines:
		return fmt.Errorf("p2p: lines must be 1..%d, not %d", MaxLines, s.Lines)
	case s.Writes < 1 || s.Writes > MaxVersion:
		return fmt.Errorf("p2p: writes must be 1..%d, not %d", MaxVersion, s.Writes)
	case ex.Attach > P2PAttachReject || ex.Map > P2PMapCPUPhys || ex.BAR > BARStolen || ex.Maint > MaintInvalidateBefore:
		return fmt.Errorf("p2p: unknown exporter policy")
	case ex.APURedirect && ex.BAR != BARStolen:
		return fmt.Errorf("p2p: the APU redirect needs a stolen BAR")
	case ex.Maint != MaintNone && ex.BAR != BARStolen:
		return fmt.Errorf("p2p: cache maintenance applies to a stolen BAR")
	}
	for i, im := range s.Importers {
		if n := t.index(im.Device); n < 0 || t.Nodes[n].Kind != PCIEndpoint || n == prov {
			return fmt.Errorf("p2p: importer %d: device %q is not another endpoint of topology %s", i, im.Device, t.Name)
		}
	}
	return nil
}

// Calls of the p2p family. Dev is the importer's index, Line a line of
// the BAR's buffer.
const (
	KP2PAttach   CallKind = famP2P<<8 + iota // dma_buf_dynamic_attach (ops->attach: accept, redirect, reject) + dma_buf_map_attachment
	KP2PRetry                                // after -EBUSY: dma_buf_dynamic_attach again without allow_peer2peer
	KP2PCopy                                 // after -EBUSY: the importer's driver copies through a bounce buffer
	KP2PGiveUp                               // after -EBUSY, no fallback left: the importer's operation fails
	KP2PDMARead                              // the importer's device starts a DMA read (exporter's begin hook)
	KP2PDMAWrite                             // the importer's device starts a DMA write (exporter's begin hook)
	KP2PDMADone                              // the DMA completes (exporter's end hook)
	KP2PCPURead                              // the CPU reads a line of the buffer
	KP2PCPUWrite                             // the CPU writes a line of the buffer
	KP2PPrefetch                             // the CPU cache speculatively loads a line of a stolen BAR
	KP2PEvict                                // the CPU cache writes back (if dirty) and drops a line
	KP2PMigrate                              // the exporter migrates the buffer out of its BAR: dma_buf_move_notify (p2p_migrate.go)
	KP2PRemap                                // the importer maps its attachment again after move_notify (p2p_migrate.go)
	kP2PEnd
)

var p2pCallDefs = [kP2PEnd & 0xff]callDef{
	KP2PAttach & 0xff: {name: "dma_buf_dynamic_attach + dma_buf_map_attachment", steps: 1, dev: true,
		kernel: "drivers/dma-buf/dma-buf.c: dma_buf_dynamic_attach, dma_buf_map_attachment; drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c: amdgpu_dma_buf_attach (pci_p2pdma_distance < 0: attach->peer2peer = false), amdgpu_dma_buf_map; drivers/pci/p2pdma.c: pci_p2pdma_distance, calc_map_type_and_dist, pci_p2pdma_bus_addr_map; kernel/dma/mapping.c: dma_map_resource"},
	KP2PRetry & 0xff: {name: "dma_buf_dynamic_attach without peer2peer", steps: 1, dev: true,
		kernel: "drivers/dma-buf/dma-buf.c: dma_buf_dynamic_attach (importer_ops->allow_peer2peer = false), dma_buf_map_attachment; ttm_bo_validate to GTT"},
	KP2PCopy & 0xff: {name: "fall back to a CPU copy", steps: 1, dev: true,
		kernel: "the importer's driver: a bounce buffer in system memory copied by the CPU (dma_buf_vmap)"},
	KP2PGiveUp & 0xff: {name: "give up", steps: 1, dev: true,
		kernel: "the importer's driver: the operation fails with the attach's -EBUSY"},
	KP2PDMARead & 0xff: {name: "peer DMA read", steps: 1, dev: true,
		kernel: "the importer's device reads through its sg table; the exporter's begin hook (cache maintenance of a stolen BAR)"},
	KP2PDMAWrite & 0xff: {name: "peer DMA write", steps: 1, dev: true,
		kernel: "the importer's device writes through its sg table; the exporter's begin hook (cache maintenance of a stolen BAR)"},
	KP2PDMADone & 0xff: {name: "peer DMA done", steps: 1, dev: true,
		kernel: "the importer's DMA completes; the exporter's end hook (invalidate a stolen BAR's lines)"},
	KP2PCPURead & 0xff: {name: "cpu_read", steps: 1, line: true,
		kernel: "a load through the CPU mapping of the BAR (cached for stolen memory, write-combined for VRAM)"},
	KP2PCPUWrite & 0xff: {name: "cpu_write", steps: 1, line: true,
		kernel: "a store through the CPU mapping of the BAR"},
	KP2PPrefetch & 0xff: {name: "cache_prefetch", steps: 1, line: true,
		kernel: "CPU hardware: speculative line fill of stolen system memory"},
	KP2PEvict & 0xff: {name: "cache_evict", steps: 1, line: true,
		kernel: "CPU hardware: a line written back if dirty, then dropped"},
	KP2PMigrate & 0xff: p2pMigrateDef,
	KP2PRemap & 0xff:   p2pRemapDef,
}

// Constructors, named after the calls.

// P2PAttach is importer i's dma_buf_dynamic_attach and first
// dma_buf_map_attachment: the exporter accepts peer2peer, redirects to
// system memory or rejects with -EBUSY.
func P2PAttach(i int) Call { return Call{Kind: KP2PAttach, Dev: i} }

// P2PRetry is importer i attaching again without allow_peer2peer after
// -EBUSY.
func P2PRetry(i int) Call { return Call{Kind: KP2PRetry, Dev: i} }

// P2PCopy is importer i falling back to a CPU copy after -EBUSY.
func P2PCopy(i int) Call { return Call{Kind: KP2PCopy, Dev: i} }

// P2PGiveUp is importer i's operation failing after -EBUSY.
func P2PGiveUp(i int) Call { return Call{Kind: KP2PGiveUp, Dev: i} }

// P2PDMARead starts importer i's device's DMA read of the buffer.
func P2PDMARead(i int) Call { return Call{Kind: KP2PDMARead, Dev: i} }

// P2PDMAWrite starts importer i's device's DMA write of the buffer.
func P2PDMAWrite(i int) Call { return Call{Kind: KP2PDMAWrite, Dev: i} }

// P2PDMADone completes importer i's DMA.
func P2PDMADone(i int) Call { return Call{Kind: KP2PDMADone, Dev: i} }

// P2PCPURead is a CPU load of line l of the BAR's buffer.
func P2PCPURead(l int) Call { return Call{Kind: KP2PCPURead, Line: l} }

// P2PCPUWrite is a CPU store to line l of the BAR's buffer.
func P2PCPUWrite(l int) Call { return Call{Kind: KP2PCPUWrite, Line: l} }

// P2PPrefetch is the CPU cache filling line l of a stolen BAR.
func P2PPrefetch(l int) Call { return Call{Kind: KP2PPrefetch, Line: l} }

// P2PEvict is the CPU cache writing line l back (if dirty) and dropping it.
func P2PEvict(l int) Call { return Call{Kind: KP2PEvict, Line: l} }

// P2P attachment values (low 4 bits of an attachment byte; the address
// kind is in bits 4..6).
const (
	P2PAttNone          uint8 = 0
	P2PAttPeer          uint8 = 1 // mapped peer-to-peer: the BAR, through an address kind
	P2PAttSys           uint8 = 2 // mapped in system memory (redirected, or an importer without peer2peer)
	P2PAttRejected      uint8 = 3 // the attach failed with -EBUSY
	P2PAttRetryRejected uint8 = 4 // the attach without peer2peer failed too
	P2PAttCopy          uint8 = 5 // falls back to a CPU copy through a bounce buffer
	P2PAttFailed        uint8 = 6 // gave up: no path to the buffer
	P2PAttMoved         uint8 = 7 // a peer mapping dma_buf_move_notify invalidated: the BAR no longer holds the buffer
	p2pAttMask          uint8 = 0x0f
	// p2pAttRedirected marks a P2PAttSys mapping of an importer that asked
	// for peer2peer.
	p2pAttRedirected uint8 = 1 << 7
)

// DMA values.
const (
	p2pDMAIdle     uint8 = 0
	p2pDMARead     uint8 = 1
	p2pDMAWrite    uint8 = 2
	p2pDMAPhase    uint8 = 3
	p2pDMADropped  uint8 = 1 << 2 // the platform dropped the request: nothing is transferred
	p2pDMAMovedBAR uint8 = 1 << 3 // through a peer mapping move_notify invalidated: the BAR now backs other memory
)

// Placements.
const (
	p2pPlaceBAR uint8 = 0
	p2pPlaceSys uint8 = 1 // migrated to system memory (GTT)
)

// Writers in the buffer's latestBy: the CPU (the cache family's
// writerCPU) and the p2p family's importers, numbered after the cache
// family's devices.
const (
	p2pByNone   uint8 = writerNone
	p2pByCPU    uint8 = writerCPU
	p2pByDevice uint8 = writerDevice0 + MaxDevices
)

// P2P violation flags (the family's ghost byte).
const (
	p2pFlagUnroutable uint8 = 1 << iota // a P2P mapping the topology does not allow, or with the wrong address kind
	p2pFlagDropped                      // a DMA request the platform drops
	p2pFlagStaleRead                    // a read older than the latest completed write
	p2pFlagNoFallback                   // an importer left with no path after a rejected attach
	p2pFlagNoPages                      // BAR addresses (no struct pages) given to an importer without peer2peer
)

var p2pFlagNames = []string{"unroutable-p2p-mapping", "dropped-transfer", "stale-read", "no-fallback-after-reject", "bar-to-static-importer"}

// P2P coverage bits.
const (
	p2pCoverPeerDone      uint8 = 1 << iota // a DMA over a peer-to-peer mapping arrived
	p2pCoverRedirected                      // an importer that asked for peer2peer was given system memory
	p2pCoverFallback                        // an importer rejected at first reached the buffer by a retry or a copy
	p2pCoverCPUReadDevice                   // the CPU read, up to date, a version a device wrote
	p2pCoverDeviceReadCPU                   // a device read, up to date, a version the CPU wrote
)

// p2pPath is what the exporter's attach + map give an importer that keeps
// peer2peer: the map type and distance pci_p2pdma_distance computes, the
// address kind map_dma_buf hands out, and whether the platform routes it.
type p2pPath struct {
	mt        P2PMapType
	dist      int
	addr      P2PAddr
	reachable bool // pci_p2pdma_distance >= 0
	routed    bool
	why       string
}

// p2pCore is the family's part of a built world: its offsets in the
// packed state and what the topology says of each importer, computed once.
type p2pCore struct {
	used bool
	// ghost, cover, place and writes are one byte each; att and dma are
	// per importer; mem, latest, latestBy and cache per line (cache is -1
	// unless the BAR is stolen memory the CPU caches).
	ghost, cover, place, writes  int
	att, dma                     int
	mem, latest, latestBy, cache int
	prov                         int
	cli                          []int
	path                         []p2pPath
	cached                       bool
}

// p2pLayout places the family's fields and computes each importer's path.
func p2pLayout(c *core, l *layout, take func(n int) int) {
	s := &c.spec.P2P
	if !s.used() {
		c.p2p = p2pCore{}
		return
	}
	n := len(s.Importers)
	p := p2pCore{used: true, cache: -1, cached: s.Exporter.BAR == BARStolen}
	p.ghost, p.cover, p.place = take(1), take(1), take(1)
	p.att, p.dma = take(n), take(n)
	// The BAR's buffer is the dma-buf: its lines are the cache family's
	// (newLayout lays out at least the p2p section's lines).
	p.writes, p.mem, p.latest, p.latestBy = l.writes, l.mem, l.latest, l.latestBy
	if p.cached {
		p.cache = l.cpu
	}
	t := &s.Topology
	p.prov = t.index(s.Exporter.Device)
	for _, im := range s.Importers {
		cli := t.index(im.Device)
		p.cli = append(p.cli, cli)
		mt, d := t.classify(p.prov, cli)
		addr := AddrBus // BUS_ADDR; a naive exporter hands out bus addresses for NOT_SUPPORTED too
		switch {
		case s.Exporter.Map == P2PMapBusAlways:
		case s.Exporter.Map == P2PMapCPUPhys:
			addr = AddrCPUPhys
		case mt == MapThruHostBridge:
			addr = AddrIOVA
		}
		ok, why := t.route(cli, p.prov, addr)
		p.path = append(p.path, p2pPath{mt: mt, dist: d, addr: addr, reachable: mt != MapNotSupported, routed: ok, why: why})
	}
	c.p2p = p
}

// The family's fields.
func (v View) p2pGhost() *uint8          { return &v.b[v.w.p2p.ghost] }
func (v View) p2pCover() *uint8          { return &v.b[v.w.p2p.cover] }
func (v View) p2pPlace() *uint8          { return &v.b[v.w.p2p.place] }
func (v View) p2pWrites() *uint8         { return &v.b[v.w.p2p.writes] }
func (v View) p2pAtt(i int) *uint8       { return &v.b[v.w.p2p.att+i] }
func (v View) p2pDMA(i int) *uint8       { return &v.b[v.w.p2p.dma+i] }
func (v View) p2pMem(l int) *uint8       { return &v.b[v.w.p2p.mem+l] }
func (v View) p2pLatest(l int) *uint8    { return &v.b[v.w.p2p.latest+l] }
func (v View) p2pLatestBy(l int) *uint8  { return &v.b[v.w.p2p.latestBy+l] }
func (v View) p2pCache(l int) *uint8     { return &v.b[v.w.p2p.cache+l] }
func (v View) p2pRaise(f uint8)          { *v.p2pGhost() |= f }
func (v View) p2pCovered(bit uint8) bool { return *v.p2pCover()&bit != 0 }
func (v View) p2pSetAtt(i int, att uint8, a P2PAddr) {
	*v.p2pAtt(i) = att | uint8(a)<<4
}
func (v View) p2pAddrOf(i int) P2PAddr { return P2PAddr(*v.p2pAtt(i) >> 4 & 7) }

// P2PAttachment returns importer i's attachment (a P2PAtt* value).
func (v View) P2PAttachment(i int) uint8 { return *v.p2pAtt(i) & p2pAttMask }

// P2PWorking reports whether importer i has a path to the buffer: a
// mapping (peer-to-peer or in system memory) or a CPU copy.
func (v View) P2PWorking(i int) bool {
	a := v.P2PAttachment(i)
	return a == P2PAttPeer || a == P2PAttSys || a == P2PAttCopy
}

// P2PDMAInFlight reports whether some importer's DMA is in flight.
func (v View) P2PDMAInFlight() bool {
	for i := range v.w.spec.P2P.Importers {
		if *v.p2pDMA(i)&p2pDMAPhase != p2pDMAIdle {
			return true
		}
	}
	return false
}

func (c *core) p2pImpName(i int) string {
	if i >= 0 && i < len(c.spec.P2P.Importers) {
		im := &c.spec.P2P.Importers[i]
		if im.Name != "" {
			return im.Name
		}
		return im.Device
	}
	return fmt.Sprintf("importer%d", i)
}

// p2pCallName renders a p2p call with its arguments.
func (c *core) p2pCallName(call Call, step int) string {
	d := call.def()
	if d == nil {
		return fmt.Sprintf("p2p#%d", call.Kind&0xff)
	}
	imp := c.p2pImpName(call.Dev)
	switch call.Kind {
	case KP2PAttach:
		ops := "allow_peer2peer = false"
		if call.Dev >= 0 && call.Dev < len(c.spec.P2P.Importers) && c.spec.P2P.Importers[call.Dev].AllowP2P {
			ops = "allow_peer2peer = true"
		}
		return fmt.Sprintf("dma_buf_dynamic_attach(%s, importer_ops{%s}) + dma_buf_map_attachment", imp, ops)
	case KP2PRetry:
		return fmt.Sprintf("-EBUSY: dma_buf_dynamic_attach(%s) again without peer2peer", imp)
	case KP2PCopy:
		return fmt.Sprintf("-EBUSY: %s falls back to a CPU copy through a bounce buffer", imp)
	case KP2PGiveUp:
		return fmt.Sprintf("-EBUSY and no fallback left: %s's operation fails", imp)
	case KP2PDMARead, KP2PDMAWrite, KP2PDMADone:
		return fmt.Sprintf("%s (%s's device)", d.name, imp)
	case KP2PMigrate:
		return "ttm_bo_validate(VRAM to GTT) + dma_buf_move_notify"
	case KP2PRemap:
		return fmt.Sprintf("dma_buf_map_attachment(%s) again after move_notify", imp)
	}
	return fmt.Sprintf("%s(line %d)", d.name, call.Line)
}

// p2pCheckCall rejects a call that names an importer or a line the world
// does not have, or a cache event on a BAR the CPU does not cache.
func (c *core) p2pCheckCall(call Call) error {
	d := call.def()
	s := &c.spec.P2P
	switch {
	case !s.used():
		return fmt.Errorf("%s: the world declares no p2p objects", d.name)
	case d.dev && (call.Dev < 0 || call.Dev >= len(s.Importers)):
		return fmt.Errorf("%s: no importer %d (the world has %d)", d.name, call.Dev, len(s.Importers))
	case d.line && (call.Line < 0 || call.Line >= s.Lines):
		return fmt.Errorf("%s: no line %d (the buffer has %d)", d.name, call.Line, s.Lines)
	case (call.Kind == KP2PPrefetch || call.Kind == KP2PEvict) && s.Exporter.BAR != BARStolen:
		return fmt.Errorf("%s: the CPU maps VRAM uncached: no cache lines", d.name)
	case call.Kind == KP2PMigrate && s.Exporter.BAR != BARDeviceMemory:
		return fmt.Errorf("%s(bar): a stolen BAR is system memory already: nothing to migrate", d.name)
	}
	return nil
}

// p2pEnabled: a device runs one DMA at a time, a transfer completes only
// when one runs, the writes are bounded, and the cache prefetches an
// invalid line and evicts a valid one. Everything else is the importers'
// and user space's discipline (the programs' guards).
func (v View) p2pEnabled(ag int, c Call, step int) bool {
	switch c.Kind {
	case KP2PDMARead:
		return *v.p2pDMA(c.Dev)&p2pDMAPhase == p2pDMAIdle
	case KP2PDMAWrite:
		return *v.p2pDMA(c.Dev)&p2pDMAPhase == p2pDMAIdle && int(*v.p2pWrites()) < v.w.spec.P2P.Writes
	case KP2PDMADone:
		return *v.p2pDMA(c.Dev)&p2pDMAPhase != p2pDMAIdle
	case KP2PCPUWrite:
		return int(*v.p2pWrites()) < v.w.spec.P2P.Writes
	case KP2PPrefetch:
		return *v.p2pCache(c.Line) == lineInvalid
	case KP2PEvict:
		return *v.p2pCache(c.Line) != lineInvalid
	case KP2PMigrate:
		return v.p2pMigrateEnabled()
	}
	return true
}

// p2pApply performs a p2p call.
func (v View) p2pApply(ag int, c Call, step int) {
	switch c.Kind {
	case KP2PAttach:
		v.p2pAttach(c.Dev)
	case KP2PRetry:
		if v.p2pSysmem(c.Dev, false) {
			*v.p2pCover() |= p2pCoverFallback
		} else {
			v.p2pSetAtt(c.Dev, P2PAttRetryRejected, AddrNone)
		}
	case KP2PCopy:
		v.p2pSetAtt(c.Dev, P2PAttCopy, AddrSysMem)
		*v.p2pCover() |= p2pCoverFallback
	case KP2PGiveUp:
		v.p2pSetAtt(c.Dev, P2PAttFailed, AddrNone)
		v.p2pRaise(p2pFlagNoFallback)
	case KP2PDMARead, KP2PDMAWrite:
		v.p2pDMAStart(c.Dev, c.Kind == KP2PDMAWrite)
	case KP2PDMADone:
		v.p2pDMAComplete(c.Dev)
	case KP2PCPURead:
		v.p2pCPURead(c.Line)
	case KP2PCPUWrite:
		*v.p2pWrites()++
		ver := *v.p2pWrites()
		if v.w.p2p.cached {
			*v.p2pCache(c.Line) = lineDirty | ver
		} else {
			*v.p2pMem(c.Line) = ver
		}
		*v.p2pLatest(c.Line), *v.p2pLatestBy(c.Line) = ver, p2pByCPU
	case KP2PPrefetch:
		*v.p2pCache(c.Line) = lineClean | *v.p2pMem(c.Line)
	case KP2PMigrate:
		v.p2pMigrate()
	case KP2PRemap:
		v.p2pRemap(c.Dev)
	case KP2PEvict:
		if x := *v.p2pCache(c.Line); x&lineState == lineDirty {
			*v.p2pMem(c.Line) = x & lineVer
		}
		*v.p2pCache(c.Line) = lineInvalid
	}
}

// p2pBARMapped reports whether an importer has the buffer mapped in the
// BAR, which blocks a migration.
func (v View) p2pBARMapped() bool {
	for i := range v.w.spec.P2P.Importers {
		if v.P2PAttachment(i) == P2PAttPeer {
			return true
		}
	}
	return false
}

// p2pSysmem serves importer i from system memory: the buffer is there, or
// it is an APU's stolen memory (the same pages), or the exporter can
// migrate it (ttm_bo_validate to GTT: nothing mapped in the BAR);
// otherwise it fails with -EBUSY.
func (v View) p2pSysmem(i int, redirected bool) bool {
	ex := &v.w.spec.P2P.Exporter
	switch {
	case *v.p2pPlace() == p2pPlaceSys || ex.BAR == BARStolen:
	case ex.Migratable && !v.p2pBARMapped():
		*v.p2pPlace() = p2pPlaceSys
	default:
		return false
	}
	v.p2pSetAtt(i, P2PAttSys, AddrSysMem)
	if redirected {
		*v.p2pAtt(i) |= p2pAttRedirected
		*v.p2pCover() |= p2pCoverRedirected
	}
	return true
}

// p2pAttach is ops->attach and the first map for importer i
// (amdgpu_dma_buf_attach, amdgpu_dma_buf_map).
func (v View) p2pAttach(i int) {
	s := &v.w.spec.P2P
	ex := &s.Exporter
	im := &s.Importers[i]
	path := &v.w.p2p.path[i]
	peer := func() {
		if *v.p2pPlace() == p2pPlaceSys {
			v.p2pSetAtt(i, P2PAttSys, AddrSysMem) // mapped where the buffer is
			return
		}
		v.p2pSetAtt(i, P2PAttPeer, path.addr)
		if path.mt == MapNotSupported || path.mt == MapBusAddr && path.addr != AddrBus || path.mt == MapThruHostBridge && path.addr != AddrIOVA {
			v.p2pRaise(p2pFlagUnroutable)
		}
		if !im.AllowP2P {
			v.p2pRaise(p2pFlagNoPages)
		}
	}
	reject := func() { v.p2pSetAtt(i, P2PAttRejected, AddrNone) }
	switch {
	case ex.BAR == BARStolen && ex.APURedirect:
		v.p2pSysmem(i, im.AllowP2P)
	case im.AllowP2P:
		switch {
		case ex.Attach == P2PAttachNaive || path.reachable:
			peer()
		case ex.Attach == P2PAttachReject:
			reject()
		case !v.p2pSysmem(i, true):
			reject()
		}
	case ex.IgnoresPeer2Peer && *v.p2pPlace() == p2pPlaceBAR && ex.BAR == BARDeviceMemory:
		peer()
	case !v.p2pSysmem(i, false):
		reject()
	}
}

// p2pCleanInvalidate writes back dirty lines and drops every line.
func (v View) p2pCleanInvalidate() {
	for l := range v.w.spec.P2P.Lines {
		if x := *v.p2pCache(l); x&lineState == lineDirty {
			*v.p2pMem(l) = x & lineVer
		}
		*v.p2pCache(l) = lineInvalid
	}
}

// p2pDMAStart starts importer i's DMA: a peer request the platform does
// not route is dropped, and the exporter's begin hook maintains the CPU
// cache of a stolen BAR.
func (v View) p2pDMAStart(i int, write bool) {
	p := &v.w.p2p
	if v.P2PAttachment(i) == P2PAttMoved {
		*v.p2pDMA(i) = p2pDMAMovedBAR
	}
	if v.P2PAttachment(i) == P2PAttPeer {
		if !p.path[i].routed {
			v.p2pRaise(p2pFlagDropped)
			*v.p2pDMA(i) = p2pDMADropped
		}
		if p.cached && v.w.spec.P2P.Exporter.Maint != MaintNone {
			v.p2pCleanInvalidate()
		}
	}
	if write {
		*v.p2pDMA(i) |= p2pDMAWrite
	} else {
		*v.p2pDMA(i) |= p2pDMARead
	}
}

// p2pDMAComplete completes importer i's DMA. An access through the
// coherent system-memory path snoops the CPU cache; a peer access through
// a stolen BAR does not.
func (v View) p2pDMAComplete(i int) {
	p := &v.w.p2p
	lines := v.w.spec.P2P.Lines
	d := *v.p2pDMA(i)
	*v.p2pDMA(i) = p2pDMAIdle
	peer := v.P2PAttachment(i) == P2PAttPeer
	snooped := !peer
	if d&p2pDMAMovedBAR != 0 {
		v.p2pMovedBARDone(d&p2pDMAPhase == p2pDMAWrite)
		return
	}
	if d&p2pDMADropped == 0 {
		if peer {
			*v.p2pCover() |= p2pCoverPeerDone
		}
		switch {
		case d&p2pDMAPhase == p2pDMARead:
			for l := range lines {
				ver := *v.p2pMem(l)
				if p.cached && snooped && *v.p2pCache(l)&lineState == lineDirty {
					ver = *v.p2pCache(l) & lineVer // the snoop returns the dirty line
				}
				v.p2pObserve(l, ver, false)
			}
		case v.P2PAttachment(i) == P2PAttCopy && p.cached:
			// The CPU copies the bounce buffer into the buffer.
			*v.p2pWrites()++
			ver := *v.p2pWrites()
			for l := range lines {
				*v.p2pCache(l) = lineDirty | ver
				*v.p2pLatest(l), *v.p2pLatestBy(l) = ver, p2pByDevice
			}
		default:
			*v.p2pWrites()++
			ver := *v.p2pWrites()
			for l := range lines {
				*v.p2pMem(l) = ver
				if p.cached && snooped {
					*v.p2pCache(l) = lineInvalid // the snoop invalidates the CPU's copy
				}
				*v.p2pLatest(l), *v.p2pLatestBy(l) = ver, p2pByDevice
			}
		}
	}
	if peer && p.cached && v.w.spec.P2P.Exporter.Maint == MaintFlushAround {
		for l := range lines {
			*v.p2pCache(l) = lineInvalid // the exporter's end hook: drop what was prefetched meanwhile
		}
	}
}

// p2pObserve records a read of version ver of line l (by the CPU or a
// device).
func (v View) p2pObserve(l int, ver uint8, cpu bool) {
	latest := *v.p2pLatest(l)
	if ver < latest {
		v.p2pRaise(p2pFlagStaleRead)
		return
	}
	if ver > 0 && ver == latest {
		switch by := *v.p2pLatestBy(l); {
		case cpu && by == p2pByDevice:
			*v.p2pCover() |= p2pCoverCPUReadDevice
		case !cpu && by == p2pByCPU:
			*v.p2pCover() |= p2pCoverDeviceReadCPU
		}
	}
}

func (v View) p2pCPURead(l int) {
	ver := *v.p2pMem(l)
	if v.w.p2p.cached {
		if x := *v.p2pCache(l); x != lineInvalid {
			ver = x & lineVer
		} else {
			*v.p2pCache(l) = lineClean | ver
		}
	}
	v.p2pObserve(l, ver, true)
}

func p2pLineString(x uint8) string {
	switch x & lineState {
	case lineClean:
		return fmt.Sprintf("clean v%d", x&lineVer)
	case lineDirty:
		return fmt.Sprintf("dirty v%d", x&lineVer)
	}
	return "invalid"
}

func (c *core) p2pAttString(v View, i int) string {
	switch v.P2PAttachment(i) {
	case P2PAttNone:
		return "not attached"
	case P2PAttPeer:
		p := &c.p2p.path[i]
		return fmt.Sprintf("peer-to-peer to the BAR, %s (%s, distance %d)", v.p2pAddrOf(i), p.mt, p.dist)
	case P2PAttSys:
		s := "system memory"
		if *v.p2pAtt(i)&p2pAttRedirected != 0 {
			s += " (redirected: attach->peer2peer cleared)"
		}
		return s
	case P2PAttRejected:
		return "attach rejected: -EBUSY"
	case P2PAttRetryRejected:
		return "attach without peer2peer rejected too: -EBUSY"
	case P2PAttCopy:
		return "CPU copy through a bounce buffer"
	case P2PAttFailed:
		return "gave up: no path to the buffer"
	case P2PAttMoved:
		return fmt.Sprintf("invalidated by dma_buf_move_notify, still holding the BAR's %s (the buffer moved to system memory)", v.p2pAddrOf(i))
	}
	return "?"
}

// p2pDescribe renders the family's objects for traces.
func (c *core) p2pDescribe(v View, add func(name, value string)) {
	if !c.p2p.used {
		return
	}
	s := &c.spec.P2P
	place := "exporter's BAR (VRAM)"
	if c.p2p.cached {
		place = "exporter's BAR (stolen system memory)"
	}
	if *v.p2pPlace() == p2pPlaceSys {
		place = "system memory (migrated)"
	}
	add("p2p.buffer", place)
	for i := range s.Importers {
		n := c.p2pImpName(i)
		add(n+".attach", c.p2pAttString(v, i))
		dma := "idle"
		switch *v.p2pDMA(i) & p2pDMAPhase {
		case p2pDMARead:
			dma = "reading"
		case p2pDMAWrite:
			dma = "writing"
		}
		if *v.p2pDMA(i)&p2pDMAMovedBAR != 0 {
			dma += " through the BAR the buffer moved out of"
		}
		if *v.p2pDMA(i)&p2pDMADropped != 0 {
			dma += ": requests dropped (" + c.p2p.path[i].why + ")"
		}
		add(n+".dma", dma)
	}
	var mem, cache, latest []string
	for l := range s.Lines {
		mem = append(mem, fmt.Sprintf("v%d", *v.p2pMem(l)))
		if c.p2p.cached {
			cache = append(cache, p2pLineString(*v.p2pCache(l)))
		}
		who := ""
		switch by := *v.p2pLatestBy(l); {
		case by == p2pByCPU:
			who = " by the cpu"
		case by == p2pByDevice:
			who = " by a device"
		case by >= writerDevice0:
			who = " by " + c.devName(int(by-writerDevice0))
		}
		latest = append(latest, fmt.Sprintf("v%d%s", *v.p2pLatest(l), who))
	}
	if !c.uses[famCache] { // else the cache family shows the buffer's lines
		add("p2p.mem", strings.Join(mem, ", "))
		if c.p2p.cached {
			add("p2p.cpu-cache", strings.Join(cache, ", "))
		}
		add("p2p.latest-write", strings.Join(latest, ", "))
	}
	var flags []string
	for i, name := range p2pFlagNames {
		if *v.p2pGhost()&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("p2p.VIOLATED", strings.Join(flags, ", "))
	}
}

// Property names of the p2p family: the names the earlier p2p model used.
const (
	P2PRoutable           = "p2p-mapping-routable"
	P2PNoDropped          = "p2p-no-dropped-transfer"
	P2PNoStaleRead        = "p2p-no-stale-read-through-bar"
	P2PFallback           = "p2p-rejected-attach-has-fallback"
	P2PBAROnlyToP2P       = "p2p-bar-only-to-peer2peer-importers"
	P2PTransferDone       = "p2p-transfer-done"
	P2PRedirected         = "p2p-redirected-to-system-memory"
	P2PFallbackUsed       = "p2p-fallback-after-reject"
	P2PCPUReadDevWrite    = "p2p-cpu-read-device-write"
	P2PDeviceReadCPUWrite = "p2p-device-read-cpu-write"
)

// p2pCalls reports which p2p calls the world's programs make.
func (c *core) p2pCalls() map[CallKind]bool {
	used := map[CallKind]bool{}
	for _, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if familyOf(op.Kind) == famP2P {
						used[op.Kind] = true
					}
				}
			}
		}
	}
	return used
}

// p2pProps are the family's safety properties, then the reachability
// properties that apply: a peer transfer where some importer can be given
// the BAR, a redirect where the exporter can redirect one, a fallback
// where a program falls back, and the CPU seeing a device's write (and
// the other way round) where the programs make both.
func (c *core) p2pProps() []propDef {
	if !c.p2p.used {
		return nil
	}
	flag := func(name string, f uint8) propDef {
		return propDef{name: name, exp: statespace.Always, holds: func(v View) bool { return *v.p2pGhost()&f == 0 }}
	}
	props := []propDef{
		flag(P2PRoutable, p2pFlagUnroutable),
		flag(P2PNoDropped, p2pFlagDropped),
		flag(P2PNoStaleRead, p2pFlagStaleRead),
		flag(P2PFallback, p2pFlagNoFallback),
		flag(P2PBAROnlyToP2P, p2pFlagNoPages),
	}
	some := func(name string, bit uint8) {
		props = append(props, propDef{name: name, exp: statespace.Sometimes, holds: func(v View) bool { return v.p2pCovered(bit) }})
	}
	s := &c.spec.P2P
	ex := &s.Exporter
	redirectAll := ex.BAR == BARStolen && ex.APURedirect
	anyPeer, anyRedirect := false, false
	for i, im := range s.Importers {
		mt := c.p2p.path[i].mt
		if !redirectAll && (im.AllowP2P && (mt != MapNotSupported || ex.Attach == P2PAttachNaive) || ex.IgnoresPeer2Peer && ex.BAR == BARDeviceMemory) {
			anyPeer = true
		}
		if im.AllowP2P && (redirectAll || mt == MapNotSupported && ex.Attach == P2PAttachDistance && ex.Migratable) {
			anyRedirect = true
		}
	}
	calls := c.p2pCalls()
	cpu := calls[KP2PCPURead] || calls[KP2PCPUWrite]
	if anyPeer {
		some(P2PTransferDone, p2pCoverPeerDone)
	}
	if anyRedirect {
		some(P2PRedirected, p2pCoverRedirected)
	}
	if calls[KP2PRetry] || calls[KP2PCopy] {
		some(P2PFallbackUsed, p2pCoverFallback)
	}
	if cpu && calls[KP2PDMAWrite] {
		some(P2PCPUReadDevWrite, p2pCoverCPUReadDevice)
	}
	if cpu && calls[KP2PDMARead] {
		some(P2PDeviceReadCPUWrite, p2pCoverDeviceReadCPU)
	}
	return props
}

// p2pEnd: a state without enabled actions is a proper end when no DMA is
// in flight.
func (c *core) p2pEnd(v View) bool { return !c.p2p.used || !v.P2PDMAInFlight() }

// p2pWaits: nothing in the family blocks (a transfer in flight can always
// complete), so there are no wait-for edges.
func (c *core) p2pWaits(v View) []statespace.WaitEdge { return nil }

// p2pFairness: the family has no liveness properties.
func (c *core) p2pFairness() []statespace.Fairness { return nil }
