package world

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// The lock family: not migrated yet (docs/world.md). Its hooks are the
// seams the world calls; each says "nothing here" until the family's calls
// are defined.

// LockSpec declares the lock family's objects.
type LockSpec struct{}

func (s *LockSpec) validate(*Spec) error { return nil }

var lockCallDefs = []callDef{}

func (c *core) lockCallName(call Call, step int) string {
	return fmt.Sprintf("lock#%d", call.Kind&0xff)
}
func (c *core) lockCheckCall(call Call) error {
	return fmt.Errorf("lock call %d: the lock family has no calls yet", call.Kind&0xff)
}
func (v View) lockEnabled(ag int, c Call, step int) bool { return false }
func (v View) lockApply(ag int, c Call, step int)        {}

// lockLayout places the family's fields.
func lockLayout(c *core, l *layout, take func(n int) int) {}

// lockDescribe renders the family's objects for traces.
func (c *core) lockDescribe(v View, add func(name, value string)) {}

// lockProps are the family's properties.
func (c *core) lockProps() []propDef { return nil }

// lockEnd reports whether the family considers a state without enabled
// actions a proper end (true when the world does not use the family).
func (c *core) lockEnd(v View) bool { return true }

// lockWaits are the family's wait-for edges in a stuck state.
func (c *core) lockWaits(v View) []statespace.WaitEdge { return nil }

// lockFairness are the family's weak-fairness groups over the action
// table.
func (c *core) lockFairness() []statespace.Fairness { return nil }
