package p2p

import (
	"github.com/dmabufcheck/dmabufcheck/internal/story"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// rules says, in the protocol's words, what each invariant forbids: the
// end of the sentence that explains a counterexample.
var rules = map[string]string{
	Routable:     "a peer-to-peer mapping must use an address the platform routes from the importer to the BAR",
	NoDropped:    "no DMA transfer may be dropped by the fabric",
	NoStaleRead:  "a read through the BAR must return the latest write",
	Fallback:     "an importer whose peer-to-peer attach is rejected must fall back to system memory",
	BAROnlyToP2P: "BAR addresses go only to importers that accept peer-to-peer (allow_peer2peer)",
}

// Explain tells how a counterexample breaks an invariant: the guilty last
// step, what it did to the state and the rule it breaks
// (statespace.Explainer). Deadlocks and liveness lassos are left to the
// generic account (the wait-for cycle, the loop).
func (m *Model) Explain(property string, path []State, acts []statespace.Action) statespace.Explanation {
	return story.Explain(rules, m.Actor, m.ActionNames(), m.Describe, property, path, acts)
}
