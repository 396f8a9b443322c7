package model

import (
	"fmt"
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Intent is one high-level access of a workload: the CPU (Device == -1) or
// an importer device reads or writes line 0.
type Intent struct {
	Device int
	Write  bool
}

// StandardWorkload is the access pattern the design review counts cache
// maintenance on: the CPU fills the buffer, both importers read it, importer
// 1 (the non-coherent one in the review's configurations) writes it, the CPU
// and importer 0 read that, importer 0 writes, and the CPU and importer 1
// read the result. Three writes, six reads, every hand-over once.
var StandardWorkload = []Intent{
	{-1, true}, {1, false}, {0, false},
	{1, true}, {-1, false}, {0, false},
	{0, true}, {-1, false}, {1, false},
}

// Workload carries out the intents in order the way a correct client of
// this configuration does (attach every importer first; map once,
// BIDIRECTIONAL, or map around every job under MapAroundEveryJob; bracket
// CPU access with DMA_BUF_IOCTL_SYNC) and returns the cache maintenance
// performed and the labels of the actions taken. Every read must see the
// latest write. It fails if an intent cannot be carried out, e.g. when the
// exporter rejects an importer's attach.
func (m *Model) Workload(intents []Intent) (Ops, []string, error) {
	var total Ops
	var labels []string
	s := m.Init()[0]
	var buf []statespace.Action
	exec := func(label string) error {
		a := slices.Index(m.names, label)
		if a < 0 {
			return fmt.Errorf("no action %q in this configuration", label)
		}
		buf = m.Actions(&s, buf[:0])
		if !slices.Contains(buf, statespace.Action(a)) {
			return fmt.Errorf("%s is not enabled", label)
		}
		var ops Ops
		s, ops = m.StepCounting(&s, statespace.Action(a))
		total.Add(ops)
		labels = append(labels, label)
		return nil
	}
	writes := 0
	for _, in := range intents {
		if in.Write {
			writes++
		}
	}
	if writes > m.cfg.Writes {
		return total, labels, fmt.Errorf("the workload writes %d times; the configuration allows %d", writes, m.cfg.Writes)
	}
	for d := range m.cfg.Devices {
		if err := exec(fmt.Sprintf(kindNames[KAttach], m.devName(d))); err != nil {
			return total, labels, err
		}
		if !s.Dev[d].attached() {
			return total, labels, fmt.Errorf("%s cannot share the buffer: the exporter rejects its attach", m.devName(d))
		}
	}
	for _, in := range intents {
		var steps []string
		if in.Device < 0 {
			dir := uint8(cpuRead)
			op := fmt.Sprintf(kindNames[KCPURead], 0)
			if in.Write {
				dir, op = cpuWrite, fmt.Sprintf(kindNames[KCPUWrite], 0)
			}
			steps = []string{m.names[m.find(KSyncStart, -1, dir)], m.names[m.find(KBeginWait, -1, dir)], op, m.names[m.find(KSyncEnd, -1, dir)]}
		} else {
			d := in.Device
			if s.Dev[d].held() == 0 {
				steps = append(steps, fmt.Sprintf(kindNames[KMap], m.devName(d), dirNames[DirBidir]))
			}
			kind := KJobRead
			if in.Write {
				kind = KJobWrite
			}
			steps = append(steps, fmt.Sprintf(kindNames[kind], m.devName(d), 0), fmt.Sprintf(kindNames[KJobDone], m.devName(d)))
		}
		for _, l := range steps {
			if err := exec(l); err != nil {
				return total, labels, err
			}
		}
	}
	if s.Ghost != 0 {
		return total, labels, fmt.Errorf("the workload broke a property (ghost flags %#x)", s.Ghost)
	}
	return total, labels, nil
}

// find returns the index of the action with the given kind, device and dir.
func (m *Model) find(k Kind, dev int, dir uint8) int {
	for i, a := range m.table {
		if a.kind == k && a.dev == dev && a.dir == dir {
			return i
		}
	}
	return -1
}
