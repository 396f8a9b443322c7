package statespace_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// panicky panics in Step once the counter reaches 3, as a buggy model would
// (an index out of range in a guard, say).
type panicky struct{ chain }

func (p panicky) Step(s *chainState, a statespace.Action) chainState {
	if s.N == 3 {
		var table []int
		_ = table[s.N] // index out of range
	}
	return p.chain.Step(s, a)
}

// badAction returns an action outside its own action table.
type badAction struct{ chain }

func (b badAction) Actions(s *chainState, buf []statespace.Action) []statespace.Action {
	return append(buf, 7)
}

// noInit has no initial state.
type noInit struct{ chain }

func (noInit) Init() []chainState { return nil }

// A panic in the model's code, on any worker, becomes an error from Check
// instead of crashing the program (the CLI must never show a panic).
func TestModelPanicIsAnError(t *testing.T) {
	for _, w := range []int{1, 2, 4} {
		res, err := statespace.Check[chainState](panicky{chain{limit: 10}}, statespace.Options{Workers: w})
		if err == nil || !strings.Contains(err.Error(), "the model panicked") || !strings.Contains(err.Error(), "index out of range") {
			t.Errorf("workers %d: result %v, error %v; want the model's panic as an error", w, res, err)
		}
	}
}

func TestActionOutsideTheTableIsAnError(t *testing.T) {
	_, err := statespace.Check[chainState](badAction{chain{limit: 10}}, statespace.Options{})
	if err == nil || !strings.Contains(err.Error(), "action table has 2 entries") {
		t.Errorf("error %v", err)
	}
}

func TestNoInitialStatesIsAnError(t *testing.T) {
	_, err := statespace.Check[chainState](noInit{chain{limit: 10}}, statespace.Options{})
	if err == nil || !strings.Contains(err.Error(), "no initial states") {
		t.Errorf("error %v", err)
	}
}
