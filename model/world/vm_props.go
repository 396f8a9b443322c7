package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Property names of the vm family: the names of model/crossvm, so that
// verdicts compare one for one.
const (
	VMNoUseAfterFree = "crossvm-no-page-use-after-free"
	VMNoStaleRead    = "crossvm-no-stale-read"
	VMNoDeadlock     = "crossvm-no-deadlock-cycle"
	// VMRemoteOpAcked prefixes the per-operation liveness properties
	// ("crossvm-remote-op-acked/<op>").
	VMRemoteOpAcked = "crossvm-remote-op-acked"
	// VMProxySignals prefixes the per-frame proxy fence liveness
	// properties ("crossvm-proxy-fence-signals/frame<k>").
	VMProxySignals = "crossvm-proxy-fence-signals"

	VMReadFrame     = "crossvm-importer-read-new-frame"
	VMRxWaited      = "crossvm-remote-begin-waited-for-fence"
	VMJobWaited     = "crossvm-job-waited-for-proxy-fence"
	VMRetransmitted = "crossvm-request-retransmitted"
	VMFreedAfterUse = "crossvm-pages-freed-after-release"
)

// vmLayout places the family's section: one vmState when the programs
// make vm calls.
func vmLayout(c *core, l *layout, take func(n int) int) {
	l.vm, l.vmChain = -1, -1
	if c.spec.VMs.used() {
		l.vmChain = take(chainStateSize) // three VMs (vm_chain.go)
		return
	}
	if c.uses[famVM] || c.vmUsed() {
		l.vm = take(vmStateSize)
	}
}

// vmUsed reports whether some program makes a vm call (Build fills
// c.uses after the layout).
func (c *core) vmUsed() bool {
	for k := CallKind(famVM << 8); k < vmEndCalls; k++ {
		if c.vmUses(k) {
			return true
		}
	}
	return false
}

// vmUses reports whether some program makes call k.
func (c *core) vmUses(k CallKind) bool {
	for _, p := range c.progs {
		for _, n := range p.nodes {
			for _, e := range n {
				for _, op := range e.Ops {
					if op.Kind == k {
						return true
					}
				}
			}
		}
	}
	return false
}

// vmRequests are the requests vm-b's programs send.
func (c *core) vmRequests() []uint8 {
	var out []uint8
	for _, r := range []struct {
		k   CallKind
		req uint8
	}{{KVMExportFD, ReqExportFD}, {KVMBeginCPU, ReqBegin}, {KVMEndCPU, ReqEnd}, {KVMRelease, ReqRelease}} {
		if c.vmUses(r.k) {
			out = append(out, r.req)
		}
	}
	return out
}

// vmProps are the family's properties: the safety ones, the reachability
// ones that apply to the programs, then the liveness ones: one per remote
// operation vm-b waits for (and INVALIDATE when move_notify waits), one
// per proxy fence.
func (c *core) vmProps() []propDef {
	if c.lay.vmChain >= 0 {
		return c.vmChainProps()
	}
	if c.lay.vm < 0 {
		return nil
	}
	sp := &c.spec.VM
	flag := func(name string, f uint8) propDef {
		return propDef{name: name, exp: statespace.Always, holds: func(v View) bool { return v.vm().Flags&f == 0 }}
	}
	cover := func(name string, f uint8) propDef {
		return propDef{name: name, exp: statespace.Sometimes, holds: func(v View) bool { return v.vm().Flags&f != 0 }}
	}
	props := []propDef{
		flag(VMNoUseAfterFree, vmFlagUAF),
		flag(VMNoStaleRead, vmFlagStaleRead),
		{name: VMNoDeadlock, exp: statespace.Always, holds: func(v View) bool { return !vmHasCycle(v.vmWaits()) }},
		cover(VMReadFrame, vmCoverReadFrame),
	}
	if sp.acked() && c.vmUses(KVMBeginCPU) {
		props = append(props, cover(VMRxWaited, vmCoverRxWaited))
	}
	if sp.Fences != NoProxyFences {
		props = append(props, cover(VMJobWaited, vmCoverJobWaited))
	}
	if sp.Retry {
		props = append(props, cover(VMRetransmitted, vmCoverRetransmitted))
	}
	if c.vmUses(KVMUnexport) && sp.remoteOps() {
		props = append(props, propDef{name: VMFreedAfterUse, exp: statespace.Sometimes, holds: func(v View) bool {
			s := v.vm()
			return s.Exp == expCleaned && s.B == bDone && s.Flags&vmFlagUAF == 0
		}})
	}
	if sp.acked() {
		for _, r := range c.vmRequests() {
			r := r
			props = append(props, propDef{name: VMRemoteOpAcked + "/" + reqNames[r], exp: statespace.Eventually,
				trigger: func(v View) bool { return v.vm().outstanding() == r },
				holds:   func(v View) bool { return v.vm().outstanding() != r }})
		}
	}
	if sp.Design == HyperDmabuf && sp.MoveNotifyWaits && c.vmUses(KVMEvict) {
		props = append(props, propDef{name: VMRemoteOpAcked + "/INVALIDATE", exp: statespace.Eventually,
			trigger: func(v View) bool { return v.vm().Evict == evNotified },
			holds:   func(v View) bool { return v.vm().Evict != evNotified }})
	}
	if sp.Fences != NoProxyFences {
		for k := 1; k <= sp.Frames; k++ {
			k := k
			props = append(props, propDef{name: fmt.Sprintf("%s/frame%d", VMProxySignals, k), exp: statespace.Eventually,
				trigger: func(v View) bool { return v.vm().proxy(k) == proxyPending },
				holds:   func(v View) bool { return v.vm().proxy(k) == proxySignalled }})
		}
	}
	return props
}

