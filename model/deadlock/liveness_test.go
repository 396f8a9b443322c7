package deadlock

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// checkLiveness runs only the Eventually property of scenario name; any
// error fails the test.
func checkLiveness(t *testing.T, name string) *statespace.Result {
	t.Helper()
	sc, ok := ScenarioByName(name)
	if !ok {
		t.Fatalf("no scenario %q", name)
	}
	cfg := sc.Config()
	cfg.Liveness = true
	r, err := statespace.Check[State](mustNew(t, cfg), statespace.Options{Workers: 2, Only: []string{PropEveryFenceSignalled}, NoDeadlock: true})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// TestEveryFenceEventuallySignalled is pattern 5 as liveness: under weak
// fairness for every agent, every fence signals in the fix; with the user
// fence in the resv, some fair behaviour never signals K (it ends in the
// deadlock, which counts as stuttering forever).
func TestEveryFenceEventuallySignalled(t *testing.T) {
	if r := checkLiveness(t, "indefinite-fence-cycle-fixed"); r.Status != statespace.StatusOK {
		t.Errorf("fix: %s %+v", r.Status, r.Violation)
	}
	r := checkLiveness(t, "indefinite-fence-cycle")
	if r.Violation == nil || r.Violation.Property != PropEveryFenceSignalled {
		t.Fatalf("failing variant: want %s violated, got %s", PropEveryFenceSignalled, r.Status)
	}
	if r.Violation.Trace == nil {
		t.Error("no lasso")
	}
}

// TestFairnessGroupsCoverEveryAction: one group per agent, together the
// whole action table.
func TestFairnessGroupsCoverEveryAction(t *testing.T) {
	sc, _ := ScenarioByName("indefinite-fence-cycle")
	m := mustNew(t, sc.Config())
	n := 0
	for i, g := range m.Fairness() {
		if g.Name != m.Config().Agents[i].Name {
			t.Errorf("group %d is %s", i, g.Name)
		}
		for _, a := range g.Actions {
			if m.AgentOf(a) != i {
				t.Errorf("group %s has action %s", g.Name, m.ActionNames()[a])
			}
		}
		n += len(g.Actions)
	}
	if n != len(m.ActionNames()) {
		t.Errorf("groups cover %d of %d actions", n, len(m.ActionNames()))
	}
}
