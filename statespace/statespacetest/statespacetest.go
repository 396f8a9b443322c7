// Package statespacetest holds assertions for tests of statespace models,
// in the spirit of stateright's assert_properties and assert_discovery.
//
// Each helper runs statespace.Check (or inspects its results), marks the
// test as failed with a readable report when the expectation is not met, and
// returns what it checked so that the test can look further. A Check error
// (a misconfigured model, unknown property, non-deterministic replay) stops
// the test with Fatalf; a wrong verdict marks it failed with Errorf.
package statespacetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// AssertHolds checks m with opt and fails the test unless the result is
// statespace.StatusOK: the search was complete and exhaustive, every
// property holds (every "always" property in every reachable state, every
// "sometimes" property in at least one) and there is no deadlock. On a
// violation it reports the property, the kind of violation and its trace;
// on an incomplete search it reports the bound that ended it. It stops the
// test with Fatalf if Check returns an error. It returns the result, which
// may be nil after a Check error.
func AssertHolds[S comparable](t testing.TB, m statespace.Model[S], opt statespace.Options) *statespace.Result {
	t.Helper()
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatalf("statespace.Check returned an error: %v%s", err, summaryLine(r))
		return r
	}
	if r.Status == statespace.StatusOK {
		return r
	}
	var b strings.Builder
	fmt.Fprintf(&b, "model check did not pass: status %s%s\n", r.Status, summaryLine(r))
	if r.Incomplete != "" {
		fmt.Fprintf(&b, "search incomplete: %s (not every reachable state was explored)\n", r.Incomplete)
	}
	if v := r.Violation; v != nil {
		b.WriteString(describeViolation(v))
	}
	for _, p := range r.Properties {
		if p.Verdict != "holds" && p.Verdict != "reached" && p.Verdict != "not checked" && (r.Violation == nil || p.Name != r.Violation.Property) {
			fmt.Fprintf(&b, "property %s (%s): %s\n", p.Name, p.Expectation, p.Verdict)
		}
	}
	t.Errorf("%s", strings.TrimRight(b.String(), "\n"))
	return r
}

// AssertDiscovery checks m with opt restricted to one property
// (Options.Only = []string{property}; statespace.DeadlockProperty selects
// deadlock detection) and fails the test unless the property is violated
// (an "always" property or deadlock) or reached (a "sometimes" property)
// with a shortest trace of exactly length steps. On a mismatch it reports
// the trace found, or the verdict when there is none. It stops the test with
// Fatalf if Check returns an error. It returns the result, which may be nil
// after a Check error.
func AssertDiscovery[S comparable](t testing.TB, m statespace.Model[S], property string, length int, opt statespace.Options) *statespace.Result {
	t.Helper()
	opt.Only = []string{property}
	if property == statespace.DeadlockProperty {
		opt.NoDeadlock = false
	}
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatalf("statespace.Check (only %q) returned an error: %v%s", property, err, summaryLine(r))
		return r
	}
	tr, verdict := discovery(r, property)
	if tr == nil {
		msg := fmt.Sprintf("property %q: want a discovery of length %d, got verdict %q (status %s", property, length, verdict, r.Status)
		if r.Incomplete != "" {
			msg += ", incomplete: " + r.Incomplete
		}
		msg += ")" + summaryLine(r)
		t.Errorf("%s", msg)
		return r
	}
	if tr.Len() != length {
		t.Errorf("property %q %s: want a shortest trace of %d steps, got %d steps:\n%s",
			property, verdict, length, tr.Len(), strings.TrimRight(tr.String(), "\n"))
	}
	return r
}

// discovery returns the trace that decided property in r and the verdict,
// or a nil trace and the verdict when the property was not discovered.
func discovery(r *statespace.Result, property string) (*statespace.Trace, string) {
	for _, p := range r.Properties {
		if p.Name != property {
			continue
		}
		if (p.Verdict == "violated" || p.Verdict == "reached") && p.Trace != nil {
			return p.Trace, p.Verdict
		}
		return nil, p.Verdict
	}
	if property == statespace.DeadlockProperty {
		// Deadlock may be reported only as the run's violation.
		if v := r.Violation; v != nil && v.Kind == statespace.KindDeadlock && v.Trace != nil {
			return v.Trace, "violated"
		}
		if r.Incomplete != "" {
			return nil, "unknown"
		}
		return nil, "holds"
	}
	return nil, "not in the result"
}

// AssertLabels fails the test unless the action labels of tr are exactly
// labels, in order, and reports both sequences and the trace when they
// differ. A nil trace (no discovery) always fails.
func AssertLabels(t testing.TB, tr *statespace.Trace, labels ...string) {
	t.Helper()
	if tr == nil {
		t.Errorf("trace is nil; want labels %s", quoteList(labels))
		return
	}
	got := tr.Labels()
	if slices.Equal(got, labels) {
		return
	}
	t.Errorf("trace labels differ\n got: %s\nwant: %s\ntrace:\n%s",
		quoteList(got), quoteList(labels), strings.TrimRight(tr.String(), "\n"))
}

