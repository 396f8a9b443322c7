package crossvm

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Property names.
const (
	NoUseAfterFree = "crossvm-no-page-use-after-free"
	NoStaleRead    = "crossvm-no-stale-read"
	NoDeadlock     = "crossvm-no-deadlock-cycle"
	// RemoteOpAcked is the prefix of the per-operation liveness properties:
	// "crossvm-remote-op-acked/<op>".
	RemoteOpAcked = "crossvm-remote-op-acked"
	// ProxySignals is the prefix of the per-frame proxy fence liveness
	// properties: "crossvm-proxy-fence-signals/frame<k>".
	ProxySignals = "crossvm-proxy-fence-signals"

	ReadFrame     = "crossvm-importer-read-new-frame"
	RxWaited      = "crossvm-remote-begin-waited-for-fence"
	JobWaited     = "crossvm-job-waited-for-proxy-fence"
	Retransmitted = "crossvm-request-retransmitted"
	FreedAfterUse = "crossvm-pages-freed-after-release"
)

// Doc explains each property and the rule it comes from.
var Doc = map[string]string{
	NoUseAfterFree: "No page of the shared buffer is freed (returned to its owner, reused) in the exporting VM while the importing " +
		"VM still has it mapped. hyper_dmabuf keeps exported->active, the importing VM's imports it has been told of " +
		"(HYPER_DMABUF_EXPORT_FD increments it, HYPER_DMABUF_OPS_RELEASE decrements it), and cleans up an unexported " +
		"buffer only when it is 0 (hyper_dmabuf_remote_sync); the original exporter frees old pages after move_notify " +
		"returns (kernel-rules §2.4, §10). On Xen the grant table may still defer the free (gnttab_end_foreign_access); the " +
		"property is what the driver protocol itself guarantees.",
	NoStaleRead: "The importing VM never reads a version older than the newest frame it was told of before its access began " +
		"(ghost entitlement, as the latest write of model/). A frame is announced when its write job is submitted, with its " +
		"fence in the exporting VM's resv (implicit sync): the importing VM's begin_cpu_access must reach the exporting VM's " +
		"dma_buf_begin_cpu_access (hyper_dmabuf_ops_begin_cpu_access → HYPER_DMABUF_OPS_BEGIN_CPU_ACCESS), which waits for " +
		"that fence, before the CPU reads; a device job must depend on a fence standing for it (kernel-rules §3.1, §4.4).",
	NoDeadlock: "The wait-for graph has no cycle: no agent waits for a round trip to the other VM while holding a lock that " +
		"the round trip's completion needs (kernel-rules §12.5 pattern 7: a remote (VM) round trip while holding a local lock " +
		"that the remote's completion path needs). The edges are the Model.WaitsFor graph: a waiting importer → the back " +
		"ring thread that must replay its request (or the front ring that delivers the reply), move_notify under the resv " +
		"lock → the importing VM's back ring, a back ring thread waiting for a lock → its holder, a back ring thread in " +
		"begin_cpu_access → the resv lock's holder or the write fence's producer, full rings → the threads that drain them.",
	RemoteOpAcked: "Every remote operation is eventually acknowledged: once the importing VM sent a request (HYPER_DMABUF_EXPORT_FD, " +
		"OPS_BEGIN_CPU_ACCESS, OPS_END_CPU_ACCESS, OPS_RELEASE) and waits for it (sync_request(…, WAIT_AFTER_SYNC_REQ)), or " +
		"the exporter's move_notify sent INVALIDATE and waits, the reply arrives, on every behaviour fair to both ring " +
		"threads, the producer's device, the fence callback, the exporter's move and the retransmission timer. A ring that " +
		"loses messages is an adversary outside every fairness group.",
	ProxySignals: "Every proxy fence the importing VM installs for a frame eventually signals (dma-fence.c DOC \"fence " +
		"cross-driver contract\": fences complete in reasonable time; a proxy that never signals is an indefinite fence " +
		"for every job depending on it), on every behaviour fair to the rings, the producer and the fence callback.",
	ReadFrame:     "Reachability: the importing VM read a frame it had been told of, up to date.",
	RxWaited:      "Reachability: the exporting VM's dma_buf_begin_cpu_access, replaying the importing VM's, waited for the producer's write fence.",
	JobWaited:     "Reachability: an importing-VM device job waited for a proxy fence, then ran.",
	Retransmitted: "Reachability: the importing VM retransmitted a request whose reply did not come.",
	FreedAfterUse: "Reachability: the exporting VM freed the shared pages after the importing VM released them.",
}

// PropertyDoc returns the documentation of a property name, including a
// member of a per-operation or per-frame family.
func PropertyDoc(name string) string {
	if base, _, ok := strings.Cut(name, "/"); ok {
		return Doc[base]
	}
	return Doc[name]
}

func flag(name string, f uint8) statespace.Property[State] {
	return statespace.Property[State]{Name: name, Expectation: statespace.Always,
		Holds: func(s *State) bool { return s.Ghost&f == 0 }}
}

