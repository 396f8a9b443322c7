package statespace

import (
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"
)

// The liveness pass's graph is built by every worker, and numbered as a
// sequential breadth-first search numbers it: the initial states first, in
// Init() order, then each state when it is first reached, scanning the
// states of a level in number order and each state's successors in action
// order. So the numbers, the edges and the BFS tree, hence every lasso,
// are the same for any number of workers.
//
// A level, the states lo..hi-1, is built in six phases separated by
// barriers. Grains are runs of lgrainStates states (aligned, so that a
// grain owns whole words of the property bit sets); shards are those of
// the fingerprint, each owned by one worker as in the safety search.
//
//	A expand (grains): record Holds and Trigger, step every enabled action
//	  and look each successor up in the index, which nobody writes during
//	  the phase. A successor not found is a candidate for the next level,
//	  sent to its shard.
//	B merge (shards): the owner merges its candidates into distinct new
//	  states, each with its first discovery (smallest grain and edge),
//	  whose position in the level's edge array it marks.
//	C count (grains): the marks of each grain; the coordinator adds them
//	  up into each grain's first number.
//	D number (grains): each mark becomes the number of the state it
//	  found, which is stepped again from its parent (the candidates do not
//	  keep the states: a level can have millions of them) and queued, in
//	  order, with its BFS parent.
//	E index (shards): the owner indexes its new states under their
//	  numbers, and writes each state's number at every edge position that
//	  reached it.
//	F edges (grains): every edge gets its target and goes to the graph.

const (
	lgrainStates = 1024 // states per grain, a multiple of 64
	lbatch       = 128  // successors looked up together (their slots prefetched ahead)
	markFirst    = ^uint32(0)
)

// lindex finds a state's number by its fingerprint: open addressing with
// linear probing over parallel arrays, growing at load 3/4. With states it
// compares the states too, so that two states with one fingerprint stay
// two. The liveness pass keeps one per shard of the fingerprint.
type lindex struct {
	fps  []uint64
	ids  []uint32 // number+1; 0 is an empty slot
	mask uint64
	n    int
}

func newLindex(size int) lindex {
	return lindex{fps: make([]uint64, size), ids: make([]uint32, size), mask: uint64(size - 1)}
}

func (t *lindex) insert(slot, fp uint64, id int32) {
	t.fps[slot], t.ids[slot] = fp, uint32(id)+1
	t.n++
	if 4*t.n < 3*len(t.ids) {
		return
	}
	old := *t
	*t = newLindex(2 * len(old.ids))
	t.n = old.n
	for h, id := range old.ids {
		if id != 0 {
			fp := old.fps[h]
			s := fp & t.mask
			for t.ids[s] != 0 {
				s = (s + 1) & t.mask
			}
			t.fps[s], t.ids[s] = fp, id
		}
	}
}

// lcand is a successor not yet numbered, found in phase A: key is where
// (grain<<32 | edge index in the grain), parent and act by which state
// and action. p is its state among the shard's new states (phase B). The
// state itself is not kept (a level can have millions of candidates): it
// is stepped again from its parent, which stays in the queue until the
// level is done, once per new state.
type lcand struct {
	fp     uint64
	key    uint64
	parent int32
	act    Action
	p      int32
}

// lnew is a new state of the level being built, with its first
// discovery; slot is its slot in the shard's merge table, num its number.
type lnew struct {
	fp     uint64
	key    uint64
	slot   uint64
	parent int32
	act    Action
	num    uint32
}

// lgrain is a run of states of the level being expanded and their edges
// (to −1 while the target is a state not yet numbered).
type lgrain struct {
	first, n int32
	deg      []uint32
	edges    []ledge
	start    int    // position of the grain's first edge in the level's
	base     uint32 // number of the first state the grain finds first
}

// lworker is a worker's scratch: the enabled actions of a state, and a
// batch of successors to look up (with their states in full-state mode).
type lworker[S comparable] struct {
	acts   []Action
	batch  []lsucc
	states []S
}

// lsucc is a successor to look up: its fingerprint, the action and the
// state it was reached from.
type lsucc struct {
	fp     uint64
	act    Action
	parent int32
}

// lbuild is the state of a graph build.
type lbuild[S comparable] struct {
	c    *checker[S]
	g    *lgraph[S]
	keep bool
	idx  [numShards]lindex
	// merge[k] and news[k]: shard k's new states of the level being built.
	merge  [numShards]lindex
	news   [numShards][]lnew
	out    [][numShards][]lcand // by worker
	ws     []lworker[S]
	grains []lgrain
	mark   []uint32 // by position in the level's edges
	claim  atomic.Int64
}

