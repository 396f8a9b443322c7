package german

import "slices"

// Symmetric is the German model with symmetry reduction over the
// interchangeable client nodes (they are a scalarset in the classic
// Murphi model). Its canonical form is exact: a state is the multiset of its
// nodes' words, each marked with whether CurPtr points at it, plus the
// global fields, so sorting the marked words picks one representative per
// orbit.
type Symmetric struct {
	*Model
}

// NewSymmetric returns the model with symmetry reduction.
func NewSymmetric(nodes int) (*Symmetric, error) {
	m, err := New(nodes)
	if err != nil {
		return nil, err
	}
	return &Symmetric{m}, nil
}

// Canonical sorts the nodes by (word, is-CurPtr) and renumbers CurPtr.
func (m *Symmetric) Canonical(s State) State {
	n := m.nodes
	type node struct {
		word uint16
		ptr  bool
	}
	var ns [MaxNodes]node
	ptr := s.curPtr()
	for i := range n {
		ns[i] = node{s.Node[i], i == ptr}
	}
	slices.SortFunc(ns[:n], func(a, b node) int {
		if a.word != b.word {
			return int(a.word) - int(b.word)
		}
		switch {
		case a.ptr == b.ptr:
			return 0
		case a.ptr:
			return -1
		}
		return 1
	})
	out := s
	for i := range n {
		out.Node[i] = ns[i].word
		if ns[i].ptr {
			out.setCurPtr(i)
		}
	}
	return out
}

// Permute applies the node permutation p (node i goes to p[i]) to s; tests
// use it to check the canonical form against every permutation.
func (m *Model) Permute(s State, p []int) State {
	out := s
	for i := range m.nodes {
		out.Node[p[i]] = s.Node[i]
	}
	if ptr := s.curPtr(); ptr < m.nodes {
		out.setCurPtr(p[ptr])
	}
	return out
}