// vmEnd: nobody waits for a reply, a lock or a fence.
func (c *core) vmEnd(v View) bool {
	if c.lay.vm < 0 {
		return true
	}
	s := v.vm()
	return !s.waiting() && s.Job == 0 && s.RxA&rxPhase == rxIdle && s.RxB == 0 && !s.lockHeld()
}

// Nodes of the vm family's wait-for graph: its threads, and the objects
// they wait for that are not agents (proxy fences, a lost message).
const (
	wfVMBUser = iota
	wfVMBBack
	wfVMBFront
	wfVMBDevice
	wfVMABack
	wfVMAFront
	wfVMAExporter
	wfVMAProducer
	wfVMAFenceCB
	wfLost
	wfProxy1
	wfProxy2
	numWaitNodes
)

var waitNodeNames = [numWaitNodes]string{
	"vm-b user", "vm-b back ring", "vm-b front ring", "vm-b device job", "vm-a back ring", "vm-a front ring",
	"vm-a exporter (move_notify)", "vm-a producer", "vm-a fence callback", "a lost message (nobody)",
	"proxy fence frame 1", "proxy fence frame 2",
}

type vmWait struct {
	from, to int
	why      string
}

// drainers are the ring threads that drain a ring: the front ring for
// responses, the back ring for the rest.
func drainers(r *[MaxRingCap]uint8, toB bool) []int {
	var out []int
	var seen [numWaitNodes]bool
	for _, msg := range r {
		if msg == 0 {
			continue
		}
		ag := wfVMABack
		switch {
		case toB && kindOf(msg) == MsgReply:
			ag = wfVMBFront
		case toB:
			ag = wfVMBBack
		case kindOf(msg) == MsgInvAck:
			ag = wfVMAFront
		}
		if !seen[ag] {
			seen[ag] = true
			out = append(out, ag)
		}
	}
	return out
}

