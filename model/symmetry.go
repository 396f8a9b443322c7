package model

import (
	"github.com/dmabufcheck/dmabufcheck/internal/perm"
)

// Symmetric is the DMA-buf model with exact symmetry reduction over its
// interchangeable importer devices (SymmetryGroups). Permuting devices
// renames everything indexed by a device: its DevState (attachment,
// mappings, DMA-API state, job, own cache, bounce buffer) and the ghost
// writer of each line's latest write (State.LatestBy). The canonical form
// is the least image of the state (byte order) under every permutation of
// the group: a true representative of the orbit, the same for every
// member.
type Symmetric struct {
	*Model
	perms [][]int // the group, without the identity
}

// NewSymmetric returns the model for cfg with symmetry reduction.
func NewSymmetric(cfg Config) (*Symmetric, error) {
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return m.Symmetric(), nil
}

// Symmetric returns m with symmetry reduction over its interchangeable
// devices (only the identity when there are none).
func (m *Model) Symmetric() *Symmetric {
	return &Symmetric{Model: m, perms: m.Permutations()[1:]}
}

// sameExceptName reports whether two devices have equal configurations
// but for the name.
func sameExceptName(a, b Device) bool {
	a.Name, b.Name = "", ""
	return a == b
}

// orderMatters reports whether the model's rules can tell devices like dv
// apart by their index: where a rule walks the devices in index order and
// the steps for two of them do not commute, renaming the devices changes
// the outcome, and such devices are not interchangeable.
//
//   - A SyncMapped exporter's begin/end_cpu_access syncs every mapped
//     attachment in turn. On arm32 sync_for_device invalidates for a
//     FROM_DEVICE mapping and cleans otherwise, so a clean-then-invalidate
//     and an invalidate-then-clean of a dirty line differ (the first keeps
//     the CPU's write). With bounce buffers, each attachment's swiotlb copy
//     into the buffer overwrites the previous one's.
//   - An exporter with SyncDeviceCaches writes back every importer's own
//     cache in index order: two caches dirty on one line leave memory with
//     the last one's version.
//   - A CPU load of a line two coherent device caches hold dirty snoops
//     the one with the highest index.
func (m *Model) orderMatters(dv Device) bool {
	e := &m.cfg.Exporter
	mapped := e.BeginSync == SyncMapped || e.EndSync == SyncMapped
	switch {
	case mapped && (m.cfg.Arch == ARM32 || dv.Bounce):
		return true
	case e.SyncDeviceCaches && dv.OwnCache:
		return true
	case dv.OwnCache && dv.Coherent && !m.cfg.Backing.uncached():
		return true
	}
	return false
}

// SymmetryGroups returns the classes of interchangeable devices, each in
// index order, the classes in order of their first device; a class of one
// is listed too. Devices are interchangeable when their configurations are
// equal but for the name and no rule of the model depends on their order
// (orderMatters).
func (m *Model) SymmetryGroups() [][]int {
	var groups [][]int
	devs := m.cfg.Devices
next:
	for i := range devs {
		if !m.orderMatters(devs[i]) {
			for g := range groups {
				if j := groups[g][0]; !m.orderMatters(devs[j]) && sameExceptName(devs[j], devs[i]) {
					groups[g] = append(groups[g], i)
					continue next
				}
			}
		}
		groups = append(groups, []int{i})
	}
	return groups
}

// Permutations returns every permutation of the devices that maps each one
// to an interchangeable one (p[i] is where device i goes), the identity
// first. A model whose devices are all different has only the identity.
func (m *Model) Permutations() [][]int {
	return perm.Group(len(m.cfg.Devices), m.SymmetryGroups())
}

// Permute applies the device permutation p (device i becomes p[i]) to s,
// renaming every device-indexed part of the state.
func (m *Model) Permute(s State, p []int) State {
	out := s
	for i := range p {
		out.Dev[p[i]] = s.Dev[i]
	}
	for l, w := range s.LatestBy {
		if d := int(w) - WriterDevice0; d >= 0 && d < len(p) {
			out.LatestBy[l] = WriterDevice0 + uint8(p[d])
		}
	}
	return out
}

// Canonical returns the least image of s (in byte order) under the
// permutations of interchangeable devices.
func (m *Symmetric) Canonical(s State) State {
	return perm.LeastImage(s, m.perms, m.Model)
}
