package p2p

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func lineString(l uint8) string {
	switch lineStateOf(l) {
	case LineClean:
		return fmt.Sprintf("clean v%d", lineVerOf(l))
	case LineDirty:
		return fmt.Sprintf("dirty v%d", lineVerOf(l))
	}
	return "invalid"
}

func (m *Model) attString(s *State, i int) string {
	switch s.att(i) {
	case AttNone:
		return "not attached"
	case AttP2P:
		mt, d, _ := m.PathOf(i)
		return fmt.Sprintf("peer-to-peer to the BAR, %s (%s, distance %d)", s.addr(i), mt, d)
	case AttSys:
		v := "system memory"
		if s.Att[i]&AttRedirected != 0 {
			v += " (redirected: attach->peer2peer cleared)"
		}
		return v
	case AttRejected:
		return "attach rejected: -EBUSY"
	case AttRetryRejected:
		return "attach without peer2peer rejected too: -EBUSY"
	case AttCopy:
		return "CPU copy through a bounce buffer"
	case AttFailed:
		return "gave up: no path to the buffer"
	}
	return "?"
}

// Describe renders s for traces: only what the configuration uses.
func (m *Model) Describe(s *State) []statespace.Field {
	var out []statespace.Field
	add := func(name, v string) { out = append(out, statespace.Field{Name: name, Value: v}) }
	c := &m.cfg
	place := "exporter's BAR"
	if c.Exporter.BAR == BARStolen {
		place += " (stolen system memory)"
	} else {
		place += " (VRAM)"
	}
	if s.Place == PlaceSys {
		place = "system memory (migrated)"
	}
	add("buffer", place)
	for i := range c.Importers {
		n := m.impName(i)
		add(n+".attach", m.attString(s, i))
		dma := "idle"
		switch s.DMA[i] & dmaPhase {
		case DMARead:
			dma = "reading"
		case DMAWrite:
			dma = "writing"
		}
		if s.DMA[i]&DMADropped != 0 {
			_, why := c.Topology.Route(m.cli[i], m.prov, s.addr(i))
			dma += ": requests dropped (" + why + ")"
		}
		add(n+".dma", dma)
	}
	var mem, cache, latest []string
	for l := range c.Lines {
		mem = append(mem, fmt.Sprintf("v%d", s.Mem[l]))
		cache = append(cache, lineString(s.Cache[l]))
		who := [...]string{"", " by the cpu", " by a device"}[s.LatestBy[l]]
		latest = append(latest, fmt.Sprintf("v%d%s", s.Latest[l], who))
	}
	add("mem", strings.Join(mem, ", "))
	if c.CPU {
		add("cpu cache", strings.Join(cache, ", "))
	}
	add("latest write", strings.Join(latest, ", "))
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
