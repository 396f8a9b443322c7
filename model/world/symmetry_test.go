package world_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// symmetryWorld is a world with interchangeable devices: its file, a
// property that holds in it (so that the reduced search runs to the end),
// and its states unreduced, its orbits and the order of its group. The
// counts are the earlier cache model's on the same configurations,
// unreduced and under its own reduction (equal when the earlier model was
// removed, issue 16).
type symmetryWorld struct {
	name, file     string
	holding        string
	states, orbits int
	group          int
}

// symmetryWorlds are the built-ins with interchangeable devices and the
// configurations of the earlier model's symmetry proofs, as worlds
// (testdata/symmetry): they cover the exporter tables, coherent and
// non-coherent devices, own caches, bounce buffers, dynamic importers and
// the disciplines that touch devices.
var symmetryWorlds = []symmetryWorld{
	{"scenario today-three-isps", "../../scenarios/today-three-isps.yaml", world.AllAttached, 249525, 47825, 6},
	{"scenario today-wait-first-two-isps", "../../scenarios/today-wait-first-two-isps.yaml", world.AllAttached, 137702, 72530, 2},
	{"2 isps, system heap, wait first", "2-isps-system-heap-wait-first", world.AllAttached, 11934, 6219, 2},
	{"3 isps, system heap, hook first, 1 write", "3-isps-system-heap-hook-first-1-write", world.AllAttached, 98249, 19219, 6},
	{"3 gpus, gem prime, 1 write", "3-gpus-gem-prime-1-write", world.AllAttached, 62126, 12660, 6},
	{"2 cxl accels, write-combined", "2-cxl-accels-write-combined", world.AllAttached, 80464, 40492, 2},
	{"2 isps, x86, i915", "2-isps-x86-i915", world.AllAttached, 21894, 11255, 2},
	{"2 bounce devices, udmabuf, end without begin", "2-bounce-devices-udmabuf-end-without-begin", world.AllAttached, 213550, 108400, 2},
	{"2 npus, importer syncs", "2-npus-importer-syncs", world.AllAttached, 450410, 226967, 2},
	{"2 dynamic gpus, moves ignored", "2-dynamic-gpus-moves-ignored", world.AllAttached, 265548, 134772, 2},
	{"2 static isps of a dynamic exporter", "2-static-isps-of-a-dynamic-exporter", world.AllAttached, 12634, 6646, 2},
	{"2 msm gpus, sync unmapped", "2-msm-gpus-sync-unmapped", world.AllAttached, 84768, 43540, 2},
	{"2 isps, map per job", "2-isps-map-per-job", world.AllAttached, 2158, 1190, 2},
	// The rejected importers are never all attached.
	{"2 isps, coherent flag, kernel cpu", "2-isps-coherent-flag-kernel-cpu", world.NoStaleRead, 288, 216, 2},
	{"2 isps, release and detach too early", "2-isps-release-and-detach-too-early", world.AllAttached, 184960, 94900, 2},
	{"2 isps, 2 lines, unbracketed", "2-isps-2-lines-unbracketed", world.AllAttached, 288036, 146982, 2},
}

// path is the world file of w.
func (w symmetryWorld) path() string {
	if strings.HasSuffix(w.file, ".yaml") {
		return w.file
	}
	return filepath.Join("testdata", "symmetry", w.file+".yaml")
}

// symmetryWorldNamed is the symmetry world of that name.
func symmetryWorldNamed(t *testing.T, name string) symmetryWorld {
	t.Helper()
	for _, w := range symmetryWorlds {
		if w.name == name {
			return w
		}
	}
	t.Fatalf("no symmetry world %q", name)
	return symmetryWorld{}
}