// buildGraph explores the reachable states breadth first, keeping every
// edge, and keeping the states too with keepStates. It stops, before
// numbering a state beyond maxStates (0: no bound), at the memory budget or
// when interrupted, and returns why it stopped early ("" when it
// completed).
func (c *checker[S]) buildGraph(maxStates uint64, keepStates bool) (*lgraph[S], string) {
	b := &lbuild[S]{c: c, keep: keepStates || c.opt.FullState, out: make([][numShards][]lcand, c.workers), ws: make([]lworker[S], c.workers)}
	b.g = &lgraph[S]{holds: make([][]uint64, len(c.live)), trig: make([][]uint64, len(c.live))}
	g := b.g
	for k := range b.idx {
		b.idx[k], b.merge[k] = newLindex(1<<8), newLindex(1<<8)
	}
	if maxStates == 0 || maxStates > math.MaxInt32 {
		maxStates = math.MaxInt32
	}
	for k := range c.inits {
		s := &c.inits[k]
		fp := c.h.fingerprint(s)
		t := &b.idx[shardOf(fp)]
		i, slot := b.find(t, fp, s)
		if i >= 0 {
			continue
		}
		if uint64(g.n) >= maxStates {
			return g, "max states"
		}
		t.insert(slot, fp, g.n)
		g.n++
		g.states.append(*s)
		g.parent.append(-1)
		g.pact.append(0)
		g.roots = append(g.roots, int32(k))
	}
	g.off.append(0)
	for lo := int32(0); lo < g.n; {
		hi := g.n
		if stop := b.level(lo, hi, maxStates); stop != "" {
			return g, stop
		}
		lo = hi
	}
	return g, ""
}

// find returns the number of the state *s, whose fingerprint is fp, in
// t, or −1 and the slot where it would go (s is read only in full-state
// mode).
func (b *lbuild[S]) find(t *lindex, fp uint64, s *S) (int32, uint64) {
	for h := fp & t.mask; ; h = (h + 1) & t.mask {
		id := t.ids[h]
		if id == 0 {
			return -1, h
		}
		if t.fps[h] == fp && (!b.keep || *b.g.states.at(id - 1) == *s) {
			return int32(id - 1), h
		}
	}
}

// stopped says why the build must stop now, or "".
func (b *lbuild[S]) stopped() string {
	c := b.c
	switch {
	case c.modelErr != nil:
		return "the model failed"
	case c.ctx.Err() != nil:
		return "interrupted"
	case c.opt.MemoryBudget > 0 && c.sampleHeap() > c.opt.MemoryBudget:
		return "memory budget"
	}
	return ""
}

// eachGrain runs f on every grain, claimed by the workers one at a time;
// with stoppable, a worker stops claiming when the run is interrupted.
func (b *lbuild[S]) eachGrain(stoppable bool, f func(w, gi int)) {
	b.claim.Store(0)
	b.c.parallel(func(w int) {
		for {
			gi := int(b.claim.Add(1) - 1)
			if gi >= len(b.grains) || stoppable && b.c.ctx.Err() != nil {
				return
			}
			f(w, gi)
		}
	})
}

// eachShard runs f on every shard, by its owner.
func (b *lbuild[S]) eachShard(f func(k int)) {
	b.c.parallel(func(w int) {
		for k := w; k < numShards; k += b.c.workers {
			f(k)
		}
	})
}

