package statespace

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// SwarmOptions configure one member (shard) of a swarm: n independent,
// bounded, randomised searches of the same model, each of which can run on
// its own machine. A member runs Walks random walks of at most Depth steps
// from the initial states, checking every property in every state it
// visits. What a member does depends only on (Shard, Shards, Seed, Walks,
// Depth) and the model: not on the number of workers, nor on the machine.
type SwarmOptions struct {
	// Shard is this member's number, 1 ≤ Shard ≤ Shards.
	Shard, Shards int
	// Seed varies the whole swarm: the walks of a member are drawn from a
	// stream of pseudo-random numbers determined by (Seed, Shard, Shards)
	// and the walk's index.
	Seed uint64
	// Walks is the number of random walks (default 1000).
	Walks int
	// Depth is the maximum number of steps of a walk (default 1000).
	Depth int
	// ShortenStates bounds the breadth-first search that shortens a
	// counterexample: when it finds the violated property within this many
	// states it reports the shortest trace instead of the walk's (default
	// 1<<20).
	ShortenStates uint64
	// Workers, Only, Deadlock, NoDeadlock and Context are as in Options.
	Workers    int
	Only       []string
	Deadlock   DeadlockMode
	NoDeadlock bool
	Context    context.Context
	// MemoryBudget stops the member, as incomplete ("memory budget"), when
	// the Go heap exceeds this many bytes (sampled about every 100ms); zero
	// means no budget.
	MemoryBudget uint64
	// Progress, when set, is called about every ProgressInterval (default
	// 2s) with the steps of the walks finished so far (Transitions) and the
	// number of walks not yet started (Queue); Depth and States are 0.
	Progress         func(Progress)
	ProgressInterval time.Duration
}

// SwarmStats describe a swarm member's run (Stats.Swarm).
type SwarmStats struct {
	Shard, Shards int
	Seed          uint64
	// Walks is the number of walks examined: all of them, or up to the first
	// one that found a violation.
	Walks int
	// Depth is the bound on the length of a walk.
	Depth int
	// Steps is the number of steps taken by those walks.
	Steps uint64
	// WalkLength is the length of the violating walk after its loops were
	// cut out, before the shortening search (0 without a violation).
	WalkLength int
	// Shortened reports that the violation's trace is a shortest one, found
	// by the bounded breadth-first search.
	Shortened bool
}

// ModeSwarm is Stats.Mode of a swarm member's run.
const ModeSwarm = "swarm"

const (
	defaultWalks         = 1000
	defaultWalkDepth     = 1000
	defaultShortenStates = 1 << 20
	walkBlock            = 64 // walks a worker takes at a time
)

// rng is splitmix64: tiny, and fixed forever, so that a swarm member's
// walks are the same with every Go release.
type rng struct{ x uint64 }

