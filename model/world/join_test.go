package world_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The families share the kernel objects they have in common
// (docs/world.md, "Shared objects"): these tests show each shared object
// acting across families.

// mapCalls returns st with every call c replaced by f(c).
func mapCalls(st world.Stmt, f func(world.Call) world.Call) world.Stmt {
	switch st := st.(type) {
	case world.Call:
		return f(st)
	case world.Atomic:
		out := world.Atomic{}
		for _, c := range st {
			out = append(out, f(c))
		}
		return out
	case world.Seq:
		out := world.Seq{}
		for _, x := range st {
			out = append(out, mapCalls(x, f))
		}
		return out
	case world.Choose:
		out := world.Choose{}
		for _, x := range st {
			out = append(out, mapCalls(x, f))
		}
		return out
	case world.Forever:
		out := world.Forever{}
		for _, x := range st {
			out = append(out, mapCalls(x, f))
		}
		return out
	case world.Repeat:
		return world.Repeat{N: st.N, Body: mapCalls(st.Body, f)}
	case world.Loop:
		return world.Loop{Body: mapCalls(st.Body, f)}
	case world.When:
		return world.When{Cond: st.Cond, Body: mapCalls(st.Body, f)}
	}
	return st
}

// sameWorlds checks worlds a and b property by property (each of a's
// properties on its own, and deadlock): the same verdicts, kinds,
// shortest lengths, and states and transitions where exhaustive.
func sameWorlds(t *testing.T, a, b *world.Model) {
	t.Helper()
	if got, want := b.PropertyNames(), a.PropertyNames(); !slices.Equal(got, want) {
		t.Fatalf("properties %v, want %v", got, want)
	}
	for _, p := range append([]string{statespace.DeadlockProperty}, a.PropertyNames()...) {
		opt := statespace.Options{Only: []string{p}}
		r, err := world.Check(a, opt)
		want := verdictOf(t, r, err)
		r, err = world.Check(b, opt)
		got := verdictOf(t, r, err)
		if got != want {
			t.Errorf("%s: %v, want %v", p, got, want)
		}
	}
}

// slowFenceScenarios take more than a few seconds to build twice and
// compare.
var slowFenceScenarios = map[string]bool{"fence-three-writers": true, "fence-all-features": true, "fence-implicit": true}

// The fence family's CPU bracket is the kernel's dma_buf_begin_cpu_access /
// dma_buf_end_cpu_access: every fence scenario (scenarios/fence-*.yaml,
// written with the kernel's calls) written with the fence family's former
// spelling instead (__dma_buf_begin_cpu_access, still read as an alias) is
// the same world.
func TestTheFenceFamilysBracketIsDmaBufBeginCPUAccess(t *testing.T) {
	compared := 0
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "fence-*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		if slowFenceScenarios[name] {
			continue
		}
		spec := builtinSpec(t, name)
		renamed := 0
		aliased := slices.Clone(spec.Agents)
		for i, a := range aliased {
			aliased[i].Program = mapCalls(a.Program, func(c world.Call) world.Call {
				write := c.Dir == world.SyncWrite
				switch c.Kind {
				case world.KBeginCPU:
					renamed++
					return world.ResvBeginCPU(write)
				case world.KEndCPU:
					renamed++
					return world.ResvEndCPU(write)
				}
				return c
			})
		}
		if renamed == 0 {
			continue // no CPU access in this scenario
		}
		compared++
		t.Run(name, func(t *testing.T) {
			before, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			spec.Agents = aliased
			after, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			sameWorlds(t, before, after)
		})
	}
	if compared < 5 {
		t.Errorf("only %d fence scenarios have a CPU bracket", compared)
	}
}

