package fence

import (
	"unsafe"

	"github.com/zeebo/xxh3"
)

// Fingerprint implements statespace.Fingerprinter. A configuration with at
// most two importers hashes the state in the layout the model had when it
// was limited to two (41 bytes: eight fence slots, byte masks): the
// fingerprints, hence the counterexample the checker picks among those of
// equal length, the saved traces and the regression scripts, are the same
// as before the limit was raised. A larger configuration hashes the state's
// own bytes (it has no padding; the engine checks that for every model).
// Both encodings are one-to-one on the states the configuration reaches.
func (m *Model) Fingerprint(s *State) uint64 {
	if len(m.cfg.Importers) > legacyImporters {
		return xxh3.Hash(unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s)))
	}
	b := legacyEncoding(s)
	return xxh3.Hash(b[:])
}

// The two-importer layout: slots 0 (stub), 1..4 (jobs), 5..6 (points), 7
// (copy).
const (
	legacyImporters = 2
	legacyPoint     = FJob + legacyImporters*MaxJobs
	legacyCopy      = legacyPoint + MaxPoints
	legacyFences    = legacyCopy + 1
	legacySize      = 41
)

// legacySlot maps a slot of a configuration with at most two importers to
// its number in the two-importer layout.
func legacySlot(f int) int {
	switch {
	case f >= FPoint && f < FCopy:
		return legacyPoint + f - FPoint
	case f == FCopy:
		return legacyCopy
	}
	return f
}

func legacyMask(mask Mask) uint8 {
	var out uint8
	for f := range MaxFences {
		if mask&(1<<f) != 0 {
			out |= 1 << legacySlot(f)
		}
	}
	return out
}

// legacyEncoding is s in the field order and encoding of the two-importer
// State: Ghost, Fence[8], Added[8], Resv[8], Job[2][2], Deps[2][2], CPU,
// CPUWait, CPUTruth, Poll (armed fence at bit 4), SyncFile, User,
// Timeline, Exporter.
func legacyEncoding(s *State) [legacySize]byte {
	var b [legacySize]byte
	b[0] = s.Ghost
	for f := range MaxFences {
		if g := legacySlot(f); g < legacyFences {
			b[1+g] = s.Fence[f]
			b[9+g] = s.Added[f]
		}
	}
	for i := range legacyFences {
		if e := s.Resv[i]; e != 0 {
			b[17+i] = e&^0x0f | uint8(legacySlot(entryFence(e))+1)
		}
	}
	for i := range legacyImporters {
		for k := range MaxJobs {
			b[25+MaxJobs*i+k] = s.Job[i][k]
			b[29+MaxJobs*i+k] = legacyMask(s.Deps[i][k])
		}
	}
	b[33] = s.CPU
	b[34] = legacyMask(s.CPUWait)
	b[35] = legacyMask(s.CPUTruth)
	b[36] = s.Poll&(pollPhase|PollAfterWrite) | uint8(legacySlot(int(s.Poll&pollFence>>pollShift)))<<4
	b[37] = legacyMask(s.SyncFile)
	b[38] = s.User
	b[39] = s.Timeline
	b[40] = s.Exporter
	return b
}
