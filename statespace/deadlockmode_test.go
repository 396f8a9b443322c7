package statespace_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// finish is a counter that stops at 2, and a state 1 whose only rule
// leads back to itself once a flag is set: with no declared mode the stop
// at 2 is a (stuck) deadlock.
func finish(mode statespace.DeadlockMode) *statespace.Rules[uint8] {
	return new(statespace.Rules[uint8]).Start(0).Deadlock(mode).
		Rule("count", func(s *uint8) bool { return *s < 2 }, func(s *uint8) { *s++ })
}

// A model's declared deadlock mode applies when Options.Deadlock is left
// at DeadlockDefault, and an explicit option overrides it.
func TestTheModelDeclaresItsDeadlockMode(t *testing.T) {
	for _, tc := range []struct {
		declared, option statespace.DeadlockMode
		noDeadlock       bool
		want             statespace.Status
	}{
		{statespace.DeadlockDefault, statespace.DeadlockDefault, false, statespace.StatusViolation}, // stuck, the default
		{statespace.DeadlockOff, statespace.DeadlockDefault, false, statespace.StatusOK},
		{statespace.DeadlockOff, statespace.DeadlockStuck, false, statespace.StatusViolation}, // the option wins
		{statespace.DeadlockStuck, statespace.DeadlockOff, false, statespace.StatusOK},
		{statespace.DeadlockStuck, statespace.DeadlockDefault, true, statespace.StatusOK}, // NoDeadlock still wins
		{statespace.DeadlockStutter, statespace.DeadlockDefault, false, statespace.StatusViolation},
	} {
		r, err := statespace.Check(finish(tc.declared), statespace.Options{Deadlock: tc.option, NoDeadlock: tc.noDeadlock})
		require.NoError(t, err)
		require.Equal(t, tc.want, r.Status, "declared %s, option %s, NoDeadlock %v", tc.declared, tc.option, tc.noDeadlock)
	}
	_, err := statespace.Check(finish(9), statespace.Options{})
	require.ErrorContains(t, err, "unknown deadlock mode")
}

// A stuttering deadlock is one only for a model that declares the mode
// (or a run that asks for it): a state whose only enabled rule changes
// nothing.
func TestADeclaredStutterModeFindsSelfLoops(t *testing.T) {
	spin := func(mode statespace.DeadlockMode) *statespace.Rules[uint8] {
		return new(statespace.Rules[uint8]).Start(0).Deadlock(mode).
			Rule("step", func(s *uint8) bool { return *s < 1 }, func(s *uint8) { *s++ }).
			Rule("spin", func(s *uint8) bool { return *s == 1 }, func(*uint8) {})
	}
	r, err := statespace.Check(spin(statespace.DeadlockDefault), statespace.Options{})
	require.NoError(t, err)
	require.Equal(t, statespace.StatusOK, r.Status)
	r, err = statespace.Check(spin(statespace.DeadlockStutter), statespace.Options{})
	require.NoError(t, err)
	require.Equal(t, statespace.StatusViolation, r.Status)
	require.Equal(t, statespace.DeadlockProperty, r.Violation.Property)
	require.Equal(t, []string{"step"}, r.Violation.Trace.Labels())
}
