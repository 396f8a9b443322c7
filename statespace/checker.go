package statespace

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"
	"unsafe"
)

// The search is a level-synchronous breadth-first search, cut into rounds.
//
// In a round every worker expands one chunk of the current level (phase A):
// it checks the properties of each state, asks the model for the enabled
// actions, steps, fingerprints each successor and appends it, as a
// candidate, to the outbox of the shard that owns the fingerprint. After a
// barrier every worker stores the candidates of the shards it owns (phase
// B). No two goroutines ever write the same memory, so there is no lock on
// the hot path.
//
// Determinism: which worker finds a state first depends on the number of
// workers, so the parent kept for a new state is not "the first finder" but
// the finder with the smallest discovery key (parent fingerprint, action).
// Levels are sets, so the state count, the depth and the parent links, and
// hence every trace, are the same for any number of workers. Among the
// violations found at the smallest depth the one reported is the one with
// the smallest fingerprint.

const (
	chunkStates      = 2048 // states expanded per worker per round
	prefetchDistance = 8    // candidates between a slot's prefetch and its use
)

// Check explores the reachable states of m and checks its properties.
// It returns an error only for a misconfigured model or options; every
// verdict, including an incomplete search, is in the Result.
func Check[S comparable](m Model[S], opt Options) (*Result, error) {
	c, err := newChecker(m, opt)
	if err != nil {
		return nil, err
	}
	res := c.run()
	if c.traceErr != nil {
		return res, c.traceErr
	}
	return res, nil
}

type propCheck[S comparable] struct {
	index int // index in m.Properties()
	Property[S]
}

type checker[S comparable] struct {
	m       Model[S]
	opt     Options
	h       hasher[S]
	names   []string
	props   []Property[S]
	checked []propCheck[S] // properties selected by Options.Only
	always  []propCheck[S]
	some    []propCheck[S]
	endOK   EndStater[S]
	canon   Canonicalizer[S]
	ctx     context.Context

	workers int
	shards  [numShards]shard[S]
	// segStart[k] is the index of shard k's first state in the current
	// level, counted across shards; segStart[numShards] is the level size.
	segStart [numShards + 1]int
	ws       []*worker[S]

	// found[p] is the first discovery of property p (index in m.Properties,
	// deadlock = len(props)): a violation of an always property or
	// deadlock, or an example of a sometimes property.
	found []discovery

	depth        int
	states       uint64
	transitions  uint64
	frontierPeak uint64
	heapPeak     uint64
	incomplete   string
	start        time.Time
	lastProgress time.Time
	inits        []S
	memSample    []metrics.Sample
	traceErr     error
}

// discovery is a state where a property's verdict was decided.
type discovery struct {
	ok    bool
	depth int
	fp    uint64
	id    uint32
}

func (d *discovery) offer(depth int, fp uint64, id uint32) {
	if !d.ok || depth < d.depth || depth == d.depth && fp < d.fp {
		*d = discovery{ok: true, depth: depth, fp: fp, id: id}
	}
}

type worker[S comparable] struct {
	out     [numShards][]candidate[S]
	acts    []Action
	succ    []S
	enabled []uint64
	changed []uint64
	trans   uint64
	found   []discovery
	beyond  bool
	sink    uint64 // keeps the prefetching loads alive
}

