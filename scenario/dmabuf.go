package scenario

import (
	dmamodel "github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/props"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var archByName = map[string]dmamodel.Arch{"arm64": dmamodel.ARM64, "arm32": dmamodel.ARM32, "x86": dmamodel.X86}

// addModelScenarios registers every built-in DMA-buf model scenario, with
// parameters that override the architecture, the number of cache lines and
// the write bound.
func addModelScenarios(r *Registry) {
	for _, sc := range dmamodel.Scenarios() {
		sc := sc
		desc := sc.Description
		if sc.Expect != "" {
			desc += " [expect: " + sc.Expect + " violated]"
		} else {
			desc += " [expect: ok]"
		}
		params := []Param{
			{Name: "arch", Kind: Choice, Default: sc.Config.Arch.String(), Options: []string{"arm64", "arm32", "x86"}, Help: "what the DMA API's syncs do"},
			{Name: "lines", Kind: Int, Default: itoa(sc.Config.Lines), Min: 1, Max: dmamodel.MaxLines, Help: "cache lines of the buffer"},
			{Name: "writes", Kind: Int, Default: itoa(sc.Config.Writes), Min: 1, Max: dmamodel.MaxVersion, Help: "bound on the number of writes"},
		}
		symmetric := modelHasSymmetry(sc.Config)
		if symmetric {
			params = append(params, Param{Name: "symmetry", Kind: Bool, Default: "true",
				Help: "exact symmetry reduction over the interchangeable devices (identical but for the name; none on arm32, whose syncs of the mapped attachments depend on their order)"})
		}
		r.Add(model(&Scenario{
			Name:        sc.Name,
			Description: desc,
			Params:      params,
		}, func(v Values) (statespace.Model[dmamodel.State], error) {
			cfg := sc.Config
			cfg.Arch = archByName[v.Choice("arch")]
			cfg.Lines = v.Int("lines")
			cfg.Writes = v.Int("writes")
			m, err := dmamodel.New(cfg)
			if err != nil {
				return nil, err
			}
			if symmetric && v.Bool("symmetry") {
				return symmetricChecked{props.Check(m), m.Symmetric()}, nil
			}
			return props.Check(m), nil
		}))
	}
}

// modelHasSymmetry reports whether cfg has interchangeable devices: the
// scenario then takes a symmetry parameter, on by default.
func modelHasSymmetry(cfg dmamodel.Config) bool {
	m, err := dmamodel.New(cfg)
	return err == nil && len(m.Permutations()) > 1
}

// symmetricChecked is the checked DMA-buf model with the symmetry
// reduction of dmamodel.Symmetric.
type symmetricChecked struct {
	props.Checked
	sym *dmamodel.Symmetric
}

// Canonical returns the representative of s's orbit under the permutations
// of interchangeable devices.
func (c symmetricChecked) Canonical(s dmamodel.State) dmamodel.State { return c.sym.Canonical(s) }

func itoa(n int) string {
	return string(rune('0' + n))
}
