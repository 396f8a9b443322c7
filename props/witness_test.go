package props_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryPropertyIsViolatedSomewhere: no property of the world is dead
// weight. Each one is violated by some scenario file (a reachability
// property: reached, so the world is not vacuous), found by exhaustive
// search restricted to the property in the file the catalogue names as
// its witness, with the shortest length the file pins; the trace is
// replayed through the world (world.ReplayAs: every step enabled, every
// fingerprint the same, the violation at the end). testdata/witnesses
// pins each trace's steps and the world's account of it, which a verdict
// alone would not show (-rewrite accepts a deliberate change); every
// catalogue property must have its directive there.
func TestEveryPropertyIsViolatedSomewhere(t *testing.T) {
	done := map[string]bool{}
	datadriven.RunTest(t, "testdata/witnesses", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "witness" || len(d.CmdArgs) != 1 {
			t.Fatalf("%s: want: witness NAME", d.Pos)
		}
		p, ok := props.Lookup(d.CmdArgs[0].Key)
		if !ok || p.Name != d.CmdArgs[0].Key {
			t.Fatalf("%s: %s is not a property of the catalogue", d.Pos, d.CmdArgs[0].Key)
		}
		done[p.Name] = true
		w, ok := p.Witness()
		if !ok {
			t.Errorf("%s: no scenario file %s it with a pinned length: the property would pass vacuously", p.Name, map[bool]string{true: "reaches", false: "violates"}[p.Kind == props.Reachability])
			return "no witness\n"
		}
		return witness(t, p, w)
	})
	for _, p := range props.All() {
		if !done[p.Name] {
			t.Errorf("testdata/witnesses has no directive for %s (add \"witness %s\", then go test ./props -run TestEveryPropertyIsViolatedSomewhere -rewrite)", p.Name, p.Name)
		}
	}
}

// witness checks property p on its witness file w and renders the trace.
func witness(t *testing.T, p props.Property, w props.FileVerdict) string {
	t.Helper()
	f := load(t, w.File)
	name := w.InstanceName(p)
	r := f.check(t, statespace.Options{Only: []string{name}})
	var tr *statespace.Trace
	var kind statespace.Kind
	var v *statespace.Violation
	switch {
	case p.Kind == props.Reachability:
		for _, pr := range r.Properties {
			if pr.Name == name && pr.Verdict == "reached" {
				tr = pr.Trace
			}
		}
	case r.Violation != nil && r.Violation.Property == name:
		v, tr, kind = r.Violation, r.Violation.Trace, r.Violation.Kind
	}
	if tr == nil {
		t.Fatalf("%s: %s is not %s (%s)", w.File, name, w.Verdict, r.Status)
	}
	if tr.Len() != w.Length {
		t.Errorf("%s: %s %s in %d steps, the file pins %d", w.File, name, w.Verdict, tr.Len(), w.Length)
	}
	steps := make([]statespace.ReplayStep, len(tr.Steps))
	for i, s := range tr.Steps {
		steps[i] = statespace.ReplayStep{Action: s.Action, Label: s.Label, Fingerprint: s.Fingerprint}
	}
	var err error
	if kind == "" {
		_, err = world.Replay(f.m, tr.InitIndex, steps, name, tr.Loop)
	} else {
		_, err = world.ReplayAs(f.m, tr.InitIndex, steps, name, kind, tr.Loop)
	}
	if err != nil {
		t.Errorf("%s: the trace of %s does not replay: %v", w.File, name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s in %d steps, replayed\n", w.File, name, w.Verdict, tr.Len())
	for i, s := range tr.Steps[1:] {
		if tr.Loop == i && !tr.Stutter {
			b.WriteString("   ---- the loop starts here ----\n")
		}
		fmt.Fprintf(&b, "%3d. %s\n", i+1, s.Label)
	}
	if tr.Stutter {
		b.WriteString("   ---- and stays here forever (nothing is enabled) ----\n")
	} else if tr.Loop >= 0 {
		fmt.Fprintf(&b, "   ---- back to the state after step %d ----\n", tr.Loop)
	}
	if v != nil && len(v.Cycle) > 0 {
		var cyc []string
		for _, e := range v.Cycle {
			cyc = append(cyc, fmt.Sprintf("%s waits for %s (%s)", e.From, e.To, e.Why))
		}
		fmt.Fprintf(&b, "cycle: %s\n", strings.Join(cyc, "; "))
	}
	if tr.Explanation != "" {
		b.WriteString(tr.Explanation + "\n")
	}
	return b.String()
}
