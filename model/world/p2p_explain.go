package world

import (
	"fmt"
	"strings"
)

// The p2p family's narration of a counterexample: what each CPU load and
// peer DMA read returned and from where, and, for the family's
// properties, the broken rule with the steps and importers involved: the
// BAR mapped through an address the path does not route and why the
// exporter chose it, the transfer the platform drops, the stale version
// read through a stolen-memory BAR and the cache maintenance missing
// around the peer access, the rejected importer left without a fallback,
// and BAR addresses handed to an importer that did not allow peer2peer.

// p2pNarrator walks a trace once, remembering when each importer attached
// and started its DMA, who wrote each version of each line, and when the
// CPU cache filled each line.
type p2pNarrator struct {
	t *trail
	c *core
	// attached[i] and started[i] are the steps importer i last attached
	// and last started a DMA.
	attached, started []int
	// wrote[l][v] is the step that wrote version v of line l, and by[l][v]
	// the writer; filled[l] the step the CPU cache last filled line l.
	wrote  [][MaxVersion + 1]int
	by     [][MaxVersion + 1]string
	filled []int
	// moved is the step of the exporter's migration (dma_buf_move_notify),
	// lost the step a DMA write through the BAR it left completed.
	moved, lost int
}

// p2pExplain is the p2p family's narration (a familyExplain).
func (c *core) p2pExplain(t *trail, property string) (string, bool) {
	if !c.p2p.used {
		return "", false
	}
	s := &c.spec.P2P
	n := &p2pNarrator{t: t, c: c, attached: make([]int, len(s.Importers)), started: make([]int, len(s.Importers)),
		wrote: make([][MaxVersion + 1]int, s.Lines), by: make([][MaxVersion + 1]string, s.Lines), filled: make([]int, s.Lines)}
	for i := 1; i < len(t.path); i++ {
		n.step(i)
	}
	flag := func(f uint8) func(v View) bool { return func(v View) bool { return *v.p2pGhost()&f == 0 } }
	switch property {
	case P2PRoutable:
		return n.unroutable(flag(p2pFlagUnroutable)), true
	case P2PNoDropped:
		return n.dropped(flag(p2pFlagDropped)), true
	case P2PNoStaleRead:
		return n.staleRead(flag(p2pFlagStaleRead)), true
	case P2PFallback:
		return n.noFallback(flag(p2pFlagNoFallback)), true
	case P2PBAROnlyToP2P:
		return n.noPages(flag(p2pFlagNoPages)), true
	}
	return "", false
}

// step annotates step i and records what it did.
func (n *p2pNarrator) step(i int) {
	t, c := n.t, n.c
	t.calls(i, func(call Call, b, a View) {
		if familyOf(call.Kind) != famP2P {
			return
		}
		for l := range c.spec.P2P.Lines {
			if v := *a.p2pLatest(l); v != *b.p2pLatest(l) {
				n.wrote[l][v&lineVer] = i
				n.by[l][v&lineVer] = n.writer(i, call)
			}
		}
		switch call.Kind {
		case KP2PAttach, KP2PRetry, KP2PCopy:
			n.attached[call.Dev] = i
		case KP2PDMARead, KP2PDMAWrite:
			n.started[call.Dev] = i
		case KP2PMigrate:
			n.moved = i
		case KP2PDMADone:
			if d := *b.p2pDMA(call.Dev); d&p2pDMAMovedBAR != 0 {
				what := "read garbage"
				if d&p2pDMAPhase == p2pDMAWrite {
					what, n.lost = "wrote, lost to the buffer,", i
				}
				t.observe(i, fmt.Sprintf("%s's DMA %s through the BAR the buffer moved out of", c.p2pImpName(call.Dev), what))
			} else if d&p2pDMAPhase == p2pDMARead && d&p2pDMADropped == 0 {
				for l := range c.spec.P2P.Lines {
					ver, from := n.devRead(b, call.Dev, l)
					t.observe(i, fmt.Sprintf("%s's DMA read v%d of line %d %s", c.p2pImpName(call.Dev), ver, l, from))
				}
			}
		case KP2PCPURead:
			ver, from := n.cpuRead(b, call.Line)
			t.observe(i, fmt.Sprintf("the CPU read v%d of line %d %s", ver, call.Line, from))
			if c.p2p.cached && *b.p2pCache(call.Line) == lineInvalid {
				n.filled[call.Line] = i
			}
		case KP2PPrefetch:
			n.filled[call.Line] = i
		}
	})
}

// writer names who wrote at step i with call.
func (n *p2pNarrator) writer(i int, call Call) string {
	if call.Kind == KP2PCPUWrite {
		return "the CPU"
	}
	return n.c.p2pImpName(call.Dev) + "'s DMA"
}

// cpuRead is what a CPU load of line l returns in v, and from where.
func (n *p2pNarrator) cpuRead(v View, l int) (uint8, string) {
	if n.c.p2p.cached {
		if x := *v.p2pCache(l); x != lineInvalid {
			return x & lineVer, "from its cache"
		}
		return *v.p2pMem(l), "from the stolen memory behind the BAR"
	}
	if *v.p2pPlace() == p2pPlaceSys {
		return *v.p2pMem(l), "from system memory, where the exporter migrated the buffer"
	}
	return *v.p2pMem(l), "through its uncached mapping of the BAR"
}

