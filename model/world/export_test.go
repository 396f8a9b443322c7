package world

import "github.com/dmabufcheck/dmabufcheck/internal/perm"

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