func newChecker[S comparable](m Model[S], opt Options) (*checker[S], error) {
	h, err := newHasher(m)
	if err != nil {
		return nil, err
	}
	c := &checker[S]{m: m, opt: opt, h: h, names: m.ActionNames(), props: m.Properties()}
	if len(c.names) > 1<<16 {
		return nil, fmt.Errorf("statespace: %d actions; at most %d are supported", len(c.names), 1<<16)
	}
	seen := map[string]bool{}
	for _, p := range c.props {
		if p.Name == "" || p.Name == DeadlockProperty || seen[p.Name] {
			return nil, fmt.Errorf("statespace: invalid or duplicate property name %q", p.Name)
		}
		if p.Holds == nil {
			return nil, fmt.Errorf("statespace: property %q has no predicate", p.Name)
		}
		if p.Expectation != Always && p.Expectation != Sometimes {
			return nil, fmt.Errorf("statespace: property %q has unknown expectation %d", p.Name, p.Expectation)
		}
		seen[p.Name] = true
	}
	checkDeadlock := !opt.NoDeadlock
	if len(opt.Only) > 0 {
		want := map[string]bool{}
		for _, n := range opt.Only {
			if n != DeadlockProperty && !seen[n] {
				return nil, fmt.Errorf("statespace: unknown property %q (the model has %s)", n, c.propertyList())
			}
			want[n] = true
		}
		checkDeadlock = checkDeadlock && want[DeadlockProperty]
		for i, p := range c.props {
			if want[p.Name] {
				c.checked = append(c.checked, propCheck[S]{i, p})
			}
		}
	} else {
		for i, p := range c.props {
			c.checked = append(c.checked, propCheck[S]{i, p})
		}
	}
	c.opt.NoDeadlock = !checkDeadlock
	for _, p := range c.checked {
		if p.Expectation == Always {
			c.always = append(c.always, p)
		} else {
			c.some = append(c.some, p)
		}
	}
	if e, ok := m.(EndStater[S]); ok {
		c.endOK = e
	}
	if cn, ok := m.(Canonicalizer[S]); ok {
		c.canon = cn
	}
	c.ctx = opt.Context
	if c.ctx == nil {
		c.ctx = context.Background()
	}
	if opt.MaxDepth < 0 {
		return nil, fmt.Errorf("statespace: negative max depth %d", opt.MaxDepth)
	}
	c.workers = opt.Workers
	if c.workers <= 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	if c.workers > numShards {
		c.workers = numShards
	}
	if c.opt.ProgressInterval <= 0 {
		c.opt.ProgressInterval = 2 * time.Second
	}
	c.found = make([]discovery, len(c.props)+1)
	for i := range c.shards {
		c.shards[i].init()
	}
	c.ws = make([]*worker[S], c.workers)
	for i := range c.ws {
		c.ws[i] = &worker[S]{
			enabled: make([]uint64, len(c.names)),
			changed: make([]uint64, len(c.names)),
			found:   make([]discovery, len(c.props)+1),
		}
	}
	c.memSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	return c, nil
}

func (c *checker[S]) propertyList() string {
	names := []string{DeadlockProperty}
	for _, p := range c.props {
		names = append(names, p.Name)
	}
	return fmt.Sprint(names)
}

func (c *checker[S]) canonical(s S) S {
	if c.canon != nil {
		return c.canon.Canonical(s)
	}
	return s
}

func (c *checker[S]) run() *Result {
	c.start = time.Now()
	c.lastProgress = c.start
	c.inits = c.m.Init()
	if len(c.inits) > 1<<16 {
		c.incomplete = "too many initial states"
	}
	// Level 0: the initial states.
	for i, s := range c.inits {
		if i >= 1<<16 {
			break
		}
		cs := c.canonical(s)
		cand := candidate[S]{state: cs, fp: c.h.fingerprint(&cs), parent: noParent, act: uint16(i)}
		sh := &c.shards[shardOf(cand.fp)]
		if sh.offer(&cand, false) == inserted {
			c.states++
		}
	}
	c.settleLevel()
	for c.incomplete == "" {
		last := c.opt.MaxDepth > 0 && c.depth == c.opt.MaxDepth
		c.expandLevel(last)
		if c.violated() || c.incomplete != "" {
			break
		}
		if last {
			for _, w := range c.ws {
				if w.beyond {
					c.incomplete = "max depth"
				}
			}
			break
		}
		if c.nextLevelEmpty() {
			break
		}
		c.settleLevel()
		c.depth++
	}
	return c.result()
}

// violated reports whether an always property or deadlock has a discovery.
func (c *checker[S]) violated() bool {
	for _, p := range c.always {
		if c.found[p.index].ok {
			return true
		}
	}
	return c.found[len(c.props)].ok
}

func (c *checker[S]) nextLevelEmpty() bool {
	for i := range c.shards {
		if len(c.shards[i].next.states) > 0 {
			return false
		}
	}
	return true
}

// settleLevel makes the level just built the one to expand.
func (c *checker[S]) settleLevel() {
	c.parallel(func(w int) {
		for k := w; k < numShards; k += c.workers {
			c.shards[k].settle()
		}
	})
	var fb uint64
	for k := range c.shards {
		sh := &c.shards[k]
		fb += sh.cur.bytes(unsafe.Sizeof(*new(S))) + sh.next.bytes(unsafe.Sizeof(*new(S)))
	}
	c.frontierPeak = max(c.frontierPeak, fb)
}

// chunk is a range of the current level, numbered across the shards in
// shard order.
type chunk struct{ start, end int }

