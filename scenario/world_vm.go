package scenario

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The "vm" section of a world file declares the vm family's objects: two
// VMs sharing a dma-buf, the design of vm-a's driver, how vm-b's
// operations and the producer's fences cross, and the rings as a
// parameter:
//
//	vm:
//	  design: hyper_dmabuf        # xen-zcopy, exporter-only
//	  acked: true                 # vm-b's operations wait for vm-a's reply
//	  fences: ordered             # none, ordered, unordered (proxy fences)
//	  frames: 2                   # 1..2 frames written by vm-a's producer
//	  move-notify-waits: true     # move_notify waits for INVALIDATE's ack
//	  ring: {cap: 2, order: reordering, losses: 1}
//	  retry: true                 # vm-b retransmits (needs acked and losses)
//
// Every field changes the model or is rejected where it is written.

var (
	vmFields      = []string{"design", "acked", "fences", "frames", "move-notify-waits", "ring", "retry"}
	vmRingFields  = []string{"cap", "order", "losses"}
	vmDesignNames = []string{world.HyperDmabuf.String(), world.XenZcopy.String(), world.ExporterOnly.String()}
	vmFenceNames  = []string{"none", "ordered", "unordered"}
	vmOrderNames  = []string{"reordering", "fifo"}
)

// vmSection reads a world file's "vm" section into s.VM. Frames and the
// ring's capacity default to 1.
func (f *fileReader) vmSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, vmFields)
	v := world.VMSpec{Frames: 1, Ring: world.VMRing{Cap: 1}}
	if x, ok := m["design"]; ok {
		v.Design = world.VMDesign(f.choice(x, "design", vmDesignNames))
	}
	if x, ok := m["acked"]; ok {
		v.Acked = f.bool(x)
		if v.Acked && v.Design == world.XenZcopy {
			f.fail(x, "vm: acked: xen-zcopy sends no remote operations to acknowledge")
		}
	}
	if x, ok := m["fences"]; ok {
		v.Fences = world.ProxyFences(f.choice(x, "fence propagation", vmFenceNames))
		if v.Fences != world.NoProxyFences && v.Design == world.XenZcopy {
			f.fail(x, "vm: fences: xen-zcopy has no inter-VM messages to carry fences")
		}
	}
	if x, ok := m["frames"]; ok {
		v.Frames = f.int(x, 1, world.MaxVMFrames)
	}
	if x, ok := m["move-notify-waits"]; ok {
		v.MoveNotifyWaits = f.bool(x)
		if v.MoveNotifyWaits && v.Design == world.ExporterOnly {
			f.fail(x, "vm: move-notify-waits: the exporter-only driver moves its buffer before sharing it, nobody to wait for")
		}
	}
	if x, ok := m["ring"]; ok {
		rm := f.mapping(x, vmRingFields)
		if c, ok := rm["cap"]; ok {
			v.Ring.Cap = f.int(c, 1, world.MaxRingCap)
		}
		if o, ok := rm["order"]; ok {
			v.Ring.Order = world.RingOrder(f.choice(o, "ring order", vmOrderNames))
			if v.Ring.Cap == 1 && v.Ring.Order == world.RingFIFO {
				f.fail(o, "vm: ring: order: a ring of capacity 1 holds one message, it has no order")
			}
		}
		if l, ok := rm["losses"]; ok {
			v.Ring.Losses = f.int(l, 0, world.MaxRingLosses)
		}
	}
	if x, ok := m["retry"]; ok {
		v.Retry = f.bool(x)
		switch {
		case v.Retry && (!v.Acked || v.Design == world.XenZcopy):
			f.fail(x, "vm: retry: retransmission needs acknowledged operations (acked: true)")
		case v.Retry && v.Ring.Losses == 0:
			f.fail(x, "vm: retry: retransmission needs a lossy ring (ring: {losses: 1..%d})", world.MaxRingLosses)
		}
	}
	s.VM = v
}

// writeVMSection renders s.VM as a world file's "vm" section; nil when
// the spec declares none of the family's objects.
func writeVMSection(s *world.Spec) (*yaml.Node, error) {
	v := s.VM
	if v == (world.VMSpec{}) {
		return nil, nil
	}
	n := mapping()
	add := func(k, val string) { n.Content = append(n.Content, scalar(k), scalar(val)) }
	add("design", v.Design.String())
	if v.Acked && v.Design != world.XenZcopy {
		add("acked", "true")
	}
	if v.Fences != world.NoProxyFences && int(v.Fences) < len(vmFenceNames) {
		add("fences", vmFenceNames[v.Fences])
	}
	add("frames", strconv.Itoa(v.Frames))
	if v.MoveNotifyWaits && v.Design != world.ExporterOnly {
		add("move-notify-waits", "true")
	}
	ring := mapping()
	ring.Style = yaml.FlowStyle
	ring.Content = append(ring.Content, scalar("cap"), scalar(strconv.Itoa(v.Ring.Cap)))
	if v.Ring.Cap > 1 && int(v.Ring.Order) < len(vmOrderNames) {
		ring.Content = append(ring.Content, scalar("order"), scalar(vmOrderNames[v.Ring.Order]))
	}
	ring.Content = append(ring.Content, scalar("losses"), scalar(strconv.Itoa(v.Ring.Losses)))
	n.Content = append(n.Content, scalar("ring"), ring)
	if v.Retry {
		add("retry", "true")
	}
	return n, nil
}
