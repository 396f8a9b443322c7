package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The vm family's narration of a counterexample: every message the rings
// deliver is drawn from the agent that sent it to the ring thread that
// receives it, a lost message is noted where the ring loses it, and a
// replayed begin_cpu_access or a device job is shown waking on the fence
// it waited for. For the family's properties it says what rule broke,
// with the steps and agents involved: the pages freed under vm-b's
// mapping and why vm-a did not know, the stale frame read and why
// nothing waited for the producer's fence, the cycle of VMs waiting for
// each other edge by edge, the remote operation never acknowledged and
// where its request or reply went, the proxy fence whose SIGNAL was
// dropped or lost.

// vmNarrator walks a trace once, following each message from its sender
// to its receiver (or its loss) and remembering when the buffer was
// shared, mapped, freed and written.
type vmNarrator struct {
	t *trail
	c *core
	// toA and toB are the messages in the rings, with their senders.
	toA, toB []vmSent
	// losses are the messages the rings lost, in order.
	losses []vmLoss
	// Steps of the buffer's life (0: not in the trace): exported by vm-a,
	// mapped by vm-b (mapper: the agent), freed by vm-a (freer), evicted
	// (dma_buf_move_notify) and moved.
	exported, mapped, freed, evicted, moved int
	mapper, freer                           string
	// Per frame k: the steps its write was submitted and completed, vm-b
	// learned of it (FRAME(k) delivered), SIGNAL(k) was sent and
	// delivered, and its proxy fence signalled.
	submitted, written, told, signalSent, signalGot, proxied [MaxVMFrames + 1]int
	// begun is the step vm-b's current access began (begin_cpu_access or
	// a device job's submission), by agent beginner.
	begun    int
	beginner string
	// requested[r] is the step vm-b last sent request r; replied[r] the
	// step vm-a last replied to it.
	requested, replied [len(reqNames)]int
}

// vmSent is a message in a ring: its bytes, the step that sent it and
// the sender.
type vmSent struct {
	msg  uint8
	step int
	from string
}

// vmLoss is a message a ring lost.
type vmLoss struct {
	vmSent
	toB  bool
	lost int
}

// vmExplain is the vm family's narration (a familyExplain).
func (c *core) vmExplain(t *trail, property string) (string, bool) {
	if c.lay.vmChain >= 0 {
		return c.vmChainExplain(t, property)
	}
	if c.lay.vm < 0 {
		return "", false
	}
	n := &vmNarrator{t: t, c: c}
	for i := 1; i < len(t.path); i++ {
		n.step(i)
	}
	switch {
	case property == VMNoUseAfterFree:
		return n.useAfterFree(), true
	case property == VMNoStaleRead:
		return n.staleRead(), true
	case property == VMNoDeadlock:
		return n.cycle(), true
	case strings.HasPrefix(property, VMRemoteOpAcked+"/"):
		return n.notAcked(strings.TrimPrefix(property, VMRemoteOpAcked+"/")), true
	case strings.HasPrefix(property, VMProxySignals+"/frame"):
		var k int
		if _, err := fmt.Sscanf(strings.TrimPrefix(property, VMProxySignals+"/frame"), "%d", &k); err == nil && k >= 1 && k <= MaxVMFrames {
			return n.proxyNeverSignals(k), true
		}
	case property == statespace.DeadlockProperty:
		return n.stuck(), true
	}
	return "", false
}

// msgName names message m of the ring to vm-b (toB) or to vm-a, with its
// sequence bit when the world retransmits.
func (n *vmNarrator) msgName(m uint8, toB bool) string {
	s := VMMsgName(m&^MsgSeq, toB)
	if n.c.spec.VM.Retry && (toB && kindOf(m) == MsgReply || !toB && kindOf(m) != MsgInvAck) {
		s += fmt.Sprintf(" #%d", m>>7)
	}
	return s
}

// ringName names the ring to vm-b (toB) or to vm-a.
func ringName(toB bool) string {
	if toB {
		return "the ring to vm-b"
	}
	return "the ring to vm-a"
}

