// Package crossvm is DMA-buf sharing across virtual machines as a pure,
// deterministic state machine over the statespace engine: hyper_dmabuf
// (RFC v2, 2018), xen-zcopy, and the exporter-only design suggested in
// their review (seed 004, dri-devel, April 2018).
//
// An exporting VM and an importing VM each have their own dma-buf view of
// the same pages. The exporting VM's driver shares the pages with an id
// (HYPER_DMABUF_EXPORT); the importing VM maps them on request
// (HYPER_DMABUF_EXPORT_FD), and the importer's dma-buf operations (begin
// and end CPU access, release) travel to the exporting VM as messages
// (HYPER_DMABUF_OPS_TO_SOURCE), where its backend replays them on the
// local dma-buf (hyper_dmabuf_remote_sync). The messages go through one
// bounded ring per direction (capacity 2) that delays and reorders them and,
// as a variant, loses them.
//
// As in the other models, a design choice is a field of Config, so each
// design in the review is a small variant of the same machine. The rules
// follow docs/kernel-rules.md §2, §3.1, §4, §10 and §12.5
// pattern 7 (kernel 6.12) and the hyper_dmabuf sources; docs/crossvm-p2p.md
// maps every action to its counterpart.
package crossvm

import "fmt"

// Design is how the exporting VM's driver obtains the buffer it shares.
type Design uint8

const (
	// HyperDmabuf re-exports a dma-buf it imported from a local producer:
	// dma_buf_attach + dma_buf_map_attachment on the original, then the
	// pages are shared with the importing VM. The pages belong to the
	// original exporter.
	HyperDmabuf Design = iota
	// XenZcopy shares the grant references and nothing else: no message
	// for the importer's map, CPU access or release reaches the exporting
	// VM ("xen-zcopy doesn't seem to have dma-buf synchronization between
	// two VMs", seed 004).
	XenZcopy
	// ExporterOnly is the review's suggestion (Daniel Vetter): the driver
	// allocates the pages and is the exporter of the local dma-buf the
	// producer imports; it never re-exports a buffer it imported, so no
	// other exporter can move or free the pages under it.
	ExporterOnly
)

var designNames = [...]string{"hyper_dmabuf", "xen-zcopy", "exporter-only"}

func (d Design) String() string {
	if int(d) < len(designNames) {
		return designNames[d]
	}
	return fmt.Sprintf("Design(%d)", d)
}

// Sync is whether the importing VM waits for the exporting VM's reply.
type Sync uint8

const (
	// Acked: sync_request(hid, op, WAIT_AFTER_SYNC_REQ): the importer's
	// operation returns when the exporting VM replied
	// HYPER_DMABUF_REQ_PROCESSED (or REQ_ERROR).
	Acked Sync = iota
	// FireAndForget: the request is queued and the operation returns at
	// once; the exporting VM replays it whenever it arrives.
	FireAndForget
)

var syncNames = [...]string{"acked", "fire-and-forget"}

func (s Sync) String() string {
	if int(s) < len(syncNames) {
		return syncNames[s]
	}
	return fmt.Sprintf("Sync(%d)", s)
}

// Consumer is what reads the buffer in the importing VM.
type Consumer uint8

const (
	// CPU reads it in dma_buf_begin_cpu_access / end_cpu_access brackets,
	// forwarded to the exporting VM as remote sync operations.
	CPU Consumer = iota
	// Device reads it with DMA jobs that take their implicit dependencies
	// from the importing VM's own dma_resv.
	Device
)

// Fences is how the producer's fences cross the VM boundary.
type Fences uint8

const (
	// NoFences: the importing VM's dma-buf has its own, empty dma_resv;
	// nothing of the producer's fences reaches it.
	NoFences Fences = iota
	// ProxyFence: the frame notification carries the producer's fence;
	// the importing VM installs a proxy dma_fence in its resv when it
	// delivers the notification, and the exporting VM's fence callback
	// sends SIGNAL when the real fence signals. The importing VM records
	// the highest seqno signalled, so a SIGNAL overtaking its notification
	// is not lost.
	ProxyFence
	// ProxyFenceUnordered is ProxyFence whose importing side drops a SIGNAL
	// for a proxy it does not know yet (the bug variant).
	ProxyFenceUnordered
)

var fenceNames = [...]string{"none", "proxy", "proxy-unordered"}

func (f Fences) String() string {
	if int(f) < len(fenceNames) {
		return fenceNames[f]
	}
	return fmt.Sprintf("Fences(%d)", f)
}

// Evict is what memory pressure in the exporting VM does to the buffer.
type Evict uint8