func (r *rng) next() uint64 {
	r.x += 0x9e3779b97f4a7c15
	z := r.x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// below returns a number in [0, n).
func (r *rng) below(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

func walkSeed(seed uint64, shard, shards, walk int) uint64 {
	r := rng{seed}
	r.x ^= r.next() ^ uint64(shards)<<32 ^ uint64(shard)
	r.x ^= r.next() + uint64(walk)
	return r.next()
}

// walkHit is what a walk found: property p (deadlock = len(props)) decided
// in the state reached after acts.
type walkHit struct {
	walk int
	init int
	acts []Action
}

// Swarm runs one member of a swarm (see SwarmOptions). It returns a result
// with StatusViolation when a walk reached a state that violates an Always
// property or is a deadlock (the first such walk by index; its trace, with
// loops cut out and shortened by a bounded breadth-first search when that
// is cheap, is confirmed by Replay), and StatusIncomplete otherwise: a
// swarm never proves a property. Sometimes properties reached by a walk are
// reported as reached; Eventually properties are not checked.
func Swarm[S comparable](m Model[S], so SwarmOptions) (res *Result, err error) {
	switch {
	case so.Shards < 1:
		return nil, fmt.Errorf("statespace: swarm of %d shards; want at least 1", so.Shards)
	case so.Shard < 1 || so.Shard > so.Shards:
		return nil, fmt.Errorf("statespace: shard %d of %d; shards are numbered 1 to %d", so.Shard, so.Shards, so.Shards)
	case so.Walks < 0 || so.Depth < 0:
		return nil, fmt.Errorf("statespace: %d walks of depth %d; want positive numbers", so.Walks, so.Depth)
	}
	if so.Walks == 0 {
		so.Walks = defaultWalks
	}
	if so.Depth == 0 {
		so.Depth = defaultWalkDepth
	}
	if so.ShortenStates == 0 {
		so.ShortenStates = defaultShortenStates
	}
	c, err := newChecker(m, Options{Workers: so.Workers, Only: so.Only, Deadlock: so.Deadlock, NoDeadlock: so.NoDeadlock, Context: so.Context, MemoryBudget: so.MemoryBudget, ProgressInterval: so.ProgressInterval})
	if err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, modelPanic(p)
		}
	}()
	start := time.Now()
	inits := m.Init()
	if len(inits) == 0 {
		return nil, fmt.Errorf("statespace: the model has no initial states")
	}
	c.inits = inits
	workers := so.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	nprops := len(c.props) + 1
	var (
		mu        sync.Mutex
		nextBlock atomic.Int64
		stop      atomic.Int64 // smallest walk index with a violation
		hits      = make([]*walkHit, nprops)
		blocks    = make([]uint64, (so.Walks+walkBlock-1)/walkBlock) // steps per block, up to stop
		panicErr  error
		overMem   atomic.Bool // the memory budget is exceeded: stop
	)
	stop.Store(math.MaxInt64)
	record := func(p int, h *walkHit) {
		mu.Lock()
		if hits[p] == nil || h.walk < hits[p].walk {
			hits[p] = h
		}
		mu.Unlock()
	}
	work := func() {
		defer func() {
			if p := recover(); p != nil {
				mu.Lock()
				panicErr = modelPanic(p)
				mu.Unlock()
				stop.Store(-1)
			}
		}()
		var path []S
		var acts, buf []Action
		onPath := map[S]int{}
		for c.ctx.Err() == nil && !overMem.Load() {
			b := int(nextBlock.Add(1) - 1)
			if b >= len(blocks) || int64(b*walkBlock) > stop.Load() {
				return
			}
			var steps uint64
			for j := b * walkBlock; j < min(so.Walks, (b+1)*walkBlock) && int64(j) <= stop.Load(); j++ {
				r := rng{walkSeed(so.Seed, so.Shard, so.Shards, j)}
				init := r.below(len(inits))
				s := c.canonical(inits[init])
				path, acts = append(path[:0], s), acts[:0]
				reached := make([]bool, nprops)
				violated := false
				hit := func(p int) {
					reached[p] = true
					record(p, &walkHit{walk: j, init: init, acts: cutLoops(path, acts, onPath)})
				}
				for depth := 0; ; depth++ {
					for _, p := range c.always {
						if !p.Holds(&s) {
							hit(p.index)
							violated = true
						}
					}
					for _, p := range c.some {
						if !reached[p.index] && p.Holds(&s) {
							hit(p.index)
						}
					}
					buf = m.Actions(&s, buf[:0])
					if !c.opt.NoDeadlock && c.deadlocked(&s, buf) {
						hit(len(c.props))
						violated = true
					}
					if violated || len(buf) == 0 || depth == so.Depth {
						break
					}
					a := buf[r.below(len(buf))]
					if int(a) >= len(c.names) {
						panic(fmt.Sprintf("Actions returned action %d, but the action table has %d entries", a, len(c.names)))
					}
					s = c.canonical(m.Step(&s, a))
					path, acts = append(path, s), append(acts, a)
					steps++
				}
				if violated {
					for {
						old := stop.Load()
						if int64(j) >= old || stop.CompareAndSwap(old, int64(j)) {
							break
						}
					}
				}
			}
			mu.Lock()
			blocks[b] = steps
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(work)
	}
	if so.MemoryBudget > 0 || so.Progress != nil {
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		tick := time.NewTicker(100 * time.Millisecond)
		last := start
	watch:
		for {
			select {
			case <-done:
				break watch
			case now := <-tick.C:
				heap := c.sampleHeap()
				if so.MemoryBudget > 0 && heap > so.MemoryBudget {
					overMem.Store(true)
				}
				if so.Progress != nil && now.Sub(last) >= c.opt.ProgressInterval {
					last = now
					mu.Lock()
					var steps uint64
					for _, n := range blocks {
						steps += n
					}
					mu.Unlock()
					left := max(0, so.Walks-int(nextBlock.Load())*walkBlock)
					so.Progress(Progress{Transitions: steps, Queue: uint64(left), Elapsed: now.Sub(start), HeapByte: heap})
				}
			}
		}
		tick.Stop()
	}
	wg.Wait()
	if panicErr != nil {
		return nil, panicErr
	}

	res = &Result{}
	st := &res.Stats
	st.Mode, st.Workers, st.StateSize = ModeSwarm, workers, int(unsafe.Sizeof(*new(S)))
	sw := &SwarmStats{Shard: so.Shard, Shards: so.Shards, Seed: so.Seed, Walks: so.Walks, Depth: so.Depth}
	st.Swarm = sw
	if last := stop.Load(); last != math.MaxInt64 {
		sw.Walks = int(last) + 1
	}
	for b := 0; b*walkBlock < sw.Walks; b++ {
		sw.Steps += blocks[b]
	}
	st.Transitions = sw.Steps
	for p := range hits {
		if h := hits[p]; h != nil && h.walk >= sw.Walks {
			hits[p] = nil // found by a walk after the first violating one
		}
	}
	st.Actions = make([]ActionStats, len(c.names))
	for a, n := range c.names {
		st.Actions[a].Name = n
	}
	interrupted := c.ctx.Err() != nil
	st.HeapBytes = c.heapPeak

	var first *Violation
	firstWalk := math.MaxInt
	replayHit := func(name string, h *walkHit) (*Trace, error) {
		steps := []ReplayStep{{Action: -1}}
		s := c.canonical(inits[h.init])
		steps[0].Fingerprint = c.h.fingerprint(&s)
		for _, a := range h.acts {
			s = c.canonical(m.Step(&s, a))
			steps = append(steps, ReplayStep{Action: int(a), Label: c.names[a], Fingerprint: c.h.fingerprint(&s)})
		}
		t, err := Replay(m, h.init, steps, name, -1)
		if err != nil {
			return nil, fmt.Errorf("statespace: the swarm's counterexample to %s does not replay: %v", name, err)
		}
		return t, nil
	}
	for i, p := range c.props {
		pr := PropertyResult{Name: p.Name, Expectation: p.Expectation, Verdict: "unknown"}
		selected := slices.ContainsFunc(c.checked, func(q propCheck[S]) bool { return q.index == i })
		switch h := hits[i]; {
		case !selected || p.Expectation == Eventually:
			pr.Verdict = "not checked"
		case h != nil:
			if pr.Trace, err = replayHit(p.Name, h); err != nil {
				return nil, err
			}
			pr.Verdict = "reached"
			if p.Expectation == Always {
				pr.Verdict = "violated"
				if h.walk < firstWalk {
					first, firstWalk = &Violation{Property: p.Name, Kind: KindInvariant, Trace: pr.Trace}, h.walk
				}
			}
		}
		res.Properties = append(res.Properties, pr)
	}
	dl := PropertyResult{Name: DeadlockProperty, Expectation: Always, Verdict: "unknown"}
	switch h := hits[len(c.props)]; {
	case c.opt.NoDeadlock:
		dl.Verdict = "not checked"
	case h != nil:
		if dl.Trace, err = replayHit(DeadlockProperty, h); err != nil {
			return nil, err
		}
		dl.Verdict = "violated"
		if h.walk < firstWalk {
			first = &Violation{Property: DeadlockProperty, Kind: KindDeadlock, Trace: dl.Trace}
		}
	}
	res.Properties = append(res.Properties, dl)
	if len(c.live) > 0 {
		res.Notes = append(res.Notes, "a swarm does not check Eventually properties")
	}
	if first == nil {
		res.Status = StatusIncomplete
		res.Incomplete = fmt.Sprintf("swarm shard %d/%d: %d random walks of at most %d steps found no violation", so.Shard, so.Shards, sw.Walks, so.Depth)
		if interrupted {
			res.Incomplete = "interrupted"
		}
		if overMem.Load() {
			res.Incomplete = "memory budget"
		}
		st.Duration = time.Since(start)
		return res, nil
	}
	res.Status, res.Violation = StatusViolation, first
	sw.WalkLength = first.Trace.Len()
	// Shorten: a bounded breadth-first search for the same property.
	opt := Options{Workers: so.Workers, MaxDepth: sw.WalkLength, MaxStates: so.ShortenStates, Only: []string{first.Property}, Deadlock: so.Deadlock, Context: so.Context, MemoryBudget: so.MemoryBudget}
	if first.Property == DeadlockProperty {
		opt.Only = []string{DeadlockProperty}
	}
	if short, err := Check(m, opt); err == nil && short.Violation != nil && short.Violation.Property == first.Property {
		t := short.Violation.Trace
		steps := []ReplayStep{}
		for _, s := range t.Steps {
			steps = append(steps, ReplayStep{Action: s.Action, Label: s.Label, Fingerprint: s.Fingerprint})
		}
		if t, err := Replay(m, t.InitIndex, steps, first.Property, -1); err == nil && t.Len() <= sw.WalkLength {
			first.Trace, sw.Shortened = t, true
			first.Waits, first.Cycle = short.Violation.Waits, short.Violation.Cycle
			for i := range res.Properties {
				if res.Properties[i].Name == first.Property {
					res.Properties[i].Trace = t
				}
			}
		}
	}
	if first.Kind == KindDeadlock && first.Waits == nil {
		if wf, ok := m.(WaitForGraph[S]); ok {
			s := c.canonical(inits[first.Trace.InitIndex])
			for _, st := range first.Trace.Steps[1:] {
				s = c.canonical(m.Step(&s, Action(st.Action)))
			}
			first.Waits = wf.WaitsFor(&s)
			first.Cycle = waitCycle(first.Waits)
		}
	}
	st.MaxDepth = first.Trace.Len()
	explainViolation(m, first)
	st.Duration = time.Since(start)
	return res, nil
}

// cutLoops returns the actions of path with its cycles cut out: a path
// from the same initial state to the same last state that visits no state
// twice.
func cutLoops[S comparable](path []S, acts []Action, pos map[S]int) []Action {
	clear(pos)
	var keep []int // indices into path of the loop-free path
	for i, s := range path {
		if k, ok := pos[s]; ok {
			for _, d := range keep[k+1:] {
				delete(pos, path[d])
			}
			keep = keep[:k+1]
			continue
		}
		pos[s] = len(keep)
		keep = append(keep, i)
	}
	out := make([]Action, 0, len(keep)-1)
	for _, i := range keep[1:] {
		out = append(out, acts[i-1])
	}
	return out
}
