package statespace

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Options configure a run of the checker. The zero value is a sensible
// default: all cores, no bounds, every property and deadlock checked.
type Options struct {
	// Workers is the number of goroutines that expand and store states.
	// Zero means runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int
	// MaxStates bounds the distinct states stored. When the reachable
	// states do not fit, the run ends as incomplete with exactly MaxStates
	// states stored, whatever the number of workers: the level of the
	// breadth-first search that does not fit is still generated in full
	// from the level above it (whose states are all expanded and checked),
	// but new states beyond the bound are not stored, and the states of that
	// last level that were stored are not checked (a note says how many).
	// Deciding at the end of the level keeps the count, the transitions and
	// the verdicts independent of the workers. A state space of exactly
	// MaxStates states completes. The liveness pass (unreduced graph) stops
	// likewise before numbering more than MaxStates states. Zero means no
	// bound.
	MaxStates uint64
	// MaxDepth stops the search at this BFS depth (number of steps from an
	// initial state). States at that depth are checked but their successors
	// are not stored; if any of them is new the run is incomplete. Zero means
	// no bound.
	MaxDepth int
	// MemoryBudget stops the run, as incomplete, when the Go heap plus the
	// fingerprint tables (which large runs keep outside the heap) would
	// exceed this many bytes. Zero means no budget.
	MemoryBudget uint64
	// Only restricts checking to the named properties; the name "deadlock"
	// selects deadlock detection. Empty means every property and deadlock
	// detection.
	Only []string
	// Deadlock says which states are deadlocks. The zero value,
	// DeadlockDefault, takes the model's choice (DeadlockModer), else
	// DeadlockStuck; any other value overrides the model.
	Deadlock DeadlockMode
	// NoDeadlock turns deadlock detection off: the same as Deadlock =
	// DeadlockOff, kept as an alias.
	NoDeadlock bool
	// Continue keeps searching after a violation, until the search is
	// complete or a bound ends it, so that every property gets a verdict:
	// each violated invariant (and deadlock) with its own shortest
	// counterexample, each reached cover property with its example, every
	// other invariant "holds" and the liveness properties are checked too.
	// Result.Violation is still the shortest violation (smallest depth,
	// then smallest fingerprint), the one a run without Continue reports;
	// like everything else, the verdicts and traces do not depend on
	// Workers. Without Continue the run stops at the level of the first
	// violation and leaves the undecided properties "unknown". Not with a
	// swarm run.
	Continue bool
	// untilReached ends the search after the level in which every checked
	// Sometimes property was reached (the partial-order reduction's
	// re-run, which wants their examples and nothing else).
	untilReached bool
	// Progress, when set, is called from the checker's coordinating
	// goroutine about every ProgressInterval (default 2s).
	Progress         func(Progress)
	ProgressInterval time.Duration
	// Context, when set, stops the run as incomplete when it is done.
	Context context.Context
	// FullState stores the value of every visited state next to its
	// fingerprint (Stats.StateStoreBytes more memory, StateSize bytes per
	// state). Two states are then the same only when their values are
	// equal, so a fingerprint collision cannot merge different states
	// (Stats.CollisionProbability is 0), and counterexamples are read from
	// the stored states without replaying the model. Counts and traces are
	// those of fingerprint mode whenever fingerprint mode had no collision.
	FullState bool
	// SpillDir, when set, lets the states of the BFS levels (the frontier,
	// usually the largest transient) go to files in this directory: while a
	// level is built, each of the 64 shards of the visited set keeps at most
	// SpillThreshold/64 bytes of its new states in memory and appends the
	// rest to a file; the level is then expanded from the files, streamed
	// back one round ahead. The visited set, the parent links and 16 bytes
	// per state of the level being built stay in memory. Results are
	// identical to an in-memory run. The files live in a fresh
	// subdirectory, are unlinked as soon as they are created (so nothing is
	// left behind even if the process is killed) and the subdirectory is
	// removed when the run ends. An I/O error ends the run as incomplete.
	// Not with FullState; the state type must hold no pointers.
	SpillDir string
	// SpillThreshold is the number of bytes of the level being built kept
	// in memory before spilling; 0 means MemoryBudget/64, or 256 MiB without
	// a budget.
	SpillThreshold uint64
	// ParentsInMemory keeps every state's parent link (the state it was
	// first reached from and the action: 6 bytes per state, read only to
	// rebuild a counterexample) in memory. By default, as in TLC, the links
	// of finished BFS levels go to a file once a run holds about a million
	// of them (16,384 per shard of the visited set), and a trace reads its
	// few links back from it. The file is unlinked as soon as it is
	// created; if it cannot be created or written, the links stay in
	// memory and a note says so.
	ParentsInMemory bool
	// ParentDir is the directory of the parent link file; default
	// SpillDir, else os.TempDir(). Not with ParentsInMemory.
	ParentDir string
	// Swarm, when set, makes Check run one member of a swarm of bounded
	// random walks (see Swarm) instead of the exhaustive search. Workers,
	// Only, Deadlock, NoDeadlock, Context, MemoryBudget and Progress apply
	// (they override the same fields of SwarmOptions); MaxStates, MaxDepth,
	// FullState and SpillDir must be zero (a swarm's bounds are its own).
	Swarm *SwarmOptions
	// PartialOrder explores, from each state, only the ample set the model
	// chooses (PartialOrder) when the model implements it; ignored
	// otherwise, with DeadlockStutter (a stuttering deadlock is not
	// preserved by the reduction) and by swarms, with a note. Verdicts of
	// Always and Sometimes properties and of deadlock are those of the full
	// graph (the model's C0–C3). Traces are the unreduced search's: when the
	// reduced search finds a violation at depth d, the run's result is that
	// of the unreduced search bounded to depth d (which stops at the same
	// first violation as an unbounded one), and Sometimes examples come from
	// the unreduced search bounded to their depth. The liveness pass always
	// explores the unreduced graph. Result.PartialOrder says what ran.
	PartialOrder bool
}

