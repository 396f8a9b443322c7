package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// The fence section of a world file declares the fence family's objects:
//
//	fence:
//	  rings:                  # the importers' scheduler rings, one fence context each
//	    - name: gpu0
//	      jobs: 2             # jobs submitted over the run (0..2), required
//	      seqno-base: 0xffffffff   # the first fence's 32-bit seqno (default 1)
//	  sw-sync-points: 2       # points of the sw_sync timeline (0..2)
//	  copy-engine: true       # the exporter's move copies with a fenced engine
//	  exports: 1              # DMA_BUF_IOCTL_EXPORT_SYNC_FILE calls allowed (0..3)
//	  imports: 1              # DMA_BUF_IOCTL_IMPORT_SYNC_FILE calls allowed (0..3)
//	  rule: 6.12              # dma_resv_add_fence's replacement rule: 6.12, strict-later, pre-2022
//	  compare: wrap32         # __dma_fence_is_later's comparison: wrap32 or naive
//	  layout: usage           # the dma_resv's layout: usage (5.19+) or exclusive-shared (before 7bc80a5462c3)

// fenceFields are the keys of the fence section, ringFields a ring's.
var (
	fenceFields     = []string{"rings", "sw-sync-points", "copy-engine", "exports", "imports", "rule", "compare", "layout"}
	ringFields      = []string{"name", "jobs", "seqno-base"}
	worldFenceRules = []string{world.Rule612.String(), world.RuleStrictLater.String(), world.RulePre2022.String()}
	worldFenceCmps  = []string{world.Wrap32.String(), world.NaiveCompare.String()}
)

// defaultSeqnoBase is a ring's first seqno when the file does not say.
const defaultSeqnoBase = 1

// fenceSection reads a world file's "fence" section into s.Fence: the fence
// family's objects.
func (f *fileReader) fenceSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, fenceFields)
	fs := &s.Fence
	if v, ok := m["rings"]; ok {
		if v.Kind != yaml.SequenceNode || len(v.Content) == 0 || len(v.Content) > world.MaxRings {
			f.fail(v, "rings: want a list of 1 to %d rings, each with a name", world.MaxRings)
		} else {
			for _, rn := range v.Content {
				fs.Rings = append(fs.Rings, f.ring(rn, fs.Rings))
			}
		}
	}
	if v, ok := m["sw-sync-points"]; ok {
		fs.Points = f.int(v, 0, world.MaxPoints)
	}
	if v, ok := m["copy-engine"]; ok {
		fs.CopyEngine = f.bool(v)
	}
	if v, ok := m["exports"]; ok {
		fs.Exports = f.int(v, 0, world.MaxSyncFileOps)
	}
	if v, ok := m["imports"]; ok {
		fs.Imports = f.int(v, 0, world.MaxSyncFileOps)
	}
	if v, ok := m["rule"]; ok {
		fs.Rule = world.ReplaceRule(f.choice(v, "replacement rule", worldFenceRules))
	}
	if v, ok := m["compare"]; ok {
		fs.Compare = world.SeqnoCompare(f.choice(v, "seqno comparison", worldFenceCmps))
	}
	if v, ok := m["layout"]; ok {
		fs.Layout = world.ResvLayout(f.choice(v, "dma_resv layout", world.ResvLayoutNames()))
	}
	if f.err == nil && fs.CopyEngine && slices.ContainsFunc(fs.Rings, func(r world.Ring) bool { return r.Name == "copy" }) {
		f.fail(m["rings"], "rings: a ring cannot be named copy when the exporter has a copy engine (dma_fence_signal(copy) is the copy's)")
	}
	if f.err == nil && len(fs.Rings) == 0 && fs.Points == 0 && !fs.CopyEngine && fs.Exports == 0 && fs.Imports == 0 {
		f.fail(n, "fence: the section declares no object (rings, sw-sync-points, copy-engine, exports or imports)")
	}
}

