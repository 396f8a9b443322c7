package fence

import (
	"github.com/dmabufcheck/dmabufcheck/internal/perm"
)

// Symmetric is the fence model with exact symmetry reduction over its
// interchangeable importers: importers whose configurations are equal but
// for the name. Permuting importers renames everything that is indexed by
// an importer: its jobs and their pending dependencies, its fence slots
// (their status, the ghost Added record, the resv entries naming them, the
// bit of every fence mask: dependencies, the CPU's wait, the sync_file, the
// poller's armed fence). The canonical form is the least image of the state
// (byte order) under every permutation of the group: a true representative
// of the orbit, the same for every member. A sort of the importers is not
// enough: two importers with equal job words can differ through the
// positions of their fences in the resv.
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
	return &Symmetric{Model: m, perms: m.Permutations()[1:]}, nil
}

// sameExceptName reports whether two importers are interchangeable.
func sameExceptName(a, b Importer) bool {
	a.Name, b.Name = "", ""
	return a == b
}

// SymmetryGroups returns the classes of interchangeable importers (equal
// configurations but for the name), each in index order, the classes in
// order of their first importer; a class of one is listed too.
//
// When user space both exports and imports sync_files, no two importers
// are interchangeable: a sync_file is stored as a set of fence slots and
// DMA_BUF_IOCTL_IMPORT_SYNC_FILE adds its leaves in slot order, so the order
// of the resv's entries after an import depends on the importers' numbering
// (TestSymmetryReductionIsExact found it).
func (m *Model) SymmetryGroups() [][]int {
	var groups [][]int
	ims := m.cfg.Importers
	ordered := m.cfg.SyncFile.Exports > 0 && m.cfg.SyncFile.Imports > 0
next:
	for i := range ims {
		for g := range groups {
			if ordered {
				break
			}
			if sameExceptName(ims[groups[g][0]], ims[i]) {
				groups[g] = append(groups[g], i)
				continue next
			}
		}
		groups = append(groups, []int{i})
	}
	return groups
}

// Permutations returns every permutation of the importers that maps each
// one to an interchangeable one (p[i] is where importer i goes), the
// identity first. A model whose importers are all different has only the
// identity.
func (m *Model) Permutations() [][]int {
	return perm.Group(len(m.cfg.Importers), m.SymmetryGroups())
}

// permuteSlot is fence slot f after importer i moved to p[i].
func permuteSlot(f int, p []int) int {
	if f >= FJob && f < FPoint {
		if i := (f - FJob) / MaxJobs; i < len(p) {
			return JobFence(p[i], (f-FJob)%MaxJobs)
		}
	}
	return f
}

func permuteMask(mask Mask, p []int) Mask {
	var out Mask
	for f := range MaxFences {
		if mask&(1<<f) != 0 {
			out |= 1 << permuteSlot(f, p)
		}
	}
	return out
}

// Permute applies the importer permutation p (importer i becomes p[i]) to
// s, renaming every importer-indexed part of the state.
func (m *Model) Permute(s State, p []int) State {
	out := s
	for i := range p {
		out.Job[p[i]] = s.Job[i]
		for k := range MaxJobs {
			out.Deps[p[i]][k] = permuteMask(s.Deps[i][k], p)
		}
	}
	for f := FJob; f < FPoint; f++ {
		g := permuteSlot(f, p)
		out.Fence[g], out.Added[g] = s.Fence[f], s.Added[f]
	}
	for i, e := range s.Resv {
		if e != 0 {
			out.Resv[i] = e&^0x0f | uint8(permuteSlot(entryFence(e), p)+1)
		}
	}
	out.CPUWait = permuteMask(s.CPUWait, p)
	out.CPUTruth = permuteMask(s.CPUTruth, p)
	out.SyncFile = permuteMask(s.SyncFile, p)
	pf := int(s.Poll & pollFence >> pollShift)
	out.Poll = s.Poll&^pollFence | uint8(permuteSlot(pf, p))<<pollShift
	return out
}

// Canonical returns the least image of s (in byte order) under the
// permutations of interchangeable importers.
func (m *Symmetric) Canonical(s State) State {
	return perm.LeastImage(s, m.perms, m.Model)
}
