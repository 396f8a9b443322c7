package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Intent is one high-level access of a workload: the CPU (Device == -1)
// or importer Device reads or writes line 0 of the buffer.
type Intent struct {
	Device int
	Write  bool
}

// StandardWorkload is the access pattern the design review counts cache
// maintenance on (docs/design-review.md, "Cost"): the CPU fills the
// buffer, both importers read it, importer 1 (the non-coherent ISP of the
// review's worlds) writes it, the CPU and importer 0 (the GPU) read that,
// importer 0 writes, and the CPU and importer 1 read the result. Three
// writes, six reads, every hand-over once.
var StandardWorkload = []Intent{
	{-1, true}, {1, false}, {0, false},
	{1, true}, {-1, false}, {0, false},
	{0, true}, {-1, false}, {1, false},
}

// WorkloadRun is what carrying out a workload did.
type WorkloadRun struct {
	// Maintenance is the cache maintenance the calls performed.
	Maintenance Maintenance
	// MapCalls counts the dma_buf_map_attachment and
	// dma_buf_unmap_attachment calls made.
	MapCalls int
	// Steps are the names of the actions taken, in order.
	Steps []string
}

// maxIntentSteps bounds the actions one intent may take.
const maxIntentSteps = 12

// Workload carries out the intents in order the way a correct client of
// the world does, with the calls its agents' programs offer: every
// importer attaches first; each intent is then the shortest sequence of
// enabled actions (the first in action-table order among equally short
// ones) that makes the intended access and leaves every CPU bracket and
// device job finished. A client maps DMA_BIDIRECTIONAL, brackets the
// CPU's access in the direction of the access, unmaps when its program
// requires it, and makes no other call: no detach, pin, move or release,
// no other direction, and none of the hardware's own events (prefetch,
// write-back, eviction). Every safety property must hold after every
// step, so every read sees the latest write.
//
// It fails when an intent cannot be carried out (the exporter rejects an
// importer's attach; no such sequence) or a step breaks a property; the
// run so far is returned with the error.
func (m *Model) Workload(intents []Intent) (WorkloadRun, error) {
	c := m.c
	var run WorkloadRun
	if !c.uses[famCache] {
		return run, fmt.Errorf("world %s has no buffer to access", c.spec.Name)
	}
	writes := 0
	for _, in := range intents {
		if in.Device >= len(c.spec.Devices) {
			return run, fmt.Errorf("world %s has no importer %d", c.spec.Name, in.Device)
		}
		if in.Write {
			writes++
		}
	}
	if writes > c.spec.Writes {
		return run, fmt.Errorf("the workload writes %d times; world %s allows %d (writes)", writes, c.spec.Name, c.spec.Writes)
	}
	s := make([]byte, classOf(c.lay.size))
	c.init(s)
	take := func(path []statespace.Action, what string) error {
		for _, a := range path {
			c.stepCounting(s, a, &run.Maintenance)
			run.Steps = append(run.Steps, c.names[a])
			for _, op := range c.table[a].e.Ops {
				if op.Kind == KMap || op.Kind == KUnmap {
					run.MapCalls++
				}
			}
			v := View{w: c, b: s}
			for _, p := range c.props {
				if p.exp == statespace.Always && !p.holds(v) {
					return fmt.Errorf("%s breaks %s at step %d (%s)", what, p.name, len(run.Steps), c.names[a])
				}
			}
		}
		return nil
	}
	for d, dv := range c.spec.Devices {
		attached := func(v View) bool { return v.attached(d) || v.Rejected(d) }
		allowed := func(op Call) bool { return op.Kind == KAttach && op.Dev == d }
		path, ok := c.shortest(s, allowed, nil, attached)
		if !ok {
			return run, fmt.Errorf("%s cannot attach: no program offers dma_buf_attach(%s)", dv.Name, dv.Name)
		}
		if err := take(path, "attaching "+dv.Name); err != nil {
			return run, err
		}
		if (View{w: c, b: s}).Rejected(d) {
			return run, fmt.Errorf("%s cannot share the buffer: the exporter rejects its attach", dv.Name)
		}
	}
	for i, in := range intents {
		what := fmt.Sprintf("intent %d (%s)", i+1, c.intentName(in))
		path, ok := c.shortest(s, c.clientCall(in), c.intentAccess(in), quiescent)
		if !ok {
			return run, fmt.Errorf("%s cannot be carried out in %d steps with the calls the programs offer", what, maxIntentSteps)
		}
		if err := take(path, what); err != nil {
			return run, err
		}
	}
	return run, nil
}

