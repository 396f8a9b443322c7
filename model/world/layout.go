package world

// layout places every field of a world's state at a fixed byte offset.
// Fields exist only for the objects the spec declares: one CPU-bracket
// pair per agent that uses the CPU calls, a program counter per agent
// whose program has more than one point, a cache and bounce line per
// device that has them.
type layout struct {
	size int
	// ghost holds the violation flags (Flag*), two bytes.
	ghost int
	// buf is the buffer's lifetime and exporter bookkeeping (buf* bits).
	buf int
	// writes counts the writes so far (it bounds the versions).
	writes int
	// mem, latest, latestBy and cpu are per line: the version in memory,
	// the ghost latest completed write and its writer, and the CPU cache
	// line (a line value). The p2p family's BAR buffer uses them too.
	mem, latest, latestBy, cpu int
	// access and syncErr are per agent, or -1: the agent's CPU bracket
	// (phase<<2 | SYNC dir) and the errno of its last SYNC.
	access, syncErr []int
	// dev is per device.
	dev []devLayout
	// pc is per agent, or -1 for a program with a single point.
	pc []int
	// bracketAgents are the agents with a CPU bracket.
	bracketAgents []int
	// fence is the fence family's section (fence_state.go).
	fence fenceLay
	// vm is the offset of the vm family's section (vmState), or -1.
	vm int
	// vmChain is the offset of the three VMs' section (chainState), or -1.
	vmChain int
	// life is the life family's section (life_state.go).
	life lifeLay
}

// devLayout is the offsets of one device's fields.
type devLayout struct {
	// att is the attachment (Att* values), mp the importer's mapping
	// (held dir | cached dir<<2 | MapStale | MapFresh), dma the DMA-API
	// mapped direction, job the device's DMA job (kind | line<<2 |
	// observed version<<3), err the errno of the driver's last failed call.
	att, mp, dma, job, err int
	// cache and bounce are per line, or -1: the device's own cache and its
	// swiotlb bounce slot.
	cache, bounce int
}

// usesBracket reports whether a program makes CPU calls that need a
// bracket (the cache family's part of it exists only in a world with the
// buffer's data: bracket.go).
func usesBracket(p *program) bool {
	for _, n := range p.nodes {
		for _, e := range n {
			for _, op := range e.Ops {
				switch op.Kind {
				case KSyncStart, KSyncEnd, KSyncInvalid, KBeginCPU, KEndCPU, KResvBeginCPU, KResvEndCPU, KCPURead, KCPUWrite:
					return true
				}
			}
		}
	}
	return false
}

func newLayout(c *core) layout {
	var l layout
	off := 0
	take := func(n int) int { o := off; off += n; return o }
	lines := c.spec.Lines
	if p := &c.spec.P2P; p.used() && p.Lines > lines {
		lines = p.Lines // the p2p family's BAR buffer is the dma-buf: its lines are these
	}
	l.ghost = take(2)
	l.buf = take(1)
	l.writes = take(1)
	l.mem = take(lines)
	l.latest = take(lines)
	l.latestBy = take(lines)
	l.cpu = take(lines)
	for ag, p := range c.progs {
		if usesBracket(p) && c.uses[famCache] {
			l.access = append(l.access, take(1))
			l.syncErr = append(l.syncErr, take(1))
			l.bracketAgents = append(l.bracketAgents, ag)
		} else {
			l.access = append(l.access, -1)
			l.syncErr = append(l.syncErr, -1)
		}
	}
	for _, d := range c.spec.Devices {
		dl := devLayout{att: take(1), mp: take(1), dma: take(1), job: take(1), err: take(1), cache: -1, bounce: -1}
		if d.OwnCache {
			dl.cache = take(lines)
		}
		if d.Bounce {
			dl.bounce = take(lines)
		}
		l.dev = append(l.dev, dl)
	}
	fenceLayout(c, &l, take)
	lockLayout(c, &l, take)
	vmLayout(c, &l, take)
	p2pLayout(c, &l, take)
	lifeLayout(c, &l, take)
	for _, p := range c.progs {
		if len(p.nodes) > 1 {
			l.pc = append(l.pc, take(1))
		} else {
			l.pc = append(l.pc, -1)
		}
	}
	l.size = off
	return l
}
