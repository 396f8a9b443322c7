package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/internal/perm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// ForceDeviceSwap makes m's reduction the swap of its two devices with
// the agents that drive them (named after the device, and its cache
// NAME-cache): the group Build would make of a declaration it rejects,
// forced past its checks, for the tests that show an exclusion is needed.
func ForceDeviceSwap(m *Model) {
	spec := m.c.spec
	sy := &symmetry{groups: [][]int{{0, 1}}, perms: perm.Group(2, [][]int{{0, 1}})}
	for d := range 2 {
		mb := member{dev: d}
		for a, ag := range spec.Agents {
			if ag.Name == spec.Devices[d].Name || ag.Name == spec.Devices[d].Name+"-cache" {
				mb.agents = append(mb.agents, a)
			}
		}
		sy.members = append(sy.members, mb)
	}
	m.c.sym = sy
}

// NoQuietCalls makes the partial-order reduction's C2 check step every
// call of an ample set, as it did before calls that never raise a flag
// were told apart (BenchmarkAmple compares the two).
func NoQuietCalls(m *Model) {
	for a := range m.c.por.quiet {
		m.c.por.quiet[a] = false
	}
}

// FootprintError checks the partial-order reduction's footprints in state
// s of w: every enabled action writes no byte outside its footprint's
// writes and the watched bytes, and every two actions of different agents
// at their points whose footprints are independent commute: neither
// enables or disables the other, and both orders reach the same state.
// A job gate closed for an agent (porClosedGates) stays closed whatever
// step another agent takes. It returns the first breach, or ""
// (also when the reduction does not apply).
func FootprintError[S Bytes](w World[S], s S) string {
	c := w.core
	p := &c.por
	if p.why != "" {
		return ""
	}
	watched := func(i int) bool {
		for _, off := range p.watch {
			if off == i {
				return true
			}
		}
		return false
	}
	en := func(x []byte, a statespace.Action) bool { return c.enabled(x, a, nil) }
	var at []statespace.Action
	for ag := range c.progs {
		at = append(at, c.byPC[ag][c.pcOf(view(&s), ag)]...)
	}
	for _, a := range at {
		if p.fp[a].all || !en(view(&s), a) {
			continue
		}
		n := w.Step(&s, a)
		nb, sb := view(&n), view(&s)
		for i := range sb {
			if nb[i] != sb[i] && p.fp[a].w[i>>6]&(1<<(i&63)) == 0 && !watched(i) {
				return fmt.Sprintf("%s writes byte %d outside its footprint", c.names[a], i)
			}
		}
	}
	// porClosedGates: a gate closed for agent ag stays closed, its fence
	// unpublished, whatever step another agent takes.
	for ag := range c.progs {
		closed := c.porClosedGates(view(&s), ag)
		if closed == 0 {
			continue
		}
		for _, b := range at {
			if int(c.table[b].ag) == ag || !en(view(&s), b) {
				continue
			}
			n := w.Step(&s, b)
			if still := c.porClosedGates(view(&n), ag); closed&^still != 0 {
				return fmt.Sprintf("%s opens a gate closed for %s (gates %08b, then %08b)", c.names[b], c.spec.Agents[ag].Name, closed, still)
			}
		}
	}
	for _, a := range at {
		for _, b := range at {
			if c.table[a].ag == c.table[b].ag || !p.fp[a].independent(&p.fp[b]) || !en(view(&s), a) {
				continue
			}
			sa := w.Step(&s, a)
			if en(view(&s), b) != en(view(&sa), b) {
				return fmt.Sprintf("%s enables or disables %s, whose footprints are independent", c.names[a], c.names[b])
			}
			if !en(view(&s), b) {
				continue
			}
			sb := w.Step(&s, b)
			if ab, ba := w.Step(&sa, b), w.Step(&sb, a); ab != ba {
				return fmt.Sprintf("%s and %s do not commute, but their footprints are independent", c.names[a], c.names[b])
			}
		}
	}
	return ""
}
