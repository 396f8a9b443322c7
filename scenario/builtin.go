package scenario

import (
	"fmt"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/scenarios"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Builtin returns a registry with every built-in scenario: the two
// reference models, and every world file of scenarios/ (carried in the
// binary), named after it, with its parameters.
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
	ts, err := builtinTemplates()
	if err != nil {
		// The files are generated and tested (go test ./scenario): a file
		// that does not load is a broken build, not an input.
		panic(err.Error())
	}
	for _, t := range ts {
		r.Add(t.scenario(nil))
	}
	return r
}

// builtinTemplates are the embedded world files read up to their
// parameters, once per process (a template is not changed once read:
// each scenario reads its worlds from copies).
var builtinTemplates = sync.OnceValues(func() ([]*worldTemplate, error) {
	var out []*worldTemplate
	for _, f := range scenarios.Files() {
		t, err := readBuiltinFile(f)
		if err != nil {
			return nil, fmt.Errorf("scenario: the built-in %s does not load: %v", f.Name, err)
		}
		out = append(out, t)
	}
	return out, nil
})

// readBuiltinFile reads an embedded world file up to its parameters,
// checking their uses; its world is read at each value when it is first
// checked.
func readBuiltinFile(f scenarios.File) (*worldTemplate, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(f.Text, &doc); err != nil {
		return nil, syntaxError(f.Path, f.Text, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:1:1: a scenario file is a YAML mapping", f.Path)
	}
	t, err := readWorldTemplate(f.Path, doc.Content[0])
	if err != nil {
		return nil, err
	}
	if t.name != f.Name {
		return nil, fmt.Errorf("%s: the world is named %q, the file %q", f.Path, t.name, f.Name)
	}
	return t, nil
}
