package statespace

import "fmt"

// Rules builds a Model from guarded rules, as a Murphi or TLA+ model is
// written: start states, rules (a name, a guard, an effect), parameterised
// rule sets over index ranges, and properties. The action table (one entry
// per rule instance, in declaration order and, within a rule set, by
// ascending index), ActionNames, Actions and Step follow from the
// declarations; nothing is packed by hand.
//
// The zero value is an empty model ready for declarations; *Rules[S]
// implements Model[S], so it can be checked directly or embedded in a type
// that adds Describe, Canonical or other optional interfaces. Declare
// everything before the first Check: the model must not change while it is
// checked.
//
// A guard is a pure function of the state (and index); a nil guard is
// always true. An effect changes the state it is given (a copy of the
// current state) in place, as a Murphi rule body assigns variables in
// order.
type Rules[S comparable] struct {
	starts []S
	props  []Property[S]
	acts   []ruleInstance[S]
	names  []string
	// deadlock is the model's notion of deadlock (Deadlock).
	deadlock DeadlockMode
}

// ruleInstance is one entry of the action table: exactly one of the
// guard and effect kinds is set, by the number of indices (0, 1 or 2).
type ruleInstance[S comparable] struct {
	g0   func(*S) bool
	g1   func(*S, int) bool
	g2   func(*S, int, int) bool
	e0   func(*S)
	e1   func(*S, int)
	e2   func(*S, int, int)
	i, j int
}

// Start adds initial states, in order.
func (r *Rules[S]) Start(states ...S) *Rules[S] {
	r.starts = append(r.starts, states...)
	return r
}

// Rule adds one rule: in a state where guard holds (nil: always), the
// action name is enabled and leads to the state that effect makes of a
// copy of it.
func (r *Rules[S]) Rule(name string, guard func(*S) bool, effect func(*S)) *Rules[S] {
	if effect == nil {
		panic(fmt.Sprintf("statespace: rule %q has no effect", name))
	}
	r.acts = append(r.acts, ruleInstance[S]{g0: guard, e0: effect})
	r.names = append(r.names, name)
	return r
}

// RuleSet adds one rule per index i in lo..hi (both included, as a Murphi
// ruleset over a subrange), named "name[i]": guard(s, i) enables it and
// effect(s, i) fires it. An empty range (hi = lo-1) adds nothing.
func (r *Rules[S]) RuleSet(name string, lo, hi int, guard func(*S, int) bool, effect func(*S, int)) *Rules[S] {
	checkRange(name, lo, hi, effect == nil)
	for i := lo; i <= hi; i++ {
		r.acts = append(r.acts, ruleInstance[S]{g1: guard, e1: effect, i: i})
		r.names = append(r.names, fmt.Sprintf("%s[%d]", name, i))
	}
	return r
}

// RuleSet2 adds one rule per pair (i, j) with i in lo1..hi1 and j in
// lo2..hi2, ordered by i then j and named "name[i,j]", as a Murphi ruleset
// over two parameters.
func (r *Rules[S]) RuleSet2(name string, lo1, hi1, lo2, hi2 int, guard func(*S, int, int) bool, effect func(*S, int, int)) *Rules[S] {
	checkRange(name, lo1, hi1, effect == nil)
	checkRange(name, lo2, hi2, false)
	for i := lo1; i <= hi1; i++ {
		for j := lo2; j <= hi2; j++ {
			r.acts = append(r.acts, ruleInstance[S]{g2: guard, e2: effect, i: i, j: j})
			r.names = append(r.names, fmt.Sprintf("%s[%d,%d]", name, i, j))
		}
	}
	return r
}

// checkRange panics on a declaration that is a programming error.
func checkRange(name string, lo, hi int, noEffect bool) {
	if noEffect {
		panic(fmt.Sprintf("statespace: rule set %q has no effect", name))
	}
	if hi < lo-1 {
		panic(fmt.Sprintf("statespace: rule set %q has the range %d..%d", name, lo, hi))
	}
}

// Invariant adds an Always property: holds must be true in every reachable
// state.
func (r *Rules[S]) Invariant(name string, holds func(*S) bool) *Rules[S] {
	return r.Property(Property[S]{Name: name, Expectation: Always, Holds: holds})
}

// Reachable adds a Sometimes property: holds must be true in some
// reachable state.
func (r *Rules[S]) Reachable(name string, holds func(*S) bool) *Rules[S] {
	return r.Property(Property[S]{Name: name, Expectation: Sometimes, Holds: holds})
}

// Property adds any property, e.g. an Eventually one.
func (r *Rules[S]) Property(p Property[S]) *Rules[S] {
	r.props = append(r.props, p)
	return r
}

// Deadlock declares the model's notion of deadlock, e.g. DeadlockStutter
// for a model ported from Murphi or DeadlockOff for one whose stuck states
// are fine. An explicit Options.Deadlock overrides it.
func (r *Rules[S]) Deadlock(mode DeadlockMode) *Rules[S] {
	r.deadlock = mode
	return r
}

// DeadlockMode returns the mode declared with Deadlock (DeadlockDefault if
// none): Rules implements DeadlockModer.
func (r *Rules[S]) DeadlockMode() DeadlockMode { return r.deadlock }

// Init returns the start states, in the order added.
func (r *Rules[S]) Init() []S { return r.starts }

// ActionNames returns one name per rule instance: the rule's name, or
// "name[i]" and "name[i,j]" for the instances of rule sets.
func (r *Rules[S]) ActionNames() []string { return r.names }

// Properties returns the properties, in the order added.
func (r *Rules[S]) Properties() []Property[S] { return r.props }

// Actions appends the rule instances whose guard holds in s, in action
// table order.
func (r *Rules[S]) Actions(s *S, buf []Action) []Action {
	for a := range r.acts {
		in := &r.acts[a]
		var ok bool
		switch {
		case in.g1 != nil:
			ok = in.g1(s, in.i)
		case in.g0 != nil:
			ok = in.g0(s)
		case in.g2 != nil:
			ok = in.g2(s, in.i, in.j)
		default:
			ok = true
		}
		if ok {
			buf = append(buf, Action(a))
		}
	}
	return buf
}

// Step fires the rule instance a on a copy of s.
func (r *Rules[S]) Step(s *S, a Action) S {
	n := *s
	in := &r.acts[a]
	switch {
	case in.e1 != nil:
		in.e1(&n, in.i)
	case in.e0 != nil:
		in.e0(&n)
	default:
		in.e2(&n, in.i, in.j)
	}
	return n
}