// intentName words an intent: "the CPU writes", "isp reads".
func (c *core) intentName(in Intent) string {
	who, verb := "the CPU", "reads"
	if in.Device >= 0 {
		who = c.spec.Devices[in.Device].Name
	}
	if in.Write {
		verb = "writes"
	}
	return who + " " + verb
}

// intentAccess reports whether op is the access intent in makes.
func (c *core) intentAccess(in Intent) func(op Call) bool {
	return func(op Call) bool {
		if op.Line != 0 {
			return false
		}
		switch op.Kind {
		case KCPURead:
			return in.Device < 0 && !in.Write
		case KCPUWrite:
			return in.Device < 0 && in.Write
		case KJobRead:
			return op.Dev == in.Device && !in.Write
		case KJobWrite:
			return op.Dev == in.Device && in.Write
		}
		return false
	}
}

// clientCall says which calls a correct client makes to carry out in.
func (c *core) clientCall(in Intent) func(op Call) bool {
	dir := SyncRead
	if in.Write {
		dir = SyncWrite
	}
	access := c.intentAccess(in)
	return func(op Call) bool {
		switch op.Kind {
		case KCPURead, KCPUWrite, KJobRead, KJobWrite:
			return access(op)
		case KSyncStart, KSyncEnd, KBeginCPU, KEndCPU:
			return in.Device < 0 && op.Dir == dir
		case KMap:
			return op.Dev == in.Device && op.Dir == DirBidir
		case KUnmap, KJobDone, KSyncForCPU, KSyncForDevice:
			// Any importer unmaps when a program requires it (the CPU may
			// not begin while one holds a mapping); jobs end and drivers
			// sync as their programs say.
			return true
		}
		return false
	}
}

// quiescent: no CPU bracket open, no device job running.
func quiescent(v View) bool {
	for d := range v.w.spec.Devices {
		if v.jobKind(d) != jobIdle {
			return false
		}
	}
	return v.AllIdle()
}

// shortest searches breadth first from s, with the enabled actions whose
// calls are all allowed, for the shortest path that takes an action with
// a call that is the access (when access is set) and ends where done
// holds. Actions are tried in table order, so the path is the first of
// the shortest ones.
func (c *core) shortest(s []byte, allowed, access func(Call) bool, done func(View) bool) ([]statespace.Action, bool) {
	type node struct {
		s        []byte
		accessed bool
		parent   int
		a        statespace.Action
	}
	start := node{s: append([]byte(nil), s...), accessed: access == nil, parent: -1}
	if start.accessed && done(View{w: c, b: start.s}) {
		return nil, true
	}
	nodes := []node{start}
	seen := map[string]bool{fmt.Sprint(start.accessed) + string(start.s): true}
	var buf []statespace.Action
	for depth, lo := 0, 0; depth < maxIntentSteps && lo < len(nodes); depth++ {
		hi := len(nodes)
		for i := lo; i < hi; i++ {
			buf = c.actions(nodes[i].s, buf[:0])
			for _, a := range buf {
				ops := c.table[a].e.Ops
				ok, accessed := true, nodes[i].accessed
				for _, op := range ops {
					ok = ok && allowed(op)
					accessed = accessed || access != nil && access(op)
				}
				if !ok {
					continue
				}
				n := node{s: append([]byte(nil), nodes[i].s...), accessed: accessed, parent: i, a: a}
				c.step(n.s, a)
				key := fmt.Sprint(accessed) + string(n.s)
				if seen[key] {
					continue
				}
				seen[key] = true
				nodes = append(nodes, n)
				if accessed && done(View{w: c, b: n.s}) {
					var path []statespace.Action
					for j := len(nodes) - 1; nodes[j].parent >= 0; j = nodes[j].parent {
						path = append([]statespace.Action{nodes[j].a}, path...)
					}
					return path, true
				}
			}
		}
		lo = hi
	}
	return nil, false
}
