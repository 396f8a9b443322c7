package model_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Unit tests of single kernel rules on hand-built states, driven through
// the model's public API (Actions, Step, StepCounting) with actions found by
// their labels. Section numbers refer to docs/kernel-rules.md.

// harness drives one model from a state, step by step.
type harness struct {
	t testing.TB
	m *model.Model
	s model.State
}

func newHarness(t testing.TB, cfg model.Config) *harness {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatalf("model.New: %v", err)
	}
	return &harness{t: t, m: m, s: m.Init()[0]}
}

// config is a one-line arm64 system-memory configuration with at most two
// writes, like the built-in scenarios.
func config(arch model.Arch, e model.Exporter, devs ...model.Device) model.Config {
	return model.Config{Arch: arch, Backing: model.SystemCached, Lines: 1, Devices: devs, Exporter: e, Writes: 2}
}

// lookup returns the enabled action labelled label, or false when no
// action with that label is enabled. Labels are not unique (the fence wait
// of a WRITE and of an RW bracket read the same), so it looks at every
// action with the label and requires at most one of them to be enabled.
func (h *harness) lookup(label string) (statespace.Action, bool) {
	h.t.Helper()
	var idx []statespace.Action
	for i, n := range h.m.ActionNames() {
		if n == label {
			idx = append(idx, statespace.Action(i))
		}
	}
	if len(idx) == 0 {
		h.t.Fatalf("no action %q in this configuration; actions:\n  %s", label, strings.Join(h.m.ActionNames(), "\n  "))
	}
	en := h.m.Actions(&h.s, nil)
	var hit []statespace.Action
	for _, a := range idx {
		if slices.Contains(en, a) {
			hit = append(hit, a)
		}
	}
	if len(hit) > 1 {
		h.t.Fatalf("%d enabled actions are labelled %q", len(hit), label)
	}
	if len(hit) == 0 {
		return 0, false
	}
	return hit[0], true
}

func (h *harness) enabled(label string) bool {
	h.t.Helper()
	_, ok := h.lookup(label)
	return ok
}

// do takes the enabled action labelled label, checks that Step and
// StepCounting agree on the successor and that Step leaves its input alone,
// and returns the maintenance done.
func (h *harness) do(label string) model.Ops {
	h.t.Helper()
	a, ok := h.lookup(label)
	if !ok {
		h.t.Fatalf("%q is not enabled in\n%s", label, h.describe())
	}
	before := h.s
	n := h.m.Step(&h.s, a)
	if h.s != before {
		h.t.Fatalf("Step(%q) modified its input state", label)
	}
	n2, ops := h.m.StepCounting(&h.s, a)
	if n2 != n {
		h.t.Fatalf("%q: StepCounting reaches\n%+v\nStep reaches\n%+v", label, n2, n)
	}
	h.s = n
	return ops
}

func (h *harness) describe() string {
	var b strings.Builder
	for _, f := range h.m.Describe(&h.s) {
		fmt.Fprintf(&b, "  %s = %s\n", f.Name, f.Value)
	}
	return b.String()
}

// cpuDirtyWrite has the CPU write line 0 inside a correct WRITE bracket
// (SYNC START, fence wait, store, SYNC END), leaving the line dirty when
// the exporter has nothing to sync.
func (h *harness) cpuDirtyWrite() {
	h.t.Helper()
	h.do("DMA_BUF_IOCTL_SYNC(START|WRITE)")
	h.do("dma_resv_wait_timeout(DMA_RESV_USAGE_READ) in begin_cpu_access(WRITE)")
	h.do("cpu_write(line 0)")
	h.do("DMA_BUF_IOCTL_SYNC(END|WRITE)")
}

// The mapping field's layout (model.DevState.Map): held dir | cached-sgt
// dir<<2 | MapStale | MapFresh.
func held(d model.DevState) uint8      { return d.Map & 3 }
func cachedSGT(d model.DevState) uint8 { return d.Map >> 2 & 3 }

func line(state, ver uint8) uint8 { return state | ver }

var dirLabel = map[uint8]string{model.DirTo: "DMA_TO_DEVICE", model.DirFrom: "DMA_FROM_DEVICE", model.DirBidir: "DMA_BIDIRECTIONAL"}