// ring reads one ring: its name, its jobs and its first seqno.
func (f *fileReader) ring(n *yaml.Node, before []world.Ring) world.Ring {
	m := f.mapping(n, ringFields)
	r := world.Ring{SeqnoBase: defaultSeqnoBase}
	name, ok := m["name"]
	if !ok {
		f.fail(n, "a ring needs a name")
		return r
	}
	r.Name = f.str(name)
	switch {
	case !isName(r.Name):
		f.fail(name, "ring name %q: want letters, digits, '_', '-' or '.'", r.Name)
	case slices.ContainsFunc(before, func(o world.Ring) bool { return o.Name == r.Name }):
		f.fail(name, "ring %q is declared twice", r.Name)
	}
	if v, ok := m["jobs"]; ok {
		r.Jobs = f.int(v, 0, world.MaxRingJobs)
	} else {
		f.fail(n, "ring %s needs jobs: the number of jobs it submits over the run (0..%d)", r.Name, world.MaxRingJobs)
	}
	if v, ok := m["seqno-base"]; ok {
		b, err := strconv.ParseUint(f.scalar(v), 0, 32)
		if err != nil {
			f.fail(v, "seqno-base: want a 32-bit seqno (e.g. 1 or 0xffffffff), not %q", v.Value)
		}
		r.SeqnoBase = uint32(b)
	}
	return r
}

// isName reports whether a ring's name can be written in calls and
// expressions (a word of the expression language, without '#').
func isName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// writeFenceSection renders s.Fence as a world file's "fence" section; nil when
// the spec declares none of the family's objects.
func writeFenceSection(s *world.Spec) (*yaml.Node, error) {
	fs := &s.Fence
	if len(fs.Rings) == 0 && fs.Points == 0 && !fs.CopyEngine && fs.Exports == 0 && fs.Imports == 0 {
		if fs.Rule != world.Rule612 || fs.Compare != world.Wrap32 || fs.Layout != world.LayoutUsage {
			return nil, fmt.Errorf("fence: a rule, comparison or layout without any fence object")
		}
		return nil, nil
	}
	n := mapping()
	add := func(k string, v *yaml.Node) { n.Content = append(n.Content, scalar(k), v) }
	if len(fs.Rings) > 0 {
		rings := sequence()
		for _, r := range fs.Rings {
			if !isName(r.Name) {
				return nil, fmt.Errorf("fence: ring name %q cannot be written", r.Name)
			}
			rn := mapping()
			rn.Style = yaml.FlowStyle
			rn.Content = append(rn.Content, scalar("name"), scalar(r.Name), scalar("jobs"), scalar(strconv.Itoa(r.Jobs)))
			if r.SeqnoBase != defaultSeqnoBase {
				rn.Content = append(rn.Content, scalar("seqno-base"), scalar(seqnoText(r.SeqnoBase)))
			}
			rings.Content = append(rings.Content, rn)
		}
		add("rings", rings)
	}
	if fs.Points > 0 {
		add("sw-sync-points", scalar(strconv.Itoa(fs.Points)))
	}
	if fs.CopyEngine {
		add("copy-engine", scalar("true"))
	}
	if fs.Exports > 0 {
		add("exports", scalar(strconv.Itoa(fs.Exports)))
	}
	if fs.Imports > 0 {
		add("imports", scalar(strconv.Itoa(fs.Imports)))
	}
	if fs.Rule != world.Rule612 {
		add("rule", scalar(fs.Rule.String()))
	}
	if fs.Compare != world.Wrap32 {
		add("compare", scalar(fs.Compare.String()))
	}
	if fs.Layout != world.LayoutUsage {
		add("layout", scalar(fs.Layout.String()))
	}
	return n, nil
}

// seqnoText writes a seqno in decimal when small, in hex near the wrap.
func seqnoText(b uint32) string {
	if b >= 1<<16 {
		return "0x" + strings.ToLower(strconv.FormatUint(uint64(b), 16))
	}
	return strconv.Itoa(int(b))
}
