package statespace

import "sync/atomic"

// The visited set is split into numShards shards by the top bits of the
// fingerprint. Worker w owns the shards k with k % workers == w and is the
// only goroutine that ever writes them, so the hot path takes no lock and no
// atomic. Each shard is a compact open-addressing, linear-probing table
// (table.go: 6- to 7-byte slots that keep the whole fingerprint), plus the
// parent links of the states it owns (links.go).
//
// At the end of a level the slots of the states found in it ("current"
// slots, which name an entry of the level being built) are rewritten as
// settled fingerprints.

const (
	shardBits  = 6
	numShards  = 1 << shardBits
	low58      = uint64(1)<<(64-shardBits) - 1
	noParent   = ^uint32(0)
	maxLocalID = 1<<(32-shardBits) - 1 // local ids fit next to the shard number in a uint32
	minBits    = 10
	minSlots   = 1 << minBits
	chunkBits  = 12
	chunkLen   = 1 << chunkBits
)

// shardOf returns the shard that owns fingerprint fp.
func shardOf(fp uint64) int { return int(fp >> (64 - shardBits)) }

// stateID names a stored state: its local id (insertion number in its shard)
// and its shard.
func stateID(local uint32, shard int) uint32 { return local<<shardBits | uint32(shard) }

func splitID(id uint32) (local uint32, shard int) {
	return id >> shardBits, int(id & (numShards - 1))
}

// chunked is an append-only array stored in fixed-size chunks, so that it
// grows without copying (and without a transient second copy in memory).
type chunked[T any] struct {
	chunks [][]T
	n      uint32
}

func (c *chunked[T]) append(v T) {
	if int(c.n>>chunkBits) == len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.chunks[c.n>>chunkBits][c.n&(chunkLen-1)] = v
	c.n++
}

// resize makes the array n long, adding zero entries.
func (c *chunked[T]) resize(n uint32) {
	for int((n+chunkLen-1)>>chunkBits) > len(c.chunks) {
		c.chunks = append(c.chunks, make([]T, chunkLen))
	}
	c.n = n
}

func (c *chunked[T]) get(i uint32) T { return c.chunks[i>>chunkBits][i&(chunkLen-1)] }

func (c *chunked[T]) set(i uint32, v T) { c.chunks[i>>chunkBits][i&(chunkLen-1)] = v }

func (c *chunked[T]) bytes(elem uintptr) uint64 {
	return uint64(len(c.chunks)) * chunkLen * uint64(elem)
}

// shard is one partition of the visited set.
type shard[S comparable] struct {
	// Read by every worker while the level is expanded (the owner does not
	// write them then); kept on their own cache lines, away from the
	// fields the owner writes as it stores, so that readers and the owner
	// do not bounce lines between cores.
	_ [64]byte
	// cur is the level being expanded (local ids curBase...).
	cur     level[S]
	curBase uint32
	curN    int // states of the level being expanded
	// Full-state mode: the chunk list as it was when the level being
	// expanded was settled (read by every worker while the owner appends).
	full      bool
	curChunks [][]S
	_         [64]byte

	// Written by the owner.
	tab table
	// offHeap counts the bytes of the run's tables outside the Go heap.
	offHeap *atomic.Int64
	limit   uint32 // grow when count reaches limit
	count   uint32 // distinct states stored, including the level being built
	// links are the parent links, by local id; lf, when not nil, is the
	// run's parent file, where they go once the shard holds flushAt
	// settled links.
	links   links
	lf      *linkFile
	flushAt uint32
	// next is the level being built (local ids nextBase...).
	next     level[S]
	nextBase uint32
	pools    levelPools[S]
	// Full-state mode: every stored state by local id.
	store chunked[S]
	// Spilling (spill.go): the level being built goes to a file in
	// spillDir every spillAt states (0: never).
	spillAt  int
	spillDir string
	spill    shardSpill
	// Admission of new states (admit): idLimit bounds count so that local
	// ids fit in a state id (maxLocalID; lower in tests); budget, when not
	// nil, is the run's count of states still allowed (Options.MaxStates),
	// shared by every shard. idsOut and overBudget record that a new state
	// was refused for either reason.
	idLimit            uint32
	budget             *atomic.Int64
	idsOut, overBudget bool
	_                  [64]byte
}

func (sh *shard[S]) init(full bool, offHeap *atomic.Int64) {
	sh.full, sh.offHeap = full, offHeap
	sh.tab = newTable(minBits, full, offHeap)
	sh.limit = minSlots * 3 / 4
	sh.idLimit = maxLocalID
}

// admit decides whether a new state may be stored: the shard must have a
// local id left for it (every id handed out is below maxLocalID, so that it
// differs from noParent and fits next to the shard number), and the run's
// state budget must not be spent. It is called out of line, only when the
// shard is near its id limit or the run has a budget.
func (sh *shard[S]) admit() bool {
	if sh.count >= sh.idLimit {
		sh.idsOut = true
		return false
	}
	if sh.budget != nil && sh.budget.Add(-1) < 0 {
		sh.overBudget = true
		return false
	}
	return true
}

// lookup returns the slot where fp is stored, or the empty slot where it
// would go, and the slot's content.
func (sh *shard[S]) lookup(fp uint64) (uint64, uint64) {
	t := &sh.tab
	fp58 := fp & low58
	i := fp & t.mask
	// key is the settled value of fp at the displacement of slot i; it
	// stops growing at t.dispMax, where the overflow map decides.
	key := t.settled(fp58, 0)
	top := t.settled(fp58, t.dispMax)
	for {
		v := t.get(i)
		switch {
		case v == 0:
			return i, 0
		case v == key:
			if key != top || t.over[i] == fp58 {
				return i, v
			}
		case v&slotCurrent != 0 && sh.next.keys.at(int(v>>2)).fp == fp:
			return i, v
		}
		i = (i + 1) & t.mask
		if key != top {
			key += 1 << 2
		}
	}
}

