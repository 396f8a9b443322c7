package props_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestResultsDoNotDependOnWorkers checks the checker's determinism promise
// (statespace package doc) on the world, a file of each family: with 1, 2
// or 4 workers a file gives the same distinct states, transitions,
// maximum depth, verdicts, action statistics and the same shortest
// counterexamples. The traces pinned in testdata/witnesses and quoted in
// the docs come from single runs, so they must not change with the
// machine's core count. Each file runs twice: checking every property
// (the search stops at the level of the first violation) and checking
// nothing (the whole state space, every action's statistics).
func TestResultsDoNotDependOnWorkers(t *testing.T) {
	for _, path := range []string{
		"scenarios/today.yaml",                                  // cache: a stale read
		"scenarios/today-three-isps.yaml",                       // cache, reduced by symmetry
		"scenarios/fence-replace-pre2022.yaml",                  // fence: two invariants broken
		"scenarios/fence-sw-sync-indefinite.yaml",               // fence: a liveness lasso
		"scenarios/deadlock-fence-lock-inversion.yaml",          // lock: a deadlock
		"scenarios/crossvm-hyper-dmabuf-lossy.yaml",             // vm: lossy rings, liveness
		"scenarios/p2p-apu-bar-as-device-memory.yaml",           // p2p: a stale read through a BAR
		"docs/examples/world/gpu-to-display-implicit-sync.yaml", // cache and fence together
	} {
		t.Run(path, func(t *testing.T) {
			f := load(t, path)
			g := f.generic(t)
			g.workerIndependent(t, f.bounds(), 1, 2, 4)
			all := f.bounds()
			all.Only, all.NoDeadlock = []string{statespace.DeadlockProperty}, true
			g.workerIndependent(t, all, 1, 2, 4)
		})
	}
}
