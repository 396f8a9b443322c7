package world

import "testing"

// A hook operation reads back from what String writes, with its modifiers
// in a fixed order.
func TestHookOpSpellingRoundTrips(t *testing.T) {
	for _, text := range []string{
		"dma-map", "dma-map(skip-cpu-sync)", "dma-map(first-call)",
		"sync-exporter-device(first-call for-device)", "sync-exporter-device(later-calls)",
		"sync-mapped(for-cpu)", "clflush(clean)", "clflush(invalidate)", "clflush(clean+invalidate)", "set-cpu-domain",
	} {
		op, err := ParseHookOp(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if op.String() != text {
			t.Errorf("%s reads back as %s", text, op)
		}
	}
	if op, err := ParseHookOp("sync-exporter-device(for-device, first-call)"); err != nil || op.String() != "sync-exporter-device(first-call for-device)" {
		t.Errorf("commas between modifiers: %v, %v", op, err)
	}
}

// arch_sync_dma_for_device on arm64 cleans and never invalidates
// (arch/arm64/mm/dma-mapping.c): a begin hook that syncs for the device
// leaves a clean stale line in the cache, one that syncs for the CPU drops
// it.
func TestSyncDirectionDecidesWhetherTheLineStays(t *testing.T) {
	for _, tc := range []struct {
		dir  HookDir
		kept bool
	}{{HookForDevice, true}, {HookForCPU, false}, {HookDirAsHook, false}} {
		v := hookView(t, Exporter{Name: "e", Map: Hook{{Kind: OpDMAMap}}, Begin: Hook{{Kind: OpSyncExporterDevice, Dir: tc.dir}}})
		*v.cpu(0) = lineOf(lineClean, 0)
		v.runHook(v.w.spec.Exporter.Begin, true, 0, false)
		if kept := *v.cpu(0) != 0; kept != tc.kept {
			t.Errorf("%v: line kept %v, want %v", tc.dir, kept, tc.kept)
		}
	}
}

// begin_cpu_udmabuf maps ubuf->sg on its first call and syncs it for the
// CPU only on later calls (drivers/dma-buf/udmabuf.c).
func TestFirstCallAndLaterCallOperations(t *testing.T) {
	h := Hook{{Kind: OpClflush, Dir: HookClean, When: HookFirstCall}, {Kind: OpClflush, Dir: HookInvalidate, When: HookLaterCalls}}
	v := hookView(t, Exporter{Name: "e", Map: Hook{{Kind: OpDMAMap}}, Begin: h})
	*v.cpu(0) = lineOf(lineClean, 0)
	v.runHook(h, true, 0, v.hookRan(bufRanBegin))
	v.markRan(h, bufRanBegin)
	if *v.cpu(0) == 0 {
		t.Fatal("the first call invalidated: the later-calls operation ran")
	}
	v.runHook(h, true, 0, v.hookRan(bufRanBegin))
	if *v.cpu(0) != 0 {
		t.Fatal("the second call kept the line: the later-calls operation did not run")
	}
}

// i915_gem_object_set_to_cpu_domain flushes only while the CPU is not in
// the object's read domains (drivers/gpu/drm/i915/gem/i915_gem_domain.c).
func TestDomainTrackerSkipsTheFlushOnceInTheCPUDomain(t *testing.T) {
	v := hookView(t, Exporter{Name: "e", Map: Hook{{Kind: OpDMAMap}}, Begin: Hook{{Kind: OpSetCPUDomain}}})
	*v.cpu(0) = lineOf(lineClean, 0)
	v.setCPUDomain()
	if *v.cpu(0) != 0 {
		t.Fatal("the first set-cpu-domain did not flush")
	}
	*v.cpu(0) = lineOf(lineClean, 0)
	v.setCPUDomain()
	if *v.cpu(0) == 0 {
		t.Fatal("the tracker's shortcut did not skip the flush")
	}
}

// hookView builds a one-line arm64 world with a non-coherent device and
// the given exporter, and returns a view of its initial state.
func hookView(t *testing.T, e Exporter) View {
	t.Helper()
	s := Spec{Name: "hooks", Arch: ARM64, Lines: 1, Writes: 1, Exporter: e, Devices: []Device{{Name: "isp"}},
		Agents: []Agent{{Name: "app", Program: Seq{Call{Kind: KSyncStart, Dir: SyncRead}, Call{Kind: KCPURead}, Call{Kind: KAttach, Dev: 0}}}}}
	m, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, m.c.lay.size)
	m.c.init(b)
	return View{w: m.c, b: b}
}
