package fence

// State is one global state: a fixed-size value of uint8 fields and fence
// masks (no pointers, no padding: the masks come first), hashed as raw
// bytes by the checker.
type State struct {
	// Deps is each job's dependencies still pending: a mask of fence
	// slots whose callback (drm_sched's dependency callback) has not run.
	Deps [MaxImporters][MaxJobs]Mask
	// CPUWait is the set of fences begin_cpu_access's dma_resv_wait_timeout
	// found when it started (it iterates over the fences present then);
	// CPUTruth is the ghost set of fences published with a usage it must
	// cover at that moment, whatever the resv's entries said.
	CPUWait, CPUTruth Mask
	// SyncFile is the sync_file user space holds: 0 none, else a mask of
	// its leaf fences (bit FStub alone: the signalled stub).
	SyncFile Mask
	// Ghost holds the violation flags (Flag*), sticky, set by the step
	// that commits the violation.
	Ghost uint8
	// Fence is each fence slot (see the F* constants): status | error<<2 |
	// signalling enabled | seqno mod 4 <<5.
	Fence [MaxFences]uint8
	// Added is the ghost record of what was published into the resv: 0
	// for a fence never added, else 1 + the strongest (lowest) usage it was
	// added with. It is the truth the resv's entries must cover.
	Added [MaxFences]uint8
	// Resv is the dma_resv fence list, in kernel order: fence slot + 1 |
	// usage<<4, 0 past the last entry (num_fences).
	Resv [MaxEntries]uint8
	// Job is each importer's jobs, in ring order: phase | Job* bits.
	Job [MaxImporters][MaxJobs]uint8
	// CPU is the CPU bracket: phase | CPU* bits.
	CPU uint8
	// Poll is the poller: phase | armed fence <<2 | Poll* bits.
	Poll uint8
	// User counts user space's ioctls: exports | imports<<2 | points
	// created<<4.
	User uint8
	// Timeline is the sw_sync timeline: value | TimelineClosed.
	Timeline uint8
	// Exporter is the move: phase | ExporterWaited.
	Exporter uint8
}

// Fence slots. A slot belongs to one context for the whole run.
const (
	FStub  = 0                           // dma_fence_get_stub(): context 0, always signalled
	FJob   = 1                           // importer i's job k is FJob + MaxJobs*i + k
	FPoint = FJob + MaxImporters*MaxJobs // sw_sync point k (value k+1)
	FCopy  = FPoint + MaxPoints          // the exporter's move (copy) fence
)

// Fence byte encoding.
const (
	FenceUnused    uint8 = 0
	FencePending   uint8 = 1
	FenceSignalled uint8 = 2
	fenceStatus    uint8 = 3
	fenceErrShift        = 2
	fenceErr       uint8 = 3 << fenceErrShift
	FenceEnabled   uint8 = 1 << 4 // DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT
	fenceSeqShift        = 5
	fenceSeq       uint8 = 3 << fenceSeqShift
)

// Fence errors (dma_fence.error), as stored.
const (
	ErrNone  uint8 = 0
	ErrNoEnt uint8 = 1 // -ENOENT: sw_sync timeline closed
	ErrTime  uint8 = 2 // -ETIME: force-completed by a timeout
)

var errNames = [4]string{"", "-ENOENT", "-ETIME", "?"}

// Job byte encoding.
const (
	JobNone    uint8 = 0
	JobQueued  uint8 = 1 // submitted, waiting for its dependencies / ring turn
	JobRunning uint8 = 2 // DMA in flight
	JobDone    uint8 = 3 // completed (or cancelled) and its fence signalled
	jobPhase   uint8 = 3
	JobWrite   uint8 = 1 << 2
	// JobStale: submitted before the exporter moved the buffer; its DMA
	// goes to the old pages.
	JobStale uint8 = 1 << 3
	// JobCancelled: force-completed by a timeout without running.
	JobCancelled uint8 = 1 << 4
	// JobWaited: had dependencies at submission (their callbacks ran).
	JobWaited uint8 = 1 << 5
	// JobErrorDue: the buggy timeout signalled and will set the error next.
	JobErrorDue uint8 = 1 << 6
)

