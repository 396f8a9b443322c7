package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The p2p family: not migrated yet (docs/world.md). Its hooks are the
// seams the world calls; each says "nothing here" until the family's calls
// are defined.

// P2PSpec declares the p2p family's objects.
type P2PSpec struct{}

func (s *P2PSpec) validate(*Spec) error { return nil }

var p2pCallDefs = []callDef{}

func (c *core) p2pCallName(call Call, step int) string { return fmt.Sprintf("p2p#%d", call.Kind&0xff) }
func (c *core) p2pCheckCall(call Call) error {
	return fmt.Errorf("p2p call %d: the p2p family has no calls yet", call.Kind&0xff)
}
func (v View) p2pEnabled(ag int, c Call, step int) bool { return false }
func (v View) p2pApply(ag int, c Call, step int)        {}

// p2pLayout places the family's fields.
func p2pLayout(c *core, l *layout, take func(n int) int) {}

// p2pDescribe renders the family's objects for traces.
func (c *core) p2pDescribe(v View, add func(name, value string)) {}

// p2pProps are the family's properties.
func (c *core) p2pProps() []propDef { return nil }

// p2pEnd reports whether the family considers a state without enabled
// actions a proper end (true when the world does not use the family).
func (c *core) p2pEnd(v View) bool { return true }

// p2pWaits are the family's wait-for edges in a stuck state.
func (c *core) p2pWaits(v View) []statespace.WaitEdge { return nil }

// p2pFairness are the family's weak-fairness groups over the action
// table.
func (c *core) p2pFairness() []statespace.Fairness { return nil }