// TestMapOfCachedSGTInAnotherDirectionFailsWithEBUSY: with
// cache_sgt_mapping the first mapping is cached in attach->sgt, unmap is a
// no-op, and dma_buf_map_attachment in another direction than the cached
// one (unless BIDIRECTIONAL) returns ERR_PTR(-EBUSY) ("one direction per
// attachment", drivers/dma-buf/dma-buf.c; kernel-rules §2.2, §11).
func TestMapOfCachedSGTInAnotherDirectionFailsWithEBUSY(t *testing.T) {
	h := newHarness(t, config(model.ARM64, model.Udmabuf, model.ISP))
	h.do("dma_buf_attach(isp)")
	h.do("dma_buf_map_attachment(isp, DMA_TO_DEVICE)")
	d := h.s.Dev[0]
	if held(d) != model.DirTo || cachedSGT(d) != model.DirTo || d.DMA != model.DirTo || d.Err != model.ErrNone {
		t.Fatalf("after the first map: held %d, cached %d, dma-api %d, err %d; want TO_DEVICE cached and mapped\n%s", held(d), cachedSGT(d), d.DMA, d.Err, h.describe())
	}
	h.do("dma_buf_unmap_attachment(isp)")
	d = h.s.Dev[0]
	if held(d) != 0 || cachedSGT(d) != model.DirTo || d.DMA != model.DirTo {
		t.Fatalf("unmap of a cached sg table must be a no-op: held %d, cached %d, dma-api %d\n%s", held(d), cachedSGT(d), d.DMA, h.describe())
	}

	before := h.s
	h.do("dma_buf_map_attachment(isp, DMA_FROM_DEVICE)")
	if h.s.Dev[0].Err != model.ErrBusy {
		t.Errorf("map FROM_DEVICE on a cached TO_DEVICE table: err %d, want ErrBusy (%d)", h.s.Dev[0].Err, model.ErrBusy)
	}
	// Nothing but the errno changes: the cached mapping is kept, nothing is
	// held, nothing is synced.
	want := before
	want.Dev[0].Err = model.ErrBusy
	if h.s != want {
		t.Errorf("-EBUSY map changed more than the errno:\n got %+v\nwant %+v", h.s, want)
	}

	h.do("dma_buf_map_attachment(isp, DMA_TO_DEVICE)")
	d = h.s.Dev[0]
	if d.Err != model.ErrNone || held(d) != model.DirTo || cachedSGT(d) != model.DirTo || d.DMA != model.DirTo {
		t.Errorf("map in the cached direction: err %d, held %d, cached %d, dma-api %d; want the cached TO_DEVICE table returned", d.Err, held(d), cachedSGT(d), d.DMA)
	}
	// The real unmap happens in dma_buf_detach (kernel-rules §2.3).
	h.do("dma_buf_unmap_attachment(isp)")
	h.do("dma_buf_detach(isp)")
	if d := h.s.Dev[0]; d != (model.DevState{}) {
		t.Errorf("after detach: %+v, want nothing left", d)
	}

	// A cached BIDIRECTIONAL table serves every direction.
	h = newHarness(t, config(model.ARM64, model.Udmabuf, model.ISP))
	h.do("dma_buf_attach(isp)")
	h.do("dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)")
	h.do("dma_buf_unmap_attachment(isp)")
	h.do("dma_buf_map_attachment(isp, DMA_FROM_DEVICE)")
	if d := h.s.Dev[0]; d.Err != model.ErrNone || held(d) != model.DirBidir {
		t.Errorf("map FROM_DEVICE on a cached BIDIRECTIONAL table: err %d, held %d; want the BIDIRECTIONAL table", d.Err, held(d))
	}
}

// TestArm64SyncForCPUInvalidatesUnlessToDevice: arm64's
// arch_sync_dma_for_cpu does nothing for DMA_TO_DEVICE and invalidates to
// the PoC otherwise, discarding dirty lines (arch/arm64/mm/dma-mapping.c;
// kernel-rules §8). Checked through dma_buf_unmap_attachment on the system
// heap, whose unmap is dma_unmap_sgtable with CPU sync; a coherent device
// gets no maintenance at all (dma-direct, dev_is_dma_coherent).
func TestArm64SyncForCPUInvalidatesUnlessToDevice(t *testing.T) {
	for _, dev := range []model.Device{model.ISP, model.GPU} {
		for _, dir := range []uint8{model.DirTo, model.DirFrom, model.DirBidir} {
			for _, dirty := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/clean", dev.Name, dirLabel[dir])
				if dirty {
					name = fmt.Sprintf("%s/%s/dirty", dev.Name, dirLabel[dir])
				}
				t.Run(name, func(t *testing.T) {
					h := newHarness(t, config(model.ARM64, model.SystemHeap, dev))
					h.do("dma_buf_attach(" + dev.Name + ")")
					h.do("dma_buf_map_attachment(" + dev.Name + ", " + dirLabel[dir] + ")")
					// Hand-built: the CPU holds line 0, clean at v0 or dirty
					// with a write (v1) memory does not have.
					if dirty {
						h.s.CPU[0] = line(model.LineDirty, 1)
						h.s.Writes, h.s.Latest[0], h.s.LatestBy[0] = 1, 1, model.WriterCPU
					} else {
						h.s.CPU[0] = line(model.LineClean, 0)
					}
					before := h.s.CPU[0]
					ops := h.do("dma_buf_unmap_attachment(" + dev.Name + ")")
					invalidates := !dev.Coherent && dir != model.DirTo
					switch {
					case !invalidates:
						if h.s.CPU[0] != before || ops.Invalidates != 0 || h.s.Ghost != 0 {
							t.Errorf("line %#x → %#x, %d invalidates, flags %#x; want the line kept, no invalidate", before, h.s.CPU[0], ops.Invalidates, h.s.Ghost)
						}
					default:
						if h.s.CPU[0] != model.LineInvalid || ops.Invalidates != 1 {
							t.Errorf("line %#x → %#x, %d invalidates; want it invalidated once", before, h.s.CPU[0], ops.Invalidates)
						}
						if lost := h.s.Ghost&model.FlagLostWrite != 0; lost != dirty {
							t.Errorf("lost-write flag %v, want %v (a dirty line's write is discarded)", lost, dirty)
						}
					}
					if ops.Cleans != 0 || h.s.Mem[0] != 0 {
						t.Errorf("sync_for_cpu cleaned: %d cleans, mem v%d", ops.Cleans, h.s.Mem[0])
					}
				})
			}
		}
	}
}

