package main

import (
	"strings"
	"testing"
)

// --reduce and the symmetry parameter must agree: a contradiction exits 2,
// an unknown kind too, and the output says which reduction ran and, for
// partial-order reduction, what it and the re-run for examples stored.
func TestReduceFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"run", "--reduce=por", "--progress=none", "../../docs/examples/world/independent-drivers.yaml"}, 0, "reduction: por (partial-order: 289 states, 525 transitions, "},
		// every-program-can-finish's example is at depth 45, the last level:
		// the re-run for it stores the whole unreduced space.
		{[]string{"run", "--reduce=por", "--progress=none", "../../docs/examples/world/independent-drivers.yaml"}, 0, "traces from the unreduced search bounded to depth 45, 54,000 states)"},
		{[]string{"run", "--reduce=none", "--progress=none", "../../docs/examples/world/independent-drivers.yaml"}, 0, "reduction: none\n"},
		{[]string{"run", "--reduce=bogus", "../../docs/examples/world/independent-drivers.yaml"}, 2, ""},
		{[]string{"run", "--reduce=none", "--set", "symmetry=true", "--progress=none", "today-three-isps"}, 2, ""},
		{[]string{"run", "--reduce=symmetry", "--set", "symmetry=true", "--progress=none", "--max-states=50", "today-three-isps"}, 3, "reduction: symmetry\n"},
		{[]string{"run", "--set", "symmetry=false", "--progress=none", "--max-states=50", "today-three-isps"}, 3, "reduction: por (partial-order reduction not applied"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) {
			t.Errorf("check %s: exit %d (want %d)\n%s%s", strings.Join(tc.args, " "), code, tc.code, out, errOut)
		}
	}
}