// expandLevel expands every state of the current level, storing the new
// successors in the next level. With last, the successors are only looked
// up (the depth bound).
func (c *checker[S]) expandLevel(last bool) {
	// Cut the level into rounds of one chunk per worker, with equal chunks
	// so that small levels keep every worker busy too.
	n := 0
	for k := range c.shards {
		c.segStart[k] = n
		n += len(c.shards[k].cur.states)
	}
	c.segStart[numShards] = n
	rounds := (n + c.workers*chunkStates - 1) / (c.workers * chunkStates)
	size := (n + rounds*c.workers - 1) / max(1, rounds*c.workers)
	for r := 0; r < rounds; r++ {
		c.parallel(func(w int) {
			start := min((r*c.workers+w)*size, n)
			c.expand(c.ws[w], chunk{start, min(start+size, n)})
		})
		c.parallel(func(w int) { c.store(w, last) })
		c.states = 0
		for k := range c.shards {
			c.states += uint64(c.shards[k].count)
		}
		if c.checkBounds(uint64(n - min(n, (r+1)*c.workers*size))) {
			return
		}
	}
	// Merge the workers' discoveries of this level.
	for _, w := range c.ws {
		for p := range w.found {
			if w.found[p].ok {
				c.found[p].offer(w.found[p].depth, w.found[p].fp, w.found[p].id)
				w.found[p] = discovery{}
			}
		}
	}
}

// checkBounds stops the run at a bound, an interruption or when the memory
// budget is exhausted, and reports progress. left is the number of states
// of the level still to expand.
func (c *checker[S]) checkBounds(left uint64) bool {
	if c.opt.MaxStates > 0 && c.states >= c.opt.MaxStates {
		c.incomplete = "max states"
	}
	for k := range c.shards {
		if c.shards[k].count >= maxLocalID {
			c.incomplete = "state id space exhausted"
		}
	}
	metrics.Read(c.memSample)
	heap := c.memSample[0].Value.Uint64()
	c.heapPeak = max(c.heapPeak, heap)
	if c.opt.MemoryBudget > 0 && heap > c.opt.MemoryBudget {
		c.incomplete = "memory budget"
	}
	if c.ctx.Err() != nil {
		c.incomplete = "interrupted"
	}
	if c.opt.Progress != nil {
		if now := time.Now(); now.Sub(c.lastProgress) >= c.opt.ProgressInterval {
			c.lastProgress = now
			queue := left
			for k := range c.shards {
				queue += uint64(len(c.shards[k].next.states))
			}
			c.opt.Progress(Progress{
				Depth: c.depth, States: c.states, Transitions: c.sumTransitions(),
				Queue: queue, Elapsed: now.Sub(c.start), HeapByte: heap,
			})
		}
	}
	return c.incomplete != ""
}

func (c *checker[S]) sumTransitions() uint64 {
	var t uint64
	for _, w := range c.ws {
		t += w.trans
	}
	return t
}

// parallel runs f(0..workers-1) concurrently and waits for all of them.
func (c *checker[S]) parallel(f func(w int)) {
	if c.workers == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < c.workers; w++ {
		wg.Go(func() { f(w) })
	}
	f(0)
	wg.Wait()
}

// expand is phase A for one chunk.
func (c *checker[S]) expand(w *worker[S], ch chunk) {
	deadlock := len(c.props)
	k, _ := slices.BinarySearch(c.segStart[:], ch.start+1)
	k-- // the shard whose segment holds ch.start
	for g := ch.start; g < ch.end; g++ {
		for g >= c.segStart[k+1] {
			k++
		}
		sh := &c.shards[k]
		e := g - c.segStart[k]
		s := &sh.cur.states[e]
		fp := c.h.fingerprint(s)
		id := stateID(sh.curBase+uint32(e), k)
		for _, p := range c.always {
			if !p.Holds(s) {
				w.found[p.index].offer(c.depth, fp, id)
			}
		}
		for _, p := range c.some {
			if !c.found[p.index].ok && p.Holds(s) {
				w.found[p.index].offer(c.depth, fp, id)
			}
		}
		w.acts = c.m.Actions(s, w.acts[:0])
		if len(w.acts) == 0 {
			if !c.opt.NoDeadlock && (c.endOK == nil || !c.endOK.ValidEnd(s)) {
				w.found[deadlock].offer(c.depth, fp, id)
			}
			continue
		}
		w.succ = w.succ[:0]
		for _, a := range w.acts {
			w.succ = append(w.succ, c.m.Step(s, a))
		}
		w.trans += uint64(len(w.acts))
		for i, a := range w.acts {
			n := &w.succ[i]
			w.enabled[a]++
			if *n != *s {
				w.changed[a]++
			}
			if c.canon != nil {
				*n = c.canon.Canonical(*n)
			}
			nfp := c.h.fingerprint(n)
			k := shardOf(nfp)
			w.out[k] = append(w.out[k], candidate[S]{state: *n, fp: nfp, pfp: fp, parent: id, act: uint16(a)})
		}
	}
}

