package german

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// allStates collects every reachable state (unreduced) with a plain BFS.
func allStates(m *Model) map[State]bool {
	seen := map[State]bool{}
	queue := m.Init()
	for _, s := range queue {
		seen[s] = true
	}
	var buf []statespace.Action
	for q := 0; q < len(queue); q++ {
		s := queue[q]
		buf = m.Actions(&s, buf[:0])
		for _, a := range buf {
			n := m.Step(&s, a)
			if !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	return seen
}

// The canonical form is exact: every permutation of a state has the same
// representative, and the reduced count times the orbit sizes is the
// unreduced count (issue 10). Rumur's heuristic symmetry reduction is not
// canonical (Smattr/rumur#12); this one is checked to be.
func TestSymmetryReductionIsExact(t *testing.T) {
	for _, nodes := range []int{2, 3, 4} {
		sym, _ := NewSymmetric(nodes)
		perms := permutations(nodes)
		full := allStates(sym.Model)
		orbits := map[State]int{} // representative -> orbit size
		for s := range full {
			c := sym.Canonical(s)
			for _, p := range perms {
				if got := sym.Canonical(sym.Permute(s, p)); got != c {
					t.Fatalf("nodes=%d: a permutation of a state has another representative", nodes)
				}
			}
			orbits[c]++
		}
		r, err := statespace.Check[State](sym, statespace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != statespace.StatusOK || r.Stats.States != uint64(len(orbits)) {
			t.Errorf("nodes=%d: reduced search %s with %d states, %d orbits", nodes, r.Status, r.Stats.States, len(orbits))
		}
		sum := 0
		for c := range orbits {
			// the orbit of c: its distinct images under all permutations
			img := map[State]bool{}
			for _, p := range perms {
				img[sym.Permute(c, p)] = true
			}
			sum += len(img)
		}
		if sum != len(full) {
			t.Errorf("nodes=%d: orbits cover %d states, the unreduced space has %d", nodes, sum, len(full))
		}
		t.Logf("nodes=%d: %d states, %d with symmetry reduction (%.1fx)", nodes, len(full), len(orbits), float64(len(full))/float64(len(orbits)))
	}
}
