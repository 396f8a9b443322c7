package model

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var lineNames = map[uint8]string{LineInvalid: "invalid", LineClean: "clean", LineDirty: "dirty"}

func lineString(v uint8) string {
	if v&lineState == LineInvalid {
		return "invalid"
	}
	return fmt.Sprintf("%s v%d", lineNames[v&lineState], v&lineVer)
}

var phaseNames = [3]string{"idle", "begun (hook done, waiting for fences)", "inside"}
var flagNames = []string{"stale-read", "lost-write", "dma-without-valid-mapping", "use-after-free", "dma-api-misuse", "begin/end-unpaired"}

// Describe renders s for traces: only the configured lines and devices,
// with kernel names for the values.
func (m *Model) Describe(s *State) []statespace.Field {
	var f []statespace.Field
	add := func(name string, v any) { f = append(f, statespace.Field{Name: name, Value: fmt.Sprint(v)}) }
	c := &m.cfg
	for l := range c.Lines {
		add(fmt.Sprintf("mem[%d]", l), fmt.Sprintf("v%d", s.Mem[l]))
		w := "initial"
		switch by := s.LatestBy[l]; {
		case by == WriterCPU:
			w = "cpu"
		case by >= WriterDevice0:
			w = m.devName(int(by - WriterDevice0))
		}
		add(fmt.Sprintf("latest[%d]", l), fmt.Sprintf("v%d (%s)", s.Latest[l], w))
		if !c.Backing.uncached() {
			add(fmt.Sprintf("cpu.cache[%d]", l), lineString(s.CPU[l]))
		}
	}
	acc := phaseNames[s.phase()]
	if s.phase() != phaseIdle {
		acc += " " + syncNames[s.accessDir()]
	}
	add("cpu.access", acc)
	if s.SyncErr == ErrInval {
		add("cpu.last-sync", "-EINVAL")
	}
	if s.Buf == BufFreed {
		add("buffer", "released")
	} else {
		add("buffer", "live")
	}
	for j, dv := range c.Devices {
		d := &s.Dev[j]
		n := m.devName(j)
		att := map[uint8]string{AttNone: "detached", AttAttached: "attached", AttRejected: "rejected (-EINVAL)"}[d.Att&attMask]
		if d.Att&AttPinned != 0 {
			att += ", pinned"
		}
		add(n+".attach", att)
		mp := "none"
		if h := d.held(); h != 0 {
			mp = dirNames[h]
		}
		if cd := d.cached(); cd != 0 {
			mp += ", cached sgt " + dirNames[cd]
		}
		if d.Map&MapStale != 0 {
			mp += ", invalidated by move_notify"
		}
		add(n+".mapping", mp)
		dma := "unmapped"
		if d.DMA != 0 {
			dma = "mapped " + dirNames[d.DMA]
		}
		add(n+".dma-api", dma)
		job := "idle"
		switch d.jobKind() {
		case jobRead:
			job = fmt.Sprintf("reading line %d (saw v%d)", d.jobLine(), d.jobVer())
		case jobWrite:
			job = fmt.Sprintf("writing line %d", d.jobLine())
		}
		add(n+".job", job)
		if d.Err != ErrNone {
			add(n+".last-error", map[uint8]string{ErrBusy: "-EBUSY", ErrInval: "-EINVAL"}[d.Err])
		}
		for l := range c.Lines {
			if dv.OwnCache {
				add(fmt.Sprintf("%s.cache[%d]", n, l), lineString(d.Cache[l]))
			}
			if dv.Bounce {
				add(fmt.Sprintf("%s.bounce[%d]", n, l), fmt.Sprintf("v%d", d.Bounce[l]))
			}
		}
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
	return f
}
