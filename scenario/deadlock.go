package scenario

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// addDeadlockScenarios registers the deadlock patterns of kernel-rules §12.5
// (package model/deadlock) as "deadlock-<name>", with the number of
// importers and of jobs per importer as parameters.
func addDeadlockScenarios(r *Registry) {
	for _, sc := range deadlock.Scenarios() {
		sc := sc
		desc := fmt.Sprintf("kernel-rules §12.5 pattern %d: %s", sc.Pattern, sc.Description)
		if sc.Expect != "" {
			desc += " [expect: " + sc.Expect + " violated]"
		} else {
			desc += " [expect: ok]"
		}
		r.Add(model(&Scenario{
			Name:        "deadlock-" + sc.Name,
			Description: desc,
			Params: []Param{
				{Name: "importers", Kind: Int, Default: fmt.Sprint(deadlock.DefaultParams.Importers), Min: 1, Max: 2, Help: "number of importers"},
				{Name: "jobs", Kind: Int, Default: fmt.Sprint(deadlock.DefaultParams.Jobs), Min: 1, Max: 3, Help: "jobs (or requests) per importer"},
			},
		}, func(v Values) (statespace.Model[deadlock.State], error) {
			return deadlock.New(sc.Build(deadlock.Params{Importers: v.Int("importers"), Jobs: v.Int("jobs")}))
		}))
	}
}
