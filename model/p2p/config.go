// Package p2p is peer-to-peer DMA between PCIe devices through dma-buf as
// a pure, deterministic state machine over the statespace engine: a small
// PCIe topology as data (host bridges, root ports, switches with ACS
// redirect, endpoints), pci_p2pdma_distance's classification of a
// provider/client pair, importers that allow peer2peer or not, the
// exporter's attach that accepts peer-to-peer, redirects to system memory
// (clears attach->peer2peer) or rejects, the importers' fallbacks, and
// BARs that are device memory or stolen system memory (an APU) that the
// CPU may still hold in its caches.
//
// The classification (Topology.Classify) is what the kernel believes; the
// platform's routing (Topology.Route) is the truth the model checks it
// against. Everything follows docs/kernel-rules.md §2.1, §8
// and §9 (kernel 6.12) and the P2P part of seed 004 (Christian König,
// Logan Gunthorpe, March 2018); docs/crossvm-p2p.md maps every action to
// its kernel counterpart.
package p2p

import "fmt"

// Attach is the exporter's ops->attach policy for an importer that allows
// peer2peer.
type Attach uint8

const (
	// AttachDistance is amdgpu_dma_buf_attach: clear attach->peer2peer
	// (redirect to system memory) when pci_p2pdma_distance < 0.
	AttachDistance Attach = iota
	// AttachNaive keeps peer2peer whenever the importer allows it, without
	// asking the topology.
	AttachNaive
	// AttachReject fails the attach (-EBUSY) when pci_p2pdma_distance < 0,
	// leaving the fallback to the importer.
	AttachReject
)

var attachNames = [...]string{"distance (redirect)", "naive", "distance (reject)"}

func (a Attach) String() string {
	if int(a) < len(attachNames) {
		return attachNames[a]
	}
	return fmt.Sprintf("Attach(%d)", a)
}

// MapMethod is how the exporter's map_dma_buf addresses its BAR for a peer.
type MapMethod uint8

const (
	// MapByType follows the map type: PCI bus addresses for
	// PCI_P2PDMA_MAP_BUS_ADDR, dma_map_resource (an IOVA) for
	// PCI_P2PDMA_MAP_THRU_HOST_BRIDGE.
	MapByType MapMethod = iota
	// MapBusAlways hands out bus addresses whatever the path.
	MapBusAlways
	// MapCPUPhys hands out the BAR's CPU physical addresses (NVIDIA
	// open-gpu issue #1324, kernel-rules §9).
	MapCPUPhys
)

// BAR is what backs the exporter's BAR.
type BAR uint8

const (
	// BARDeviceMemory: device-local memory (VRAM). The CPU maps it
	// uncached (write-combined): no CPU cache lines.
	BARDeviceMemory BAR = iota
	// BARStolen: system memory stolen by an APU, decoded through a BAR.
	// The CPU caches it like any RAM, and a peer access through the BAR is
	// not snooped.
	BARStolen
)

// Maint is the cache maintenance an exporter with a stolen BAR does around
// a device's access through the BAR.
type Maint uint8

const (
	MaintNone Maint = iota
	// MaintFlushAround: clean and invalidate the CPU lines before the
	// device's access, invalidate them again after it (prefetches during
	// the access are discarded).
	MaintFlushAround
	// MaintInvalidateBefore: clean and invalidate before the access only
	// (the invalidate-before-DMA-done bug: a line prefetched during the
	// device's write stays stale).
	MaintInvalidateBefore
)

var maintNames = [...]string{"none", "clean+invalidate before, invalidate after", "clean+invalidate before only"}

func (m Maint) String() string {
	if int(m) < len(maintNames) {
		return maintNames[m]
	}
	return fmt.Sprintf("Maint(%d)", m)
}

