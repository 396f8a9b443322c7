package statespace

import (
	"bytes"
	"fmt"
	"unsafe"
)

// Full-state mode (Options.FullState) keeps every visited state's value, in
// each shard's chunked array indexed by local id, next to its fingerprint.
// Two states are the same only when their values are equal: a fingerprint
// match is confirmed on the stored value, and two different states with the
// same fingerprint are both kept. Traces are read from the stored states
// instead of replaying the model.
//
// Slots are 8 bytes. A settled slot holds the local id instead of the
// full fingerprint:
//
//	1 | local<<2 | (fp&tagMask)<<tagShift
//
// 36 bits of the fingerprint (enough to choose the home slot of any table
// size and to skip most non-matching slots without touching the state) and
// the 26-bit local id. Slots of the level being built are as in fingerprint
// mode (3 | entry<<2).

const (
	localBits = 32 - shardBits
	localMask = 1<<localBits - 1
	tagShift  = 2 + localBits
	tagBits   = 64 - tagShift
	tagMask   = 1<<tagBits - 1
)

// at returns a pointer to element i.
func (c *chunked[T]) at(i uint32) *T { return &c.chunks[i>>chunkBits][i&(chunkLen-1)] }

// lookupFull returns the slot holding the state *s (fingerprint fp), or the
// empty slot where it would go, and the slot's content.
func (sh *shard[S]) lookupFull(fp uint64, s *S) (uint64, uint64) {
	t := &sh.tab
	tag := fp & tagMask
	i := fp & t.mask
	for {
		v := t.get(i)
		switch {
		case v == 0:
			return i, 0
		case v&slotCurrent != 0:
			if e := uint32(v >> 2); sh.next.keys.at(int(e)).fp == fp && *sh.store.at(sh.nextBase + e) == *s {
				return i, v
			}
		case v>>tagShift == tag && *sh.store.at(uint32(v>>2) & localMask) == *s:
			return i, v
		}
		i = (i + 1) & t.mask
	}
}

// offerFull is offer in full-state mode. less orders two states of the
// level being expanded by value; it breaks the tie between two finders
// whose parents are different states with the same fingerprint.
func (sh *shard[S]) offerFull(c *candidate[S], probeOnly bool, less func(a, b uint32) bool) insertResult {
	i, v := sh.lookupFull(c.fp, &c.state)
	if v == 0 {
		if probeOnly {
			return beyondBound
		}
		if (sh.count >= sh.idLimit || sh.budget != nil) && !sh.admit() {
			return refused
		}
		e := uint32(sh.next.keys.n)
		sh.store.append(c.state)
		if sh.addEntry(c, i, e) {
			sh.growFull()
		}
		return inserted
	}
	if v&slotCurrent != 0 && c.pfp <= sh.next.keys.at(int(v>>2)).pfp { // the rare case out of line
		sh.improveParent(c, uint32(v>>2), less)
	}
	return seenBefore
}

// growFull doubles the table in full-state mode.
func (sh *shard[S]) growFull() {
	old := sh.tab
	defer old.release(sh.offHeap)
	sh.tab = newTable(old.bits+1, true, sh.offHeap)
	t := &sh.tab
	sh.limit = uint32(t.mask+1) / 4 * 3
	for j := uint64(0); j <= old.mask; j++ {
		v := old.get(j)
		if v == 0 {
			continue
		}
		home := v >> tagShift // the low bits of the fingerprint
		if v&slotCurrent != 0 {
			home = sh.next.keys.at(int(v >> 2)).fp
		}
		i := home & t.mask
		for t.get(i) != 0 {
			i = (i + 1) & t.mask
		}
		t.set(i, v)
	}
}

