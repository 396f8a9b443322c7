package world_test

import (
	"fmt"
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
				for i, a := range red.Stats.Actions {
					if (a.Enabled == 0) != (full.Stats.Actions[i].Enabled == 0) {
						t.Errorf("action %s: enabled in %d states reduced, %d unreduced", a.Name, a.Enabled, full.Stats.Actions[i].Enabled)
					}
				}
				if red.PartialOrder.States > full.Stats.States {
					t.Errorf("reduced search stored %d states, more than the unreduced %d", red.PartialOrder.States, full.Stats.States)
				}
				if red.PartialOrder.Applied && red.PartialOrder.States < full.Stats.States {
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
}

// With the symmetry reduction off, too: the same verdicts and traces as
// the unreduced search, on every built-in scenario that declares a
// symmetry.
func TestPartialOrderWithoutSymmetry(t *testing.T) {
	for _, name := range builtinNames(t) {
		m := builtin(t, name)
		if !m.Symmetric() {
			continue
		}
		t.Run(name, func(t *testing.T) {
			u := m.Unreduced()
			full, err := world.Check(u, statespace.Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			red, err := world.Check(u, statespace.Options{Workers: 2, PartialOrder: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(verdicts(full), verdicts(red)) {
				t.Fatalf("reduced verdicts differ:\nfull    %v\nreduced %v", verdicts(full), verdicts(red))
			}
		})
	}
}

// Three drivers with their own locks and fences and one shared device
// mutex (docs/examples/world/independent-drivers.yaml): at least ten times
// fewer states, the same verdicts and example.
func TestPartialOrderReducesIndependentDriversTenfold(t *testing.T) {
	m := loadWorld(t, filepath.Join("..", "..", "docs", "examples", "world", "independent-drivers.yaml"))
	full, err := world.Check(m, statespace.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	red, err := world.Check(m, statespace.Options{Workers: 2, PartialOrder: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(verdicts(full), verdicts(red)) {
		t.Fatalf("reduced verdicts differ:\nfull    %v\nreduced %v", verdicts(full), verdicts(red))
	}
	if po := red.PartialOrder; po == nil || !po.Applied || po.States*10 > full.Stats.States {
		t.Fatalf("reduction %+v, unreduced %d states: not ten times fewer", po, full.Stats.States)
	}
	t.Logf("%d states unreduced, %d reduced", full.Stats.States, red.PartialOrder.States)
}

// The reduction says why it does not apply to a world outside the lock
// and life families (today.yaml: the cache family).
func TestPartialOrderSaysWhyNot(t *testing.T) {
	res, err := world.Check(builtin(t, "today"), statespace.Options{Workers: 1, PartialOrder: true, MaxStates: 100})
	if err != nil {
		t.Fatal(err)
	}
	if po := res.PartialOrder; po == nil || po.Applied || !strings.Contains(po.NotApplied, "cache family") {
		t.Fatalf("partial order %+v", res.PartialOrder)
	}
}

// A run that checks neither every-program-can-finish nor no-leaked-object
// (--only) may take a step alone at or into the end of its program or an
// idle point (World.PartialOrderFor drops that C2 rule): on every built-in
// the reduction applies to, such a run gets the verdicts and traces of the
// unreduced search with the same properties, with one worker and with
// two; where both searches run to the end, it stores no more states than
// with the rule, and somewhere fewer.
func TestPartialOrderWithoutTheEndsKeepsEveryVerdictAndTrace(t *testing.T) {
	fewer := false
	for _, name := range builtinNames(t) {
		m := builtin(t, name)
		var only []string
		for _, p := range m.PropertyNames() {
			if p != world.EveryProgramCanFinish && p != world.NoLeakedObject {
				only = append(only, p)
			}
		}
		only = append(only, statespace.DeadlockProperty)
		withEnds, err := world.Check(m, statespace.Options{Workers: 1, PartialOrder: true})
		if err != nil {
			t.Fatal(name, err)
		}
		if withEnds.PartialOrder == nil || !withEnds.PartialOrder.Applied {
			continue // TestPartialOrderSaysWhyNot
		}
		t.Run(name, func(t *testing.T) {
			full, err := world.Check(m, statespace.Options{Workers: 1, Only: only})
			if err != nil {
				t.Fatal(err)
			}
			for _, workers := range []int{1, 2} {
				red, err := world.Check(m, statespace.Options{Workers: workers, PartialOrder: true, Only: only})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(verdicts(full), verdicts(red)) {
					t.Fatalf("workers %d: reduced verdicts differ:\nfull    %v\nreduced %v", workers, verdicts(full), verdicts(red))
				}
				if red.Status != full.Status {
					t.Fatalf("status %s, unreduced %s", red.Status, full.Status)
				}
				if withEnds.Status != statespace.StatusOK || red.Status != statespace.StatusOK {
					continue // a search stopped by a violation: its count says nothing of the rule
				}
				if red.PartialOrder.States > withEnds.PartialOrder.States {
					t.Errorf("without the ends' rule %d states, more than the %d with it", red.PartialOrder.States, withEnds.PartialOrder.States)
				}
				if red.PartialOrder.States < withEnds.PartialOrder.States {
					fewer = true
					if workers == 1 {
						t.Logf("%d → %d states (%d with the ends' rule)", full.Stats.States, red.PartialOrder.States, withEnds.PartialOrder.States)
					}
				}
			}
		})
	}
	if !fewer {
		t.Error("dropping the ends' rule reduced no built-in further")
	}
}
