// Package deadlock is the locking half of the DMA-buf protocol as a pure,
// deterministic state machine over the statespace engine: kernel threads
// (importers' submit threads, the exporter's eviction thread, the fence
// signalling paths, reclaim, user space, a remote VM's backend, runtime PM)
// each running a short fixed program over locks (dma_resv ww_mutexes with
// ww_acquire_ctx and -EDEADLK backoff, driver mutexes, fence spinlocks),
// fences, remote messages and the runtime-PM state of a device, with
// lockdep's pseudo-lock for the fence signalling critical section.
//
// An action is "this agent takes its next step" (one action per outcome of
// each program step: dma_resv_lock(bo, ctx) = 0 and = -EDEADLK are two
// actions); a blocked step has no enabled action, so a deadlock is a state
// with no enabled action in which some agent has not finished its program
// (ValidEnd: every agent finished, or idle waiting for work that may never
// come). In a stuck state WaitsFor names every blocked agent and who it
// waits for; the engine reports a cycle of that graph with the deadlock.
//
// The eight deadlock patterns of docs/kernel-rules.md §12.5 are built-in
// scenarios (Scenarios), each a failing variant and its fix; docs/deadlocks.md
// has their traces. Everything follows docs/kernel-rules.md
// (§4.2 resv locking, §5.2 the cross-driver contract, §5.3 indefinite
// fences, §9 runtime PM, §12.5).
package deadlock

import (
	"errors"
	"fmt"
)

// Limits of the state encoding.
const (
	MaxAgents   = 8
	MaxLocks    = 7 // lockdep's fs_reclaim pseudo-lock is bit 7 of the lockdep masks
	MaxFences   = 8
	MaxChannels = 8
	MaxDevices  = 2
	MaxProgram  = 250
)

// LockKind is the kind of a lock: it decides the kernel function that takes
// it and how lockdep classes it.
type LockKind uint8

const (
	// Resv is a dma_resv's ww_mutex (reservation_ww_class): taken with
	// dma_resv_lock(obj, NULL) (OpLock) or with a ww_acquire_ctx (OpWWLock).
	// Every resv lock is in one lockdep class, primed at boot by
	// dma_resv_lockdep() as held around dma_fence_wait.
	Resv LockKind = iota
	// Mutex is a driver mutex (mutex_lock).
	Mutex
	// Spinlock is a spinlock, typically a fence's lock (spin_lock_irqsave).
	Spinlock
)

// Lock is one lock of the configuration.
type Lock struct {
	Name string
	Kind LockKind
}

// Usage is enum dma_resv_usage: KERNEL < WRITE < READ < BOOKKEEP; a query
// for usage U returns every fence with usage ≤ U (kernel-rules §4.1).
type Usage uint8

// Usages.
const (
	UsageKernel Usage = iota
	UsageWrite
	UsageRead
	UsageBookkeep
)

var usageNames = [...]string{"DMA_RESV_USAGE_KERNEL", "DMA_RESV_USAGE_WRITE", "DMA_RESV_USAGE_READ", "DMA_RESV_USAGE_BOOKKEEP"}

func (u Usage) String() string {
	if int(u) < len(usageNames) {
		return usageNames[u]
	}
	return fmt.Sprintf("usage(%d)", u)
}

// Fence is one dma_fence (or a userspace-controlled fence).
type Fence struct {
	Name string
	// Resv is the index of the Resv lock whose dma_resv the fence is added
	// to by OpPublish (dma_resv_add_fence), or -1: the fence is never in a
	// reservation object (a scheduler job fence pushed without one, a
	// container, a sw_sync point).
	Resv int
	// Usage is the usage the fence is added with.
	Usage Usage
	// Deps, when true, makes OpPublish snapshot the job's dependencies
	// (drm_sched_job_add_resv_dependencies): the fences then in the same
	// reservation object with usage ≤ DepUsage. OpWaitDeps waits for them.
	Deps     bool
	DepUsage Usage
	// Lock is the index of the fence's spinlock (fence->lock) when the
	// scenario needs it explicit (signal callbacks, enable_signaling, a lock
	// shared by a timeline), or -1.
	Lock int
	// Indefinite marks a userspace-controlled fence (sw_sync point, user
	// queue fence, future fence): it may never signal (kernel-rules §5.3).
	Indefinite bool
	// Published: the fence exists and is visible from the start (a sw_sync
	// point, a merged sync_file); otherwise OpPublish creates it.
	Published bool
	// Refs is the initial reference count (for OpFenceGet/OpFencePut).
	Refs uint8
	// Pending is the initial num_pending of a dma_fence_array (the number
	// of members, 1 for signal_on_any).
	Pending uint8
}

