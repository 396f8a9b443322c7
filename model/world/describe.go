package world

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var flagNames = [numFlags]string{"stale-read", "lost-write", "dma-without-valid-mapping", "use-after-free", "dma-api-misuse", "begin/end-unpaired", "kernel-api-misuse"}

func lineString(x uint8) string {
	switch x & lineState {
	case lineClean:
		return fmt.Sprintf("clean v%d", x&lineVer)
	case lineDirty:
		return fmt.Sprintf("dirty v%d", x&lineVer)
	}
	return "invalid"
}

var phaseNames = [3]string{"idle", "begun (hook done, waiting for fences)", "inside"}

// describe renders a state for traces: every object, then every agent's
// position in its program, then the violations.
func (c *core) describe(s []byte) []statespace.Field {
	v := View{w: c, b: s}
	sp := &c.spec
	var f []statespace.Field
	add := func(name string, val string) { f = append(f, statespace.Field{Name: name, Value: val}) }
	if c.uses[famCache] {
		for l := range sp.Lines {
			add(fmt.Sprintf("mem[%d]", l), fmt.Sprintf("v%d", *v.mem(l)))
			w := "initial"
			switch by := *v.latestBy(l); {
			case by == writerCPU:
				w = "cpu"
			case by == p2pByDevice:
				w = "a p2p importer"
			case by >= writerDevice0:
				w = c.devName(int(by - writerDevice0))
			}
			add(fmt.Sprintf("latest[%d]", l), fmt.Sprintf("v%d (%s)", *v.latest(l), w))
			if !sp.Backing.uncached() {
				add(fmt.Sprintf("cpu.cache[%d]", l), lineString(*v.cpu(l)))
			}
		}
		if v.released() {
			add("buffer", "released")
		} else {
			add("buffer", "live")
		}
		for _, ag := range c.lay.bracketAgents {
			n := sp.Agents[ag].Name
			acc := phaseNames[v.phase(ag)]
			if v.phase(ag) != phaseIdle {
				acc += " " + syncNames[v.accDir(ag)]
			}
			add(n+".access", acc)
			if s[c.lay.syncErr[ag]] == errInval {
				add(n+".last-sync", "-EINVAL")
			}
		}
		for d, dv := range sp.Devices {
			n := dv.Name
			att := map[uint8]string{attNone: "detached", attAttached: "attached", attRejected: "rejected (-EINVAL)"}[*v.att(d)&attMask]
			if *v.att(d)&attPinned != 0 {
				att += ", pinned"
			}
			add(n+".attach", att)
			mp := "none"
			if h := v.held(d); h != 0 {
				mp = dirNames[h]
			}
			if cd := v.cached(d); cd != 0 {
				mp += ", cached sgt " + dirNames[cd]
			}
			if *v.mp(d)&mapStale != 0 {
				mp += ", invalidated by move_notify"
			}
			add(n+".mapping", mp)
			dma := "unmapped"
			if *v.dma(d) != 0 {
				dma = "mapped " + dirNames[*v.dma(d)]
			}
			add(n+".dma-api", dma)
			job := "idle"
			switch v.jobKind(d) {
			case jobRead:
				job = fmt.Sprintf("reading line %d (saw v%d)", v.jobLine(d), v.jobVer(d))
			case jobWrite:
				job = fmt.Sprintf("writing line %d", v.jobLine(d))
			}
			add(n+".job", job)
			if e := *v.err(d); e != errNone {
				add(n+".last-error", map[uint8]string{errBusy: "-EBUSY", errInval: "-EINVAL"}[e])
			}
			for l := range sp.Lines {
				if dv.OwnCache {
					add(fmt.Sprintf("%s.cache[%d]", n, l), lineString(*v.devCache(d, l)))
				}
				if dv.Bounce {
					add(fmt.Sprintf("%s.bounce[%d]", n, l), fmt.Sprintf("v%d", *v.bounce(d, l)))
				}
			}
		}
	}
	c.fenceDescribe(v, add)
	c.lockDescribe(v, add)
	c.vmDescribe(v, add)
	c.p2pDescribe(v, add)
	c.lifeDescribe(v, add)
	for ag, p := range c.progs {
		if c.lay.pc[ag] >= 0 {
			add(sp.Agents[ag].Name+".at", p.describeNode(c.pcOf(s, ag)))
		}
	}
	var flags []string
	for i, name := range flagNames {
		if v.ghost()&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("VIOLATED", strings.Join(flags, ", "))
	}
	return f
}