// store is phase B: worker w stores the candidates of the shards it owns.
func (c *checker[S]) store(w int, last bool) {
	for k := w; k < numShards; k += c.workers {
		sh := &c.shards[k]
		for _, src := range c.ws {
			out := src.out[k]
			// Touch the home slot of a candidate a few places ahead so that
			// its cache miss overlaps with the work on the current one.
			var sink uint64
			for i := range out {
				if j := i + prefetchDistance; j < len(out) {
					sink += sh.slots[out[j].fp&sh.mask]
				}
				if sh.offer(&out[i], last) == beyondBound {
					c.ws[w].beyond = true
				}
			}
			c.ws[w].sink += sink
			src.out[k] = out[:0]
		}
	}
}

func (c *checker[S]) result() *Result {
	res := &Result{}
	st := &res.Stats
	st.Workers = c.workers
	st.Duration = time.Since(c.start)
	st.States = 0
	for k := range c.shards {
		sh := &c.shards[k]
		st.States += uint64(sh.count)
		st.TableBytes += uint64(len(sh.slots)) * 8
		st.TraceBytes += sh.parent.bytes(4) + sh.action.bytes(2)
	}
	st.Transitions = c.sumTransitions()
	st.MaxDepth = c.depth
	if !c.nextLevelEmpty() {
		st.MaxDepth++
	}
	st.FrontierBytes = c.frontierPeak
	metrics.Read(c.memSample)
	st.HeapBytes = max(c.heapPeak, c.memSample[0].Value.Uint64())
	st.StateSize = int(unsafe.Sizeof(*new(S)))
	st.Actions = make([]ActionStats, len(c.names))
	for a, n := range c.names {
		st.Actions[a].Name = n
		for _, w := range c.ws {
			st.Actions[a].Enabled += w.enabled[a]
			st.Actions[a].Changed += w.changed[a]
		}
	}
	for k := range c.shards {
		sh := &c.shards[k]
		for i := uint32(0); i < sh.parent.n; i++ {
			if sh.parent.get(i) != noParent {
				st.Actions[sh.action.get(i)].New++
			}
		}
	}
	res.Incomplete = c.incomplete

	// Verdicts, in model order; deadlock last.
	var first *Violation
	firstDepth := -1
	for i, p := range c.props {
		pr := PropertyResult{Name: p.Name, Expectation: p.Expectation, Verdict: "unknown"}
		selected := slices.ContainsFunc(c.checked, func(q propCheck[S]) bool { return q.index == i })
		d := c.found[i]
		switch {
		case !selected:
			pr.Verdict = "not checked"
		case d.ok && p.Expectation == Always:
			pr.Verdict = "violated"
			pr.Trace = c.trace(d)
			if firstDepth < 0 || d.depth < firstDepth {
				first, firstDepth = &Violation{Property: p.Name, Kind: KindInvariant, Trace: pr.Trace}, d.depth
			}
		case d.ok:
			pr.Verdict = "reached"
			pr.Trace = c.trace(d)
		case c.incomplete == "" && !c.violated() && p.Expectation == Always:
			pr.Verdict = "holds"
		case c.incomplete == "" && !c.violated():
			pr.Verdict = "unreached"
		}
		res.Properties = append(res.Properties, pr)
	}
	dl := PropertyResult{Name: DeadlockProperty, Expectation: Always, Verdict: "unknown"}
	switch d := c.found[len(c.props)]; {
	case c.opt.NoDeadlock:
		dl.Verdict = "not checked"
	case d.ok:
		dl.Verdict = "violated"
		dl.Trace = c.trace(d)
		if firstDepth < 0 || d.depth < firstDepth {
			first = &Violation{Property: DeadlockProperty, Kind: KindDeadlock, Trace: dl.Trace}
		}
	case c.incomplete == "" && !c.violated():
		dl.Verdict = "holds"
	}
	res.Properties = append(res.Properties, dl)
	if first == nil && c.incomplete == "" {
		for _, pr := range res.Properties {
			if pr.Verdict == "unreached" {
				first = &Violation{Property: pr.Name, Kind: KindUnreachable}
				break
			}
		}
	}
	switch {
	case first != nil:
		res.Status = StatusViolation
		res.Violation = first
	case c.incomplete != "":
		res.Status = StatusIncomplete
	default:
		res.Status = StatusOK
	}
	return res
}
