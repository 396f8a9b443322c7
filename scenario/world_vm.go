package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// vmSection reads a world file's "vm" section into s.VM: the vm
// family's objects. Not written yet: the family has no file form.
func (f *fileReader) vmSection(n *yaml.Node, s *world.Spec) {
	f.fail(n, "vm: the vm family cannot be declared in a file yet")
}

// writeVMSection renders s.VM as a world file's "vm" section; nil when
// the spec declares none of the family's objects.
func writeVMSection(s *world.Spec) (*yaml.Node, error) { return nil, nil }
