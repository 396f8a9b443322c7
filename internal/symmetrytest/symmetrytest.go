// Package symmetrytest proves, in tests, that a model's symmetry reduction
// is exact: its canonical form picks one true representative per orbit of a
// permutation group under which the model is symmetric, so the reduced
// search stores exactly one state per orbit and loses no verdict.
//
// The proof is by enumeration on small configurations: the unreduced state
// space is explored in full and every state is checked against every
// permutation of the group.
package symmetrytest

import (
	"fmt"
	"github.com/dmabufcheck/dmabufcheck/internal/perm"
	"slices"
	"testing"
	"unsafe"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/zeebo/xxh3"
)

// Reduced is a model with symmetry reduction.
type Reduced[S comparable] interface {
	statespace.Model[S]
	statespace.Canonicalizer[S]
}

// Counts are what AssertExact measured.
type Counts struct {
	// States is the number of reachable states of the unreduced model.
	States int
	// Orbits is the number of orbits among them, and the number of states
	// the reduced search stored.
	Orbits int
}

// Reduction is States / Orbits.
func (c Counts) Reduction() float64 { return float64(c.States) / float64(c.Orbits) }

func (c Counts) String() string {
	return fmt.Sprintf("%d states, %d orbits (%.1fx)", c.States, c.Orbits, c.Reduction())
}

// Reachable returns every reachable state of m, in BFS order.
func Reachable[S comparable](m statespace.Model[S]) []S {
	seen := map[S]bool{}
	queue := append([]S(nil), m.Init()...)
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
	return queue
}

// AssertExact checks that reduced (the model plain with symmetry
// reduction) is exact for the group of permutations perms (each maps a
// state to its image; the identity may be left out):
//
//   - the group is a symmetry of plain: the reachable states are closed
//     under every permutation, and a state and its image agree on every
//     Always and Sometimes property, on being a valid end, on the number of
//     enabled actions and on their successors' orbits;
//   - Canonical is idempotent, returns a member of the state's own orbit,
//     and gives every permutation of a state the same representative;
//   - the reduced search stores exactly one state per orbit, and the sizes
//     of those orbits add up to the unreduced count.
//
// opt is used for the reduced search (typically Only a property that
// holds, so that it runs to the end).
func AssertExact[S comparable](t testing.TB, plain statespace.Model[S], reduced Reduced[S], perms []func(S) S, opt statespace.Options) Counts {
	t.Helper()
	full := Reachable(plain)
	in := make(map[S]bool, len(full))
	for _, s := range full {
		in[s] = true
	}
	var props []statespace.Property[S]
	for _, p := range plain.Properties() {
		if p.Expectation != statespace.Eventually {
			props = append(props, p)
		}
	}
	end, _ := plain.(statespace.EndStater[S])
	succ := func(s S) []S {
		var out []S
		for _, a := range plain.Actions(&s, nil) {
			out = append(out, reduced.Canonical(plain.Step(&s, a)))
		}
		return out
	}
	sameSet := func(a, b []S) bool {
		for _, x := range a {
			if !slices.Contains(b, x) {
				return false
			}
		}
		for _, x := range b {
			if !slices.Contains(a, x) {
				return false
			}
		}
		return true
	}
	orbitSize := map[S]int{} // representative → members counted
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 5 {
			t.Errorf(format, args...)
		}
	}
	for _, s := range full {
		c := reduced.Canonical(s)
		if reduced.Canonical(c) != c {
			fail("Canonical is not idempotent on a reachable state")
		}
		member := c == s
		next := succ(s)
		for _, p := range perms {
			q := p(s)
			member = member || q == c
			if !in[q] {
				fail("a permutation of a reachable state is not reachable: the model is not symmetric under the group")
				continue
			}
			if reduced.Canonical(q) != c {
				fail("two states of one orbit have different representatives")
			}
			for _, pr := range props {
				if pr.Holds(&s) != pr.Holds(&q) {
					fail("property %s distinguishes a state from its permutation", pr.Name)
				}
			}
			if end != nil && end.ValidEnd(&s) != end.ValidEnd(&q) {
				fail("ValidEnd distinguishes a state from its permutation")
			}
			if qn := succ(q); len(qn) != len(next) || !sameSet(qn, next) {
				fail("a state and its permutation have successors in different orbits")
			}
		}
		if !member {
			fail("Canonical returned a state outside the orbit")
		}
		orbitSize[c]++
	}
	r, err := statespace.Check[S](reduced, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != statespace.StatusOK || r.Stats.States != uint64(len(orbitSize)) {
		t.Errorf("reduced search: %s with %d states; there are %d orbits", r.Status, r.Stats.States, len(orbitSize))
	}
	sum := 0
	for c, n := range orbitSize {
		img := map[S]bool{c: true}
		for _, p := range perms {
			img[p(c)] = true
		}
		if len(img) != n {
			fail("an orbit has %d members by its images and %d by counting", len(img), n)
		}
		sum += len(img)
	}
	if sum != len(full) {
		t.Errorf("the orbits cover %d states, the unreduced space has %d", sum, len(full))
	}
	if failures > 5 {
		t.Errorf("... %d failures in all", failures)
	}
	return Counts{States: len(full), Orbits: len(orbitSize)}
}

