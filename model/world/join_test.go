package world_test

import (
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
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

// The fence family's CPU bracket is the kernel's dma_buf_begin_cpu_access /
// dma_buf_end_cpu_access: every fence scenario written with the kernel's
// calls instead of the fence family's former spelling (which the generated
// scenarios/fence-*.yaml still use, as an alias) is the same world.
func TestTheFenceFamilysBracketIsDmaBufBeginCPUAccess(t *testing.T) {
	compared := 0
	for _, sc := range fence.Scenarios() {
		if slowFenceScenarios[sc.Name] {
			continue
		}
		spec, err := world.FromFenceConfig(sc.Name, sc.Config)
		if err != nil {
			t.Fatal(err)
		}
		renamed := 0
		kernels := slices.Clone(spec.Agents)
		for i, a := range kernels {
			kernels[i].Program = mapCalls(a.Program, func(c world.Call) world.Call {
				dir := world.SyncRead
				if c.Dir == 1 {
					dir = world.SyncWrite
				}
				switch c.Kind {
				case world.KResvBeginCPU:
					renamed++
					return world.BeginCPUAccess(dir)
				case world.KResvEndCPU:
					renamed++
					return world.EndCPUAccess(dir)
				}
				return c
			})
		}
		if renamed == 0 {
			continue // no CPU access in this scenario
		}
		compared++
		t.Run(sc.Name, func(t *testing.T) {
			before, err := world.Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			spec.Agents = kernels
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
