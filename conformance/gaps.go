package conformance

// knownGaps are disagreements between the kernel and the model that are
// understood and reported, not fixed here (the state machines belong to
// other work): each names the scenario, the call and the field, and says
// what the model misses. The suite fails on any other disagreement, and
// on a gap that no longer shows up (it was fixed: delete the entry).
var knownGaps = []gap{}

type gap struct {
	scn, call string
	nth       int // the nth call of that name in the scenario (0: any)
	field     string
	kernel    string
	model     string
	why       string
}

func (g gap) matches(m Mismatch) bool {
	return m.Scn == g.scn && m.Call == g.call && (g.nth == 0 || m.Nth == g.nth) && m.Field == g.field && m.Kernel == g.kernel && m.Model == g.model
}

func knownGap(m Mismatch) string {
	for _, g := range knownGaps {
		if g.matches(m) {
			return g.why
		}
	}
	return ""
}
