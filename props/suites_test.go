package props_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/pbt"
)

// The property-based suites: the rapid and gopter drivers of
// statespace/pbt walk the worlds of the scenario files at random, checking
// every safety property and deadlock after every step.
//
//   - TestCorrectDesignsPassPBT: every file whose expectations say that
//     all its safety properties and deadlock freedom hold. Neither driver
//     finds a violation, and neither run is vacuous: enough steps and
//     distinct states, every action that can fire fired, every property
//     evaluated beyond the initial state.
//   - TestSeededBugsFoundByPBT: every file that violates a safety
//     property or deadlocks. Both drivers find its shortest-pinned
//     violation within their default budgets; the shrunk counterexample is
//     replayed and confirmed by exhaustive search bounded by its length,
//     which finds the BFS-shortest length the file pins (pbt.AssertFinds);
//     rapid shrinks to that length on at least 2 bugs in 3 (9 in 10
//     measured), and the table of shrunk lengths is logged.
//   - large_test.go: configurations too big for exhaustive search.
//   - example_test.go: a property of one's own, run three ways.

// correctBudget is the walks of the correct-design suite: enough to fire
// every reachable action of every file, a fraction of the defaults (which
// are sized for finding bugs). DMABUFCHECK_SOAK raises it.
var correctBudget = struct{ rapid, gopter int }{rapid: 1500, gopter: 400}

// deep lists the correct designs whose rarest actions need more walks
// than correctBudget, with the budget they get, and what random walks
// reach too rarely to require of every run (measured over runs of the
// suite). Exhaustive search fires every action (TestEveryCallKindFires).
var deep = map[string]struct {
	rapid, gopter int
	// rare are actions a run may miss; adversary is an agent whose
	// actions a run may each miss, as long as it takes one of them.
	rare      []string
	adversary string
}{
	// The exporter's wait for the fence inside a remote begin_cpu_access:
	// the request must reach vm-a while the frame's fence is unsignalled
	// (gopter missed it in 1 run of 8 to 20 at 400 walks).
	"scenarios/crossvm-exporter-only.yaml":         {rapid: 1500, gopter: 1500},
	"scenarios/crossvm-fence-proxy.yaml":           {rapid: 1500, gopter: 1500},
	"scenarios/crossvm-fence-proxy-unordered.yaml": {rapid: 1500, gopter: 1500},
	"scenarios/crossvm-hyper-dmabuf-acked.yaml":    {rapid: 1500, gopter: 1500},
	// Lossy rings: each message lost in flight is an action of the rings'
	// adversary, and those late in the protocol need the export, begin
	// and end round trips to go through first, any earlier loss stalling
	// them (for good, without retransmission); so does the wait above.
	"scenarios/crossvm-hyper-dmabuf-lossy.yaml": {rapid: 3000, gopter: 1500, adversary: "rings",
		rare: []string{"vm-a back ring: dma_resv_wait_timeout in begin_cpu_access"}},
	"scenarios/crossvm-hyper-dmabuf-lossy-retry.yaml": {rapid: 3000, gopter: 1500, adversary: "rings",
		rare: []string{"vm-a back ring: dma_resv_wait_timeout in begin_cpu_access"}},
	// The second job's lock contention: both importers must finish their
	// first job without meeting, then meet.
	// Their backoffs in the second job are enabled in 2 to 12 of the
	// world's states (a run misses some about one time in three).
	"scenarios/deadlock-ww-mutex-misuse-fixed.yaml": {rapid: 4000, gopter: 2000, rare: []string{
		"importer0: dma_resv_lock(bo0, &ctx) = -EALREADY [job 2]",
		"importer0: dma_resv_lock(bo0, &ctx) = -EDEADLK [job 2]",
		"importer0: dma_resv_lock_slow(bo0, &ctx) [job 2]",
		"importer0: dma_resv_lock(bo1, &ctx) = -EALREADY [job 2]",
		"importer0: dma_resv_lock(bo1, &ctx) = -EDEADLK [job 2]",
		"importer0: dma_resv_lock_slow(bo1, &ctx) [job 2]",
		"importer1: dma_resv_lock(bo0, &ctx) = -EALREADY [job 2]",
		"importer1: dma_resv_lock(bo0, &ctx) = -EDEADLK [job 2]",
		"importer1: dma_resv_lock_slow(bo0, &ctx) [job 2]",
		"importer1: dma_resv_lock(bo1, &ctx) = -EALREADY [job 2]",
		"importer1: dma_resv_lock(bo1, &ctx) = -EDEADLK [job 2]",
		"importer1: dma_resv_lock_slow(bo1, &ctx) [job 2]",
	}},
	// The callback's fput is the last one only when the app's close and
	// the poll's own put both came first (gopter missed it in 1 run of 3
	// at 400 walks).
	"scenarios/life-poll-callback-after-close-fixed.yaml": {rapid: 1500, gopter: 1500},
}

