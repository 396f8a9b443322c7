package world

import "testing"

// The cache family's calls of the CPU bracket come first in its table:
// cacheApply tells them apart by kind <= KEndCPU.
func TestTheBracketsCacheKindsComeFirst(t *testing.T) {
	for k := CallKind(0); k < numCacheCalls; k++ {
		if isBracket(k) != (k <= KEndCPU) {
			t.Errorf("%s: isBracket %v, but kind %d <= KEndCPU is %v", cacheCallDefs[k].name, isBracket(k), k, k <= KEndCPU)
		}
	}
}