// Op is the kind of a program step; each names the kernel function it
// stands for.
type Op uint8

// Operations.
const (
	OpNop             Op = iota // a step the model does not track (its Call names it)
	OpLock                      // mutex_lock / spin_lock / dma_resv_lock(obj, NULL): blocks while held
	OpUnlock                    // mutex_unlock / spin_unlock / dma_resv_unlock
	OpWWInit                    // ww_acquire_init(&ctx, &reservation_ww_class)
	OpWWLock                    // dma_resv_lock(obj, &ctx): 0, -EALREADY, -EDEADLK (→ Else), or wounds the holder (wound-wait)
	OpWWLockSlow                // dma_resv_lock_slow(contended, &ctx): sleeps until the contended lock is free
	OpWWUnlockAll               // backoff: dma_resv_unlock of every resv the context holds
	OpWWFini                    // ww_acquire_fini(&ctx)
	OpPublish                   // the fence becomes visible: dma_resv_add_fence / drm_sched_entity_push_job
	OpAwait                     // the scheduler picks the job of Obj (runs once the fence is published)
	OpWaitDeps                  // the scheduler waits for the job's dependencies to signal
	OpWait                      // dma_fence_wait(Obj)
	OpWaitResv                  // dma_resv_wait_timeout(Obj, usage Arg)
	OpSignal                    // dma_fence_signal(Obj): takes the fence's lock (if explicit) for the step
	OpSignalLocked              // dma_fence_signal_locked(Obj): the caller holds the fence's lock
	OpBeginSignalling           // dma_fence_begin_signalling(): enters lockdep's signalling critical section
	OpEndSignalling             // dma_fence_end_signalling()
	OpAllocKernel               // kmalloc(GFP_KERNEL): fast path (→ Else) or direct reclaim (→ Next, an OpShrink)
	OpShrink                    // direct reclaim: a shrinker waits for the fences of the buffers it frees
	OpAllocAtomic               // kmalloc(GFP_ATOMIC): never enters reclaim
	OpFenceGet                  // dma_fence_get(Obj)
	OpFencePut                  // dma_fence_put(Obj): not the last reference (→ Else) or the last (→ Next: release)
	OpAddCallback               // dma_fence_add_callback(Obj): 0 (→ Next) or -ENOENT, already signalled (→ Else)
	OpIfCallback                // the signaller runs the callback agent Arg registered on Obj (→ Next), or none (→ Else)
	OpArrayDec                  // atomic_dec_and_test(&array->num_pending) of container Obj: true (→ Next), false (→ Else)
	OpSend                      // send a message on channel Obj (remote request, reply, complete())
	OpRecv                      // receive a message from channel Obj (blocks while none)
	OpAttach                    // dma_buf_dynamic_attach with allow_peer2peer on device Obj's buffer
	OpDetach                    // dma_buf_detach: the exporter drops the runtime-PM reference it holds for the attachment
	OpPMGetSync                 // pm_runtime_get_sync(Obj): resumes the device if suspended
	OpPMGetIfActive             // pm_runtime_get_if_active(Obj): 1 (→ Next) or 0, peer2peer cleared (→ Else)
	OpPMPut                     // pm_runtime_put(Obj)
	OpPMSuspend                 // rpm_suspend(Obj) from autosuspend: usage count 0 and active
	OpP2PDMA                    // DMA through device Obj's BAR for agent Arg's attachment: stalls while the device is suspended
	numOps
)

// Instr is one step of an agent's program.
type Instr struct {
	Op Op
	// Obj is the lock, fence, channel or device the step acts on.
	Obj int
	// Arg is a second operand: the usage of OpWaitResv, the agent whose
	// callback OpIfCallback runs, the agent whose attachment OpP2PDMA uses.
	Arg int
	// Next is the step after the main outcome, Else the step after the
	// alternative one (see the Op comments). len(Program) means finished.
	Next, Else int
	// Idle marks a step at which the agent may wait forever (for work that
	// may never come: an irq_work, an autosuspend timer) without that being
	// a deadlock.
	Idle bool
	// Call overrides the kernel call shown in labels (the default is derived
	// from Op and Obj); Note is appended to the label ("job 1").
	Call, Note string
}

