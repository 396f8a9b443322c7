package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// printProgress reports progress: a plain line, a live line rewritten in
// place on a terminal, or one JSON object per line. There is no ETA: a
// breadth-first search does not know how many states are left.
func printProgress(w io.Writer, p statespace.Progress, mode string) {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.States) / s
	}
	if mode == "json" {
		b, _ := json.Marshal(map[string]any{
			"elapsed_s": p.Elapsed.Seconds(), "depth": p.Depth, "states": p.States, "states_per_s": rate,
			"transitions": p.Transitions, "queue": p.Queue, "heap_bytes": p.HeapByte,
		})
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	line := fmt.Sprintf("progress: %6.1fs  depth %d  states %s (%s/s)  transitions %s  queue %s  heap %s",
		p.Elapsed.Seconds(), p.Depth, count(p.States), count(uint64(rate)),
		count(p.Transitions), count(p.Queue), bytesize(p.HeapByte))
	if mode == "live" {
		fmt.Fprintf(w, "\r\033[K%s", line)
		return
	}
	fmt.Fprintln(w, line)
}

// count renders n with thousands separators.
func count(n uint64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func bytesize(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// writeText prints the human summary: the verdict and the story first (the
// counterexample told step by step, with the model's account of what went
// wrong), then the statistics of the search and the other properties'
// verdicts; properties the search did not decide are one line, unless
// verbose.
func writeText(w io.Writer, name string, v scenario.Values, r *statespace.Result, verbose bool) {
	st := &r.Stats
	params := v.String()
	if params != "" {
		params = " (" + params + ")"
	}
	fmt.Fprintf(w, "scenario %s%s\n", name, params)
	switch r.Status {
	case statespace.StatusOK:
		fmt.Fprintln(w, "result: ok (exhaustive: every reachable state explored, every property holds)")
	case statespace.StatusViolation:
		fmt.Fprintf(w, "result: VIOLATION of %s (%s)\n", r.Violation.Property, r.Violation.Kind)
	default:
		fmt.Fprintf(w, "result: INCOMPLETE (%s): the search stopped before exploring every reachable state\n", r.Incomplete)
	}
	writeStory(w, name, v, r)
	if sw := st.Swarm; sw != nil {
		fmt.Fprintf(w, "swarm: shard %d/%d, seed %d: %s random walks of at most %s steps, %s steps in all, %.3f s, %s\n",
			sw.Shard, sw.Shards, sw.Seed, count(uint64(sw.Walks)), count(uint64(sw.Depth)), count(sw.Steps), st.Duration.Seconds(), workers(st.Workers))
		if r.Violation != nil && r.Violation.Trace != nil {
			how := "the walk, loops cut out"
			if sw.Shortened {
				how = "shortest: found again by a bounded breadth-first search"
			}
			fmt.Fprintf(w, "swarm: the walk reached the violation in %d steps; trace of %d steps (%s), replayed and confirmed\n", sw.WalkLength, r.Violation.Length(), how)
		}
	} else {
		writeSearchStats(w, st)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w, "properties:")
	var undecided []string
	for _, p := range r.Properties {
		if p.Verdict == "unknown" && !verbose {
			undecided = append(undecided, p.Name)
			continue
		}
		extra := ""
		if p.Trace != nil {
			extra = fmt.Sprintf(" (trace of %d steps)", p.Trace.Len())
		}
		fmt.Fprintf(w, "  %-34s %-9s %s%s\n", p.Name, p.Expectation, p.Verdict, extra)
	}
	if len(undecided) > 0 {
		why := "the search stopped first"
		if r.Violation != nil {
			why = "the search stopped at the violation"
		}
		fmt.Fprintf(w, "  not decided (%s; -v lists them): %s\n", why, strings.Join(undecided, ", "))
	}
	// Vacuity only means something after an exhaustive search (a run that
	// stopped at a violation simply did not get to the other actions).
	complete := r.Status == statespace.StatusOK || r.Violation != nil &&
		(r.Violation.Kind == statespace.KindUnreachable || r.Violation.Kind == statespace.KindLiveness)
	if vac := st.Vacuous(); len(vac) > 0 && complete {
		fmt.Fprintf(w, "vacuity: %d finding(s):\n", len(vac))
		for _, f := range vac {
			fmt.Fprintf(w, "  %s\n", f)
		}
	} else if r.Status == statespace.StatusOK {
		fmt.Fprintf(w, "coverage: all %d actions fired and changed the state\n", len(st.Actions))
	}
	if verbose {
		fmt.Fprintf(w, "actions:\n  %-40s %14s %14s %14s\n", "action", "enabled", "changed", "new states")
		for _, a := range st.Actions {
			fmt.Fprintf(w, "  %-40s %14s %14s %14s\n", a.Name, count(a.Enabled), count(a.Changed), count(a.New))
		}
	}
}

// writeStory prints a violation's account and its counterexample, step by
// step (traces.Document), with the wait-for graph of a deadlock.
func writeStory(w io.Writer, name string, vals scenario.Values, r *statespace.Result) {
	v := r.Violation
	if v == nil || v.Trace == nil {
		return
	}
	doc, err := traces.FromViolation(name, vals.Map(), v)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "why: %s\n", doc.Explain())
	st := &r.Stats
	if v.Kind == statespace.KindLiveness {
		fmt.Fprintf(w, "counterexample (a lasso of %d steps: a fair behaviour on which %s never holds):\n", v.Length(), v.Property)
	} else if st.Swarm != nil && !st.Swarm.Shortened {
		fmt.Fprintf(w, "counterexample (%d steps, from a random walk: maybe not the shortest):\n", v.Length())
	} else {
		fmt.Fprintf(w, "counterexample (%d steps, shortest):\n", v.Length())
	}
	_ = doc.WriteSteps(w)
	if len(v.Cycle) > 0 {
		fmt.Fprintln(w, "wait-for cycle:")
		for _, e := range v.Cycle {
			fmt.Fprintf(w, "  %s waits for %s (%s)\n", e.From, e.To, e.Why)
		}
	} else if len(v.Waits) > 0 {
		fmt.Fprintln(w, "waiting (no cycle: something waited for never happens):")
		for _, e := range v.Waits {
			fmt.Fprintf(w, "  %s waits for %s (%s)\n", e.From, e.To, e.Why)
		}
	}
	fmt.Fprintln(w)
}

// workers is "1 worker" or "n workers".
func workers(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// writeSearchStats prints the counts and the memory of an exhaustive search.
func writeSearchStats(w io.Writer, st *statespace.Stats) {
	fmt.Fprintf(w, "states: %s distinct, %s transitions, depth %d\n", count(st.States), count(st.Transitions), st.MaxDepth)
	fmt.Fprintf(w, "time: %.3f s (%s states/s, %s)\n", st.Duration.Seconds(), count(uint64(st.StatesPerSecond())), workers(st.Workers))
	if st.Mode == statespace.ModeFullState {
		fmt.Fprintf(w, "memory: peak heap %s (%.1f B/state): full states %s, table %s, parent links %s, frontier %s; state size %d B\n",
			bytesize(st.HeapBytes), st.BytesPerState(), bytesize(st.StateStoreBytes), bytesize(st.TableBytes), bytesize(st.TraceBytes), bytesize(st.FrontierBytes), st.StateSize)
		fmt.Fprintln(w, "fingerprint collision probability: 0 (exact: full states stored and compared)")
	} else {
		fmt.Fprintf(w, "memory: peak heap %s (%.1f B/state): fingerprint table %s, parent links %s, frontier %s; state size %d B\n",
			bytesize(st.HeapBytes), st.BytesPerState(), bytesize(st.TableBytes), bytesize(st.TraceBytes), bytesize(st.FrontierBytes), st.StateSize)
		fmt.Fprintf(w, "fingerprint collision probability: %.3g%s\n", st.CollisionProbability(), collisionScope(st))
	}
	if st.SpilledBytes > 0 {
		fmt.Fprintf(w, "spilled to disk: %s of states written and read back\n", bytesize(st.SpilledBytes))
	}
	if st.ParentFileBytes > 0 {
		fmt.Fprintf(w, "parent links on disk: %s (read back only to build a trace)\n", bytesize(st.ParentFileBytes))
	}
}

// JSONResult is the schema of run --json: one object on stdout.
type JSONResult struct {
	Scenario             string            `json:"scenario"`
	Params               map[string]string `json:"params"`
	Result               string            `json:"result"`
	Incomplete           string            `json:"incomplete_reason,omitempty"`
	States               uint64            `json:"states"`
	Transitions          uint64            `json:"transitions"`
	Depth                int               `json:"depth"`
	Seconds              float64           `json:"seconds"`
	StatesPerSecond      float64           `json:"states_per_second"`
	Workers              int               `json:"workers"`
	Mode                 string            `json:"mode"`
	CollisionProbability float64           `json:"collision_probability"`
	Memory               JSONMemory        `json:"memory"`
	Properties           []JSONProperty    `json:"properties"`
	Actions              []JSONAction      `json:"actions"`
	Vacuous              []string          `json:"vacuous"`
	Violation            *JSONViolation    `json:"violation,omitempty"`
	Notes                []string          `json:"notes,omitempty"`
	Swarm                *JSONSwarm        `json:"swarm,omitempty"`
	// Reduce is the --reduce that ran (after the symmetry parameter);
	// PartialOrder what the partial-order reduction did.
	Reduce       string            `json:"reduce"`
	PartialOrder *JSONPartialOrder `json:"partial_order,omitempty"`
}

// JSONSwarm is a swarm run's walks (run --shard), in --json.
type JSONSwarm struct {
	Shard      int    `json:"shard"`
	Shards     int    `json:"shards"`
	Seed       uint64 `json:"seed"`
	Walks      int    `json:"walks"`
	Depth      int    `json:"walk_depth"`
	Steps      uint64 `json:"steps"`
	WalkLength int    `json:"walk_length,omitempty"`
	Shortened  bool   `json:"shortened"`
}

// JSONMemory is the memory of the search, in bytes, in --json.
type JSONMemory struct {
	PeakHeapBytes uint64  `json:"peak_heap_bytes"`
	BytesPerState float64 `json:"bytes_per_state"`
	TableBytes    uint64  `json:"table_bytes"`
	TraceBytes    uint64  `json:"trace_bytes"`
	FrontierBytes uint64  `json:"frontier_bytes"`
	StateStore    uint64  `json:"state_store_bytes"`
	SpilledBytes  uint64  `json:"spilled_bytes"`
	ParentFile    uint64  `json:"parent_file_bytes"`
	StateSize     int     `json:"state_size"`
}

// JSONProperty is one property's verdict, in --json.
type JSONProperty struct {
	Name        string `json:"name"`
	Expectation string `json:"expectation"`
	Verdict     string `json:"verdict"`
	Length      *int   `json:"length,omitempty"`
	// Trace is the actions of the property's shortest counterexample or
	// example (every property's with --continue).
	Trace []string `json:"trace,omitempty"`
}

// JSONAction is one action's counts (states where it was enabled, where
// it changed the state, new states it reached), in --json.
type JSONAction struct {
	Name    string `json:"name"`
	Enabled uint64 `json:"enabled"`
	Changed uint64 `json:"changed"`
	New     uint64 `json:"new"`
}

// JSONViolation is the violation the search stopped at, with its trace,
// in --json.
type JSONViolation struct {
	Property string     `json:"property"`
	Kind     string     `json:"kind"`
	Length   int        `json:"length"`
	Loop     *int       `json:"loop,omitempty"`
	Stutter  bool       `json:"stutter,omitempty"`
	Cycle    []JSONWait `json:"cycle,omitempty"`
	Waits    []JSONWait `json:"waits,omitempty"`
	Steps    []JSONStep `json:"steps,omitempty"`
}

// JSONWait is one edge of a deadlock's wait-for graph, in --json.
type JSONWait struct {
	From string `json:"from"`
	To   string `json:"to"`
	Why  string `json:"why"`
}

func jsonWaits(ws []statespace.WaitEdge) []JSONWait {
	var out []JSONWait
	for _, e := range ws {
		out = append(out, JSONWait{e.From, e.To, e.Why})
	}
	return out
}

// JSONStep is one state of a counterexample, in --json.
type JSONStep struct {
	Index       int               `json:"index"`
	Action      string            `json:"action"`
	Fingerprint string            `json:"fingerprint"`
	State       map[string]string `json:"state"`
	Changed     []string          `json:"changed,omitempty"`
}

func writeJSON(w io.Writer, name string, v scenario.Values, r *statespace.Result, reduce string) error {
	st := &r.Stats
	out := JSONResult{
		Reduce: reduce, PartialOrder: jsonPartialOrderOf(r.PartialOrder),
		Scenario: name, Params: v.Map(), Result: string(r.Status), Incomplete: r.Incomplete,
		States: st.States, Transitions: st.Transitions, Depth: st.MaxDepth,
		Seconds: st.Duration.Seconds(), StatesPerSecond: st.StatesPerSecond(), Workers: st.Workers, Mode: st.Mode,
		CollisionProbability: st.CollisionProbability(),
		Memory: JSONMemory{
			PeakHeapBytes: st.HeapBytes, BytesPerState: st.BytesPerState(), TableBytes: st.TableBytes,
			TraceBytes: st.TraceBytes, FrontierBytes: st.FrontierBytes, StateSize: st.StateSize, StateStore: st.StateStoreBytes,
			SpilledBytes: st.SpilledBytes, ParentFile: st.ParentFileBytes,
		},
		Vacuous: st.Vacuous(),
		Notes:   r.Notes,
	}
	if sw := st.Swarm; sw != nil {
		out.Swarm = &JSONSwarm{Shard: sw.Shard, Shards: sw.Shards, Seed: sw.Seed, Walks: sw.Walks, Depth: sw.Depth,
			Steps: sw.Steps, WalkLength: sw.WalkLength, Shortened: sw.Shortened}
	}
	if out.Vacuous == nil {
		out.Vacuous = []string{}
	}
	for _, p := range r.Properties {
		jp := JSONProperty{Name: p.Name, Expectation: p.Expectation.String(), Verdict: p.Verdict}
		if p.Trace != nil {
			n := p.Trace.Len()
			jp.Length = &n
			jp.Trace = p.Trace.Labels()
		}
		out.Properties = append(out.Properties, jp)
	}
	for _, a := range st.Actions {
		out.Actions = append(out.Actions, JSONAction{a.Name, a.Enabled, a.Changed, a.New})
	}
	if viol := r.Violation; viol != nil {
		jv := &JSONViolation{Property: viol.Property, Kind: string(viol.Kind), Length: viol.Length(),
			Cycle: jsonWaits(viol.Cycle), Waits: jsonWaits(viol.Waits)}
		if viol.Trace != nil && viol.Trace.Loop >= 0 {
			loop := viol.Trace.Loop
			jv.Loop, jv.Stutter = &loop, viol.Trace.Stutter
		}
		if viol.Trace != nil {
			for i, s := range viol.Trace.Steps {
				js := JSONStep{Index: i, Action: s.Label, Fingerprint: fmt.Sprintf("%016x", s.Fingerprint), State: map[string]string{}}
				for _, f := range s.State {
					js.State[f.Name] = f.Value
				}
				if i > 0 {
					for _, f := range statespace.ChangedFields(viol.Trace.Steps[i-1].State, s.State) {
						js.Changed = append(js.Changed, f.Name)
					}
				}
				jv.Steps = append(jv.Steps, js)
			}
		}
		out.Violation = jv
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// collisionScope says what the collision probability covers when the run
// had a liveness pass, which fingerprints the unreduced graph too.
func collisionScope(st *statespace.Stats) string {
	if st.LivenessStates == 0 {
		return ""
	}
	return fmt.Sprintf(" (whole run: safety search, and liveness pass over %s states, %s transitions)", count(st.LivenessStates), count(st.LivenessTransitions))
}