// vmWaits is the wait-for graph of the state (model/crossvm's).
func (v View) vmWaits() []vmWait {
	s := v.vm()
	var out []vmWait
	edge := func(from, to int, why string) { out = append(out, vmWait{from, to, why}) }
	acked := v.w.spec.VM.acked()
	if s.Evict == evNotified {
		switch {
		case ringHas(&s.ToB, MsgInvalidate) || s.RxB == MsgInvalidate:
			edge(wfVMAExporter, wfVMBBack, "move_notify waits, holding vm-a's dma_resv lock, for vm-b to handle INVALIDATE")
		case ringHas(&s.ToA, MsgInvAck):
			edge(wfVMAExporter, wfVMAFront, "move_notify waits, holding vm-a's dma_resv lock, for INVALIDATE's ack to be delivered")
		default:
			edge(wfVMAExporter, wfLost, "move_notify waits for an ack that was lost")
		}
	}
	if s.RxB != 0 && s.bLockHeld(acked) {
		edge(wfVMBBack, wfVMBUser, "handling "+VMMsgName(s.RxB, true)+" needs hyper_dmabuf's lock, held by vm-b's user across its round trip")
	}
	if s.RxB == 0 && ringHas(&s.ToB, MsgInvalidate) && v.full(&s.ToA) && !s.bLockHeld(acked) {
		for _, d := range drainers(&s.ToA, false) {
			edge(wfVMBBack, d, "INVALIDATE's ack needs room in the ring to vm-a")
		}
	}
	switch s.RxA & rxPhase {
	case rxWaitLock:
		edge(wfVMABack, wfVMAExporter, "dma_buf_begin_cpu_access needs the dma_resv lock (the exporter's begin_cpu_access reserves the buffer), held across move_notify")
	case rxWaitFence:
		edge(wfVMABack, wfVMAProducer, fmt.Sprintf("dma_buf_begin_cpu_access waits for frame %d's write fence", s.RxA>>4))
	}
	if s.RxA&rxPhase == rxIdle && v.full(&s.ToB) && acked {
		for _, msg := range s.ToA {
			if msg != 0 && v.replies(msg) {
				for _, d := range drainers(&s.ToB, true) {
					edge(wfVMABack, d, "the reply needs room in the ring to vm-b")
				}
				break
			}
		}
	}
	if r := v.request(s); r != 0 {
		switch {
		case ringHas(&s.ToA, r) || s.RxA&rxPhase != rxIdle && kindOf(r) == ReqBegin:
			edge(wfVMBUser, wfVMABack, "sync_request(…, WAIT_AFTER_SYNC_REQ) waits for vm-a to replay "+reqNames[kindOf(r)])
		case replyInRing(s, r):
			edge(wfVMBUser, wfVMBFront, "sync_request waits for the reply to "+reqNames[kindOf(r)]+" to be delivered")
		default:
			edge(wfVMBUser, wfLost, "sync_request waits for a reply to "+reqNames[kindOf(r)]+" that will never come (lost)")
		}
	}
	if s.Job&vmJobQueued != 0 {
		deps := s.Job >> vmJobDepsShift
		for k := 1; k <= MaxVMFrames; k++ {
			if deps&(1<<(k-1)) == 0 || s.proxy(k) == proxySignalled {
				continue
			}
			p := wfProxy1 + k - 1
			edge(wfVMBDevice, p, "implicit dependency on the proxy fence in vm-b's dma_resv")
			switch {
			case ringHas(&s.ToB, VMMsg(MsgSignal, uint8(k))):
				edge(p, wfVMBBack, "signalled when vm-b's back ring delivers SIGNAL")
			case s.SignalDue&(1<<(k-1)) != 0:
				edge(p, wfVMAFenceCB, "signalled when vm-a's fence callback sends SIGNAL")
			case s.done() < k:
				edge(p, wfVMAProducer, "signalled after the producer's write")
			default:
				edge(p, wfLost, "its SIGNAL was dropped or lost: nothing will signal it")
			}
		}
	}
	return out
}

// vmHasCycle reports whether the wait-for graph has a cycle.
func vmHasCycle(edges []vmWait) bool {
	if len(edges) < 2 {
		return len(edges) == 1 && edges[0].from == edges[0].to
	}
	var adj [numWaitNodes][]int
	for _, e := range edges {
		adj[e.from] = append(adj[e.from], e.to)
	}
	var color [numWaitNodes]uint8 // 0 white, 1 on the stack, 2 done
	var dfs func(n int) bool
	dfs = func(n int) bool {
		color[n] = 1
		for _, m := range adj[n] {
			if color[m] == 1 || color[m] == 0 && dfs(m) {
				return true
			}
		}
		color[n] = 2
		return false
	}
	for n := range numWaitNodes {
		if color[n] == 0 && dfs(n) {
			return true
		}
	}
	return false
}

// vmWaits are the family's wait-for edges (statespace.WaitForGraph).
func (c *core) vmWaits(v View) []statespace.WaitEdge {
	if c.lay.vm < 0 {
		return nil
	}
	var out []statespace.WaitEdge
	for _, e := range v.vmWaits() {
		out = append(out, statespace.WaitEdge{From: waitNodeNames[e.from], To: waitNodeNames[e.to], Why: e.why})
	}
	return out
}

