package scenario

import (
	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// addP2PScenarios registers the peer-to-peer DMA scenarios (package
// model/p2p) as "p2p-<name>", with the number of cache lines of the buffer
// as a parameter.
func addP2PScenarios(r *Registry) {
	for _, sc := range p2p.Scenarios() {
		sc := sc
		desc := sc.Description
		if sc.Expect != "" {
			desc += " [expect: " + sc.Expect + " violated]"
		} else {
			desc += " [expect: ok]"
		}
		r.Add(model(&Scenario{
			Name:        "p2p-" + sc.Name,
			Description: desc,
			Params: []Param{
				{Name: "lines", Kind: Int, Default: itoa(sc.Config.Lines), Min: 1, Max: p2p.MaxLines,
					Help: "cache lines of the buffer (one CPU cache line per BAR line)"},
			},
		}, func(v Values) (statespace.Model[p2p.State], error) {
			cfg := sc.Config
			cfg.Importers = append([]p2p.Importer(nil), cfg.Importers...)
			cfg.Lines = v.Int("lines")
			return p2p.New(cfg)
		}))
	}
}
