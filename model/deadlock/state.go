package deadlock

// State is one global state: every agent's program counter and context,
// every lock's owner, every fence, message channel and device, and lockdep's
// learned dependencies. It is a fixed-size value of uint8 fields (no
// pointers, no padding), so the checker hashes its bytes.
type State struct {
	// PC is each agent's next step (len(Program) once finished).
	PC [MaxAgents]uint8
	// Flags holds each agent's context: agentSigDepth (nesting of
	// dma_fence_begin_signalling), agentReclaim (inside direct reclaim),
	// agentP2P (its attachment is peer-to-peer), agentWounded (its
	// ww_acquire_ctx was wounded).
	Flags [MaxAgents]uint8
	// Ticket is the age rank of each agent's ww_acquire_ctx among the live
	// contexts (1 is the oldest), 0 without a context. Only the order of
	// tickets matters, so they are renumbered 1..k whenever one ends.
	Ticket [MaxAgents]uint8
	// Contended is, after dma_resv_lock returned -EDEADLK, the contended
	// resv lock + 1 (ctx->contending_lock), 0 otherwise.
	Contended [MaxAgents]uint8
	// Owner is each lock's owner + 1, 0 when free.
	Owner [MaxLocks]uint8
	// Fence holds each fence's fencePublished, fenceSignalled and
	// fenceInResv bits.
	Fence [MaxFences]uint8
	// Refs is each fence's reference count (for the fences whose lifetime
	// matters), Pending a container's num_pending.
	Refs, Pending [MaxFences]uint8
	// Deps is, for a published job fence, the fences its job depends on
	// (bitmask), snapshot from the reservation object at publication.
	Deps [MaxFences]uint8
	// Cbs is, per fence, the agents whose callback is registered on it.
	Cbs [MaxFences]uint8
	// Chan counts the messages in flight on each channel.
	Chan [MaxChannels]uint8
	// PM is each device's runtime-PM state: usage count | pmSuspended.
	PM [MaxDevices]uint8
	// PMRef is, per device, the agents holding a runtime-PM reference.
	PMRef [MaxDevices]uint8
	// LockdepSig is lockdep's record of the locks (bit per lock, bit 7
	// fs_reclaim) acquired inside a fence signalling critical section;
	// LockdepWait of those held around a dma_fence_wait. Both are sticky:
	// lockdep never forgets a dependency.
	LockdepSig, LockdepWait uint8
}

// Agent flags.
const (
	agentSigDepth uint8 = 3 // dma_fence_begin_signalling nesting, 0..3
	agentReclaim  uint8 = 1 << 2
	agentP2P      uint8 = 1 << 3
	agentWounded  uint8 = 1 << 4
)

// Fence bits.
const (
	fencePublished uint8 = 1 << iota
	fenceSignalled
	fenceInResv
)

// pmSuspended marks a runtime-suspended device in State.PM.
const pmSuspended uint8 = 1 << 7

// fsReclaim is lockdep's fs_reclaim pseudo-lock in the lockdep masks.
const fsReclaim uint8 = 1 << 7

func (s *State) owner(l int) int         { return int(s.Owner[l]) - 1 }
func (s *State) published(f int) bool    { return s.Fence[f]&fencePublished != 0 }
func (s *State) signalled(f int) bool    { return s.Fence[f]&fenceSignalled != 0 }
func (s *State) inResv(f int) bool       { return s.Fence[f]&fenceInResv != 0 }
func (s *State) sigDepth(a int) uint8    { return s.Flags[a] & agentSigDepth }
func (s *State) suspended(d int) bool    { return s.PM[d]&pmSuspended != 0 }
func (s *State) pmUsage(d int) uint8     { return s.PM[d] &^ pmSuspended }
func (s *State) has(a int, f uint8) bool { return s.Flags[a]&f != 0 }

// held returns the locks agent a owns, as a bitmask.
func (s *State) held(a int) uint8 {
	var m uint8
	for l := range MaxLocks {
		if s.owner(l) == a {
			m |= 1 << l
		}
	}
	return m
}

// renumberTickets keeps the live tickets 1..k in the same order.
func (s *State) renumberTickets() {
	for {
		// Find the smallest missing rank below the largest ticket.
		var present [MaxAgents + 2]bool
		top := uint8(0)
		for _, t := range s.Ticket {
			if t != 0 {
				present[t] = true
				top = max(top, t)
			}
		}
		gap := uint8(0)
		for r := uint8(1); r < top; r++ {
			if !present[r] {
				gap = r
				break
			}
		}
		if gap == 0 {
			return
		}
		for i, t := range s.Ticket {
			if t > gap {
				s.Ticket[i] = t - 1
			}
		}
	}
}