// CPU byte encoding.
const (
	CPUIdle    uint8 = 0
	CPUWaiting uint8 = 1 // in begin_cpu_access's dma_resv_wait_timeout
	CPUInside  uint8 = 2 // begin returned: the CPU may access
	cpuPhase   uint8 = 3
	cpuWrite   uint8 = 1 << 2 // the bracket is DMA_TO_DEVICE
	cpuBlocked uint8 = 1 << 3 // the wait found pending fences
)

// Poll byte encoding.
const (
	PollIdle  uint8 = 0
	PollArmed uint8 = 1 // sleeping: dma_buf_poll_cb installed on a fence
	PollWoken uint8 = 2 // the callback ran: poll again
	PollDone  uint8 = 3 // returned EPOLLIN
	pollPhase uint8 = 3
	pollShift       = 2
	pollFence uint8 = 15 << pollShift // the fence the callback is on
	// PollAfterWrite: when EPOLLIN was returned, a write job had completed.
	PollAfterWrite uint8 = 1 << 7
)

// Timeline and exporter encodings.
const (
	timelineValue  uint8 = 3
	TimelineClosed uint8 = 1 << 2

	ExpIdle     uint8 = 0
	ExpNotified uint8 = 1 // holds the resv lock, move_notify done, waiting for BOOKKEEP fences
	ExpCopying  uint8 = 2 // moved, lock dropped, the copy fence (KERNEL) pending
	ExpMoved    uint8 = 3
	expPhase    uint8 = 3
	// ExpWaited: the BOOKKEEP wait found pending fences.
	ExpWaited uint8 = 1 << 2
)

// Violation flags in State.Ghost.
const (
	FlagMonotonicity uint8 = 1 << iota // a fence un-signalled, error after signal, seqno out of order
	FlagIdleLied                       // a wait or test for U passed with a published fence ≤ U pending
	FlagJobAfterMove                   // a job touched the buffer after (or while) it was moved
	FlagNoReserve                      // dma_resv_add_fence appended without a reserved slot
)

var flagNames = []string{"fence-monotonicity", "resv-idle-lied", "job-after-move", "add-without-reservation"}

func (s *State) status(f int) uint8  { return s.Fence[f] & fenceStatus }
func (s *State) pending(f int) bool  { return s.status(f) == FencePending }
func (s *State) signaled(f int) bool { return s.status(f) == FenceSignalled }
func (s *State) fenceErr(f int) uint8 {
	return s.Fence[f] & fenceErr >> fenceErrShift
}
func (s *State) seqLow(f int) uint8 { return s.Fence[f] & fenceSeq >> fenceSeqShift }

// entries returns the number of resv entries (num_fences).
func (s *State) entries() int {
	for i, e := range s.Resv {
		if e == 0 {
			return i
		}
	}
	return MaxEntries
}

func entryFence(e uint8) int   { return int(e&0x0f) - 1 }
func entryUsage(e uint8) Usage { return Usage(e >> 4 & 3) }
func entryOf(f int, u Usage) uint8 {
	return uint8(f+1) | uint8(u)<<4
}

func jobPhaseOf(j uint8) uint8 { return j & jobPhase }

// Status reports a fence slot's status (FenceUnused, FencePending,
// FenceSignalled) and its error.
func (s *State) Status(f int) (status, err uint8) { return s.status(f), s.fenceErr(f) }

// ResvEntries returns the resv's entries in kernel order as (fence slot,
// usage) pairs.
func (s *State) ResvEntries() (fences []int, usages []Usage) {
	for i := range s.entries() {
		fences = append(fences, entryFence(s.Resv[i]))
		usages = append(usages, entryUsage(s.Resv[i]))
	}
	return fences, usages
}
