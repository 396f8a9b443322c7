package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// Initial states a world file can declare (issue 18, class 8):
//
//	cpu-cache: {initial: dirty}   # page population left the buffer's lines dirty in the CPU cache
//	locks:
//	  fences:
//	    - {name: stub, published: true, signalled: true}   # a fence that exists already signalled
//
// Each is refused where it would change nothing: the default written out,
// a dirty line of a buffer the CPU does not cache, a signalled fence that
// does not exist yet.

// cpuCacheFields are the fields of the cpu-cache section.
var cpuCacheFields = []string{"initial"}

// cpuCacheSection reads a world file's cpu-cache section into s.CPUStart.
func (f *fileReader) cpuCacheSection(n *yaml.Node, s *world.Spec) {
	m := f.mapping(n, cpuCacheFields)
	v, ok := m["initial"]
	if !ok {
		f.fail(n, "cpu-cache: want initial: dirty (the state page population leaves the buffer's lines in)")
		return
	}
	st := world.CacheStart(f.choice(v, "initial CPU cache state", world.CacheStartNames()))
	switch {
	case f.err != nil:
	case st == world.StartInvalid:
		f.fail(v, "cpu-cache: initial: invalid is the default (write cpu-cache only for lines that start dirty)")
	case s.Backing != world.SystemCached:
		f.fail(v, "cpu-cache: the %s buffer bypasses the CPU cache, so no line of it starts dirty there", s.Backing)
	}
	s.CPUStart = st
}

// writeCPUCacheSection renders s.CPUStart; nil for the default.
func writeCPUCacheSection(s *world.Spec) *yaml.Node {
	if s.CPUStart == world.StartInvalid {
		return nil
	}
	n := mapping()
	n.Style = yaml.FlowStyle
	n.Content = append(n.Content, scalar("initial"), scalar(s.CPUStart.String()))
	return n
}

// lockFenceSignalled reads a lock-family fence's signalled field.
func (f *fileReader) lockFenceSignalled(v *yaml.Node, fc *world.LockFence) {
	fc.Signalled = f.bool(v)
	switch {
	case f.err != nil:
	case !fc.Signalled:
		f.fail(v, "fence %s: signalled: false is the default (write it only for a fence that starts signalled)", fc.Name)
	case !fc.Published:
		f.fail(v, "fence %s: a fence that starts signalled exists from the start: write published: true", fc.Name)
	}
}