// TestArm32MapFromDeviceInvalidatesArm64Cleans: arch_sync_dma_for_device
// with DMA_FROM_DEVICE is an invalidate on arm32 (__dma_page_cpu_to_dev:
// outer invalidate) and a clean on arm64 (clean to the PoC for every
// direction); kernel-rules §8. A CPU write still dirty in the cache when a
// non-coherent importer maps the buffer FROM_DEVICE is discarded on arm32
// and written to memory on arm64.
func TestArm32MapFromDeviceInvalidatesArm64Cleans(t *testing.T) {
	for _, arch := range []model.Arch{model.ARM32, model.ARM64} {
		for _, dir := range []uint8{model.DirFrom, model.DirTo, model.DirBidir} {
			t.Run(arch.String()+"/"+dirLabel[dir], func(t *testing.T) {
				h := newHarness(t, config(arch, model.SystemHeap, model.ISP))
				h.cpuDirtyWrite() // nothing mapped: the heap's end hook syncs nothing
				if h.s.CPU[0] != line(model.LineDirty, 1) || h.s.Mem[0] != 0 {
					t.Fatalf("after the CPU write: cache %#x, mem v%d; want dirty v1 and v0\n%s", h.s.CPU[0], h.s.Mem[0], h.describe())
				}
				h.do("dma_buf_attach(isp)")
				ops := h.do("dma_buf_map_attachment(isp, " + dirLabel[dir] + ")")
				if arch == model.ARM32 && dir == model.DirFrom {
					if h.s.CPU[0] != model.LineInvalid || h.s.Mem[0] != 0 || h.s.Ghost&model.FlagLostWrite == 0 {
						t.Errorf("cache %#x, mem v%d, flags %#x; want the dirty line invalidated, v1 lost and flagged", h.s.CPU[0], h.s.Mem[0], h.s.Ghost)
					}
					if ops.Invalidates != 1 || ops.Cleans != 0 {
						t.Errorf("ops %+v, want 1 invalidate", ops)
					}
					return
				}
				if h.s.CPU[0] != line(model.LineClean, 1) || h.s.Mem[0] != 1 || h.s.Ghost != 0 {
					t.Errorf("cache %#x, mem v%d, flags %#x; want the line cleaned: clean v1 in the cache and in memory", h.s.CPU[0], h.s.Mem[0], h.s.Ghost)
				}
				if ops.Cleans != 1 || ops.Invalidates != 0 {
					t.Errorf("ops %+v, want 1 clean", ops)
				}
			})
		}
	}
}

