package fence

import (
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Property names.
const (
	Monotonicity    = "fence-monotonicity"
	IdleMeansIdle   = "resv-idle-means-idle"
	KeepsNewest     = "resv-keeps-newest-fence"
	NoJobAfterMove  = "no-job-after-move"
	NeedReservation = "add-fence-needs-reservation"
	// EventuallySignal is the prefix of the per-fence liveness properties:
	// "fences-eventually-signal/<fence>" for each kernel fence slot.
	EventuallySignal = "fences-eventually-signal"

	JobWaitedForDep    = "job-ran-after-dependency"
	PollSawWrite       = "poll-saw-epollin-after-write"
	ImportedWrite      = "imported-fence-became-write-fence"
	CPUWaitedForFence  = "cpu-waited-for-fence"
	ExporterWaited     = "exporter-waited-for-fence"
	TimelineClosedPend = "timeline-closed-with-pending-point"
	JobTimedOut        = "job-timed-out"
)

// Doc explains each property and the kernel rule it comes from.
var Doc = map[string]string{
	Monotonicity: "A signalled fence never becomes unsignalled, its error is set only before the signal, and a context issues " +
		"its seqnos in order. include/linux/dma-fence.h: dma_fence_signal is one-shot (test_and_set of " +
		"DMA_FENCE_FLAG_SIGNALED_BIT); dma_fence_set_error WARNs on a signalled fence; \"all fences of one context are " +
		"totally ordered by seqno\" (kernel-rules §5.1).",
	IdleMeansIdle: "When dma_resv_wait_timeout(U) returns, dma_resv_test_signaled(U) or poll() says idle, no fence that was " +
		"added to the resv with a usage ≤ U is still pending. drivers/dma-buf/dma-resv.c: a query for U returns every fence " +
		"≤ U, and dma_resv_add_fence may only drop an entry the new fence covers (same context, later or same, usage no weaker) " +
		"or a signalled one; CVE-2022-49935 (a3f7c10a269d) broke this with imported sync_files.",
	KeepsNewest: "For each fence context, the resv holds a fence at least as late (in issue order) as the newest pending fence " +
		"of that context ever added to it. dma_resv_add_fence replaces an entry only with a later-or-same fence of its " +
		"context (a3f7c10a269d, 95ba893c9f4f; __dma_fence_is_later's 32-bit wrap-around comparison).",
	NoJobAfterMove: "No device job accesses the buffer after, or while, the exporter moves it. include/linux/dma-buf.h, " +
		"dynamic importer rules: importers must add fences (BOOKKEEP at least) for every access they cannot stop in " +
		"move_notify, the exporter waits for BOOKKEEP fences before moving, and everybody waits for KERNEL fences " +
		"(kernel-rules §2.4, §4.1).",
	NeedReservation: "dma_resv_add_fence appends only into a slot reserved by dma_resv_reserve_fences in the same locked " +
		"section (drivers/dma-buf/dma-resv.c: BUG_ON(fobj->num_fences >= fobj->max_fences)); re-adding the same fence " +
		"needs no extra slot since 95ba893c9f4f.",
	EventuallySignal: "Every fence the kernel publishes (a job's, the exporter's copy) eventually signals, on every behaviour " +
		"fair to the devices, the exporter and a well-behaved user space. dma-fence.c DOC \"fence cross-driver contract\": " +
		"fences must complete in reasonable time; Documentation/driver-api/dma-buf.rst \"Indefinite DMA Fences\": a DMA " +
		"fence must never depend on a userspace-controlled fence (sw_sync is exactly that, §6).",
	JobWaitedForDep:    "Reachability: a job ran after waiting for a dependency whose callback ran inside dma_fence_signal.",
	PollSawWrite:       "Reachability: poll() returned EPOLLIN after a device write had completed and signalled.",
	ImportedWrite:      "Reachability: a fence imported with DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE) is in the resv as a WRITE fence.",
	CPUWaitedForFence:  "Reachability: begin_cpu_access found pending fences and returned after they signalled.",
	ExporterWaited:     "Reachability: the exporter's move waited for a pending fence before moving.",
	TimelineClosedPend: "Reachability: closing the sw_sync timeline signalled a pending point with -ENOENT.",
	JobTimedOut:        "Reachability: a job stuck on a dependency was force-completed with -ETIME.",
}

// PropertyDoc returns the documentation of a property name, including a
// per-fence liveness property.
func PropertyDoc(name string) string {
	if strings.HasPrefix(name, EventuallySignal+"/") {
		return Doc[EventuallySignal]
	}
	return Doc[name]
}

func flag(name string, f uint8) statespace.Property[State] {
	return statespace.Property[State]{Name: name, Expectation: statespace.Always,
		Holds: func(s *State) bool { return s.Ghost&f == 0 }}
}

// Properties returns the safety properties, then the reachability
// properties that apply to the configuration (those that show its
// features are exercised), then one liveness property per kernel fence the
// configuration can issue.
func (m *Model) Properties() []statespace.Property[State] {
	props := []statespace.Property[State]{
		flag(Monotonicity, FlagMonotonicity),
		flag(IdleMeansIdle, FlagIdleLied),
		{Name: KeepsNewest, Expectation: statespace.Always, Holds: m.keepsNewest},
		flag(NoJobAfterMove, FlagJobAfterMove),
		flag(NeedReservation, FlagNoReserve),
	}
	some := func(name string, holds func(*State) bool) {
		props = append(props, statespace.Property[State]{Name: name, Expectation: statespace.Sometimes, Holds: holds})
	}
	c := &m.cfg
	if m.canDepend() {
		some(JobWaitedForDep, jobRanAfterDep)
	}
	if c.Poll && m.writesWithUsage() {
		some(PollSawWrite, func(s *State) bool { return s.Poll&pollPhase == PollDone && s.Poll&PollAfterWrite != 0 })
	}
	if c.SyncFile.Imports > 0 && (c.SyncFile.Exports > 0 || c.SwSync.Points > 0) {
		some(ImportedWrite, m.importedWrite)
	}
	if c.CPU != NoCPU && (m.usageFences() || c.SwSync.Points > 0 || c.Exporter.CopyFence) {
		some(CPUWaitedForFence, func(s *State) bool { return s.CPU&cpuPhase == CPUInside && s.CPU&cpuBlocked != 0 })
	}
	if c.Exporter.Moves && m.anyFenced() {
		some(ExporterWaited, func(s *State) bool {
			p := s.Exporter & expPhase
			return (p == ExpCopying || p == ExpMoved) && s.Exporter&ExpWaited != 0
		})
	}
	if c.SwSync.Points > 0 && c.SwSync.User != UserNever {
		some(TimelineClosedPend, func(s *State) bool {
			for k := range MaxPoints {
				if s.signaled(FPoint+k) && s.fenceErr(FPoint+k) == ErrNoEnt {
					return true
				}
			}
			return false
		})
	}
	var timeouts []int // the importers whose scheduler can time a job out
	for i, im := range c.Importers {
		if im.Timeout != NoTimeout && im.Jobs > 0 {
			timeouts = append(timeouts, i)
		}
	}
	if len(timeouts) > 0 {
		some(JobTimedOut, func(s *State) bool {
			for _, i := range timeouts {
				for k := range MaxJobs {
					if s.Job[i][k]&JobCancelled != 0 {
						return true
					}
				}
			}
			return false
		})
	}
	for _, f := range m.KernelFences() {
		f := f
		props = append(props, statespace.Property[State]{
			Name:        EventuallySignal + "/" + m.ShortName(f),
			Expectation: statespace.Eventually,
			Trigger:     func(s *State) bool { return s.pending(f) },
			Holds:       func(s *State) bool { return s.signaled(f) },
		})
	}
	return props
}

// KernelFences returns the kernel fence slots the configuration can
// issue: each importer's jobs and the exporter's copy.
func (m *Model) KernelFences() []int {
	var out []int
	for i, im := range m.cfg.Importers {
		for k := range im.Jobs {
			out = append(out, JobFence(i, k))
		}
	}
	if m.cfg.Exporter.CopyFence {
		out = append(out, FCopy)
	}
	return out
}

// keepsNewest: for each context, the newest pending fence ever added to
// the resv is covered by an entry of the same context at least as late in
// issue order (slot order within a context is issue order).
func (m *Model) keepsNewest(s *State) bool {
	var newest [CtxCopy + 1]int
	for ctx := range newest {
		newest[ctx] = -1
	}
	for f := range MaxFences {
		if s.Added[f] != 0 && s.pending(f) {
			newest[Context(f)] = f
		}
	}
	for ctx, f := range newest {
		if f < 0 {
			continue
		}
		ok := false
		for i := range s.entries() {
			if g := entryFence(s.Resv[i]); Context(g) == ctx && g >= f {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func jobRanAfterDep(s *State) bool {
	for i := range s.Job {
		for k := range s.Job[i] {
			j := s.Job[i][k]
			if p := jobPhaseOf(j); (p == JobRunning || p == JobDone) && j&JobWaited != 0 && j&JobCancelled == 0 {
				return true
			}
		}
	}
	return false
}

// importedWrite: a WRITE entry whose fence its producer did not add as
// WRITE itself (a sw_sync point, the stub, a read job's fence or a
// BOOKKEEP-only job's fence): it got there by an import.
func (m *Model) importedWrite(s *State) bool {
	for i := range s.entries() {
		e := s.Resv[i]
		if entryUsage(e) != Write {
			continue
		}
		f := entryFence(e)
		switch {
		case f == FStub, f >= FPoint && f < FCopy:
			return true
		case f >= FJob && f < FPoint:
			im := m.cfg.Importers[(f-FJob)/MaxJobs]
			k := (f - FJob) % MaxJobs
			if s.Job[(f-FJob)/MaxJobs][k]&JobWrite == 0 || im.Fence == FenceBookkeep || im.Fence == FenceNone {
				return true
			}
		}
	}
	return false
}

// canDepend: some job can find another context's fence to wait for.
func (m *Model) canDepend() bool {
	c := &m.cfg
	producers := 0
	for _, im := range c.Importers {
		if im.Jobs > 0 && (im.Fence == FenceUsage || im.Fence == FenceBookkeepThenUsage) {
			producers++
		}
	}
	for _, im := range c.Importers {
		if im.Jobs == 0 {
			continue
		}
		if im.Sync == Implicit && (producers > 1 || producers == 1 && !(im.Fence == FenceUsage || im.Fence == FenceBookkeepThenUsage) ||
			c.SwSync.Points > 0 && c.SwSync.User != UserNever || c.Exporter.CopyFence) {
			return true
		}
		if im.Sync == Explicit && !im.IgnoreKernelFences && c.Exporter.CopyFence {
			return true
		}
	}
	return false
}

// writesWithUsage: some importer's jobs write and add WRITE fences.
func (m *Model) writesWithUsage() bool {
	for _, im := range m.cfg.Importers {
		if im.Jobs > 0 && im.Access != JobsRead && (im.Fence == FenceUsage || im.Fence == FenceBookkeepThenUsage) {
			return true
		}
	}
	return false
}

// usageFences: some importer adds WRITE or READ fences.
func (m *Model) usageFences() bool {
	for _, im := range m.cfg.Importers {
		if im.Jobs > 0 && (im.Fence == FenceUsage || im.Fence == FenceBookkeepThenUsage) {
			return true
		}
	}
	return false
}

// anyFenced: some importer adds a fence of any usage.
func (m *Model) anyFenced() bool {
	for _, im := range m.cfg.Importers {
		if im.Jobs > 0 && im.Fence != FenceNone {
			return true
		}
	}
	return false
}
