package statespace

import "testing"

type idsChain struct{}

func (idsChain) Init() []uint32                         { return []uint32{0} }
func (idsChain) ActionNames() []string                  { return []string{"a", "b"} }
func (idsChain) Actions(_ *uint32, b []Action) []Action { return append(b, 0, 1) }
func (idsChain) Step(s *uint32, a Action) uint32        { return (2**s + 1 + uint32(a)) % 50000 }
func (idsChain) Properties() []Property[uint32]         { return nil }

// A shard never hands out a local id beyond its limit, even in the middle
// of a round: the state that would need one is refused and the run ends as
// incomplete ("state id space exhausted"), with every shard within its
// limit (here lowered from maxLocalID to a few states so that a small model
// reaches it).
func TestStateIDsAreCheckedWhereTheyAreHandedOut(t *testing.T) {
	const limit = 5
	for _, w := range []int{1, 2, 4} {
		c, err := newChecker[uint32](idsChain{}, Options{Workers: w, NoDeadlock: true})
		if err != nil {
			t.Fatal(err)
		}
		for k := range c.shards {
			c.shards[k].idLimit = limit
		}
		r, err := c.check()
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != StatusIncomplete || r.Incomplete != "state id space exhausted" {
			t.Errorf("workers %d: %s %q; want incomplete, state id space exhausted", w, r.Status, r.Incomplete)
		}
		for k := range c.shards {
			if n := c.shards[k].count; n > limit {
				t.Errorf("workers %d: shard %d holds %d states, beyond its limit of %d ids", w, k, n, limit)
			}
		}
	}
}
