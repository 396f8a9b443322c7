package pbt

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
	"github.com/zeebo/xxh3"
	"pgregory.net/rapid"
)

// Default budgets. A rapid walk costs about a microsecond per step, a
// gopter walk several (reflection, and its sieve replays every sequence),
// so rapid gets more walks for the same time. A run stops at its first
// failure, so a budget is spent in full only when nothing is found; the
// defaults are sized for bug hunting, with a wide margin over the walks
// the hardest seeded bug of the scenario files needs (docs/testing.md).
// Suites that only confirm a correct design pass smaller budgets.
const (
	DefaultRapidRuns  = 20000
	DefaultGopterRuns = 10000
	DefaultMaxSteps   = 64
	// DefaultShrinkTime caps rapid's shrinking (rapid's own default is
	// 30 s) unless -rapid.shrinktime is given or the run is a soak.
	DefaultShrinkTime = 2 * time.Second
	// SoakFactor multiplies the walks under DMABUFCHECK_SOAK=1.
	SoakFactor = 100
	// distinctCap bounds the set of distinct states a Report counts.
	distinctCap = 1 << 20
)

// Environment variables.
const (
	// EnvSoak raises the budgets: "1" multiplies the walks by SoakFactor,
	// N > 1 by N; either multiplies the walk length by 4.
	EnvSoak = "DMABUFCHECK_SOAK"
	// EnvGopterSeed replays a gopter run: its seed, as printed.
	EnvGopterSeed = "DMABUFCHECK_GOPTER_SEED"
	// EnvSeed fixes the seeds of both drivers (rapid's unless -rapid.seed
	// is given, gopter's unless EnvGopterSeed is).
	EnvSeed = "DMABUFCHECK_SEED"
)

// Options configure one driver run.
type Options struct {
	// Name names the model in trace documents (the scenario).
	Name string
	// Params are the model's parameters, for trace documents.
	Params map[string]string
	// Runs is the number of walks (test cases); 0 means the driver's
	// default (DefaultRapidRuns, DefaultGopterRuns).
	Runs int
	// MaxSteps bounds the length of a walk; 0 means DefaultMaxSteps.
	MaxSteps int
	// Only restricts checking to the named Always properties and, with
	// statespace.DeadlockProperty, deadlock detection, as
	// statespace.Options.Only. Empty means every Always property and
	// deadlock.
	Only []string
	// NoDeadlock turns deadlock detection off.
	NoDeadlock bool
	// ExpectViolation marks a run that is meant to find a bug (a seeded-bug
	// variant): rapid then writes no failfile, since the failure is the
	// expected outcome and not a regression to keep.
	ExpectViolation bool
	// Seed fixes the run's seed. 0 leaves it to -rapid.seed (rapid) or
	// EnvGopterSeed (gopter), then EnvSeed, then a random one.
	Seed int64
}

// Budget is what a run may spend.
type Budget struct {
	Runs, MaxSteps int
	// Soak is the soak multiplier in force (1: none).
	Soak int
}

// Soak returns the soak multiplier from EnvSoak (1 when unset).
func Soak() int {
	v := os.Getenv(EnvSoak)
	if v == "" || v == "0" {
		return 1
	}
	if n, err := strconv.Atoi(v); err == nil && n > 1 {
		return n
	}
	return SoakFactor
}

// BudgetOf returns the budget of a run of driver ("rapid" or "gopter")
// with opt: the defaults, raised by EnvSoak, with the walks set by an
// explicit -rapid.checks.
func BudgetOf(driver string, opt Options) Budget {
	b := Budget{Runs: opt.Runs, MaxSteps: opt.MaxSteps, Soak: Soak()}
	if b.Runs <= 0 {
		b.Runs = DefaultRapidRuns
		if driver == "gopter" {
			b.Runs = DefaultGopterRuns
		}
	}
	if b.MaxSteps <= 0 {
		b.MaxSteps = DefaultMaxSteps
	}
	if b.Soak > 1 {
		b.Runs *= b.Soak
		b.MaxSteps *= 4
	}
	if n, ok := explicitRapidChecks(); ok {
		b.Runs = n
	}
	return b
}