// Properties returns the safety properties, the reachability properties
// that apply to the configuration, then the liveness properties: one per
// remote operation the importing VM waits for (and INVALIDATE when
// move_notify waits), one per proxy fence.
func (m *Model) Properties() []statespace.Property[State] {
	c := &m.cfg
	props := []statespace.Property[State]{
		flag(NoUseAfterFree, FlagUseAfterFree),
		flag(NoStaleRead, FlagStaleRead),
		{Name: NoDeadlock, Expectation: statespace.Always, Holds: func(s *State) bool { return !hasCycle(m.waits(s)) }},
	}
	some := func(name string, holds func(*State) bool) {
		props = append(props, statespace.Property[State]{Name: name, Expectation: statespace.Sometimes, Holds: holds})
	}
	some(ReadFrame, func(s *State) bool { return s.Cover&CoverReadFrame != 0 })
	if c.acked() && c.Consumer == CPU {
		some(RxWaited, func(s *State) bool { return s.Cover&CoverRxWaited != 0 })
	}
	if c.Fences != NoFences {
		some(JobWaited, func(s *State) bool { return s.Cover&CoverJobWaited != 0 })
	}
	if c.Retry {
		some(Retransmitted, func(s *State) bool { return s.Cover&CoverRetransmitted != 0 })
	}
	if c.Unexport && c.remoteOps() {
		some(FreedAfterUse, func(s *State) bool { return s.Exp == ExpCleaned && s.B == BDone && s.Ghost&FlagUseAfterFree == 0 })
	}
	if c.acked() {
		for _, r := range m.requests() {
			r := r
			props = append(props, statespace.Property[State]{
				Name:        RemoteOpAcked + "/" + reqNames[r],
				Expectation: statespace.Eventually,
				Trigger:     func(s *State) bool { return s.outstanding() == r },
				Holds:       func(s *State) bool { return s.outstanding() != r },
			})
		}
	}
	if c.reexportEvicts() && c.Evict == EvictWaits {
		props = append(props, statespace.Property[State]{
			Name:        RemoteOpAcked + "/INVALIDATE",
			Expectation: statespace.Eventually,
			Trigger:     func(s *State) bool { return s.Evict == EvNotified },
			Holds:       func(s *State) bool { return s.Evict != EvNotified },
		})
	}
	if c.Fences != NoFences {
		for k := 1; k <= c.Frames; k++ {
			k := k
			props = append(props, statespace.Property[State]{
				Name:        fmt.Sprintf("%s/frame%d", ProxySignals, k),
				Expectation: statespace.Eventually,
				Trigger:     func(s *State) bool { return s.proxy(k) == ProxyPending },
				Holds:       func(s *State) bool { return s.proxy(k) == ProxySignalled },
			})
		}
	}
	return props
}

// Agents of the wait-for graph.
const (
	agVMBUser = iota
	agVMBBack
	agVMBFront
	agVMBDevice
	agVMABack
	agVMAFront
	agVMAExporter
	agVMAProducer
	agVMAFenceCB
	agLost
	agProxy1
	agProxy2
	numAgents
)

var agentNames = [numAgents]string{
	"vm-b user", "vm-b back ring", "vm-b front ring", "vm-b device job", "vm-a back ring", "vm-a front ring",
	"vm-a exporter (move_notify)", "vm-a producer", "vm-a fence callback", "a lost message (nobody)",
	"proxy fence frame 1", "proxy fence frame 2",
}

type wedge struct {
	from, to int
	why      string
}

// drainers returns the ring threads that drain the messages of a ring:
// the front ring for responses, the back ring for the others.
func drainers(c *[ChanCap]uint8, toB bool) []int {
	var out []int
	seen := map[int]bool{}
	for _, msg := range c {
		if msg == 0 {
			continue
		}
		ag := agVMABack
		switch {
		case toB && kindOf(msg) == MsgReply:
			ag = agVMBFront
		case toB:
			ag = agVMBBack
		case kindOf(msg) == MsgInvAck:
			ag = agVMAFront
		}
		if !seen[ag] {
			seen[ag] = true
			out = append(out, ag)
		}
	}
	return out
}

