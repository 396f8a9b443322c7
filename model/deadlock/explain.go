package deadlock

import (
	"github.com/dmabufcheck/dmabufcheck/internal/story"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// rules says, in the protocol's words, what each invariant forbids: the
// end of the sentence that explains a counterexample.
var rules = map[string]string{
	PropLockdep:    "no lock taken inside a fence signalling critical section may also be held around a dma_fence_wait (lockdep)",
	PropIndefinite: "no dma_fence may depend on an indefinite, userspace-controlled fence",
}

// Explain tells how a counterexample breaks an invariant: the guilty last
// step, what it did to the state and the rule it breaks
// (statespace.Explainer). Deadlocks and liveness lassos are left to the
// generic account (the wait-for cycle, the loop).
func (m *Model) Explain(property string, path []State, acts []statespace.Action) statespace.Explanation {
	return story.Explain(rules, nil, m.ActionNames(), m.Describe, property, path, acts)
}
