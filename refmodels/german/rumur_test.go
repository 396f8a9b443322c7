package german_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/rumur"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestSameCountsAsRumur runs the independent checker Rumur on the Murphi
// original (testdata/german.m) and requires the Go model to reach exactly
// as many states through exactly as many rule firings.
func TestSameCountsAsRumur(t *testing.T) {
	for _, nodes := range []int{1, 2, 3} {
		t.Run(fmt.Sprint("nodes=", nodes), func(t *testing.T) {
			want := rumur.Run(t, "testdata/german.m", map[string]string{
				"const NODES : 3;": fmt.Sprintf("const NODES : %d;", nodes),
			})
			m, err := german.New(nodes)
			if err != nil {
				t.Fatal(err)
			}
			res, err := statespace.Check(m, statespace.Options{NoDeadlock: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != statespace.StatusOK || want.Errors != 0 {
				t.Fatalf("Go: %s, Rumur: %d errors; both should find none", res.Status, want.Errors)
			}
			if res.Stats.States != want.States || res.Stats.Transitions != want.RulesFired {
				t.Errorf("Go: %d states, %d transitions; Rumur: %d states, %d rules fired",
					res.Stats.States, res.Stats.Transitions, want.States, want.RulesFired)
			}
		})
	}
}