const (
	// NoEvict: the buffer stays where it is while shared.
	NoEvict Evict = iota
	// EvictWaits: the original exporter (a dynamic exporter) evicts the
	// buffer: dma_resv_lock, dma_buf_move_notify; hyper_dmabuf's
	// move_notify sends INVALIDATE to the importing VM and waits for its
	// acknowledgement, still under the resv lock; then the exporter moves
	// the buffer, frees the old pages and unlocks.
	EvictWaits
	// EvictAsync: the same, but move_notify returns without waiting for
	// the importing VM: the exporter frees the old pages while the
	// INVALIDATE is still on its way.
	EvictAsync
)

var evictNames = [...]string{"none", "move_notify waits for the importing VM", "move_notify does not wait"}

func (e Evict) String() string {
	if int(e) < len(evictNames) {
		return evictNames[e]
	}
	return fmt.Sprintf("Evict(%d)", e)
}

// Config is one model instance.
type Config struct {
	Design Design
	// Sync applies to the remote operations of HyperDmabuf and
	// ExporterOnly (XenZcopy has none).
	Sync     Sync
	Consumer Consumer
	Fences   Fences
	// Frames is the number of frames the producer writes (1..MaxFrames).
	Frames int
	// Unexport lets the exporting VM's user space unexport the buffer
	// (HYPER_DMABUF_UNEXPORT) at any time.
	Unexport bool
	// Evict is memory pressure in the exporting VM. With ExporterOnly the
	// driver, being the exporter, evicts only before it shares the buffer.
	Evict Evict
	// LocalReader adds the exporting VM's own reader, looping through
	// begin/end_cpu_access brackets forever: an agent that never stops,
	// so that the liveness verdicts rest on the fairness of the rings and
	// backends rather than on everything else running out of moves.
	LocalReader bool
	// Lossy lets the rings lose one message over the run.
	Lossy bool
	// Retry makes the importing VM retransmit a request whose reply does
	// not come back (a timeout longer than the rings' delivery delay), and
	// the exporting VM recognise a retransmission by its sequence bit and
	// repeat its reply without replaying the operation.
	Retry bool
}

// Limits of the state space.
const (
	MaxFrames = 2
	ChanCap   = 2 // messages per ring
	MaxLosses = 1
)

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case c.Design > ExporterOnly:
		return fmt.Errorf("unknown design %d", c.Design)
	case c.Sync > FireAndForget:
		return fmt.Errorf("unknown sync mode %d", c.Sync)
	case c.Consumer > Device:
		return fmt.Errorf("unknown consumer %d", c.Consumer)
	case c.Fences > ProxyFenceUnordered:
		return fmt.Errorf("unknown fence propagation %d", c.Fences)
	case c.Evict > EvictAsync:
		return fmt.Errorf("unknown eviction %d", c.Evict)
	case c.Frames < 1 || c.Frames > MaxFrames:
		return fmt.Errorf("frames must be 1..%d, not %d", MaxFrames, c.Frames)
	case c.Fences != NoFences && c.Consumer != Device:
		return fmt.Errorf("fence propagation feeds the importing VM's device jobs: set Consumer: Device")
	case c.Design == XenZcopy && c.Sync != Acked:
		return fmt.Errorf("xen-zcopy sends no remote operations: leave Sync at its default")
	case c.Design == XenZcopy && (c.Evict != NoEvict || c.Retry || c.Fences != NoFences):
		return fmt.Errorf("xen-zcopy has no inter-VM messages for eviction, retries or fences")
	case c.Design == ExporterOnly && c.Evict == EvictAsync:
		return fmt.Errorf("the exporter-only driver evicts only buffers it has not shared: use EvictWaits (memory pressure) or NoEvict")
	case c.Retry && (c.Sync != Acked || !c.Lossy):
		return fmt.Errorf("retransmission needs acknowledged operations over a lossy ring")
	case c.Retry && c.Evict != NoEvict:
		return fmt.Errorf("retransmission of INVALIDATE is not modelled: no eviction with Retry")
	}
	return nil
}

// acked reports whether the importing VM's operations wait for a reply.
func (c *Config) acked() bool { return c.Design != XenZcopy && c.Sync == Acked }

// remoteOps reports whether the importing VM's operations reach the
// exporting VM at all.
func (c *Config) remoteOps() bool { return c.Design != XenZcopy }

// reexportEvicts reports whether a foreign (original) exporter can evict
// the buffer while it is shared.
func (c *Config) reexportEvicts() bool { return c.Design == HyperDmabuf && c.Evict != NoEvict }
