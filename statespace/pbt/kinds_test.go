package pbt

import (
	"slices"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// labelled is a model's action table with the agent of each action
// (statespace.Actorer): all deriveKinds looks at.
type labelled struct {
	names, actors []string
}

func (l labelled) Actor(a statespace.Action) string { return l.actors[a] }

// worldLike is an action table written the way the DMA-buf world names its
// actions: "agent: call", the device named again in its own calls, lines
// as numbers.
func worldLike() labelled {
	var l labelled
	add := func(actor, label string) { l.names, l.actors = append(l.names, label), append(l.actors, actor) }
	add("cpu", "cpu: cpu_read(line 0)")
	add("cpu", "cpu: cpu_read(line 1)")
	add("cpu-cache", "cpu-cache: cache_prefetch(line 0)")
	for _, dev := range []string{"gpu", "isp"} {
		add(dev, dev+": dma_buf_attach("+dev+")")
		add(dev, dev+": dma_buf_map_attachment("+dev+", DMA_TO_DEVICE)")
		add(dev, dev+": DMA write job (line 0)")
		add(dev, dev+": DMA write job (line 1)")
		add(dev, dev+": dma_buf_detach("+dev+")")
	}
	add("exporter", "exporter: dma_buf_put (last reference): dma_buf_release")
	return l
}

func TestKindsFromLabels(t *testing.T) {
	l := worldLike()
	kt := deriveKinds(l, l.names)
	action := func(label string) statespace.Action {
		i := slices.Index(l.names, label)
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
		// Actors are ranked by first appearance: cpu, cpu-cache, gpu, isp,
		// exporter. The actor is one argument wherever its name appears.
		{"isp: dma_buf_attach(isp)", "<actor>: dma_buf_attach(<actor>)", []int{3}, []string{"actor"}},
		{"isp: DMA write job (line 1)", "<actor>: DMA write job (line #)", []int{3, 1}, []string{"actor", "#0"}},
		{"cpu: cpu_read(line 1)", "<actor>: cpu_read(line #)", []int{0, 1}, []string{"actor", "#0"}},
		{"gpu: dma_buf_map_attachment(gpu, DMA_TO_DEVICE)", "<actor>: dma_buf_map_attachment(<actor>, DMA_TO_DEVICE)", []int{2}, []string{"actor"}},
		// "cpu" inside "cpu-cache" is not the cpu: names match as words.
		{"cpu-cache: cache_prefetch(line 0)", "<actor>: cache_prefetch(line #)", []int{1, 0}, []string{"actor", "#0"}},
	} {
		a := action(tc.label)
		if got := kt.names[kt.kind[a]]; got != tc.kind || !slices.Equal(kt.args[a], tc.args) || !slices.Equal(kt.roles[a], tc.roles) {
			t.Errorf("%s: kind %q args %v roles %v, want %q %v %v", tc.label, got, kt.args[a], kt.roles[a], tc.kind, tc.args, tc.roles)
		}
	}
	// Shrink candidates: same kind, each argument no larger.
	var got []string
	for _, b := range kt.smaller(action("isp: DMA write job (line 1)")) {
		got = append(got, l.names[b])
	}
	want := []string{"gpu: DMA write job (line 0)", "gpu: DMA write job (line 1)", "isp: DMA write job (line 0)"}
	if !slices.Equal(got, want) {
		t.Errorf("smaller: %q, want %q", got, want)
	}
	// Renaming the ISP to the GPU moves all its actions, and the GPU's to
	// the ISP; other agents' actions stay.
	sw := kt.swapsBetween(action("isp: dma_buf_attach(isp)"), action("gpu: dma_buf_attach(gpu)"))
	for from, to := range map[string]string{
		"isp: DMA write job (line 1)": "gpu: DMA write job (line 1)",
		"gpu: dma_buf_detach(gpu)":    "isp: dma_buf_detach(isp)",
		"cpu: cpu_read(line 1)":       "cpu: cpu_read(line 1)",
	} {
		if b, ok := kt.translate(sw, action(from)); !ok || l.names[b] != to {
			t.Errorf("renaming %v: %s → %s (%v), want %s", sw, from, l.names[b], ok, to)
		}
	}
}

// Without an Actorer the numbers alone are the arguments: German's
// "Store[i=1,d=2]" is Store applied to node 1 and datum 2.
func TestKindsFromNumbersAlone(t *testing.T) {
	names := []string{"Store[i=0,d=1]", "Store[i=0,d=2]", "Store[i=1,d=1]", "Store[i=1,d=2]", "SendReqS[i=1]"}
	kt := deriveKinds(struct{}{}, names)
	if k := kt.names[kt.kind[3]]; k != "Store[i=#,d=#]" || !slices.Equal(kt.args[3], []int{1, 2}) {
		t.Errorf("Store[i=1,d=2]: kind %q args %v", k, kt.args[3])
	}
	var got []string
	for _, b := range kt.smaller(3) {
		got = append(got, names[b])
	}
	if want := []string{"Store[i=0,d=1]", "Store[i=0,d=2]", "Store[i=1,d=1]"}; !slices.Equal(got, want) {
		t.Errorf("smaller than Store[i=1,d=2]: %q, want %q", got, want)
	}
	if len(kt.smaller(4)) != 0 {
		t.Errorf("SendReqS[i=1] has no smaller action of its kind, got %v", kt.smaller(4))
	}
}
