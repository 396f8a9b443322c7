package pbt

import (
	"flag"
	"fmt"
	"math/bits"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"pgregory.net/rapid"
)

// rapid reads its budget from process-wide flags (-rapid.checks,
// -rapid.nofailfile, -rapid.seed, -rapid.shrinktime). Rapid sets them for
// the length of one run and restores them, under this lock: rapid runs do
// not overlap.
var rapidMu sync.Mutex

var rapidFlags struct {
	once      sync.Once
	checks    int
	checksSet bool
	seedSet   bool
	shrinkSet bool
}

// detectRapidFlags records, once and before pbt touches them, which rapid
// flags the user set on the command line or through rapid's environment
// variables.
func detectRapidFlags() {
	rapidFlags.once.Do(func() {
		flag.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "rapid.checks":
				if n, err := strconv.Atoi(f.Value.String()); err == nil {
					rapidFlags.checks, rapidFlags.checksSet = n, true
				}
			case "rapid.seed":
				rapidFlags.seedSet = true
			case "rapid.shrinktime":
				rapidFlags.shrinkSet = true
			}
		})
		if v, ok := os.LookupEnv("RAPID_CHECKS"); ok && !rapidFlags.checksSet {
			if n, err := strconv.ParseInt(v, 0, 64); err == nil {
				rapidFlags.checks, rapidFlags.checksSet = int(n), true
			}
		}
		if _, ok := os.LookupEnv("RAPID_SEED"); ok {
			rapidFlags.seedSet = true
		}
		if _, ok := os.LookupEnv("RAPID_SHRINKTIME"); ok {
			rapidFlags.shrinkSet = true
		}
	})
}

// explicitRapidChecks returns the number of checks the user asked rapid
// for, if any.
func explicitRapidChecks() (int, bool) {
	detectRapidFlags()
	return rapidFlags.checks, rapidFlags.checksSet && rapidFlags.checks > 0
}

// setFlag sets a process flag and returns a function that restores it. A
// flag that does not exist (rapid not linked in) is left alone.
func setFlag(name, value string) func() {
	f := flag.Lookup(name)
	if f == nil {
		return func() {}
	}
	old := f.Value.String()
	_ = f.Value.Set(value)
	return func() { _ = f.Value.Set(old) }
}

// Rapid runs m under pgregory.net/rapid with opt and returns what it did.
// It does not fail t for a property violation: the Report carries it, for
// AssertNoViolation or AssertFinds to judge. It stops t only when the
// options do not fit the model.
//
// A run that is expected to pass writes rapid's failfile on failure
// (testdata/rapid/<t.Name()>/), which later runs of the test replay first.
func Rapid[S comparable](t testing.TB, m statespace.Model[S], opt Options) *Report {
	t.Helper()
	e, err := newEngine("rapid", m, opt)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	rapidMu.Lock()
	defer rapidMu.Unlock()
	defer setFlag("rapid.checks", strconv.Itoa(e.budget.Runs))()
	if !rapidFlags.shrinkSet && e.budget.Soak == 1 {
		defer setFlag("rapid.shrinktime", DefaultShrinkTime.String())()
	}
	if opt.ExpectViolation {
		defer setFlag("rapid.nofailfile", "true")()
	}
	// A seed in the options wins; then -rapid.seed; then EnvSeed.
	if seed := seedOf(opt); opt.Seed != 0 || seed != 0 && !rapidFlags.seedSet {
		defer setFlag("rapid.seed", strconv.FormatUint(uint64(seed), 10))()
	}
	rec := &recorder{name: t.Name()}
	e.step = stepGen(choiceBits(len(e.names)))
	start := time.Now()
	rapid.Check(rec, e.rapidWalk)
	r := e.finish(start, rec.reproduce())
	r.Log = rec.log
	r.Seed = rec.seed()
	if rec.failed && r.Violation == nil {
		r.Err = fmt.Errorf("rapid failed without a property violation (a panic in the model?):\n%s", strings.Join(rec.log, "\n"))
	}
	return r
}

// seedOf is the seed fixed by the options or EnvSeed, or 0.
func seedOf(opt Options) int64 {
	if opt.Seed != 0 {
		return opt.Seed
	}
	if v := os.Getenv(EnvSeed); v != "" {
		if n, err := strconv.ParseInt(v, 0, 64); err == nil {
			return n
		}
	}
	return 0
}

// rapidWalk is one rapid test case: an initial state, then steps until
// the walk stops (see stepDraw) or reaches Budget.MaxSteps or a state
// without enabled actions, checking every state reached.
func (e *engine[S]) rapidWalk(t *rapid.T) {
	e.rep.Walks++
	init := 0
	if len(e.inits) > 1 {
		init = rapid.IntRange(0, len(e.inits)-1).Draw(t, "init")
	}
	s := e.inits[init]
	enabled := e.m.Actions(&s, nil)
	var path []statespace.Action
	if p, k := e.visit(&s, enabled, nil); p != "" {
		e.rapidFail(t, p, k, init, path)
	}
	var cands []statespace.Action
	for len(path) < e.budget.MaxSteps && len(enabled) > 0 {
		d := e.step.Draw(t, fmt.Sprintf("step %d", len(path)+1))
		last := d.Last || len(path) == e.budget.MaxSteps-1
		cands = e.candidates(&s, enabled, last, cands)
		a := e.choose(d.Choice, cands)
		t.Logf("step %d: %s", len(path)+1, lazy(func() string { return e.names[a] }))
		s = e.norm(e.m.Step(&s, a))
		path = append(path, a)
		enabled = e.m.Actions(&s, enabled[:0])
		if p, k := e.visit(&s, enabled, &a); p != "" {
			e.rapidFail(t, p, k, init, path)
		}
		if last {
			break
		}
	}
}

