package world_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// oldReduced is the earlier model with its symmetry reduction, as its
// scenarios check it.
type oldReduced struct {
	props.Checked
	sym *model.Symmetric
}

func (r oldReduced) Canonical(s model.State) model.State { return r.sym.Canonical(s) }

// copies returns n copies of d named d0, d1, ...
func copies(n int, d model.Device) []model.Device {
	out := make([]model.Device, n)
	for i := range out {
		out[i] = d
		out[i].Name = fmt.Sprintf("%s%d", d.Name, i)
	}
	return out
}

func cacheConfig(arch model.Arch, e model.Exporter, devs []model.Device, f func(*model.Config)) model.Config {
	c := model.Config{Arch: arch, Backing: model.SystemCached, Lines: 1, Devices: devs, Exporter: e, Writes: 2}
	if f != nil {
		f(&c)
	}
	return c
}

var waitFirst = func() model.Exporter { e := model.SystemHeap; e.WaitBeforeHook = true; return e }()

func scenarioConfig(name string) model.Config {
	sc, ok := model.ScenarioByName(name)
	if !ok {
		panic("no scenario " + name)
	}
	return sc.Config
}

// symmetryConfigs are the earlier model's symmetry proofs
// (model/symmetry_test.go) and its two scenarios with interchangeable
// devices, as worlds: they cover the exporter tables, coherent and
// non-coherent devices, own caches, bounce buffers, dynamic importers and
// the disciplines that touch devices.
var symmetryConfigs = map[string]model.Config{
	"scenario today-three-isps":          scenarioConfig("today-three-isps"),
	"scenario today-wait-first-two-isps": scenarioConfig("today-wait-first-two-isps"),
	"2 isps, system heap, wait first":    cacheConfig(model.ARM64, waitFirst, copies(2, model.ISP), nil),
	"3 isps, system heap, hook first, 1 write": cacheConfig(model.ARM64, model.SystemHeap, copies(3, model.ISP), func(c *model.Config) {
		c.Writes = 1
	}),
	"3 gpus, gem prime, 1 write": cacheConfig(model.ARM64, model.GEMPrime, copies(3, model.GPU), func(c *model.Config) { c.Writes = 1 }),
	"2 cxl accels, write-combined": cacheConfig(model.ARM64, model.GEMPrime, copies(2, model.CXLAccel), func(c *model.Config) {
		c.Backing = model.WriteCombined
	}),
	"2 isps, x86, i915": cacheConfig(model.X86, model.I915, copies(2, model.ISP), nil),
	"2 bounce devices, udmabuf, end without begin": cacheConfig(model.ARM64, model.Udmabuf, copies(2, model.LegacyDMA), func(c *model.Config) {
		c.Discipline.EndWithoutBegin = true
	}),
	"2 npus, importer syncs": cacheConfig(model.ARM64, waitFirst, copies(2, model.NPU), func(c *model.Config) { c.Discipline.ImporterSyncs = true }),
	"2 dynamic gpus, moves ignored": cacheConfig(model.ARM64, model.AMDGPUDynamic, copies(2, model.DynamicGPU), func(c *model.Config) {
		c.Discipline.IgnoreMoveNotify = true
	}),
	"2 static isps of a dynamic exporter": cacheConfig(model.ARM64, model.AMDGPUDynamic, copies(2, model.ISP), nil),
	"2 msm gpus, sync unmapped":           cacheConfig(model.ARM64, model.MSM, copies(2, model.MSMGPUDirect), func(c *model.Config) { c.Discipline.SyncUnmapped = true }),
	"2 isps, map per job":                 cacheConfig(model.ARM64, model.MapSyncsOnly, copies(2, model.ISP), func(c *model.Config) { c.Discipline.MapAroundEveryJob = true }),
	"2 isps, coherent flag, kernel cpu": cacheConfig(model.ARM64, func() model.Exporter { e := waitFirst; e.RejectNonCoherent = true; return e }(), copies(2, model.ISP), func(c *model.Config) {
		c.KernelCPU = true
	}),
	"2 isps, release and detach too early": cacheConfig(model.ARM64, waitFirst, copies(2, model.ISP), func(c *model.Config) {
		c.Discipline.ReleaseWhileAttached, c.Discipline.DetachWithJobInFlight, c.Discipline.RaceCPUAndDevice = true, true, true
	}),
	"2 isps, 2 lines, unbracketed": cacheConfig(model.ARM64, waitFirst, copies(2, model.ISP), func(c *model.Config) {
		c.Lines, c.Writes, c.Discipline.UnbracketedCPU, c.Discipline.MapDuringCPUAccess = 2, 1, true, true
	}),
}