// Exporter is the exporting device and its driver.
type Exporter struct {
	Device string // its endpoint in the topology (the provider)
	Attach Attach
	Map    MapMethod
	BAR    BAR
	// Migratable: the buffer may be placed in system memory (GTT), to
	// serve an importer that cannot reach the BAR. The exporter does not
	// move it while an importer has it mapped in the BAR (the model leaves
	// move_notify out).
	Migratable bool
	// APURedirect: with a stolen BAR, every importer gets the system-memory
	// address of the same pages (attach->peer2peer cleared): Christian
	// König's "please don't write that to my PCIe BAR, but rather system
	// memory location X" (seed 004).
	APURedirect bool
	// Maint applies to peer accesses through a stolen BAR.
	Maint Maint
	// IgnoresPeer2Peer hands BAR addresses to importers that did not set
	// allow_peer2peer (the bug variant: sg entries without struct pages).
	IgnoresPeer2Peer bool
}

// Access is what an importer's DMA does.
type Access uint8

const (
	Reads Access = iota
	Writes
	ReadsWrites
)

// Importer is one importer device and its driver.
type Importer struct {
	Name   string
	Device string // its endpoint in the topology (the client)
	// AllowP2P: dma_buf_attach_ops.allow_peer2peer (a dynamic importer
	// that handles sg entries without struct pages).
	AllowP2P bool
	Access   Access
	// Retry: on a rejected attach, attach again without peer2peer.
	Retry bool
	// Copy: on a rejected attach, fall back to a CPU copy through a bounce
	// buffer in system memory.
	Copy bool
}

// Config is one model instance.
type Config struct {
	Topology  Topology
	Exporter  Exporter
	Importers []Importer
	// CPU lets the CPU read and write the buffer (through its cache with a
	// stolen BAR), with a prefetching, evicting cache.
	CPU bool
	// Lines is the number of cache lines of the buffer (1..MaxLines).
	Lines int
}

// Limits of the state space.
const (
	MaxImporters = 2
	MaxLines     = 2
	MaxWrites    = 3
)

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	if err := c.Topology.Validate(); err != nil {
		return err
	}
	prov := c.Topology.Index(c.Exporter.Device)
	switch {
	case prov < 0 || c.Topology.Nodes[prov].Kind != Endpoint:
		return fmt.Errorf("exporter device %q is not an endpoint of topology %s", c.Exporter.Device, c.Topology.Name)
	case len(c.Importers) < 1 || len(c.Importers) > MaxImporters:
		return fmt.Errorf("1..%d importers, not %d", MaxImporters, len(c.Importers))
	case c.Lines < 1 || c.Lines > MaxLines:
		return fmt.Errorf("lines must be 1..%d, not %d", MaxLines, c.Lines)
	case c.Exporter.Attach > AttachReject || c.Exporter.Map > MapCPUPhys || c.Exporter.BAR > BARStolen || c.Exporter.Maint > MaintInvalidateBefore:
		return fmt.Errorf("unknown exporter policy")
	case c.Exporter.APURedirect && c.Exporter.BAR != BARStolen:
		return fmt.Errorf("the APU redirect needs a stolen BAR")
	case c.Exporter.Maint != MaintNone && c.Exporter.BAR != BARStolen:
		return fmt.Errorf("cache maintenance applies to a stolen BAR")
	case c.CPU && c.Exporter.BAR != BARStolen:
		return fmt.Errorf("the CPU agent models cached access to a stolen BAR; VRAM is mapped uncached")
	}
	for i, im := range c.Importers {
		n := c.Topology.Index(im.Device)
		switch {
		case n < 0 || c.Topology.Nodes[n].Kind != Endpoint || n == prov:
			return fmt.Errorf("importer %d: device %q is not another endpoint of topology %s", i, im.Device, c.Topology.Name)
		case im.Access > ReadsWrites:
			return fmt.Errorf("importer %d: unknown access", i)
		case im.Retry && !im.AllowP2P:
			return fmt.Errorf("importer %d: only a peer2peer importer can retry without it", i)
		}
	}
	return nil
}
