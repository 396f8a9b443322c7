package model

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// narrator walks a trace once, remembering which step wrote each version
// and filled each CPU cache line, to tell the story in the protocol's words.
type narrator struct {
	m     *Model
	path  []State
	acts  []statespace.Action
	wrote [MaxLines][lineVer + 1]int // step that wrote each version of each line
	fill  [MaxLines]int              // step that last filled the CPU's copy of each line (0: initial)
	start int                        // step of the CPU's last DMA_BUF_IOCTL_SYNC(START)
	attch [MaxDevices]int            // step each device last attached
	job   [MaxDevices]int            // step each device's job started
	moved int                        // step of the last dma_buf_move_notify
	signl []signal                   // fences signalled since the CPU's last START
}

type signal struct {
	step int
	dev  int
}

// Narrate tells the story of a trace of the model: what each CPU or device
// read returned, the fences signalled to the waiting CPU and the waits they
// end, and how the last step sets the violation flag f (one of the Flag*
// values; 0 for none). props.Checked maps its properties to the flags.
func (m *Model) Narrate(f uint8, path []State, acts []statespace.Action) statespace.Explanation {
	n := &narrator{m: m, path: path, acts: acts}
	e := statespace.Explanation{Steps: make([]statespace.StepNote, len(path))}
	for i := 1; i < len(path); i++ {
		e.Steps[i] = n.step(i)
	}
	if len(acts) > 0 && f != 0 && path[len(path)-1].Ghost&f != 0 && path[len(path)-2].Ghost&f == 0 {
		e.Violation = n.violation(f)
	}
	return e
}

func (n *narrator) who(w uint8) string {
	switch {
	case w == WriterCPU:
		return "the CPU"
	case w >= WriterDevice0:
		return "the " + n.m.devName(int(w-WriterDevice0))
	}
	return "nobody"
}

// step annotates step i and records what it did.
func (n *narrator) step(i int) statespace.StepNote {
	before, after, t := &n.path[i-1], &n.path[i], &n.m.table[n.acts[i-1]]
	var note statespace.StepNote
	for l := range n.m.cfg.Lines {
		if after.Latest[l] != before.Latest[l] {
			n.wrote[l][after.Latest[l]] = i
		}
		if after.CPU[l] != before.CPU[l] && after.CPU[l]&lineState != LineInvalid &&
			!(t.kind == KWriteback && after.CPU[l]&lineVer == before.CPU[l]&lineVer) {
			n.fill[l] = i
		}
	}
	switch t.kind {
	case KSyncStart:
		n.start, n.signl = i, nil
	case KCPURead:
		v, from := n.cpuRead(before, t.line)
		note.Observed = fmt.Sprintf("the CPU read v%d of line %d %s", v, t.line, from)
	case KJobRead:
		n.job[t.dev] = i
		v, from := n.devRead(before, t.dev, t.line)
		note.Observed = fmt.Sprintf("the %s read v%d of line %d %s", n.m.devName(t.dev), v, t.line, from)
	case KJobWrite:
		n.job[t.dev] = i
	case KAttach:
		n.attch[t.dev] = i
	case KMoveNotify:
		n.moved = i
	case KJobDone:
		if before.phase() == phaseBegun && n.blocks(before, t.dev, before.accessDir()) {
			n.signl = append(n.signl, signal{i, t.dev})
			note.Messages = append(note.Messages, statespace.Message{From: n.m.devName(t.dev), To: "cpu",
				Text: "fence signalled (the CPU waits for it in begin_cpu_access)"})
		}
	case KBeginWait:
		for _, sg := range n.signl {
			note.Messages = append(note.Messages, statespace.Message{From: n.m.devName(sg.dev), To: "cpu",
				Text: fmt.Sprintf("wait returns: fence signalled at step %d", sg.step)})
		}
	}
	return note
}

// blocks reports whether device d's job in s is one a CPU access in
// direction dir waits for (cpuMustWait).
func (n *narrator) blocks(s *State, d int, dir uint8) bool {
	k := s.Dev[d].jobKind()
	return k == jobWrite || k == jobRead && dir&cpuWrite != 0
}

