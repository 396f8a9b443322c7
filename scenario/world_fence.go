package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// fenceSection reads a world file's "fence" section into s.Fence: the fence
// family's objects. Not written yet: the family has no file form.
func (f *fileReader) fenceSection(n *yaml.Node, s *world.Spec) {
	f.fail(n, "fence: the fence family cannot be declared in a file yet")
}

// writeFenceSection renders s.Fence as a world file's "fence" section; nil when
// the spec declares none of the family's objects.
func writeFenceSection(s *world.Spec) (*yaml.Node, error) { return nil, nil }
