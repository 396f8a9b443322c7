package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The vm family: not migrated yet (docs/world.md). Its hooks are the
// seams the world calls; each says "nothing here" until the family's calls
// are defined.

// VMSpec declares the vm family's objects.
type VMSpec struct{}

func (s *VMSpec) validate(*Spec) error { return nil }

var vmCallDefs = []callDef{}

func (c *core) vmCallName(call Call, step int) string { return fmt.Sprintf("vm#%d", call.Kind&0xff) }
func (c *core) vmCheckCall(call Call) error {
	return fmt.Errorf("vm call %d: the vm family has no calls yet", call.Kind&0xff)
}
func (v View) vmEnabled(ag int, c Call, step int) bool { return false }
func (v View) vmApply(ag int, c Call, step int)        {}

// vmLayout places the family's fields.
func vmLayout(c *core, l *layout, take func(n int) int) {}

// vmDescribe renders the family's objects for traces.
func (c *core) vmDescribe(v View, add func(name, value string)) {}

// vmProps are the family's properties.
func (c *core) vmProps() []propDef { return nil }

// vmEnd reports whether the family considers a state without enabled
// actions a proper end (true when the world does not use the family).
func (c *core) vmEnd(v View) bool { return true }

// vmWaits are the family's wait-for edges in a stuck state.
func (c *core) vmWaits(v View) []statespace.WaitEdge { return nil }

// vmFairness are the family's weak-fairness groups over the action
// table.
func (c *core) vmFairness() []statespace.Fairness { return nil }
