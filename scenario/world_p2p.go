package scenario

import (
	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// p2pSection reads a world file's "p2p" section into s.P2P: the p2p
// family's objects. Not written yet: the family has no file form.
func (f *fileReader) p2pSection(n *yaml.Node, s *world.Spec) {
	f.fail(n, "p2p: the p2p family cannot be declared in a file yet")
}

// writeP2PSection renders s.P2P as a world file's "p2p" section; nil when
// the spec declares none of the family's objects.
func writeP2PSection(s *world.Spec) (*yaml.Node, error) { return nil, nil }
