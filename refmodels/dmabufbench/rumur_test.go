package dmabufbench_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/rumur"
	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestSameCountsAsRumur runs the independent checker Rumur on the Murphi
// original (testdata/dmabuf.m) and requires the Go model to reach exactly
// as many states through exactly as many rule firings, and to find the
// seeded bug exactly when Rumur does.
func TestSameCountsAsRumur(t *testing.T) {
	for _, bad := range []bool{false, true} {
		for _, n := range []int{0, 1, 2, 3} {
			t.Run(fmt.Sprintf("importers=%d,bad=%v", n, bad), func(t *testing.T) {
				want := rumur.Run(t, "testdata/dmabuf.m", map[string]string{
					"const NIMP : 2;":    fmt.Sprintf("const NIMP : %d;", n),
					"const BAD : false;": fmt.Sprintf("const BAD : %v;", bad),
				})
				m, err := dmabufbench.New(n, bad)
				if err != nil {
					t.Fatal(err)
				}
				res, err := statespace.Check(m, statespace.Options{NoDeadlock: true})
				if err != nil {
					t.Fatal(err)
				}
				goErr := res.Status == statespace.StatusViolation
				if goErr != (want.Errors > 0) {
					t.Fatalf("Go: %s; Rumur: %d errors", res.Status, want.Errors)
				}
				if goErr {
					return // the counts of a stopped search depend on search order
				}
				rumur.AssertSameCounts(t, res, want)
			})
		}
	}
}
