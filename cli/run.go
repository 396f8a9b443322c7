package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
	"golang.org/x/term"
)

// runFlags are the flags of run.
type runFlags struct {
	set        []string
	workers    int
	maxStates  uint64
	maxDepth   int
	memory     uint64
	only       string
	json       bool
	quiet      bool
	progMode   string
	verbose    bool
	noDead     bool
	cont       bool
	deadlock   string
	deadMode   statespace.DeadlockMode
	progress   time.Duration
	traceOut   []string
	fullState  bool
	spillDir   string
	spillAt    uint64
	parentDir  string
	parentsMem bool
	shard      string
	seed       uint64
	walks      int
	walkDepth  int
	setFlags   map[string]bool // the flags given on the command line
	cpuProfile string
	reduce     string
}

type multiFlag struct{ vals *[]string }

func (m multiFlag) String() string {
	if m.vals == nil {
		return ""
	}
	return strings.Join(*m.vals, ",")
}
func (m multiFlag) Set(v string) error { *m.vals = append(*m.vals, v); return nil }

const runHelp = `usage: check run SCENARIO [flags]

Check a scenario exhaustively: SCENARIO is a registered model's name
('check list') or a scenario file FILE.yaml (one that names a model, with
scenario: NAME and params:, or a DMA-buf world: docs/scenario-files.md of
dmabufcheck). Flags and the scenario may come in any order;
'check run SCENARIO --help' also lists the scenario's parameters.
Exit codes: 0 ok, 1 violation, 2 usage or input error, 3 incomplete.
`

