package statespace

import "sync/atomic"

// The visited set is split into numShards shards by the top bits of the
// fingerprint. Worker w owns the shards k with k % workers == w and is the
// only goroutine that ever writes them, so the hot path takes no lock and no
// atomic. Each shard is an open-addressing, linear-probing table of 8-byte
// slots, plus the parent links of the states it owns.
//
// A slot is one of:
//
//	0                              empty
//	occupied | fp&low58            a state of an earlier BFS level; the top
//	                               6 bits of fp are the shard number, so the
//	                               full 64-bit fingerprint is kept
//	current | occupied | e         a state found in the level being built:
//	                               entry e of the shard's next level, whose
//	                               fingerprint is next.keys[e].fp
//
// At the end of a level the "current" slots are rewritten as plain
// fingerprints.

const (
	shardBits  = 6
	numShards  = 1 << shardBits
	low58      = uint64(1)<<(64-shardBits) - 1
	occupied   = uint64(1) << 62
	current    = uint64(1) << 63
	noParent   = ^uint32(0)
	maxLocalID = 1<<(32-shardBits) - 1 // local ids fit next to the shard number in a uint32
	minSlots   = 1 << 10
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

func (c *chunked[T]) get(i uint32) T { return c.chunks[i>>chunkBits][i&(chunkLen-1)] }

func (c *chunked[T]) set(i uint32, v T) { c.chunks[i>>chunkBits][i&(chunkLen-1)] = v }

func (c *chunked[T]) bytes(elem uintptr) uint64 {
	return uint64(len(c.chunks)) * chunkLen * uint64(elem)
}

// level holds the states of one BFS level that belong to one shard. During
// the level's construction an entry's parent may still be replaced by one
// with a smaller discovery key (parent fingerprint, action), which makes the
// chosen parent independent of the order in which workers found the state.
// The parent links themselves live in the shard's chunked arrays from the
// start; the level keeps only what the search still needs.
type level[S comparable] struct {
	states []S
	keys   []entryKey // level being built only
}

// entryKey is what a "current" slot is matched and ranked by: the state's
// fingerprint and its parent's, side by side so that one cache line holds
// both.
type entryKey struct {
	fp, pfp uint64
}

func (l *level[S]) reset() {
	l.states = l.states[:0]
	l.keys = l.keys[:0]
}

func (l *level[S]) bytes(stateSize uintptr) uint64 {
	return uint64(cap(l.states))*uint64(stateSize) + uint64(cap(l.keys))*16
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
	slots []uint64
	mask  uint64
	limit uint32 // grow when count reaches limit
	count uint32 // distinct states stored, including the level being built
	// parent links, indexed by local id
	parent chunked[uint32]
	action chunked[uint16]
	// next is the level being built (local ids nextBase...).
	next     level[S]
	nextBase uint32
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

func (sh *shard[S]) init() {
	sh.slots = make([]uint64, minSlots)
	sh.mask = minSlots - 1
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
	key := occupied | fp&low58
	i := fp & sh.mask
	for {
		v := sh.slots[i]
		switch {
		case v == 0 || v == key:
			return i, v
		case v&current != 0 && sh.next.keys[uint32(v)].fp == fp:
			return i, v
		}
		i = (i + 1) & sh.mask
	}
}

// contains reports whether fp is stored in the shard.
func (sh *shard[S]) contains(fp uint64) bool {
	_, v := sh.lookup(fp)
	return v != 0
}

// grow doubles the table.
func (sh *shard[S]) grow() {
	old := sh.slots
	sh.slots = make([]uint64, 2*len(old))
	adviseHuge(sh.slots)
	sh.mask = uint64(len(sh.slots) - 1)
	sh.limit = uint32(len(sh.slots) / 4 * 3)
	for _, v := range old {
		if v == 0 {
			continue
		}
		fp := v & low58
		if v&current != 0 {
			fp = sh.next.keys[uint32(v)].fp
		}
		i := fp & sh.mask
		for sh.slots[i] != 0 {
			i = (i + 1) & sh.mask
		}
		sh.slots[i] = v
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
		e := uint32(len(sh.next.keys))
		sh.next.states = append(sh.next.states, c.state)
		if len(sh.next.states) == sh.spillAt {
			sh.flush(sh.spillDir)
		}
		if sh.addEntry(c, i, e) {
			sh.grow()
		}
		return inserted
	}
	if v&current != 0 && c.pfp <= sh.next.keys[uint32(v)].pfp { // the rare case out of line
		sh.improveParent(c, uint32(v), nil)
	}
	return seenBefore
}

// addEntry records c as entry e of the level being built, in slot i, and
// reports whether the table must grow.
func (sh *shard[S]) addEntry(c *candidate[S], i uint64, e uint32) bool {
	sh.next.keys = append(sh.next.keys, entryKey{c.fp, c.pfp})
	sh.parent.append(c.parent)
	sh.action.append(c.act)
	sh.slots[i] = current | occupied | uint64(e)
	sh.count++
	return sh.count >= sh.limit
}

// improveParent makes c's parent that of entry e of the level being built
// when c's discovery key (parent fingerprint, action) is smaller. tie, when
// not nil, orders two different parents with equal keys (full-state mode,
// where distinct states may share a fingerprint).
func (sh *shard[S]) improveParent(c *candidate[S], e uint32, tie func(a, b uint32) bool) {
	id := sh.nextBase + e
	k := &sh.next.keys[e]
	act := sh.action.get(id)
	if c.pfp < k.pfp || c.pfp == k.pfp && (c.act < act ||
		c.act == act && tie != nil && c.parent != sh.parent.get(id) && tie(c.parent, sh.parent.get(id))) {
		k.pfp = c.pfp
		sh.parent.set(id, c.parent)
		sh.action.set(id, c.act)
	}
}

// settle ends the level being built: its slots become plain fingerprints,
// its parent links are appended to the shard's arrays, and it becomes the
// level to expand next.
func (sh *shard[S]) settle() {
	if sh.full {
		sh.settleFull()
		sh.curChunks = sh.store.chunks
	} else {
		for _, k := range sh.next.keys {
			i, _ := sh.lookup(k.fp)
			sh.slots[i] = occupied | k.fp&low58
		}
	}
	if sh.spillDir != "" {
		sh.settleSpill(sh.spillDir)
	}
	sh.curN = len(sh.next.keys)
	// The level to expand keeps only its states (fingerprints are cheap to
	// recompute), which keeps the peak memory of two adjacent BFS levels low.
	sh.cur, sh.next = sh.next, sh.cur
	sh.next.reset()
	sh.next.keys = sh.cur.keys[:0]
	sh.cur.keys = nil
	sh.curBase = sh.nextBase
	sh.nextBase += uint32(sh.curN)
}
