package model

// State is one global state of the protocol. It is a fixed-size value of
// small integers (no pointers, no padding), so the checker hashes its bytes.
type State struct {
	// Ghost holds the violation flags (Flag*): sticky bits set by the step
	// that commits the violation, read by the properties.
	Ghost uint8
	// Mem is the version held by the backing memory, per cache line.
	Mem [MaxLines]uint8
	// Latest is the ghost "latest completed write" per line, and LatestBy
	// who wrote it (0 none, 1 CPU, 2+d device d).
	Latest   [MaxLines]uint8
	LatestBy [MaxLines]uint8
	// CPU is the CPU cache per line: a Line value.
	CPU [MaxLines]uint8
	// Writes counts the writes so far (it bounds the versions).
	Writes uint8
	// Access is the CPU's begin/end bracket: phase<<2 | dir.
	Access uint8
	// Buf is the buffer's lifetime: BufLive or BufFreed.
	Buf uint8
	// SyncErr is the errno of the last DMA_BUF_IOCTL_SYNC (ErrNone or
	// ErrInval).
	SyncErr uint8
	// Dev is the state of each importer device.
	Dev [MaxDevices]DevState
}

// DevState is one importer device: its attachment, dma-buf mapping, DMA-API
// mapping, job and caches.
type DevState struct {
	// Att is the attachment: AttNone, AttAttached, AttRejected (the
	// exporter refused it), plus AttPinned.
	Att uint8
	// Map is the importer's dma-buf mapping: held dir | cached-sgt dir<<2 |
	// MapStale (move_notify invalidated it) | MapFresh (mapped since the
	// last job).
	Map uint8
	// DMA is the DMA-API streaming mapping of the buffer for this device:
	// the mapped direction, or 0.
	DMA uint8
	// Job is the device's DMA job: kind | line<<2 | observed version<<3.
	Job uint8
	// Err is the errno of this device driver's last failed dma-buf call
	// (ErrNone, ErrBusy, ErrInval).
	Err uint8
	// Cache is the device's own write-back cache per line (a Line value).
	Cache [MaxLines]uint8
	// Bounce is the version in the device's bounce buffer per line.
	Bounce [MaxLines]uint8
}

// Line encodes a cache line: state in the top bits, version in the low ones.
const (
	LineInvalid uint8 = 0
	LineClean   uint8 = 1 << 4
	LineDirty   uint8 = 2 << 4
	lineState         = 3 << 4
	lineVer           = 0x0f
)

func lineOf(state, ver uint8) uint8 {
	if state == LineInvalid {
		return 0
	}
	return state | ver
}

// Violation flags in State.Ghost.
const (
	FlagStaleRead    uint8 = 1 << iota // a read returned a version older than the latest completed write
	FlagLostWrite                      // a completed write was discarded or overwritten by older data
	FlagNoMapping                      // device DMA without a valid mapping (none, or invalidated by move_notify)
	FlagUseAfterFree                   // access to a released buffer or a detached attachment
	FlagDMADebug                       // a DMA-API precondition broken (dma-debug would warn)
	FlagPairing                        // begin/end_cpu_access unbalanced or mismatched
)

// CPU bracket phases (State.Access >> 2).
const (
	phaseIdle    = 0
	phaseBegun   = 1 // step 1 of begin done (hook, or nothing with WaitBeforeHook)
	phaseInside  = 2 // begin complete: the CPU may access
	accessDirBit = 3
	// accessSGT in State.Access records that a begin_cpu_access has run
	// the hook of an exporter with Exporter.EndNeedsBegin (udmabuf's
	// ubuf->sg exists from then on).
	accessSGT = 1 << 7
)

// Directions. For the CPU bracket the bits are the SYNC flags (READ=1,
// WRITE=2, RW=3); for mappings they are DMA directions below.
const (
	cpuRead  = 1
	cpuWrite = 2
)

// DMA directions as stored in mappings (0 = not mapped).
const (
	DirTo    uint8 = 1 // DMA_TO_DEVICE: the device reads
	DirFrom  uint8 = 2 // DMA_FROM_DEVICE: the device writes
	DirBidir uint8 = 3 // DMA_BIDIRECTIONAL
)

// Attachment values.
const (
	AttNone     uint8 = 0
	AttAttached uint8 = 1
	AttRejected uint8 = 2
	AttPinned   uint8 = 4
	attMask     uint8 = 3
)

// Mapping bits.
const (
	mapHeld   = 3
	mapCached = 3 << 2
	MapStale  = 1 << 4
	MapFresh  = 1 << 5
)

// Job kinds.
const (
	jobIdle  = 0
	jobRead  = 1
	jobWrite = 2
)

// Errnos of the last failed call.
const (
	ErrNone  uint8 = 0
	ErrBusy  uint8 = 1 // -EBUSY: map in another direction than the cached sg table
	ErrInval uint8 = 2 // -EINVAL: attach rejected by the exporter
)

// Buffer lifetime.
const (
	BufLive  uint8 = 0
	BufFreed uint8 = 1
)

func (d *DevState) attached() bool { return d.Att&attMask == AttAttached }
func (d *DevState) held() uint8    { return d.Map & mapHeld }
func (d *DevState) cached() uint8  { return d.Map & mapCached >> 2 }
func (d *DevState) jobKind() uint8 { return d.Job & 3 }
func (d *DevState) jobLine() int   { return int(d.Job >> 2 & 1) }
func (d *DevState) jobVer() uint8  { return d.Job >> 3 & lineVer }
func (s *State) phase() uint8      { return s.Access >> 2 & 3 }
func (s *State) accessDir() uint8  { return s.Access & accessDirBit }
func (s *State) setAccess(p, d uint8) {
	s.Access = s.Access&accessSGT | p<<2 | d
}

// sgtCreated reports whether a begin_cpu_access has created the exporter's
// CPU-side sg table (tracked only for exporters with EndNeedsBegin).
func (s *State) sgtCreated() bool { return s.Access&accessSGT != 0 }

// readsAllowed / writesAllowed say whether a mapping direction lets the
// device read or write.
func readsAllowed(dir uint8) bool  { return dir == DirTo || dir == DirBidir }
func writesAllowed(dir uint8) bool { return dir == DirFrom || dir == DirBidir }

// Attached reports whether the device is attached to the buffer.
func (d *DevState) Attached() bool { return d.attached() }

// Reading reports whether the device runs a DMA read job, of which line,
// and which version it read.
func (d *DevState) Reading() (ok bool, line int, ver uint8) {
	return d.jobKind() == jobRead, d.jobLine(), d.jobVer()
}

// CPUInsideRead reports whether the CPU is inside a begin/end bracket that
// allows reads.
func (s *State) CPUInsideRead() bool {
	return s.phase() == phaseInside && s.accessDir()&cpuRead != 0
}

// CPUHolds returns the version the CPU would read from line l without
// going to memory, and whether it has one (cached backing: a valid line;
// write-combined: memory).
func (s *State) CPUHolds(l int, b Backing) (uint8, bool) {
	if b.uncached() {
		return s.Mem[l], true
	}
	if s.CPU[l]&lineState == LineInvalid {
		return 0, false
	}
	return s.CPU[l] & lineVer, true
}

// Writer values in State.LatestBy.
const (
	WriterNone = 0
	WriterCPU  = 1
	// WriterDevice0 + d is device d.
	WriterDevice0 = 2
)