// level expands the states lo..hi-1 and numbers the states they reach
// first.
func (b *lbuild[S]) level(lo, hi int32, maxStates uint64) string {
	c, g := b.c, b.g
	b.grains = b.grains[:0]
	for s := lo; s < hi; {
		e := min(hi, (s/lgrainStates+1)*lgrainStates)
		if len(b.grains) < cap(b.grains) {
			b.grains = b.grains[:len(b.grains)+1]
		} else {
			b.grains = append(b.grains, lgrain{})
		}
		gr := &b.grains[len(b.grains)-1]
		gr.first, gr.n = s, e-s
		s = e
	}
	words := int(hi+63) / 64
	for k := range c.live {
		for len(g.holds[k]) < words {
			g.holds[k], g.trig[k] = append(g.holds[k], 0), append(g.trig[k], 0)
		}
	}
	b.eachGrain(true, b.expand) // A
	if stop := b.stopped(); stop != "" {
		return stop
	}
	// The layout: each grain's edges in the level, each state's in the
	// graph.
	edges := 0
	for gi := range b.grains {
		gr := &b.grains[gi]
		gr.start = edges
		edges += len(gr.edges)
		for _, d := range gr.deg {
			if !g.reserveEdges(int(d)) {
				return fmt.Sprintf("liveness graph beyond its edge capacity (%d per state, 2^32 in all)", edgeChunk)
			}
		}
	}
	if cap(b.mark) < edges {
		b.mark = make([]uint32, edges)
	}
	b.mark = b.mark[:edges]
	clear(b.mark)
	b.eachShard(b.merge1)                // B
	b.eachGrain(false, func(_, gi int) { // C
		gr := &b.grains[gi]
		n := uint32(0)
		for _, m := range b.mark[gr.start : gr.start+len(gr.edges)] {
			if m == markFirst {
				n++
			}
		}
		gr.base = n
	})
	if stop := b.stopped(); stop != "" {
		return stop
	}
	next := uint64(hi)
	for gi := range b.grains {
		gr := &b.grains[gi]
		n := gr.base
		gr.base = uint32(next)
		next += uint64(n)
	}
	if next > maxStates {
		return "max states"
	}
	g.states.resize(uint32(next))
	g.parent.resize(uint32(next))
	g.pact.resize(uint32(next))
	b.eachGrain(false, b.number) // D
	if stop := b.stopped(); stop != "" {
		return stop
	}
	b.eachShard(b.store)                 // E
	b.eachGrain(false, func(_, gi int) { // F
		gr := &b.grains[gi]
		e := 0
		for i := gr.first; i < gr.first+gr.n; i++ {
			out := g.out(i)
			for j := range out {
				ed := gr.edges[e]
				if ed.to < 0 {
					ed.to = int32(b.mark[gr.start+e])
				}
				out[j] = ed
				e++
			}
		}
	})
	if stop := b.stopped(); stop != "" {
		return stop
	}
	g.n = int32(next)
	if !b.keep {
		for k := uint32(lo) >> chunkBits; k < uint32(hi)>>chunkBits; k++ {
			g.states.chunks[k] = nil // expanded: let the GC have it
		}
	}
	return ""
}

// expand is phase A for grain gi.
func (b *lbuild[S]) expand(w, gi int) {
	c, g := b.c, b.g
	wk := &b.ws[w]
	gr := &b.grains[gi]
	gr.deg, gr.edges = gr.deg[:0], gr.edges[:0]
	roots := int32(len(g.roots))
	for i := gr.first; i < gr.first+gr.n; i++ {
		s := g.states.at(uint32(i))
		for k, p := range c.live {
			if p.Holds(s) {
				g.holds[k][i>>6] |= 1 << (i & 63)
			}
			if p.Trigger == nil && i < roots || p.Trigger != nil && p.Trigger(s) {
				g.trig[k][i>>6] |= 1 << (i & 63)
			}
		}
		wk.acts = c.m.Actions(s, wk.acts[:0])
		gr.deg = append(gr.deg, uint32(len(wk.acts)))
		for _, a := range wk.acts {
			n := c.m.Step(s, a)
			wk.batch = append(wk.batch, lsucc{fp: c.h.fingerprint(&n), act: a, parent: i})
			if b.keep {
				wk.states = append(wk.states, n)
			}
		}
		if len(wk.batch) >= lbatch {
			b.lookupAll(w, gi)
		}
	}
	b.lookupAll(w, gi)
}

// lookupAll looks up worker w's batch of successors, in order, as the
// edges of grain gi; each slot is prefetched a few successors ahead, so
// that the cache misses overlap.
func (b *lbuild[S]) lookupAll(w, gi int) {
	wk := &b.ws[w]
	gr := &b.grains[gi]
	for j := range wk.batch {
		if p := j + prefetchDistance; p < len(wk.batch) {
			fp := wk.batch[p].fp
			t := &b.idx[shardOf(fp)]
			h := fp & t.mask
			prefetch(uintptr(unsafe.Pointer(&t.ids[h])))
			prefetch(uintptr(unsafe.Pointer(&t.fps[h])))
		}
		sc := &wk.batch[j]
		k := shardOf(sc.fp)
		var s *S
		if b.keep {
			s = &wk.states[j]
		}
		to, _ := b.find(&b.idx[k], sc.fp, s)
		if to < 0 {
			b.out[w][k] = append(b.out[w][k], lcand{fp: sc.fp, key: uint64(gi)<<32 | uint64(len(gr.edges)), parent: sc.parent, act: sc.act})
		}
		gr.edges = append(gr.edges, ledge{to: to, act: sc.act})
	}
	wk.batch, wk.states = wk.batch[:0], wk.states[:0]
}