// contains reports whether fp is stored in the shard.
func (sh *shard[S]) contains(fp uint64) bool {
	_, v := sh.lookup(fp)
	return v != 0
}

// grow doubles the table.
func (sh *shard[S]) grow() {
	old := sh.tab
	defer old.release(sh.offHeap)
	sh.tab = newTable(old.bits+1, false, sh.offHeap)
	t := &sh.tab
	sh.limit = uint32(t.mask+1) / 4 * 3
	for i := uint64(0); i <= old.mask; i++ {
		v := old.get(i)
		if v == 0 {
			continue
		}
		var fp58 uint64
		if v&slotCurrent != 0 {
			fp58 = sh.next.keys.at(int(v>>2)).fp & low58
		} else {
			fp58 = old.fp58(i, v)
		}
		j := fp58 & t.mask
		for t.get(j) != 0 {
			j = (j + 1) & t.mask
		}
		if v&slotCurrent != 0 {
			t.set(j, v)
		} else {
			t.settle(j, fp58)
		}
	}
}

// candidate is a successor sent by the worker that generated it to the
// worker that owns its shard.
type candidate[S comparable] struct {
	// The state last: a state of odd alignment then packs against act
	// instead of being padded to 8 bytes (german: 40 bytes, not 48).
	fp     uint64
	pfp    uint64
	parent uint32
	act    uint16
	state  S
}

// insertResult says what offer did with a candidate.
type insertResult uint8

const (
	seenBefore insertResult = iota
	inserted
	beyondBound
	// refused: the state is new but was not stored (admit).
	refused
)

// offer stores c if its state is new, or improves the discovery key of a
// state already found in this level. With probeOnly, new states are not
// stored (the depth bound is reached).
func (sh *shard[S]) offer(c *candidate[S], probeOnly bool) insertResult {
	i, v := sh.lookup(c.fp)
	if v == 0 {
		if probeOnly {
			return beyondBound
		}
		if (sh.count >= sh.idLimit || sh.budget != nil) && !sh.admit() {
			return refused
		}
		e := uint32(sh.next.keys.n)
		sh.next.states.push(c.state, &sh.pools.states, &sh.pools.madeStates)
		if sh.next.states.n == sh.spillAt {
			sh.flush(sh.spillDir)
		}
		if sh.addEntry(c, i, e) {
			sh.grow()
		}
		return inserted
	}
	if v&slotCurrent != 0 && c.pfp <= sh.next.keys.at(int(v>>2)).pfp { // the rare case out of line
		sh.improveParent(c, uint32(v>>2), nil)
	}
	return seenBefore
}

// addEntry records c as entry e of the level being built, in slot i, and
// reports whether the table must grow.
func (sh *shard[S]) addEntry(c *candidate[S], i uint64, e uint32) bool {
	sh.next.keys.push(entryKey{c.fp, c.pfp}, &sh.pools.keys, &sh.pools.madeKeys)
	sh.links.append(c.parent, c.act)
	sh.tab.set(i, slotOccupied|slotCurrent|uint64(e)<<2)
	sh.count++
	return sh.count >= sh.limit
}

// improveParent makes c's parent that of entry e of the level being built
// when c's discovery key (parent fingerprint, action) is smaller. tie, when
// not nil, orders two different parents with equal keys (full-state mode,
// where distinct states may share a fingerprint).
func (sh *shard[S]) improveParent(c *candidate[S], e uint32, tie func(a, b uint32) bool) {
	id := sh.nextBase + e
	k := sh.next.keys.at(int(e))
	parent, act := sh.links.inMemory(id)
	if c.pfp < k.pfp || c.pfp == k.pfp && (c.act < act ||
		c.act == act && tie != nil && c.parent != parent && tie(c.parent, parent)) {
		k.pfp = c.pfp
		sh.links.set(id, c.parent, c.act)
	}
}

// settle ends the level being built: its slots become settled
// fingerprints, and it becomes the level to expand next. Its parent links
// are final now: they go to the parent file when the shard holds enough of
// them (created counts their actions, see links.flush).
func (sh *shard[S]) settle(created []uint64) {
	if sh.full {
		sh.settleFull()
		sh.curChunks = sh.store.chunks
	} else {
		t := &sh.tab
		for e := range sh.next.keys.n {
			fp58 := sh.next.keys.at(e).fp & low58
			want := slotOccupied | slotCurrent | uint64(e)<<2
			i := fp58 & t.mask
			for t.get(i) != want {
				i = (i + 1) & t.mask
			}
			t.settle(i, fp58)
		}
	}
	if sh.spillDir != "" {
		sh.settleSpill(sh.spillDir)
	}
	sh.curN = sh.next.keys.n
	// The level to expand keeps only its states (fingerprints are cheap to
	// recompute), which keeps the peak memory of two adjacent BFS levels low.
	sh.cur.states.clear(&sh.pools.states)
	sh.cur, sh.next = sh.next, sh.cur
	sh.cur.keys.clear(&sh.pools.keys)
	sh.curBase = sh.nextBase
	sh.nextBase += uint32(sh.curN)
	if sh.lf != nil && sh.links.parent.n >= sh.flushAt && sh.lf.usable() {
		_ = sh.links.flush(sh.lf, created) // on failure the links stay in memory; the run notes why
	}
}
