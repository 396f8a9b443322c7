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

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/model/p2p"
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
  check list [properties]      list the built-in scenarios (or the properties), one per line
  check replay FILE.json       re-execute a saved counterexample and confirm it
  check review [--out docs/results.md] [--traces docs/results]
                               check every property of every scenario, write the matrix
  check explain PROPERTY       what a property means and which kernel rule it comes from
  check graph SCENARIO [--set k=v ...] [--max-states N]
                               print the whole state space as DOT (small ones only)
  check export FILE.json [DIR] turn a counterexample into a regression test
                               (a datadriven script in DIR, default regress/testdata)
  check help                   show this help

Run 'check run --help' for the flags of run.
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
		switch {
		case len(args) == 1 || len(args) == 2 && args[1] == "scenarios":
			for _, s := range reg.All() {
				fmt.Fprintf(stdout, "%-28s %s\n", s.Name, s.Description)
			}
		case len(args) == 2 && args[1] == "properties":
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
			err = usagef("list takes no argument, \"scenarios\" or \"properties\"")
		}
	case "replay":
		code, err = cmdReplay(reg, args[1:], stdout)
	case "export":
		err = cmdExport(reg, args[1:], stdout)
	case "graph":
		err = cmdGraph(reg, args[1:], stdout, stderr)
	case "explain":
		err = cmdExplain(args[1:], stdout)
	case "review":
		err = cmdReview(reg, args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
	default:
		err = usagef("unknown command %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "check: %v\n", err)
		if errors.As(err, new(usageError)) && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, "run 'check help' for usage\n")
		}
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	return code
}

// runFlags are the flags of check run.
type runFlags struct {
	set        []string
	workers    int
	maxStates  uint64
	maxDepth   int
	memory     string
	only       string
	json       bool
	quiet      bool
	progMode   string
	verbose    bool
	noDead     bool
	deadlock   string
	deadMode   statespace.DeadlockMode
	progress   time.Duration
	traceOut   []string
	fullState  bool
	spillDir   string
	spillAt    string
	shard      string
	seed       uint64
	walks      int
	walkDepth  int
	setFlags   map[string]bool // the flags given on the command line
	cpuProfile string
}

type multiFlag struct{ vals *[]string }

func (m multiFlag) String() string {
	if m.vals == nil {
		return ""
	}
	return strings.Join(*m.vals, ",")
}
func (m multiFlag) Set(v string) error { *m.vals = append(*m.vals, v); return nil }

