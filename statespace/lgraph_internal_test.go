package statespace

import (
	"slices"
	"testing"
)

// The liveness graph keeps each state's edges in one chunk: a state whose
// edges do not fit in the current chunk starts the next one, and the
// previous state's edges end with their chunk. Every state must get back
// exactly its edges, across chunk boundaries, for states without edges, and
// for a state that fills a chunk to the last slot.
func TestLivenessGraphEdgesAcrossChunks(t *testing.T) {
	degrees := []int{0, 3, edgeChunk - 3, 0, 1, edgeChunk - 1, 0, 0, 2, edgeChunk, 0, 7, 1, 0}
	g := &lgraph[uint8]{}
	g.off.append(0)
	var want [][]ledge
	for i, d := range degrees {
		es := make([]ledge, d)
		for k := range es {
			es[k] = ledge{to: int32(i*31 + k), act: Action(k % 5)}
		}
		if !g.addEdges(es) {
			t.Fatalf("state %d: addEdges(%d edges) refused", i, d)
		}
		want = append(want, es)
		g.n++
	}
	for i := range g.n {
		if got := g.out(i); !slices.Equal(got, want[i]) {
			t.Errorf("state %d (degree %d): got %d edges, want %d", i, degrees[i], len(got), len(want[i]))
		}
	}
	if g.addEdges(make([]ledge, edgeChunk+1)) {
		t.Errorf("a state with more than %d edges was accepted", edgeChunk)
	}
}