// Fingerprint is the checker's fingerprint of s under m: its
// Fingerprinter, or XXH3-64 of the state's bytes (statespace/fingerprint.go).
func Fingerprint[S comparable](m statespace.Model[S], s *S) uint64 {
	if f, ok := m.(statespace.Fingerprinter[S]); ok {
		return f.Fingerprint(s)
	}
	return xxh3.Hash(unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s)))
}

// AssertLifts checks that tr, a finite counterexample of property found by
// the reduced search (a path of canonical states), is a counterexample of
// the unreduced model too: it replays through statespace.Replay on reduced
// (what `check replay` does with the same parameters), and it lifts to a
// path of plain, step by step taking an enabled action whose successor is in
// the orbit the trace goes to, that statespace.Replay confirms on plain.
func AssertLifts[S comparable](t testing.TB, plain statespace.Model[S], reduced Reduced[S], tr *statespace.Trace, property string) {
	t.Helper()
	if tr == nil || tr.Loop >= 0 {
		t.Fatalf("AssertLifts: want a finite trace")
	}
	var steps []statespace.ReplayStep
	for _, st := range tr.Steps {
		steps = append(steps, statespace.ReplayStep{Action: st.Action, Label: st.Label, Fingerprint: st.Fingerprint})
	}
	if _, err := statespace.Replay[S](reduced, tr.InitIndex, steps, property, -1); err != nil {
		t.Fatalf("the reduced trace does not replay on the reduced model: %v", err)
	}
	names := plain.ActionNames()
	c := reduced.Canonical(reduced.Init()[tr.InitIndex])
	s := plain.Init()[tr.InitIndex]
	if reduced.Canonical(s) != c {
		t.Fatalf("the initial states differ")
	}
	lifted := []statespace.ReplayStep{{Action: -1, Fingerprint: Fingerprint(plain, &s)}}
	for i, st := range tr.Steps[1:] {
		a := statespace.Action(st.Action)
		c = reduced.Canonical(reduced.Step(&c, a))
		found := false
		for _, b := range plain.Actions(&s, nil) {
			if n := plain.Step(&s, b); reduced.Canonical(n) == c {
				s, found = n, true
				lifted = append(lifted, statespace.ReplayStep{Action: int(b), Label: names[b], Fingerprint: Fingerprint(plain, &s)})
				break
			}
		}
		if !found {
			t.Fatalf("step %d (%s): no action of the unreduced model reaches the trace's orbit", i+1, st.Label)
		}
	}
	if _, err := statespace.Replay(plain, tr.InitIndex, lifted, property, -1); err != nil {
		t.Fatalf("the lifted trace does not replay on the unreduced model: %v", err)
	}
}

// Permutations returns every permutation of 0..n-1, the identity first.
func Permutations(n int) [][]int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return perm.Group(n, [][]int{all})
}
