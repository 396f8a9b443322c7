package world

import "testing"

// Every violation flag of the ghost word is its own bit: a world that uses
// several families (life, lock with a lost suspended BAR, rcu readers)
// must not read one family's violation as another's.
func TestViolationFlagsAreDistinctBits(t *testing.T) {
	flags := []struct {
		name string
		bit  uint16
	}{
		{"stale-read", FlagStaleRead},
		{"freed-object", FlagFreedObject},
		{"suspended-bar", FlagSuspendedBAR},
		{"rcu-wrong-fence", FlagRcuWrongFence},
	}
	for f := range numFlags {
		flags = append(flags, struct {
			name string
			bit  uint16
		}{flagNames[f], 1 << f})
	}
	seen := map[uint16]string{}
	for _, f := range flags {
		if f.bit == 0 || f.bit&(f.bit-1) != 0 {
			t.Errorf("%s: %#x is not one bit", f.name, f.bit)
		}
		if other, ok := seen[f.bit]; ok && other != f.name {
			t.Errorf("%s and %s share the bit %#x", f.name, other, f.bit)
		}
		seen[f.bit] = f.name
	}
}
