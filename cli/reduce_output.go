package cli

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// JSONPartialOrder is what the partial-order reduction did, in --json.
type JSONPartialOrder struct {
	Applied    bool    `json:"applied"`
	NotApplied string  `json:"not_applied,omitempty"`
	States     uint64  `json:"reduced_states"`
	Trans      uint64  `json:"reduced_transitions"`
	Seconds    float64 `json:"reduced_seconds"`
	Rerun      bool    `json:"unreduced_rerun"`
	RerunDepth int     `json:"unreduced_rerun_depth,omitempty"`
	// RerunStates is the number of states the unreduced re-run stored.
	RerunStates uint64 `json:"unreduced_rerun_states,omitempty"`
}

func jsonPartialOrderOf(p *statespace.PartialOrderStats) *JSONPartialOrder {
	if p == nil {
		return nil
	}
	return &JSONPartialOrder{Applied: p.Applied, NotApplied: p.NotApplied, States: p.States, Trans: p.Transitions,
		Seconds: p.Duration, Rerun: p.Rerun, RerunDepth: p.RerunDepth, RerunStates: p.RerunStates}
}

// reductionLine says which reductions ran.
func reductionLine(reduce string, r *statespace.Result) string {
	line := "reduction: " + reduce
	switch p := r.PartialOrder; {
	case p == nil:
	case !p.Applied:
		line += fmt.Sprintf(" (partial-order reduction not applied: %s)", p.NotApplied)
	case p.Rerun:
		line += fmt.Sprintf(" (partial-order: %s states, %s transitions, %.3f s; traces from the unreduced search bounded to depth %d, %s states)", count(p.States), count(p.Transitions), p.Duration, p.RerunDepth, count(p.RerunStates))
	default:
		line += fmt.Sprintf(" (partial-order: %s states, %s transitions, %.3f s)", count(p.States), count(p.Transitions), p.Duration)
	}
	return line
}
