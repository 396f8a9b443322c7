package pbt

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/commands"
)

// gState is gopter's model state: the model's state, how it was reached,
// and the actions enabled in it.
type gState[S comparable] struct {
	s     S
	init  int
	depth int
	// target is a step at which the walk may end early (see genCmd).
	target  int
	enabled []statespace.Action
	// subst is the renaming of arguments that shrunk commands so far
	// carry forward (see gCmd).
	subst []swap
	// generated marks a state built while generating, before any walk
	// failed (see PreCondition).
	generated bool
}

func (e *engine[S]) newGState(s S, init, depth, target int, subst []swap) *gState[S] {
	return &gState[S]{s: s, init: init, depth: depth, target: target, enabled: e.m.Actions(&s, nil), subst: subst,
		generated: e.first == nil}
}

// gExec is the system under test of one gopter execution: the model run a
// second time, step by step, next to gopter's own NextState (the two must
// agree: Step is deterministic), with the first violation it met.
type gExec[S comparable] struct {
	s       S
	init    int
	path    []statespace.Action
	enabled []statespace.Action
	subst   []swap
	failed  bool
}

// gCmd is one command: an action, or halt (the walk reached a state
// without enabled actions and stays there).
//
// A generated command is a plain action. Shrinking an action towards a
// smaller argument (device 2 → device 0) usually breaks the sequence if
// only that step changes: the device's later steps still name device 2.
// So a shrunk command keeps its action and carries swaps instead: swaps
// (renaming this step's and every later step's arguments) or local (this
// step's only). The action a command takes is its action translated by the
// renamings of the commands before it and its own.
type gCmd[S comparable] struct {
	e            *engine[S]
	a            statespace.Action
	swaps, local []swap
	halt         bool
}

func (c *gCmd[S]) String() string {
	if c.halt {
		return "(no action enabled)"
	}
	s := c.e.names[c.a]
	if len(c.swaps)+len(c.local) > 0 {
		s += fmt.Sprintf(" (renamed %v, here only %v)", c.swaps, c.local)
	}
	return s
}

// action is the action the command takes after the renamings subst.
func (c *gCmd[S]) action(subst []swap) (statespace.Action, bool) {
	all := subst
	if len(c.swaps)+len(c.local) > 0 {
		all = append(append(slices.Clip(subst), c.swaps...), c.local...)
	}
	return c.e.kt.translate(all, c.a)
}

// forward is the renaming in force after the command.
func (c *gCmd[S]) forward(subst []swap) []swap {
	if len(c.swaps) == 0 {
		return subst
	}
	return append(slices.Clip(subst), c.swaps...)
}

// PreCondition: the action is enabled (halt: nothing is).
//
// gopter filters the first shrinks of a command with PreCondition on the
// state where the command was generated. Once other commands have been
// removed from the sequence that state is stale, and it would reject the
// renamings that make sense in the new sequence. Such a query (a state
// generated before the first failure, asked after it) is answered yes:
// gopter checks every shrunk sequence again from its initial state, with
// fresh states, before running it, and that check decides.
func (c *gCmd[S]) PreCondition(state commands.State) bool {
	st := state.(*gState[S])
	if st.generated && c.e.first != nil {
		return true
	}
	if c.halt {
		return len(st.enabled) == 0
	}
	a, ok := c.action(st.subst)
	return ok && slices.Contains(st.enabled, a)
}

// NextState steps the model.
func (c *gCmd[S]) NextState(state commands.State) commands.State {
	if c.halt {
		return state
	}
	st := state.(*gState[S])
	a, _ := c.action(st.subst)
	return c.e.newGState(c.e.norm(c.e.m.Step(&st.s, a)), st.init, st.depth+1, st.target, c.forward(st.subst))
}

// Run steps the execution's own copy of the model and checks the state
// reached.
func (c *gCmd[S]) Run(sut commands.SystemUnderTest) commands.Result {
	x := sut.(*gExec[S])
	if x.failed || c.halt {
		return x
	}
	e := c.e
	a, _ := c.action(x.subst)
	x.subst = c.forward(x.subst)
	x.s = e.norm(e.m.Step(&x.s, a))
	x.path = append(x.path, a)
	x.enabled = e.m.Actions(&x.s, x.enabled[:0])
	if p, k := e.visit(&x.s, x.enabled, &a); p != "" {
		x.failed = true
		e.failed(p, k, x.init, x.path)
	}
	return x
}

// PostCondition fails once the execution has met a violation.
func (c *gCmd[S]) PostCondition(state commands.State, result commands.Result) *gopter.PropResult {
	x := result.(*gExec[S])
	if x.failed {
		return &gopter.PropResult{Status: gopter.PropFalse}
	}
	if st := state.(*gState[S]); st.s != x.s {
		return &gopter.PropResult{Status: gopter.PropError,
			Error: fmt.Errorf("pbt: stepping the same path twice gave different states: the model's Step is not deterministic")}
	}
	return &gopter.PropResult{Status: gopter.PropTrue}
}