// DeadlockProperty is the name under which deadlocks are reported and
// selected in Options.Only.
const DeadlockProperty = "deadlock"

// DeadlockMode is the notion of deadlock a run checks (Options.Deadlock).
//
// A valid end state (EndStater) is never a deadlock. Liveness is not
// affected by the mode: in the liveness pass a state without enabled
// actions stutters forever, and a state with enabled actions never
// stutters (its self-loops are real transitions).
type DeadlockMode uint8

const (
	// DeadlockDefault is the zero value of Options.Deadlock: the mode the
	// model declares (DeadlockModer), or DeadlockStuck for a model that
	// declares none.
	DeadlockDefault DeadlockMode = iota
	// DeadlockStuck, the default for a model that declares no mode, reports
	// a stuck state: one in which no
	// action is enabled and that is not a valid end state. A state whose
	// every enabled action leads back to itself is not stuck (something can
	// always happen, even if nothing changes); SPIN's "invalid end state" is
	// this notion.
	DeadlockStuck
	// DeadlockStutter reports, as Murphi (CMurphi) and Rumur do by default
	// (Rumur's --deadlock-detection stuttering), a state in which no enabled
	// action changes the state: a stuck state, or one whose every enabled
	// action leads back to the state itself (compared before symmetry
	// reduction, so a step to a symmetric image is a change); valid end
	// states excepted. Every stuck state is a stuttering deadlock; the
	// converse does not hold.
	DeadlockStutter
	// DeadlockOff turns deadlock detection off.
	DeadlockOff
)

// String returns "default", "stuck", "stutter" or "off".
func (d DeadlockMode) String() string {
	switch d {
	case DeadlockDefault:
		return "default"
	case DeadlockStuck:
		return "stuck"
	case DeadlockStutter:
		return "stutter"
	case DeadlockOff:
		return "off"
	}
	return fmt.Sprintf("DeadlockMode(%d)", uint8(d))
}