// vmFairness: each VM's ring threads deliver every message that stays in
// their ring — one group per message, since a reordering ring could let
// one message starve while others pass — and finish what they started;
// the producer's device, the fence callback, the exporter's move, vm-b's
// device and its retransmission timer make progress. The users (and vm-a's
// local reader) may stop at any time; a lost message is an adversary's
// move no group contains.
func (c *core) vmFairness() []statespace.Fairness {
	if c.lay.vm < 0 {
		return nil
	}
	idx := map[string]int{}
	var out []statespace.Fairness
	for a, t := range c.table {
		if len(t.e.Ops) != 1 {
			continue
		}
		op := t.e.Ops[0]
		var name string
		switch op.Kind {
		case KVMBackRing:
			name = vmNames[op.Obj&1] + " back ring delivers " + VMMsgName(uint8(op.N), op.Obj == VMB)
		case KVMFrontRing:
			name = vmNames[op.Obj&1] + " front ring delivers " + VMMsgName(uint8(op.N), op.Obj == VMB)
		case KVMRemoteBeginLock, KVMRemoteBeginDone:
			name = "vm-a back ring finishes begin_cpu_access"
		case KVMBackRingLock:
			name = "vm-b back ring gets hyper_dmabuf's lock"
		case KVMFrameDone:
			name = "vm-a producer device"
		case KVMFenceCallback:
			name = "vm-a fence callback"
		case KVMMove:
			name = "vm-a exporter: move"
		case KVMRunJob:
			name = "vm-b device"
		case KVMRetransmit:
			name = "vm-b retransmission timer"
		default:
			continue
		}
		i, ok := idx[name]
		if !ok {
			i = len(out)
			idx[name] = i
			out = append(out, statespace.Fairness{Name: name})
		}
		out[i].Actions = append(out[i].Actions, statespace.Action(a))
	}
	return out
}

