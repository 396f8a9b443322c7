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