// step annotates step i and records what it did.
func (n *vmNarrator) step(i int) {
	t := n.t
	a := t.action(i)
	who := t.agent(i)
	b, s := t.state(i-1).vm(), t.state(i).vm()
	var call Call
	if len(a.e.Ops) == 1 {
		call = a.e.Ops[0]
	}
	n.ring(i, call, &b.ToA, &s.ToA, &n.toA, false)
	n.ring(i, call, &b.ToB, &s.ToB, &n.toB, true)
	if b.Exp == expNone && s.Exp != expNone {
		n.exported = i
	}
	if b.BMap != mapMapped && s.BMap == mapMapped {
		n.mapped, n.mapper = i, who
	}
	if b.Pages&pagesFreed == 0 && s.Pages&pagesFreed != 0 {
		n.freed, n.freer = i, who
	}
	for k := 1; k <= MaxVMFrames; k++ {
		if b.submitted() < k && s.submitted() >= k {
			n.submitted[k] = i
		}
		if b.done() < k && s.done() >= k {
			n.written[k] = i
		}
		if b.proxy(k) != proxySignalled && s.proxy(k) == proxySignalled {
			n.proxied[k] = i
		}
	}
	switch call.Kind {
	case KVMEvict:
		n.evicted = i
	case KVMMove:
		n.moved = i
	case KVMFenceCallback:
		n.signalSent[call.N] = i
	case KVMBeginCPU, KVMSubmitJob:
		n.begun, n.beginner = i, who
	case KVMRemoteBeginDone:
		if k := int(b.RxA >> 4); k >= 1 && k <= MaxVMFrames && n.written[k] > 0 {
			t.send(i, t.who(n.written[k]), who, fmt.Sprintf("wait returns: frame %d's write fence signalled at step %d", k, n.written[k]))
		}
	case KVMRunJob:
		for k := 1; k <= MaxVMFrames; k++ {
			if b.Job>>vmJobDepsShift&(1<<(k-1)) != 0 && n.proxied[k] > 0 {
				t.send(i, t.who(n.proxied[k]), who, fmt.Sprintf("proxy fence of frame %d signalled at step %d", k, n.proxied[k]))
			}
		}
	}
}

// ring follows one ring over step i: the messages sent, delivered (drawn
// from their sender to the receiver) and lost.
func (n *vmNarrator) ring(i int, call Call, before, after *[MaxRingCap]uint8, q *[]vmSent, toB bool) {
	t := n.t
	who := t.agent(i)
	left := append([]uint8(nil), after[:]...)
	for _, m := range before {
		if m == 0 {
			continue
		}
		if k := indexOf(left, m); k >= 0 {
			left[k] = 0
			continue
		}
		// m left the ring: the oldest copy of it.
		j := 0
		for j < len(*q) && (*q)[j].msg != m {
			j++
		}
		sent := vmSent{msg: m}
		if j < len(*q) {
			sent = (*q)[j]
			*q = append((*q)[:j:j], (*q)[j+1:]...)
		}
		name := n.msgName(m, toB)
		switch call.Kind {
		case KVMRingLose:
			n.losses = append(n.losses, vmLoss{vmSent: sent, toB: toB, lost: i})
			t.observe(i, fmt.Sprintf("%s lost %s, sent by %s at step %d", ringName(toB), name, sent.from, sent.step))
		default:
			if sent.from != "" && sent.from != who {
				t.send(i, sent.from, who, fmt.Sprintf("%s (sent at step %d)", name, sent.step))
			}
			if k := int(argOf(m)); toB && k >= 1 && k <= MaxVMFrames {
				switch kindOf(m) {
				case MsgFrame:
					n.told[k] = i
				case MsgSignal:
					n.signalGot[k] = i
				}
			}
		}
	}
	for _, m := range left {
		if m != 0 {
			*q = append(*q, vmSent{msg: m, step: i, from: who})
			switch {
			case toB && kindOf(m) == MsgReply:
				n.replied[argOf(m)&7%uint8(len(reqNames))] = i
			case !toB && int(kindOf(m)) < len(reqNames):
				n.requested[kindOf(m)] = i
			}
		}
	}
}

