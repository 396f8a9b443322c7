package statespace_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func replaySteps(tr *statespace.Trace) []statespace.ReplayStep {
	var out []statespace.ReplayStep
	for _, s := range tr.Steps {
		out = append(out, statespace.ReplayStep{Action: s.Action, Label: s.Label, Fingerprint: s.Fingerprint})
	}
	return out
}

// Replay confirms the checker's own counterexamples of every kind, and
// rejects a lasso whose loop does not close.
func TestReplayConfirmsCounterexamples(t *testing.T) {
	r, err := statespace.Check[fenceState](fenceSys{fair: true, flicker: true}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := r.Violation.Trace
	if _, err := statespace.Replay[fenceState](fenceSys{fair: true, flicker: true}, tr.InitIndex, replaySteps(tr), r.Violation.Property, tr.Loop); err != nil {
		t.Errorf("liveness lasso: %v", err)
	}
	if _, err := statespace.Replay[fenceState](fenceSys{fair: true, flicker: true}, tr.InitIndex, replaySteps(tr), r.Violation.Property, tr.Loop+1); err == nil || !strings.Contains(err.Error(), "does not close") {
		t.Errorf("a shifted loop was accepted: %v", err)
	}
	r, err = statespace.Check[lockPairState](lockPair{}, statespace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr = r.Violation.Trace
	if _, err := statespace.Replay[lockPairState](lockPair{}, tr.InitIndex, replaySteps(tr), statespace.DeadlockProperty, -1); err != nil {
		t.Errorf("deadlock: %v", err)
	}
	if _, err := statespace.Replay[lockPairState](lockPair{}, tr.InitIndex, replaySteps(tr)[:2], statespace.DeadlockProperty, -1); err == nil || !strings.Contains(err.Error(), "not a deadlock") {
		t.Errorf("a prefix was accepted as a deadlock: %v", err)
	}
	if _, err := statespace.Replay[lockPairState](lockPair{}, 3, replaySteps(tr), statespace.DeadlockProperty, -1); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("a bad initial index was accepted: %v", err)
	}
}