// number is phase D for grain gi.
func (b *lbuild[S]) number(_, gi int) {
	g := b.g
	gr := &b.grains[gi]
	num := gr.base
	e := 0
	for si, d := range gr.deg {
		i := gr.first + int32(si)
		for range d {
			if m := &b.mark[gr.start+e]; *m == markFirst {
				*m = num
				ed := &gr.edges[e]
				ed.to = int32(num)
				*g.states.at(num) = b.stepped(i, ed.act)
				g.parent.set(num, i)
				g.pact.set(num, ed.act)
				num++
			}
			e++
		}
	}
}

// pos is the position in the level's edges of the edge with the given
// key.
func (b *lbuild[S]) pos(key uint64) int { return b.grains[key>>32].start + int(uint32(key)) }

// merge1 is phase B for shard k.
func (b *lbuild[S]) merge1(k int) {
	t := &b.merge[k]
	news := b.news[k][:0]
	for w := range b.out {
		cands := b.out[w][k]
		for ci := range cands {
			if q := ci + prefetchDistance; q < len(cands) {
				h := cands[q].fp & t.mask
				prefetch(uintptr(unsafe.Pointer(&t.ids[h])))
				prefetch(uintptr(unsafe.Pointer(&t.fps[h])))
			}
			cd := &cands[ci]
			h := cd.fp & t.mask
			for ; t.ids[h] != 0; h = (h + 1) & t.mask {
				if t.fps[h] == cd.fp && (!b.keep || b.stepped(news[t.ids[h]-1].parent, news[t.ids[h]-1].act) == b.stepped(cd.parent, cd.act)) {
					break
				}
			}
			if t.ids[h] == 0 {
				cd.p = int32(len(news))
				t.fps[h], t.ids[h] = cd.fp, uint32(len(news))+1
				news = append(news, lnew{fp: cd.fp, key: cd.key, slot: h, parent: cd.parent, act: cd.act})
				if t.n++; 4*t.n >= 3*len(t.ids) {
					b.growMerge(t, news)
				}
				continue
			}
			p := int32(t.ids[h] - 1)
			if nw := &news[p]; cd.key < nw.key {
				nw.key, nw.parent, nw.act = cd.key, cd.parent, cd.act
			}
			cd.p = p
		}
	}
	for p := range news {
		if q := p + prefetchDistance; q < len(news) {
			prefetch(uintptr(unsafe.Pointer(&b.mark[b.pos(news[q].key)])))
		}
		b.mark[b.pos(news[p].key)] = markFirst
	}
	b.news[k] = news
}

// growMerge doubles a merge table, keeping its new states' slots.
func (b *lbuild[S]) growMerge(t *lindex, news []lnew) {
	old := *t
	*t = newLindex(2 * len(old.ids))
	t.n = old.n
	for h, id := range old.ids {
		if id != 0 {
			fp := old.fps[h]
			s := fp & t.mask
			for t.ids[s] != 0 {
				s = (s + 1) & t.mask
			}
			t.fps[s], t.ids[s] = fp, id
			news[id-1].slot = s
		}
	}
}

// stepped is the successor of state parent by act: a state of the level
// being expanded, whose states are all in the queue.
func (b *lbuild[S]) stepped(parent int32, act Action) S {
	return b.c.m.Step(b.g.states.at(uint32(parent)), act)
}

// store is phase E for shard k.
func (b *lbuild[S]) store(k int) {
	g := b.g
	t, m := &b.idx[k], &b.merge[k]
	news := b.news[k]
	for p := range news {
		if q := p + prefetchDistance; q < len(news) {
			h := news[q].fp & t.mask
			prefetch(uintptr(unsafe.Pointer(&t.ids[h])))
			prefetch(uintptr(unsafe.Pointer(&t.fps[h])))
			prefetch(uintptr(unsafe.Pointer(&b.mark[b.pos(news[q].key)])))
		}
		nw := &news[p]
		nw.num = b.mark[b.pos(nw.key)]
		_, slot := b.find(t, nw.fp, g.states.at(nw.num))
		t.insert(slot, nw.fp, int32(nw.num))
		m.fps[nw.slot], m.ids[nw.slot] = 0, 0
	}
	m.n = 0
	for w := range b.out {
		cands := b.out[w][k]
		for ci := range cands {
			if q := ci + prefetchDistance; q < len(cands) {
				prefetch(uintptr(unsafe.Pointer(&b.mark[b.pos(cands[q].key)])))
			}
			b.mark[b.pos(cands[ci].key)] = news[cands[ci].p].num
		}
		b.out[w][k] = cands[:0]
	}
	b.news[k] = news[:0]
}
