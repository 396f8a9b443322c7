package statespace_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// twoBugs counts up from 0 by 1 or 2 and stops at 6. "below 3" is first
// violated after 2 steps (1+2), "below 5" after 3 (1+2+2), the stop at 6 is
// a deadlock after 3 steps (2+2+2), "reaches 4" is reached after 2 steps
// (2+2) and "below 9" holds.
func twoBugs() *statespace.Rules[uint8] {
	return new(statespace.Rules[uint8]).Start(0).
		RuleSet("add", 1, 2, func(s *uint8, d int) bool { return int(*s)+d <= 6 }, func(s *uint8, d int) { *s += uint8(d) }).
		Invariant("below 5", func(s *uint8) bool { return *s < 5 }).
		Invariant("below 3", func(s *uint8) bool { return *s < 3 }).
		Invariant("below 9", func(s *uint8) bool { return *s < 9 }).
		Reachable("reaches 4", func(s *uint8) bool { return *s == 4 })
}

// Without Continue the run stops at the first violation and leaves the
// later ones unknown; with it every property gets its verdict and its own
// shortest trace, the same for any number of workers.
func TestContinueGivesEveryVerdict(t *testing.T) {
	r, err := statespace.Check(twoBugs(), statespace.Options{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"below 5": "unknown", "below 3": "violated", "below 9": "unknown", "reaches 4": "reached", "deadlock": "unknown"}, verdicts(r))

	r = statespacetest.AssertWorkerIndependent(t, twoBugs(), statespace.Options{Continue: true}, 1, 2, 3)
	require.Equal(t, statespace.StatusViolation, r.Status)
	assert.Equal(t, map[string]string{"below 5": "violated", "below 3": "violated", "below 9": "holds", "reaches 4": "reached", "deadlock": "violated"}, verdicts(r))
	assert.Equal(t, "below 3", r.Violation.Property, "the reported violation is the shortest, as without Continue")
	assert.Equal(t, uint64(7), r.Stats.States, "the search went on to the end")
	for name, length := range map[string]int{"below 5": 3, "below 3": 2, "reaches 4": 2, "deadlock": 3} {
		tr := trace(r, name)
		require.NotNil(t, tr, name)
		assert.Equal(t, length, tr.Len(), "%s: %s", name, tr)
		// Each trace is the one a run of that property alone finds.
		statespacetest.AssertDiscovery(t, twoBugs(), name, length, statespace.Options{})
	}
}

// A bound still ends a Continue run as incomplete, with the properties it
// did not decide unknown.
func TestContinueWithABound(t *testing.T) {
	r, err := statespace.Check(twoBugs(), statespace.Options{Continue: true, MaxDepth: 2})
	require.NoError(t, err)
	assert.Equal(t, statespace.StatusViolation, r.Status)
	assert.Equal(t, "max depth", r.Incomplete)
	assert.Equal(t, map[string]string{"below 5": "unknown", "below 3": "violated", "below 9": "unknown", "reaches 4": "reached", "deadlock": "unknown"}, verdicts(r))
}

func TestContinueIsNotForSwarms(t *testing.T) {
	_, err := statespace.Check(twoBugs(), statespace.Options{Continue: true, Swarm: &statespace.SwarmOptions{}})
	require.ErrorContains(t, err, "Continue does not apply to a swarm run")
}

func verdicts(r *statespace.Result) map[string]string {
	v := map[string]string{}
	for _, p := range r.Properties {
		v[p.Name] = p.Verdict
	}
	return v
}

func trace(r *statespace.Result, name string) *statespace.Trace {
	for _, p := range r.Properties {
		if p.Name == name {
			return p.Trace
		}
	}
	return nil
}
