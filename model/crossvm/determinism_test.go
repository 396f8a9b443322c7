package crossvm_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// on the cross-VM model, liveness included: with 1, 2 or 5 workers a
// scenario gives the same states, transitions, depth, verdicts, action
// statistics and shortest counterexamples (docs/crossvm-p2p.md quotes
// them).
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, name := range []string{"hyper-dmabuf-acked", "hyper-dmabuf-fire-and-forget", "hyper-dmabuf-lossy", "hyper-dmabuf-evict-waits", "fence-proxy-unordered"} {
		t.Run(name, func(t *testing.T) {
			statespacetest.AssertWorkerIndependent(t, newModel(t, scenario(t, name).Config), statespace.Options{}, 1, 2, 5)
		})
	}
}
