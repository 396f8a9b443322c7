package crossvm_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryActionKindFires checks that every action kind (mapped to its
// hyper_dmabuf or kernel counterpart in docs/crossvm-p2p.md) changes the
// state in at least one built-in scenario. Each scenario is explored
// exhaustively through an always property it does not break.
func TestEveryActionKindFires(t *testing.T) {
	inTable := map[crossvm.Kind][]string{}
	fired := map[crossvm.Kind][]string{}
	for _, sc := range crossvm.Scenarios() {
		m := newModel(t, sc.Config)
		r := run(t, m, statespace.Options{Only: []string{safeOnly(sc)}})
		if r.Status != statespace.StatusOK {
			t.Fatalf("%s: status %s checking %s alone", sc.Name, r.Status, safeOnly(sc))
		}
		names := m.ActionNames()
		tab, fire := map[crossvm.Kind]bool{}, map[crossvm.Kind]bool{}
		for a := range names {
			k := m.KindOf(statespace.Action(a))
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
	for _, k := range crossvm.Kinds() {
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
	for _, sc := range crossvm.Scenarios() {
		if sc.Expect != "" {
			continue
		}
		r := run(t, newModel(t, sc.Config), statespace.Options{Only: []string{crossvm.NoStaleRead}})
		if v := r.Stats.Vacuous(); len(v) > 0 {
			t.Errorf("%s: %s", sc.Name, strings.Join(v, "; "))
		}
	}
}
