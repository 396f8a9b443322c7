package perm

import (
	"fmt"
	"testing"
)

// The group of two classes {0,1} and {2,3,4} has 2!·3! = 12 members, the
// identity first, each keeping every class in place and each distinct.
func TestGroupKeepsClasses(t *testing.T) {
	g := Group(6, [][]int{{0, 1}, {2, 3, 4}})
	if len(g) != 12 || fmt.Sprint(g[0]) != "[0 1 2 3 4 5]" {
		t.Fatalf("%d permutations, first %v; want 12, the identity first", len(g), g[0])
	}
	seen := map[string]bool{}
	for _, p := range g {
		if p[0] > 1 || p[1] > 1 || p[5] != 5 || seen[fmt.Sprint(p)] {
			t.Errorf("%v leaves a class or repeats", p)
		}
		seen[fmt.Sprint(p)] = true
	}
}

type pair [2]uint8

type swap struct{}

func (swap) Permute(s pair, p []int) pair {
	var out pair
	for i := range p {
		out[p[i]] = s[i]
	}
	return out
}

// Both members of an orbit get the same, least, representative.
func TestLeastImageIsTheSameForTheOrbit(t *testing.T) {
	g := Group(2, [][]int{{0, 1}})[1:]
	a, b := LeastImage(pair{7, 3}, g, swap{}), LeastImage(pair{3, 7}, g, swap{})
	if a != b || a != (pair{3, 7}) {
		t.Errorf("representatives %v and %v; want both [3 7]", a, b)
	}
}
