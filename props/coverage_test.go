package props_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// exportedKinds is every action kind model.go declares, KSyncStart through
// KRelease, each standing for one kernel function or hardware event
// (docs/model.md, "Actions and the kernel functions they stand for").
var exportedKinds = []struct {
	kind model.Kind
	name string
}{
	{model.KSyncStart, "KSyncStart"},
	{model.KBeginWait, "KBeginWait"},
	{model.KSyncEnd, "KSyncEnd"},
	{model.KSyncInvalid, "KSyncInvalid"},
	{model.KCPURead, "KCPURead"},
	{model.KCPUWrite, "KCPUWrite"},
	{model.KWriteback, "KWriteback"},
	{model.KEvict, "KEvict"},
	{model.KPrefetch, "KPrefetch"},
	{model.KAttach, "KAttach"},
	{model.KDetach, "KDetach"},
	{model.KMap, "KMap"},
	{model.KUnmap, "KUnmap"},
	{model.KPin, "KPin"},
	{model.KUnpin, "KUnpin"},
	{model.KJobRead, "KJobRead"},
	{model.KJobWrite, "KJobWrite"},
	{model.KJobDone, "KJobDone"},
	{model.KSyncForCPU, "KSyncForCPU"},
	{model.KSyncForDevice, "KSyncForDevice"},
	{model.KDevWriteback, "KDevWriteback"},
	{model.KDevEvict, "KDevEvict"},
	{model.KMoveNotify, "KMoveNotify"},
	{model.KRelease, "KRelease"},
}

// TestEveryActionKindFires checks that every kernel function and hardware
// event the model knows (kernel-rules §12.3, "Actions") changes the state in
// at least one built-in scenario. A kind that never fires is a rule the
// checker never exercises, so every verdict that depends on it would be
// vacuous (kernel-rules §12.4: a check that never reaches what it guards passes vacuously).
//
// Each scenario is explored exhaustively: the check is restricted to a
// "sometimes" property (all-importers-attached), which never stops the
// search early, so a violating scenario's actions are counted over its whole
// state space and not only up to its first counterexample.
func TestEveryActionKindFires(t *testing.T) {
	inTable := map[model.Kind][]string{} // kind → scenarios whose action table has it
	fired := map[model.Kind][]string{}   // kind → scenarios where it changed the state
	for _, sc := range model.Scenarios() {
		c := checked(t, sc.Config)
		r := run(t, c, statespace.Options{Only: []string{props.AllAttached}})
		if r.Incomplete != "" {
			t.Fatalf("%s: search incomplete (%s)", sc.Name, r.Incomplete)
		}
		m := c.Model
		names := m.ActionNames()
		if len(r.Stats.Actions) != len(names) {
			t.Fatalf("%s: %d action stats for %d actions", sc.Name, len(r.Stats.Actions), len(names))
		}
		tab, fire := map[model.Kind]bool{}, map[model.Kind]bool{}
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

	var all []string
	for _, sc := range model.Scenarios() {
		all = append(all, sc.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %-8s %s\n", "kind", "tables", "fired in")
	known := map[model.Kind]bool{}
	for _, k := range exportedKinds {
		known[k.kind] = true
		where := strings.Join(fired[k.kind], " ")
		if n := len(fired[k.kind]); n == 0 {
			where = "-- NEVER --"
		} else if n > len(all)/2 {
			var missing []string
			for _, name := range all {
				if !slices.Contains(fired[k.kind], name) {
					missing = append(missing, name)
				}
			}
			where = "every scenario"
			if len(missing) > 0 {
				where += " but " + strings.Join(missing, " ")
			}
		}
		fmt.Fprintf(&b, "%-16s %-8d %s\n", k.name, len(inTable[k.kind]), where)
	}
	t.Logf("action kind coverage over %d scenarios:\n%s", len(all), b.String())

	// Every kind in some action table is an exported one, and fires.
	for k, scs := range inTable {
		if !known[k] {
			t.Errorf("kind %d appears in the action tables of %v but is not in the exported list", k, scs)
		}
	}
	for _, k := range exportedKinds {
		switch {
		case len(inTable[k.kind]) == 0:
			t.Errorf("%s is in no built-in scenario's action table: no scenario enables the rule", k.name)
		case len(fired[k.kind]) == 0:
			t.Errorf("%s is in the action tables of %v but never changes the state", k.name, inTable[k.kind])
		}
	}
}
