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
	for _, drivers := range []int{2, 3} {
		m := loadWorld(t, filepath.Join("..", "..", "docs", "examples", "world", "independent-drivers.yaml"), fmt.Sprint("drivers=", drivers))
		res, err := world.Check(m, statespace.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, private := range []int{0, 1, 2} {
			t.Run(fmt.Sprintf("drivers=%d,private=%d", drivers, private), func(t *testing.T) {
				want := spin.Run(t, filepath.Join("..", "..", "bench", "independent-drivers.pml"), spin.Options{
					Defines: []string{fmt.Sprint("DRIVERS=", drivers), fmt.Sprint("PRIVATE=", private)},
				})
				spin.AssertSameCounts(t, res, want)
			})
		}
	}
}
