package world

import (
	"fmt"
	"strings"
)

// The cache family's narration of a counterexample: what each CPU load or
// device DMA read returned and from where, the device fences signalled to
// an agent waiting in begin_cpu_access and the waits they end, and, for
// the family's properties, how the last call commits the violation (which
// version was read, which is the latest and who wrote it at which step,
// which step made the copy stale, ...). It follows the earlier cache
// model's narration (model/explain.go) call by call, naming the world's
// agents: an agent named "cpu" is "the CPU", another CPU agent A is
// "the CPU (A)".

// cacheFlags maps the family's properties to their violation flags.
var cacheFlags = map[string]uint16{
	NoStaleRead: FlagStaleRead, NoLostWrite: FlagLostWrite, MappingDiscipline: FlagNoMapping,
	NoUseAfterFree: FlagUseAfterFree, DMAAPIDiscipline: FlagDMADebug, BeginEndPairing: FlagPairing,
}

// cacheExplain is the cache family's narration (a familyExplain).
func (c *core) cacheExplain(t *trail, property string) (string, bool) {
	if !c.uses[famCache] {
		return "", false
	}
	n := &cacheNarrator{t: t, c: c,
		wrote:   make([][MaxVersion + 1]int, c.spec.Lines),
		fill:    make([]int, c.spec.Lines),
		start:   make([]int, len(c.spec.Agents)),
		signals: make([][]signal, len(c.spec.Agents)),
		attach:  make([]int, len(c.spec.Devices)),
		job:     make([]int, len(c.spec.Devices)),
	}
	for i := 1; i < len(t.path); i++ {
		n.step(i)
	}
	f, ok := cacheFlags[property]
	if !ok {
		return "", false
	}
	return n.violation(f), true
}

// cacheNarrator walks a trace once, remembering which step wrote each
// version and filled each CPU cache line, to tell the story.
type cacheNarrator struct {
	t *trail
	c *core
	// wrote[l][v] is the step that wrote version v of line l.
	wrote [][MaxVersion + 1]int
	// fill[l] is the step that last filled the CPU's copy of line l (0:
	// never).
	fill []int
	// start[ag] is the step of agent ag's last begin (START); signals[ag]
	// are the fences signalled to it since.
	start   []int
	signals [][]signal
	// attach[d] and job[d] are the steps device d last attached and last
	// started a job.
	attach, job []int
	// moved and released are the steps of the last dma_buf_move_notify
	// and of dma_buf_release (0: none).
	moved, released int
}

// signal is a device fence signalled to a waiting agent at a step, by the
// agent that completed the job.
type signal struct {
	step int
	from string
}

// cpuName names CPU agent ag in sentences: "the CPU" for the agent named
// cpu, "the CPU (A)" for another.
func (c *core) cpuName(ag int) string {
	if n := c.spec.Agents[ag].Name; n != "cpu" {
		return "the CPU (" + n + ")"
	}
	return "the CPU"
}

// waiterName names CPU agent ag as the subject of a message's text.
func (c *core) waiterName(ag int) string {
	if n := c.spec.Agents[ag].Name; n != "cpu" {
		return n
	}
	return "the CPU"
}

