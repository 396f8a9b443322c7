package main

import (
	"strings"
	"testing"
)

// --reduce and the symmetry parameter must agree: a contradiction exits 2,
// an unknown kind too, and the output says which reduction ran.
func TestReduceFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"run", "--reduce=por", "--progress=none", "../../docs/examples/world/independent-drivers.yaml"}, 0, "reduction: por (partial-order: 1,938 states"},
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
