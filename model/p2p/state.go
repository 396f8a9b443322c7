package p2p

// State is one global state: a fixed-size value of uint8 fields (no
// pointers, no padding), hashed as raw bytes by the checker.
type State struct {
	// Ghost holds the violation flags (Flag*), sticky.
	Ghost uint8
	// Cover holds ghost bits that show a feature was exercised (Cover*).
	Cover uint8
	// Place is where the buffer lives: PlaceBAR or PlaceSys.
	Place uint8
	// Att is each importer's attachment: Att* value | address kind<<4.
	Att [MaxImporters]uint8
	// DMA is each importer's device access: DMA* phase | DMADropped.
	DMA [MaxImporters]uint8
	// Mem is the version held by the buffer's memory, per line.
	Mem [MaxLines]uint8
	// Cache is the CPU cache per line: LineInvalid, or LineClean/LineDirty
	// | version.
	Cache [MaxLines]uint8
	// Latest is the ghost latest completed write per line, and LatestBy
	// who wrote it (0 nobody, 1 the CPU, 2 a device).
	Latest   [MaxLines]uint8
	LatestBy [MaxLines]uint8
	// Writes counts the writes so far (it bounds the versions).
	Writes uint8
}

// Placement values.
const (
	PlaceBAR uint8 = 0 // in the exporter's BAR (VRAM, or an APU's stolen memory)
	PlaceSys uint8 = 1 // migrated to system memory (GTT)
)

// Attachment values (low 4 bits of State.Att).
const (
	AttNone          uint8 = 0
	AttP2P           uint8 = 1 // mapped peer-to-peer: the BAR, through AddrKind
	AttSys           uint8 = 2 // mapped in system memory (redirected, or a static importer)
	AttRejected      uint8 = 3 // the attach failed with -EBUSY
	AttRetryRejected uint8 = 4 // the attach without peer2peer failed too
	AttCopy          uint8 = 5 // falls back to a CPU copy through a bounce buffer
	AttFailed        uint8 = 6 // gave up: no path to the buffer
	attMask          uint8 = 0x0f
	// AttRedirected marks an AttSys mapping of an importer that asked for
	// peer2peer; AttRetried one obtained by a retry.
	AttRedirected uint8 = 1 << 7
)

// DMA values.
const (
	DMAIdle    uint8 = 0
	DMARead    uint8 = 1
	DMAWrite   uint8 = 2
	dmaPhase   uint8 = 3
	DMADropped uint8 = 1 << 2 // the platform dropped the request: nothing is transferred
)

// Cache line encoding.
const (
	LineInvalid uint8 = 0
	LineClean   uint8 = 1 << 4
	LineDirty   uint8 = 2 << 4
	lineState   uint8 = 3 << 4
	lineVer     uint8 = 0x0f
)

// Violation flags in State.Ghost.
const (
	FlagUnroutable uint8 = 1 << iota // a P2P mapping the topology does not allow, or with the wrong address kind
	FlagDropped                      // a DMA request the platform drops
	FlagStaleRead                    // a read older than the latest completed write
	FlagNoFallback                   // an importer left with no path after a rejected attach
	FlagNoPages                      // BAR addresses (no struct pages) given to an importer without peer2peer
)

var flagNames = []string{"unroutable-p2p-mapping", "dropped-transfer", "stale-read", "no-fallback-after-reject", "bar-to-static-importer"}

// Coverage bits in State.Cover.
const (
	CoverP2PDone       uint8 = 1 << iota // a DMA over a peer-to-peer mapping arrived
	CoverRedirected                      // an importer that asked for peer2peer was given system memory
	CoverFallback                        // an importer rejected at first reached the buffer by a retry or a copy
	CoverCPUReadDevice                   // the CPU read a version a device wrote
	CoverDeviceReadCPU                   // a device read a version the CPU wrote
)

func (s *State) att(i int) uint8     { return s.Att[i] & attMask }
func (s *State) addr(i int) AddrKind { return AddrKind(s.Att[i] >> 4 & 7) }
func (s *State) working(i int) bool  { a := s.att(i); return a == AttP2P || a == AttSys || a == AttCopy }
func (s *State) dmaBusy() bool       { return s.DMA[0]&dmaPhase != DMAIdle || s.DMA[1]&dmaPhase != DMAIdle }
func lineOf(state, ver uint8) uint8  { return state | ver }
func lineVerOf(l uint8) uint8        { return l & lineVer }
func lineStateOf(l uint8) uint8      { return l & lineState }
func setAtt(s *State, i int, v uint8, a AddrKind) {
	s.Att[i] = v | uint8(a)<<4
}
