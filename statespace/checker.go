package statespace

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// The search is a level-synchronous breadth-first search, cut into rounds.
//
// In a round the workers expand one chunk of the current level (phase A),
// claiming it in grains of grainStates from an atomic counter so that a
// worker that is slowed (by the host, or by states with many successors)
// does not hold the others at the barrier. For each state a worker
// checks its properties, asks the model for the enabled
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
	chunkStates      = 8192 // states expanded per worker per round
	grainStates      = 512  // states a worker claims at a time within a round
	prefetchDistance = 8    // candidates between a slot's prefetch and its use
	localBatch       = 256  // successors of its own shards a worker stores at once
)

// Check explores the reachable states of m and checks its properties.
// It returns an error only for a misconfigured model or options; every
// verdict, including an incomplete search, is in the Result.
func Check[S comparable](m Model[S], opt Options) (*Result, error) {
	if opt.Swarm != nil {
		if opt.Continue {
			return nil, fmt.Errorf("statespace: Continue does not apply to a swarm run, which stops at its first violation")
		}
		if opt.MaxStates != 0 || opt.MaxDepth != 0 || opt.FullState || opt.SpillDir != "" {
			return nil, fmt.Errorf("statespace: a swarm run has its own bounds (walks, depth) and stores no state: MaxStates, MaxDepth, FullState and SpillDir do not apply")
		}
		so := *opt.Swarm
		so.Workers, so.Only, so.Deadlock, so.NoDeadlock, so.Context = opt.Workers, opt.Only, opt.Deadlock, opt.NoDeadlock, opt.Context
		so.MemoryBudget, so.Progress, so.ProgressInterval = opt.MemoryBudget, opt.Progress, opt.ProgressInterval
		return Swarm(m, so)
	}
	if opt.PartialOrder {
		return checkPartialOrder(m, opt)
	}
	c, err := newChecker(m, opt)
	if err != nil {
		return nil, err
	}
	return c.check()
}

// check runs the search, turning a panic in the model's code into an error.
func (c *checker[S]) check() (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, modelPanic(p)
		}
	}()
	c.inits = c.m.Init()
	switch {
	case len(c.inits) == 0:
		return nil, fmt.Errorf("statespace: the model has no initial states")
	case len(c.inits) > 1<<16:
		return nil, fmt.Errorf("statespace: the model has %d initial states; at most %d are supported", len(c.inits), 1<<16)
	}
	if err := c.setupSpill(); err != nil {
		return nil, err
	}
	defer c.cleanupSpill()
	if err := c.setupLinks(); err != nil {
		return nil, err
	}
	defer c.cleanupLinks()
	defer c.releaseTables()
	res = c.run()
	if c.modelErr == nil && c.traceErr == nil {
		explainViolation(c.m, res.Violation)
	}
	if c.modelErr != nil {
		return nil, c.modelErr
	}
	if c.traceErr != nil {
		return res, c.traceErr
	}
	return res, nil
}

func modelPanic(p any) error {
	return fmt.Errorf("statespace: the model panicked: %v\n%s", p, debug.Stack())
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
	live    []propCheck[S] // Eventually properties, checked after the search
	// liveStates and liveEdges are the size of the liveness pass's graph.
	liveStates, liveEdges uint64
	lasso                 map[int]*Trace // their counterexamples, by property index
	endOK                 EndStater[S]
	stutter               bool // deadlock detection with DeadlockStutter
	canon                 Canonicalizer[S]
	por                   PartialOrder[S] // Options.PartialOrder, when it applies
	porWhy                string          // why not, when it does not
	ctx                   context.Context
	plain                 bool // S is plain memory (full-state mode orders states by their bytes)

	workers int
	shards  [numShards]shard[S]
	// segStart[k] is the index of shard k's first state in the current
	// level, counted across shards; segStart[numShards] is the level size.
	segStart [numShards + 1]int
	ws       []*worker[S]
	// claim is the next unclaimed state of the round being expanded:
	// workers take grains of it, so one that is slowed (by the host, or a
	// run of states with many successors) does not hold up the barrier.
	claim atomic.Int64
	// budget is the number of states still allowed by Options.MaxStates
	// (negative once a state was refused), shared by the shards.
	budget atomic.Int64
	// offHeap is the memory of the tables kept outside the Go heap
	// (table.go), counted with the heap against the memory budget.
	offHeap atomic.Int64

	// found[p] is the first discovery of property p (index in m.Properties,
	// deadlock = len(props)): a violation of an always property or
	// deadlock, or an example of a sometimes property.
	found []discovery

	depth        int
	states       uint64
	frontierPeak uint64
	heapPeak     uint64
	incomplete   string
	start        time.Time
	lastProgress time.Time
	inits        []S
	memSample    []metrics.Sample
	notes        []string
	// lf is the parent file (links.go), nil when every link stays in
	// memory.
	lf *linkFile
	// Spilling (spill.go): the run's directory, and the window of the
	// current round when the level is expanded from files.
	spillDir     string
	win          []S
	winStart     int
	spillReadErr error
	traceErr     error
	modelErr     error // a panic in the model's code, from any worker
	mu           sync.Mutex
}

