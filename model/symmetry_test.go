package model_test

import (
	"fmt"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/perm"
	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// reduced is the checked model with the canonical form of Symmetric, as
// the scenarios build it.
type reduced struct {
	props.Checked
	sym *model.Symmetric
}

func (r reduced) Canonical(s model.State) model.State { return r.sym.Canonical(s) }

// devices returns n copies of d named d0, d1, ...
func devices(n int, d model.Device) []model.Device {
	out := make([]model.Device, n)
	for i := range out {
		out[i] = d
		out[i].Name = fmt.Sprintf("%s%d", d.Name, i)
	}
	return out
}

// symmetric returns the checked model for cfg, its reduced form and the
// state permutations of its group (without the identity).
func symmetric(t testing.TB, cfg model.Config) (props.Checked, reduced, []func(model.State) model.State) {
	t.Helper()
	sym, err := model.NewSymmetric(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var perms []func(model.State) model.State
	for _, p := range sym.Permutations()[1:] {
		perms = append(perms, func(s model.State) model.State { return sym.Permute(s, p) })
	}
	return props.Check(sym.Model), reduced{props.Check(sym.Model), sym}, perms
}

func cfgWith(c model.Config, f func(*model.Config)) model.Config { f(&c); return c }

var waitFirst = func() model.Exporter { e := model.SystemHeap; e.WaitBeforeHook = true; return e }()

// symmetryConfigs are small configurations with interchangeable devices
// that together cover the exporter tables (mapped-attachment, exporter
// device, always and no maintenance; cached sg tables; dynamic; DMA-API
// bypass; rejecting non-coherent importers), coherent and non-coherent
// devices, own caches, bounce buffers, dynamic importers, and the
// disciplines that touch devices (importer syncs, syncs on unmapped
// tables, map around every job, moves ignored, release and detach too
// early).
var symmetryConfigs = map[string]model.Config{
	"2 isps, system heap, wait first":                    config(model.ARM64, waitFirst, devices(2, model.ISP)...),
	"3 isps, system heap, wait first":                    config(model.ARM64, waitFirst, devices(3, model.ISP)...),
	"3 isps, system heap, hook first, 1 write":           cfgWith(config(model.ARM64, model.SystemHeap, devices(3, model.ISP)...), func(c *model.Config) { c.Writes = 1 }),
	"gpu and 2 isps, scenario today-wait-first-two-isps": func() model.Config { sc, _ := model.ScenarioByName("today-wait-first-two-isps"); return sc.Config }(),
	"3 gpus, gem prime, 1 write":                         cfgWith(config(model.ARM64, model.GEMPrime, devices(3, model.GPU)...), func(c *model.Config) { c.Writes = 1 }),
	"2 cxl accels, write-combined":                       cfgWith(config(model.ARM64, model.GEMPrime, devices(2, model.CXLAccel)...), func(c *model.Config) { c.Backing = model.WriteCombined }),
	"2 isps, x86, i915":                                  config(model.X86, model.I915, devices(2, model.ISP)...),
	"2 isps, x86, gem prime, write-combined":             cfgWith(config(model.X86, model.GEMPrime, devices(2, model.ISP)...), func(c *model.Config) { c.Backing = model.WriteCombined }),
	"2 bounce devices, udmabuf, end without begin":       cfgWith(config(model.ARM64, model.Udmabuf, devices(2, model.LegacyDMA)...), func(c *model.Config) { c.Discipline.EndWithoutBegin = true }),
	"2 npus, importer syncs":                             cfgWith(config(model.ARM64, waitFirst, devices(2, model.NPU)...), func(c *model.Config) { c.Discipline.ImporterSyncs = true }),
	"2 dynamic gpus, moves ignored":                      cfgWith(config(model.ARM64, model.AMDGPUDynamic, devices(2, model.DynamicGPU)...), func(c *model.Config) { c.Discipline.IgnoreMoveNotify = true }),
	"2 static isps of a dynamic exporter":                config(model.ARM64, model.AMDGPUDynamic, devices(2, model.ISP)...),
	"2 msm gpus, sync unmapped":                          cfgWith(config(model.ARM64, model.MSM, devices(2, model.MSMGPUDirect)...), func(c *model.Config) { c.Discipline.SyncUnmapped = true }),
	"2 isps, map per job":                                cfgWith(config(model.ARM64, model.MapSyncsOnly, devices(2, model.ISP)...), func(c *model.Config) { c.Discipline.MapAroundEveryJob = true }),
	"2 isps, coherent flag, kernel cpu":                  cfgWith(config(model.ARM64, func() model.Exporter { e := waitFirst; e.RejectNonCoherent = true; return e }(), devices(2, model.ISP)...), func(c *model.Config) { c.KernelCPU = true }),
	"2 isps, release and detach too early": cfgWith(config(model.ARM64, waitFirst, devices(2, model.ISP)...), func(c *model.Config) {
		c.Discipline.ReleaseWhileAttached, c.Discipline.DetachWithJobInFlight, c.Discipline.RaceCPUAndDevice = true, true, true
	}),
	"2 isps, 2 lines, unbracketed": cfgWith(config(model.ARM64, waitFirst, devices(2, model.ISP)...), func(c *model.Config) {
		c.Lines, c.Writes, c.Discipline.UnbracketedCPU, c.Discipline.MapDuringCPUAccess = 2, 1, true, true
	}),
}

// TestSymmetryReductionIsExact proves the canonical form on small
// configurations: the model is symmetric under every permutation of
// interchangeable devices, Canonical picks one member of each orbit, the
// same for all its members, and the reduced search stores exactly one state
// per orbit, the orbits adding up to the unreduced count.
func TestSymmetryReductionIsExact(t *testing.T) {
	for name, cfg := range symmetryConfigs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plain, sym, perms := symmetric(t, cfg)
			if len(perms) == 0 {
				t.Fatal("the configuration has no interchangeable devices")
			}
			// The reduced search runs to the end on a property that holds
			// (the rejected importers are never all attached).
			only := props.AllAttached
			if cfg.Exporter.RejectNonCoherent {
				only = props.NoStaleRead
			}
			c := symmetrytest.AssertExact[model.State](t, plain, sym, perms, statespace.Options{Only: []string{only}})
			t.Logf("%s; group of %d", c, len(perms)+1)
		})
	}
}