// devRead is what importer d's DMA read of line l returns in v, and from
// where: a peer access through a stolen BAR is not snooped.
func (n *p2pNarrator) devRead(v View, d, l int) (uint8, string) {
	peer := v.P2PAttachment(d) == P2PAttPeer
	if n.c.p2p.cached && !peer {
		if x := *v.p2pCache(l); x&lineState == lineDirty {
			return x & lineVer, "snooped from the CPU's cache"
		}
	}
	if peer {
		return *v.p2pMem(l), "through the BAR"
	}
	return *v.p2pMem(l), "from system memory"
}

// addrPlural names the addresses of an address kind, as handed out.
func addrPlural(a P2PAddr) string {
	switch a {
	case AddrBus:
		return "PCI bus addresses"
	case AddrIOVA:
		return "IOVAs (dma_map_resource)"
	case AddrCPUPhys:
		return "the BAR's CPU physical addresses"
	}
	return a.String()
}

// pathWhy says why importer i's path to the BAR needs another address
// than the exporter handed out, or is not supported at all.
func (n *p2pNarrator) pathWhy(i int) string {
	c := n.c
	ex := &c.spec.P2P.Exporter
	p := &c.p2p.path[i]
	imp := c.p2pImpName(i)
	switch {
	case p.mt == MapNotSupported:
		s := fmt.Sprintf("pci_p2pdma_distance finds no peer-to-peer path from %s to the BAR (PCI_P2PDMA_MAP_NOT_SUPPORTED)", imp)
		if ex.Attach == P2PAttachNaive {
			s += ", and the exporter's attach kept attach->peer2peer without asking it (amdgpu_dma_buf_attach clears it when the distance is < 0)"
		}
		return s
	case p.mt == MapBusAddr && p.addr != AddrBus:
		return fmt.Sprintf("the path goes through a common switch (%s, distance %d), which takes PCI bus addresses (pci_p2pdma_bus_addr_map), and map_dma_buf handed out %s",
			p.mt, p.dist, addrPlural(p.addr))
	case p.mt == MapThruHostBridge && p.addr != AddrIOVA:
		return fmt.Sprintf("the path goes through the host bridge (%s, distance %d), which takes an IOVA from dma_map_resource, and map_dma_buf handed out %s",
			p.mt, p.dist, addrPlural(p.addr))
	}
	return fmt.Sprintf("the path is %s (distance %d), and map_dma_buf handed out %s", p.mt, p.dist, addrPlural(p.addr))
}

// unroutable explains p2p-mapping-routable: the attach that mapped the BAR
// through an address the path does not take.
func (n *p2pNarrator) unroutable(holds func(View) bool) string {
	i, call, _, _ := n.t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	rule := "a peer-to-peer mapping must use an address the platform routes from the importer to the BAR (kernel-rules §9): " + n.pathWhy(call.Dev)
	if p := &n.c.p2p.path[call.Dev]; !p.routed {
		rule += "; " + p.why
	}
	return n.t.story(i, rule)
}

// dropped explains p2p-no-dropped-transfer: the DMA the platform drops and
// the mapping that sent it there.
func (n *p2pNarrator) dropped(holds func(View) bool) string {
	t, c := n.t, n.c
	i, call, before, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	d := call.Dev
	p := &c.p2p.path[d]
	what := "read"
	if call.Kind == KP2PDMAWrite {
		what = "write"
	}
	s := fmt.Sprintf("at step %d %s's device started a peer DMA %s through its mapping of the BAR (%s, attached at step %d), and the platform drops it: %s",
		i, c.p2pImpName(d), what, addrPlural(before.p2pAddrOf(d)), n.attached[d], p.why)
	if p.mt != MapNotSupported && (p.mt == MapBusAddr) == (p.addr == AddrBus) && (p.mt == MapThruHostBridge) == (p.addr == AddrIOVA) {
		s += fmt.Sprintf("; the kernel took the path for %s (distance %d), which the platform does not route as it believes", p.mt, p.dist)
	} else {
		s += "; " + n.pathWhy(d)
	}
	return s + "; no DMA transfer may be dropped by the fabric (kernel-rules §9)."
}

