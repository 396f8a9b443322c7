package statespace

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// table is the open-addressing, linear-probing hash table of one shard:
// 2^bits slots of width bytes each, packed in a byte array (a slot's value
// is read and written as the low 8·width bits of a little-endian word).
//
// In fingerprint mode a table stores only the fingerprint bits that the
// slot does not imply (compact hashing, as in Cleary's tables). The top 6
// bits of a fingerprint are its shard's number and the low bits are its
// home slot, fp & mask; a slot records how far it is from its home
// (displacement), so the home, hence the whole fingerprint, is known again
// from the slot's position:
//
//	0                                 empty
//	1 | d<<2 | rem<<(2+dispBits)      a state of an earlier BFS level: its
//	                                  fingerprint's bits 58−remBits..57 are
//	                                  rem, its low bits (the home slot) are
//	                                  the slot's index − d, and its top 6
//	                                  bits the shard's number
//	3 | e<<2                          a state of the level being built: entry
//	                                  e of the shard's next level, whose
//	                                  fingerprint is next.keys[e].fp
//
// with remBits = 58 − bits. A displacement of dispMax or more is stored as
// dispMax and the fingerprint is kept in the overflow map, by slot (rare:
// linear probing at a load below 3/4 seldom goes that far). Every
// fingerprint is thus stored whole, all 64 bits of it, and two states are
// taken as one only when their fingerprints are equal, as with 8-byte
// slots. The width is the smallest number of bytes that holds the two flag
// bits, the remainder and a displacement field of at least minDispBits
// bits: 7 bytes up to 2^17 slots per shard, 6 bytes from 2^18 slots
// (german with 5 nodes: 2^19 slots per shard, 7 displacement bits).
//
// In full-state mode every slot is 8 bytes (see fullstate.go).
//
// A table of mapMin bytes or more lives outside the Go heap (mapWords),
// counted in the run's offHeap; release gives it back.
type table struct {
	b      []byte // the slots, plus 8 bytes so that the last is read as a word
	words  []uint64
	mem    mapping // the words' mapping, when mapped
	mapped bool
	width  uint64 // bytes per slot
	bits   uint   // log2 of the number of slots
	mask   uint64 // slots − 1
	// valMask keeps the low 8·width bits of a word.
	valMask uint64
	// Fingerprint mode: the remainder starts at bit remShift = 2 +
	// dispBits; dispMax is the largest displacement field, which means
	// "see over".
	remShift uint
	dispMax  uint64
	over     map[uint64]uint64 // slot → fingerprint's low 58 bits
}

const (
	slotOccupied = 1
	slotCurrent  = 2
	minDispBits  = 6
	mapMin       = 64 << 10
)

// newTable returns an empty table of 2^bits slots; full selects full-state
// mode's 8-byte slots. offHeap counts the bytes of mapped tables.
func newTable(bits uint, full bool, offHeap *atomic.Int64) table {
	t := table{bits: bits, mask: 1<<bits - 1, width: 8}
	if !full {
		t.width = tableWidth(bits)
		t.remShift = uint(8*t.width) - (58 - bits)
		t.dispMax = 1<<(t.remShift-2) - 1
	}
	t.valMask = ^uint64(0) >> (64 - 8*t.width)
	n := int((t.width<<bits + 8 + 7) / 8)
	if n*8 >= mapMin {
		t.words, t.mem, t.mapped = mapWords(n)
	}
	if t.mapped {
		offHeap.Add(int64(n) * 8)
	} else {
		t.words = make([]uint64, n)
		adviseHuge(t.words)
	}
	t.b = unsafeBytes(t.words)
	return t
}

// release gives a mapped table's memory back; the table is not used
// afterwards.
func (t *table) release(offHeap *atomic.Int64) {
	if t.mapped {
		unmapWords(t.mem)
		offHeap.Add(-int64(len(t.words)) * 8)
	}
	*t = table{}
}

// tableWidth is the slot width, in bytes, of a fingerprint-mode table of
// 2^bits slots: the two flags, the 58−bits remainder and at least
// minDispBits of displacement.
func tableWidth(bits uint) uint64 {
	return min(8, (2+minDispBits+uint64(58-bits)+7)/8)
}

// word returns the 8 bytes from slot i on. i must be at most mask (every
// caller masks it), so they are inside the table and its padding: no
// bounds check on the hot path.
func (t *table) word(i uint64) *[8]byte {
	return (*[8]byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(t.b)), i*t.width))
}

// get returns the value of slot i.
func (t *table) get(i uint64) uint64 {
	return binary.LittleEndian.Uint64(t.word(i)[:]) & t.valMask
}

// set stores v in slot i, leaving the neighbouring slots as they are.
func (t *table) set(i, v uint64) {
	w := t.word(i)
	binary.LittleEndian.PutUint64(w[:], binary.LittleEndian.Uint64(w[:])&^t.valMask|v)
}

// addr is the address of slot i, for prefetching.
func (t *table) addr(i uint64) uintptr { return uintptr(unsafe.Pointer(t.word(i))) }

// bytes is the table's memory.
func (t *table) bytes() uint64 { return uint64(len(t.words)) * 8 }

// settled returns the value of a settled slot at displacement d from the
// home of a fingerprint whose low 58 bits are fp58 (fingerprint mode).
func (t *table) settled(fp58, d uint64) uint64 {
	return slotOccupied | min(d, t.dispMax)<<2 | fp58>>t.bits<<t.remShift
}

// settle writes the settled value of fingerprint fp (low 58 bits fp58)
// into slot i (fingerprint mode).
func (t *table) settle(i, fp58 uint64) {
	d := (i - fp58) & t.mask
	if d >= t.dispMax {
		if t.over == nil {
			t.over = map[uint64]uint64{}
		}
		t.over[i] = fp58
	}
	t.set(i, t.settled(fp58, d))
}

// fp58 returns the low 58 bits of the fingerprint held by the settled slot
// i, whose value is v (fingerprint mode).
func (t *table) fp58(i, v uint64) uint64 {
	d := v >> 2 & t.dispMax
	if d == t.dispMax {
		return t.over[i]
	}
	return v>>t.remShift<<t.bits | (i-d)&t.mask
}

// unsafeBytes views words as bytes.
func unsafeBytes(words []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
}
