package world

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/perm"
	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// failures is a testing.TB that records failures instead of reporting
// them.
type failures struct {
	testing.TB
	failed bool
}

func (r *failures) Errorf(string, ...any) { r.failed = true }
func (r *failures) Helper()               {}

// TestExcludedSymmetriesAreInexact forces the swap of two identical
// devices on the worlds cacheCheckSymmetry rejects, bypassing Build's
// checks: the exactness proof fails on each, so the exclusions are needed
// in the world too, not just prudent.
func TestExcludedSymmetriesAreInexact(t *testing.T) {
	isp, npu, cxl, bounce := model.Device{Name: "isp"}, model.Device{Name: "npu", OwnCache: true},
		model.Device{Name: "cxl", Coherent: true, OwnCache: true, IOMMU: true}, model.Device{Name: "dma", Bounce: true}
	waitFirst := model.SystemHeap
	waitFirst.WaitBeforeHook = true
	syncCaches := waitFirst
	syncCaches.SyncDeviceCaches = true
	cfg := func(arch model.Arch, e model.Exporter, d model.Device) model.Config {
		a, b := d, d
		a.Name, b.Name = d.Name+"0", d.Name+"1"
		return model.Config{Arch: arch, Backing: model.SystemCached, Lines: 1, Devices: []model.Device{a, b}, Exporter: e, Writes: 2}
	}
	for name, c := range map[string]model.Config{
		"arm32, system heap":           cfg(model.ARM32, waitFirst, isp),
		"bounce devices, system heap":  cfg(model.ARM64, waitFirst, bounce),
		"device caches, dma-api style": cfg(model.ARM64, syncCaches, npu),
		"coherent device caches":       cfg(model.ARM64, model.GEMPrime, cxl),
	} {
		t.Run(name, func(t *testing.T) {
			spec, err := FromCacheConfig(name, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(spec.Symmetry) != 0 {
				t.Fatalf("FromCacheConfig declares %v", spec.Symmetry)
			}
			spec.Symmetry = [][]string{{c.Devices[0].Name, c.Devices[1].Name}}
			if _, err := Build(spec); err == nil {
				t.Fatal("Build accepts the declaration")
			}
			spec.Symmetry = nil
			m, err := Build(spec)
			if err != nil {
				t.Fatal(err)
			}
			// The group Build would have made, forced.
			sy := &symmetry{groups: [][]int{{0, 1}}, perms: perm.Group(2, [][]int{{0, 1}})}
			for d := range 2 {
				mb := member{dev: d}
				for a, ag := range spec.Agents {
					if ag.Name == c.Devices[d].Name || ag.Name == c.Devices[d].Name+"-cache" {
						mb.agents = append(mb.agents, a)
					}
				}
				sy.members = append(sy.members, mb)
			}
			m.c.sym = sy
			if m.Size() > 32 {
				t.Fatalf("size %d", m.Size())
			}
			plain, _ := As[[32]byte](m)
			red, _ := AsReduced[[32]byte](m)
			swap := func(s [32]byte) [32]byte { return plain.Permute(s, []int{1, 0}) }
			r := &failures{TB: t}
			symmetrytest.AssertExact[[32]byte](r, plain, red, []func([32]byte) [32]byte{swap}, statespace.Options{Only: []string{AllAttached}})
			if !r.failed {
				t.Errorf("the swap passes the exactness proof: the exclusion is not needed")
			}
		})
	}
}

// BenchmarkCanonical is the cost of the canonical form of today-three-isps
// (a group of 6) on a reachable state.
func BenchmarkCanonical(b *testing.B) {
	sc, _ := model.ScenarioByName("today-three-isps")
	spec, err := FromCacheConfig(sc.Name, sc.Config)
	if err != nil {
		b.Fatal(err)
	}
	m, err := Build(spec)
	if err != nil {
		b.Fatal(err)
	}
	red, err := AsReduced[[32]byte](m)
	if err != nil {
		b.Fatal(err)
	}
	s := red.Init()[0]
	for _, a := range red.Actions(&s, nil)[:3] {
		s = red.Step(&s, a)
	}
	b.ReportAllocs()
	for b.Loop() {
		s = red.Canonical(s)
	}
}