// swapped is the checked model with the canonical form of the group
// {identity, swap of devices 0 and 1}, forced on it.
type swapped struct {
	props.Checked
	m *model.Model
}

func (f swapped) Canonical(s model.State) model.State {
	return perm.LeastImage(s, [][]int{{1, 0}}, f.m)
}

// recorder is a testing.TB that records failures instead of reporting
// them.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

// orderDependent are configurations of identical devices whose rules walk
// the devices in index order with steps that do not commute; each must get
// no symmetry, and forcing the full permutation group on it must fail the
// exactness proof (which shows the exclusion is needed, not just prudent).
var orderDependent = map[string]model.Config{
	// end_cpu_access syncs each mapped attachment for the device; on arm32
	// that is invalidate for FROM_DEVICE, clean for TO_DEVICE.
	"arm32, system heap": config(model.ARM32, waitFirst, devices(2, model.ISP)...),
	// each attachment's swiotlb copy-back overwrites the previous one's.
	"bounce devices, system heap": config(model.ARM64, waitFirst, devices(2, model.LegacyDMA)...),
	// the exporter writes back every device cache in index order.
	"device caches, dma-api style": config(model.ARM64, func() model.Exporter { e := waitFirst; e.SyncDeviceCaches = true; return e }(), devices(2, model.NPU)...),
	// a CPU load snoops the last coherent device cache holding the line dirty.
	"coherent device caches": config(model.ARM64, model.GEMPrime, devices(2, model.CXLAccel)...),
}