// The former spelling parses, as the same call of the fence family, and
// the kernel's name parses as the bracket's.
func TestTheFormerBracketSpellingIsAnAlias(t *testing.T) {
	spec := world.Spec{Fence: world.FenceSpec{Rings: []world.Ring{{Name: "gpu", Jobs: 1}}}}
	for text, want := range map[string]world.Call{
		"__dma_buf_begin_cpu_access(DMA_TO_DEVICE)":   world.ResvBeginCPU(true),
		"__dma_buf_end_cpu_access(DMA_FROM_DEVICE)":   world.ResvEndCPU(false),
		"dma_buf_begin_cpu_access(DMA_FROM_DEVICE)":   world.BeginCPUAccess(world.SyncRead),
		"dma_buf_end_cpu_access(DMA_BIDIRECTIONAL)":   world.EndCPUAccess(world.SyncRW),
		"DMA_BUF_IOCTL_SYNC(START, WRITE)":            world.SyncStart(world.SyncWrite),
		"dma_buf_begin_cpu_access(DMA_TO_DEVICE)":     world.BeginCPUAccess(world.SyncWrite),
		"__dma_buf_begin_cpu_access(DMA_FROM_DEVICE)": world.ResvBeginCPU(false),
	} {
		got, err := world.ParseCall(text, &spec)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", text, got, err, want)
		}
	}
}

// program parses a program of calls, in order, against spec: each item a
// call's text, or a world.Stmt as it is.
func program(t *testing.T, spec *world.Spec, items ...any) world.Seq {
	t.Helper()
	var seq world.Seq
	for _, it := range items {
		switch it := it.(type) {
		case string:
			c, err := world.ParseCall(it, spec)
			if err != nil {
				t.Fatalf("%s: %v", it, err)
			}
			seq = append(seq, c)
		case world.Stmt:
			seq = append(seq, it)
		default:
			t.Fatalf("program item %v", it)
		}
	}
	return seq
}

// when is {when: cond, do: call}, both parsed against spec.
func when(t *testing.T, spec *world.Spec, cond, call string) world.Stmt {
	t.Helper()
	e, err := world.ParseExpr(cond, spec)
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return world.When{Cond: e, Body: program(t, spec, call)}
}

// check checks the named properties of spec's world on their own and
// returns their verdicts.
func check(t *testing.T, spec world.Spec, props ...string) map[string]verdict {
	t.Helper()
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]verdict{}
	for _, p := range props {
		r, err := world.Check(m, statespace.Options{Only: []string{p}})
		out[p] = verdictOf(t, r, err)
	}
	return out
}

// gpuReadbackSpec is the cache and lock families' world of a GPU job and
// a CPU readback: the GPU driver's submit path adds the job's fence to
// the dma-buf's resv under its ww_mutex, the non-coherent GPU writes the
// buffer and its job's completion signals that fence; user space reads
// the buffer back inside DMA_BUF_IOCTL_SYNC, and the CPU cache may
// prefetch the line at any time. begin is the exporter's begin_cpu_access
// hook; publish says whether the submit adds the fence.
func gpuReadbackSpec(t *testing.T, begin world.Hook, publish bool) world.Spec {
	spec := world.Spec{Name: "gpu-readback", Arch: world.ARM64, Lines: 1, Writes: 1,
		Devices:  []world.Device{{Name: "gpu", Fence: "job"}},
		Exporter: world.Exporter{Name: "mydrv", Map: world.Hook{{Kind: world.OpDMAMap}}, Begin: begin, End: world.Hook{{Kind: world.OpSyncMapped}}},
		Locks: world.LockSpec{
			Locks:  []world.LockObj{{Name: "bo", Kind: world.ResvLock, DmaBuf: true}},
			Fences: []world.LockFence{{Name: "job", Resv: 0, Usage: world.ResvUsageWrite, Lock: -1}},
		},
		Agents: []world.Agent{{Name: "submit"}, {Name: "app"}, {Name: "cpu-cache"}},
	}
	add := "dma_resv_add_fence(bo, job, DMA_RESV_USAGE_WRITE)"
	if !publish {
		add = `nop() as "the driver forgets dma_resv_add_fence"`
	}
	spec.Agents[0].Program = program(t, &spec, "dma_buf_attach(gpu)", "dma_buf_map_attachment(gpu, DMA_FROM_DEVICE)",
		"dma_resv_lock(bo, NULL)", add, "dma_resv_unlock(bo)", "device_dma_write(gpu, 0)", "device_job_done(gpu)")
	spec.Agents[1].Program = program(t, &spec, when(t, &spec, "done(submit) || !job_idle(gpu)", "DMA_BUF_IOCTL_SYNC(START, READ)"),
		"cpu_read(0)", "DMA_BUF_IOCTL_SYNC(END, READ)")
	spec.Agents[2].Program = world.Forever{world.Prefetch(0), world.Evict(0)}
	return spec
}