func (b Budget) String() string {
	s := fmt.Sprintf("%d walks of at most %d steps", b.Runs, b.MaxSteps)
	if b.Soak > 1 {
		s += fmt.Sprintf(" (soak ×%d)", b.Soak)
	}
	return s
}

// Report is what one driver run did and found.
type Report struct {
	Driver string
	Name   string
	Budget Budget
	// Walks counts the walks executed, including those replayed while
	// shrinking; Steps the actions taken in them.
	Walks, Steps int
	// Names is the model's action table; Fired counts, per action, how
	// often it was taken.
	Names []string
	Fired []uint64
	// Distinct is the number of distinct states visited (counting stops at
	// 2^20).
	Distinct int
	// Evaluated counts, per checked property (and "deadlock"), its
	// evaluations on states other than the initial ones.
	Evaluated map[string]int
	// Reached counts, per Sometimes property of the model, the visited
	// states where it held: coverage, not a verdict.
	Reached  map[string]int
	Duration time.Duration
	// Violation is the (shrunk) counterexample found, or nil.
	Violation *Found
	// Log holds the library's own messages (rapid's report and its log of
	// draws for the minimal failing case; gopter's result).
	Log []string
	// FirstFailure is the number of walks run when the first violation
	// was met (0: none): how hard the bug was to hit.
	FirstFailure int
	// Seed is the seed the run started from, when the driver reports one.
	Seed int64
	// Err is a failure of the driver itself (a panic in the model, a
	// library error), not a property violation.
	Err error
}

// NeverFired lists the actions that were never taken.
func (r *Report) NeverFired() []string {
	var out []string
	for a, n := range r.Fired {
		if n == 0 {
			out = append(out, r.Names[a])
		}
	}
	return out
}

// Summary is a one-line account of the run.
func (r *Report) Summary() string {
	fired := 0
	for _, n := range r.Fired {
		if n > 0 {
			fired++
		}
	}
	s := fmt.Sprintf("%s: %d walks, %d steps, %d distinct states, %d/%d actions fired, %v (%s)",
		r.Driver, r.Walks, r.Steps, r.Distinct, fired, len(r.Fired), r.Duration.Round(time.Millisecond), r.Budget)
	if v := r.Violation; v != nil {
		s += fmt.Sprintf("; %s violated, shrunk from %d to %d steps", v.Property, v.FirstLength, v.Len())
	}
	return s
}

// Found is a counterexample found by a driver, after shrinking.
type Found struct {
	Property string
	Kind     statespace.Kind
	// Init is the index of the first state in the model's Init(); Actions
	// the path from it.
	Init    int
	Actions []statespace.Action
	// FirstLength is the length of the first failing walk, before
	// shrinking.
	FirstLength int
	// Trace is the path as statespace.Replay rebuilt it; ReplayErr is nil
	// when Replay confirmed that it violates Property.
	Trace     *statespace.Trace
	ReplayErr error
	// Document is the trace for traces' renderers.
	Document *traces.Document
	// Reproduce says how to replay the failure.
	Reproduce string
}

// Len is the number of steps of the counterexample.
func (f *Found) Len() int { return len(f.Actions) }

// Text renders the counterexample with traces' text renderer.
func (f *Found) Text() string {
	if f.Document == nil {
		return fmt.Sprintf("%s violated (no trace: %v)", f.Property, f.ReplayErr)
	}
	var b strings.Builder
	if err := traces.Formats[".txt"](f.Document, &b); err != nil {
		return fmt.Sprintf("%s violated (rendering failed: %v)", f.Property, err)
	}
	return b.String()
}