// parseRunArgs parses the scenario name and the flags, which may come in
// any order.
func (a *App) parseRunArgs(args []string, stdout io.Writer) (string, *runFlags, error) {
	f := &runFlags{progress: 3 * time.Second, walks: 1000, walkDepth: 1000}
	fs := flag.NewFlagSet(a.Name+" run", flag.ContinueOnError)
	fs.Var(multiFlag{&f.set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	fs.Var(intFlag{&f.workers, 1, "want at least 1 worker (leave --workers out for one per CPU)"}, "workers", "worker goroutines, `N` ≥ 1 (default: one per CPU); results do not depend on it")
	fs.Var(uintFlag{&f.maxStates, "want a whole number of states (0 = no bound)"}, "max-states", "stop as incomplete after `N` distinct states (0 = no bound)")
	fs.Var(intFlag{&f.maxDepth, 0, "want a whole number of BFS levels (0 = no bound)"}, "max-depth", "stop as incomplete at BFS depth `N` (0 = no bound)")
	fs.Var(sizeFlag{&f.memory}, "memory", "memory budget for the Go heap, `SIZE` such as 512MiB or 4GB (default: none)")
	fs.StringVar(&f.only, "only", "", "check only the comma-separated properties `PROP,...` (\"deadlock\" for deadlocks)")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object on stdout")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr (same as --progress=none)")
	fs.StringVar(&f.progMode, "progress", "auto", "progress on stderr, `MODE` auto (a live line on a terminal, plain lines otherwise), plain, json (JSON lines) or none")
	fs.BoolVar(&f.verbose, "v", false, "also print per-action statistics and every property the search did not decide")
	fs.StringVar(&f.reduce, "reduce", "all", "the reductions, `KIND` none, por (partial-order reduction, where the model has one), symmetry (the exact symmetry the scenario declares) or all; by default all, with symmetry as the scenario's symmetry parameter says")
	fs.BoolVar(&f.noDead, "no-deadlock", false, "do not report deadlocks (same as --deadlock=off)")
	fs.BoolVar(&f.cont, "continue", false, "keep searching after a violation: every property's verdict, each with its shortest trace (--json lists their actions)")
	fs.StringVar(&f.deadlock, "deadlock", "stuck", "which states are deadlocks, `MODE` stuck (no action enabled, not a valid end state), stutter (no enabled action changes the state, as Murphi and Rumur) or off; unset, the model's own mode if it declares one, else stuck")
	fs.Var(durationFlag{&f.progress}, "progress-every", "time between progress lines, a `DURATION` such as 10s")
	fs.BoolVar(&f.fullState, "full-state", false, "store every visited state, not only its fingerprint: exact (no collision), traces without replay, more memory")
	fs.StringVar(&f.spillDir, "spill-dir", "", "let the BFS levels spill to files in `DIR` (removed at the end) once they exceed --spill-threshold")
	fs.StringVar(&f.parentDir, "parent-dir", "", "write the parent links of finished BFS levels (read back only to build a trace) to an unlinked file in `DIR` (default: --spill-dir, else the system's temporary directory)")
	fs.BoolVar(&f.parentsMem, "parents-in-memory", false, "keep every state's parent link in memory instead of in a file: faster traces, 6 more bytes per state of heap")
	fs.Var(sizeFlag{&f.spillAt}, "spill-threshold", "bytes of the level being built kept in memory before spilling, `SIZE` such as 64MiB (default: --memory/64, or 256MiB)")
	fs.StringVar(&f.shard, "shard", "", "run member `i/n` of a swarm of n randomised searches instead of the exhaustive search (i from 1 to n); finds violations, never proves: exit 1 or 3")
	fs.Var(uintFlag{&f.seed, "want a whole number"}, "seed", "seed `S` of the swarm (with --shard)")
	fs.Var(intFlag{&f.walks, 1, "want at least 1 walk"}, "walks", "`K` random walks of this swarm member (with --shard)")
	fs.Var(intFlag{&f.walkDepth, 1, "want at least 1 step"}, "walk-depth", "at most `D` steps per random walk (with --shard)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof FILE)")
	fs.Var(multiFlag{&f.traceOut}, "trace-out", "write the counterexample to `FILE`, in the format its extension names: "+strings.Join(traces.Extensions(), ", ")+" (repeatable)")
	pos, err := ParseFlags(fs, a.named(runHelp), args, stdout)
	if errors.Is(err, ErrHelp) && len(pos) == 1 {
		// check run SCENARIO --help: the scenario's parameters follow.
		return pos[0], nil, err
	}
	if err != nil {
		return "", nil, err
	}
	if len(pos) > 1 {
		return "", nil, Usagef("more than one scenario given: %q and %q", pos[0], pos[1])
	}
	var name string
	if len(pos) == 1 {
		name = pos[0]
	}
	if name == "" {
		return "", nil, Usagef("run needs a scenario name (see '%s list')", a.Name)
	}
	f.setFlags = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.setFlags[fl.Name] = true })
	if f.shard == "" {
		for _, n := range []string{"seed", "walks", "walk-depth"} {
			if f.setFlags[n] {
				return "", nil, Usagef("--%s needs --shard i/n", n)
			}
		}
	} else {
		for _, n := range []string{"max-states", "max-depth", "full-state", "spill-dir", "spill-threshold", "parent-dir", "parents-in-memory", "continue"} {
			if f.setFlags[n] {
				return "", nil, Usagef("--%s does not apply to a swarm run (--shard): its bounds are --walks and --walk-depth", n)
			}
		}
	}
	var derr error
	if f.deadMode, derr = statespace.ParseDeadlockMode(f.deadlock); derr != nil {
		return "", nil, Usagef("--deadlock: %v", derr)
	}
	if !f.setFlags["deadlock"] {
		f.deadMode = statespace.DeadlockDefault // the model's mode, else stuck
	}
	if f.noDead && f.setFlags["deadlock"] && f.deadlock != "off" {
		return "", nil, Usagef("--no-deadlock and --deadlock=%s contradict each other (--no-deadlock is --deadlock=off)", f.deadlock)
	}
	if !slices.Contains([]string{"none", "por", "symmetry", "all"}, f.reduce) {
		return "", nil, Usagef("--reduce %q: want none, por, symmetry or all", f.reduce)
	}
	if !slices.Contains([]string{"auto", "plain", "json", "none"}, f.progMode) {
		return "", nil, Usagef("--progress %q: want auto, plain, json or none", f.progMode)
	}
	if f.quiet {
		f.progMode = "none"
	}
	for _, p := range f.traceOut {
		// Before the search, not after it: a long run must not end in
		// "cannot write".
		if err := traces.CheckPath(p); err != nil {
			return "", nil, Usagef("--trace-out %v", err)
		}
		if err := checkWritable(p); err != nil {
			return "", nil, Usagef("--trace-out %v", err)
		}
	}
	return name, f, nil
}

