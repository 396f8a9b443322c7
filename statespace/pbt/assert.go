package pbt

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Min is what a run must have done before its verdict means anything.
type Min struct {
	// Steps is the least number of steps over the whole run.
	Steps int
	// Distinct is the least number of distinct states visited.
	Distinct int
	// Unreachable lists the actions allowed never to fire: those enabled
	// in no reachable state (an exhaustive search's Stats.Vacuous, or
	// NeverEnabled, says which).
	Unreachable []string
}

// AssertNonVacuous fails t if r did too little to count as a test: fewer
// steps or distinct states than min, an action of the model that never
// fired (listed), or a checked property never evaluated beyond the initial
// states. It reports whether r passed.
func AssertNonVacuous(t testing.TB, r *Report, min Min) bool {
	t.Helper()
	if r == nil {
		t.Errorf("no report")
		return false
	}
	var problems []string
	if r.Steps < min.Steps {
		problems = append(problems, fmt.Sprintf("only %d steps ran, want at least %d", r.Steps, min.Steps))
	}
	if r.Distinct < min.Distinct {
		problems = append(problems, fmt.Sprintf("only %d distinct states visited, want at least %d", r.Distinct, min.Distinct))
	}
	var never []string
	for _, n := range r.NeverFired() {
		if !slices.Contains(min.Unreachable, n) {
			never = append(never, n)
		}
	}
	if len(never) > 0 {
		problems = append(problems, fmt.Sprintf("%d actions never fired:\n\t%s", len(never), strings.Join(never, "\n\t")))
	}
	var unevaluated []string
	for name, n := range r.Evaluated {
		if n == 0 {
			unevaluated = append(unevaluated, name)
		}
	}
	slices.Sort(unevaluated)
	if len(unevaluated) > 0 {
		problems = append(problems, fmt.Sprintf("properties evaluated only on the initial states: %s", strings.Join(unevaluated, ", ")))
	}
	if len(problems) == 0 {
		return true
	}
	t.Errorf("%s %s ran vacuously (%s):\n%s", r.Driver, r.Name, r.Summary(), strings.Join(problems, "\n"))
	return false
}

// AssertNoViolation fails t if the run found a violation or failed, with
// the counterexample as a trace and how to replay it.
func AssertNoViolation(t testing.TB, r *Report) bool {
	t.Helper()
	if r == nil {
		t.Errorf("no report")
		return false
	}
	ok := true
	if r.Err != nil {
		t.Errorf("%s %s: %v", r.Driver, r.Name, r.Err)
		ok = false
	}
	if v := r.Violation; v != nil {
		confirmed := "confirmed by statespace.Replay"
		if v.ReplayErr != nil {
			confirmed = fmt.Sprintf("NOT confirmed by statespace.Replay: %v", v.ReplayErr)
		}
		t.Errorf("%s %s: %s violated (%d steps, %s)\n%s\nreplay: %s\n%s",
			r.Driver, r.Name, v.Property, v.Len(), confirmed, v.Text(), v.Reproduce, strings.Join(r.Log, "\n"))
		ok = false
	}
	return ok
}

// Exhaustive is the verdict of exhaustive search on one property.
type Exhaustive struct {
	// Violated reports whether the search found a violation; Shortest is
	// then its BFS-shortest length.
	Violated bool
	Shortest int
	// Incomplete names the bound that ended the search early, if any.
	Incomplete string
	States     uint64
}

// CheckExhaustive runs statespace.Check restricted to property (an Always
// property or statespace.DeadlockProperty). maxDepth > 0 bounds the search
// depth: a bound at the length of a known counterexample still finds the
// shortest one. maxStates > 0 bounds the states stored.
func CheckExhaustive[S comparable](m statespace.Model[S], property string, maxDepth int, maxStates uint64) (Exhaustive, error) {
	r, err := statespace.Check(m, statespace.Options{Only: []string{property}, MaxDepth: maxDepth, MaxStates: maxStates})
	if err != nil {
		return Exhaustive{}, err
	}
	x := Exhaustive{Incomplete: r.Incomplete, States: r.Stats.States}
	for _, p := range r.Properties {
		if p.Name == property && p.Verdict == "violated" {
			x.Violated, x.Shortest = true, p.Trace.Len()
		}
	}
	return x, nil
}

// AssertFinds fails t unless the run found a violation of property and the
// violation survives two differential checks: (a) statespace.Replay
// confirms the shrunk path against the model, and (b) exhaustive search
// restricted to the property (depth-bounded by the path's length, at most
// maxStates states; 0: no bound) finds a violation too, no longer than the
// path. It returns the exhaustive verdict for the report's table.
func AssertFinds[S comparable](t testing.TB, m statespace.Model[S], r *Report, property string, maxStates uint64) Exhaustive {
	t.Helper()
	if r == nil {
		t.Errorf("no report")
		return Exhaustive{}
	}
	if r.Err != nil {
		t.Errorf("%s %s: %v", r.Driver, r.Name, r.Err)
	}
	v := r.Violation
	if v == nil {
		t.Errorf("%s %s: no violation of %s found within the budget (%s)", r.Driver, r.Name, property, r.Summary())
		return Exhaustive{}
	}
	if v.Property != property {
		t.Errorf("%s %s: found a violation of %s, want %s:\n%s", r.Driver, r.Name, v.Property, property, v.Text())
	}
	if v.ReplayErr != nil {
		t.Errorf("%s %s: differential check (a): statespace.Replay rejects the shrunk counterexample: %v\n%s",
			r.Driver, r.Name, v.ReplayErr, v.Text())
	}
	x, err := CheckExhaustive(m, v.Property, v.Len(), maxStates)
	switch {
	case err != nil:
		t.Errorf("%s %s: exhaustive search failed: %v", r.Driver, r.Name, err)
	case !x.Violated && x.Incomplete == "":
		t.Errorf("%s %s: differential check (b): PBT found a violation of %s that exhaustive search (depth ≤ %d) does not find:\n%s",
			r.Driver, r.Name, v.Property, v.Len(), v.Text())
	case !x.Violated:
		t.Logf("%s %s: exhaustive search stopped (%s) before it could confirm the %d-step violation", r.Driver, r.Name, x.Incomplete, v.Len())
	case x.Shortest > v.Len():
		t.Errorf("%s %s: exhaustive search's shortest violation (%d steps) is longer than the PBT's (%d): BFS missed a path",
			r.Driver, r.Name, x.Shortest, v.Len())
	}
	return x
}

// NeverEnabled runs an exhaustive search of m that checks nothing (so that
// nothing stops it early) and returns the actions never enabled in a
// reachable state: the Unreachable list for AssertNonVacuous.
func NeverEnabled[S comparable](m statespace.Model[S]) ([]string, error) {
	// Only deadlock, and deadlock detection off: no property is checked.
	r, err := statespace.Check(m, statespace.Options{Only: []string{statespace.DeadlockProperty}, NoDeadlock: true})
	if err != nil {
		return nil, err
	}
	if r.Incomplete != "" {
		return nil, fmt.Errorf("search incomplete: %s", r.Incomplete)
	}
	var out []string
	for _, a := range r.Stats.Actions {
		if a.Enabled == 0 {
			out = append(out, a.Name)
		}
	}
	return out, nil
}