// shrinkCmd shrinks a command towards the same kind of action with
// smaller arguments: for each smaller action, first renamed from this step
// on (the whole device moves), then at this step only. The candidates are
// computed from the command's own action and renamings (a command does not
// know those of the commands before it), and each one makes that action
// strictly smaller, so shrinking terminates.
func (e *engine[S]) shrinkCmd(v any) gopter.Shrink {
	c := v.(*gCmd[S])
	if c.halt {
		return gopter.NoShrink
	}
	own, ok := c.action(nil)
	if !ok {
		return gopter.NoShrink
	}
	var out []*gCmd[S]
	for _, b := range e.kt.smaller(own) {
		sw := e.kt.swapsBetween(own, b)
		out = append(out,
			&gCmd[S]{e: e, a: c.a, swaps: append(slices.Clip(c.swaps), sw...), local: c.local},
			&gCmd[S]{e: e, a: c.a, swaps: c.swaps, local: append(slices.Clip(c.local), sw...)})
	}
	return func() (any, bool) {
		if len(out) == 0 {
			return nil, false
		}
		x := out[0]
		out = out[1:]
		return x, true
	}
}

// genCmd generates a command enabled in state, uniformly among the
// candidates (see engine.candidates), shrinking as shrinkCmd.
func (e *engine[S]) genCmd(state commands.State) gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		st := state.(*gState[S])
		if len(st.enabled) == 0 {
			return gopter.NewGenResult(&gCmd[S]{e: e, halt: true}, gopter.NoShrinker)
		}
		// gopter's size is the length of the command sequence. A walk
		// may also end at its target step, drawn with its initial state:
		// ending actions (e.g. the buffer's release) need a quiet state,
		// which a short walk reaches far more often than a long one.
		last := st.depth >= p.MaxSize-1 || st.depth == st.target-1
		cands := e.candidates(&st.s, st.enabled, last, nil)
		return gopter.NewGenResult(&gCmd[S]{e: e, a: cands[p.Rng.Intn(len(cands))]}, e.shrinkCmd)
	}
}

// gopterSeed is the seed of a gopter run: the options', EnvGopterSeed,
// EnvSeed, or the clock.
func gopterSeed(opt Options) int64 {
	if opt.Seed != 0 {
		return opt.Seed
	}
	if v := os.Getenv(EnvGopterSeed); v != "" {
		if n, err := strconv.ParseInt(v, 0, 64); err == nil {
			return n
		}
	}
	if s := seedOf(opt); s != 0 {
		return s
	}
	return time.Now().UnixNano()
}

// Gopter runs m under github.com/leanovate/gopter's commands package with
// opt and returns what it did. Like Rapid it reports a violation in the
// Report, not on t; the Report's Reproduce field holds the seed to replay
// it with (EnvGopterSeed).
//
// gopter's sequence lengths (its size parameter) grow linearly from
// Budget.MaxSteps/2 to Budget.MaxSteps over the run; a walk may also end
// at a random earlier step through an action that leads to a valid end
// state, and a walk in a state without enabled actions stays there.
func Gopter[S comparable](t testing.TB, m statespace.Model[S], opt Options) *Report {
	t.Helper()
	e, err := newEngine("gopter", m, opt)
	if err != nil {
		t.Fatalf("%v", err)
		return nil
	}
	e.kt = deriveKinds(m, e.names)
	start := time.Now()
	seed := gopterSeed(opt)
	// The initial states are fixed: check them once, outside gopter.
	for i := range e.inits {
		s := e.inits[i]
		if p, k := e.visit(&s, e.m.Actions(&s, nil), nil); p != "" {
			e.failed(p, k, i, nil)
			r := e.finish(start, "the initial state violates it")
			r.Seed = seed
			return r
		}
	}
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = e.budget.Runs
	// Sizes (walk lengths) grow from MaxSteps/2 to MaxSteps: short walks
	// rarely reach the interleavings that matter, and shrinking, not the
	// generator, is what makes a counterexample short.
	params.MinSize = e.budget.MaxSteps / 2
	params.MaxSize = e.budget.MaxSteps + 1
	params.Workers = 1
	cmds := &commands.ProtoCommands{
		NewSystemUnderTestFunc: func(initial commands.State) commands.SystemUnderTest {
			st := initial.(*gState[S])
			e.rep.Walks++
			return &gExec[S]{s: st.s, init: st.init}
		},
		InitialStateGen: func(p *gopter.GenParameters) *gopter.GenResult {
			i := 0
			if len(e.inits) > 1 {
				i = p.Rng.Intn(len(e.inits))
			}
			target := 1 + p.Rng.Intn(max(p.MaxSize, 1))
			return gopter.NewGenResult(e.newGState(e.inits[i], i, 0, target, nil), gopter.NoShrinker)
		},
		GenCommandFunc: e.genCmd,
	}
	res := commands.Prop(cmds).Check(params)
	reproduce := fmt.Sprintf("%s=%d go test -run '^%s$' (same budget: %s, %s=%q)", EnvGopterSeed, seed, t.Name(), e.budget, EnvSoak, os.Getenv(EnvSoak))
	r := e.finish(start, reproduce)
	r.Seed = seed
	r.Log = append(r.Log, fmt.Sprintf("gopter: %s after %d passed walks (seed %d)", res.Status, res.Succeeded, seed))
	for _, a := range res.Args {
		r.Log = append(r.Log, fmt.Sprintf("gopter: %d successful shrinks", a.Shrinks))
	}
	switch {
	case res.Status == gopter.TestError:
		r.Err = fmt.Errorf("gopter: %v", res.Error)
	case res.Status == gopter.TestExhausted:
		r.Err = fmt.Errorf("gopter gave up: %d walks passed, %d discarded", res.Succeeded, res.Discarded)
	case res.Status == gopter.TestFailed && r.Violation == nil:
		r.Err = fmt.Errorf("gopter failed without a property violation: %v", res.Labels)
	}
	return r
}
