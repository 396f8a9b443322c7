package statespace

import "fmt"

// PartialOrder is implemented by models that can choose, in a state, a
// subset of its enabled actions that suffices for the checked properties:
// an ample set (Peled; Clarke, Grumberg and Peled, "Model Checking", ch.
// 10). Ample(s, enabled, buf) appends to buf the actions to explore from s
// (enabled is the full list, in the model's order) and must satisfy, by the
// model's own static knowledge:
//
//   - C0: the result is empty exactly when enabled is; it is a subset of
//     enabled, in enabled's order.
//   - C1 (dependency): on every path of the full state graph from s, an
//     action dependent on an action of the result cannot be taken before an
//     action of the result is.
//   - C2 (invisibility): when the result is not all of enabled, none of its
//     actions changes the value of any property of the model (Always and
//     Sometimes) in any state reached from s by actions outside the
//     result.
//   - C3 (cycle proviso): when the result is not all of enabled, none of
//     its actions lies on a cycle of the state graph (so every cycle of the
//     reduced graph is made of fully expanded states, whatever the search
//     order).
//
// Ample must be deterministic: a function of s alone. With a
// Canonicalizer the checker asks it about canonical states; C0–C3 must
// then also hold for the model's symmetry (they do when dependency,
// visibility and cycles are preserved by it, as they are for an exact
// symmetry).
//
// Check uses it only with Options.PartialOrder. Soundness of the reduced
// search (docs/architecture.md, "Partial-order reduction"): every
// violation of an Always property, every deadlock (DeadlockStuck) and every
// state satisfying a Sometimes property that the full graph reaches, the
// reduced graph reaches too (maybe by a longer path). Traces are not taken
// from the reduced search: see Options.PartialOrder.
type PartialOrder[S comparable] interface {
	Ample(s *S, enabled []Action, buf []Action) []Action
}

// PartialOrderFocus is implemented by models whose ample sets may be
// larger when only some of their properties are checked (Options.Only):
// the checker asks PartialOrderFor, with the names of the checked
// properties, for the PartialOrder to use. Its C2 need only hold for those
// properties (deadlocks, DeadlockStuck, are kept by C0–C3 whatever the
// properties). checked is in the model's order and not retained.
type PartialOrderFocus[S comparable] interface {
	PartialOrderFor(checked []string) PartialOrder[S]
}

// PartialOrderChooser is implemented by models whose partial-order
// reduction applies to some of their instances only: PartialOrderApplies
// says whether it reduces this one, and if not, why.
type PartialOrderChooser interface {
	PartialOrderApplies() (bool, string)
}

// PartialOrderStats says what the partial-order reduction did in a run
// (Result.PartialOrder).
type PartialOrderStats struct {
	// Applied is false when the model has no reduction for this instance
	// (NotApplied says why): the run was unreduced.
	Applied    bool
	NotApplied string
	// States and Transitions are those of the reduced search.
	States, Transitions uint64
	// Duration is that of the reduced search, in seconds (Stats.Duration
	// is the whole run's, the re-run included).
	Duration float64
	// Rerun is set when the reduced search found a counterexample or a
	// Sometimes example and the traces (and, for a violation, the whole
	// result) come from an unreduced search bounded to RerunDepth.
	Rerun      bool
	RerunDepth int
	// RerunStates is the number of states the re-run stored: for
	// Sometimes examples it ends after the level in which the last of them
	// is reached, often well before RerunDepth.
	RerunStates uint64
}

// checkPartialOrder runs the reduced search and, when it found traces,
// the unreduced search bounded by their depth, so that every trace is the
// one (shortest, least fingerprint) the unreduced search reports.
func checkPartialOrder[S comparable](m Model[S], opt Options) (*Result, error) {
	c, err := newChecker(m, opt)
	if err != nil {
		return nil, err
	}
	if c.por == nil {
		why := c.porWhy
		res, err := c.check()
		if res != nil {
			res.PartialOrder = &PartialOrderStats{NotApplied: why}
		}
		return res, err
	}
	res, err := c.check()
	if err != nil || res == nil {
		return res, err
	}
	po := &PartialOrderStats{Applied: true, States: res.Stats.States, Transitions: res.Stats.Transitions, Duration: res.Stats.Duration.Seconds()}
	unreduced := opt
	unreduced.PartialOrder = false
	if res.Status == StatusViolation && res.Violation.Trace != nil && res.Violation.Kind != KindLiveness {
		// A counterexample at depth d of the reduced graph is a path of the
		// full graph: the unreduced search stops at its first violation,
		// at depth ≤ d. Its result is the unreduced run's, exactly.
		d := res.Violation.Trace.Len()
		if unreduced.MaxDepth == 0 || d < unreduced.MaxDepth {
			unreduced.MaxDepth = d
		}
		full, err := Check(m, unreduced)
		if err != nil {
			return nil, err
		}
		po.Rerun, po.RerunDepth, po.RerunStates = true, unreduced.MaxDepth, full.Stats.States
		full.Stats.Duration += res.Stats.Duration // the whole run: both searches
		full.PartialOrder = po
		full.Notes = append(full.Notes, fmt.Sprintf("partial-order reduction: the reduced search found %s violated at depth %d after %d states; the result is the unreduced search's, bounded to depth %d, so the counterexample is the shortest one", res.Violation.Property, d, po.States, unreduced.MaxDepth))
		return full, nil
	}
	// Sometimes properties reached: their examples from the unreduced
	// search bounded to the deepest one (it reaches each at a depth no
	// greater, and no Always property is violated in the full graph, or
	// the reduced search would have found it).
	var only []string
	depth := 0
	for _, pr := range res.Properties {
		if pr.Verdict == "reached" && pr.Trace != nil {
			only = append(only, pr.Name)
			depth = max(depth, pr.Trace.Len())
		}
	}
	res.PartialOrder = po
	if len(only) == 0 {
		return res, nil
	}
	// The search ends after the level in which the last of them is reached
	// (finishing the level keeps each example the least-fingerprint one).
	unreduced.Only, unreduced.NoDeadlock, unreduced.Deadlock = only, true, DeadlockOff
	unreduced.MaxDepth, unreduced.untilReached = max(depth, 1), true
	ex, err := Check(m, unreduced)
	if err != nil {
		return nil, err
	}
	for i := range res.Properties {
		for _, q := range ex.Properties {
			if q.Name == res.Properties[i].Name && q.Verdict == "reached" && res.Properties[i].Verdict == "reached" {
				res.Properties[i].Trace = q.Trace
			}
		}
	}
	po.Rerun, po.RerunDepth, po.RerunStates = true, unreduced.MaxDepth, ex.Stats.States
	res.Stats.Duration += ex.Stats.Duration // the whole run: both searches
	res.Notes = append(res.Notes, fmt.Sprintf("partial-order reduction: the examples of %v are from the unreduced search bounded to depth %d (%d states), so each is the shortest one", only, unreduced.MaxDepth, ex.Stats.States))
	return res, nil
}