// failure is a violation seen during a walk.
type failure struct {
	prop string
	kind statespace.Kind
	init int
	path []statespace.Action
}

// engine is the part of a driver that knows the model: stepping,
// checking, statistics.
type engine[S comparable] struct {
	m        statespace.Model[S]
	opt      Options
	budget   Budget
	names    []string
	inits    []S
	canon    statespace.Canonicalizer[S]
	end      statespace.EndStater[S]
	fp       statespace.Fingerprinter[S]
	always   []statespace.Property[S]
	some     []statespace.Property[S]
	deadlock bool
	kt       kindTable

	rep         *Report
	seen        map[S]struct{}
	first, last *failure
	// look is scratch space of the current walk.
	look []statespace.Action
	// step is rapid's generator of one step's draw.
	step *rapid.Generator[stepDraw]
}

func newEngine[S comparable](driver string, m statespace.Model[S], opt Options) (*engine[S], error) {
	e := &engine[S]{m: m, opt: opt, budget: BudgetOf(driver, opt), names: m.ActionNames(), inits: slices.Clone(m.Init())}
	if len(e.inits) == 0 {
		return nil, fmt.Errorf("pbt: the model has no initial states")
	}
	e.canon, _ = m.(statespace.Canonicalizer[S])
	e.end, _ = m.(statespace.EndStater[S])
	e.fp, _ = m.(statespace.Fingerprinter[S])
	selected := func(name string) bool { return len(opt.Only) == 0 || slices.Contains(opt.Only, name) }
	known := map[string]bool{statespace.DeadlockProperty: true}
	for _, p := range m.Properties() {
		known[p.Name] = true
		switch p.Expectation {
		case statespace.Always:
			if selected(p.Name) {
				e.always = append(e.always, p)
			}
		case statespace.Sometimes:
			e.some = append(e.some, p)
		}
	}
	for _, n := range opt.Only {
		if !known[n] {
			return nil, fmt.Errorf("pbt: the model has no property %q", n)
		}
	}
	e.deadlock = !opt.NoDeadlock && selected(statespace.DeadlockProperty)
	if len(e.always) == 0 && !e.deadlock {
		return nil, fmt.Errorf("pbt: nothing to check: no Always property selected and deadlock detection off")
	}
	for i := range e.inits {
		e.inits[i] = e.norm(e.inits[i])
	}
	e.rep = &Report{Driver: driver, Name: opt.Name, Budget: e.budget, Names: e.names, Fired: make([]uint64, len(e.names)),
		Evaluated: map[string]int{}, Reached: map[string]int{}}
	for _, p := range e.always {
		e.rep.Evaluated[p.Name] = 0
	}
	if e.deadlock {
		e.rep.Evaluated[statespace.DeadlockProperty] = 0
	}
	e.seen = map[S]struct{}{}
	return e, nil
}

func (e *engine[S]) norm(s S) S {
	if e.canon != nil {
		return e.canon.Canonical(s)
	}
	return s
}

// visit records a state reached by a walk (a nil action for an initial
// state) and returns the property it violates, or "".
func (e *engine[S]) visit(s *S, enabled []statespace.Action, a *statespace.Action) (string, statespace.Kind) {
	if a != nil {
		e.rep.Steps++
		e.rep.Fired[*a]++
	}
	if len(e.seen) < distinctCap {
		e.seen[*s] = struct{}{}
	}
	for _, p := range e.some {
		if p.Holds(s) {
			e.rep.Reached[p.Name]++
		}
	}
	for _, p := range e.always {
		if a != nil {
			e.rep.Evaluated[p.Name]++
		}
		if !p.Holds(s) {
			return p.Name, statespace.KindInvariant
		}
	}
	if e.deadlock {
		if a != nil {
			e.rep.Evaluated[statespace.DeadlockProperty]++
		}
		if len(enabled) == 0 && (e.end == nil || !e.end.ValidEnd(s)) {
			return statespace.DeadlockProperty, statespace.KindDeadlock
		}
	}
	return "", ""
}