// safety lists the safety properties of the file's world and deadlock:
// what the drivers check.
func (f file) safety() []string {
	return append(f.m.SafetyPropertyNames(), statespace.DeadlockProperty)
}

// expectation returns what the file expects of property, if it says.
func (f file) expectation(property string) (scenario.Expectation, bool) {
	for _, e := range f.opt.Expect {
		if e.Property == property {
			return e, true
		}
	}
	return scenario.Expectation{}, false
}

// correct reports whether the file expects every safety property and
// deadlock freedom to hold.
func (f file) correct() bool {
	for _, p := range f.safety() {
		if e, ok := f.expectation(p); !ok || e.Verdict != "holds" {
			return false
		}
	}
	return true
}

// bug returns the safety property (or deadlock) the file violates with the
// shortest pinned counterexample (ties: model order), if any.
func (f file) bug() (scenario.Expectation, bool) {
	var best scenario.Expectation
	found := false
	for _, p := range f.safety() {
		if e, ok := f.expectation(p); ok && e.Verdict == "violated" && e.Length > 0 && (!found || e.Length < best.Length) {
			best, found = e, true
		}
	}
	return best, found
}

func TestCorrectDesignsPassPBT(t *testing.T) {
	t.Parallel()
	n := 0
	for _, path := range scenarioFiles(t) {
		f := load(t, path)
		if !f.correct() {
			continue
		}
		n++
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			// Exhaustive search that checks nothing says which actions can
			// fire at all and how many states there are.
			all := f.check(t, statespace.Options{Only: []string{statespace.DeadlockProperty}, NoDeadlock: true})
			var never []string
			for _, a := range all.Stats.Actions {
				if a.Enabled == 0 {
					never = append(never, a.Name)
				}
			}
			g := f.generic(t)
			opt := pbt.Options{Name: path, Only: f.safety()}
			rapidRuns, gopterRuns := correctBudget.rapid, correctBudget.gopter
			d, isDeep := deep[path]
			if isDeep {
				rapidRuns, gopterRuns = d.rapid, d.gopter
			}
			// A walk is at most as long as the longest path of the world:
			// a world whose every run ends in one step cannot give a
			// thousand steps in fewer walks.
			need := pbt.Min{Steps: min(1000, min(rapidRuns, gopterRuns)*all.Stats.MaxDepth), Distinct: int(min(100, all.Stats.States/2)), Unreachable: never}
			if isDeep {
				excused := slices.Clone(d.rare)
				for _, a := range all.Stats.Actions {
					if d.adversary != "" && strings.HasPrefix(a.Name, d.adversary+": ") {
						excused = append(excused, a.Name)
					}
				}
				for _, a := range excused {
					if i := slices.IndexFunc(all.Stats.Actions, func(s statespace.ActionStats) bool { return s.Name == a }); i < 0 || all.Stats.Actions[i].Enabled == 0 {
						t.Errorf("the rare action %q is not an action that can fire (update deep)", a)
					}
				}
				need.Unreachable = append(need.Unreachable, excused...)
			}
			o := opt
			o.Runs = rapidRuns
			r := g.rapid(t, o)
			o.Runs = gopterRuns
			gr := g.gopter(t, o)
			for _, rep := range []*pbt.Report{r, gr} {
				pbt.AssertNoViolation(t, rep)
				pbt.AssertNonVacuous(t, rep, need)
				if isDeep && d.adversary != "" && !adversaryActed(rep, d.adversary) {
					t.Errorf("%s %s: the %s never acted", rep.Driver, path, d.adversary)
				}
				t.Log(rep.Summary())
			}
		})
	}
	if n < 40 {
		t.Errorf("only %d correct designs among the scenario files; the suite expects the built-ins' 40 or more", n)
	}
}

// adversaryActed reports whether some action of the agent fired in r.
func adversaryActed(r *pbt.Report, agent string) bool {
	for a, n := range r.Fired {
		if n > 0 && strings.HasPrefix(r.Names[a], agent+": ") {
			return true
		}
	}
	return false
}