// cpuRead is what a CPU load of line l in s returns, and from where.
func (n *narrator) cpuRead(s *State, l int) (uint8, string) {
	c := *s
	v := n.m.cpuLoad(&c, l)
	switch {
	case n.m.cfg.Backing.uncached():
		return v, "from memory (uncached)"
	case s.CPU[l]&lineState != LineInvalid:
		return v, "from its cache"
	case v != s.Mem[l]:
		return v, "snooped from a device's cache"
	}
	return v, "from memory"
}

// devRead is what device d's DMA read of line l in s returns, and from where.
func (n *narrator) devRead(s *State, d, l int) (uint8, string) {
	c := *s
	v := n.m.devLoad(&c, d, l)
	dv, ds := n.m.cfg.Devices[d], &s.Dev[d]
	switch {
	case dv.Bounce:
		return v, "from its bounce buffer"
	case dv.OwnCache && ds.Cache[l]&lineState != LineInvalid:
		return v, "from its own cache"
	case v != s.Mem[l]:
		return v, "snooped from the CPU's cache"
	}
	return v, "from memory"
}

// label is step i's action, without the device name the action table
// puts before a device's own actions.
func (n *narrator) label(i int) string {
	t := &n.m.table[n.acts[i-1]]
	if t.dev >= 0 {
		return strings.TrimPrefix(n.m.names[n.acts[i-1]], n.m.devName(t.dev)+": ")
	}
	return n.m.names[n.acts[i-1]]
}

// latest describes the latest write of line l in s.
func (n *narrator) latest(s *State, l int) string {
	v := s.Latest[l]
	if v == 0 {
		return "version 0 (the initial data)"
	}
	return fmt.Sprintf("version %d, written by %s at step %d", v, n.who(s.LatestBy[l]), n.wrote[l][v])
}

// violation explains how the last step sets flag f.
func (n *narrator) violation(f uint8) string {
	i := len(n.path) - 1
	before, after, t := &n.path[i-1], &n.path[i], &n.m.table[n.acts[i-1]]
	dev := ""
	if t.dev >= 0 {
		dev = "the " + n.m.devName(t.dev)
	}
	switch f {
	case FlagStaleRead:
		l := t.line
		if t.kind == KCPURead {
			v, from := n.cpuRead(before, l)
			s := fmt.Sprintf("at step %d the CPU read version %d of line %d %s, but the latest is %s", i, v, l, from, n.latest(before, l))
			w := n.wrote[l][before.Latest[l]]
			switch {
			case from == "from its cache" && n.fill[l] > 0 && n.fill[l] < w:
				s += fmt.Sprintf("; the CPU's copy became stale at step %d (%s) and was not invalidated after %s's write", n.fill[l], n.label(n.fill[l]), n.who(before.LatestBy[l]))
			case from == "from its cache":
				s += fmt.Sprintf("; the CPU's cached copy (filled at step %d) was never invalidated", n.fill[l])
			default:
				s += "; that write had not reached memory: " + n.where(before, l, before.Latest[l])
			}
			return s + "."
		}
		if t.kind == KJobRead {
			v, from := n.devRead(before, t.dev, l)
			s := fmt.Sprintf("at step %d %s's DMA read version %d of line %d %s, but the latest is %s", i, dev, v, l, from, n.latest(before, l))
			return s + "; " + n.where(before, l, before.Latest[l]) + "."
		}
	case FlagLostWrite:
		for l := range n.m.cfg.Lines {
			v := n.newest(before, l)
			if v > 0 && n.newest(after, l) < v {
				return fmt.Sprintf("at step %d, %s discarded version %d of line %d, written by %s at step %d: %s; afterwards the newest copy anywhere is version %d.",
					i, n.label(i), v, l, n.who(n.writer(l, v)), n.wrote[l][v], n.where(before, l, v), n.newest(after, l))
			}
			if after.Mem[l] < before.Mem[l] {
				return fmt.Sprintf("at step %d, %s overwrote version %d of line %d in memory with the older version %d.", i, n.label(i), before.Mem[l], l, after.Mem[l])
			}
		}
	case FlagNoMapping:
		if n.moved > 0 {
			return fmt.Sprintf("at step %d %s started a DMA job through its mapping, but dma_buf_move_notify at step %d had invalidated it (the buffer moved) and the importer did not map it again.", i, dev, n.moved)
		}
	case FlagUseAfterFree:
		if t.kind == KDetach {
			return fmt.Sprintf("at step %d %s's driver detached while its DMA job (started at step %d) still runs: the job's DMA goes on into a freed mapping.", i, dev, n.job[t.dev])
		}
		if t.kind == KRelease {
			var still []string
			for j := range n.m.cfg.Devices {
				if before.Dev[j].attached() {
					still = append(still, fmt.Sprintf("the %s (attached at step %d)", n.m.devName(j), n.attch[j]))
				}
			}
			return fmt.Sprintf("at step %d the last dma_buf_put released the buffer while %s still holds an attachment to it.", i, strings.Join(still, " and "))
		}
	case FlagDMADebug:
		if t.dev >= 0 {
			ds := &before.Dev[t.dev]
			if ds.DMA == 0 {
				return fmt.Sprintf("at step %d (%s) %s's driver synced an sg table that is not dma_map'ed (dma-debug warns).", i, n.label(i), dev)
			}
			return fmt.Sprintf("at step %d (%s) %s's sg table is dma_map'ed %s, but the sync or unmap used another direction (dma-debug warns).", i, n.label(i), dev, dirNames[ds.DMA])
		}
		return fmt.Sprintf("at step %d (%s) a dma_sync or dma_unmap used another direction than the buffer was dma_map'ed with (dma-debug warns).", i, n.label(i))
	case FlagPairing:
		switch t.kind {
		case KCPURead, KCPUWrite:
			what := "read"
			if t.kind == KCPUWrite {
				what = "wrote"
			}
			return fmt.Sprintf("at step %d the CPU %s line %d through the mmap outside a DMA_BUF_IOCTL_SYNC START/END bracket.", i, what, t.line)
		case KSyncEnd:
			if before.phase() == phaseIdle {
				return fmt.Sprintf("at step %d, %s came without a START before it.", i, n.label(i))
			}
			return fmt.Sprintf("at step %d, %s does not match the bracket begun at step %d (%s).", i, n.label(i), n.start, n.label(n.start))
		case KRelease:
			return fmt.Sprintf("at step %d the last dma_buf_put released the buffer inside the CPU's access bracket (begun at step %d).", i, n.start)
		}
	}
	return ""
}