func (a *App) cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	name, f, err := a.parseRunArgs(args, stdout)
	if errors.Is(err, ErrHelp) && name != "" {
		// Help exits 0 whatever the scenario: one that does not load has
		// no parameters to show.
		if l, lerr := a.loadScenario(name, nil); lerr == nil {
			writeParamHelp(stdout, l.sc)
		}
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	l, err := a.loadScenario(name, f.set)
	if err != nil {
		return 0, err
	}
	if l, err = a.applyReduce(name, l, f); err != nil {
		return 0, err
	}
	sc, vals, fileOpt := l.sc, l.vals, l.fileOpt
	opt := statespace.Options{
		Workers: f.workers, MaxStates: f.maxStates, MaxDepth: f.maxDepth,
		NoDeadlock: f.noDead, Context: ctx, ProgressInterval: f.progress, Only: fileOpt.Only,
		Deadlock: f.deadMode, Continue: f.cont,
		FullState: f.fullState, SpillDir: f.spillDir,
		ParentDir: f.parentDir, ParentsInMemory: f.parentsMem,
		PartialOrder: f.reduce == "por" || f.reduce == "all",
	}
	if f.parentDir != "" && f.parentsMem {
		return 0, Usagef("--parent-dir and --parents-in-memory contradict each other: the links go to a file in DIR or stay in memory")
	}
	if f.setFlags["spill-threshold"] {
		if f.spillDir == "" {
			return 0, Usagef("--spill-threshold needs --spill-dir")
		}
		opt.SpillThreshold = f.spillAt
	}
	if f.spillDir != "" && f.fullState {
		return 0, Usagef("--spill-dir and --full-state do not go together: full-state mode keeps every state in memory")
	}
	if f.shard != "" {
		i, n, err := parseShard(f.shard)
		if err != nil {
			return 0, Usagef("--shard %q: %v", f.shard, err)
		}
		opt.Swarm = &statespace.SwarmOptions{Shard: i, Shards: n, Seed: f.seed, Walks: f.walks, Depth: f.walkDepth}
	} else {
		if opt.MaxStates == 0 {
			opt.MaxStates = fileOpt.MaxStates
		}
		if opt.MaxDepth == 0 {
			opt.MaxDepth = fileOpt.MaxDepth
		}
	}
	opt.MemoryBudget = f.memory
	if f.only != "" {
		opt.Only = nil
		for _, p := range strings.Split(f.only, ",") {
			opt.Only = append(opt.Only, strings.TrimSpace(p))
		}
	}
	live := false
	if f.progMode != "none" {
		mode := f.progMode
		if mode == "auto" {
			mode = "plain"
			if file, ok := stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
				mode, live = "live", true
			}
		}
		opt.Progress = func(p statespace.Progress) { printProgress(stderr, p, mode) }
	}
	// The visited set is pointer-free and long-lived; collecting a little
	// more often keeps the peak heap close to the live data.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	if opt.MemoryBudget > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(opt.MemoryBudget)))
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return 0, Usagef("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return 0, Usagef("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := sc.Check(vals, opt)
	if live {
		fmt.Fprint(stderr, "\r\033[K") // clear the live line
	}
	if err != nil {
		if res == nil {
			return 0, UsageError{err}
		}
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
	}
	if f.json {
		if err := writeJSON(stdout, sc.Name, vals, res, f.reduce); err != nil {
			return 0, err
		}
	} else {
		writeText(stdout, sc.Name, vals, res, f.verbose)
		fmt.Fprintln(stdout, reductionLine(f.reduce, res))
		if len(fileOpt.Expect) > 0 && len(fileOpt.Differs) > 0 {
			fmt.Fprintf(stdout, "expectations: not judged: they are pinned for the defaults, not for %s\n", strings.Join(fileOpt.Differs, " "))
		} else if len(fileOpt.Expect) > 0 && opt.Swarm == nil && f.only == "" {
			eo := opt
			eo.Progress = nil
			bad, err := scenario.CheckExpectations(name, sc, vals, fileOpt.Expect, eo)
			if err != nil {
				return 0, err
			}
			if len(bad) == 0 {
				fmt.Fprintf(stdout, "expectations: all %d met\n", len(fileOpt.Expect))
			} else {
				fmt.Fprintf(stdout, "expectations: %d of %d NOT met:\n", len(bad), len(fileOpt.Expect))
				for _, b := range bad {
					fmt.Fprintf(stdout, "  %s\n", b)
				}
			}
		}
	}
	if len(f.traceOut) > 0 {
		if res.Violation == nil || res.Violation.Trace == nil {
			fmt.Fprintf(stderr, "%s: no counterexample, no trace written\n", a.Name)
		} else {
			doc, err := traces.FromViolation(sc.Name, vals.Map(), res.Violation)
			if err != nil {
				return 0, err
			}
			// A file's trace carries the file: it replays without it.
			doc.ScenarioFile = l.file
			for _, p := range f.traceOut {
				if err := traces.WriteFile(p, doc); err != nil {
					return 0, Usagef("--trace-out: %v", err)
				}
				fmt.Fprintf(stderr, "%s: trace written to %s\n", a.Name, p)
			}
		}
	}
	switch res.Status {
	case statespace.StatusOK:
		return ExitOK, nil
	case statespace.StatusViolation:
		return ExitViolation, nil
	default:
		return ExitIncomplete, nil
	}
}

// parseShard reads a swarm member's "i/n", 1 ≤ i ≤ n.
func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("want i/n, e.g. 3/8 for the third of 8 shards")
	case n < 1:
		return 0, 0, fmt.Errorf("a swarm has at least one shard, not %d", n)
	case i < 1 || i > n:
		return 0, 0, fmt.Errorf("shards are numbered 1 to %d, not %d", n, i)
	}
	return i, n, nil
}

// parseSize reads a byte count such as 1048576, 512MiB, 4GB, 2g.
func parseSize(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := uint64(1)
	for _, u := range []struct {
		suffix string
		mult   uint64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
		{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
		{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1},
	} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("want a positive size such as 512MiB or 4GB")
	}
	return uint64(n * float64(mult)), nil
}
