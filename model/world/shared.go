package world

import (
	"fmt"
	"strings"
)

// The objects the families share (docs/world.md, "Shared objects"): what
// Build checks of a world whose families act on one object.

// checkShared rejects a world whose families' declarations of a shared
// object cannot be one object.
func (c *core) checkShared() error {
	if c.lay.fence.used && c.lay.fence.hasCPU {
		// The fence family's wait state is the CPU's: one agent.
		var cpus []string
		for ag, p := range c.progs {
			if programCalls(p, isBracketBegin) {
				cpus = append(cpus, c.spec.Agents[ag].Name)
			}
		}
		if len(cpus) > 1 {
			return fmt.Errorf("agents %s all begin CPU access: in a world with the fence family one agent is the CPU (its wait in dma_buf_begin_cpu_access is the fence family's)", strings.Join(cpus, ", "))
		}
	}
	return nil
}

// programCalls reports whether program p makes a call whose kind
// satisfies ok.
func programCalls(p *program, ok func(CallKind) bool) bool {
	for _, n := range p.nodes {
		for _, e := range n {
			for _, op := range e.Ops {
				if ok(op.Kind) {
					return true
				}
			}
		}
	}
	return false
}
