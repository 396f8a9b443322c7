// Package statespace is a generic explicit-state model checker.
//
// A model is a pure, deterministic transition system over a fixed-size,
// comparable state type S: a list of initial states, a fixed table of actions
// (rules), the actions enabled in a state, a pure step function and a list of
// named properties. The package knows nothing about what the states mean.
//
// The checker explores the reachable states breadth first, in parallel and
// deterministically: for any number of workers it reports the same number of
// distinct states, the same number of transitions, the same maximum depth and
// the same shortest counterexample. It stores only 64-bit fingerprints and a
// parent link per state, and rebuilds a counterexample by replaying the model
// from an initial state, checking every fingerprint on the way; with
// Options.FullState it stores every state's value instead, which makes the
// search exact and the traces replay-free.
package statespace

// Action identifies one entry of a model's action table: an index into the
// slice returned by Model.ActionNames. A parameterised rule (a Murphi
// ruleset, a kernel function applied to one of N devices) has one entry per
// parameter value, so that statistics and traces can name it exactly.
type Action uint32

// Model is a transition system the checker can explore.
//
// Every method must be a pure function of its arguments: no clocks, no
// goroutines, no randomness and no map iteration order. The checker calls the
// methods concurrently from several workers.
type Model[S comparable] interface {
	// Init returns the initial states, in a deterministic order.
	Init() []S
	// ActionNames returns the action table: one human-readable label per
	// Action, used in statistics and traces. It must not change over time.
	ActionNames() []string
	// Actions appends to buf the actions enabled in s, in a deterministic
	// order, and returns the extended slice.
	Actions(s *S, buf []Action) []Action
	// Step returns the state reached from s by the enabled action a. It must
	// not modify *s.
	Step(s *S, a Action) S
	// Properties returns the named properties to check.
	Properties() []Property[S]
}

// Expectation says how a property's predicate is judged over the reachable
// states.
type Expectation uint8

const (
	// Always marks an invariant: the predicate holds in every reachable
	// state. A reachable state where it is false is a counterexample.
	Always Expectation = iota
	// Sometimes marks a reachability (cover) property: the predicate holds in
	// at least one reachable state. The shortest path to such a state is an
	// example; a complete search that finds none reports the property as
	// unreachable.
	Sometimes
	// Eventually marks a liveness property "always (Trigger → eventually
	// Holds)": from every reachable state where Trigger holds, every fair
	// infinite behaviour reaches a state where Holds is true. A nil Trigger
	// means the initial states. The counterexample is a lasso (Trace.Loop):
	// a path to a cycle of real transitions, fair to every Fairness group,
	// on which Holds never becomes true; a state without enabled actions
	// counts as a cycle that stutters forever.
	Eventually
)

// String returns "always", "sometimes" or "eventually" ("unknown" for any
// other value).
func (e Expectation) String() string {
	switch e {
	case Always:
		return "always"
	case Sometimes:
		return "sometimes"
	case Eventually:
		return "eventually"
	}
	return "unknown"
}

// Property is a named predicate over states.
type Property[S comparable] struct {
	// Name identifies the property in reports and in Options.Only.
	Name string
	// Expectation says whether the predicate must hold always or sometimes.
	Expectation Expectation
	// Holds reports whether the predicate is true in s.
	Holds func(s *S) bool
	// Trigger is the premise of an Eventually property (nil: the initial
	// states); unused otherwise.
	Trigger func(s *S) bool
}

// Fairness is a weak-fairness constraint: a behaviour in which some action
// of the group stays enabled forever (in every state from some point on)
// must take one of them infinitely often. Liveness is checked only over
// behaviours fair to every group.
type Fairness struct {
	// Name identifies the group in reports.
	Name string
	// Actions are the group's actions: the group is enabled in a state
	// where any of them is enabled, and taken by a step of any of them.
	Actions []Action
}

// FairModel is implemented by models that declare weak fairness for their
// liveness properties (typically: the agents that signal fences make
// progress).
//
// Exactly, a cycle of the state graph is a fair behaviour when every group
// is either taken on an edge of the cycle or disabled in one of its states.
// A step of the group's action that leads back to the same state (a
// self-loop) counts as taken: a group whose only move is to loop is
// satisfied by looping. A state with enabled actions never stutters: the
// behaviour must take one of them (possibly a self-loop); only a state
// without enabled actions stays forever, and no group is enabled there.
type FairModel interface {
	Fairness() []Fairness
}

// WaitEdge is one edge of a wait-for graph: From waits for To, because of
// Why (e.g. "T1" waits for "fence F2", "dma_fence_wait under resv lock").
type WaitEdge struct {
	From, To, Why string
}

// WaitForGraph is implemented by models that can say, in a stuck state,
// who waits for whom. The checker reports a cycle of this graph with a
// deadlock.
type WaitForGraph[S comparable] interface {
	WaitsFor(s *S) []WaitEdge
}

// EndStater is implemented by models that have valid end states. A state
// with no enabled action is a deadlock unless ValidEnd reports true for it
// (with Options.Deadlock = DeadlockStutter: a state that no enabled action
// changes). A model that does not implement EndStater treats every such
// state as a deadlock.
type EndStater[S comparable] interface {
	ValidEnd(s *S) bool
}

// DeadlockModer is implemented by models that declare their notion of
// deadlock: DeadlockOff for a model whose stuck states are fine (a
// protocol that may simply finish), DeadlockStutter for one ported from
// Murphi, whose default it is. The checker consults it only when
// Options.Deadlock is DeadlockDefault, so an explicit option (or the CLI's
// --deadlock flag) overrides the model; NoDeadlock and Only still turn
// detection off. A model that returns DeadlockDefault gets DeadlockStuck.
type DeadlockModer interface {
	DeadlockMode() DeadlockMode
}

// Canonicalizer is implemented by models with symmetry: Canonical returns
// the representative of s's symmetry class, and the checker stores only
// representatives. Canonical must map every member of a class to the same
// representative and must be idempotent.
type Canonicalizer[S comparable] interface {
	Canonical(s S) S
}

// Fingerprinter is implemented by models whose state type cannot be hashed
// as raw memory (it contains padding). Fingerprint must be a stable function
// of the state's value: equal states give equal fingerprints, in every
// process and on every run.
type Fingerprinter[S comparable] interface {
	Fingerprint(s *S) uint64
}

// Field is one named component of a state, rendered for people.
type Field struct {
	Name  string
	Value string
}

// Actorer is implemented by models whose actions belong to agents (the
// CPU, a device, the exporter): traces name the agent of every step, and
// sequence diagrams draw one lane per agent.
type Actorer interface {
	Actor(a Action) string
}

// Describer is implemented by models that render their states for traces.
// Describe returns the state's fields in a fixed order (the same names, in
// the same order, for every state), so that traces can show only what
// changed from one step to the next. Models that do not implement it are
// rendered field by field through reflection.
type Describer[S comparable] interface {
	Describe(s *S) []Field
}
