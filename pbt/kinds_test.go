package pbt

import (
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func TestKindsFromLabels(t *testing.T) {
	sc, _ := model.ScenarioByName("today-wait-first-2lines")
	m, err := model.New(sc.Config)
	if err != nil {
		t.Fatal(err)
	}
	c := props.Check(m)
	names := c.ActionNames()
	kt := deriveKinds(c, names)
	action := func(label string) statespace.Action {
		i := slices.Index(names, label)
		if i < 0 {
			t.Fatalf("no action %q", label)
		}
		return statespace.Action(i)
	}
	for _, tc := range []struct {
		label, kind string
		args        []int
		roles       []string
	}{
		// Actors are ranked by first appearance: cpu, cpu-cache, gpu, isp.
		{"dma_buf_attach(isp)", "dma_buf_attach(<actor>)", []int{3}, []string{"actor"}},
		{"isp: DMA write job (line 1)", "<actor>: DMA write job (line #)", []int{3, 1}, []string{"actor", "#0"}},
		{"cpu_read(line 1)", "cpu_read(line #)", []int{1}, []string{"#0"}},
		{"dma_buf_map_attachment(gpu, DMA_TO_DEVICE)", "dma_buf_map_attachment(<actor>, DMA_TO_DEVICE)", []int{2}, []string{"actor"}},
		{"dma_resv_wait_timeout(DMA_RESV_USAGE_WRITE) in begin_cpu_access(READ)", "dma_resv_wait_timeout(DMA_RESV_USAGE_WRITE) in begin_cpu_access(READ)", nil, nil},
	} {
		a := action(tc.label)
		if got := kt.names[kt.kind[a]]; got != tc.kind || !slices.Equal(kt.args[a], tc.args) || !slices.Equal(kt.roles[a], tc.roles) {
			t.Errorf("%s: kind %q args %v roles %v, want %q %v %v", tc.label, got, kt.args[a], kt.roles[a], tc.kind, tc.args, tc.roles)
		}
	}
	// Shrink candidates: same kind, each argument no larger.
	var got []string
	for _, b := range kt.smaller(action("isp: DMA write job (line 1)")) {
		got = append(got, names[b])
	}
	want := []string{"gpu: DMA write job (line 0)", "gpu: DMA write job (line 1)", "isp: DMA write job (line 0)"}
	if !slices.Equal(got, want) {
		t.Errorf("smaller: %q, want %q", got, want)
	}
	// Renaming the ISP to the GPU moves all its actions, and the GPU's to
	// the ISP.
	sw := kt.swapsBetween(action("dma_buf_attach(isp)"), action("dma_buf_attach(gpu)"))
	for from, to := range map[string]string{"isp: DMA write job (line 1)": "gpu: DMA write job (line 1)", "dma_buf_detach(gpu)": "dma_buf_detach(isp)", "cpu_read(line 1)": "cpu_read(line 1)"} {
		if b, ok := kt.translate(sw, action(from)); !ok || names[b] != to {
			t.Errorf("renaming %v: %s → %s (%v), want %s", sw, from, names[b], ok, to)
		}
	}
}