func (c *core) vmRingString(r *[MaxRingCap]uint8, toB bool) string {
	var names []string
	for _, msg := range r {
		if msg == 0 {
			continue
		}
		n := VMMsgName(msg&^MsgSeq, toB)
		if c.spec.VM.Retry && (toB && kindOf(msg) == MsgReply || !toB && kindOf(msg) != MsgInvAck) {
			n += fmt.Sprintf(" #%d", msg>>7)
		}
		names = append(names, n)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

var vmUserNames = [...]string{
	bIdle: "nothing imported", bWaitImport: "waiting for the EXPORT_FD reply", bReady: "imported, outside any bracket",
	bWaitBegin: "in begin_cpu_access, waiting for the reply", bInside: "inside a CPU bracket", bRead: "inside a CPU bracket, read done",
	bWaitEnd: "in end_cpu_access, waiting for the reply", bWaitRel: "released, waiting for the RELEASE reply", bDone: "done (released, or the import failed)",
}

// vmDescribe renders the family's objects for traces: what the programs
// use.
func (c *core) vmDescribe(v View, add func(name, value string)) {
	if c.lay.vmChain >= 0 {
		c.vmChainDescribe(v, add)
		return
	}
	if c.lay.vm < 0 {
		return
	}
	s := v.vm()
	sp := &c.spec.VM
	exp := [...]string{"not shared", "shared (valid)", "unexported (valid = false), waiting for !active", "cleaned up (import dropped, grants ended)"}[s.Exp&3]
	if sp.remoteOps() {
		exp += fmt.Sprintf(", active %d", s.Active)
	}
	add("vm-a export", exp)
	pages := "live"
	if s.Pages&pagesFreed != 0 {
		pages = "freed"
	}
	if s.Pages&pagesMoved != 0 {
		pages += " (the buffer moved elsewhere)"
	}
	add("vm-a pages", pages)
	prod := fmt.Sprintf("%d/%d frames written", s.done(), sp.Frames)
	if k := s.pendingFrame(); k > 0 {
		prod += fmt.Sprintf(", frame %d in flight (fence pending)", k)
	}
	add("vm-a producer", prod)
	add("pages hold", fmt.Sprintf("frame %d", s.Mem))
	if c.vmUses(KVMLocalBegin) {
		add("vm-a cpu", [...]string{"outside any bracket", "inside a begin/end_cpu_access bracket"}[s.Misc&vmLocalCPU])
	}
	if c.vmUses(KVMEvict) {
		ev := [...]string{"idle", "holds the dma_resv lock, INVALIDATE sent, waiting for the ack",
			"holds the dma_resv lock, move_notify returned", "moved"}[s.Evict&3]
		if sp.Design == ExporterOnly && s.Evict == evMoved {
			ev = "moved the buffer before sharing it"
		}
		add("vm-a exporter", ev)
	}
	if sp.remoteOps() {
		rx := "idle"
		switch s.RxA & rxPhase {
		case rxWaitLock:
			rx = "in dma_buf_begin_cpu_access, waiting for the dma_resv lock"
		case rxWaitFence:
			rx = fmt.Sprintf("in dma_buf_begin_cpu_access, waiting for frame %d's write fence", s.RxA>>4)
		}
		add("vm-a back ring", rx)
	}
	if sp.Retry {
		d := "nothing replayed yet"
		if s.Dedup != 0 {
			d = fmt.Sprintf("last replayed %s #%d", VMMsgName(s.Dedup&^(MsgErr|MsgSeq), false), s.Dedup>>7)
		}
		add("vm-a dedup", d)
	}
	if sp.Fences != NoProxyFences {
		var due []string
		for k := 1; k <= sp.Frames; k++ {
			if s.SignalDue&(1<<(k-1)) != 0 {
				due = append(due, fmt.Sprintf("frame %d", k))
			}
		}
		add("vm-a SIGNAL due", "["+strings.Join(due, ", ")+"]")
	}
	if c.vmUses(KVMBackRingLock) {
		b := "idle"
		if s.RxB != 0 {
			b = "holds " + VMMsgName(s.RxB, true) + ", waiting for hyper_dmabuf's lock"
		}
		add("vm-b back ring", b)
	}
	add("ring to vm-a", c.vmRingString(&s.ToA, false))
	add("ring to vm-b", c.vmRingString(&s.ToB, true))
	add("vm-b knows the export", [...]string{"no", "yes", "unexported", "?"}[s.Known&3])
	if int(s.B) < len(vmUserNames) {
		add("vm-b user", vmUserNames[s.B])
	}
	add("vm-b mapping", [...]string{"none", "mapped", "revoked by INVALIDATE", "?"}[s.BMap&3])
	add("vm-b told of", fmt.Sprintf("frame %d", s.Seen))
	add("vm-b access entitled to", fmt.Sprintf("frame %d", s.Want))
	if sp.Retry {
		add("vm-b sequence bit", fmt.Sprint(s.Misc&vmSeq>>1))
	}
	if sp.Fences != NoProxyFences {
		var ps []string
		for k := 1; k <= sp.Frames; k++ {
			ps = append(ps, fmt.Sprintf("frame %d %s", k, [...]string{"none", "pending", "signalled", "?"}[s.proxy(k)]))
		}
		val := strings.Join(ps, ", ")
		if sp.Fences == ProxyOrdered {
			val += fmt.Sprintf("; SIGNAL seen up to frame %d", s.sigSeen())
		}
		add("vm-b proxy fences", val)
	}
	if c.vmUses(KVMSubmitJob) {
		j := "none"
		if s.Job&vmJobQueued != 0 {
			j = "queued"
			if d := s.Job >> vmJobDepsShift; d != 0 {
				var ks []string
				for k := 1; k <= MaxVMFrames; k++ {
					if d&(1<<(k-1)) != 0 {
						ks = append(ks, fmt.Sprintf("frame %d", k))
					}
				}
				j += ", depends on the proxy of " + strings.Join(ks, ", ")
			}
		}
		add("vm-b device job", j)
	}
	if sp.Ring.Losses > 0 {
		add("messages lost", fmt.Sprintf("%d/%d", s.lost(), sp.Ring.Losses))
	}
	var flags []string
	for i, name := range []string{"stale-read", "use-after-free"} {
		if s.Flags&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("VM VIOLATED", strings.Join(flags, ", "))
	}
}