// The dma-buf's resv is one object: the lock family's fence, added under
// the dma-buf's ww_mutex, is what the cache family's CPU bracket waits
// for, and the device's job completion signals it. The exporter's hook
// that syncs before that wait lets the CPU cache refill the line from
// memory while the GPU still writes: a stale read. Waiting first (the
// wait-fences operation) fixes it; a submit that never adds the fence
// breaks it again, whatever the hook.
func TestTheCPUWaitsForTheLockFamilysFenceInTheDmaBufsResv(t *testing.T) {
	syncOnly := world.Hook{{Kind: world.OpSyncMapped}}
	waitFirst := world.Hook{{Kind: world.OpWaitFences}, {Kind: world.OpSyncMapped}}
	for _, tc := range []struct {
		name    string
		begin   world.Hook
		publish bool
		want    statespace.Status
	}{
		{"sync then wait", syncOnly, true, statespace.StatusViolation},
		{"wait then sync", waitFirst, true, statespace.StatusOK},
		{"fence never added", waitFirst, false, statespace.StatusViolation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(t, gpuReadbackSpec(t, tc.begin, tc.publish), world.NoStaleRead, world.NoKernelAPIMisuse)
			if got[world.NoStaleRead].Status != tc.want {
				t.Errorf("no-stale-read: %v, want %v", got[world.NoStaleRead], tc.want)
			}
			if want := tc.publish; (got[world.NoKernelAPIMisuse].Status == statespace.StatusOK) != want {
				// Without the fence in the resv, the job's completion
				// signals a fence never published: the lock family's rule.
				t.Errorf("no-kernel-api-misuse: %v", got[world.NoKernelAPIMisuse])
			}
		})
	}
}

// ringAndLocksSpec is a world of the fence and lock families: ring gpu's
// one job, whose fence gpu#0 the lock section gives a spinlock, and the
// dma-buf's resv lock bo. The agents are set by each test.
func ringAndLocksSpec() world.Spec {
	return world.Spec{Name: "ring-and-locks", Lines: 1, Writes: 1,
		Fence: world.FenceSpec{Rings: []world.Ring{{Name: "gpu", Jobs: 1}}},
		Locks: world.LockSpec{
			Locks: []world.LockObj{{Name: "bo", Kind: world.ResvLock, DmaBuf: true}, {Name: "ring_lock", Kind: world.SpinLock},
				{Name: "mm_lock", Kind: world.MutexLock}},
			Fences: []world.LockFence{{Name: "gpu#0", Resv: -1, Lock: 1}},
		},
	}
}

// dma_fence is one kind: the lock family's dma_fence_wait on the fence
// family's job fence returns when the fence family's dma_fence_signal
// signals it, and that signal takes the fence's spinlock the lock section
// declares, so it waits while a lock-family agent holds it.
func TestTheLockFamilyWaitsOnTheFenceFamilysFence(t *testing.T) {
	for _, tc := range []struct {
		name   string
		holder string // what a third agent does before the job is submitted
		finish statespace.Status
	}{
		{"the signal releases the wait", "nop()", statespace.StatusOK},
		{"the signal waits for fence->lock", "spin_lock(ring_lock)", statespace.StatusViolation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := ringAndLocksSpec()
			spec.Agents = []world.Agent{{Name: "gpu"}, {Name: "waiter"}, {Name: "holder"}}
			spec.Agents[0].Program = program(t, &spec, when(t, &spec, "done(holder)", "job_submit(gpu, WRITE, IMPLICIT, USAGE)"), "run_job(gpu)", "dma_fence_signal(gpu)")
			spec.Agents[1].Program = program(t, &spec, when(t, &spec, "submitted(gpu) == 1", "dma_fence_wait(gpu#0)"))
			spec.Agents[2].Program = program(t, &spec, tc.holder)
			spec.Invariants = []world.Invariant{{Name: "the-wait-never-returns", Expr: mustExpr(t, &spec, "!done(waiter)")}}
			got := check(t, spec, "the-wait-never-returns", statespace.DeadlockProperty)
			if want := map[statespace.Status]statespace.Status{statespace.StatusOK: statespace.StatusViolation, statespace.StatusViolation: statespace.StatusOK}[tc.finish]; got["the-wait-never-returns"].Status != want {
				t.Errorf("the waiter's dma_fence_wait(gpu#0): %v", got["the-wait-never-returns"])
			}
			if got[statespace.DeadlockProperty].Status != tc.finish {
				t.Errorf("deadlock: %v, want %v", got[statespace.DeadlockProperty], tc.finish)
			}
		})
	}
}

