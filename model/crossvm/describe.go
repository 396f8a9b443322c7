package crossvm

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func (m *Model) ringString(c *[ChanCap]uint8, toB bool) string {
	var names []string
	for _, msg := range c {
		if msg == 0 {
			continue
		}
		n := m.MsgName(msg&^MsgSeq, toB)
		if m.cfg.Retry && (toB && kindOf(msg) == MsgReply || !toB && kindOf(msg) != MsgInvAck) {
			n += fmt.Sprintf(" #%d", msg>>7)
		}
		names = append(names, n)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

var bNames = [...]string{
	BIdle: "nothing imported", BWaitImport: "waiting for the EXPORT_FD reply", BReady: "imported, outside any bracket",
	BWaitBegin: "in begin_cpu_access, waiting for the reply", BInside: "inside a CPU bracket", BRead: "inside a CPU bracket, read done",
	BWaitEnd: "in end_cpu_access, waiting for the reply", BWaitRel: "released, waiting for the RELEASE reply", BDone: "done (released, or the import failed)",
}

// Describe renders s for traces: only what the configuration uses.
func (m *Model) Describe(s *State) []statespace.Field {
	var out []statespace.Field
	add := func(name, v string) { out = append(out, statespace.Field{Name: name, Value: v}) }
	c := &m.cfg

	var exp string
	switch s.Exp {
	case ExpNone:
		exp = "not shared"
	case ExpValid:
		exp = "shared (valid)"
	case ExpUnexported:
		exp = "unexported (valid = false), waiting for !active"
	case ExpCleaned:
		exp = "cleaned up (import dropped, grants ended)"
	}
	if c.remoteOps() {
		exp += fmt.Sprintf(", active %d", s.Active)
	}
	add("vm-a export", exp)
	pages := "live"
	if s.Pages&PagesFreed != 0 {
		pages = "freed"
	}
	if s.Pages&PagesMoved != 0 {
		pages += " (the buffer moved elsewhere)"
	}
	add("vm-a pages", pages)
	prod := fmt.Sprintf("%d/%d frames written", s.done(), c.Frames)
	if k := s.pendingFrame(); k > 0 {
		prod += fmt.Sprintf(", frame %d in flight (fence pending)", k)
	}
	add("vm-a producer", prod)
	add("pages hold", fmt.Sprintf("frame %d", s.Mem))
	if c.LocalReader {
		add("vm-a cpu", [...]string{"outside any bracket", "inside a begin/end_cpu_access bracket"}[s.LocalCPU])
	}
	if c.Evict != NoEvict {
		ev := [...]string{"idle", "holds the dma_resv lock, INVALIDATE sent, waiting for the ack",
			"holds the dma_resv lock, move_notify returned", "moved"}[s.Evict]
		if c.Design == ExporterOnly && s.Evict == EvMoved {
			ev = "moved the buffer before sharing it"
		}
		add("vm-a exporter", ev)
	}
	if c.remoteOps() {
		var rx string
		switch s.RxA & rxPhase {
		case RxIdle:
			rx = "idle"
		case RxWaitLock:
			rx = "in dma_buf_begin_cpu_access, waiting for the dma_resv lock"
		case RxWaitFence:
			rx = fmt.Sprintf("in dma_buf_begin_cpu_access, waiting for frame %d's write fence", s.RxA>>4)
		}
		add("vm-a back ring", rx)
	}
	if c.Retry {
		d := "nothing replayed yet"
		if s.Dedup != 0 {
			d = fmt.Sprintf("last replayed %s #%d", m.MsgName(s.Dedup&^(MsgErr|MsgSeq), false), s.Dedup>>7)
		}
		add("vm-a dedup", d)
	}
	if c.Fences != NoFences {
		var due []string
		for k := 1; k <= c.Frames; k++ {
			if s.SignalDue&(1<<(k-1)) != 0 {
				due = append(due, fmt.Sprintf("frame %d", k))
			}
		}
		add("vm-a SIGNAL due", "["+strings.Join(due, ", ")+"]")
	}
	if c.acked() && (c.Unexport || c.reexportEvicts()) {
		b := "idle"
		if s.RxB != 0 {
			b = "holds " + m.MsgName(s.RxB, true) + ", waiting for hyper_dmabuf's lock"
		}
		add("vm-b back ring", b)
	}
	add("ring to vm-a", m.ringString(&s.ToA, false))
	add("ring to vm-b", m.ringString(&s.ToB, true))
	add("vm-b knows the export", [...]string{"no", "yes", "unexported"}[s.Known])
	add("vm-b user", bNames[s.B])
	add("vm-b mapping", [...]string{"none", "mapped", "revoked by INVALIDATE"}[s.BMap])
	add("vm-b told of", fmt.Sprintf("frame %d", s.Seen))
	add("vm-b access entitled to", fmt.Sprintf("frame %d", s.Want))
	if c.Retry {
		add("vm-b sequence bit", fmt.Sprint(s.Seq))
	}
	if c.Fences != NoFences {
		var ps []string
		for k := 1; k <= c.Frames; k++ {
			ps = append(ps, fmt.Sprintf("frame %d %s", k, [...]string{"none", "pending", "signalled", "?"}[s.proxy(k)]))
		}
		v := strings.Join(ps, ", ")
		if c.Fences == ProxyFence {
			v += fmt.Sprintf("; SIGNAL seen up to frame %d", s.sigSeen())
		}
		add("vm-b proxy fences", v)
	}
	if c.Consumer == Device {
		j := "none"
		if s.Job&JobQueued != 0 {
			j = "queued"
			if d := s.Job >> jobDeps; d != 0 {
				var ks []string
				for k := 1; k <= MaxFrames; k++ {
					if d&(1<<(k-1)) != 0 {
						ks = append(ks, fmt.Sprintf("frame %d", k))
					}
				}
				j += ", depends on the proxy of " + strings.Join(ks, ", ")
			}
		}
		add("vm-b device job", j)
	}
	if c.Lossy {
		add("messages lost", fmt.Sprintf("%d/%d", s.Lost, MaxLosses))
	}
	var flags []string
	for i, name := range flagNames {
		if s.Ghost&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("VIOLATED", strings.Join(flags, ", "))
	}
	return out
}