// TestX86DMAAPIDoesNoCacheMaintenance: on x86 arch_sync_dma_for_device and
// _for_cpu are no-ops (devices are expected to snoop; kernel-rules §8), so
// map, unmap and the system heap's begin/end syncs leave a dirty CPU line
// alone even for a non-snooping importer. The same steps on arm64 do
// maintain the cache, so the test is not vacuous.
func TestX86DMAAPIDoesNoCacheMaintenance(t *testing.T) {
	steps := []string{
		"dma_buf_attach(isp)",
		"dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)",
		"DMA_BUF_IOCTL_SYNC(START|READ)",
		"dma_resv_wait_timeout(DMA_RESV_USAGE_WRITE) in begin_cpu_access(READ)",
		"DMA_BUF_IOCTL_SYNC(END|READ)",
		"dma_buf_unmap_attachment(isp)",
		"dma_buf_map_attachment(isp, DMA_FROM_DEVICE)",
		"dma_buf_unmap_attachment(isp)",
		"dma_buf_map_attachment(isp, DMA_TO_DEVICE)",
		"dma_buf_unmap_attachment(isp)",
	}
	for _, arch := range []model.Arch{model.X86, model.ARM64} {
		h := newHarness(t, config(arch, model.SystemHeap, model.ISP))
		h.cpuDirtyWrite()
		var total model.Ops
		for _, l := range steps {
			ops := h.do(l)
			total.Add(ops)
			if arch == model.X86 {
				if ops.Total() != 0 || h.s.CPU[0] != line(model.LineDirty, 1) || h.s.Mem[0] != 0 {
					t.Errorf("x86 %s: ops %+v, cache %#x, mem v%d; want no maintenance, the line still dirty v1", l, ops, h.s.CPU[0], h.s.Mem[0])
				}
			}
		}
		if arch == model.ARM64 && (total.Cleans == 0 || total.Invalidates == 0) {
			t.Errorf("arm64: the same steps did %+v; want cleans and invalidates", total)
		}
	}
}

// TestSyncIoctlWithInvalidFlagsFailsWithEINVAL: DMA_BUF_IOCTL_SYNC with
// flags outside DMA_BUF_SYNC_VALID_FLAGS_MASK, or with neither READ nor
// WRITE (START alone), returns -EINVAL and does nothing else
// (include/uapi/linux/dma-buf.h, dma_buf_ioctl; kernel-rules §3.2, §11).
func TestSyncIoctlWithInvalidFlagsFailsWithEINVAL(t *testing.T) {
	for _, label := range []string{"DMA_BUF_IOCTL_SYNC(START) = -EINVAL", "DMA_BUF_IOCTL_SYNC(0x8) = -EINVAL"} {
		t.Run(label, func(t *testing.T) {
			h := newHarness(t, config(model.ARM64, model.SystemHeap, model.GPU, model.ISP))
			// A state with something everywhere: a dirty CPU line, one
			// importer mapped and running a read job.
			h.do("dma_buf_attach(isp)")
			h.do("dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)")
			h.cpuDirtyWrite()
			h.do("dma_buf_attach(gpu)")
			h.do("dma_buf_map_attachment(gpu, DMA_TO_DEVICE)")
			h.do("gpu: DMA read job (line 0)")
			before := h.s
			ops := h.do(label)
			want := before
			want.SyncErr = model.ErrInval
			if h.s != want || ops.Total() != 0 {
				t.Errorf("ops %+v, state\n got %+v\nwant %+v (only SyncErr = -EINVAL)", ops, h.s, want)
			}
			// The next valid SYNC succeeds and clears the error.
			h.do("DMA_BUF_IOCTL_SYNC(START|READ)")
			if h.s.SyncErr != model.ErrNone {
				t.Errorf("SyncErr %d after a valid SYNC, want ErrNone", h.s.SyncErr)
			}
		})
	}
}

