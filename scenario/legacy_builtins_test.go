package scenario

import (
	"fmt"
	"strconv"
	"strings"

	dmamodel "github.com/dmabufcheck/dmabufcheck/model"
	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/model/deadlock"
	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The built-in scenarios of the earlier models, as the registry had them
// before they became world files: each with its parameters (names,
// defaults, ranges, options) and, for every value of them, the world its
// family's translator makes of the earlier configuration. The generator of
// scenarios/*.yaml merges these worlds into one parameterised file per
// built-in, and the differential tests check that the file, instantiated
// at any values, is the translator's world. It goes with the earlier
// models.

// legacyBuiltin is one earlier built-in scenario.
type legacyBuiltin struct {
	family, name, description string
	params                    []Param
	// symmetric: the earlier built-in had a symmetry parameter (true by
	// default) for its exact reduction over interchangeable devices or
	// importers.
	symmetric bool
	// world is the translator's world for the parameter values v (the
	// symmetry parameter, when there is one, is not among them: world
	// always declares the earlier model's symmetry it can).
	world func(v Values) (world.Spec, error)
}

// legacyBuiltins are every earlier built-in scenario, in family order.
func legacyBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, f := range []func() ([]legacyBuiltin, error){cacheBuiltins, fenceBuiltins, deadlockBuiltins, crossVMBuiltins, p2pBuiltins} {
		bs, err := f()
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

// allParams are the parameters the earlier built-in showed, symmetry
// included.
func (b legacyBuiltin) allParams() []Param {
	ps := append([]Param(nil), b.params...)
	if b.symmetric {
		ps = append(ps, Param{Name: "symmetry", Kind: Bool, Default: "true"})
	}
	return ps
}

var legacyArch = map[string]dmamodel.Arch{"arm64": dmamodel.ARM64, "arm32": dmamodel.ARM32, "x86": dmamodel.X86}

// cacheBuiltins are the DMA-buf cache model's built-ins: arch, lines and
// writes, and symmetry where the devices are interchangeable.
func cacheBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, sc := range dmamodel.Scenarios() {
		sc := sc
		m, err := dmamodel.New(sc.Config)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", sc.Name, err)
		}
		out = append(out, legacyBuiltin{
			family: "cache", name: sc.Name, description: sc.Description,
			params: []Param{
				{Name: "arch", Kind: Choice, Default: sc.Config.Arch.String(), Options: []string{"arm64", "arm32", "x86"}, Help: "what the DMA API's syncs do"},
				{Name: "lines", Kind: Int, Default: strconv.Itoa(sc.Config.Lines), Min: 1, Max: dmamodel.MaxLines, Help: "cache lines of the buffer"},
				{Name: "writes", Kind: Int, Default: strconv.Itoa(sc.Config.Writes), Min: 1, Max: dmamodel.MaxVersion, Help: "bound on the number of writes"},
			},
			symmetric: len(m.Permutations()) > 1,
			world: func(v Values) (world.Spec, error) {
				cfg := sc.Config
				cfg.Arch = legacyArch[v.Choice("arch")]
				cfg.Lines = v.Int("lines")
				cfg.Writes = v.Int("writes")
				return world.FromCacheConfig(sc.Name, cfg)
			},
		})
	}
	return out, nil
}

var legacyFenceRules = map[string]fence.ReplaceRule{
	fence.Rule612.String(): fence.Rule612, fence.RuleStrictLater.String(): fence.RuleStrictLater, fence.RulePre2022.String(): fence.RulePre2022,
}

var legacyFenceAccess = map[string]fence.Access{
	fence.JobsWrite.String(): fence.JobsWrite, fence.JobsRead.String(): fence.JobsRead, fence.JobsReadWrite.String(): fence.JobsReadWrite,
}

var legacyFenceCompares = map[string]fence.Compare{fence.Wrap32.String(): fence.Wrap32, fence.Naive.String(): fence.Naive}