// step annotates step i, call by call, and records what it did.
func (n *cacheNarrator) step(i int) {
	t, c := n.t, n.c
	a := t.action(i)
	before, after := t.state(i-1), t.state(i)
	writeback := len(a.e.Ops) == 1 && a.e.Ops[0].Kind == KWriteback
	for l := range c.spec.Lines {
		if *after.latest(l) != *before.latest(l) {
			n.wrote[l][*after.latest(l)&lineVer] = i
		}
		if *after.cpu(l) != *before.cpu(l) && *after.cpu(l)&lineState != lineInvalid &&
			!(writeback && *after.cpu(l)&lineVer == *before.cpu(l)&lineVer) {
			n.fill[l] = i
		}
	}
	t.calls(i, func(call Call, b, _ View) {
		if familyOf(call.Kind) != famCache {
			return
		}
		switch call.Kind {
		case KSyncStart, KBeginCPU:
			if a.e.Step == 0 {
				n.start[a.ag], n.signals[a.ag] = i, nil
				break
			}
			for _, sg := range n.signals[a.ag] {
				t.send(i, sg.from, t.agent(i), fmt.Sprintf("wait returns: fence signalled at step %d", sg.step))
			}
		case KCPURead:
			v, from := n.cpuRead(b, call.Line)
			t.observe(i, fmt.Sprintf("%s read v%d of line %d %s", c.cpuName(a.ag), v, call.Line, from))
		case KJobRead:
			n.job[call.Dev] = i
			v, from := n.devRead(b, call.Dev, call.Line)
			t.observe(i, fmt.Sprintf("the %s read v%d of line %d %s", c.devName(call.Dev), v, call.Line, from))
		case KJobWrite:
			n.job[call.Dev] = i
		case KAttach:
			n.attach[call.Dev] = i
		case KMoveNotify:
			n.moved = i
		case KRelease:
			if n.released == 0 {
				n.released = i
			}
		case KJobDone:
			for _, w := range c.lay.bracketAgents {
				if b.phase(w) == phaseBegun && blocks(b, call.Dev, b.accDir(w)) {
					n.signals[w] = append(n.signals[w], signal{step: i, from: t.agent(i)})
					t.send(i, t.agent(i), c.spec.Agents[w].Name,
						fmt.Sprintf("fence signalled (%s waits for it in begin_cpu_access)", c.waiterName(w)))
				}
			}
		}
	})
}

// blocks reports whether device d's job in v is one a CPU access in
// direction dir waits for (resvBusyNow).
func blocks(v View, d int, dir uint8) bool {
	k := v.jobKind(d)
	return k == jobWrite || k == jobRead && dir&SyncWrite != 0
}

// Where a read found its data.
const (
	fromUncached    = "from memory (uncached)"
	fromCPUCache    = "from its cache"
	fromDeviceCache = "snooped from a device's cache"
	fromMemory      = "from memory"
	fromBounce      = "from its bounce buffer"
	fromOwnCache    = "from its own cache"
	fromCPUSnoop    = "snooped from the CPU's cache"
)

// cpuRead is what a CPU load of line l in v returns, and from where.
func (n *cacheNarrator) cpuRead(v View, l int) (uint8, string) {
	cp := View{w: v.w, b: append([]byte(nil), v.b...)}
	ver := cp.cpuLoad(l)
	switch {
	case n.c.spec.Backing.uncached():
		return ver, fromUncached
	case *v.cpu(l)&lineState != lineInvalid:
		return ver, fromCPUCache
	case ver != *v.mem(l):
		return ver, fromDeviceCache
	}
	return ver, fromMemory
}

// devRead is what device d's DMA read of line l in v returns, and from
// where.
func (n *cacheNarrator) devRead(v View, d, l int) (uint8, string) {
	cp := View{w: v.w, b: append([]byte(nil), v.b...)}
	ver := cp.devLoad(d, l)
	dv := n.c.spec.Devices[d]
	switch {
	case dv.Bounce:
		return ver, fromBounce
	case dv.OwnCache && *v.devCache(d, l)&lineState != lineInvalid:
		return ver, fromOwnCache
	case ver != *v.mem(l):
		return ver, fromCPUSnoop
	}
	return ver, fromMemory
}

// callLabel renders a cache-family call as the trace does, without the
// device name the call's name starts with for a device's own calls.
func (c *core) callLabel(call Call, step int) string {
	s := c.callName(call, step)
	if d := call.def(); familyOf(call.Kind) == famCache && d != nil && d.dev {
		s = strings.TrimPrefix(s, c.devName(call.Dev)+": ")
	}
	return s
}

// label is step i's call (or atomic calls), without the agent's name.
func (n *cacheNarrator) label(i int) string {
	a := n.t.action(i)
	if len(a.e.Ops) == 1 {
		return n.c.callLabel(a.e.Ops[0], a.e.Step)
	}
	parts := make([]string, len(a.e.Ops))
	for k, op := range a.e.Ops {
		parts[k] = n.c.callLabel(op, 0)
	}
	return strings.Join(parts, " + ")
}

// who names the writer of version v of line l.
func (n *cacheNarrator) who(l int, v uint8) string {
	i := n.wrote[l][v]
	if i == 0 && v == 1 && n.c.spec.CPUStart == StartDirty {
		return "page population"
	}
	if i == 0 {
		return "nobody"
	}
	switch by := *n.t.state(i).latestBy(l); {
	case by == writerCPU:
		return n.c.cpuName(n.t.action(i).ag)
	case by == p2pByDevice:
		return "a p2p importer"
	case by >= writerDevice0:
		return "the " + n.c.devName(int(by-writerDevice0))
	}
	return "nobody"
}