// staleRead explains p2p-no-stale-read-through-bar: the version read, the
// latest and its writer, and the cache maintenance missing around the
// peer access.
func (n *p2pNarrator) staleRead(holds func(View) bool) string {
	t, c := n.t, n.c
	i, call, before, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	ex := &c.spec.P2P.Exporter
	rule := "a read through the BAR must return the latest write"
	moved := "dma_buf_move_notify invalidated its peer mapping when the exporter migrated the buffer to system memory at step %d, and it did not " +
		"map the attachment again (dma_buf_map_attachment) before its DMA: the BAR region now backs other memory; a dynamic importer must re-map after move_notify " +
		"(drivers/dma-buf/dma-buf.c: dma_buf_move_notify; drivers/gpu/drm/amd/amdgpu/amdgpu_dma_buf.c: amdgpu_dma_buf_move_notify)"
	if call.Kind == KP2PDMADone && *before.p2pDMA(call.Dev)&p2pDMAMovedBAR != 0 {
		return fmt.Sprintf("at step %d %s's peer DMA read, begun at step %d, returned garbage: ", i, c.p2pImpName(call.Dev), n.started[call.Dev]) + fmt.Sprintf(moved, n.moved) + "."
	}
	for l := range c.spec.P2P.Lines {
		latest := *before.p2pLatest(l)
		var ver uint8
		var from, reader string
		switch call.Kind {
		case KP2PCPURead:
			if call.Line != l {
				continue
			}
			ver, from = n.cpuRead(before, l)
			reader = "the CPU"
		case KP2PDMADone:
			ver, from = n.devRead(before, call.Dev, l)
			reader = fmt.Sprintf("%s's peer DMA read, begun at step %d,", c.p2pImpName(call.Dev), n.started[call.Dev])
		default:
			continue
		}
		if ver >= latest {
			continue
		}
		s := fmt.Sprintf("at step %d %s read version %d of line %d %s, but the latest is version %d, written by %s at step %d",
			i, reader, ver, l, from, latest, n.by[l][latest], n.wrote[l][latest])
		switch {
		case n.lost > 0 && n.wrote[l][latest] == n.lost:
			return s + ", whose DMA write went through the BAR and was lost: " + fmt.Sprintf(moved, n.moved) + "."
		case call.Kind == KP2PDMADone && c.p2p.cached && *before.p2pCache(l)&lineState == lineDirty:
			s += fmt.Sprintf(" and still in a dirty line of the CPU's cache: the BAR is stolen system memory the CPU caches, a peer access through it is not snooped, and the exporter %s",
				maintText(ex.Maint))
		case call.Kind == KP2PCPURead && n.filled[l] > 0 && n.filled[l] < n.wrote[l][latest]:
			s += fmt.Sprintf(", while the CPU's cache kept the copy it filled at step %d (%s), during the peer access: the BAR is stolen system memory the CPU caches, the peer write through it is not snooped, and the exporter %s",
				n.filled[l], t.label(n.filled[l]), maintText(ex.Maint))
		}
		return s + "; " + rule + " (kernel-rules §9: being in a BAR does not make stolen memory device-local)."
	}
	return t.story(i, rule)
}

// maintText words the exporter's cache maintenance around a peer access.
func maintText(m P2PMaint) string {
	switch m {
	case MaintFlushAround:
		return "cleans and invalidates the CPU's lines before the access and invalidates them after it"
	case MaintInvalidateBefore:
		return "cleans and invalidates the CPU's lines before the access, not after it"
	}
	return "does no cache maintenance around it"
}

// noFallback explains p2p-rejected-attach-has-fallback: the rejected
// importer that gave up, and why the exporter rejected it.
func (n *p2pNarrator) noFallback(holds func(View) bool) string {
	t, c := n.t, n.c
	i, call, _, _ := t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	d := call.Dev
	ex := &c.spec.P2P.Exporter
	imp := c.p2pImpName(d)
	why := "the buffer could not be placed where it reaches it"
	if n.attached[d] == 0 {
		return t.story(i, "an importer gives up only after the exporter rejected its attach, and then only when no fallback is left")
	}
	v := t.state(n.attached[d] - 1)
	switch {
	case !ex.Migratable:
		why = "the buffer lives in the BAR and cannot migrate to system memory"
	case v.p2pBARMapped():
		var who []string
		for j := range c.spec.P2P.Importers {
			if v.P2PAttachment(j) == P2PAttPeer {
				who = append(who, fmt.Sprintf("%s (attached at step %d)", c.p2pImpName(j), n.attached[j]))
			}
		}
		why = fmt.Sprintf("the buffer cannot migrate to system memory while %s maps it in the BAR", strings.Join(who, " and "))
	case c.spec.P2P.Importers[d].AllowP2P && ex.Attach == P2PAttachReject:
		why = "the exporter rejects a peer-to-peer attach the topology does not support"
	}
	return t.story(i, fmt.Sprintf("an importer whose attach is rejected must fall back (attach again without peer2peer, or copy through system memory): the exporter rejected %s's attach at step %d with -EBUSY because %s, and %s neither retried nor copied",
		imp, n.attached[d], why, imp))
}

// noPages explains p2p-bar-only-to-peer2peer-importers: BAR addresses
// handed to an importer that did not set allow_peer2peer.
func (n *p2pNarrator) noPages(holds func(View) bool) string {
	i, call, _, _ := n.t.guiltyCall(holds)
	if i < 0 {
		return ""
	}
	imp := n.c.p2pImpName(call.Dev)
	return n.t.story(i, fmt.Sprintf("BAR addresses go only to importers that accept peer-to-peer (allow_peer2peer): %s did not set it, and the exporter mapped its BAR for it all the same, an sg table without struct pages its driver may touch as memory (kernel-rules §9)", imp))
}
