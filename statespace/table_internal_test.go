package statespace

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// tableFingerprints returns fingerprints of shard 0 built to stress the
// compact table: random ones; a pile of fingerprints with the same low 20
// bits (one home slot at every table size up to 2^20, so displacements go
// far beyond what a slot's displacement field holds); and pairs that
// differ only in the remainder's top bit, or only in the home bits.
func tableFingerprints() []uint64 {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[uint64]bool{}
	var fps []uint64
	add := func(fp uint64) {
		fp &= low58 // shard 0
		if !seen[fp] {
			seen[fp] = true
			fps = append(fps, fp)
		}
	}
	for range 150_000 {
		add(r.Uint64())
	}
	const home = 0x5a5a5
	for range 400 {
		add(r.Uint64()<<20 | home)
	}
	for range 2_000 {
		fp := r.Uint64()
		add(fp)
		add(fp ^ 1<<57)         // the remainder's top bit
		add(fp ^ 1<<3)          // a home bit only
		add(fp ^ (fp&0x3ff)<<1) // another home, same remainder
	}
	return fps
}

// The compact table keeps whole fingerprints: after states are stored
// through a level, a table grown from 7-byte to 6-byte slots, and
// displacements beyond the slot's field, every stored fingerprint is
// found, no fingerprint that differs from a stored one in a single bit is
// taken for it, and every settled slot gives back exactly the fingerprint
// stored there.
func TestCompactTableKeepsWholeFingerprints(t *testing.T) {
	fps := tableFingerprints()
	var off atomic.Int64
	sh := &shard[uint8]{}
	sh.init(false, &off)
	widths := map[uint64]bool{sh.tab.width: true}
	stored := map[uint64]bool{}
	for i, fp := range fps {
		c := candidate[uint8]{fp: fp, parent: noParent}
		if r := sh.offer(&c, false); r != inserted {
			t.Fatalf("fingerprint %d (%016x): offer says %d, want inserted", i, fp, r)
		}
		stored[fp] = true
		widths[sh.tab.width] = true
		if i%20_000 == 0 || i == len(fps)-1 {
			sh.settle(nil)
		}
	}
	if !widths[7] || !widths[6] {
		t.Errorf("slot widths seen %v; want the table to grow from 7-byte to 6-byte slots", widths)
	}
	if len(sh.tab.over) == 0 {
		t.Errorf("no displacement overflowed the slot's field (dispMax %d); the test does not reach the overflow map", sh.tab.dispMax)
	}
	if sh.count != uint32(len(fps)) {
		t.Errorf("%d states stored, want %d", sh.count, len(fps))
	}
	for _, fp := range fps {
		if !sh.contains(fp) {
			t.Fatalf("stored fingerprint %016x not found", fp)
		}
		for b := range 58 {
			if other := fp ^ 1<<b; !stored[other] && sh.contains(other) {
				t.Fatalf("fingerprint %016x (bit %d of %016x flipped) taken as stored", other, b, fp)
			}
		}
	}
	back := map[uint64]bool{}
	for i := uint64(0); i <= sh.tab.mask; i++ {
		if v := sh.tab.get(i); v != 0 {
			if v&slotCurrent != 0 {
				t.Fatalf("slot %d still holds a state of the level being built after settle", i)
			}
			back[sh.tab.fp58(i, v)] = true
		}
	}
	if len(back) != len(stored) {
		t.Errorf("the slots give back %d fingerprints, want %d", len(back), len(stored))
	}
	for fp := range back {
		if !stored[fp] {
			t.Fatalf("a slot gives back %016x, which was never stored", fp)
		}
	}
	sh.tab.release(&off)
	if off.Load() != 0 {
		t.Errorf("%d bytes of tables outside the heap after release, want 0", off.Load())
	}
}

// A state offered again while its level is being built is found through
// its "current" slot, in any table size, and so is one of an earlier
// level.
func TestCompactTableFindsTheLevelBeingBuilt(t *testing.T) {
	var off atomic.Int64
	sh := &shard[uint8]{}
	sh.init(false, &off)
	defer sh.tab.release(&off)
	fps := tableFingerprints()[:30_000]
	for i, fp := range fps {
		c := candidate[uint8]{fp: fp, parent: noParent}
		sh.offer(&c, false)
		if i == 10_000 {
			sh.settle(nil)
		}
	}
	for i, fp := range fps {
		c := candidate[uint8]{fp: fp, parent: noParent}
		if r := sh.offer(&c, false); r != seenBefore {
			t.Fatalf("fingerprint %d offered again: %d, want seenBefore", i, r)
		}
	}
}

// The slot width is the smallest that holds the two flags, the remainder
// and a displacement field of at least minDispBits bits, for every table
// size a shard can reach.
func TestCompactTableWidths(t *testing.T) {
	var off atomic.Int64
	for bits := uint(minBits); bits <= 28; bits++ {
		w := tableWidth(bits)
		rem := 58 - bits
		if disp := 8*w - 2 - uint64(rem); disp < minDispBits || w > 8 || 8*(w-1) >= 2+minDispBits+uint64(rem) {
			t.Errorf("2^%d slots: width %d bytes leaves %d displacement bits", bits, w, disp)
		}
		if bits <= 20 {
			tab := newTable(bits, false, &off)
			if tab.width != w || tab.dispMax != 1<<(8*w-2-uint64(rem))-1 {
				t.Errorf("2^%d slots: table of width %d, dispMax %d", bits, tab.width, tab.dispMax)
			}
			tab.release(&off)
		}
	}
	if w := tableWidth(19); w != 6 {
		t.Errorf("2^19 slots per shard (german, 5 nodes): %d-byte slots, want 6", w)
	}
}