// waits is the wait-for graph of s on agent numbers.
func (m *Model) waits(s *State) []wedge {
	var out []wedge
	edge := func(from, to int, why string) { out = append(out, wedge{from, to, why}) }
	acked := m.cfg.acked()
	// The exporter's move_notify waits, under the resv lock, for the
	// importing VM's acknowledgement.
	if s.Evict == EvNotified {
		switch {
		case has(&s.ToB, MsgInvalidate) || s.RxB == MsgInvalidate:
			edge(agVMAExporter, agVMBBack, "move_notify waits, holding vm-a's dma_resv lock, for vm-b to handle INVALIDATE")
		case has(&s.ToA, MsgInvAck):
			edge(agVMAExporter, agVMAFront, "move_notify waits, holding vm-a's dma_resv lock, for INVALIDATE's ack to be delivered")
		default:
			edge(agVMAExporter, agLost, "move_notify waits for an ack that was lost")
		}
	}
	if s.RxB != 0 && s.bLockHeld(acked) {
		edge(agVMBBack, agVMBUser, "handling "+m.MsgName(s.RxB, true)+" needs hyper_dmabuf's lock, held by vm-b's user across its round trip")
	}
	if s.RxB == 0 && has(&s.ToB, MsgInvalidate) && full(&s.ToA) && !s.bLockHeld(acked) {
		for _, d := range drainers(&s.ToA, false) {
			edge(agVMBBack, d, "INVALIDATE's ack needs room in the ring to vm-a")
		}
	}
	switch s.RxA & rxPhase {
	case RxWaitLock:
		edge(agVMABack, agVMAExporter, "dma_buf_begin_cpu_access needs the dma_resv lock (the exporter's begin_cpu_access reserves the buffer), held across move_notify")
	case RxWaitFence:
		edge(agVMABack, agVMAProducer, fmt.Sprintf("dma_buf_begin_cpu_access waits for frame %d's write fence", s.RxA>>4))
	}
	if s.RxA&rxPhase == RxIdle && full(&s.ToB) && acked {
		for _, msg := range s.ToA {
			if msg != 0 && m.replies(msg) {
				for _, d := range drainers(&s.ToB, true) {
					edge(agVMABack, d, "the reply needs room in the ring to vm-b")
				}
				break
			}
		}
	}
	if r := m.request(s); r != 0 {
		switch {
		case has(&s.ToA, r) || s.RxA&rxPhase != RxIdle && kindOf(r) == ReqBegin:
			edge(agVMBUser, agVMABack, "sync_request(…, WAIT_AFTER_SYNC_REQ) waits for vm-a to replay "+reqNames[kindOf(r)])
		case m.replyInRing(s, r):
			edge(agVMBUser, agVMBFront, "sync_request waits for the reply to "+reqNames[kindOf(r)]+" to be delivered")
		default:
			edge(agVMBUser, agLost, "sync_request waits for a reply to "+reqNames[kindOf(r)]+" that will never come (lost)")
		}
	}
	if s.Job&JobQueued != 0 {
		deps := s.Job >> jobDeps
		for k := 1; k <= MaxFrames; k++ {
			if deps&(1<<(k-1)) == 0 || s.proxy(k) == ProxySignalled {
				continue
			}
			p := agProxy1 + k - 1
			edge(agVMBDevice, p, "implicit dependency on the proxy fence in vm-b's dma_resv")
			switch {
			case has(&s.ToB, Msg(MsgSignal, uint8(k))):
				edge(p, agVMBBack, "signalled when vm-b's back ring delivers SIGNAL")
			case s.SignalDue&(1<<(k-1)) != 0:
				edge(p, agVMAFenceCB, "signalled when vm-a's fence callback sends SIGNAL")
			case s.done() < k:
				edge(p, agVMAProducer, "signalled after the producer's write")
			default:
				edge(p, agLost, "its SIGNAL was dropped or lost: nothing will signal it")
			}
		}
	}
	return out
}

func (m *Model) replyInRing(s *State, r uint8) bool {
	for _, msg := range s.ToB {
		if msg != 0 && kindOf(msg) == MsgReply && argOf(msg) == kindOf(r) && msg&MsgSeq == r&MsgSeq {
			return true
		}
	}
	return false
}

// hasCycle reports whether the wait-for graph has a cycle.
func hasCycle(edges []wedge) bool { return len(cycleOf(edges)) > 0 }

// cycleOf returns the edges of a cycle of the graph, or nil.
func cycleOf(edges []wedge) []wedge {
	var adj [numAgents][]int
	for i, e := range edges {
		adj[e.from] = append(adj[e.from], i)
	}
	var color [numAgents]uint8 // 0 white, 1 on the stack, 2 done
	var stack []int            // edge indices
	var found []wedge
	var dfs func(v int) bool
	dfs = func(v int) bool {
		color[v] = 1
		for _, ei := range adj[v] {
			w := edges[ei].to
			stack = append(stack, ei)
			if color[w] == 1 {
				for i := len(stack) - 1; i >= 0; i-- {
					found = append([]wedge{edges[stack[i]]}, found...)
					if edges[stack[i]].from == w {
						break
					}
				}
				return true
			}
			if color[w] == 0 && dfs(w) {
				return true
			}
			stack = stack[:len(stack)-1]
		}
		color[v] = 2
		return false
	}
	for v := range numAgents {
		if color[v] == 0 && dfs(v) {
			return found
		}
	}
	return nil
}

// WaitsFor lists who waits for whom in s (statespace.WaitForGraph).
func (m *Model) WaitsFor(s *State) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	for _, e := range m.waits(s) {
		out = append(out, statespace.WaitEdge{From: agentNames[e.from], To: agentNames[e.to], Why: e.why})
	}
	return out
}

// Cycle returns the wait-for cycle of s, or nil.
func (m *Model) Cycle(s *State) []statespace.WaitEdge {
	var out []statespace.WaitEdge
	for _, e := range cycleOf(m.waits(s)) {
		out = append(out, statespace.WaitEdge{From: agentNames[e.from], To: agentNames[e.to], Why: e.why})
	}
	return out
}