// stepDraw is one step's draw: whether the walk stops after this step,
// and which action it takes. Both come from one rapid group of unbiased
// random bits (rapid's own integer generators favour small values, which
// would skew the walk towards the first actions of the table), so that
// when rapid deletes a step while shrinking it deletes both, and the
// steps after it keep their meaning.
type stepDraw struct {
	// Last: the walk stops after this step. It is drawn as stopBits
	// zero bits, so a walk has about 2^stopBits steps on average (at
	// most Budget.MaxSteps), and shrinking (bits towards zero) ends walks
	// earlier.
	Last bool
	// Choice names the action; see choose.
	Choice uint32
}

// stopBits sets the mean walk length: 2^5 = 32 steps.
const stopBits = 5

// stepGen draws a stepDraw with a choice of width bits.
func stepGen(width int) *rapid.Generator[stepDraw] {
	return rapid.Custom(func(t *rapid.T) stepDraw {
		var d stepDraw
		var stop uint32
		for i := range stopBits {
			if rapid.Bool().Draw(t, "") {
				stop |= 1 << i
			}
		}
		d.Last = stop == 0
		for i := range width {
			if rapid.Bool().Draw(t, "") {
				d.Choice |= 1 << i
			}
		}
		return d
	})
}

// choose maps a step's choice v to a candidate: action v mod len(table) if
// that action is a candidate, otherwise the candidate the remaining bits
// pick. Every candidate is equally likely, and the choice is tied to the
// action's identity rather than to its position in the candidate list:
// when rapid deletes an earlier step while shrinking, the later choices
// still name the same actions wherever they are enabled, which is what
// lets it shrink to (near) BFS-shortest counterexamples. A choice shrunk
// towards 0 moves to the start of the action table (for a parameterised
// action: the smallest device or line index).
func (e *engine[S]) choose(v uint32, cands []statespace.Action) statespace.Action {
	n := uint32(len(e.names))
	a := statespace.Action(v % n)
	if !slices.Contains(cands, a) {
		a = cands[(v/n)%uint32(len(cands))]
	}
	return a
}

// choiceBits is the width of a step's choice for a table of n actions: v
// mod n is then uniform within 1/32, and v / n leaves at least 32 values to
// pick a candidate with when action v mod n is not enabled.
func choiceBits(n int) int {
	return min(max(bits.Len(uint(n))+5, 8), 30)
}

// rapidFail reports a violation to rapid. Invariants and deadlocks fail
// from different lines: rapid keeps a shrink only when the failure comes
// from the same place, so a shrunk invariant violation stays one.
func (e *engine[S]) rapidFail(t *rapid.T, p string, k statespace.Kind, init int, path []statespace.Action) {
	e.failed(p, k, init, path)
	t.Logf("path: %v", lazy(func() string { return e.pathText(path) }))
	if k == statespace.KindDeadlock {
		t.Fatalf("deadlock after %d steps: no action is enabled and this is not a valid end state", len(path))
	}
	t.Fatalf("%s violated after %d steps", p, len(path))
}

// lazy renders only when printed: rapid formats log messages only for the
// run it shows.
type lazy func() string

func (l lazy) String() string { return l() }

// recorder is the rapid.TB of a run: it keeps rapid's messages for the
// Report instead of failing the test, so that a seeded bug's expected
// failure does not fail it and an unexpected one is reported with its
// trace.
type recorder struct {
	name   string
	failed bool
	log    []string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return r.name }
func (r *recorder) Logf(f string, a ...any)   { r.log = append(r.log, fmt.Sprintf(f, a...)) }
func (r *recorder) Log(a ...any)              { r.log = append(r.log, fmt.Sprint(a...)) }
func (r *recorder) Skipf(f string, a ...any)  { r.Logf("skip: "+f, a...) }
func (r *recorder) Skip(a ...any)             { r.Log(append([]any{"skip: "}, a...)...) }
func (r *recorder) SkipNow()                  { r.Log("skip") }
func (r *recorder) Errorf(f string, a ...any) { r.failed = true; r.Logf(f, a...) }
func (r *recorder) Error(a ...any)            { r.failed = true; r.Log(a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = true; r.Logf(f, a...) }
func (r *recorder) Fatal(a ...any)            { r.failed = true; r.Log(a...) }
func (r *recorder) FailNow()                  { r.failed = true }
func (r *recorder) Fail()                     { r.failed = true }
func (r *recorder) Failed() bool              { return r.failed }

var (
	reproduceRE = regexp.MustCompile(`To reproduce, specify ([^\n]*)`)
	seedRE      = regexp.MustCompile(`-rapid\.seed=([0-9]+)`)
)

// reproduce extracts rapid's instructions to replay the failure.
func (r *recorder) reproduce() string {
	for _, l := range r.log {
		if m := reproduceRE.FindStringSubmatch(l); m != nil {
			return "go test " + m[1]
		}
	}
	return ""
}

func (r *recorder) seed() int64 {
	for _, l := range r.log {
		if m := seedRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 64)
			return int64(n)
		}
	}
	return 0
}