// latest describes the latest write of line l in v.
func (n *cacheNarrator) latest(v View, l int) string {
	ver := *v.latest(l)
	if ver == 0 {
		return "version 0 (the initial data)"
	}
	if n.wrote[l][ver] == 0 && ver == 1 && n.c.spec.CPUStart == StartDirty {
		return "version 1, the zeroes page population wrote through the CPU cache before the buffer was exported"
	}
	return fmt.Sprintf("version %d, written by %s at step %d", ver, n.who(l, ver), n.wrote[l][ver])
}

// newest is the newest version of line l held anywhere in v.
func (n *cacheNarrator) newest(v View, l int) uint8 {
	ver := *v.mem(l)
	if *v.cpu(l)&lineState != lineInvalid {
		ver = max(ver, *v.cpu(l)&lineVer)
	}
	for d, dv := range n.c.spec.Devices {
		if dv.OwnCache && *v.devCache(d, l)&lineState != lineInvalid {
			ver = max(ver, *v.devCache(d, l)&lineVer)
		}
		if dv.Bounce {
			ver = max(ver, *v.bounce(d, l))
		}
	}
	return ver
}

// where says where version ver of line l is in v.
func (n *cacheNarrator) where(v View, l int, ver uint8) string {
	var at []string
	if *v.mem(l) == ver {
		at = append(at, "memory")
	}
	if x := *v.cpu(l); x&lineState != lineInvalid && x&lineVer == ver {
		st := "clean"
		if x&lineState == lineDirty {
			st = "dirty"
		}
		at = append(at, "a "+st+" line of the CPU's cache")
	}
	for d, dv := range n.c.spec.Devices {
		if dv.OwnCache && *v.devCache(d, l)&lineState != lineInvalid && *v.devCache(d, l)&lineVer == ver {
			at = append(at, "the "+dv.Name+"'s cache")
		}
		if dv.Bounce && *v.bounce(d, l) == ver {
			at = append(at, "the "+dv.Name+"'s bounce buffer")
		}
	}
	if len(at) == 0 {
		return fmt.Sprintf("version %d is nowhere (memory holds version %d)", ver, *v.mem(l))
	}
	if at[0] == "memory" {
		return fmt.Sprintf("version %d was only in %s", ver, strings.Join(at, " and "))
	}
	return fmt.Sprintf("version %d was only in %s (memory held version %d)", ver, strings.Join(at, " and "), *v.mem(l))
}

