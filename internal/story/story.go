// Package story words the account of a counterexample that the fence,
// deadlock, cross-VM and peer-to-peer models give (statespace.Explainer):
// the guilty step, its agent and action, what it did to the state, and the
// protocol rule that this breaks.
package story

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Violation is the account of an invariant broken by the last step of a
// trace: "at step n <actor> did <action>, after which <what changed>; but
// <rule>" (without an actor: "at step n, <action>, after which ...").
// before and after are the described states around the step; the ghost
// field VIOLATED is left out of what changed (it only restates the
// property). rule says, in the protocol's words, what must not happen.
func Violation(n int, actor, action string, before, after []statespace.Field, rule string) string {
	var did []string
	for _, f := range statespace.ChangedFields(before, after) {
		if f.Name != "VIOLATED" {
			did = append(did, f.Name+" = "+f.Value)
		}
	}
	s := fmt.Sprintf("at step %d, %s", n, action)
	if actor != "" {
		s = fmt.Sprintf("at step %d %s did %s", n, actor, strings.TrimPrefix(action, actor+": "))
	}
	if len(did) > 0 {
		s += ", after which " + strings.Join(did, ", ")
	}
	if rule != "" {
		s += "; but " + rule
	}
	return s + "."
}

// Explain is a model's statespace.Explainer when its invariants are told
// by rules (property → the rule it forbids breaking): the guilty last step,
// what it changed and the rule. actor may be nil (a model without lanes).
// Deadlocks, liveness lassos and properties without a rule are left to the
// generic account.
func Explain[S comparable](rules map[string]string, actor func(statespace.Action) string, names []string,
	describe func(*S) []statespace.Field, property string, path []S, acts []statespace.Action) statespace.Explanation {
	n := len(acts)
	rule, ok := rules[property]
	if n == 0 || !ok {
		return statespace.Explanation{}
	}
	a := acts[n-1]
	who := ""
	if actor != nil {
		who = actor(a)
	}
	return statespace.Explanation{Violation: Violation(n, who, names[a], describe(&path[n-1]), describe(&path[n]), rule)}
}
