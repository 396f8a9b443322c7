package world

import (
	"slices"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// KindInfo describes one call kind of the world: an entry of a family's
// semantics table.
type KindInfo struct {
	Kind CallKind
	// Family is the family that defines it: "cache", "fence", "lock",
	// "vm" or "p2p".
	Family string
	// Name is the kernel's name of the call as the semantics table gives
	// it, and Kernel the source its semantics follow.
	Name, Kernel string
}

// CallKinds returns every call kind of the world, family by family, in
// the order of the semantics tables: what a coverage test must see fire.
func CallKinds() []KindInfo {
	var out []KindInfo
	tables := [numFamilies][]callDef{cacheCallDefs[:], fenceCallDefs[:], lockCallDefs[:], vmCallDefs[:], p2pCallDefs[:], lifeCallDefs[:]}
	for f, table := range tables {
		for i, d := range table {
			if d.name == "" {
				continue
			}
			out = append(out, KindInfo{Kind: CallKind(f<<8 | i), Family: familyNames[f], Name: d.name, Kernel: d.kernel})
		}
	}
	return out
}

// ActionCalls returns the calls action a of m makes, in order: one call,
// or the calls of an atomic block.
func (m *Model) ActionCalls(a statespace.Action) []Call {
	return slices.Clone(m.c.table[a].e.Ops)
}
