package scenario

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The world writer writes the CPU bracket by the kernel's name: the fence
// family's former spelling (__dma_buf_begin_cpu_access, an alias the
// parser still reads) becomes dma_buf_begin_cpu_access of the same
// direction (drivers/dma-buf/dma-buf.c: dma_buf_begin_cpu_access,
// dma_buf_end_cpu_access).
func TestTheWorldWriterWritesTheKernelsName(t *testing.T) {
	spec := world.Spec{Name: "w", Fence: world.FenceSpec{Rings: []world.Ring{{Name: "gpu", Jobs: 1}}},
		Agents: []world.Agent{{Name: "cpu", Program: world.Seq{
			world.ResvBeginCPU(false), world.ResvEndCPU(false), world.ResvBeginCPU(true), world.ResvEndCPU(true)}}}}
	text, err := WorldYAML(spec, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := string(text)
	for _, want := range []string{"dma_buf_begin_cpu_access(DMA_FROM_DEVICE)", "dma_buf_end_cpu_access(DMA_FROM_DEVICE)",
		"dma_buf_begin_cpu_access(DMA_TO_DEVICE)", "dma_buf_end_cpu_access(DMA_TO_DEVICE)"} {
		if !strings.Contains(got, "- "+want) {
			t.Errorf("the file has no %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "__dma_buf") {
		t.Errorf("the file uses the alias:\n%s", got)
	}
}