// discovery is a state where a property's verdict was decided.
type discovery struct {
	ok    bool
	depth int
	fp    uint64
	id    uint32
}

// offerFound records a discovery in d if it comes first: smaller depth,
// then smaller fingerprint, then (different states with the same
// fingerprint, full-state mode only; both are states of the level being
// expanded) the smaller state.
func (c *checker[S]) offerFound(d *discovery, depth int, fp uint64, id uint32) {
	if !d.ok || depth < d.depth || depth == d.depth && (fp < d.fp || fp == d.fp && id != d.id && c.opt.FullState && c.stateLess(id, d.id)) {
		*d = discovery{ok: true, depth: depth, fp: fp, id: id}
	}
}

type worker[S comparable] struct {
	index   int
	out     [2][numShards][]candidate[S] // double-buffered by round parity
	local   []candidate[S]               // successors of the worker's own shards
	acts    []Action
	ample   []Action // the ample set of the state being expanded (Options.PartialOrder)
	succ    []S
	enabled []uint64
	changed []uint64
	// created[a] counts the states first reached by action a whose parent
	// links this worker wrote to the parent file.
	created []uint64
	trans   uint64
	found   []discovery
	beyond  bool
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
	labels := map[string]bool{}
	for _, n := range c.names {
		if labels[n] {
			return nil, fmt.Errorf("statespace: action name %q appears twice in the action table; traces could not tell the actions apart", n)
		}
		labels[n] = true
	}
	seen := map[string]bool{}
	for _, p := range c.props {
		if p.Name == "" || p.Name == DeadlockProperty || seen[p.Name] {
			return nil, fmt.Errorf("statespace: invalid or duplicate property name %q", p.Name)
		}
		if p.Holds == nil {
			return nil, fmt.Errorf("statespace: property %q has no predicate", p.Name)
		}
		if p.Expectation > Eventually {
			return nil, fmt.Errorf("statespace: property %q has unknown expectation %d", p.Name, p.Expectation)
		}
		seen[p.Name] = true
	}
	if opt.Deadlock > DeadlockOff {
		return nil, fmt.Errorf("statespace: unknown deadlock mode %d", opt.Deadlock)
	}
	if opt.Deadlock == DeadlockDefault {
		opt.Deadlock = DeadlockStuck
		if dm, ok := any(m).(DeadlockModer); ok {
			switch d := dm.DeadlockMode(); {
			case d > DeadlockOff:
				return nil, fmt.Errorf("statespace: the model declares the unknown deadlock mode %d", d)
			case d != DeadlockDefault:
				opt.Deadlock = d
			}
		}
		c.opt.Deadlock = opt.Deadlock
	}
	checkDeadlock := !opt.NoDeadlock && opt.Deadlock != DeadlockOff
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
	c.stutter = checkDeadlock && opt.Deadlock == DeadlockStutter
	if !checkDeadlock {
		c.opt.Deadlock = DeadlockOff
	}
	for _, p := range c.checked {
		switch p.Expectation {
		case Always:
			c.always = append(c.always, p)
		case Sometimes:
			c.some = append(c.some, p)
		case Eventually:
			c.live = append(c.live, p)
		}
	}
	if e, ok := m.(EndStater[S]); ok {
		c.endOK = e
	}
	if cn, ok := m.(Canonicalizer[S]); ok {
		c.canon = cn
	}
	if opt.PartialOrder {
		po, ok := m.(PartialOrder[S])
		ch, chooses := m.(PartialOrderChooser)
		applies, why := true, ""
		if chooses {
			applies, why = ch.PartialOrderApplies()
		}
		switch {
		case !ok:
			c.porWhy = "the model has none"
		case c.stutter:
			c.porWhy = "stuttering deadlocks are not preserved by it"
		case !applies:
			c.porWhy = why
		default:
			c.por = po
			if f, ok := m.(PartialOrderFocus[S]); ok {
				names := make([]string, len(c.checked))
				for i, p := range c.checked {
					names[i] = p.Name
				}
				c.por = f.PartialOrderFor(names)
			}
		}
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
	if opt.FullState {
		t := reflect.TypeFor[S]()
		c.plain = plainMemory(t, t.String()) == nil
	}
	if opt.MaxStates > 0 {
		c.budget.Store(int64(min(opt.MaxStates, math.MaxInt64)))
	}
	for i := range c.shards {
		c.shards[i].init(opt.FullState, &c.offHeap)
		if opt.MaxStates > 0 {
			c.shards[i].budget = &c.budget
		}
	}
	c.ws = make([]*worker[S], c.workers)
	for i := range c.ws {
		c.ws[i] = &worker[S]{
			index:   i,
			enabled: make([]uint64, len(c.names)),
			changed: make([]uint64, len(c.names)),
			created: make([]uint64, len(c.names)),
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
	// Level 0: the initial states.
	for i, s := range c.inits {
		cs := c.canonical(s)
		cand := candidate[S]{state: cs, fp: c.h.fingerprint(&cs), parent: noParent, act: uint16(i)}
		sh := &c.shards[shardOf(cand.fp)]
		r := inserted
		if c.opt.FullState {
			r = sh.offerFull(&cand, false, c.stateLess)
		} else {
			r = sh.offer(&cand, false)
		}
		if r == inserted {
			c.states++
		}
	}
	c.checkBudget(0)
	c.settleLevel()
	for c.incomplete == "" {
		last := c.opt.MaxDepth > 0 && c.depth == c.opt.MaxDepth
		c.expandLevel(last)
		c.checkBudget(c.depth + 1)
		if c.stopped() || c.incomplete != "" || c.modelErr != nil || c.opt.untilReached && c.everyExampleFound() {
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
	if len(c.live) > 0 && c.incomplete == "" && !c.stopped() && c.modelErr == nil {
		c.dropLevels()
		c.checkLiveness()
	}
	return c.result()
}

// dropLevels lets the garbage collector have the memory of the BFS levels
// (after a complete search, before the liveness pass).
func (c *checker[S]) dropLevels() {
	for k := range c.shards {
		sh := &c.shards[k]
		sh.cur, sh.next, sh.pools = level[S]{}, level[S]{}, levelPools[S]{madeStates: sh.pools.madeStates, madeKeys: sh.pools.madeKeys}
	}
}

// deadlocked reports whether s, in which the actions acts are enabled, is a
// deadlock in the run's mode (DeadlockStuck or DeadlockStutter), ignoring
// whether deadlock detection is on.
func (c *checker[S]) deadlocked(s *S, acts []Action) bool {
	if c.endOK != nil && c.endOK.ValidEnd(s) {
		return false
	}
	if !c.stutter {
		return len(acts) == 0
	}
	for _, a := range acts {
		if c.m.Step(s, a) != *s {
			return false
		}
	}
	return true
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

// everyExampleFound reports whether every checked Sometimes property has
// its example.
func (c *checker[S]) everyExampleFound() bool {
	for _, p := range c.some {
		if !c.found[p.index].ok {
			return false
		}
	}
	return true
}

// stopped reports whether the search stops for a violation: one was found
// and Options.Continue is off.
func (c *checker[S]) stopped() bool {
	return !c.opt.Continue && c.violated()
}

func (c *checker[S]) nextLevelEmpty() bool {
	for i := range c.shards {
		if c.shards[i].next.keys.n > 0 {
			return false
		}
	}
	return true
}

// settleLevel makes the level just built the one to expand.
func (c *checker[S]) settleLevel() {
	c.parallel(func(w int) {
		for k := w; k < numShards; k += c.workers {
			c.shards[k].settle(c.ws[w].created)
		}
	})
	c.frontierPeak = max(c.frontierPeak, c.frontierBytes())
}

// frontierBytes is the memory of the BFS levels: every level chunk
// allocated (they are reused, never freed during the search).
func (c *checker[S]) frontierBytes() uint64 {
	var fb uint64
	for k := range c.shards {
		fb += c.shards[k].pools.bytes(unsafe.Sizeof(*new(S)))
	}
	return fb
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
		n += c.shards[k].curN
	}
	c.segStart[numShards] = n
	rounds := (n + c.workers*chunkStates - 1) / (c.workers * chunkStates)
	size := (n + rounds*c.workers - 1) / max(1, rounds*c.workers)
	// A level on disk is read one round ahead into two windows.
	step := c.workers * size
	var wins [2][]S
	if c.levelOnDisk() && n > 0 {
		wins = [2][]S{make([]S, step), make([]S, step)}
		c.frontierPeak = max(c.frontierPeak, c.frontierBytes()+2*uint64(step)*uint64(unsafe.Sizeof(*new(S))))
		if err := c.readWindow(wins[0][:min(n, step)], 0); err != nil {
			c.spillReadErr = err
			rounds = 0
		}
	}
	// Round r stores the candidates of round r-1 and expands chunk r, with
	// one barrier per round: a worker that finishes storing early goes on
	// expanding (the two phases touch disjoint memory: stores write the
	// tables and the next level, expansion reads the current level and
	// writes the other outbox buffer).
	for r := 0; r <= rounds; r++ {
		var ahead chan error
		if wins[0] != nil && r < rounds {
			c.win, c.winStart = wins[r%2], r*step
			if next := (r + 1) * step; r+1 < rounds {
				ahead = make(chan error, 1)
				go func() { ahead <- c.readWindow(wins[(r+1)%2][:min(n-next, step)], next) }()
			}
		}
		roundEnd := int64(min((r+1)*step, n))
		c.claim.Store(int64(min(r*step, n)))
		c.parallel(func(w int) {
			if r > 0 {
				c.store(w, last, (r-1)%2)
			}
			for r < rounds {
				start := c.claim.Add(grainStates) - grainStates
				if start >= roundEnd {
					break
				}
				c.expand(c.ws[w], chunk{int(start), int(min(start+grainStates, roundEnd))}, r%2, last)
			}
		})
		if ahead != nil {
			if err := <-ahead; err != nil && c.spillReadErr == nil {
				c.spillReadErr = err
			}
		}
		c.states = 0
		for k := range c.shards {
			c.states += uint64(c.shards[k].count)
		}
		// The states expanded so far give their chunks back, for the
		// level being built.
		c.releaseExpanded(int(roundEnd))
		if c.modelErr != nil || c.checkBounds(uint64(n-min(n, (r+1)*c.workers*size))) {
			if r < rounds { // drop the candidates of the unfinished round
				for _, w := range c.ws {
					for k := range w.out[r%2] {
						w.out[r%2][k] = w.out[r%2][k][:0]
					}
				}
			}
			break
		}
	}
	c.win = nil
	// Merge the workers' discoveries of this level (also when a bound
	// stopped it early: what was examined was examined).
	for _, w := range c.ws {
		for p := range w.found {
			if w.found[p].ok {
				c.offerFound(&c.found[p], w.found[p].depth, w.found[p].fp, w.found[p].id)
				w.found[p] = discovery{}
			}
		}
	}
}

// releaseExpanded gives back the chunks of the current level that hold
// only states below done (numbered across shards), all expanded.
func (c *checker[S]) releaseExpanded(done int) {
	for k := range c.shards {
		if c.segStart[k] >= done {
			break
		}
		sh := &c.shards[k]
		sh.cur.states.releaseBelow(done-c.segStart[k], &sh.pools.states)
	}
}

// checkBudget ends the run as incomplete, after building the whole level
// of the given depth, when
// Options.MaxStates refused a new state: exactly MaxStates states are then
// stored, every state of the levels expanded so far was checked, and the
// states of the last level kept within the bound are stored but not
// expanded. Checking once per level keeps the run deterministic: the level
// being built is a set, whatever the workers, and so is the answer to
// "did it hold more states than the budget allowed".
func (c *checker[S]) checkBudget(depth int) {
	for k := range c.shards {
		if c.shards[k].overBudget && c.incomplete == "" {
			c.incomplete = "max states"
			c.notes = append(c.notes, fmt.Sprintf("the search stopped at the bound of %d states, in the level of depth %d: the levels above it were expanded and checked, and %d states of that level were stored but not checked",
				c.opt.MaxStates, depth, c.levelBeingBuilt()))
		}
	}
}

// levelBeingBuilt is the number of states of the level being built.
func (c *checker[S]) levelBeingBuilt() int {
	n := 0
	for k := range c.shards {
		n += c.shards[k].next.keys.n
	}
	return n
}

// checkBounds stops the run at a bound, an interruption or when the memory
// budget is exhausted, and reports progress. left is the number of states
// of the level still to expand.
func (c *checker[S]) checkBounds(left uint64) bool {
	for k := range c.shards {
		if c.shards[k].idsOut {
			c.incomplete = "state id space exhausted"
		}
	}
	heap := c.sampleHeap()
	if c.opt.MemoryBudget > 0 && heap > c.opt.MemoryBudget {
		c.incomplete = "memory budget"
	}
	if c.ctx.Err() != nil {
		c.incomplete = "interrupted"
	}
	if c.spillDir != "" {
		err := c.spillReadErr
		if err == nil {
			err = c.spillError()
		}
		if err != nil {
			c.incomplete = "spill failed: " + err.Error()
		}
	}
	if c.opt.Progress != nil {
		if now := time.Now(); now.Sub(c.lastProgress) >= c.opt.ProgressInterval {
			c.lastProgress = now
			queue := left
			for k := range c.shards {
				queue += uint64(c.shards[k].next.keys.n)
			}
			c.opt.Progress(Progress{
				Depth: c.depth, States: c.states, Transitions: c.sumTransitions(),
				Queue: queue, Elapsed: now.Sub(c.start), HeapByte: heap,
			})
		}
	}
	return c.incomplete != ""
}

// releaseTables gives back the memory of the tables kept outside the Go
// heap, at the end of the run.
func (c *checker[S]) releaseTables() {
	for k := range c.shards {
		c.shards[k].tab.release(&c.offHeap)
	}
}

// sampleHeap reads the live heap size, plus the tables kept outside it,
// and keeps its peak.
func (c *checker[S]) sampleHeap() uint64 {
	metrics.Read(c.memSample)
	heap := c.memSample[0].Value.Uint64() + uint64(c.offHeap.Load())
	c.heapPeak = max(c.heapPeak, heap)
	return heap
}

func (c *checker[S]) sumTransitions() uint64 {
	var t uint64
	for _, w := range c.ws {
		t += w.trans
	}
	return t
}

// parallel runs f(0..workers-1) concurrently and waits for all of them. A
// panic in one of them (in the model's code) is recorded as the run's error.
func (c *checker[S]) parallel(f func(w int)) {
	call := func(w int) {
		defer func() {
			if p := recover(); p != nil {
				c.mu.Lock()
				if c.modelErr == nil {
					c.modelErr = modelPanic(p)
				}
				c.mu.Unlock()
			}
		}()
		f(w)
	}
	if c.workers == 1 {
		call(0)
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < c.workers; w++ {
		wg.Go(func() { call(w) })
	}
	call(0)
	wg.Wait()
}

// expand is phase A for one chunk.
func (c *checker[S]) expand(w *worker[S], ch chunk, buf int, last bool) {
	deadlock := len(c.props)
	k, _ := slices.BinarySearch(c.segStart[:], ch.start+1)
	k-- // the shard whose segment holds ch.start
	for g := ch.start; g < ch.end; g++ {
		for g >= c.segStart[k+1] {
			k++
		}
		sh := &c.shards[k]
		e := g - c.segStart[k]
		var s *S
		if c.win != nil {
			s = &c.win[g-c.winStart]
		} else if sh.full {
			l := sh.curBase + uint32(e)
			s = &sh.curChunks[l>>chunkBits][l&(chunkLen-1)]
		} else {
			s = sh.cur.states.at(e)
		}
		fp := c.h.fingerprint(s)
		id := stateID(sh.curBase+uint32(e), k)
		for _, p := range c.always {
			if !c.found[p.index].ok && !p.Holds(s) {
				c.offerFound(&w.found[p.index], c.depth, fp, id)
			}
		}
		for _, p := range c.some {
			if !c.found[p.index].ok && p.Holds(s) {
				c.offerFound(&w.found[p.index], c.depth, fp, id)
			}
		}
		w.acts = c.m.Actions(s, w.acts[:0])
		if len(w.acts) == 0 {
			if !c.opt.NoDeadlock && (c.endOK == nil || !c.endOK.ValidEnd(s)) {
				c.offerFound(&w.found[deadlock], c.depth, fp, id)
			}
			continue
		}
		if c.por != nil && len(w.acts) > 1 {
			w.ample = c.por.Ample(s, w.acts, w.ample[:0])
			if len(w.ample) == 0 {
				panic("Ample returned no action in a state with enabled actions (C0)")
			}
			// Enabled counts every enabled action, taken or not: those
			// the ample set (a subsequence of w.acts) leaves out here,
			// those it takes in the loop below.
			for i, j := 0, 0; i < len(w.acts); i++ {
				if j < len(w.ample) && w.acts[i] == w.ample[j] {
					j++
					continue
				}
				w.enabled[w.acts[i]]++
			}
			w.acts, w.ample = w.ample, w.acts
		}
		w.succ = w.succ[:0]
		for _, a := range w.acts {
			if int(a) >= len(c.names) {
				panic(fmt.Sprintf("Actions returned action %d, but the action table has %d entries", a, len(c.names)))
			}
			w.succ = append(w.succ, c.m.Step(s, a))
		}
		w.trans += uint64(len(w.acts))
		moved := false
		for i, a := range w.acts {
			n := &w.succ[i]
			w.enabled[a]++
			if *n != *s {
				w.changed[a]++
				moved = true
			}
			if c.canon != nil {
				*n = c.canon.Canonical(*n)
			}
			nfp := c.h.fingerprint(n)
			k := shardOf(nfp)
			cand := candidate[S]{state: *n, fp: nfp, pfp: fp, parent: id, act: uint16(a)}
			if k%c.workers != w.index {
				w.out[buf][k] = append(w.out[buf][k], cand)
				continue
			}
			// A successor of a shard this worker owns is stored by it
			// directly (no other goroutine touches the shard during the
			// round), in small batches that stay in cache.
			w.local = append(w.local, cand)
			if len(w.local) == localBatch {
				c.offerAll(w, w.local, last)
				w.local = w.local[:0]
			}
		}
		if !moved && c.stutter && (c.endOK == nil || !c.endOK.ValidEnd(s)) {
			c.offerFound(&w.found[deadlock], c.depth, fp, id)
		}
	}
	c.offerAll(w, w.local, last)
	w.local = w.local[:0]
}

// store is phase B: worker w stores the candidates of the shards it owns.
func (c *checker[S]) store(w int, last bool, buf int) {
	for k := w; k < numShards; k += c.workers {
		for _, src := range c.ws {
			c.offerAll(c.ws[w], src.out[buf][k], last)
			src.out[buf][k] = src.out[buf][k][:0]
		}
	}
}

// offerAll offers candidates, all of shards owned by worker w, to their
// shards. It prefetches the home slot of a candidate a few places ahead so
// that its cache miss overlaps with the work on the current ones.
func (c *checker[S]) offerAll(w *worker[S], cands []candidate[S], last bool) {
	if c.opt.FullState {
		c.offerAllFull(w, cands, last)
		return
	}
	for i := range cands {
		if j := i + 2*prefetchDistance; j < len(cands) {
			sh := &c.shards[shardOf(cands[j].fp)]
			prefetch(sh.tab.addr(cands[j].fp & sh.tab.mask))
		}
		if j := i + prefetchDistance; j < len(cands) {
			// The home slot is in cache by now; if it holds a state of the
			// level being built, fetch that entry's key too.
			sh := &c.shards[shardOf(cands[j].fp)]
			if v := sh.tab.get(cands[j].fp & sh.tab.mask); v&slotCurrent != 0 {
				prefetch(uintptr(unsafe.Pointer(sh.next.keys.at(int(v >> 2)))))
			}
		}
		if c.shards[shardOf(cands[i].fp)].offer(&cands[i], last) == beyondBound {
			w.beyond = true
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
		st.TableBytes += sh.tab.bytes()
		st.TraceBytes += sh.links.bytes()
		st.StateStoreBytes += sh.store.bytes(unsafe.Sizeof(*new(S)))
		st.SpilledBytes += sh.spill.written
	}
	st.Mode = ModeFingerprint
	if c.opt.FullState {
		st.Mode = ModeFullState
	}
	st.Transitions = c.sumTransitions()
	st.LivenessStates, st.LivenessTransitions = c.liveStates, c.liveEdges
	st.MaxDepth = c.depth
	if !c.nextLevelEmpty() {
		st.MaxDepth++
	}
	st.FrontierBytes = c.frontierPeak
	st.HeapBytes = max(c.heapPeak, c.sampleHeap())
	st.StateSize = int(unsafe.Sizeof(*new(S)))
	st.Actions = make([]ActionStats, len(c.names))
	for a, n := range c.names {
		st.Actions[a].Name = n
		for _, w := range c.ws {
			st.Actions[a].Enabled += w.enabled[a]
			st.Actions[a].Changed += w.changed[a]
		}
	}
	created := make([]uint64, len(c.names))
	for _, w := range c.ws {
		for a, n := range w.created {
			created[a] += n
		}
	}
	for k := range c.shards {
		sh := &c.shards[k]
		end := sh.links.end()
		if c.incomplete == "max states" {
			// The last level holds the states that fitted in the bound:
			// which ones depends on the workers, so they are not counted.
			end = sh.nextBase
		}
		sh.links.countCreated(created, end)
	}
	for a, n := range created {
		st.Actions[a].New = n
	}
	if c.lf != nil {
		st.ParentFileBytes = c.lf.written.Load()
	}
	res.Incomplete = c.incomplete
	if n := c.linkNote(); n != "" {
		c.notes = append(c.notes, n)
	}
	res.Notes = c.notes

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
		case p.Expectation == Eventually:
			switch t := c.lasso[i]; {
			case t != nil:
				pr.Verdict, pr.Trace = "violated", t
				if firstDepth < 0 {
					first = &Violation{Property: p.Name, Kind: KindLiveness, Trace: t}
					firstDepth = 1 << 30
				}
			case c.lasso != nil:
				pr.Verdict = "holds"
			}
		case d.ok && p.Expectation == Always:
			pr.Verdict = "violated"
			pr.Trace = c.trace(d)
			if firstDepth < 0 || d.depth < firstDepth {
				first, firstDepth = &Violation{Property: p.Name, Kind: KindInvariant, Trace: pr.Trace}, d.depth
			}
		case d.ok:
			pr.Verdict = "reached"
			pr.Trace = c.trace(d)
		case c.incomplete == "" && !c.stopped() && p.Expectation == Always:
			pr.Verdict = "holds"
		case c.incomplete == "" && !c.stopped():
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
		var last S
		dl.Trace, last = c.traceAndState(d)
		if firstDepth < 0 || d.depth < firstDepth {
			first = &Violation{Property: DeadlockProperty, Kind: KindDeadlock, Trace: dl.Trace}
			if wf, ok := c.m.(WaitForGraph[S]); ok {
				first.Waits = wf.WaitsFor(&last)
				first.Cycle = waitCycle(first.Waits)
			}
		}
	case c.incomplete == "" && !c.stopped():
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
