package statespace_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/refmodels/dmabufbench"
	"github.com/dmabufcheck/dmabufcheck/refmodels/german"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func swarmSummary(t *testing.T, r *statespace.Result) string {
	t.Helper()
	sw := r.Stats.Swarm
	if sw == nil || r.Stats.Mode != statespace.ModeSwarm {
		t.Fatalf("a swarm result without swarm statistics: mode %q", r.Stats.Mode)
	}
	return summary(r) + fmt.Sprintf("walks %d steps %d walk length %d shortened %v\n", sw.Walks, sw.Steps, sw.WalkLength, sw.Shortened)
}

// mustSwarm runs a swarm member with 1 and 3 workers and fails unless both
// give the same result.
func mustSwarm[S comparable](t *testing.T, m statespace.Model[S], so statespace.SwarmOptions) *statespace.Result {
	t.Helper()
	var first *statespace.Result
	for _, w := range []int{1, 3} {
		so.Workers = w
		r, err := statespace.Swarm(m, so)
		if err != nil {
			t.Fatalf("shard %d/%d, workers %d: %v", so.Shard, so.Shards, w, err)
		}
		if first == nil {
			first = r
		} else if a, b := swarmSummary(t, r), swarmSummary(t, first); a != b {
			t.Errorf("shard %d/%d: workers 3 gave\n%s\nworkers 1 gave\n%s", so.Shard, so.Shards, a, b)
		}
	}
	return first
}

// Some shard of a swarm of 4 finds the stale read of the bad DMA-buf
// benchmark; its trace replays, and the shortening search brings it down to
// the shortest counterexample (5 steps). Without shortening the trace is
// the walk's, loops cut out, and it replays too.
func TestSwarmFindsKnownBug(t *testing.T) {
	bad, err := dmabufbench.New(3, true)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i := 1; i <= 4; i++ {
		r := mustSwarm(t, bad, statespace.SwarmOptions{Shard: i, Shards: 4, Seed: 7, Walks: 2000, Depth: 100})
		switch r.Status {
		case statespace.StatusViolation:
			found++
			v := r.Violation
			if v.Property != "NoStaleRead" || v.Length() != 5 || !r.Stats.Swarm.Shortened || r.Stats.Swarm.WalkLength < 5 {
				t.Errorf("shard %d/4: %s in %d steps (walk of %d, shortened %v); want NoStaleRead in 5", i, v.Property, v.Length(), r.Stats.Swarm.WalkLength, r.Stats.Swarm.Shortened)
			}
			if _, err := statespace.Replay[dmabufbench.State](bad, v.Trace.InitIndex, replaySteps(v.Trace), v.Property, -1); err != nil {
				t.Errorf("shard %d/4: the trace does not replay: %v", i, err)
			}
		case statespace.StatusIncomplete:
			if !strings.Contains(r.Incomplete, "swarm shard") {
				t.Errorf("shard %d/4: incomplete %q", i, r.Incomplete)
			}
		default:
			t.Errorf("shard %d/4: status %s", i, r.Status)
		}
	}
	if found == 0 {
		t.Errorf("no shard of 4 found the stale read")
	}

	r := mustSwarm(t, bad, statespace.SwarmOptions{Shard: 1, Shards: 1, Walks: 5000, Depth: 200, ShortenStates: 1})
	if r.Status != statespace.StatusViolation || r.Stats.Swarm.Shortened {
		t.Fatalf("unshortened: %s, shortened %v", r.Status, r.Stats.Swarm != nil && r.Stats.Swarm.Shortened)
	}
	v := r.Violation
	if v.Length() != r.Stats.Swarm.WalkLength || v.Length() < 5 {
		t.Errorf("unshortened trace of %d steps, walk of %d", v.Length(), r.Stats.Swarm.WalkLength)
	}
	if _, err := statespace.Replay[dmabufbench.State](bad, v.Trace.InitIndex, replaySteps(v.Trace), v.Property, -1); err != nil {
		t.Errorf("the walk's trace does not replay: %v", err)
	}
	seen := map[uint64]bool{}
	for _, s := range v.Trace.Steps {
		if seen[s.Fingerprint] {
			t.Errorf("the walk's trace visits %016x twice: loops were not cut", s.Fingerprint)
		}
		seen[s.Fingerprint] = true
	}

	// A deadlock is a violation too, with its wait-free trace replayed.
	r = mustSwarm(t, locks{opposite: true}, statespace.SwarmOptions{Shard: 2, Shards: 2, Walks: 40, Depth: 20})
	if r.Violation == nil || r.Violation.Kind != statespace.KindDeadlock || r.Violation.Length() != 2 {
		t.Errorf("locks: violation %+v, want the 2-step deadlock", r.Violation)
	}
}

// A swarm that finds nothing is incomplete, never ok, whatever the model;
// it ran all its walks, and the members of a swarm do different walks.
func TestSwarmWithoutViolationIsIncomplete(t *testing.T) {
	g, err := german.New(3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		r := mustSwarm(t, g, statespace.SwarmOptions{Shard: i, Shards: 3, Walks: 30, Depth: 100})
		if r.Status != statespace.StatusIncomplete || r.Stats.Swarm.Walks != 30 || r.Stats.Transitions == 0 {
			t.Errorf("german, shard %d/3: %s (%q), %d walks, %d steps", i, r.Status, r.Incomplete, r.Stats.Swarm.Walks, r.Stats.Transitions)
		}
		for _, p := range r.Properties {
			if p.Verdict == "holds" {
				t.Errorf("german, shard %d/3: %s holds after a swarm", i, p.Name)
			}
		}
	}
	// German walks never deadlock: each takes Depth steps. Compare the
	// actions taken instead, through a cover property.
	c := cube{bits: 20, props: []statespace.Property[cubeState]{
		sometimes("bit 0 first", func(s *cubeState) bool { return s.V == 1 }),
	}}
	traces := map[string]bool{}
	for i := 1; i <= 4; i++ {
		r := mustSwarm(t, c, statespace.SwarmOptions{Shard: i, Shards: 4, Walks: 3, Depth: 20})
		if r.Status != statespace.StatusIncomplete {
			t.Errorf("cube, shard %d/4: %s", i, r.Status)
		}
		traces[swarmSummary(t, r)] = true
	}
	if len(traces) < 2 {
		t.Errorf("the four shards of a swarm all did the same walks")
	}
}

// Impossible shard numbers and bounds are errors.
func TestSwarmBadOptions(t *testing.T) {
	for _, so := range []statespace.SwarmOptions{
		{Shard: 0, Shards: 0}, {Shard: 3, Shards: 2}, {Shard: 0, Shards: 2}, {Shard: 1, Shards: -1},
		{Shard: 1, Shards: 1, Walks: -1}, {Shard: 1, Shards: 1, Depth: -5},
	} {
		if _, err := statespace.Swarm[cubeState](cube{bits: 3}, so); err == nil {
			t.Errorf("%+v: no error", so)
		}
	}
	if _, err := statespace.Check[cubeState](cube{bits: 3}, statespace.Options{Swarm: &statespace.SwarmOptions{Shard: 1, Shards: 1}, MaxDepth: 3}); err == nil {
		t.Errorf("swarm with MaxDepth: no error")
	}
	r, err := statespace.Check[cubeState](cube{bits: 3}, statespace.Options{Swarm: &statespace.SwarmOptions{Shard: 1, Shards: 1}})
	if err != nil || r.Status != statespace.StatusIncomplete || r.Stats.Swarm == nil {
		t.Errorf("Check with Options.Swarm: %v, %+v", err, r)
	}
}