// indexOf is the index of m in s, or -1.
func indexOf(s []uint8, m uint8) int {
	for i, x := range s {
		if x == m {
			return i
		}
	}
	return -1
}

// lossOf returns the last loss of a message of kind kind in the ring to
// vm-b (toB) or to vm-a, if any.
func (n *vmNarrator) lossOf(toB bool, match func(m uint8) bool) (vmLoss, bool) {
	for j := len(n.losses) - 1; j >= 0; j-- {
		if l := n.losses[j]; l.toB == toB && match(l.msg) {
			return l, true
		}
	}
	return vmLoss{}, false
}

// useAfterFree explains crossvm-no-page-use-after-free: the step that
// freed the pages under vm-b's mapping (or mapped freed pages), and why
// vm-a did not know.
func (n *vmNarrator) useAfterFree() string {
	t, c := n.t, n.c
	sp := &c.spec.VM
	i, call, before, _ := t.guiltyCall(func(v View) bool { return v.vm().Flags&vmFlagUAF == 0 })
	if i < 0 {
		return ""
	}
	rule := "no VM may touch pages after their owner freed them: the grant must outlive every use"
	b := before.vm()
	if b.Pages&pagesFreed != 0 {
		return fmt.Sprintf("at step %d %s's %s mapped vm-a's pages, which %s freed at step %d (%s); %s.", i, t.agent(i), t.label(i), n.freer, n.freed, t.label(n.freed), rule)
	}
	s := fmt.Sprintf("at step %d %s's %s freed vm-a's pages while vm-b still maps them (mapped at step %d: %s)", i, t.agent(i), t.label(i), n.mapped, t.label(n.mapped))
	var why string
	switch {
	case sp.Design == XenZcopy:
		why = "xen-zcopy tells vm-a nothing of vm-b's mapping: vm-b's map and release never reach it, so nothing keeps the grants alive"
	case call.Kind == KVMMove && !sp.MoveNotifyWaits && n.evicted > 0:
		why = fmt.Sprintf("hyper_dmabuf's move_notify sent INVALIDATE at step %d and returned without waiting for vm-b to stop using the pages", n.evicted)
		if ringHas(&b.ToB, MsgInvalidate) {
			why += " (INVALIDATE is still in the ring to vm-b)"
		}
	case !sp.acked() && b.Active == 0:
		why = "vm-a counts no importer (exported->active is 0)"
		if r := n.requested[ReqExportFD]; ringFind(&b.ToA, ReqExportFD) != 0 {
			why += fmt.Sprintf(": vm-b's EXPORT_FD, sent at step %d without waiting for vm-a's reply, is still in the ring to vm-a", r)
		} else if l, ok := n.lossOf(false, func(m uint8) bool { return kindOf(m) == ReqExportFD }); ok {
			why += fmt.Sprintf(": the ring to vm-a lost vm-b's EXPORT_FD at step %d", l.lost)
		}
	default:
		why = fmt.Sprintf("vm-a counted %d importers (exported->active)", b.Active)
	}
	return s + ": " + why + "; " + rule + "."
}

