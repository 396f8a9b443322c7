package fence_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryActionKindFires checks that every kernel function the model
// knows (fence.Kinds, mapped to the kernel source in docs/fences.md)
// changes the state in at least one built-in scenario, so that no verdict
// rests on a rule the checker never exercises.
//
// Each scenario is explored exhaustively: the check is restricted to an
// always property the scenario does not break, so a violating scenario's
// actions are counted over its whole state space.
func TestEveryActionKindFires(t *testing.T) {
	inTable := map[fence.Kind][]string{}
	fired := map[fence.Kind][]string{}
	for _, sc := range fence.Scenarios() {
		m := newModel(t, sc.Config)
		r := run(t, m, statespace.Options{Only: []string{safeOnly(sc)}})
		if r.Status != statespace.StatusOK {
			t.Fatalf("%s: status %s checking %s alone", sc.Name, r.Status, safeOnly(sc))
		}
		names := m.ActionNames()
		if len(r.Stats.Actions) != len(names) {
			t.Fatalf("%s: %d action stats for %d actions", sc.Name, len(r.Stats.Actions), len(names))
		}
		tab, fire := map[fence.Kind]bool{}, map[fence.Kind]bool{}
		for a := range names {
			k, _ := m.KindOf(statespace.Action(a))
			tab[k] = true
			if r.Stats.Actions[a].Changed > 0 {
				fire[k] = true
			}
		}
		for k := range tab {
			inTable[k] = append(inTable[k], sc.Name)
		}
		for k := range fire {
			fired[k] = append(fired[k], sc.Name)
		}
	}
	var b strings.Builder
	for _, k := range fence.Kinds() {
		fmt.Fprintf(&b, "%-14s %2d tables, fired in %s\n", k, len(inTable[k]), strings.Join(fired[k], " "))
		switch {
		case len(inTable[k]) == 0:
			t.Errorf("%s is in no built-in scenario's action table", k)
		case len(fired[k]) == 0:
			t.Errorf("%s is in the action tables of %v but never changes the state", k, inTable[k])
		}
	}
	t.Logf("action kind coverage:\n%s", b.String())
}

// TestCorrectScenariosAreNotVacuous checks that in every correct scenario
// every action of the table fires: a correct configuration with a dead
// action would pass without exercising its rule.
func TestCorrectScenariosAreNotVacuous(t *testing.T) {
	for _, sc := range fence.Scenarios() {
		if sc.Expect != "" {
			continue
		}
		m := newModel(t, sc.Config)
		r := run(t, m, statespace.Options{Only: []string{fence.Monotonicity}})
		if v := r.Stats.Vacuous(); len(v) > 0 {
			t.Errorf("%s: %s", sc.Name, strings.Join(v, "; "))
		}
	}
}
