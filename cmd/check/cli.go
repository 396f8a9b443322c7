package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
	"golang.org/x/term"
)

// Exit codes.
const (
	exitOK         = 0
	exitViolation  = 1
	exitUsage      = 2
	exitIncomplete = 3
)

const usage = `usage:
  check run SCENARIO [flags]   check a scenario exhaustively (a built-in name, or a
                               scenario file FILE.yaml: docs/scenario-files.md)
  check list [properties]      list the built-in scenarios and the other files of
                               scenarios/ (or the properties), one per line
  check replay FILE.json       re-execute a saved counterexample and confirm it
  check review [--out docs/results.md] [--traces docs/results] [DIR]
                               check every property of every scenario (or of every
                               scenario file in DIR, against its expect:), write the matrix
  check explain PROPERTY       what a property means and which kernel rule it comes from
  check graph SCENARIO [--set k=v ...] [--max-states N]
                               print the whole state space as DOT (small ones only;
                               SCENARIO: a built-in name or FILE.yaml)
  check export FILE.json [DIR] turn a counterexample into a regression test
                               (a datadriven script in DIR, default regress/testdata)
  check explore SCENARIO [--set k=v ...] [--addr 127.0.0.1:0]
                               serve an interactive explorer of the state space on a
                               loopback address (docs/explore.md)
  check help [COMMAND]         show this help, or a command's

Run 'check COMMAND --help' (or 'check help COMMAND') for a command's flags.
Exit codes: 0 ok, 1 violation, 2 usage or input error, 3 incomplete.
`

// usageError is an error in the command line or its input: exit code 2.
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run is the whole command: it returns the exit code instead of exiting, so
// that tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// No panic reaches the user: report it as an internal error.
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "check: internal error: %v\n%s", p, debug.Stack())
			code = exitUsage
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	reg := scenario.Builtin()
	var err error
	switch args[0] {
	case "run":
		code, err = cmdRun(ctx, reg, args[1:], stdout, stderr)
	case "list":
		err = cmdList(reg, args[1:], stdout)
	case "replay":
		code, err = cmdReplay(reg, args[1:], stdout)
	case "export":
		err = cmdExport(reg, args[1:], stdout)
	case "graph":
		err = cmdGraph(reg, args[1:], stdout)
	case "explore":
		err = cmdExplore(ctx, reg, args[1:], stdout)
	case "explain":
		err = cmdExplain(args[1:], stdout)
	case "review":
		code, err = cmdReview(reg, args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		if len(args) == 2 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			// check help CMD: the help of CMD.
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
	default:
		err = usagef("unknown command %q", args[0])
	}
	if err != nil {
		if errors.Is(err, errHelped) {
			return exitOK
		}
		fmt.Fprintf(stderr, "check: %v\n", err)
		if errors.As(err, new(usageError)) {
			fmt.Fprint(stderr, "run 'check help' for usage\n")
		}
		return exitUsage
	}
	return code
}

const listHelp = `usage: check list [scenarios|properties]

List the built-in scenarios with their descriptions and parameters (the
default; --set name=value sets one, within the range shown; every
built-in but german and dmabuf-bench is the world file scenarios/NAME.yaml,
carried in the binary), then the other scenario files of scenarios/
(marked [file: ...]; run them as 'check run scenarios/NAME.yaml'), or
every property with the first sentence of its documentation, one per line.
`