// Agent is one thread of the scenario and its program.
type Agent struct {
	Name    string
	Program []Instr
}

// WWClass is the ww_mutex algorithm of the resv locks.
type WWClass uint8

const (
	// WaitDie is what dma_resv uses (DEFINE_WD_CLASS(reservation_ww_class)):
	// a younger context that holds locks and contends with an older one
	// gets -EDEADLK; an older one waits.
	WaitDie WWClass = iota
	// WoundWait: an older context that holds locks and contends with a
	// younger holder wounds it; the wounded context gets -EDEADLK when it
	// next has to wait while holding locks.
	WoundWait
)

func (w WWClass) String() string { return [...]string{"wait-die", "wound-wait"}[w] }

// Config is one scenario: its objects and its agents' programs.
type Config struct {
	Locks    []Lock
	Fences   []Fence
	Channels []string
	Devices  []string
	Agents   []Agent
	WW       WWClass
	// NoLockdepPriming turns off dma_resv_lockdep()'s boot-time priming
	// (resv lock and fs_reclaim held around dma_fence_wait); lockdep then
	// learns only from the scenario's own steps.
	NoLockdepPriming bool
	// Liveness adds the Eventually property "every fence is eventually
	// signalled" (checked under weak fairness per agent).
	Liveness bool
}