// TestWorldSymmetryIsExact proves the world's symmetry reduction exact on
// every symmetry world: the world is symmetric under the group, Canonical
// picks one member per orbit, and the reduced search stores exactly one
// state per orbit, as many as pinned.
func TestWorldSymmetryIsExact(t *testing.T) {
	for _, w := range symmetryWorlds {
		t.Run(w.name, func(t *testing.T) {
			m := loadWorld(t, w.path())
			if !m.Symmetric() {
				t.Fatalf("no symmetry declared: %v", m.Spec().Symmetry)
			}
			c := proveExact(t, m, statespace.Options{Only: []string{w.holding}})
			if c.States != w.states || c.Orbits != w.orbits || len(m.Permutations()) != w.group {
				t.Errorf("%s, group of %d; want %d states, %d orbits, group of %d", c, len(m.Permutations()), w.states, w.orbits, w.group)
			}
		})
	}
}

// verdict is what a check says of one property.
type verdict struct {
	Status statespace.Status
	Kind   statespace.Kind
	Length int
}

func verdictOf(t *testing.T, r *statespace.Result, err error) verdict {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	v := verdict{Status: r.Status}
	if r.Violation != nil {
		v.Kind = r.Violation.Kind
		v.Length = r.Violation.Length()
	}
	return v
}

