package scenario

import (
	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Builtin returns a registry with every built-in scenario.
func Builtin() *Registry {
	r := &Registry{}
	r.Add(&Scenario{
		Name:        "german",
		Description: "German's directory cache-coherence protocol (reference model german.m; counts match Rumur)",
		Params: []Param{
			{Name: "nodes", Kind: Int, Default: "3", Min: 1, Max: german.MaxNodes, Help: "number of client nodes"},
		},
		Check: func(v Values, opt statespace.Options) (*statespace.Result, error) {
			m, err := german.New(v.Int("nodes"))
			if err != nil {
				return nil, err
			}
			return statespace.Check(m, opt)
		},
	})
	r.Add(&Scenario{
		Name:        "dmabuf-bench",
		Description: "small DMA-buf cache-coherency benchmark (reference model dmabuf.m; counts match Rumur)",
		Params: []Param{
			{Name: "importers", Kind: Int, Default: "2", Min: 0, Max: dmabufbench.MaxImporters, Help: "number of importer devices"},
			{Name: "bad", Kind: Bool, Default: "false", Help: "importer 1 maps without cleaning the CPU cache (seeded bug)"},
		},
		Check: func(v Values, opt statespace.Options) (*statespace.Result, error) {
			m, err := dmabufbench.New(v.Int("importers"), v.Bool("bad"))
			if err != nil {
				return nil, err
			}
			return statespace.Check(m, opt)
		},
	})
	addModelScenarios(r)
	addDeadlockScenarios(r)
	addFenceScenarios(r)
	return r
}
