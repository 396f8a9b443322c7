package world_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// fenceSymmetryWorlds are worlds with interchangeable rings
// (testdata/symmetry/fence-*.yaml, the earlier fence model's proof
// configurations, and the built-in fence-three-writers): together they use
// every ring-indexed part of the state (job bytes, dependency masks, fence
// slots in the resv, the CPU's wait snapshot, the sync_file's leaves, the
// poller's armed fence), with the states unreduced, the orbits and the
// order of the group.
var fenceSymmetryWorlds = []symmetryWorld{
	{"fence: 2 writers of 2 jobs, CPU, poll", "fence-2-writers-cpu-poll", world.FenceMonotonicity, 28206, 14106, 2},
	{"fence: 3 read-or-write GPUs, CPU", "fence-3-read-or-write-gpus-cpu", world.FenceMonotonicity, 27221, 4680, 6},
	{"fence: 3 writers, poll", "fence-3-writers-poll", world.FenceMonotonicity, 1175, 213, 6},
	{"fence: 2+2 writers and readers, sw_sync point imported", "fence-2-writers-2-readers-sw-sync-import", world.FenceMonotonicity, 37066, 9614, 4},
	{"fence: 2 explicit readers, move with copy", "fence-2-explicit-readers-move-with-copy", world.FenceMonotonicity, 2580, 1315, 2},
	{"scenario fence-three-writers", "../../scenarios/fence-three-writers.yaml", world.FenceMonotonicity, 692310, 115773, 6},
}

// TestFenceSymmetryIsExact proves the fence family's ring symmetry exact
// (symmetrytest.AssertExact): every world is symmetric under its group,
// Canonical picks one member per orbit, and the reduced search stores one
// state per orbit, as many as pinned.
func TestFenceSymmetryIsExact(t *testing.T) {
	for _, w := range fenceSymmetryWorlds {
		t.Run(w.name, func(t *testing.T) {
			m := loadWorld(t, w.path())
			if !m.Symmetric() {
				t.Fatalf("no symmetry declared: %v", m.Spec().Symmetry)
			}
			c := proveExact(t, m, statespace.Options{Only: []string{w.holding}})
			if c.States != w.states || c.Orbits != w.orbits || len(m.Permutations()) != w.group {
				t.Errorf("%s, group of %d; want %d states, %d orbits, group of %d", c, len(m.Permutations()), w.states, w.orbits, w.group)
			}
		})
	}
}

// TestFenceSymmetryKeepsVerdicts: for every property and deadlock, the
// reduced world gives the unreduced world's verdict and shortest trace
// length, on every fence symmetry world (fence-three-writers at each
// replacement rule and comparison, whose violations are reduced too).
func TestFenceSymmetryKeepsVerdicts(t *testing.T) {
	type run struct {
		path     string
		settings []string
	}
	var runs []run
	for _, w := range fenceSymmetryWorlds[:len(fenceSymmetryWorlds)-1] {
		runs = append(runs, run{w.path(), nil})
	}
	three := filepath.Join("..", "..", "scenarios", "fence-three-writers.yaml")
	for _, s := range [][]string{{"rule=6.12"}, {"rule=strict-later"}, {"rule=pre-2022"}, {"compare=naive"}, {"access=read"}} {
		runs = append(runs, run{three, s})
	}
	for _, r := range runs {
		t.Run(filepath.Base(r.path)+" "+strings.Join(r.settings, " "), func(t *testing.T) {
			m := loadWorld(t, r.path, r.settings...)
			for _, p := range append(m.PropertyNames(), statespace.DeadlockProperty) {
				if strings.HasPrefix(p, world.FencesEventuallySignal+"/") {
					continue // checked on the unreduced graph either way
				}
				only := statespace.Options{Only: []string{p}}
				rr, err := world.Check(m, only)
				got := verdictOf(t, rr, err)
				rr, err = world.Check(m.Unreduced(), only)
				plain := verdictOf(t, rr, err)
				if got != plain {
					t.Errorf("%s: reduced %v, unreduced %v", p, got, plain)
				}
			}
		})
	}
}

// The reduced fence-three-writers is deterministic: one worker and two
// find the same number of states and the same shortest traces.
func TestFenceSymmetryIsDeterministic(t *testing.T) {
	m := builtin(t, "fence-three-writers")
	var first string
	for _, workers := range []int{1, 2} {
		r, err := world.Check(m, statespace.Options{Workers: workers, Only: []string{world.JobRanAfterDependency, world.CPUWaitedForFence, world.FenceMonotonicity}})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d states, %d transitions\n", r.Stats.States, r.Stats.Transitions)
		for _, p := range r.Properties {
			fmt.Fprintf(&b, "%s %s", p.Name, p.Verdict)
			if p.Trace != nil {
				for _, s := range p.Trace.Steps {
					fmt.Fprintf(&b, " | %s", s.Label)
				}
			}
			b.WriteString("\n")
		}
		if workers == 1 {
			first = b.String()
		} else if b.String() != first {
			t.Errorf("1 worker:\n%s2 workers:\n%s", first, b.String())
		}
	}
	if !strings.Contains(first, "115773 states") {
		t.Errorf("the reduced run:\n%s", first)
	}
}

// Rings are interchangeable only when the family's rules cannot tell them
// apart: Build refuses the other declarations, saying why.
func TestFenceSymmetryDeclarationsAreChecked(t *testing.T) {
	base := builtinSpec(t, "fence-three-writers")
	for _, tc := range []struct {
		name   string
		change func(s *world.Spec)
		want   string
	}{
		{"rings of different lengths", func(s *world.Spec) { s.Fence.Rings[1].Jobs = 1 }, "rings gpu0 and gpu1 differ"},
		{"exports and imports", func(s *world.Spec) { s.Fence.Exports, s.Fence.Imports = 1, 1 }, "in ring order"},
		{"the rings' agents listed without their rings", func(s *world.Spec) {
			s.Agents[0].Name, s.Agents[1].Name = "driver0", "driver1"
			s.Symmetry = [][]string{{"driver0", "driver1"}}
		}, "driver0 and driver1 are not interchangeable"},
		{"a ring and a non-ring", func(s *world.Spec) { s.Symmetry = [][]string{{"gpu0", "cpu"}} }, "mixes devices, rings and agents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.Fence.Rings = slices.Clone(base.Fence.Rings)
			s.Agents = slices.Clone(base.Agents)
			tc.change(&s)
			_, err := world.Build(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v, want %q", err, tc.want)
			}
		})
	}
}