// TestOrderDependentRulesGetNoSymmetry: devices are not interchanged where
// a rule depends on their order, and the full group would be inexact there.
func TestOrderDependentRulesGetNoSymmetry(t *testing.T) {
	for name, cfg := range orderDependent {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plain, sym, perms := symmetric(t, cfg)
			if len(perms) != 0 {
				t.Fatalf("%d device permutations, want only the identity", len(perms)+1)
			}
			swap := func(s model.State) model.State { return sym.sym.Permute(s, []int{1, 0}) }
			forced := swapped{plain, sym.sym.Model}
			r := &recorder{TB: t}
			symmetrytest.AssertExact[model.State](r, plain, forced, []func(model.State) model.State{swap}, statespace.Options{Only: []string{props.AllAttached}})
			if !r.failed {
				t.Errorf("the swap of the two devices passes the exactness proof: the exclusion is not needed")
			}
		})
	}
}

// TestOnlyIdenticalDevicesArePermuted: devices that differ in anything but
// the name are never interchanged, and no built-in scenario but the one
// written for it has interchangeable devices.
func TestOnlyIdenticalDevicesArePermuted(t *testing.T) {
	other := model.ISP
	other.IOMMU = true
	for devs, want := range map[[3]model.Device]string{
		{model.ISP, model.GPU, model.ISP}: "[[0 1 2] [2 1 0]]",
		{model.ISP, other, model.ISP}:     "[[0 1 2] [2 1 0]]",
		{model.ISP, other, other}:         "[[0 1 2] [0 2 1]]",
		{model.ISP, model.GPU, other}:     "[[0 1 2]]",
	} {
		m, err := model.New(config(model.ARM64, waitFirst, devices(1, devs[0])[0], devices(1, devs[1])[0], devs[2]))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(m.Permutations()); got != want {
			t.Errorf("%s, %s, %s: permutations %s, want %s", devs[0].Name, devs[1].Name, devs[2].Name, got, want)
		}
	}
	for _, sc := range model.Scenarios() {
		m, err := model.New(sc.Config)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(m.Permutations()); (n > 1) != (sc.Name == "today-wait-first-two-isps" || sc.Name == "today-three-isps") {
			t.Errorf("scenario %s has %d device permutations", sc.Name, n)
		}
	}
}

// TestSymmetryKeepsVerdicts: on configurations with interchangeable
// devices, correct and broken, the reduced and unreduced checks give the
// same verdict on every property, with shortest counterexamples of the
// same length, and a counterexample of the reduced check replays on the
// reduced model and, lifted, on the unreduced one.
func TestSymmetryKeepsVerdicts(t *testing.T) {
	cfgs := map[string]model.Config{
		"3 isps, system heap, hook first, 1 write":     symmetryConfigs["3 isps, system heap, hook first, 1 write"],
		"2 bounce devices, udmabuf, end without begin": symmetryConfigs["2 bounce devices, udmabuf, end without begin"],
		"2 isps, release and detach too early":         symmetryConfigs["2 isps, release and detach too early"],
		"2 isps, system heap, wait first":              symmetryConfigs["2 isps, system heap, wait first"],
	}
	for name, cfg := range cfgs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			plain, sym, _ := symmetric(t, cfg)
			for _, p := range plain.Properties() {
				opt := statespace.Options{Only: []string{p.Name}}
				a, b := propertyResult(t, plain, opt), propertyResult(t, sym, opt)
				if a.Verdict != b.Verdict {
					t.Errorf("%s: %s unreduced, %s reduced", p.Name, a.Verdict, b.Verdict)
				}
				if a.Trace != nil && b.Trace != nil && a.Trace.Len() != b.Trace.Len() {
					t.Errorf("%s: shortest trace %d steps unreduced, %d reduced", p.Name, a.Trace.Len(), b.Trace.Len())
				}
				if p.Expectation == statespace.Always && b.Trace != nil {
					symmetrytest.AssertLifts[model.State](t, plain, sym, b.Trace, p.Name)
				}
			}
		})
	}
}

func propertyResult(t testing.TB, m statespace.Model[model.State], opt statespace.Options) statespace.PropertyResult {
	t.Helper()
	r, err := statespace.Check(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Properties {
		if p.Name == opt.Only[0] {
			return p
		}
	}
	t.Fatalf("property %q is not in the result", opt.Only[0])
	return statespace.PropertyResult{}
}