// fenceBuiltins are the fence model's built-ins ("fence-<name>"): rule and
// compare, and symmetry and access where the importers are
// interchangeable.
func fenceBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, sc := range fence.Scenarios() {
		sc := sc
		params := []Param{
			{Name: "rule", Kind: Choice, Default: sc.Config.Rule.String(),
				Options: []string{fence.Rule612.String(), fence.RuleStrictLater.String(), fence.RulePre2022.String()},
				Help:    "dma_resv_add_fence's replacement rule (6.12; a3f7c10a269d before 95ba893c9f4f; before a3f7c10a269d)"},
			{Name: "compare", Kind: Choice, Default: sc.Config.Compare.String(),
				Options: []string{fence.Wrap32.String(), fence.Naive.String()},
				Help:    "__dma_fence_is_later: (int)(a-b) > 0, or the naive a > b"},
		}
		m, err := fence.New(sc.Config)
		if err != nil {
			return nil, fmt.Errorf("fence-%s: %v", sc.Name, err)
		}
		symmetric := len(m.Permutations()) > 1
		if symmetric {
			params = append(params, Param{Name: "access", Kind: Choice, Default: sc.Config.Importers[0].Access.String(),
				Options: []string{fence.JobsWrite.String(), fence.JobsRead.String(), fence.JobsReadWrite.String()},
				Help:    "what the interchangeable importers' jobs do: write, read, or either (both submit actions)"})
		}
		// The world checks it unreduced (unexpressed): the description
		// does not say otherwise.
		desc := strings.TrimSuffix(sc.Description, "; checked modulo permutations of the GPUs (symmetry=true)")
		out = append(out, legacyBuiltin{
			family: "fence", name: "fence-" + sc.Name, description: desc,
			params: params, symmetric: symmetric,
			world: func(v Values) (world.Spec, error) {
				cfg := sc.Config
				cfg.Importers = append([]fence.Importer(nil), cfg.Importers...)
				cfg.Rule = legacyFenceRules[v.Choice("rule")]
				cfg.Compare = legacyFenceCompares[v.Choice("compare")]
				if symmetric {
					for i := range cfg.Importers {
						cfg.Importers[i].Access = legacyFenceAccess[v.Choice("access")]
					}
				}
				return world.FromFenceConfig("fence-"+sc.Name, cfg)
			},
		})
	}
	return out, nil
}

// deadlockBuiltins are the deadlock patterns ("deadlock-<name>"), with the
// number of importers and of jobs per importer.
func deadlockBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, sc := range deadlock.Scenarios() {
		sc := sc
		out = append(out, legacyBuiltin{
			family: "deadlock", name: "deadlock-" + sc.Name,
			description: fmt.Sprintf("kernel-rules §12.5 pattern %d: %s", sc.Pattern, sc.Description),
			params: []Param{
				{Name: "importers", Kind: Int, Default: strconv.Itoa(deadlock.DefaultParams.Importers), Min: 1, Max: 2, Help: "number of importers"},
				{Name: "jobs", Kind: Int, Default: strconv.Itoa(deadlock.DefaultParams.Jobs), Min: 1, Max: 3, Help: "jobs (or requests) per importer"},
			},
			world: func(v Values) (world.Spec, error) {
				return world.FromDeadlockConfig("deadlock-"+sc.Name, sc.Build(deadlock.Params{Importers: v.Int("importers"), Jobs: v.Int("jobs")}))
			},
		})
	}
	return out, nil
}

// crossVMBuiltins are the cross-VM built-ins ("crossvm-<name>"), with the
// number of frames.
func crossVMBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, sc := range crossvm.Scenarios() {
		sc := sc
		out = append(out, legacyBuiltin{
			family: "crossvm", name: "crossvm-" + sc.Name, description: sc.Description,
			params: []Param{
				{Name: "frames", Kind: Int, Default: strconv.Itoa(sc.Config.Frames), Min: 1, Max: crossvm.MaxFrames,
					Help: "frames the exporting VM's producer writes"},
			},
			world: func(v Values) (world.Spec, error) {
				cfg := sc.Config
				cfg.Frames = v.Int("frames")
				return world.FromCrossVMConfig("crossvm-"+sc.Name, cfg)
			},
		})
	}
	return out, nil
}

// p2pBuiltins are the peer-to-peer built-ins ("p2p-<name>"), with the
// number of cache lines.
func p2pBuiltins() ([]legacyBuiltin, error) {
	var out []legacyBuiltin
	for _, sc := range p2p.Scenarios() {
		sc := sc
		out = append(out, legacyBuiltin{
			family: "p2p", name: "p2p-" + sc.Name, description: sc.Description,
			params: []Param{
				{Name: "lines", Kind: Int, Default: strconv.Itoa(sc.Config.Lines), Min: 1, Max: p2p.MaxLines,
					Help: "cache lines of the buffer (one CPU cache line per BAR line)"},
			},
			world: func(v Values) (world.Spec, error) {
				cfg := sc.Config
				cfg.Importers = append([]p2p.Importer(nil), cfg.Importers...)
				cfg.Lines = v.Int("lines")
				return world.FromP2PConfig("p2p-"+sc.Name, cfg)
			},
		})
	}
	return out, nil
}