// TestBeginCPUAccessHookRunsBeforeTheFenceWait: dma_buf_begin_cpu_access
// runs the exporter's begin_cpu_access hook first and only then
// dma_resv_wait_timeout(resv, dma_resv_usage_rw(write)) (kernel-rules §3.1,
// steps 2 and 3; Chris Wilson 2016). After DMA_BUF_IOCTL_SYNC(START|READ)
// the CPU may not read until the wait step, which is disabled while a
// device write is in flight; a CPU read waits only for writers, a CPU write
// for every job (DMA_RESV_USAGE_WRITE vs _READ).
func TestBeginCPUAccessHookRunsBeforeTheFenceWait(t *testing.T) {
	const waitRead = "dma_resv_wait_timeout(DMA_RESV_USAGE_WRITE) in begin_cpu_access(READ)"
	const waitWrite = "dma_resv_wait_timeout(DMA_RESV_USAGE_READ) in begin_cpu_access(WRITE)"
	const waitRW = "dma_resv_wait_timeout(DMA_RESV_USAGE_READ) in begin_cpu_access(RW)"

	h := newHarness(t, config(model.ARM64, model.SystemHeap, model.ISP))
	h.do("dma_buf_attach(isp)")
	h.do("dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)")
	h.do("isp: DMA write job (line 0)")
	h.do("cache_prefetch(line 0)")
	h.do("DMA_BUF_IOCTL_SYNC(START|READ)")
	// Step 2 ran: the heap synced the mapped ISP for the CPU, dropping the
	// prefetched line, before the ISP's write is done.
	if h.s.CPU[0] != model.LineInvalid {
		t.Errorf("after SYNC(START|READ) the heap's hook should have invalidated line 0: %#x", h.s.CPU[0])
	}
	if h.enabled("cpu_read(line 0)") {
		t.Errorf("cpu_read enabled between the hook and the fence wait")
	}
	if h.enabled(waitRead) {
		t.Errorf("the fence wait is enabled while the ISP's write job is in flight")
	}
	h.do("isp: job done, fence signalled")
	if h.enabled("cpu_read(line 0)") {
		t.Errorf("cpu_read enabled before the fence wait step")
	}
	h.do(waitRead)
	h.do("cpu_read(line 0)")
	if h.s.Ghost != 0 {
		t.Errorf("flags %#x after the read; want none (nothing was prefetched in the window)", h.s.Ghost)
	}

	// Usage: a read job in flight blocks a CPU write, not a CPU read.
	for _, tc := range []struct {
		sync, wait string
		blocked    bool
	}{
		{"DMA_BUF_IOCTL_SYNC(START|READ)", waitRead, false},
		{"DMA_BUF_IOCTL_SYNC(START|WRITE)", waitWrite, true},
		{"DMA_BUF_IOCTL_SYNC(START|RW)", waitRW, true},
	} {
		h := newHarness(t, config(model.ARM64, model.SystemHeap, model.ISP))
		h.do("dma_buf_attach(isp)")
		h.do("dma_buf_map_attachment(isp, DMA_TO_DEVICE)")
		h.do("isp: DMA read job (line 0)")
		h.do(tc.sync)
		if got := !h.enabled(tc.wait); got != tc.blocked {
			t.Errorf("%s with a device read in flight: wait blocked %v, want %v", tc.sync, got, tc.blocked)
		}
		h.do("isp: job done, fence signalled")
		h.do(tc.wait)
	}

	// With the proposed fix (WaitBeforeHook) the hook runs at the wait step.
	fixed := model.SystemHeap
	fixed.WaitBeforeHook = true
	h = newHarness(t, config(model.ARM64, fixed, model.ISP))
	h.do("dma_buf_attach(isp)")
	h.do("dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)")
	h.do("cache_prefetch(line 0)")
	h.do("DMA_BUF_IOCTL_SYNC(START|READ)")
	if h.s.CPU[0] != line(model.LineClean, 0) {
		t.Errorf("WaitBeforeHook: SYNC(START) already maintained the cache: %#x", h.s.CPU[0])
	}
	if ops := h.do(waitRead); h.s.CPU[0] != model.LineInvalid || ops.Invalidates != 1 {
		t.Errorf("WaitBeforeHook: the wait step should run the hook (invalidate): cache %#x, ops %+v", h.s.CPU[0], ops)
	}
}

// TestDMACoherentFlagRejectsNonCoherentAttach: the 2022 dma_coherent
// proposal (seed 002, Christian König, "Try to address the DMA-buf
// coherency problem"; kernel-rules §8): dma_buf_dynamic_attach returns -EINVAL
// when dmabuf->dma_coherent && !dev_is_dma_coherent(dev).
func TestDMACoherentFlagRejectsNonCoherentAttach(t *testing.T) {
	e := model.SystemHeap
	e.RejectNonCoherent = true
	h := newHarness(t, config(model.ARM64, e, model.GPU, model.ISP))
	h.do("dma_buf_attach(isp)")
	isp := h.s.Dev[1]
	if isp.Att != model.AttRejected || isp.Err != model.ErrInval || isp.Attached() {
		t.Errorf("isp after attach: att %d, err %d; want AttRejected and ErrInval", isp.Att, isp.Err)
	}
	for _, l := range []string{"dma_buf_attach(isp)", "dma_buf_map_attachment(isp, DMA_TO_DEVICE)", "isp: DMA read job (line 0)", "dma_buf_detach(isp)"} {
		if h.enabled(l) {
			t.Errorf("%s enabled after the attach was rejected", l)
		}
	}
	h.do("dma_buf_attach(gpu)")
	if gpu := h.s.Dev[0]; !gpu.Attached() || gpu.Err != model.ErrNone {
		t.Errorf("coherent gpu after attach: att %d, err %d; want attached", gpu.Att, gpu.Err)
	}
	// Without the flag the ISP attaches.
	h = newHarness(t, config(model.ARM64, model.SystemHeap, model.ISP))
	h.do("dma_buf_attach(isp)")
	if !h.s.Dev[0].Attached() {
		t.Errorf("isp not attached without the dma_coherent flag")
	}
}