// TestWorldSymmetryKeepsVerdicts: for every property (and deadlock) the
// reduced world gives the unreduced world's status, kind and shortest
// counterexample length, and the verdict and length its file pins
// (expect:, the earlier model's); a safety counterexample of the reduced
// world replays on it and lifts to the unreduced world.
func TestWorldSymmetryKeepsVerdicts(t *testing.T) {
	for _, name := range []string{"scenario today-three-isps", "scenario today-wait-first-two-isps",
		"3 isps, system heap, hook first, 1 write", "2 bounce devices, udmabuf, end without begin",
		"2 isps, release and detach too early", "2 dynamic gpus, moves ignored"} {
		w := symmetryWorldNamed(t, name)
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(w.path())
			if err != nil {
				t.Fatal(err)
			}
			sc, v, opt, err := scenario.ParseFile(scenario.Builtin(), w.path(), text)
			if err != nil {
				t.Fatal(err)
			}
			m, err := sc.World(v)
			if err != nil {
				t.Fatal(err)
			}
			props := append(m.PropertyNames(), statespace.DeadlockProperty)
			var pinned []string
			for _, e := range opt.Expect {
				pinned = append(pinned, e.Property)
			}
			if !slices.Equal(pinned, props) {
				t.Fatalf("%s pins %v, the world has %v", w.path(), pinned, props)
			}
			for i, p := range props {
				only := statespace.Options{Only: []string{p}}
				r, err := world.Check(m, only)
				got := verdictOf(t, r, err)
				if msg := opt.Expect[i].Mismatch(scenario.Verdict(r, p)); msg != "" {
					t.Errorf("%s: reduced world: %s", p, msg)
				}
				r, err = world.Check(m.Unreduced(), only)
				plain := verdictOf(t, r, err)
				if plain != got {
					t.Errorf("%s: reduced world %v, unreduced %v", p, got, plain)
				}
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
	c := proveExact(t, m, statespace.Options{Only: []string{world.AllAttached}})
	if c.Orbits == c.States {
		t.Errorf("%s: the reduction does nothing", c)
	}
	t.Log(c)
}

// TestSymmetryDeclarationsAreChecked: Build rejects declarations that are
// not symmetries of the world, and those where a rule of the cache family
// depends on the order of the devices (the earlier model's exclusions).
func TestSymmetryDeclarationsAreChecked(t *testing.T) {
	// pair is the world of a testdata file with its two devices declared
	// interchangeable.
	pair := func(file, d0, d1 string) world.Spec {
		s := loadWorld(t, filepath.Join("testdata", "symmetry", file+".yaml")).Spec()
		s.Symmetry = [][]string{{d0, d1}}
		return s
	}
	isps := func() world.Spec { return pair("2-isps-system-heap-wait-first", "isp0", "isp1") }
	agent := func(s *world.Spec, name string) *world.Agent {
		for i := range s.Agents {
			if s.Agents[i].Name == name {
				return &s.Agents[i]
			}
		}
		t.Fatalf("no agent %s", name)
		return nil
	}
	// loop is the forever loop an agent's program is (as a file writes
	// it: a program of one statement).
	loop := func(a *world.Agent) world.Forever {
		p := a.Program
		if s, ok := p.(world.Seq); ok && len(s) == 1 {
			p = s[0]
		}
		f, ok := p.(world.Forever)
		if !ok {
			t.Fatalf("agent %s's program is not a loop: %T", a.Name, a.Program)
		}
		return f
	}
	cases := map[string]struct {
		spec func() world.Spec
		want string
	}{
		"devices differ": {func() world.Spec { s := isps(); s.Devices[1].IOMMU = true; return s }, "devices isp0 and isp1 differ"},
		"a program differs": {func() world.Spec {
			s := isps()
			a := agent(&s, "isp1")
			a.Program = loop(a)[1:]
			return s
		}, "agent isp1's program is not agent isp0's"},
		"a guard names one device": {func() world.Spec {
			s := isps()
			a := agent(&s, "cpu")
			f := loop(a)
			a.Program = append(f, world.When{Cond: world.Pred("mapped(isp0)", func(v world.View) bool { return v.Mapped(0) }), Body: world.CPURead(0)})
			return s
		}, "agent cpu's program changes"},
		"an invariant names one device": {func() world.Spec {
			s := isps()
			s.Invariants = []world.Invariant{{Name: "x", Expr: world.Pred("attached(isp0)", func(v world.View) bool { return v.Attached(0) })}}
			return s
		}, "invariant x changes"},
		"arm32 syncs of the mapped attachments": {func() world.Spec { return pair("excluded-arm32-system-heap", "isp0", "isp1") }, "on arm32"},
		"bounce buffers synced in order": {func() world.Spec {
			s := isps()
			s.Devices[0].Bounce, s.Devices[1].Bounce = true, true
			return s
		}, "bounce buffers back in device order"},
		"device caches synced in order":           {func() world.Spec { return pair("excluded-device-caches-dma-api-style", "npu0", "npu1") }, "caches back in device order"},
		"coherent device caches snooped in order": {func() world.Spec { return pair("excluded-coherent-device-caches", "cxl0", "cxl1") }, "snoops the last coherent device cache"},
		"unknown name":   {func() world.Spec { s := isps(); s.Symmetry = [][]string{{"isp0", "isp9"}}; return s }, "isp9 is neither"},
		"a group of one": {func() world.Spec { s := isps(); s.Symmetry = [][]string{{"isp0"}}; return s }, "needs two or more"},
		"listed twice": {func() world.Spec {
			s := isps()
			s.Symmetry = [][]string{{"isp0", "isp1"}, {"isp1", "cpu"}}
			return s
		}, "isp1 is listed twice"},
		"mixed kinds": {func() world.Spec { s := isps(); s.Symmetry = [][]string{{"isp0", "cpu"}}; return s }, "mixes devices, rings and agents"},
		"a driver alone": {func() world.Spec {
			s := isps()
			s.Devices[0].Name = "dev0"
			s.Symmetry = [][]string{{"dev0", "isp1"}, {"isp0", "cpu"}}
			return s
		}, "agent isp0 drives device dev0"},
		"an agent of two": {func() world.Spec {
			s := isps()
			a := agent(&s, "isp0")
			a.Program = append(loop(a), world.Attach(1))
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
	// The built-ins that declare a symmetry build (Builtin loads them
	// all), and only these do: the earlier cache model's two scenarios
	// with interchangeable devices, and fence-three-writers with its
	// interchangeable rings (the earlier fence model's).
	var declared []string
	for _, sc := range scenario.Builtin().All() {
		if sc.World == nil {
			continue
		}
		v, err := sc.Parse(nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := sc.World(v)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Spec().Symmetry) > 0 {
			declared = append(declared, sc.Name)
		}
	}
	slices.Sort(declared)
	if want := []string{"fence-three-writers", "today-three-isps", "today-wait-first-two-isps"}; !slices.Equal(declared, want) {
		t.Errorf("built-ins declaring a symmetry: %v, want %v", declared, want)
	}
}