// violation explains how the last step raises flag f: the call that
// raised it, in the state before and after that call.
func (n *cacheNarrator) violation(f uint16) string {
	t, c := n.t, n.c
	i := t.violatedAt(func(v View) bool { return !v.Flag(f) })
	if i < 0 {
		return ""
	}
	var (
		call          Call
		before, after View
		found         bool
	)
	t.calls(i, func(op Call, b, a View) {
		if !found && !b.Flag(f) && a.Flag(f) {
			call, before, after, found = op, b, a, true
		}
	})
	if !found {
		return ""
	}
	a := t.action(i)
	ag := a.ag
	label := c.callLabel(call, a.e.Step)
	d := call.Dev
	dev := ""
	if def := call.def(); def != nil && def.dev {
		dev = "the " + c.devName(d)
	}
	if f == FlagUseAfterFree && before.released() {
		return fmt.Sprintf("at step %d %s called %s on the buffer the last dma_buf_put released at step %d.", i, t.agent(i), label, n.released)
	}
	switch f {
	case FlagStaleRead:
		l := call.Line
		switch call.Kind {
		case KCPURead:
			v, from := n.cpuRead(before, l)
			s := fmt.Sprintf("at step %d %s read version %d of line %d %s, but the latest is %s", i, c.cpuName(ag), v, l, from, n.latest(before, l))
			w := n.wrote[l][*before.latest(l)]
			switch {
			case from == fromCPUCache && n.fill[l] > 0 && n.fill[l] < w:
				s += fmt.Sprintf("; the CPU's copy became stale at step %d (%s) and was not invalidated after %s's write",
					n.fill[l], n.label(n.fill[l]), n.who(l, *before.latest(l)))
			case from == fromCPUCache:
				s += fmt.Sprintf("; the CPU's cached copy (filled at step %d) was never invalidated", n.fill[l])
			default:
				s += "; that write had not reached memory: " + n.where(before, l, *before.latest(l))
			}
			return s + "."
		case KJobRead:
			v, from := n.devRead(before, d, l)
			s := fmt.Sprintf("at step %d %s's DMA read version %d of line %d %s, but the latest is %s", i, dev, v, l, from, n.latest(before, l))
			return s + "; " + n.where(before, l, *before.latest(l)) + "."
		}
	case FlagLostWrite:
		for l := range c.spec.Lines {
			if m := *before.mem(l); *after.mem(l) < m {
				s := fmt.Sprintf("at step %d, %s overwrote version %d of line %d in memory", i, label, m, l)
				if m > 0 {
					s += fmt.Sprintf(", written by %s at step %d,", n.who(l, m), n.wrote[l][m])
				}
				return s + fmt.Sprintf(" with the older version %d; afterwards the newest copy anywhere is version %d.", *after.mem(l), n.newest(after, l))
			}
			if v := n.newest(before, l); v > 0 && n.newest(after, l) < v {
				return fmt.Sprintf("at step %d, %s discarded version %d of line %d, written by %s at step %d: %s; afterwards the newest copy anywhere is version %d.",
					i, label, v, l, n.who(l, v), n.wrote[l][v], n.where(before, l, v), n.newest(after, l))
			}
		}
	case FlagNoMapping:
		if n.moved > 0 {
			return fmt.Sprintf("at step %d %s started a DMA job through its mapping, but dma_buf_move_notify at step %d had invalidated it (the buffer moved) and the importer did not map it again.", i, dev, n.moved)
		}
	case FlagUseAfterFree:
		switch call.Kind {
		case KDetach:
			return fmt.Sprintf("at step %d %s's driver detached while its DMA job (started at step %d) still runs: the job's DMA goes on into a freed mapping.", i, dev, n.job[d])
		case KRelease:
			var still []string
			for j := range c.spec.Devices {
				if before.attached(j) {
					still = append(still, fmt.Sprintf("the %s (attached at step %d)", c.devName(j), n.attach[j]))
				}
			}
			return fmt.Sprintf("at step %d the last dma_buf_put released the buffer while %s still holds an attachment to it.", i, strings.Join(still, " and "))
		}
	case FlagDMADebug:
		if dev != "" {
			if *before.dma(d) == 0 {
				return fmt.Sprintf("at step %d (%s) %s's driver synced an sg table that is not dma_map'ed (dma-debug warns).", i, label, dev)
			}
			return fmt.Sprintf("at step %d (%s) %s's sg table is dma_map'ed %s, but the sync or unmap used another direction (dma-debug warns).", i, label, dev, dirNames[*before.dma(d)&3])
		}
		return fmt.Sprintf("at step %d (%s) a dma_sync or dma_unmap used another direction than the buffer was dma_map'ed with (dma-debug warns).", i, label)
	case FlagPairing:
		switch call.Kind {
		case KCPURead, KCPUWrite:
			what := "read"
			if call.Kind == KCPUWrite {
				what = "wrote"
			}
			if before.phase(ag) == phaseInside {
				return fmt.Sprintf("at step %d %s %s line %d through the mmap inside a bracket that does not allow it (begun at step %d: %s).",
					i, c.cpuName(ag), what, call.Line, n.start[ag], n.label(n.start[ag]))
			}
			return fmt.Sprintf("at step %d %s %s line %d through the mmap outside a DMA_BUF_IOCTL_SYNC START/END bracket.", i, c.cpuName(ag), what, call.Line)
		case KSyncEnd, KEndCPU:
			if before.phase(ag) == phaseIdle {
				return fmt.Sprintf("at step %d, %s came without a START before it.", i, label)
			}
			return fmt.Sprintf("at step %d, %s does not match the bracket begun at step %d (%s).", i, label, n.start[ag], n.label(n.start[ag]))
		case KRelease:
			for _, w := range c.lay.bracketAgents {
				if before.phase(w) != phaseIdle {
					return fmt.Sprintf("at step %d the last dma_buf_put released the buffer inside %s's access bracket (begun at step %d).", i, c.cpuName(w), n.start[w])
				}
			}
		}
	}
	return ""
}
