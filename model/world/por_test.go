package world_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// builtinNames lists the built-in scenarios (scenarios/*.yaml).
func builtinNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no built-in scenario files: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	return out
}

// verdicts is every property's verdict with its trace's steps.
func verdicts(res *statespace.Result) map[string]string {
	out := map[string]string{}
	for _, p := range res.Properties {
		v := p.Verdict
		if p.Trace != nil {
			for _, s := range p.Trace.Steps {
				v += fmt.Sprintf(" | %d %x", s.Action, s.Fingerprint)
			}
		}
		out[p.Name] = v
	}
	return out
}

// The partial-order reduction is proven, not hoped, on every built-in
// scenario at its defaults: the same verdict for every property as the
// unreduced search, and the very same (shortest) counterexamples and
// examples, with one worker and with two.
func TestPartialOrderKeepsEveryVerdictAndTrace(t *testing.T) {
	reducedSomewhere := false
	for _, name := range builtinNames(t) {
		t.Run(name, func(t *testing.T) {
			m := builtin(t, name)
			full, err := world.Check(m, statespace.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 2} {
				red, err := world.Check(m, statespace.Options{Workers: workers, PartialOrder: true})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(verdicts(full), verdicts(red)) {
					t.Fatalf("workers %d: reduced verdicts differ:\nfull    %v\nreduced %v", workers, verdicts(full), verdicts(red))
				}
				if red.Status != full.Status {
					t.Fatalf("status %s, unreduced %s", red.Status, full.Status)
				}
				if red.PartialOrder == nil {
					t.Fatal("no partial-order statistics")
				}
				if red.PartialOrder.States > full.Stats.States {
					t.Errorf("reduced search stored %d states, more than the unreduced %d", red.PartialOrder.States, full.Stats.States)
				}
				if red.PartialOrder.States < full.Stats.States {
					reducedSomewhere = true
					if full.Status == statespace.StatusOK {
						t.Logf("%d → %d states", full.Stats.States, red.PartialOrder.States)
					}
				}
			}
		})
	}
	if !reducedSomewhere {
		t.Error("the reduction reduced no built-in scenario")
	}
	_ = os.Getenv
}
