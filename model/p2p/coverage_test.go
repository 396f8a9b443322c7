package p2p_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryActionKindFires checks that every action kind (mapped to its
// kernel counterpart in docs/p2p-p2p.md) changes the
// state in at least one built-in scenario. Each scenario is explored
// exhaustively through an always property it does not break.
func TestEveryActionKindFires(t *testing.T) {
	inTable := map[p2p.Kind][]string{}
	fired := map[p2p.Kind][]string{}
	for _, sc := range p2p.Scenarios() {
		m := newModel(t, sc.Config)
		r := run(t, m, statespace.Options{Only: []string{safeOnly(sc)}})
		if r.Status != statespace.StatusOK {
			t.Fatalf("%s: status %s checking %s alone", sc.Name, r.Status, safeOnly(sc))
		}
		names := m.ActionNames()
		tab, fire := map[p2p.Kind]bool{}, map[p2p.Kind]bool{}
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
	for _, k := range p2p.Kinds() {
		fmt.Fprintf(&b, "%-12s %2d tables, fired in %d\n", k, len(inTable[k]), len(fired[k]))
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
// every action of its table fires.
func TestCorrectScenariosAreNotVacuous(t *testing.T) {
	for _, sc := range p2p.Scenarios() {
		if sc.Expect != "" {
			continue
		}
		r := run(t, newModel(t, sc.Config), statespace.Options{Only: []string{p2p.Routable}})
		if v := r.Stats.Vacuous(); len(v) > 0 {
			t.Errorf("%s: %s", sc.Name, strings.Join(v, "; "))
		}
	}
}
