package statespace

import "unsafe"

// level holds the states of one BFS level that belong to one shard. During
// the level's construction an entry's parent may still be replaced by one
// with a smaller discovery key (parent fingerprint, action), which makes the
// chosen parent independent of the order in which workers found the state.
// The parent links themselves live in the shard's links from the start;
// the level keeps only what the search still needs.
//
// A level grows in chunks of levelChunkLen entries taken from the shard's
// pools, never by copying, and gives them back: the keys when it is
// settled, the states as soon as a round of the search has expanded them.
// So the level being built reuses the memory of the level being expanded,
// and the two together take little more than the larger of them.
type level[S comparable] struct {
	states seq[S]
	keys   seq[entryKey] // level being built only
}

// entryKey is what a "current" slot is matched and ranked by: the state's
// fingerprint and its parent's, side by side so that one cache line holds
// both.
type entryKey struct {
	fp, pfp uint64
}

const (
	levelChunkBits = 11
	levelChunkLen  = 1 << levelChunkBits
)

// levelPools are a shard's free level chunks; madeStates and madeKeys
// count the chunks ever allocated (the memory of the shard's levels).
type levelPools[S comparable] struct {
	states               []*[levelChunkLen]S
	keys                 []*[levelChunkLen]entryKey
	madeStates, madeKeys int
}

// bytes is the memory of the shard's levels.
func (p *levelPools[S]) bytes(stateSize uintptr) uint64 {
	return levelChunkLen * (uint64(p.madeStates)*uint64(stateSize) + uint64(p.madeKeys)*uint64(unsafe.Sizeof(entryKey{})))
}

// seq is an array in chunks of levelChunkLen entries, taken from a pool
// and given back to it.
type seq[T any] struct {
	chunks []*[levelChunkLen]T // nil where a chunk was given back
	n      int
	freed  int // chunks below freed were given back
}

// push appends v, taking a chunk from pool (or allocating one, counted in
// made) when the last is full.
func (q *seq[T]) push(v T, pool *[]*[levelChunkLen]T, made *int) {
	if q.n>>levelChunkBits == len(q.chunks) {
		q.chunks = append(q.chunks, take(pool, made))
	}
	q.chunks[q.n>>levelChunkBits][q.n&(levelChunkLen-1)] = v
	q.n++
}

func take[T any](pool *[]*[levelChunkLen]T, made *int) *[levelChunkLen]T {
	k := len(*pool)
	if k == 0 {
		*made++
		return new([levelChunkLen]T)
	}
	ch := (*pool)[k-1]
	(*pool)[k-1] = nil
	*pool = (*pool)[:k-1]
	return ch
}

// at returns entry i.
func (q *seq[T]) at(i int) *T { return &q.chunks[i>>levelChunkBits][i&(levelChunkLen-1)] }

// releaseBelow gives back to pool the chunks that hold only entries below
// i, or every chunk when i ≥ n.
func (q *seq[T]) releaseBelow(i int, pool *[]*[levelChunkLen]T) {
	end := i >> levelChunkBits
	if i >= q.n {
		end = len(q.chunks)
	}
	for ; q.freed < end; q.freed++ {
		*pool = append(*pool, q.chunks[q.freed])
		q.chunks[q.freed] = nil
	}
}

// clear gives back every chunk and empties q.
func (q *seq[T]) clear(pool *[]*[levelChunkLen]T) {
	q.releaseBelow(q.n, pool)
	clear(q.chunks)
	q.chunks, q.n, q.freed = q.chunks[:0], 0, 0
}

// copyOut copies entries i, i+1, ... into dst.
func (q *seq[T]) copyOut(dst []T, i int) {
	for len(dst) > 0 {
		n := copy(dst, q.chunks[i>>levelChunkBits][i&(levelChunkLen-1):])
		dst, i = dst[n:], i+n
	}
}
