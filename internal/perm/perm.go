// Package perm holds what every model with interchangeable agents needs for
// an exact symmetry reduction: the group of permutations that keep each
// class of interchangeable agents in place, and the canonical form that
// picks the least image of a state under that group.
package perm

import (
	"bytes"
	"unsafe"
)

// Group returns every permutation of 0..n-1 that maps each class onto
// itself (p[i] is where i goes), the identity first. Indices in no class
// stay where they are.
func Group(n int, classes [][]int) [][]int {
	id := make([]int, n)
	for i := range id {
		id[i] = i
	}
	out := [][]int{id}
	for _, g := range classes {
		var next [][]int
		for _, p := range out {
			for _, q := range Of(g) {
				r := append([]int(nil), p...)
				for k, i := range g {
					r[i] = q[k]
				}
				next = append(next, r)
			}
		}
		out = next
	}
	return out
}

// Of returns every arrangement of the elements of g, g itself first.
func Of(g []int) [][]int {
	if len(g) <= 1 {
		return [][]int{append([]int(nil), g...)}
	}
	var out [][]int
	for i := range g {
		rest := append(append([]int(nil), g[:i]...), g[i+1:]...)
		for _, p := range Of(rest) {
			out = append(out, append([]int{g[i]}, p...))
		}
	}
	return out
}

// Permuter applies a permutation to a state.
type Permuter[S any] interface {
	Permute(s S, p []int) S
}

// LeastImage returns the least of s and its images under perms, comparing
// their bytes: the same state for every member of s's orbit. S must be
// plain memory (no pointers, no padding), as the checker's states are.
func LeastImage[S any, P Permuter[S]](s S, perms [][]int, m P) S {
	best := s
	for _, p := range perms {
		if q := m.Permute(s, p); bytes.Compare(asBytes(&q), asBytes(&best)) < 0 {
			best = q
		}
	}
	return best
}

func asBytes[S any](s *S) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s))
}