// cmdList lists the scenarios or the properties.
func cmdList(reg *scenario.Registry, args []string, stdout io.Writer) error {
	args, err := parseFlags(flag.NewFlagSet("check list", flag.ContinueOnError), listHelp, args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "scenarios":
		for _, s := range reg.All() {
			line := fmt.Sprintf("%-28s %s", s.Name, s.Description)
			if ps := paramSummary(s); ps != "" {
				line += " [params: " + ps + "]"
			}
			fmt.Fprintln(stdout, line)
		}
		if err := listFiles(reg, stdout); err != nil {
			return err
		}
	case len(args) == 1 && args[0] == "properties":
		docs := propertyDocs()
		var names []string
		for k := range docs {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, n := range names {
			first, _, _ := strings.Cut(docs[n], ". ")
			fmt.Fprintf(stdout, "%-42s %s\n", n, first)
		}
	default:
		return usagef("list takes no argument, \"scenarios\" or \"properties\"")
	}
	return nil
}

// runFlags are the flags of check run.
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

Check a scenario exhaustively: SCENARIO is a built-in name ('check list') or
a scenario file FILE.yaml (docs/scenario-files.md). Flags and the scenario
may come in any order; 'check run SCENARIO --help' also lists the
scenario's parameters.
Exit codes: 0 ok, 1 violation, 2 usage or input error, 3 incomplete.
`

// parseRunArgs parses the scenario name and the flags, which may come in
// any order.
func parseRunArgs(args []string, stdout io.Writer) (string, *runFlags, error) {
	f := &runFlags{progress: 3 * time.Second, walks: 1000, walkDepth: 1000}
	fs := flag.NewFlagSet("check run", flag.ContinueOnError)
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
	pos, err := parseFlags(fs, runHelp, args, stdout)
	if errors.Is(err, errHelped) && len(pos) == 1 {
		// check run SCENARIO --help: the scenario's parameters follow.
		return pos[0], nil, err
	}
	if err != nil {
		return "", nil, err
	}
	if len(pos) > 1 {
		return "", nil, usagef("more than one scenario given: %q and %q", pos[0], pos[1])
	}
	var name string
	if len(pos) == 1 {
		name = pos[0]
	}
	if name == "" {
		return "", nil, usagef("run needs a scenario name (see 'check list')")
	}
	f.setFlags = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.setFlags[fl.Name] = true })
	if f.shard == "" {
		for _, n := range []string{"seed", "walks", "walk-depth"} {
			if f.setFlags[n] {
				return "", nil, usagef("--%s needs --shard i/n", n)
			}
		}
	} else {
		for _, n := range []string{"max-states", "max-depth", "full-state", "spill-dir", "spill-threshold", "parent-dir", "parents-in-memory", "continue"} {
			if f.setFlags[n] {
				return "", nil, usagef("--%s does not apply to a swarm run (--shard): its bounds are --walks and --walk-depth", n)
			}
		}
	}
	var derr error
	if f.deadMode, derr = statespace.ParseDeadlockMode(f.deadlock); derr != nil {
		return "", nil, usagef("--deadlock: %v", derr)
	}
	if !f.setFlags["deadlock"] {
		f.deadMode = statespace.DeadlockDefault // the model's mode, else stuck
	}
	if f.noDead && f.setFlags["deadlock"] && f.deadlock != "off" {
		return "", nil, usagef("--no-deadlock and --deadlock=%s contradict each other (--no-deadlock is --deadlock=off)", f.deadlock)
	}
	if !slices.Contains([]string{"none", "por", "symmetry", "all"}, f.reduce) {
		return "", nil, usagef("--reduce %q: want none, por, symmetry or all", f.reduce)
	}
	if !slices.Contains([]string{"auto", "plain", "json", "none"}, f.progMode) {
		return "", nil, usagef("--progress %q: want auto, plain, json or none", f.progMode)
	}
	if f.quiet {
		f.progMode = "none"
	}
	for _, p := range f.traceOut {
		// Before the search, not after it: a long run must not end in
		// "cannot write".
		if err := traces.CheckPath(p); err != nil {
			return "", nil, usagef("--trace-out %v", err)
		}
		if err := checkWritable(p); err != nil {
			return "", nil, usagef("--trace-out %v", err)
		}
	}
	return name, f, nil
}

func cmdRun(ctx context.Context, reg *scenario.Registry, args []string, stdout, stderr io.Writer) (int, error) {
	name, f, err := parseRunArgs(args, stdout)
	if errors.Is(err, errHelped) && name != "" {
		// Help exits 0 whatever the scenario: one that does not load has
		// no parameters to show.
		if l, lerr := loadScenario(reg, name, nil); lerr == nil {
			writeParamHelp(stdout, l.sc)
		}
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	l, err := loadScenario(reg, name, f.set)
	if err != nil {
		return 0, err
	}
	if l, err = applyReduce(reg, name, l, f); err != nil {
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
		return 0, usagef("--parent-dir and --parents-in-memory contradict each other: the links go to a file in DIR or stay in memory")
	}
	if f.setFlags["spill-threshold"] {
		if f.spillDir == "" {
			return 0, usagef("--spill-threshold needs --spill-dir")
		}
		opt.SpillThreshold = f.spillAt
	}
	if f.spillDir != "" && f.fullState {
		return 0, usagef("--spill-dir and --full-state do not go together: full-state mode keeps every state in memory")
	}
	if f.shard != "" {
		i, n, err := parseShard(f.shard)
		if err != nil {
			return 0, usagef("--shard %q: %v", f.shard, err)
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
			return 0, usagef("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return 0, usagef("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := sc.Check(vals, opt)
	if live {
		fmt.Fprint(stderr, "\r\033[K") // clear the live line
	}
	if err != nil {
		if res == nil {
			return 0, usageError{err}
		}
		fmt.Fprintf(stderr, "check: %v\n", err)
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
			fmt.Fprintln(stderr, "check: no counterexample, no trace written")
		} else {
			doc, err := traces.FromViolation(sc.Name, vals.Map(), res.Violation)
			if err != nil {
				return 0, err
			}
			// A file's trace carries the file: it replays without it.
			doc.ScenarioFile = l.file
			for _, p := range f.traceOut {
				if err := traces.WriteFile(p, doc); err != nil {
					return 0, usagef("--trace-out: %v", err)
				}
				fmt.Fprintf(stderr, "check: trace written to %s\n", p)
			}
		}
	}
	switch res.Status {
	case statespace.StatusOK:
		return exitOK, nil
	case statespace.StatusViolation:
		return exitViolation, nil
	default:
		return exitIncomplete, nil
	}
}

const replayHelp = `usage: check replay FILE.json

Re-execute a counterexample saved by 'check run --trace-out FILE.json' against
the scenario's model: exit 1 when the violation is confirmed, 2 when the file
is unreadable or the trace no longer applies (the step and reason are named).
`

// cmdReplay re-executes a JSON trace written by --trace-out against the
// scenario's model: exit 1 when the violation is confirmed, 2 when the
// file is unreadable or the trace no longer applies (the step and reason
// are named).
func cmdReplay(reg *scenario.Registry, args []string, stdout io.Writer) (int, error) {
	args, err := parseFlags(flag.NewFlagSet("check replay", flag.ContinueOnError), replayHelp, args, stdout)
	if err != nil {
		return 0, err
	}
	if len(args) != 1 {
		return 0, usagef("replay takes one trace file (.json, from check run --trace-out)")
	}
	doc, err := traces.Read(args[0])
	if err != nil {
		return 0, usageError{err}
	}
	sc, vals, err := traceScenario(reg, args[0], doc)
	if err != nil {
		return 0, err
	}
	steps, err := doc.ReplaySteps()
	if err != nil {
		return 0, usageError{fmt.Errorf("%s: %v", args[0], err)}
	}
	what := fmt.Sprintf("%s (%s)", sc.Name, vals)
	if doc.ScenarioFile != nil {
		what = fmt.Sprintf("%s (the scenario file %s, as embedded in the trace)", sc.Name, doc.ScenarioFile.Path)
	}
	if _, err := sc.ReplayAs(vals, doc.Init, steps, doc.Property, statespace.Kind(doc.Kind), doc.Loop); err != nil {
		return 0, usageError{fmt.Errorf("%s: the trace does not apply to %s: %v", args[0], what, err)}
	}
	fmt.Fprintf(stdout, "replayed %d steps of %s: %s is violated (%s), as the trace says\n",
		len(steps)-1, what, doc.Property, doc.Kind)
	return exitViolation, nil
}

// propertyDocs gathers the world's property documentation (the catalogue
// of package props), by property name.
func propertyDocs() map[string]string {
	out := map[string]string{}
	for _, p := range props.All() {
		if d := p.Doc(); d != "" {
			out[p.Name] = d
		}
	}
	return out
}

const explainHelp = `usage: check explain [PROPERTY]

Print what a property means and which kernel rule it comes from; without a
property, list every property name.
`

// cmdExplain prints what a property means and where it comes from; without
// an argument it lists every property.
func cmdExplain(args []string, stdout io.Writer) error {
	args, err := parseFlags(flag.NewFlagSet("check explain", flag.ContinueOnError), explainHelp, args, stdout)
	if err != nil {
		return err
	}
	docs := propertyDocs()
	var names []string
	for k := range docs {
		names = append(names, k)
	}
	slices.Sort(names)
	switch len(args) {
	case 0:
		for _, n := range names {
			fmt.Fprintf(stdout, "%s\n", n)
		}
		return nil
	case 1:
	default:
		return usagef("explain takes one property name")
	}
	name := args[0]
	doc, ok := docs[name]
	if !ok {
		if base, _, cut := strings.Cut(name, "/"); cut {
			doc, ok = docs[base]
		}
	}
	if !ok {
		return usagef("unknown property %q (run 'check explain' to list them)", name)
	}
	fmt.Fprintf(stdout, "%s\n  %s\n", name, doc)
	base, _, _ := strings.Cut(name, "/")
	if p, ok := props.Lookup(base); ok {
		if w, ok := p.Witness(); ok {
			fmt.Fprintf(stdout, "  a %s property of the %s family; shown by %s", p.Kind, p.Family, w.File)
			if w.Length > 0 {
				fmt.Fprintf(stdout, " (%s in %d steps)", w.Verdict, w.Length)
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}

const graphHelp = `usage: check graph SCENARIO [flags]

Print a small scenario's whole state space as a DOT graph on stdout:
SCENARIO is a built-in name ('check list') or a scenario file FILE.yaml.
`

// cmdGraph prints a small scenario's whole state space as DOT.
func cmdGraph(reg *scenario.Registry, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check graph", flag.ContinueOnError)
	var set []string
	fs.Var(multiFlag{&set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	maxStates := 500
	fs.Var(intFlag{&maxStates, 1, "want at least 1 state"}, "max-states", "refuse state spaces larger than `N` states")
	pos, err := parseFlags(fs, graphHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("graph takes one scenario")
	}
	if len(pos) == 0 {
		return usagef("graph needs a scenario name")
	}
	name := pos[0]
	l, err := loadScenario(reg, name, set)
	if err != nil {
		return err
	}
	sc, vals := l.sc, l.vals
	g, err := sc.Graph(vals, maxStates)
	if err != nil {
		return usageError{fmt.Errorf("%s: %v", name, err)}
	}
	return traces.WriteGraphDOT(stdout, sc.Name+" ("+vals.String()+")", g)
}

const exportHelp = `usage: check export FILE.json [DIR]

Turn a counterexample saved by 'check run --trace-out FILE.json' into a
datadriven regression script in DIR (default regress/testdata) that
'go test ./regress' replays. The trace is replayed first: only a trace that
applies to the current model is exported.
`

// cmdExport writes a JSON trace as a datadriven regression script that
// `go test ./regress` replays. The trace is replayed first: only a trace
// that applies to the current model is exported.
func cmdExport(reg *scenario.Registry, args []string, stdout io.Writer) error {
	args, err := parseFlags(flag.NewFlagSet("check export", flag.ContinueOnError), exportHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(args) < 1 || len(args) > 2 {
		return usagef("export takes a trace file (.json) and optionally a directory")
	}
	dir := filepath.Join("regress", "testdata")
	if len(args) == 2 {
		dir = args[1]
	}
	var discard strings.Builder
	if _, err := cmdReplay(reg, []string{"--", args[0]}, &discard); err != nil {
		return err
	}
	doc, _ := traces.Read(args[0])
	script, err := regress.Script(doc)
	if err != nil {
		return err
	}
	p := filepath.Join(dir, regress.BaseName(doc)+".txt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if doc.ScenarioFile != nil {
		// The scenario file the trace embeds, beside the script that names it.
		fp := filepath.Join(dir, regress.FileName(doc))
		if err := os.WriteFile(fp, []byte(doc.ScenarioFile.Text), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (the scenario file of the trace, %s)\n", fp, doc.ScenarioFile.Path)
	}
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: go test ./regress replays it\n", p)
	return nil
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