// buildCache builds the world of an earlier configuration.
func buildCache(t testing.TB, name string, cfg model.Config) *world.Model {
	t.Helper()
	spec, err := world.FromCacheConfig(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// proveExact runs symmetrytest.AssertExact on m with the state type of its
// size class.
func proveExact(t testing.TB, m *world.Model, opt statespace.Options) symmetrytest.Counts {
	t.Helper()
	switch n := m.Size(); {
	case n <= 16:
		return prove[[16]byte](t, m, opt)
	case n <= 32:
		return prove[[32]byte](t, m, opt)
	case n <= 48:
		return prove[[48]byte](t, m, opt)
	case n <= 64:
		return prove[[64]byte](t, m, opt)
	case n <= 96:
		return prove[[96]byte](t, m, opt)
	}
	return prove[[128]byte](t, m, opt)
}

func prove[S world.Bytes](t testing.TB, m *world.Model, opt statespace.Options) symmetrytest.Counts {
	t.Helper()
	plain, err := world.As[S](m)
	if err != nil {
		t.Fatal(err)
	}
	red, err := world.AsReduced[S](m)
	if err != nil {
		t.Fatal(err)
	}
	var perms []func(S) S
	for _, p := range m.Permutations()[1:] {
		perms = append(perms, func(s S) S { return plain.Permute(s, p) })
	}
	return symmetrytest.AssertExact[S](t, plain, red, perms, opt)
}

// holdingProperty is a property that holds in cfg, so that the reduced
// search runs to the end: the rejected importers are never all attached.
func holdingProperty(cfg model.Config) string {
	if cfg.Exporter.RejectNonCoherent {
		return props.NoStaleRead
	}
	return props.AllAttached
}

// TestWorldSymmetryIsExact proves the world's symmetry reduction exact on
// every configuration of the earlier model's proof, re-expressed as worlds
// (FromCacheConfig declares the earlier model's interchangeable devices):
// the world is symmetric under the group, Canonical picks one member per
// orbit, and the reduced search stores exactly one state per orbit. The
// counts equal the earlier model's: its states unreduced, and its states
// under its own reduction.
func TestWorldSymmetryIsExact(t *testing.T) {
	for name, cfg := range symmetryConfigs {
		t.Run(name, func(t *testing.T) {
			m := buildCache(t, name, cfg)
			if !m.Symmetric() {
				t.Fatalf("no symmetry declared: %v", m.Spec().Symmetry)
			}
			opt := statespace.Options{Only: []string{holdingProperty(cfg)}}
			c := proveExact(t, m, opt)
			old, err := model.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(old.Permutations()); n != len(m.Permutations()) {
				t.Errorf("group of %d, the earlier model's has %d", len(m.Permutations()), n)
			}
			r, err := statespace.Check[model.State](props.Check(old), opt)
			if err != nil {
				t.Fatal(err)
			}
			rr, err := statespace.Check[model.State](oldReduced{props.Check(old), old.Symmetric()}, opt)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(c.States) != r.Stats.States || uint64(c.Orbits) != rr.Stats.States {
				t.Errorf("world %d states, %d orbits; earlier model %d states, %d reduced", c.States, c.Orbits, r.Stats.States, rr.Stats.States)
			}
			t.Logf("%s; group of %d; earlier model %d states, %d reduced", c, len(m.Permutations()), r.Stats.States, rr.Stats.States)
		})
	}
}

// cacheProperties are the properties the differential tests compare, and
// deadlock.
var cacheProperties = []string{statespace.DeadlockProperty, props.NoStaleRead, props.NoLostWrite, props.MappingDiscipline,
	props.NoUseAfterFree, props.DMAAPIDiscipline, props.BeginEndPairing, props.DeviceSeesCPU, props.CPUSeesDevice, props.AllAttached}

// TestWorldSymmetryKeepsVerdicts: for every property (and deadlock) the
// reduced world gives the unreduced world's status, kind and shortest
// counterexample length, and the earlier model's reduced verdict with
// the same numbers of states and transitions; a safety counterexample of
// the reduced world replays on it and lifts to the unreduced world.
func TestWorldSymmetryKeepsVerdicts(t *testing.T) {
	for _, name := range []string{"scenario today-three-isps", "scenario today-wait-first-two-isps",
		"3 isps, system heap, hook first, 1 write", "2 bounce devices, udmabuf, end without begin",
		"2 isps, release and detach too early", "2 dynamic gpus, moves ignored"} {
		cfg := symmetryConfigs[name]
		t.Run(name, func(t *testing.T) {
			m := buildCache(t, name, cfg)
			old, err := model.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range cacheProperties {
				opt := statespace.Options{Only: []string{p}}
				r, err := statespace.Check[model.State](oldReduced{props.Check(old), old.Symmetric()}, opt)
				want := verdictOf(t, r, err)
				r, err = world.Check(m, opt)
				got := verdictOf(t, r, err)
				if got != want {
					t.Errorf("%s: reduced world %v, reduced earlier model %v", p, got, want)
				}
				r, err = world.Check(m.Unreduced(), opt)
				plain := verdictOf(t, r, err)
				if plain.Status != got.Status || plain.Kind != got.Kind || plain.Length != got.Length {
					t.Errorf("%s: reduced world %v, unreduced %v", p, got, plain)
				}
				t.Logf("%s: %v", p, got)
				if got.Length > 0 && got.Kind == statespace.KindInvariant {
					liftTrace(t, m, p)
				}
			}
		})
	}
}

// liftTrace checks the reduced world's counterexample of property on the
// reduced and the unreduced world (symmetrytest.AssertLifts).
func liftTrace(t *testing.T, m *world.Model, property string) {
	t.Helper()
	if m.Size() > 32 {
		t.Fatalf("size class %d: extend liftTrace", m.Size())
	}
	plain, _ := world.As[[32]byte](m)
	red, _ := world.AsReduced[[32]byte](m)
	r, err := statespace.Check[[32]byte](red, statespace.Options{Only: []string{property}})
	if err != nil {
		t.Fatal(err)
	}
	symmetrytest.AssertLifts[[32]byte](t, plain, red, r.Violation.Trace, property)
}

// usersSpec is a world with two user processes running the same program
// on their own CPU brackets, one ISP and the system heap: agents
// interchangeable without a device.
func usersSpec() world.Spec {
	user := func(name string) world.Agent {
		idle := world.Pred("idle("+name+")", func(v world.View) bool { return v.Idle(indexOf(name)) })
		inside := world.Pred("inside("+name+", RW)", func(v world.View) bool { return v.Inside(indexOf(name), world.SyncRW) })
		return world.Agent{Name: name, Program: world.Forever{
			world.When{Cond: idle, Body: world.SyncStart(world.SyncRW)},
			world.When{Cond: inside, Body: world.CPUWrite(0)},
			world.When{Cond: inside, Body: world.CPURead(0)},
			world.When{Cond: inside, Body: world.SyncEnd(world.SyncRW)},
		}}
	}
	return world.Spec{
		Name: "two users", Arch: world.ARM64, Lines: 1, Writes: 2,
		Devices:  []world.Device{{Name: "isp"}},
		Exporter: world.Exporter{Name: "system-heap", Map: world.Hook{{Kind: world.OpDMAMap}}, Begin: world.Hook{{Kind: world.OpSyncMapped}}, End: world.Hook{{Kind: world.OpSyncMapped}}},
		Agents: []world.Agent{user("u0"), user("u1"),
			{Name: "isp", Program: world.Seq{world.Attach(0), world.Map(0, world.DirTo), world.JobRead(0, 0), world.JobDone(0), world.Unmap(0), world.Detach(0)}},
			{Name: "cpu-cache", Program: world.Forever{world.Prefetch(0), world.Writeback(0), world.Evict(0)}}},
		Symmetry: [][]string{{"u0", "u1"}},
	}
}

// indexOf is the agent index of the users of usersSpec.
func indexOf(name string) int { return int(name[1] - '0') }

// TestInterchangeableAgentsWithoutDevice proves the reduction exact when
// the group permutes agents alone: their CPU brackets and program
// counters move.
func TestInterchangeableAgentsWithoutDevice(t *testing.T) {
	m, err := world.Build(usersSpec())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Symmetric() {
		t.Fatal("no symmetry")
	}
	c := proveExact(t, m, statespace.Options{Only: []string{props.AllAttached}})
	if c.Orbits == c.States {
		t.Errorf("%s: the reduction does nothing", c)
	}
	t.Log(c)
}

// TestSymmetryDeclarationsAreChecked: Build rejects declarations that are
// not symmetries of the world, and those where a rule of the cache family
// depends on the order of the devices (the earlier model's exclusions).
func TestSymmetryDeclarationsAreChecked(t *testing.T) {
	isps := func(f func(*model.Config)) world.Spec {
		s, err := world.FromCacheConfig("isps", cacheConfig(model.ARM64, waitFirst, copies(2, model.ISP), f))
		if err != nil {
			t.Fatal(err)
		}
		s.Symmetry = [][]string{{"isp0", "isp1"}}
		return s
	}
	agent := func(s *world.Spec, name string) *world.Agent {
		for i := range s.Agents {
			if s.Agents[i].Name == name {
				return &s.Agents[i]
			}
		}
		t.Fatalf("no agent %s", name)
		return nil
	}
	cases := map[string]struct {
		spec func() world.Spec
		want string
	}{
		"devices differ": {func() world.Spec { s := isps(nil); s.Devices[1].IOMMU = true; return s }, "devices isp0 and isp1 differ"},
		"a program differs": {func() world.Spec {
			s := isps(nil)
			a := agent(&s, "isp1")
			a.Program = a.Program.(world.Forever)[1:]
			return s
		}, "agent isp1's program is not agent isp0's"},
		"a guard names one device": {func() world.Spec {
			s := isps(nil)
			a := agent(&s, "cpu")
			f := a.Program.(world.Forever)
			a.Program = append(f, world.When{Cond: world.Pred("mapped(isp0)", func(v world.View) bool { return v.Mapped(0) }), Body: world.CPURead(0)})
			return s
		}, "agent cpu's program changes"},
		"an invariant names one device": {func() world.Spec {
			s := isps(nil)
			s.Invariants = []world.Invariant{{Name: "x", Expr: world.Pred("attached(isp0)", func(v world.View) bool { return v.Attached(0) })}}
			return s
		}, "invariant x changes"},
		"arm32 syncs of the mapped attachments": {func() world.Spec { s := isps(func(c *model.Config) { c.Arch = model.ARM32 }); return s }, "on arm32"},
		"bounce buffers synced in order": {func() world.Spec {
			s := isps(nil)
			s.Devices[0].Bounce, s.Devices[1].Bounce = true, true
			return s
		}, "bounce buffers back in device order"},
		"device caches synced in order": {func() world.Spec {
			s, _ := world.FromCacheConfig("npus", cacheConfig(model.ARM64, func() model.Exporter { e := waitFirst; e.SyncDeviceCaches = true; return e }(), copies(2, model.NPU), nil))
			s.Symmetry = [][]string{{"npu0", "npu1"}}
			return s
		}, "caches back in device order"},
		"coherent device caches snooped in order": {func() world.Spec {
			s, _ := world.FromCacheConfig("cxl", cacheConfig(model.ARM64, model.GEMPrime, copies(2, model.CXLAccel), nil))
			s.Symmetry = [][]string{{"cxl-accel0", "cxl-accel1"}}
			return s
		}, "snoops the last coherent device cache"},
		"unknown name":   {func() world.Spec { s := isps(nil); s.Symmetry = [][]string{{"isp0", "isp9"}}; return s }, "isp9 is neither"},
		"a group of one": {func() world.Spec { s := isps(nil); s.Symmetry = [][]string{{"isp0"}}; return s }, "needs two or more"},
		"listed twice": {func() world.Spec {
			s := isps(nil)
			s.Symmetry = [][]string{{"isp0", "isp1"}, {"isp1", "cpu"}}
			return s
		}, "isp1 is listed twice"},
		"mixed kinds": {func() world.Spec { s := isps(nil); s.Symmetry = [][]string{{"isp0", "cpu"}}; return s }, "mixes devices and agents"},
		"a driver alone": {func() world.Spec {
			s := isps(nil)
			s.Devices[0].Name = "dev0"
			s.Symmetry = [][]string{{"dev0", "isp1"}, {"isp0", "cpu"}}
			return s
		}, "agent isp0 drives device dev0"},
		"an agent of two": {func() world.Spec {
			s := isps(nil)
			a := agent(&s, "isp0")
			a.Program = append(a.Program.(world.Forever), world.Attach(1))
			return s
		}, "calls on devices isp0, isp1"},
		"agents that differ": {func() world.Spec {
			s := usersSpec()
			s.Agents[1].Program = world.Forever{world.SyncStart(world.SyncRW)}
			return s
		}, "agent u1's program is not agent u0's"},
		"a name that is a label": {func() world.Spec {
			s := usersSpec()
			s.Agents[2].Program = world.Seq{world.Label{Name: "u0"}, s.Agents[2].Program}
			return s
		}, "u0 is also a label"},
		"another family": {func() world.Spec {
			s := usersSpec()
			s.P2P.Lines = 1
			return s
		}, "the p2p family cannot permute"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := world.Build(tc.spec())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build: %v; want an error with %q", err, tc.want)
			}
		})
	}
	// The declarations FromCacheConfig makes are accepted, and only
	// those scenarios of the earlier model have one.
	for _, sc := range model.Scenarios() {
		s, err := world.FromCacheConfig(sc.Name, sc.Config)
		if err != nil {
			t.Fatal(err)
		}
		if (len(s.Symmetry) > 0) != (sc.Name == "today-wait-first-two-isps" || sc.Name == "today-three-isps") {
			t.Errorf("scenario %s declares %v", sc.Name, s.Symmetry)
		}
	}
}
