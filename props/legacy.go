package props

// This file is the earlier cache model's properties (package model):
// Check, Checked, Doc and the property names. scenario/dmabuf.go,
// scenario/file.go, cmd/check/cli.go and the differential tests of model
// and model/world still use them. It is removed with the earlier models;
// the world's properties are defined in model/world and catalogued in
// catalogue.go.

import (
	"github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Property names of the earlier cache model (the world's are model/world's
// constants of the same names).
const (
	NoStaleRead       = "no-stale-read"
	NoLostWrite       = "no-lost-write"
	MappingDiscipline = "no-dma-without-valid-mapping"
	NoUseAfterFree    = "no-access-after-release-or-detach"
	DMAAPIDiscipline  = "dma-api-discipline"
	BeginEndPairing   = "begin-end-pairing"
	DeviceSeesCPU     = "device-reads-cpu-write"
	CPUSeesDevice     = "cpu-reads-device-write"
	AllAttached       = "all-importers-attached"
)

// Doc explains each property of the earlier cache model and the kernel
// rule it comes from (the world's: Lookup, world.PropertyDoc).
var Doc = map[string]string{
	NoStaleRead: "Every read (CPU load, device DMA read) returns the latest completed write of that line. " +
		"dma-buf.c DOC \"cpu access\": begin/end_cpu_access and DMA_BUF_IOCTL_SYNC must make CPU and device access coherent.",
	NoLostWrite: "A completed write is never discarded (an invalidate dropping a dirty line) nor overwritten by older data " +
		"(a stale dirty line written back). Documentation/core-api/dma-api-howto.rst: invalidate discards dirty lines.",
	MappingDiscipline: "A device does DMA only through a valid mapping: mapped with a direction that allows the access, " +
		"and not invalidated by dma_buf_move_notify (include/linux/dma-buf.h, dynamic importer rules).",
	NoUseAfterFree: "Nothing touches the buffer after its release, nor an attachment's mapping after detach: no final " +
		"dma_buf_put while attached (dma_buf_release WARNs), no detach while the importer's DMA runs.",
	DMAAPIDiscipline: "dma-debug's preconditions: dma_sync_* only on memory that is dma_map'ed, and unmap/sync with the " +
		"direction it was mapped with (kernel/dma/debug.c).",
	BeginEndPairing: "CPU access through the mmap is bracketed by DMA_BUF_IOCTL_SYNC START/END with the same flags, END " +
		"follows a START, and the buffer is not released inside a bracket (include/uapi/linux/dma-buf.h).",
	DeviceSeesCPU: "Reachability: some device DMA read returns data the CPU wrote (the configuration is not vacuous).",
	CPUSeesDevice: "Reachability: the CPU, inside a read bracket, holds data a device wrote (the configuration is not vacuous).",
	AllAttached:   "Reachability: every importer is attached at the same time (the design lets every device share the buffer).",
}

// Checked is a model with the properties attached: the statespace.Model
// the checker runs.
type Checked struct {
	*model.Model
}

// Check wraps m with its properties.
func Check(m *model.Model) Checked { return Checked{m} }

func flag(name string, f uint8) statespace.Property[model.State] {
	return statespace.Property[model.State]{Name: name, Expectation: statespace.Always,
		Holds: func(s *model.State) bool { return s.Ghost&f == 0 }}
}

// Properties returns the safety properties, then the reachability
// properties that show the configuration is not vacuous.
func (c Checked) Properties() []statespace.Property[model.State] {
	return []statespace.Property[model.State]{
		flag(NoStaleRead, model.FlagStaleRead),
		flag(NoLostWrite, model.FlagLostWrite),
		flag(MappingDiscipline, model.FlagNoMapping),
		flag(NoUseAfterFree, model.FlagUseAfterFree),
		flag(DMAAPIDiscipline, model.FlagDMADebug),
		flag(BeginEndPairing, model.FlagPairing),
		{Name: DeviceSeesCPU, Expectation: statespace.Sometimes, Holds: c.deviceSeesCPU},
		{Name: CPUSeesDevice, Expectation: statespace.Sometimes, Holds: c.cpuSeesDevice},
		{Name: AllAttached, Expectation: statespace.Sometimes, Holds: c.allAttached},
	}
}

func (c Checked) deviceSeesCPU(s *model.State) bool {
	for j := range c.Config().Devices {
		if ok, l, v := s.Dev[j].Reading(); ok && v > 0 && v == s.Latest[l] && s.LatestBy[l] == model.WriterCPU {
			return true
		}
	}
	return false
}

func (c Checked) cpuSeesDevice(s *model.State) bool {
	if !s.CPUInsideRead() {
		return false
	}
	cfg := c.Config()
	for l := range cfg.Lines {
		if v, ok := s.CPUHolds(l, cfg.Backing); ok && s.LatestBy[l] >= model.WriterDevice0 && v == s.Latest[l] {
			return true
		}
	}
	return false
}

func (c Checked) allAttached(s *model.State) bool {
	for j := range c.Config().Devices {
		if !s.Dev[j].Attached() {
			return false
		}
	}
	return true
}

var flags = map[string]uint8{
	NoStaleRead: model.FlagStaleRead, NoLostWrite: model.FlagLostWrite, MappingDiscipline: model.FlagNoMapping,
	NoUseAfterFree: model.FlagUseAfterFree, DMAAPIDiscipline: model.FlagDMADebug, BeginEndPairing: model.FlagPairing,
}

// Explain tells how a counterexample violates property, in the protocol's
// words (statespace.Explainer): model.Narrate with the property's flag.
func (c Checked) Explain(property string, path []model.State, acts []statespace.Action) statespace.Explanation {
	return c.Narrate(flags[property], path, acts)
}