// staleRead explains crossvm-no-stale-read: the frame read, the frame vm-b
// was entitled to, and why nothing waited for it.
func (n *vmNarrator) staleRead() string {
	t, c := n.t, n.c
	sp := &c.spec.VM
	i, call, before, _ := t.guiltyCall(func(v View) bool { return v.vm().Flags&vmFlagStaleRead == 0 })
	if i < 0 {
		return ""
	}
	b := before.vm()
	w := int(b.Want)
	reader := "vm-b's CPU"
	if call.Kind == KVMRunJob {
		reader = "vm-b's device job"
	}
	s := fmt.Sprintf("at step %d %s read frame %d from the pages, but its access, begun at step %d (%s), is entitled to frame %d: vm-b was told of it at step %d (FRAME(%d), sent by vm-a's producer at step %d)",
		i, reader, b.Mem, n.begun, t.label(n.begun), w, n.told[w], w, n.submitted[w])
	var why string
	switch {
	case b.Pages&pagesMoved != 0:
		why = fmt.Sprintf("the buffer moved at step %d, and vm-b reads the old pages", n.moved)
	case b.pendingFrame() == w && call.Kind == KVMRunJob && sp.Fences == NoProxyFences:
		why = fmt.Sprintf("frame %d's write is still in flight, and the job had no dependency on it: the producer's fences do not cross to vm-b, so vm-b's dma_resv holds nothing to wait for", w)
	case b.pendingFrame() == w && call.Kind == KVMRunJob:
		why = fmt.Sprintf("frame %d's write is still in flight, and the job, submitted before the proxy fence of frame %d was installed, did not wait for it", w, w)
	case b.pendingFrame() == w && sp.Design == XenZcopy:
		why = fmt.Sprintf("frame %d's write is still in flight, and xen-zcopy's begin_cpu_access never reaches vm-a: nothing waits for the producer's fence", w)
	case b.pendingFrame() == w && !sp.acked():
		why = fmt.Sprintf("frame %d's write is still in flight: vm-b's BEGIN_CPU_ACCESS went to vm-a without waiting for its reply, so vm-b reads before vm-a's begin_cpu_access waited for the write fence", w)
	case b.pendingFrame() == w:
		why = fmt.Sprintf("frame %d's write is still in flight", w)
	}
	if why != "" {
		s += "; " + why
	}
	return s + "; a remote reader must see the newest frame it was told of when its access began."
}

// waitChain words the wait-for graph of v from node start: each node that
// waits, since which step, and why, up to a node that waits for nothing,
// a lost message, or the start of a cycle (cyclic: true).
func (n *vmNarrator) waitChain(v View, start int) (parts []string, cyclic bool) {
	edges := v.vmWaits()
	seen := map[int]bool{}
	for node := start; ; {
		if seen[node] {
			return parts, true
		}
		seen[node] = true
		var e *vmWait
		for k := range edges {
			if edges[k].from == node {
				e = &edges[k]
				break
			}
		}
		if e == nil {
			return parts, false
		}
		p := fmt.Sprintf("the %s: %s", n.nodeSince(e.from, n.edgeSince(*e)), e.why)
		if e.to == wfLost {
			p += n.lostDetail(v, e.from)
			parts = append(parts, p)
			return parts, false
		}
		parts = append(parts, p)
		node = e.to
	}
}

// nodeSince names wait-for node node, waiting since step k: "vm-b user
// (since step 6)", "vm-a exporter (move_notify, since step 7)".
func (n *vmNarrator) nodeSince(node, k int) string {
	name := waitNodeNames[node]
	if strings.HasSuffix(name, ")") {
		return fmt.Sprintf("%s, since step %d)", name[:len(name)-1], k)
	}
	return fmt.Sprintf("%s (since step %d)", name, k)
}

// edgeSince is the first step from which wait e is in every state up to
// the last.
func (n *vmNarrator) edgeSince(e vmWait) int {
	has := func(v View) bool {
		for _, x := range v.vmWaits() {
			if x.from == e.from && x.to == e.to {
				return true
			}
		}
		return false
	}
	j := len(n.t.path) - 1
	for j > 0 && has(n.t.state(j-1)) {
		j--
	}
	return j
}

// lostDetail says where the message node waits for went.
func (n *vmNarrator) lostDetail(v View, node int) string {
	s := v.vm()
	retry := ""
	if !n.c.spec.VM.Retry {
		retry = ", and vm-b does not retransmit"
	}
	switch node {
	case wfVMBUser:
		r := v.request(s)
		if l, ok := n.lossOf(false, func(m uint8) bool { return m == r }); ok {
			return fmt.Sprintf(": the ring to vm-a lost %s, sent at step %d, at step %d%s", n.msgName(r, false), l.step, l.lost, retry)
		}
		if l, ok := n.lossOf(true, func(m uint8) bool { return kindOf(m) == MsgReply && argOf(m) == kindOf(r) }); ok {
			return fmt.Sprintf(": vm-a replied at step %d, and the ring to vm-b lost the reply at step %d%s", l.step, l.lost, retry)
		}
	case wfVMAExporter:
		if l, ok := n.lossOf(true, func(m uint8) bool { return kindOf(m) == MsgInvalidate }); ok {
			return fmt.Sprintf(": the ring to vm-b lost INVALIDATE at step %d", l.lost)
		}
		if l, ok := n.lossOf(false, func(m uint8) bool { return kindOf(m) == MsgInvAck }); ok {
			return fmt.Sprintf(": the ring to vm-a lost INVALIDATE's ack at step %d", l.lost)
		}
	case wfProxy1, wfProxy2:
		return ": " + n.proxyFate(node-wfProxy1+1)
	}
	return ""
}

