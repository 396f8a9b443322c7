package scenario

import (
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

var fenceRules = map[string]fence.ReplaceRule{
	fence.Rule612.String(): fence.Rule612, fence.RuleStrictLater.String(): fence.RuleStrictLater, fence.RulePre2022.String(): fence.RulePre2022,
}

var fenceAccess = map[string]fence.Access{
	fence.JobsWrite.String(): fence.JobsWrite, fence.JobsRead.String(): fence.JobsRead, fence.JobsReadWrite.String(): fence.JobsReadWrite,
}

var fenceCompares = map[string]fence.Compare{fence.Wrap32.String(): fence.Wrap32, fence.Naive.String(): fence.Naive}

// addFenceScenarios registers the fence and dma_resv scenarios (package
// model/fence) as "fence-<name>", with dma_resv_add_fence's replacement
// rule and the seqno comparison as parameters.
func addFenceScenarios(r *Registry) {
	for _, sc := range fence.Scenarios() {
		sc := sc
		desc := sc.Description
		if sc.Expect != "" {
			desc += " [expect: " + sc.Expect + " violated]"
		} else {
			desc += " [expect: ok]"
		}
		params := []Param{
			{Name: "rule", Kind: Choice, Default: sc.Config.Rule.String(),
				Options: []string{fence.Rule612.String(), fence.RuleStrictLater.String(), fence.RulePre2022.String()},
				Help:    "dma_resv_add_fence's replacement rule (6.12; a3f7c10a269d before 95ba893c9f4f; before a3f7c10a269d)"},
			{Name: "compare", Kind: Choice, Default: sc.Config.Compare.String(),
				Options: []string{fence.Wrap32.String(), fence.Naive.String()},
				Help:    "__dma_fence_is_later: (int)(a-b) > 0, or the naive a > b"},
		}
		symmetric := fenceHasSymmetry(sc.Config)
		if symmetric {
			params = append(params, Param{Name: "symmetry", Kind: Bool, Default: "true",
				Help: "exact symmetry reduction over the interchangeable importers (identical but for the name)"},
				Param{Name: "access", Kind: Choice, Default: sc.Config.Importers[0].Access.String(),
					Options: []string{fence.JobsWrite.String(), fence.JobsRead.String(), fence.JobsReadWrite.String()},
					Help:    "what the interchangeable importers' jobs do: write, read, or either (both submit actions)"})
		}
		r.Add(model(&Scenario{
			Name:        "fence-" + sc.Name,
			Description: desc,
			Params:      params,
		}, func(v Values) (statespace.Model[fence.State], error) {
			cfg := sc.Config
			cfg.Importers = append([]fence.Importer(nil), cfg.Importers...)
			cfg.Rule = fenceRules[v.Choice("rule")]
			cfg.Compare = fenceCompares[v.Choice("compare")]
			if symmetric {
				for i := range cfg.Importers {
					cfg.Importers[i].Access = fenceAccess[v.Choice("access")]
				}
			}
			if symmetric && v.Bool("symmetry") {
				return fence.NewSymmetric(cfg)
			}
			return fence.New(cfg)
		}))
	}
}

// fenceHasSymmetry reports whether cfg has interchangeable importers: the
// scenario then takes a symmetry parameter, on by default.
func fenceHasSymmetry(cfg fence.Config) bool {
	m, err := fence.New(cfg)
	return err == nil && len(m.Permutations()) > 1
}