// settleFull rewrites the slots of the level just built as settled slots
// (full-state mode).
func (sh *shard[S]) settleFull() {
	t := &sh.tab
	for e := range sh.next.keys.n {
		k := sh.next.keys.at(e)
		want := slotOccupied | slotCurrent | uint64(e)<<2
		i := k.fp & t.mask
		for t.get(i) != want {
			i = (i + 1) & t.mask
		}
		t.set(i, slotOccupied|uint64(sh.nextBase+uint32(e))<<2|(k.fp&tagMask)<<tagShift)
	}
}

// curState returns the state with the given id, which must belong to the
// level being expanded (full-state mode). Any worker may call it during the
// level: it reads through the snapshot of the chunk list taken when the
// level was settled, which the shard's owner never writes.
func (c *checker[S]) curState(id uint32) *S {
	local, k := splitID(id)
	return &c.shards[k].curChunks[local>>chunkBits][local&(chunkLen-1)]
}

// stateLess is a total order on the states of the level being expanded,
// used only between different states that share a fingerprint (full-state
// mode): byte order for plain-memory states, else the order of their
// printed values.
func (c *checker[S]) stateLess(a, b uint32) bool {
	sa, sb := c.curState(a), c.curState(b)
	if c.plain {
		size := unsafe.Sizeof(*sa)
		return bytes.Compare(unsafe.Slice((*byte)(unsafe.Pointer(sa)), size), unsafe.Slice((*byte)(unsafe.Pointer(sb)), size)) < 0
	}
	return fmt.Sprintf("%#v", *sa) < fmt.Sprintf("%#v", *sb)
}

// offerAllFull is offerAll in full-state mode.
func (c *checker[S]) offerAllFull(w *worker[S], cands []candidate[S], last bool) {
	for i := range cands {
		if j := i + 2*prefetchDistance; j < len(cands) {
			sh := &c.shards[shardOf(cands[j].fp)]
			prefetch(sh.tab.addr(cands[j].fp & sh.tab.mask))
		}
		if j := i + prefetchDistance; j < len(cands) {
			// The home slot is in cache by now: fetch the state it names,
			// which the comparison will read.
			sh := &c.shards[shardOf(cands[j].fp)]
			switch v := sh.tab.get(cands[j].fp & sh.tab.mask); {
			case v == 0:
			case v&slotCurrent != 0:
				prefetch(uintptr(unsafe.Pointer(sh.store.at(sh.nextBase + uint32(v>>2)))))
			default:
				prefetch(uintptr(unsafe.Pointer(sh.store.at(uint32(v>>2) & localMask))))
			}
		}
		if c.shards[shardOf(cands[i].fp)].offerFull(&cands[i], last, c.stateLess) == beyondBound {
			w.beyond = true
		}
	}
}

// storedTrace rebuilds the path to a discovery from the stored states,
// without running the model (full-state mode).
func (c *checker[S]) storedTrace(d discovery) (*Trace, S) {
	var ids []uint32
	var acts []uint16
	id := d.id
	for {
		p, a, err := c.link(id)
		if err != nil {
			c.linkFailed(err)
			var s S
			return &Trace{Loop: -1}, s
		}
		ids, acts = append(ids, id), append(acts, a)
		if p == noParent {
			break
		}
		id = p
	}
	t := &Trace{InitIndex: int(acts[len(acts)-1]), Loop: -1}
	var s S
	for i := len(ids) - 1; i >= 0; i-- {
		local, k := splitID(ids[i])
		s = *c.shards[k].store.at(local)
		st := Step{Action: -1, Fingerprint: c.h.fingerprint(&s), State: describe(c.m, &s)}
		if i < len(ids)-1 {
			a := acts[i]
			st.Action, st.Label = int(a), c.names[a]
			if ac, ok := c.m.(Actorer); ok {
				st.Actor = ac.Actor(Action(a))
			}
		}
		t.Steps = append(t.Steps, st)
	}
	if last := t.Steps[len(t.Steps)-1].Fingerprint; last != d.fp {
		c.replayFailed("the stored trace to a state of depth %d: the last state has fingerprint %016x, want %016x", d.depth, last, d.fp)
	}
	return t, s
}