// writer is who wrote version v of line l, from the step that wrote it.
func (n *narrator) writer(l int, v uint8) uint8 {
	if i := n.wrote[l][v]; i > 0 {
		return n.path[i].LatestBy[l]
	}
	return WriterNone
}

// newest is the newest version of line l held anywhere in s.
func (n *narrator) newest(s *State, l int) uint8 {
	v := s.Mem[l]
	if s.CPU[l]&lineState != LineInvalid {
		v = max(v, s.CPU[l]&lineVer)
	}
	for j, dv := range n.m.cfg.Devices {
		if dv.OwnCache && s.Dev[j].Cache[l]&lineState != LineInvalid {
			v = max(v, s.Dev[j].Cache[l]&lineVer)
		}
		if dv.Bounce {
			v = max(v, s.Dev[j].Bounce[l])
		}
	}
	return v
}

// where says where version v of line l is in s.
func (n *narrator) where(s *State, l int, v uint8) string {
	var at []string
	if s.Mem[l] == v {
		at = append(at, "memory")
	}
	if s.CPU[l]&lineState != LineInvalid && s.CPU[l]&lineVer == v {
		st := "clean"
		if s.CPU[l]&lineState == LineDirty {
			st = "dirty"
		}
		at = append(at, "a "+st+" line of the CPU's cache")
	}
	for j, dv := range n.m.cfg.Devices {
		if dv.OwnCache && s.Dev[j].Cache[l]&lineState != LineInvalid && s.Dev[j].Cache[l]&lineVer == v {
			at = append(at, "the "+n.m.devName(j)+"'s cache")
		}
		if dv.Bounce && s.Dev[j].Bounce[l] == v {
			at = append(at, "the "+n.m.devName(j)+"'s bounce buffer")
		}
	}
	if len(at) == 0 {
		return fmt.Sprintf("version %d is nowhere (memory holds version %d)", v, s.Mem[l])
	}
	return fmt.Sprintf("version %d was only in %s (memory held version %d)", v, strings.Join(at, " and "), s.Mem[l])
}
