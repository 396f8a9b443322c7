package world_test

import (
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/internal/symmetrytest"
	"github.com/dmabufcheck/dmabufcheck/model/world"
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
// devices on the worlds the cache family's symmetry check rejects
// (testdata/symmetry/excluded-*.yaml: arm32's syncs of the mapped
// attachments, bounce buffers and device caches synced in device order,
// coherent device caches snooped in order), bypassing Build's checks: the
// exactness proof fails on each, so the exclusions are needed, not just
// prudent.
func TestExcludedSymmetriesAreInexact(t *testing.T) {
	for _, tc := range []struct{ file, d0, d1 string }{
		{"excluded-arm32-system-heap", "isp0", "isp1"},
		{"excluded-bounce-devices-system-heap", "dma0", "dma1"},
		{"excluded-device-caches-dma-api-style", "npu0", "npu1"},
		{"excluded-coherent-device-caches", "cxl0", "cxl1"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := loadWorld(t, filepath.Join("testdata", "symmetry", tc.file+".yaml"))
			spec := m.Spec()
			if len(spec.Symmetry) != 0 || len(spec.Devices) != 2 || spec.Devices[0].Name != tc.d0 || spec.Devices[1].Name != tc.d1 {
				t.Fatalf("the world has devices %v and declares %v", spec.Devices, spec.Symmetry)
			}
			spec.Symmetry = [][]string{{tc.d0, tc.d1}}
			if _, err := world.Build(spec); err == nil {
				t.Fatal("Build accepts the declaration")
			}
			world.ForceDeviceSwap(m)
			if m.Size() > 32 {
				t.Fatalf("size %d", m.Size())
			}
			plain, _ := world.As[[32]byte](m)
			red, _ := world.AsReduced[[32]byte](m)
			swap := func(s [32]byte) [32]byte { return plain.Permute(s, []int{1, 0}) }
			r := &failures{TB: t}
			symmetrytest.AssertExact[[32]byte](r, plain, red, []func([32]byte) [32]byte{swap}, statespace.Options{Only: []string{world.AllAttached}})
			if !r.failed {
				t.Errorf("the swap passes the exactness proof: the exclusion is not needed")
			}
		})
	}
}

// BenchmarkCanonical is the cost of the canonical form of today-three-isps
// (a group of 6) on a reachable state.
func BenchmarkCanonical(b *testing.B) {
	m := builtin(b, "today-three-isps")
	red, err := world.AsReduced[[32]byte](m)
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
