package world_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/spin"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The Promela twin bench/independent-drivers.pml, on which
// docs/performance.md compares SPIN's partial-order reduction with ours,
// is the world docs/examples/world/independent-drivers.yaml: without
// reduction SPIN reaches exactly the states of the unreduced world through
// exactly its transitions, for two and three drivers and in each of the
// twin's layouts (shared objects global; the per-driver mutexes declared
// local; those local and the job hand-off an exclusive channel).
func TestIndependentDriversPromelaTwinSameCounts(t *testing.T) {
	twin := filepath.Join("..", "..", "bench", "independent-drivers.pml")
	spin.Require(t, twin)
	for _, drivers := range []int{2, 3} {
		m := loadWorld(t, filepath.Join("..", "..", "docs", "examples", "world", "independent-drivers.yaml"), fmt.Sprint("drivers=", drivers))
		res, err := world.Check(m, statespace.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, private := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("drivers=%d,private=%d", drivers, private), func(t *testing.T) {
				want := spin.Run(t, twin, spin.Options{
					Defines: []string{fmt.Sprint("DRIVERS=", drivers), fmt.Sprint("PRIVATE=", private)},
				})
				spin.AssertSameCounts(t, res, want)
			})
		}
	}
}

// The Promela twin bench/deadlock-wait-under-lock-fixed.pml, whose agents
// share the reservation lock (docs/performance.md compares the two
// checkers' partial reductions on it), is the built-in world
// deadlock-wait-under-lock-fixed: the same states through the same
// transitions without reduction, for one importer and two.
func TestWaitUnderLockPromelaTwinSameCounts(t *testing.T) {
	twin := filepath.Join("..", "..", "bench", "deadlock-wait-under-lock-fixed.pml")
	spin.Require(t, twin)
	for _, c := range []struct{ importers, jobs int }{{1, 3}, {2, 2}} {
		t.Run(fmt.Sprintf("importers=%d,jobs=%d", c.importers, c.jobs), func(t *testing.T) {
			m := builtin(t, "deadlock-wait-under-lock-fixed", fmt.Sprint("importers=", c.importers), fmt.Sprint("jobs=", c.jobs))
			res, err := world.Check(m, statespace.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			want := spin.Run(t, twin, spin.Options{
				Defines: []string{fmt.Sprint("IMPORTERS=", c.importers), fmt.Sprint("JOBS=", c.jobs)},
			})
			spin.AssertSameCounts(t, res, want)
		})
	}
}