// AssertNoVacuity fails the test unless every action of r fires: it is
// enabled in some reachable state and changes the state at least once
// (r.Stats.Vacuous() lists those that do not). A model that passes with an
// action that never fires may be passing vacuously. neverFire names the
// actions expected not to fire (a rule for a configuration the run does
// not have, a guard the protocol makes unreachable): they are left out of
// the check, and the test fails if one of them fires after all or is not
// an action of r. Use it after a complete search: a run stopped by a
// violation or a bound did not get to every action.
func AssertNoVacuity(t testing.TB, r *statespace.Result, neverFire ...string) {
	t.Helper()
	if r == nil {
		t.Errorf("AssertNoVacuity: nil result")
		return
	}
	expected := map[string]bool{}
	for _, n := range neverFire {
		expected[n] = true
	}
	var vac []string
	for _, a := range r.Stats.Actions {
		fired := a.Enabled > 0 && a.Changed > 0
		switch {
		case expected[a.Name] && fired:
			vac = append(vac, fmt.Sprintf("action %s fired (enabled %d times, changed the state %d times), but it was expected never to", a.Name, a.Enabled, a.Changed))
		case expected[a.Name]:
		case a.Enabled == 0:
			vac = append(vac, fmt.Sprintf("action %s never enabled", a.Name))
		case a.Changed == 0:
			vac = append(vac, fmt.Sprintf("action %s never changed the state", a.Name))
		}
		delete(expected, a.Name)
	}
	for _, n := range neverFire {
		if expected[n] {
			vac = append(vac, fmt.Sprintf("%q, expected never to fire, is not an action of the model", n))
			delete(expected, n)
		}
	}
	if len(vac) > 0 {
		t.Errorf("vacuous actions (%d of %d):\n  %s", len(vac), len(r.Stats.Actions), strings.Join(vac, "\n  "))
	}
}

func describeViolation(v *statespace.Violation) string {
	var b strings.Builder
	switch v.Kind {
	case statespace.KindUnreachable:
		fmt.Fprintf(&b, "property %s: no reachable state satisfies it (%s)\n", v.Property, v.Kind)
	case statespace.KindDeadlock:
		fmt.Fprintf(&b, "deadlock (a state with no enabled action that is not a valid end state) after %d steps:\n", v.Length())
	default:
		fmt.Fprintf(&b, "property %s violated (%s) after %d steps:\n", v.Property, v.Kind, v.Length())
	}
	if v.Trace != nil {
		b.WriteString(v.Trace.String())
	}
	return b.String()
}

func summaryLine(r *statespace.Result) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf(" [%d states, %d transitions, depth %d]", r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// AssertWorkerIndependent checks the checker's determinism promise on m:
// with each worker count the run gives the same status, distinct states,
// transitions, maximum depth, verdicts, action statistics and the same
// counterexamples (labels and fingerprints) as the first. It returns the
// first result.
func AssertWorkerIndependent[S comparable](t testing.TB, m statespace.Model[S], opt statespace.Options, workers ...int) *statespace.Result {
	t.Helper()
	var ref *statespace.Result
	for _, w := range workers {
		o := opt
		o.Workers = w
		r, err := statespace.Check(m, o)
		if err != nil {
			t.Fatalf("workers %d: %v", w, err)
		}
		if r.Stats.Workers != w {
			t.Errorf("workers %d: the run used %d workers", w, r.Stats.Workers)
		}
		if ref == nil {
			ref = r
			continue
		}
		if got, want := summary(r), summary(ref); got != want {
			t.Errorf("workers %d gave\n%s\nworkers %d gave\n%s", w, got, workers[0], want)
		}
	}
	return ref
}

// summary renders everything AssertWorkerIndependent compares.
func summary(r *statespace.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q states=%d transitions=%d depth=%d\n", r.Status, r.Incomplete, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
	if v := r.Violation; v != nil {
		fmt.Fprintf(&b, "violation %s (%s)\n", v.Property, v.Kind)
	}
	for _, p := range r.Properties {
		fmt.Fprintf(&b, "%s: %s %s\n", p.Name, p.Verdict, traceKey(p.Trace))
	}
	for _, a := range r.Stats.Actions {
		fmt.Fprintf(&b, "%s %d/%d/%d\n", a.Name, a.Enabled, a.Changed, a.New)
	}
	return b.String()
}

func traceKey(tr *statespace.Trace) string {
	if tr == nil {
		return "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "loop=%d", tr.Loop)
	for _, s := range tr.Steps {
		fmt.Fprintf(&b, " %s@%016x", s.Label, s.Fingerprint)
	}
	return b.String()
}
