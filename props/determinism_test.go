package props_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// (statespace package doc) on the DMA-buf model: with 1, 2 or 5 workers a
// scenario gives the same distinct states, transitions, maximum depth,
// verdicts, action statistics and the same shortest counterexample. The
// review's traces (docs/design-review.md) are quoted from single runs, so
// they must not change with the machine's core count.
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, name := range []string{"today", "today-wait-first-2lines", "device-sync", "dma-api-maintenance"} {
		t.Run(name, func(t *testing.T) {
			statespacetest.AssertWorkerIndependent(t, checked(t, scenario(t, name).Config), statespace.Options{}, 1, 2, 5)
		})
	}
}
