package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// lockSection reads a world file's "locks" section into s.Locks: the lock
// family's objects. Not written yet: the family has no file form.
func (f *fileReader) lockSection(n *yaml.Node, s *world.Spec) {
	f.fail(n, "locks: the lock family cannot be declared in a file yet")
}

// writeLocksSection renders s.Locks as a world file's "locks" section; nil when
// the spec declares none of the family's objects.
func writeLocksSection(s *world.Spec) (*yaml.Node, error) { return nil, nil }