// parseRunArgs parses the scenario name and the flags, which may come in
// any order.
func parseRunArgs(args []string, stderr io.Writer) (string, *runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("check run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(multiFlag{&f.set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	fs.IntVar(&f.workers, "workers", 0, "worker goroutines (0 = one per CPU); results do not depend on it")
	fs.Uint64Var(&f.maxStates, "max-states", 0, "stop as incomplete after this many distinct states (0 = no bound)")
	fs.IntVar(&f.maxDepth, "max-depth", 0, "stop as incomplete at this BFS depth (0 = no bound)")
	fs.StringVar(&f.memory, "memory", "", "memory budget for the Go heap, e.g. 512MiB or 4GB (default: none)")
	fs.StringVar(&f.only, "only", "", "check only these properties, comma-separated (\"deadlock\" for deadlocks)")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object on stdout")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr (same as --progress=none)")
	fs.StringVar(&f.progMode, "progress", "auto", "progress on stderr: auto (a live line on a terminal, plain lines otherwise), plain, json (JSON lines), none")
	fs.BoolVar(&f.verbose, "v", false, "also print per-action statistics")
	fs.BoolVar(&f.noDead, "no-deadlock", false, "do not report deadlocks (same as --deadlock=off)")
	fs.StringVar(&f.deadlock, "deadlock", "stuck", "which states are deadlocks: stuck (no action enabled, not a valid end state), stutter (no enabled action changes the state, as Murphi and Rumur), off")
	fs.DurationVar(&f.progress, "progress-every", 3*time.Second, "interval between progress lines")
	fs.BoolVar(&f.fullState, "full-state", false, "store every visited state, not only its fingerprint: exact (no collision), traces without replay, more memory")
	fs.StringVar(&f.spillDir, "spill-dir", "", "let the BFS levels spill to files in `DIR` (removed at the end) once they exceed --spill-threshold")
	fs.StringVar(&f.spillAt, "spill-threshold", "", "bytes of the level being built kept in memory before spilling, e.g. 64MiB (default: --memory/64, or 256MiB)")
	fs.StringVar(&f.shard, "shard", "", "run member `i/n` of a swarm of n randomised searches instead of the exhaustive search (i from 1 to n); finds violations, never proves: exit 1 or 3")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the swarm (with --shard)")
	fs.IntVar(&f.walks, "walks", 1000, "random walks of this swarm member (with --shard)")
	fs.IntVar(&f.walkDepth, "walk-depth", 1000, "maximum steps of a random walk (with --shard)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `FILE` (go tool pprof FILE)")
	fs.Var(multiFlag{&f.traceOut}, "trace-out", "write the counterexample to `FILE` (.txt, .json, .mmd, .dot; repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: check run SCENARIO [flags]")
		fs.PrintDefaults()
	}
	var name string
	for len(args) > 0 {
		if !strings.HasPrefix(args[0], "-") {
			if name != "" {
				return "", nil, usagef("more than one scenario given: %q and %q", name, args[0])
			}
			name, args = args[0], args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", nil, err
			}
			return "", nil, usageError{err}
		}
		args = fs.Args()
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
		for _, n := range []string{"max-states", "max-depth", "full-state", "spill-dir", "spill-threshold"} {
			if f.setFlags[n] {
				return "", nil, usagef("--%s does not apply to a swarm run (--shard): its bounds are --walks and --walk-depth", n)
			}
		}
		if f.walks < 1 || f.walkDepth < 1 {
			return "", nil, usagef("--walks %d --walk-depth %d: both must be at least 1", f.walks, f.walkDepth)
		}
	}
	if f.workers < 0 {
		return "", nil, usagef("--workers %d: must be at least 0", f.workers)
	}
	var err error
	if f.deadMode, err = statespace.ParseDeadlockMode(f.deadlock); err != nil {
		return "", nil, usagef("--deadlock: %v", err)
	}
	if f.noDead && f.setFlags["deadlock"] && f.deadlock != "off" {
		return "", nil, usagef("--no-deadlock and --deadlock=%s contradict each other (--no-deadlock is --deadlock=off)", f.deadlock)
	}
	if f.maxDepth < 0 {
		return "", nil, usagef("--max-depth %d: must be at least 0", f.maxDepth)
	}
	if f.progress <= 0 {
		return "", nil, usagef("--progress-every %v: must be positive", f.progress)
	}
	if !slices.Contains([]string{"auto", "plain", "json", "none"}, f.progMode) {
		return "", nil, usagef("--progress %q: want auto, plain, json or none", f.progMode)
	}
	if f.quiet {
		f.progMode = "none"
	}
	for _, p := range f.traceOut {
		if err := traces.CheckPath(p); err != nil {
			return "", nil, usagef("--trace-out %v", err)
		}
	}
	return name, f, nil
}