// failed records a violation of a walk.
func (e *engine[S]) failed(prop string, kind statespace.Kind, init int, path []statespace.Action) {
	f := &failure{prop: prop, kind: kind, init: init, path: slices.Clone(path)}
	if e.first == nil {
		e.first = f
		e.rep.FirstFailure = e.rep.Walks
	}
	e.last = f
}

// finish completes the report: statistics, and the counterexample of the
// last failing walk (the shrunk one) replayed through statespace.Replay.
func (e *engine[S]) finish(start time.Time, reproduce string) *Report {
	r := e.rep
	r.Duration = time.Since(start)
	r.Distinct = len(e.seen)
	if e.last == nil {
		return r
	}
	f := &Found{Property: e.last.prop, Kind: e.last.kind, Init: e.last.init, Actions: e.last.path,
		FirstLength: len(e.first.path), Reproduce: reproduce}
	f.Trace, f.ReplayErr = e.replay(e.last)
	if f.Trace != nil {
		v := &statespace.Violation{Property: f.Property, Kind: f.Kind, Trace: f.Trace}
		params := maps.Clone(e.opt.Params)
		if params == nil {
			params = map[string]string{}
		}
		params["driver"] = r.Driver
		f.Document, _ = traces.FromViolation(e.opt.Name, params, v)
	}
	r.Violation = f
	return r
}

// replay confirms a failing walk with statespace.Replay.
func (e *engine[S]) replay(f *failure) (*statespace.Trace, error) {
	s := e.inits[f.init]
	steps := []statespace.ReplayStep{{Action: -1, Fingerprint: e.fingerprint(&s)}}
	for _, a := range f.path {
		s = e.norm(e.m.Step(&s, a))
		steps = append(steps, statespace.ReplayStep{Action: int(a), Label: e.names[a], Fingerprint: e.fingerprint(&s)})
	}
	return statespace.Replay(e.m, f.init, steps, f.prop, -1)
}

// fingerprint is the checker's fingerprint of s: the model's Fingerprinter,
// or XXH3-64 of the state's bytes (statespace/fingerprint.go). Replay
// recomputes it with the checker's code, so a disagreement shows up as a
// replay error rather than passing silently.
func (e *engine[S]) fingerprint(s *S) uint64 {
	if e.fp != nil {
		return e.fp.Fingerprint(s)
	}
	return xxh3.Hash(unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s)))
}

// candidates returns the actions a walk may take next among the enabled
// ones, for a model with valid end states (EndStater). Before the walk's
// last step it leaves out the actions that lead to a valid end state (one
// without enabled actions that the model accepts as an end, e.g. the
// buffer released): otherwise an action enabled from the start, such as
// dma_buf_release on an idle buffer, ends most walks after a handful of
// steps. At the last step it offers only those actions, when there are
// some, so that they fire often enough to be tested. If a filter would
// leave nothing, every enabled action is a candidate.
func (e *engine[S]) candidates(s *S, enabled []statespace.Action, last bool, out []statespace.Action) []statespace.Action {
	out = out[:0]
	if e.end == nil {
		return append(out, enabled...)
	}
	for _, a := range enabled {
		n := e.norm(e.m.Step(s, a))
		// ValidEnd first: it is usually false and cheaper than listing
		// the successor's enabled actions.
		ends := e.end.ValidEnd(&n)
		if ends {
			e.look = e.m.Actions(&n, e.look[:0])
			ends = len(e.look) == 0
		}
		if ends == last {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return append(out, enabled...)
	}
	return out
}

// pathText is a one-line rendering of a walk, for the drivers' messages.
func (e *engine[S]) pathText(path []statespace.Action) string {
	var parts []string
	for _, a := range path {
		parts = append(parts, e.names[a])
	}
	return strings.Join(parts, " → ")
}
