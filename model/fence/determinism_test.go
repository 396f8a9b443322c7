package fence_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// on the fence model, liveness included: with 1, 2 or 5 workers a scenario
// gives the same states, transitions, depth, verdicts, action statistics
// and shortest counterexamples (docs/fences.md quotes them).
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, name := range []string{"implicit", "sync-file-roundtrip", "replace-pre2022", "sw-sync-indefinite"} {
		t.Run(name, func(t *testing.T) {
			statespacetest.AssertWorkerIndependent(t, newModel(t, scenario(t, name).Config), statespace.Options{}, 1, 2, 5)
		})
	}
}
