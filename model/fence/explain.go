package fence

import (
	"github.com/dmabufcheck/dmabufcheck/internal/story"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// rules says, in the protocol's words, what each invariant forbids: the
// end of the sentence that explains a counterexample.
var rules = map[string]string{
	Monotonicity:    "a fence signals only after every earlier fence of its context (seqno order, dma_fence_is_later)",
	IdleMeansIdle:   "dma_resv_test_signaled must not report the buffer idle while a fence it holds is unsignalled",
	KeepsNewest:     "dma_resv_add_fence must keep the newest fence of each context, never replace it with an older one",
	NoJobAfterMove:  "no job may run on the pages a dynamic exporter moved the buffer away from (the move must wait for the job, or the importer must re-map)",
	NeedReservation: "dma_resv_add_fence needs a slot reserved with dma_resv_reserve_fences first",
}

// Explain tells how a counterexample breaks an invariant: the guilty last
// step, what it did to the state and the rule it breaks
// (statespace.Explainer). Deadlocks and liveness lassos are left to the
// generic account (the wait-for cycle, the loop).
func (m *Model) Explain(property string, path []State, acts []statespace.Action) statespace.Explanation {
	return story.Explain(rules, nil, m.ActionNames(), m.Describe, property, path, acts)
}