// proxyFate says what became of frame k's SIGNAL.
func (n *vmNarrator) proxyFate(k int) string {
	sp := &n.c.spec.VM
	switch {
	case n.signalSent[k] == 0:
		return fmt.Sprintf("vm-a's fence callback never sent SIGNAL(%d)", k)
	case n.signalGot[k] > 0 && n.signalGot[k] < n.told[k] && sp.Fences == ProxyUnordered:
		order := "the reordering ring"
		if sp.Ring.Order == RingFIFO {
			order = "the ring"
		}
		return fmt.Sprintf("vm-a's fence callback sent SIGNAL(%d) at step %d, after frame %d's write completed at step %d, but %s delivered it at step %d, before FRAME(%d) (step %d), "+
			"and vm-b drops a SIGNAL for a proxy fence it does not know yet", k, n.signalSent[k], k, n.written[k], order, n.signalGot[k], k, n.told[k])
	}
	if l, ok := n.lossOf(true, func(m uint8) bool { return kindOf(m) == MsgSignal && int(argOf(m)) == k }); ok {
		return fmt.Sprintf("the ring to vm-b lost SIGNAL(%d), sent at step %d, at step %d", k, l.step, l.lost)
	}
	return fmt.Sprintf("SIGNAL(%d) never reached vm-b", k)
}

// cycle explains crossvm-no-deadlock-cycle: the step that closed the
// cycle and the cycle, edge by edge.
func (n *vmNarrator) cycle() string {
	t := n.t
	i := t.violatedAt(func(v View) bool { return !vmHasCycle(v.vmWaits()) })
	if i < 0 {
		return ""
	}
	parts, start := n.cycleParts(t.state(i))
	if parts == nil {
		return ""
	}
	return fmt.Sprintf("at step %d (%s) a cycle of VMs waiting for each other formed, from the %s: %s; no such cycle may form%s.",
		i, n.c.names[t.acts[i-1]], waitNodeNames[start], strings.Join(parts, "; "), n.cycleRule())
}

// cycleParts words the cycle of v's wait-for graph the checker reports
// (the same search over the same edges), edge by edge, and returns the
// node it starts from.
func (n *vmNarrator) cycleParts(v View) ([]string, int) {
	ws := v.vmWaits()
	edges := make([]statespace.WaitEdge, len(ws))
	for k, w := range ws {
		edges[k] = statespace.WaitEdge{From: waitNodeNames[w.from], To: waitNodeNames[w.to], Why: w.why}
	}
	cyc := waitCycle(edges)
	if cyc == nil {
		return nil, 0
	}
	var parts []string
	start := 0
	for j, e := range cyc {
		for _, w := range ws {
			if waitNodeNames[w.from] == e.From && waitNodeNames[w.to] == e.To && w.why == e.Why {
				parts = append(parts, fmt.Sprintf("the %s: %s", n.nodeSince(w.from, n.edgeSince(w)), w.why))
				if j == 0 {
					start = w.from
				}
				break
			}
		}
	}
	return parts, start
}

// cycleRule names the design choice that lets hyper_dmabuf's cycle form.
func (n *vmNarrator) cycleRule() string {
	sp := &n.c.spec.VM
	if sp.Design == HyperDmabuf && sp.MoveNotifyWaits && sp.acked() {
		return ": hyper_dmabuf's move_notify waits for vm-b under the dma_resv lock while vm-b's round trip, under hyper_dmabuf's lock, waits for vm-a to take that dma_resv lock"
	}
	return ""
}

