package scenario

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// One run with Options.Continue gives every property of a world the verdict
// and shortest trace that its expect: block pins, property by property
// (TestEveryBuiltinFileMeetsItsExpectations finds them with one run per
// property), with one worker or two: msm-sync-anytime violates three
// invariants at depths 2, 5 and 6, unbracketed-cpu three at 1, 4 and 4.
func TestContinueGivesEveryPinnedVerdictInOneRun(t *testing.T) {
	for _, name := range []string{"msm-sync-anytime", "unbracketed-cpu"} {
		t.Run(name, func(t *testing.T) {
			path := "../scenarios/" + name + ".yaml"
			sc, v, opt, err := LoadFile(Builtin(), path)
			require.NoError(t, err)
			for _, workers := range []int{1, 2} {
				r, err := sc.Check(v, statespace.Options{Continue: true, Workers: workers})
				require.NoError(t, err)
				require.Equal(t, statespace.StatusViolation, r.Status)
				got := map[string]string{}
				for _, p := range r.Properties {
					got[p.Name] = p.Verdict
					if p.Trace != nil {
						got[p.Name] += fmt.Sprintf(" %d", p.Trace.Len())
					}
				}
				want := map[string]string{}
				for _, e := range opt.Expect {
					want[e.Property] = e.Verdict
					if e.Length != 0 {
						want[e.Property] += fmt.Sprintf(" %d", e.Length)
					}
				}
				assert.Equal(t, want, got, "workers %d", workers)
			}
		})
	}
}
