package scenario

import (
	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Builtin returns a registry with every built-in scenario.
func Builtin() *Registry {
	r := &Registry{}
	r.Add(model(&Scenario{
		Name:        "german",
		Description: "German's directory cache-coherence protocol (reference model german.m; counts match Rumur)",
		Params: []Param{
			{Name: "nodes", Kind: Int, Default: "3", Min: 1, Max: german.MaxNodes, Help: "number of client nodes"},
			{Name: "symmetry", Kind: Bool, Default: "false", Help: "exact symmetry reduction over the interchangeable nodes"},
		},
	}, func(v Values) (statespace.Model[german.State], error) {
		if v.Bool("symmetry") {
			return german.NewSymmetric(v.Int("nodes"))
		}
		return german.New(v.Int("nodes"))
	}))
	r.Add(model(&Scenario{
		Name:        "dmabuf-bench",
		Description: "small DMA-buf cache-coherency benchmark (reference model dmabuf.m; counts match Rumur)",
		Params: []Param{
			{Name: "importers", Kind: Int, Default: "2", Min: 0, Max: dmabufbench.MaxImporters, Help: "number of importer devices"},
			{Name: "bad", Kind: Bool, Default: "false", Help: "importer 1 maps without cleaning the CPU cache (seeded bug)"},
		},
	}, func(v Values) (statespace.Model[dmabufbench.State], error) {
		return dmabufbench.New(v.Int("importers"), v.Bool("bad"))
	}))
	addModelScenarios(r)
	addDeadlockScenarios(r)
	addFenceScenarios(r)
	addCrossVMScenarios(r)
	addP2PScenarios(r)
	return r
}