// ParseDeadlockMode reads "stuck", "stutter" or "off".
func ParseDeadlockMode(s string) (DeadlockMode, error) {
	for _, d := range []DeadlockMode{DeadlockStuck, DeadlockStutter, DeadlockOff} {
		if s == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("unknown deadlock mode %q: want stuck, stutter or off", s)
}

// Status is the outcome of a run.
type Status string

const (
	// StatusOK means the search was exhaustive and every property holds.
	StatusOK Status = "ok"
	// StatusViolation means a property is violated (see Result.Violation).
	StatusViolation Status = "violation"
	// StatusIncomplete means a bound or an interruption ended the search
	// before every reachable state was explored, and nothing was violated in
	// the part that was explored.
	StatusIncomplete Status = "incomplete"
)

// Kind classifies a violation.
type Kind string

const (
	// KindInvariant is an "always" property that is false in a reachable state.
	KindInvariant Kind = "invariant"
	// KindDeadlock is a reachable state that is a deadlock in the run's
	// DeadlockMode: by default no action is enabled there and it is not a
	// valid end state (with DeadlockStutter: no enabled action changes it).
	KindDeadlock Kind = "deadlock"
	// KindUnreachable is a "sometimes" property that no reachable state
	// satisfies (only reported after an exhaustive search).
	KindUnreachable Kind = "unreachable"
	// KindLiveness is an "eventually" property with a fair lasso on which it
	// never holds (Trace.Loop marks the cycle).
	KindLiveness Kind = "liveness"
)

// Violation is a property that does not hold, with the shortest trace that
// shows it (no trace for KindUnreachable).
type Violation struct {
	Property string
	Kind     Kind
	Trace    *Trace
	// Waits is, for a deadlock in a model that implements WaitForGraph,
	// who waits for whom in the stuck state; Cycle is a cycle of it, when
	// there is one (the deadlock's cause), in order.
	Waits, Cycle []WaitEdge
}

// Length is the number of steps of the counterexample (transitions after
// the initial state), or 0 when there is no trace.
func (v *Violation) Length() int {
	if v == nil || v.Trace == nil {
		return 0
	}
	return v.Trace.Len()
}

// PropertyResult is the verdict on one property.
type PropertyResult struct {
	Name        string
	Expectation Expectation
	// Verdict is "holds", "violated", "reached", "unreached", "unknown"
	// (the search ended, at a bound or at another property's violation,
	// before a verdict was possible; see Options.Continue) or "not checked"
	// (left out by Options.Only or, for deadlock, detection off).
	Verdict string
	// Trace is the shortest counterexample (always) or example (sometimes).
	Trace *Trace
}

// ActionStats counts what one action did during the search.
type ActionStats struct {
	Name string
	// Enabled counts the expanded states in which the action was enabled;
	// each is one generated transition.
	Enabled uint64
	// Changed counts the transitions that led to a state different from
	// the source state (before symmetry reduction).
	Changed uint64
	// New counts the distinct states first reached through this action.
	// When MaxStates stopped the run, the states of the last, partly stored
	// level are not counted: which of them fitted in the bound depends on
	// the workers.
	New uint64
}

// Stats describes a run.
type Stats struct {
	Workers int
	// States is the number of distinct (canonical) states stored.
	States uint64
	// Transitions is the number of generated successors, including those
	// that were already stored (Rumur's "rules fired").
	Transitions uint64
	// MaxDepth is the greatest BFS depth of a stored state.
	MaxDepth int
	Duration time.Duration
	// TableBytes is the memory of the fingerprint tables, TraceBytes that of
	// the parent links held in memory at the end (those on disk are
	// ParentFileBytes), FrontierBytes the peak memory of the BFS levels.
	TableBytes, TraceBytes, FrontierBytes uint64
	// HeapBytes is the peak memory of the run observed: the Go heap plus
	// the fingerprint tables, which large runs keep outside it.
	HeapBytes uint64
	// StateSize is the size in bytes of one state value.
	StateSize int
	// Mode is how visited states are stored: ModeFingerprint or
	// ModeFullState (Options.FullState).
	Mode string
	// StateStoreBytes is the memory of the stored state values (full-state
	// mode; 0 otherwise).
	StateStoreBytes uint64
	// SpilledBytes is the number of bytes of states written to spill files
	// (Options.SpillDir); each byte was read back once.
	SpilledBytes uint64
	// ParentFileBytes is the number of bytes of parent links written to
	// the parent file (Options.ParentsInMemory); 6 per state written.
	ParentFileBytes uint64
	// LivenessStates and LivenessTransitions are the states and edges of
	// the graph explored by the liveness pass (Eventually properties), which
	// is not reduced by symmetry and finds its states again by fingerprint
	// too; 0 when the pass did not run.
	LivenessStates, LivenessTransitions uint64
	// Swarm describes a swarm member's run (Mode ModeSwarm), nil otherwise.
	// Such a run stores no state: States is 0 and Transitions counts the
	// steps of its walks.
	Swarm   *SwarmStats
	Actions []ActionStats
}

// The storage modes reported in Stats.Mode.
const (
	// ModeFingerprint stores a 64-bit fingerprint per visited state.
	ModeFingerprint = "fingerprint"
	// ModeFullState stores every visited state's value (Options.FullState).
	ModeFullState = "full-state"
)

// StatesPerSecond is the rate of new distinct states.
func (s *Stats) StatesPerSecond() float64 {
	sec := s.Duration.Seconds()
	if sec <= 0 {
		return 0
	}
	return float64(s.States) / sec
}

// BytesPerState is the peak Go heap divided by the distinct states.
func (s *Stats) BytesPerState() float64 {
	if s.States == 0 {
		return 0
	}
	return float64(s.HeapBytes) / float64(s.States)
}

// CollisionProbability is the probability that, somewhere in the run, two
// distinct states shared a fingerprint, so that one of them was wrongly
// taken as already seen. It covers the whole run: the safety search
// (States, Transitions) and the liveness pass (LivenessStates,
// LivenessTransitions), whose unreduced graph is fingerprinted too. Each
// pass contributes TLC's optimistic estimate x = n·(g−n)/2⁶⁴, with n
// distinct states and g generated transitions; the result is 1−e^(−Σx) (≈ Σx
// while small, never above 1). It is 0 in full-state mode, where both passes
// compare states by value.
func (s *Stats) CollisionProbability() float64 {
	if s.Mode == ModeFullState {
		return 0
	}
	x := collisionEstimate(s.States, s.Transitions) + collisionEstimate(s.LivenessStates, s.LivenessTransitions)
	// 1−e^(−x) ≈ x while x is small, and never exceeds 1.
	return -math.Expm1(-x)
}

// collisionEstimate is TLC's n·(g−n)/2⁶⁴ for n distinct states among g
// generated ones.
func collisionEstimate(states, transitions uint64) float64 {
	n, g := float64(states), float64(transitions)
	if g < n {
		g = n
	}
	return n * (g - n) / math.Exp2(64)
}

// Vacuous lists the findings about actions that did nothing: actions never
// enabled in any reachable state, and actions that were enabled but never
// changed the state. A complete run with such findings may be passing
// vacuously.
func (s *Stats) Vacuous() []string {
	var out []string
	for _, a := range s.Actions {
		switch {
		case a.Enabled == 0:
			out = append(out, fmt.Sprintf("action %s never enabled", a.Name))
		case a.Changed == 0:
			out = append(out, fmt.Sprintf("action %s never changed the state", a.Name))
		}
	}
	return out
}

// Result is the outcome of a run.
type Result struct {
	Status Status
	// Incomplete names the bound that ended an incomplete search
	// ("max states", "max depth", "memory budget", "interrupted", "state id
	// space exhausted", "spill failed: ...", or for a swarm member that
	// found nothing "swarm shard i/n: ..."); empty for a complete search.
	Incomplete string
	// Violation is the first violation found (shortest trace; among equally
	// short ones the first property in model order, then deadlock).
	Violation *Violation
	// Properties holds one verdict per property of the model, in model
	// order, followed by the verdict on deadlock (named DeadlockProperty).
	Properties []PropertyResult
	Stats      Stats
	// Notes are remarks a careful user should read with the verdict (e.g.
	// that liveness ignored the model's symmetry reduction).
	Notes []string
	// PartialOrder is set when the run used the partial-order reduction
	// (Options.PartialOrder and a model that implements PartialOrder).
	PartialOrder *PartialOrderStats
}

// Progress is a snapshot of a run in progress.
type Progress struct {
	Depth       int
	States      uint64
	Transitions uint64
	// Queue is the number of states still to expand in the current level
	// plus those already stored for the next one.
	Queue    uint64
	Elapsed  time.Duration
	HeapByte uint64
}