// TestNewRejectsInvalidConfigs: model.New refuses configurations outside
// the model's bounds, and a cached sg table combined with a dynamic exporter
// (dma_buf_export: WARN and -EINVAL for cache_sgt_mapping with pin/unpin;
// kernel-rules §1).
func TestNewRejectsInvalidConfigs(t *testing.T) {
	ok := config(model.ARM64, model.SystemHeap, model.GPU, model.ISP)
	if _, err := model.New(ok); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	cachedDynamic := model.AMDGPUDynamic
	cachedDynamic.CacheSGT = true
	for _, tc := range []struct {
		name string
		edit func(*model.Config)
		want string
	}{
		{"0 lines", func(c *model.Config) { c.Lines = 0 }, "lines"},
		{"3 lines", func(c *model.Config) { c.Lines = model.MaxLines + 1 }, "lines"},
		{"0 devices", func(c *model.Config) { c.Devices = nil }, "devices"},
		{"4 devices", func(c *model.Config) {
			c.Devices = []model.Device{model.GPU, model.ISP, model.NPU, model.CXLAccel}
		}, "devices"},
		{"0 writes", func(c *model.Config) { c.Writes = 0 }, "writes"},
		{"4 writes", func(c *model.Config) { c.Writes = model.MaxVersion + 1 }, "writes"},
		{"cached sgt with a dynamic exporter", func(c *model.Config) { c.Exporter = cachedDynamic }, "cache_sgt_mapping"},
		{"unknown arch", func(c *model.Config) { c.Arch = model.X86 + 1 }, "arch"},
	} {
		c := ok
		c.Devices = slices.Clone(ok.Devices)
		tc.edit(&c)
		m, err := model.New(c)
		if err == nil {
			t.Errorf("%s: model.New accepted it (%d actions)", tc.name, len(m.ActionNames()))
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
	}
}

// TestStepCountingReportsTheMaintenanceDone: StepCounting counts one
// operation per cache line per arch_sync_dma_* call (kernel-rules §8), one
// swiotlb copy per line, one device-cache operation per line and device,
// and exactly what the step did: on the same state it reaches the same
// successor as Step.
func TestStepCountingReportsTheMaintenanceDone(t *testing.T) {
	two := func(c model.Config) model.Config { c.Lines = 2; return c }
	devCaches := model.SystemHeap
	devCaches.SyncDeviceCaches = true
	for _, tc := range []struct {
		name  string
		cfg   model.Config
		setup []string
		label string
		want  model.Ops
	}{
		{"arm64 map TO_DEVICE cleans each line", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)"}, "dma_buf_map_attachment(isp, DMA_TO_DEVICE)", model.Ops{Cleans: 2}},
		{"arm64 map FROM_DEVICE cleans each line", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)"}, "dma_buf_map_attachment(isp, DMA_FROM_DEVICE)", model.Ops{Cleans: 2}},
		{"arm32 map FROM_DEVICE invalidates each line", two(config(model.ARM32, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)"}, "dma_buf_map_attachment(isp, DMA_FROM_DEVICE)", model.Ops{Invalidates: 2}},
		{"arm64 unmap TO_DEVICE does nothing", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)", "dma_buf_map_attachment(isp, DMA_TO_DEVICE)"}, "dma_buf_unmap_attachment(isp)", model.Ops{}},
		{"arm64 unmap BIDIRECTIONAL invalidates each line", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)", "dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)"}, "dma_buf_unmap_attachment(isp)", model.Ops{Invalidates: 2}},
		{"coherent device: no maintenance", two(config(model.ARM64, model.SystemHeap, model.GPU)),
			[]string{"dma_buf_attach(gpu)"}, "dma_buf_map_attachment(gpu, DMA_BIDIRECTIONAL)", model.Ops{}},
		{"SKIP_CPU_SYNC map: no maintenance", two(config(model.ARM64, model.GEMPrime, model.ISP)),
			[]string{"dma_buf_attach(isp)"}, "dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)", model.Ops{}},
		{"heap begin syncs each mapped attachment", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)", "dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)"}, "DMA_BUF_IOCTL_SYNC(START|READ)", model.Ops{Invalidates: 2}},
		{"heap begin with nothing mapped does nothing", two(config(model.ARM64, model.SystemHeap, model.ISP)),
			nil, "DMA_BUF_IOCTL_SYNC(START|READ)", model.Ops{}},
		{"i915 begin clflushes even on x86", two(config(model.X86, model.I915, model.ISP)),
			nil, "DMA_BUF_IOCTL_SYNC(START|RW)", model.Ops{Cleans: 2, Invalidates: 2}},
		{"swiotlb map TO_DEVICE copies each line", two(config(model.ARM64, model.SystemHeap, model.LegacyDMA)),
			[]string{"dma_buf_attach(legacy-dma)"}, "dma_buf_map_attachment(legacy-dma, DMA_TO_DEVICE)", model.Ops{Cleans: 2, BounceCopies: 2}},
		{"device caches maintained per line and device", two(config(model.ARM64, devCaches, model.NPU, model.CXLAccel)),
			[]string{"dma_buf_attach(npu)"}, "dma_buf_map_attachment(npu, DMA_BIDIRECTIONAL)", model.Ops{Cleans: 2, DeviceCacheOps: 4}},
		{"x86 map: no maintenance", two(config(model.X86, model.SystemHeap, model.ISP)),
			[]string{"dma_buf_attach(isp)"}, "dma_buf_map_attachment(isp, DMA_BIDIRECTIONAL)", model.Ops{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			for _, l := range tc.setup {
				h.do(l)
			}
			if got := h.do(tc.label); got != tc.want {
				t.Errorf("%s: ops %+v, want %+v", tc.label, got, tc.want)
			}
		})
	}
}

// TestStepCountingIsConsistentWithTheStateChange walks every reachable
// transition of every built-in scenario and checks that StepCounting and
// Step agree, and that the cache-maintenance steps (attach, map, unmap,
// detach, the SYNC ioctl's two begin steps and end) change the caches,
// memory or bounce slots only when they report the operation that does it:
// a CPU line dropped needs an invalidate, memory written needs a clean (or
// a device-cache write-back or bounce copy), a bounce slot refilled needs a
// bounce copy, a device cache changed needs a device-cache operation. On
// x86 only an exporter that clflushes itself (i915) cleans or invalidates.
func TestStepCountingIsConsistentWithTheStateChange(t *testing.T) {
	maintenance := map[model.Kind]bool{
		model.KAttach: true, model.KDetach: true, model.KMap: true, model.KUnmap: true,
		model.KSyncStart: true, model.KBeginWait: true, model.KSyncEnd: true,
	}
	for _, sc := range model.Scenarios() {
		if sc.Config.Lines > 1 {
			continue // the one-line scenarios cover every rule; keeps the walk short
		}
		t.Run(sc.Name, func(t *testing.T) {
			m, err := model.New(sc.Config)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[model.State]bool{}
			queue := m.Init()
			for _, s := range queue {
				seen[s] = true
			}
			var buf []statespace.Action
			steps := 0
			for len(queue) > 0 {
				s := queue[0]
				queue = queue[1:]
				buf = m.Actions(&s, buf[:0])
				for _, a := range buf {
					n := m.Step(&s, a)
					n2, ops := m.StepCounting(&s, a)
					steps++
					if n != n2 {
						t.Fatalf("%s: StepCounting and Step disagree from %+v", m.ActionNames()[a], s)
					}
					if !seen[n] {
						seen[n] = true
						queue = append(queue, n)
					}
					k, _ := m.KindOf(a)
					if !maintenance[k] {
						continue
					}
					if msg := inconsistent(sc.Config, &s, &n, ops); msg != "" {
						t.Fatalf("%s from\n%+v\nto\n%+v\nops %+v: %s", m.ActionNames()[a], s, n, ops, msg)
					}
				}
			}
			if steps == 0 {
				t.Fatal("no transitions")
			}
		})
	}
}

func inconsistent(c model.Config, s, n *model.State, ops model.Ops) string {
	for l := range c.Lines {
		if s.CPU[l] != model.LineInvalid && n.CPU[l] == model.LineInvalid && ops.Invalidates == 0 {
			return fmt.Sprintf("CPU line %d dropped without an invalidate", l)
		}
		if s.Mem[l] != n.Mem[l] && ops.Cleans+ops.DeviceCacheOps+ops.BounceCopies == 0 {
			return fmt.Sprintf("memory line %d changed without a clean", l)
		}
		for d := range c.Devices {
			if n.Dev[d] == (model.DevState{}) {
				continue // detach drops the device's state, bounce slots and cache included
			}
			if s.Dev[d].Bounce[l] != n.Dev[d].Bounce[l] && ops.BounceCopies == 0 {
				return fmt.Sprintf("device %d's bounce slot changed without a copy", d)
			}
			if s.Dev[d].Cache[l] != n.Dev[d].Cache[l] && ops.DeviceCacheOps == 0 {
				return fmt.Sprintf("device %d's cache changed without a device-cache operation", d)
			}
		}
	}
	if c.Arch == model.X86 && c.Exporter.BeginSync != model.SyncAlways && c.Exporter.EndSync != model.SyncAlways &&
		ops.Cleans+ops.Invalidates != 0 {
		return "x86: the DMA API cleaned or invalidated"
	}
	return ""
}

// TestDMASyncOnAnUnmappedTableWarnsAndWorksOnlyBehindAnIOMMU: drm/msm
// (seed 003, "please revert drm/msm: Use the correct dma_sync calls in
// msm_gem", 2019) maps the pages into the GPU's IOMMU domain itself and then
// calls dma_sync_sgtable_for_device/for_cpu on a table never dma_map'ed.
// dma-debug warns ("device driver tries to sync DMA memory it has not
// allocated", kernel/dma/debug.c); behind an IOMMU the sync maintains the
// pages by physical address, on dma-direct it uses the garbage
// sg_dma_address and the buffer's lines are not maintained (kernel-rules §8).
// No built-in scenario enables these two actions (Discipline.SyncUnmapped),
// so this is the only test of them.
func TestDMASyncOnAnUnmappedTableWarnsAndWorksOnlyBehindAnIOMMU(t *testing.T) {
	for _, dev := range []model.Device{model.MSMGPU, model.MSMGPUDirect} {
		name := "dma-direct"
		if dev.IOMMU {
			name = "iommu"
		}
		t.Run(name, func(t *testing.T) {
			c := config(model.ARM64, model.MSM, dev)
			c.Discipline.SyncUnmapped = true
			h := newHarness(t, c)
			h.do("dma_buf_attach(msm-gpu)")
			h.do("dma_buf_map_attachment(msm-gpu, DMA_BIDIRECTIONAL)")
			if d := h.s.Dev[0]; d.DMA != 0 || held(d) != model.DirBidir {
				t.Fatalf("msm map: dma-api %d, held %d; want no DMA-API mapping, BIDIRECTIONAL held", d.DMA, held(d))
			}
			h.cpuDirtyWrite()
			ops := h.do("dma_sync_sgtable_for_device(msm-gpu)")
			if h.s.Ghost&model.FlagDMADebug == 0 {
				t.Errorf("no dma-debug flag after a sync of an unmapped table")
			}
			if dev.IOMMU {
				if h.s.Mem[0] != 1 || ops.Cleans != 1 {
					t.Errorf("behind an IOMMU: mem v%d, ops %+v; want the CPU's v1 cleaned to memory", h.s.Mem[0], ops)
				}
			} else if h.s.Mem[0] != 0 || ops.Total() != 0 || h.s.CPU[0] != line(model.LineDirty, 1) {
				t.Errorf("dma-direct: mem v%d, cache %#x, ops %+v; want the buffer's line untouched", h.s.Mem[0], h.s.CPU[0], ops)
			}
			ops = h.do("dma_sync_sgtable_for_cpu(msm-gpu)")
			if dev.IOMMU && (h.s.CPU[0] != model.LineInvalid || ops.Invalidates != 1) {
				t.Errorf("behind an IOMMU: sync_for_cpu left cache %#x, ops %+v; want an invalidate", h.s.CPU[0], ops)
			}
			if !dev.IOMMU && ops.Total() != 0 {
				t.Errorf("dma-direct: sync_for_cpu did %+v on the buffer", ops)
			}
		})
	}
}

// TestDetachUnmapsAndUnpinsAStaticImporterOfADynamicExporter:
// dma_buf_detach of an attachment with a cached sg table unmaps it with the
// cached direction and, for a dynamic exporter, unpins (kernel-rules §2.3). A
// static importer of a dynamic exporter is pinned and mapped BIDIRECTIONAL
// by the core at attach time (§2.1), and has no dma_buf_unpin of its own
// (dma_buf_unpin WARNs for a non-dynamic attachment, §2.4): detach is the
// only way out: the model enables dma_buf_detach for a pinned attachment
// unless the importer is dynamic (a dynamic importer unpins first).
func TestDetachUnmapsAndUnpinsAStaticImporterOfADynamicExporter(t *testing.T) {
	h := newHarness(t, config(model.ARM64, model.AMDGPUDynamic, model.ISP))
	h.do("dma_buf_attach(isp)")
	if d := h.s.Dev[0]; d.Att != model.AttAttached|model.AttPinned || cachedSGT(d) != model.DirBidir || d.DMA != model.DirBidir {
		t.Fatalf("after attach: %+v; want attached, pinned, BIDIRECTIONAL cached and mapped", d)
	}
	h.do("dma_buf_detach(isp)")
	if d := h.s.Dev[0]; d != (model.DevState{}) {
		t.Errorf("after detach: %+v; want unmapped, unpinned, detached", d)
	}
	// The core unmaps with the direction it mapped with: no DMA-debug
	// report, nothing lost.
	if h.s.Ghost != 0 {
		t.Errorf("flags %#x after detach", h.s.Ghost)
	}
	h.do("dma_buf_put (last reference): dma_buf_release")
	if h.s.Ghost != 0 {
		t.Errorf("flags %#x after a clean detach and release", h.s.Ghost)
	}
}