func mustExpr(t *testing.T, spec *world.Spec, text string) world.Expr {
	t.Helper()
	e, err := world.ParseExpr(text, spec)
	if err != nil {
		t.Fatalf("%s: %v", text, err)
	}
	return e
}

// The dma-buf's resv is one: a lock-family fence added to it under its
// ww_mutex is a dependency the fence family's implicit-sync submission
// collects, so the ring's job runs only after the lock family signals it.
func TestTheFenceFamilySubmitDependsOnTheLockFamilysFence(t *testing.T) {
	spec := ringAndLocksSpec()
	spec.Locks.Fences = []world.LockFence{{Name: "clear", Resv: 0, Usage: world.ResvUsageKernel, Lock: -1}}
	spec.Agents = []world.Agent{{Name: "ttm"}, {Name: "gpu"}}
	spec.Agents[0].Program = program(t, &spec, "dma_resv_lock(bo, NULL)", "dma_resv_add_fence(bo, clear, DMA_RESV_USAGE_KERNEL)",
		"dma_resv_unlock(bo)", "dma_fence_signal(clear)")
	spec.Agents[1].Program = program(t, &spec, when(t, &spec, "published(clear)", "job_submit(gpu, WRITE, IMPLICIT, USAGE)"), "run_job(gpu)", "dma_fence_signal(gpu)")
	spec.Invariants = []world.Invariant{
		{Name: "the-job-runs-after-the-clear", Expr: mustExpr(t, &spec, "submitted(gpu) == 0 || job_queued(gpu#0) || signaled(clear)")},
		{Name: "the-clear-is-a-kernel-entry", Expr: mustExpr(t, &spec, "!pending(clear) || in_resv(clear, KERNEL)")},
		{Name: "the-job-never-completes", Expr: mustExpr(t, &spec, "!job_done(gpu#0)")},
	}
	got := check(t, spec, "the-job-runs-after-the-clear", "the-clear-is-a-kernel-entry", "the-job-never-completes",
		world.JobRanAfterDependency, world.ResvIdleMeansIdle, statespace.DeadlockProperty)
	for p, want := range map[string]statespace.Status{"the-job-runs-after-the-clear": statespace.StatusOK, "the-clear-is-a-kernel-entry": statespace.StatusOK,
		"the-job-never-completes": statespace.StatusViolation, world.JobRanAfterDependency: statespace.StatusOK,
		world.ResvIdleMeansIdle: statespace.StatusOK, statespace.DeadlockProperty: statespace.StatusOK} {
		if got[p].Status != want {
			t.Errorf("%s: %v, want %v", p, got[p], want)
		}
	}
}

