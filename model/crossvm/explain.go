package crossvm

import (
	"github.com/dmabufcheck/dmabufcheck/internal/story"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// rules says, in the protocol's words, what each invariant forbids: the
// end of the sentence that explains a counterexample.
var rules = map[string]string{
	NoUseAfterFree: "no VM may touch pages after their owner freed them (the grant must outlive every use)",
	NoStaleRead:    "a remote reader must see the frame the producer last completed",
	NoDeadlock:     "no cycle of VMs waiting for each other may form",
}

// Explain tells how a counterexample breaks an invariant: the guilty last
// step, what it did to the state and the rule it breaks
// (statespace.Explainer). Deadlocks and liveness lassos are left to the
// generic account (the wait-for cycle, the loop).
func (m *Model) Explain(property string, path []State, acts []statespace.Action) statespace.Explanation {
	return story.Explain(rules, m.Actor, m.ActionNames(), m.Describe, property, path, acts)
}