// notAcked explains crossvm-remote-op-acked/OP: the request (or
// INVALIDATE) never acknowledged and where it went.
func (n *vmNarrator) notAcked(op string) string {
	t := n.t
	last := len(t.path) - 1
	v := t.state(last)
	s := v.vm()
	start, what := wfVMBUser, ""
	if op == "INVALIDATE" {
		start = wfVMAExporter
		what = fmt.Sprintf("the INVALIDATE %s's move_notify sent at step %d is never acknowledged", t.who(n.evicted), n.evicted)
	} else {
		r := s.outstanding()
		if r == 0 || reqNames[r] != op {
			return ""
		}
		what = fmt.Sprintf("the request %s that %s sent at step %d is never acknowledged", op, t.who(n.requested[r]), n.requested[r])
	}
	parts, cyclic := n.waitChain(v, start)
	if j := t.loopStart(); j >= 0 {
		what += fmt.Sprintf(" while steps %d..%d repeat", j+1, last)
	}
	s2 := what
	if len(parts) > 0 {
		s2 += ": " + strings.Join(parts, "; ")
	}
	switch {
	case cyclic:
		s2 += "; a cycle of VMs waiting for each other" + n.cycleRule()
	case op != "INVALIDATE":
		s2 += "; sync_request(…, WAIT_AFTER_SYNC_REQ) waits without a timeout, so every remote operation must be acknowledged"
		if n.c.spec.VM.Ring.Losses > 0 && !n.c.spec.VM.Retry {
			s2 += ": over a lossy ring that takes retransmission"
		}
	default:
		s2 += "; move_notify waits, holding the dma_resv lock, for an acknowledgement that must come"
	}
	return s2 + "."
}

// proxyNeverSignals explains crossvm-proxy-fence-signals/frameK: why
// vm-b's proxy fence of frame k stays pending.
func (n *vmNarrator) proxyNeverSignals(k int) string {
	t := n.t
	last := len(t.path) - 1
	if t.state(last).vm().proxy(k) != proxyPending {
		return ""
	}
	s := fmt.Sprintf("the proxy fence of frame %d, installed by %s at step %d (FRAME(%d), sent at step %d), never signals", k, t.who(n.told[k]), n.told[k], k, n.submitted[k])
	if j := t.loopStart(); j >= 0 {
		s += fmt.Sprintf(" while steps %d..%d repeat", j+1, last)
	}
	s += ": " + n.proxyFate(k)
	if n.c.spec.VM.Fences == ProxyUnordered {
		s += "; vm-b must keep a SIGNAL that overtakes its FRAME (record the highest seqno signalled), or the ring must keep their order"
	}
	return s + "."
}

// stuck explains a deadlock of the family: the cycle, or the chains that
// end at something nobody will do.
func (n *vmNarrator) stuck() string {
	v := n.t.state(len(n.t.path) - 1)
	if parts, start := n.cycleParts(v); parts != nil {
		return fmt.Sprintf("a cycle from the %s: %s; no cycle of VMs waiting for each other may form%s.", waitNodeNames[start], strings.Join(parts, "; "), n.cycleRule())
	}
	var out []string
	proxy := false
	waiting := map[int]bool{}
	for _, e := range v.vmWaits() {
		waiting[e.to] = true
	}
	for node := range numWaitNodes {
		if waiting[node] {
			continue // told as part of a chain that reaches it
		}
		if parts, _ := n.waitChain(v, node); len(parts) > 0 {
			out = append(out, strings.Join(parts, "; "))
		}
	}
	for _, e := range v.vmWaits() {
		proxy = proxy || e.from == wfProxy1 || e.from == wfProxy2
	}
	if len(out) == 0 {
		return ""
	}
	s := strings.Join(out, "; ") + "; so nothing will ever end these waits"
	if proxy && n.c.spec.VM.Fences == ProxyUnordered {
		s += "; vm-b must keep a SIGNAL that overtakes its FRAME (record the highest seqno signalled), or the ring must keep their order"
	}
	return s + "."
}