func cmdRun(ctx context.Context, reg *scenario.Registry, args []string, stdout, stderr io.Writer) (int, error) {
	name, f, err := parseRunArgs(args, stderr)
	if err != nil {
		return 0, err
	}
	var sc *scenario.Scenario
	var vals scenario.Values
	var fileOpt scenario.FileOptions
	if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		if sc, vals, fileOpt, err = scenario.LoadFile(reg, name); err != nil {
			return 0, usageError{err}
		}
		if len(f.set) > 0 {
			if vals, err = sc.Parse(append(scenario.Settings(vals.Map()), f.set...)); err != nil {
				return 0, usageError{err}
			}
		}
	} else {
		if sc, err = reg.Lookup(name); err != nil {
			return 0, usageError{err}
		}
		if vals, err = sc.Parse(f.set); err != nil {
			return 0, usageError{err}
		}
	}
	opt := statespace.Options{
		Workers: f.workers, MaxStates: f.maxStates, MaxDepth: f.maxDepth,
		NoDeadlock: f.noDead, Context: ctx, ProgressInterval: f.progress, Only: fileOpt.Only,
		Deadlock:  f.deadMode,
		FullState: f.fullState, SpillDir: f.spillDir,
	}
	if f.spillAt != "" {
		if f.spillDir == "" {
			return 0, usagef("--spill-threshold needs --spill-dir")
		}
		if opt.SpillThreshold, err = parseSize(f.spillAt); err != nil {
			return 0, usagef("--spill-threshold %q: %v", f.spillAt, err)
		}
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
	if f.memory != "" {
		if opt.MemoryBudget, err = parseSize(f.memory); err != nil {
			return 0, usagef("--memory %q: %v", f.memory, err)
		}
	}
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
		if err := writeJSON(stdout, sc.Name, vals, res); err != nil {
			return 0, err
		}
	} else {
		writeText(stdout, sc.Name, vals, res, f.verbose)
	}
	if len(f.traceOut) > 0 {
		if res.Violation == nil || res.Violation.Trace == nil {
			fmt.Fprintln(stderr, "check: no counterexample, no trace written")
		} else {
			doc, err := traces.FromViolation(sc.Name, vals.Map(), res.Violation)
			if err != nil {
				return 0, err
			}
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

// cmdReplay re-executes a JSON trace written by --trace-out against the
// scenario's model: exit 1 when the violation is confirmed, 2 when the
// file is unreadable or the trace no longer applies (the step and reason
// are named).
func cmdReplay(reg *scenario.Registry, args []string, stdout io.Writer) (int, error) {
	if len(args) != 1 {
		return 0, usagef("replay takes one trace file (.json, from check run --trace-out)")
	}
	doc, err := traces.Read(args[0])
	if err != nil {
		return 0, usageError{err}
	}
	sc, err := reg.Lookup(doc.Scenario)
	if err != nil {
		return 0, usageError{fmt.Errorf("%s: %v", args[0], err)}
	}
	vals, err := sc.Parse(scenario.Settings(doc.Params))
	if err != nil {
		return 0, usageError{fmt.Errorf("%s: %v", args[0], err)}
	}
	steps, err := doc.ReplaySteps()
	if err != nil {
		return 0, usageError{fmt.Errorf("%s: %v", args[0], err)}
	}
	if _, err := sc.ReplayAs(vals, doc.Init, steps, doc.Property, statespace.Kind(doc.Kind), doc.Loop); err != nil {
		return 0, usageError{fmt.Errorf("%s: the trace does not apply to %s (%s): %v", args[0], sc.Name, vals, err)}
	}
	fmt.Fprintf(stdout, "replayed %d steps of %s (%s): %s is violated (%s), as the trace says\n",
		len(steps)-1, sc.Name, vals, doc.Property, doc.Kind)
	return exitViolation, nil
}

// propertyDocs gathers every model's property documentation.
func propertyDocs() map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{props.Doc, fence.Doc, deadlock.Doc, crossvm.Doc, p2p.Doc} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// cmdExplain prints what a property means and where it comes from; without
// an argument it lists every property.
func cmdExplain(args []string, stdout io.Writer) error {
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
	return nil
}

// cmdGraph prints a small scenario's whole state space as DOT.
func cmdGraph(reg *scenario.Registry, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var set []string
	fs.Var(multiFlag{&set}, "set", "set a scenario parameter, `key=value` (repeatable)")
	maxStates := fs.Int("max-states", 500, "refuse state spaces larger than this")
	var name string
	for len(args) > 0 {
		if !strings.HasPrefix(args[0], "-") {
			if name != "" {
				return usagef("graph takes one scenario")
			}
			name, args = args[0], args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			return usageError{err}
		}
		args = fs.Args()
	}
	if name == "" {
		return usagef("graph needs a scenario name")
	}
	if *maxStates < 1 {
		return usagef("--max-states must be at least 1")
	}
	sc, err := reg.Lookup(name)
	if err != nil {
		return usageError{err}
	}
	vals, err := sc.Parse(set)
	if err != nil {
		return usageError{err}
	}
	g, err := sc.Graph(vals, *maxStates)
	if err != nil {
		return usageError{fmt.Errorf("%s: %v", name, err)}
	}
	return traces.WriteGraphDOT(stdout, sc.Name+" ("+vals.String()+")", g)
}

// cmdExport writes a JSON trace as a datadriven regression script that
// `go test ./regress` replays. The trace is replayed first: only a trace
// that applies to the current model is exported.
func cmdExport(reg *scenario.Registry, args []string, stdout io.Writer) error {
	if len(args) < 1 || len(args) > 2 {
		return usagef("export takes a trace file (.json) and optionally a directory")
	}
	dir := filepath.Join("regress", "testdata")
	if len(args) == 2 {
		dir = args[1]
	}
	var discard strings.Builder
	if _, err := cmdReplay(reg, args[:1], &discard); err != nil {
		return err
	}
	doc, _ := traces.Read(args[0])
	script, err := regress.Script(doc)
	if err != nil {
		return err
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(doc.Scenario+"--"+doc.Property))
	p := filepath.Join(dir, name+".txt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
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