// The dma-buf's resv lock is one ww_mutex: the fence family's job_submit
// takes the lock the lock family's dma_resv_lock holds, so a kernel path
// that waits for a job's fence while holding the resv lock the job's
// submission needs deadlocks, and the deadlock's wait-for cycle goes
// through both families.
func TestTheSubmitTakesTheLockFamilysResvLock(t *testing.T) {
	spec := ringAndLocksSpec()
	spec.Agents = []world.Agent{{Name: "evict"}, {Name: "gpu"}}
	spec.Agents[0].Program = program(t, &spec, "dma_resv_lock(bo, NULL)", "dma_fence_wait(gpu#0)", "dma_resv_unlock(bo)")
	spec.Agents[1].Program = program(t, &spec, when(t, &spec, "locked(bo)", "job_submit(gpu, WRITE, IMPLICIT, USAGE)"), "run_job(gpu)", "dma_fence_signal(gpu)")
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := world.Check(m, statespace.Options{Only: []string{statespace.DeadlockProperty}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation == nil || r.Violation.Kind != statespace.KindDeadlock {
		t.Fatalf("no deadlock: %v", r.Status)
	}
	var cycle []string
	for _, e := range r.Violation.Cycle {
		cycle = append(cycle, e.From+" -> "+e.To+": "+e.Why)
	}
	if len(cycle) != 2 {
		t.Fatalf("wait-for cycle %q, want evict -> gpu -> evict", cycle)
	}
	for _, want := range []string{"evict -> gpu: dma_fence_wait(gpu#0): fence gpu#0 not yet published",
		"gpu -> evict: submit write job (deps READ; dma_resv_add_fence(WRITE)): the dma-buf's resv lock bo held by evict"} {
		if !slices.Contains(cycle, want) {
			t.Errorf("wait-for cycle %q lacks %q", cycle, want)
		}
	}
}

// A shared object is declared once: Build refuses declarations that would
// make it two objects, or that change nothing.
func TestSharedObjectsAreOneObject(t *testing.T) {
	base := func(t *testing.T) world.Spec {
		spec := ringAndLocksSpec()
		spec.Devices = []world.Device{{Name: "gpu", Fence: "gpu"}}
		spec.Exporter = world.Exporter{Name: "system-heap", Map: world.Hook{{Kind: world.OpDMAMap}}}
		spec.Agents = []world.Agent{{Name: "drv"}}
		spec.Agents[0].Program = program(t, &spec, "dma_buf_attach(gpu)", "dma_buf_map_attachment(gpu, DMA_FROM_DEVICE)",
			"dma_resv_lock(bo, NULL)", "job_submit(gpu, WRITE, IMPLICIT, USAGE)", "dma_resv_unlock(bo)", "device_dma_write(gpu, 0)", "device_job_done(gpu)")
		return spec
	}
	if _, err := world.Build(base(t)); err != nil {
		t.Fatalf("the base world: %v", err)
	}
	for _, tc := range []struct {
		name, want string
		change     func(t *testing.T, s *world.Spec)
	}{
		{"two dma-buf resv locks", "both the dma-buf's resv lock", func(_ *testing.T, s *world.Spec) {
			s.Locks.Locks = append(s.Locks.Locks, world.LockObj{Name: "bo2", Kind: world.ResvLock, DmaBuf: true})
		}},
		{"a mutex as the dma-buf's resv", "only a resv lock", func(_ *testing.T, s *world.Spec) { s.Locks.Locks[2].DmaBuf = true }},
		{"a device's unknown fence", `no ring or fence "gpu1"`, func(_ *testing.T, s *world.Spec) { s.Devices[0].Fence = "gpu1" }},
		{"two devices on one fence", "tied to the same fence", func(_ *testing.T, s *world.Spec) {
			s.Devices = append(s.Devices, world.Device{Name: "isp", Fence: "gpu"})
		}},
		{"a fence-family fence published by the lock family", "the fence family's: job_submit creates and publishes it", func(t *testing.T, s *world.Spec) {
			s.Agents = append(s.Agents, world.Agent{Name: "pusher", Program: world.Lk.FencePublish(0)})
		}},
		{"a fence-family fence declared in a resv", "takes no resv", func(_ *testing.T, s *world.Spec) {
			s.Locks.Fences[0].Resv, s.Locks.Fences[0].Usage = 0, world.ResvUsageWrite
		}},
		{"a lock-family fence with deps in the dma-buf's resv", "dependencies in the dma-buf's resv are the fence family's", func(_ *testing.T, s *world.Spec) {
			s.Locks.Fences = append(s.Locks.Fences, world.LockFence{Name: "clear", Resv: 0, Deps: true, Lock: -1})
		}},
		{"an untied device's jobs beside the fence family", "tie it to the fence its jobs signal", func(t *testing.T, s *world.Spec) {
			s.Devices[0].Fence = ""
			s.Agents[0].Program = program(t, s, "dma_buf_attach(gpu)", "dma_buf_map_attachment(gpu, DMA_FROM_DEVICE)", "job_submit(gpu, WRITE, IMPLICIT, USAGE)",
				"device_dma_write(gpu, 0)", "run_job(gpu)", "dma_fence_signal(gpu)", "device_job_done(gpu)", "dma_resv_lock(bo, NULL)")
		}},
		{"the ring's own run_job beside its device", "ring gpu's jobs are device gpu's", func(t *testing.T, s *world.Spec) {
			s.Agents = append(s.Agents, world.Agent{Name: "sched", Program: world.JobRun(0)})
		}},
		{"two CPUs beside the fence family", "one agent is the CPU", func(t *testing.T, s *world.Spec) {
			for _, n := range []string{"app0", "app1"} {
				s.Agents = append(s.Agents, world.Agent{Name: n, Program: world.Seq{world.SyncStart(world.SyncRead), world.CPURead(0), world.SyncEnd(world.SyncRead)}})
			}
		}},
		{"lock-family fences and fence calls without the fence section", "no fence-family objects", func(t *testing.T, s *world.Spec) {
			s.Fence = world.FenceSpec{}
			s.Devices[0].Fence = ""
			s.Agents[0].Program = program(t, s, "dma_resv_lock(bo, NULL)", "poll(EPOLLIN)", "dma_resv_unlock(bo)")
		}},
		{"too many fences", "at most 15", func(_ *testing.T, s *world.Spec) {
			s.Fence.Rings = []world.Ring{{Name: "gpu", Jobs: 2}, {Name: "r1", Jobs: 2}, {Name: "r2", Jobs: 2}, {Name: "r3", Jobs: 2}}
			s.Fence.Points, s.Fence.CopyEngine = 2, true
			for _, n := range []string{"a", "b", "c", "d"} {
				s.Locks.Fences = append(s.Locks.Fences, world.LockFence{Name: n, Resv: -1, Lock: -1})
			}
		}},
		{"a dma-buf resv lock in a world without the buffer", "no agent makes a call on the buffer", func(t *testing.T, s *world.Spec) {
			s.Fence, s.Devices, s.Exporter = world.FenceSpec{}, nil, world.Exporter{}
			s.Locks.Fences = nil
			s.Agents[0].Program = program(t, s, "dma_resv_lock(bo, NULL)", "dma_resv_unlock(bo)")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base(t)
			s.Agents = slices.Clone(s.Agents)
			s.Devices = slices.Clone(s.Devices)
			s.Locks.Locks = slices.Clone(s.Locks.Locks)
			s.Locks.Fences = slices.Clone(s.Locks.Fences)
			tc.change(t, &s)
			_, err := world.Build(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v; want an error with %q", err, tc.want)
			}
		})
	}
}

// The p2p family's BAR buffer is the dma-buf: a world that also uses the
// cache family has one set of lines, so their number, the writes and the
// backing must agree with the BAR's.
func TestTheBARsBufferIsTheDmaBuf(t *testing.T) {
	base := builtinSpec(t, "p2p-apu-bar-flush-around")
	joined := func(change func(s *world.Spec)) world.Spec {
		s := base
		s.Lines, s.Writes, s.Backing = s.P2P.Lines, s.P2P.Writes, world.SystemCached
		s.Agents = append(slices.Clone(s.Agents), world.Agent{Name: "app", Program: world.Seq{world.SyncStart(world.SyncRead), world.CPURead(0), world.SyncEnd(world.SyncRead)}})
		change(&s)
		return s
	}
	if _, err := world.Build(joined(func(*world.Spec) {})); err != nil {
		t.Fatalf("the joined world: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(s *world.Spec)
		want   string
	}{
		"other lines":   {func(s *world.Spec) { s.Lines = 3 - s.P2P.Lines }, "its lines and writes"},
		"other writes":  {func(s *world.Spec) { s.Writes = 4 - s.P2P.Writes }, "its lines and writes"},
		"other backing": {func(s *world.Spec) { s.Backing = world.DeviceMemory }, "a stolen BAR is system-cached backing"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := world.Build(joined(tc.change))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v; want an error with %q", err, tc.want)
			}
		})
	}
}
