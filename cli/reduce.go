package cli

import (
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// applyReduce makes --reduce and the scenario's symmetry parameter agree.
// --reduce=symmetry|all turns the exact symmetry on, none|por off, where
// the scenario has the parameter; a --set symmetry= that says otherwise
// is a contradiction (exit 2). Without --reduce the parameter decides
// (the scenario's default when not set) and partial-order reduction is on.
func (a *App) applyReduce(name string, l *loadedScenario, f *runFlags) (*loadedScenario, error) {
	hasSym := slices.ContainsFunc(l.sc.Params, func(p scenario.Param) bool { return p.Name == "symmetry" })
	explicit := f.setFlags["reduce"]
	wantSym := f.reduce == "symmetry" || f.reduce == "all"
	setSym := slices.ContainsFunc(f.set, func(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "symmetry=") })
	switch {
	case !hasSym:
		return l, nil
	case setSym && explicit && l.vals.Bool("symmetry") != wantSym:
		return nil, Usagef("--reduce=%s and --set symmetry=%v contradict each other", f.reduce, l.vals.Bool("symmetry"))
	case setSym || !explicit:
		// The parameter decides; --reduce says what ran.
		switch sym := l.vals.Bool("symmetry"); {
		case sym && f.reduce == "por":
			f.reduce = "all"
		case !sym && f.reduce == "all":
			f.reduce = "por"
		case !sym && f.reduce == "symmetry":
			f.reduce = "none"
		}
		return l, nil
	case l.vals.Bool("symmetry") == wantSym:
		return l, nil
	}
	set := append(slices.Clone(f.set), "symmetry="+map[bool]string{true: "true", false: "false"}[wantSym])
	return a.loadScenario(name, set)
}