// Validate reports the first inconsistency of c.
func (c *Config) Validate() error {
	switch {
	case len(c.Agents) == 0:
		return errors.New("no agents")
	case len(c.Agents) > MaxAgents:
		return fmt.Errorf("%d agents; at most %d", len(c.Agents), MaxAgents)
	case len(c.Locks) > MaxLocks:
		return fmt.Errorf("%d locks; at most %d", len(c.Locks), MaxLocks)
	case len(c.Fences) > MaxFences:
		return fmt.Errorf("%d fences; at most %d", len(c.Fences), MaxFences)
	case len(c.Channels) > MaxChannels:
		return fmt.Errorf("%d channels; at most %d", len(c.Channels), MaxChannels)
	case len(c.Devices) > MaxDevices:
		return fmt.Errorf("%d devices; at most %d", len(c.Devices), MaxDevices)
	}
	for i, f := range c.Fences {
		if f.Resv >= len(c.Locks) || f.Resv >= 0 && c.Locks[f.Resv].Kind != Resv {
			return fmt.Errorf("fence %s: Resv %d is not a resv lock", f.Name, f.Resv)
		}
		if f.Lock >= len(c.Locks) {
			return fmt.Errorf("fence %s: Lock %d out of range", f.Name, f.Lock)
		}
		if f.Deps && f.Resv < 0 {
			return fmt.Errorf("fence %s: Deps without a reservation object", f.Name)
		}
		for j := range i {
			if c.Fences[j].Name == f.Name {
				return fmt.Errorf("fence name %q used twice", f.Name)
			}
		}
	}
	for ai, a := range c.Agents {
		if len(a.Program) > MaxProgram {
			return fmt.Errorf("agent %s: program of %d steps; at most %d", a.Name, len(a.Program), MaxProgram)
		}
		for j := range ai {
			if c.Agents[j].Name == a.Name {
				return fmt.Errorf("agent name %q used twice", a.Name)
			}
		}
		n := len(a.Program)
		for pc, in := range a.Program {
			where := fmt.Sprintf("agent %s step %d (%s)", a.Name, pc, in.Op)
			if in.Op >= numOps {
				return fmt.Errorf("%s: unknown op", where)
			}
			if in.Next < 0 || in.Next > n {
				return fmt.Errorf("%s: Next %d out of range", where, in.Next)
			}
			if opInfo[in.Op].alt && (in.Else < 0 || in.Else > n) {
				return fmt.Errorf("%s: Else %d out of range", where, in.Else)
			}
			if err := c.checkObj(in); err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return nil
}

func (c *Config) checkObj(in Instr) error {
	inRange := func(what string, n int) error {
		if in.Obj < 0 || in.Obj >= n {
			return fmt.Errorf("%s %d out of range", what, in.Obj)
		}
		return nil
	}
	switch opInfo[in.Op].obj {
	case objLock:
		return inRange("lock", len(c.Locks))
	case objResv:
		if err := inRange("lock", len(c.Locks)); err != nil {
			return err
		}
		if c.Locks[in.Obj].Kind != Resv {
			return fmt.Errorf("lock %s is not a resv lock", c.Locks[in.Obj].Name)
		}
	case objFence:
		if err := inRange("fence", len(c.Fences)); err != nil {
			return err
		}
		f := c.Fences[in.Obj]
		if in.Op == OpSignalLocked && f.Lock < 0 {
			return fmt.Errorf("fence %s has no explicit lock", f.Name)
		}
		if in.Op == OpWaitDeps && !f.Deps {
			return fmt.Errorf("fence %s has no dependencies", f.Name)
		}
		if in.Op == OpIfCallback && (in.Arg < 0 || in.Arg >= len(c.Agents)) {
			return fmt.Errorf("callback owner %d out of range", in.Arg)
		}
	case objChannel:
		return inRange("channel", len(c.Channels))
	case objDevice:
		if err := inRange("device", len(c.Devices)); err != nil {
			return err
		}
		if in.Op == OpP2PDMA && (in.Arg < 0 || in.Arg >= len(c.Agents)) {
			return fmt.Errorf("attachment owner %d out of range", in.Arg)
		}
	}
	if in.Op == OpWaitResv && (in.Arg < 0 || in.Arg > int(UsageBookkeep)) {
		return fmt.Errorf("usage %d out of range", in.Arg)
	}
	return nil
}

// Operand kinds.
const (
	objNone = iota
	objLock
	objResv
	objFence
	objChannel
	objDevice
)

// outcome is one result of a step; each is one action of the table.
type outcome uint8

const (
	outDone    outcome = iota // the step's only or main result
	outAlready                // dma_resv_lock = -EALREADY
	outDeadlk                 // dma_resv_lock = -EDEADLK
	outWound                  // wound-wait: the older context wounds the holder and waits
	outAlt                    // the alternative result (→ Else)
	outLock0                  // dma_resv_lock_slow(lock k): outLock0 + k
)

type opDesc struct {
	name string
	obj  int
	alt  bool // has an alternative outcome with an Else target
}

var opInfo = [numOps]opDesc{
	OpNop:             {"nop", objNone, false},
	OpLock:            {"lock", objLock, false},
	OpUnlock:          {"unlock", objLock, false},
	OpWWInit:          {"ww_acquire_init", objNone, false},
	OpWWLock:          {"ww_lock", objResv, true},
	OpWWLockSlow:      {"ww_lock_slow", objNone, false},
	OpWWUnlockAll:     {"ww_unlock_all", objNone, false},
	OpWWFini:          {"ww_acquire_fini", objNone, false},
	OpPublish:         {"publish", objFence, false},
	OpAwait:           {"await", objFence, false},
	OpWaitDeps:        {"wait_deps", objFence, false},
	OpWait:            {"wait", objFence, false},
	OpWaitResv:        {"wait_resv", objResv, false},
	OpSignal:          {"signal", objFence, false},
	OpSignalLocked:    {"signal_locked", objFence, false},
	OpBeginSignalling: {"begin_signalling", objNone, false},
	OpEndSignalling:   {"end_signalling", objNone, false},
	OpAllocKernel:     {"alloc_kernel", objNone, true},
	OpShrink:          {"shrink", objNone, false},
	OpAllocAtomic:     {"alloc_atomic", objNone, false},
	OpFenceGet:        {"fence_get", objFence, false},
	OpFencePut:        {"fence_put", objFence, true},
	OpAddCallback:     {"add_callback", objFence, true},
	OpIfCallback:      {"if_callback", objFence, true},
	OpArrayDec:        {"array_dec", objFence, true},
	OpSend:            {"send", objChannel, false},
	OpRecv:            {"recv", objChannel, false},
	OpAttach:          {"attach", objDevice, false},
	OpDetach:          {"detach", objDevice, false},
	OpPMGetSync:       {"pm_get_sync", objDevice, false},
	OpPMGetIfActive:   {"pm_get_if_active", objDevice, true},
	OpPMPut:           {"pm_put", objDevice, false},
	OpPMSuspend:       {"pm_suspend", objDevice, false},
	OpP2PDMA:          {"p2p_dma", objDevice, false},
}

func (o Op) String() string {
	if o < numOps {
		return opInfo[o].name
	}
	return fmt.Sprintf("op(%d)", o)
}
