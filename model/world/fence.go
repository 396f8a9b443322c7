package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The fence family: not migrated yet (docs/world.md). Its hooks are the
// seams the world calls; each says "nothing here" until the family's calls
// are defined.

// FenceSpec declares the fence family's objects.
type FenceSpec struct{}

func (s *FenceSpec) validate(*Spec) error { return nil }

var fenceCallDefs = []callDef{}

func (c *core) fenceCallName(call Call, step int) string {
	return fmt.Sprintf("fence#%d", call.Kind&0xff)
}
func (c *core) fenceCheckCall(call Call) error {
	return fmt.Errorf("fence call %d: the fence family has no calls yet", call.Kind&0xff)
}
func (v View) fenceEnabled(ag int, c Call, step int) bool { return false }
func (v View) fenceApply(ag int, c Call, step int)        {}

// fenceLayout places the family's fields.
func fenceLayout(c *core, l *layout, take func(n int) int) {}

// fenceDescribe renders the family's objects for traces.
func (c *core) fenceDescribe(v View, add func(name, value string)) {}

// fenceProps are the family's properties.
func (c *core) fenceProps() []propDef { return nil }

// fenceEnd reports whether the family considers a state without enabled
// actions a proper end (true when the world does not use the family).
func (c *core) fenceEnd(v View) bool { return true }

// fenceWaits are the family's wait-for edges in a stuck state.
func (c *core) fenceWaits(v View) []statespace.WaitEdge { return nil }

// fenceFairness are the family's weak-fairness groups over the action
// table.
func (c *core) fenceFairness() []statespace.Fairness { return nil }
