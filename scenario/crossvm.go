package scenario

import (
	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// addCrossVMScenarios registers the cross-VM sharing scenarios (package
// model/crossvm: hyper_dmabuf, xen-zcopy and the exporter-only design) as
// "crossvm-<name>", with the number of frames the producer writes as a
// parameter.
func addCrossVMScenarios(r *Registry) {
	for _, sc := range crossvm.Scenarios() {
		sc := sc
		desc := sc.Description
		if sc.Expect != "" {
			desc += " [expect: " + sc.Expect + " violated]"
		} else {
			desc += " [expect: ok]"
		}
		r.Add(model(&Scenario{
			Name:        "crossvm-" + sc.Name,
			Description: desc,
			Params: []Param{
				{Name: "frames", Kind: Int, Default: itoa(sc.Config.Frames), Min: 1, Max: crossvm.MaxFrames,
					Help: "frames the exporting VM's producer writes"},
			},
		}, func(v Values) (statespace.Model[crossvm.State], error) {
			cfg := sc.Config
			cfg.Frames = v.Int("frames")
			return crossvm.New(cfg)
		}))
	}
}