// bugRow is one line of the shrunk-against-BFS table.
type bugRow struct {
	path, property string
	bfs            int
	rapid, gopter  *pbt.Report
}

func (b bugRow) cell(r *pbt.Report) string {
	if r == nil || r.Violation == nil {
		return "not found"
	}
	return fmt.Sprintf("%d (from %d, walk %d)", r.Violation.Len(), r.Violation.FirstLength, r.FirstFailure)
}

func TestSeededBugsFoundByPBT(t *testing.T) {
	t.Parallel()
	// The bugs run in parallel (rapid runs still take turns: see
	// pbt.Rapid); the table keeps the files' order.
	var mu sync.Mutex
	var rows []bugRow
	t.Run("files", func(t *testing.T) {
		for _, path := range scenarioFiles(t) {
			f := load(t, path)
			bug, ok := f.bug()
			if !ok {
				continue
			}
			t.Run(path, func(t *testing.T) {
				t.Parallel()
				row := bugCase(t, f, bug)
				mu.Lock()
				rows = append(rows, row)
				mu.Unlock()
			})
		}
	})
	if len(rows) < 40 {
		t.Errorf("only %d seeded bugs among the scenario files; the suite expects the built-ins' 40 or more", len(rows))
	}
	slices.SortFunc(rows, func(x, y bugRow) int { return strings.Compare(x.path, y.path) })
	var b strings.Builder
	fmt.Fprintf(&b, "shrunk counterexamples: length (from the first failing walk's length, at walk); budgets: rapid %s, gopter %s\n",
		pbt.BudgetOf("rapid", pbt.Options{}), pbt.BudgetOf("gopter", pbt.Options{}))
	fmt.Fprintf(&b, "%-60s %-40s %4s  %-24s %-24s\n", "file", "property", "BFS", "rapid", "gopter")
	shortest := map[string]int{}
	for _, r := range rows {
		fmt.Fprintf(&b, "%-60s %-40s %4d  %-24s %-24s\n", r.path, r.property, r.bfs, r.cell(r.rapid), r.cell(r.gopter))
		for _, rep := range []*pbt.Report{r.rapid, r.gopter} {
			if v := rep.Violation; v != nil && v.Len() == r.bfs {
				shortest[rep.Driver]++
			}
		}
	}
	fmt.Fprintf(&b, "shrunk to the BFS-shortest length: rapid %d of %d, gopter %d of %d\n", shortest["rapid"], len(rows), shortest["gopter"], len(rows))
	t.Log("\n" + b.String())
	// rapid's shrinker reaches the BFS-shortest length on about 9 bugs in
	// 10 (measured: 73 to 76 of 81 per run; a miss is a local minimum of
	// its shrinker, not its time budget: the same with 30 s to shrink),
	// gopter's on about three in four (58 to 64; docs/testing.md §5).
	// Fewer than 2 in 3 is a regression of the driver.
	if len(rows) > 0 && shortest["rapid"]*3 < len(rows)*2 {
		t.Errorf("rapid shrank only %d of %d seeded bugs to the BFS-shortest length; it reaches 73 to 76 of 81 (docs/testing.md §5)", shortest["rapid"], len(rows))
	}
}

// bugCase runs both drivers on a file's seeded bug. Each must find it,
// and its shrunk counterexample must pass the differential checks of
// pbt.AssertFinds: replayed through the model, and confirmed by
// exhaustive search bounded by its length, whose shortest violation is
// the length the file pins.
func bugCase(t *testing.T, f file, bug scenario.Expectation) bugRow {
	t.Helper()
	g := f.generic(t)
	opt := pbt.Options{Name: f.path, Only: []string{bug.Property}, ExpectViolation: true}
	row := bugRow{path: f.path, property: bug.Property, bfs: bug.Length}
	row.rapid = g.rapid(t, opt)
	row.gopter = g.gopter(t, opt)
	for _, r := range []*pbt.Report{row.rapid, row.gopter} {
		x := g.finds(t, r, bug.Property, 0)
		if x.Violated && x.Shortest != bug.Length {
			t.Errorf("%s: exhaustive search's shortest violation of %s has %d steps, the file pins %d", f.path, bug.Property, x.Shortest, bug.Length)
		}
		t.Log(r.Summary())
	}
	return row
}
