package p2p_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// shortest pins, for every scenario expected to break a property, the
// length of the shortest counterexample of each property it breaks (BFS,
// so deterministic).
// docs/p2p-p2p.md quotes these traces: a model change that makes one
// longer or shorter must update both.
var shortest = map[string]map[string]int{
	// Peer2peer kept without asking the topology: bus addresses where only
	// the root complex could route (and it drops them).
	"acs-naive-exporter": {p2p.Routable: 1, p2p.NoDropped: 2},
	// Bus addresses on a PCI_P2PDMA_MAP_THRU_HOST_BRIDGE path.
	"bus-addr-thru-host-bridge": {p2p.Routable: 1, p2p.NoDropped: 2},
	// CPU physical addresses are not DMA addresses.
	"cpu-physical-address": {p2p.Routable: 1, p2p.NoDropped: 2},
	// The NIC's BAR mapping blocks the migration the encoder needs.
	"pinned-static-importer": {p2p.Fallback: 3},
	// BAR addresses to an importer without allow_peer2peer.
	"bar-to-static-importer": {p2p.BAROnlyToP2P: 1},
	// A common bridge in the topology, not on the integrated devices' path.
	"integrated-common-bridge": {p2p.NoDropped: 2},
	// Unsnooped peer access to stolen memory the CPU caches.
	"apu-bar-as-device-memory": {p2p.NoStaleRead: 4},
	// Invalidate before the DMA only: the prefetch during it stays.
	"apu-bar-invalidate-before-dma": {p2p.NoStaleRead: 5},
}

// TestEveryScenarioMeetsItsExpectation checks each built-in scenario: a
// correct one passes exhaustively (every safety property, every
// reachability property reached, no deadlock); a failing one breaks the property it names
// first, with the pinned shortest counterexample, and breaks its
// AlsoBreaks properties checked on their own.
func TestEveryScenarioMeetsItsExpectation(t *testing.T) {
	for name, pins := range shortest {
		sc := scenario(t, name)
		for p := range pins {
			if p != sc.Expect && !slices.Contains(sc.AlsoBreaks, p) {
				t.Errorf("shortest pins %s for %s, which the scenario does not expect to break", p, name)
			}
		}
	}
	for _, sc := range p2p.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			m := newModel(t, sc.Config)
			if sc.Expect == "" {
				if _, ok := shortest[sc.Name]; ok {
					t.Errorf("pinned lengths for a scenario that expects no violation")
				}
				statespacetest.AssertHolds[p2p.State](t, m, statespace.Options{})
				return
			}
			for _, p := range append([]string{sc.Expect}, sc.AlsoBreaks...) {
				if _, ok := expectation(m, p); !ok {
					t.Fatalf("expects to break %q, which is not a property of the model", p)
				}
				if _, ok := shortest[sc.Name][p]; !ok {
					t.Errorf("no pinned length for %s breaking %s", sc.Name, p)
				}
			}
			r := run(t, m, statespace.Options{})
			v := r.Violation
			if r.Status != statespace.StatusViolation || v == nil {
				t.Fatalf("status %s, want a violation of %s", r.Status, sc.Expect)
			}
			if v.Property != sc.Expect {
				t.Fatalf("first violation is %s (%s, %d steps), want %s:\n%s", v.Property, v.Kind, v.Length(), sc.Expect, traceText(v.Trace))
			}
			if want := shortest[sc.Name][sc.Expect]; v.Length() != want {
				t.Errorf("full check: counterexample of %d steps, want %d:\n%s", v.Length(), want, traceText(v.Trace))
			}
			for _, p := range append([]string{sc.Expect}, sc.AlsoBreaks...) {
				statespacetest.AssertDiscovery[p2p.State](t, m, p, shortest[sc.Name][p], statespace.Options{})
			}
		})
	}
}

// TestEveryPropertyIsBrokenBySomeScenario checks that no safety property
// is checked only vacuously: each is broken by some built-in
// scenario (the test above makes sure it is), and each has its
// documentation.
func TestEveryPropertyIsBrokenBySomeScenario(t *testing.T) {
	family := func(p string) string {
		if i := strings.Index(p, "/"); i >= 0 {
			return p[:i]
		}
		return p
	}
	broken := map[string][]string{}
	for _, sc := range p2p.Scenarios() {
		for _, p := range append([]string{sc.Expect}, sc.AlsoBreaks...) {
			if p != "" {
				broken[family(p)] = append(broken[family(p)], sc.Name)
			}
		}
	}
	seen, present := map[string]bool{}, map[string]bool{}
	for _, sc := range p2p.Scenarios() {
		for _, p := range newModel(t, sc.Config).Properties() {
			if p2p.PropertyDoc(p.Name) == "" {
				t.Errorf("property %s has no documentation", p.Name)
			}
			name := family(p.Name)
			present[name] = true
			if seen[name] || p.Expectation == statespace.Sometimes {
				continue
			}
			seen[name] = true
			if len(broken[name]) == 0 {
				t.Errorf("%s property %s is broken by no built-in scenario", p.Expectation, name)
			} else {
				t.Logf("%-36s broken by %s", name, strings.Join(broken[name], ", "))
			}
		}
	}
	for _, p := range []string{p2p.Routable, p2p.NoDropped, p2p.NoStaleRead, p2p.Fallback, p2p.BAROnlyToP2P} {
		if !seen[p] {
			t.Errorf("property %s is in no scenario's model", p)
		}
	}
	for name := range p2p.Doc {
		if !present[name] {
			t.Errorf("documented property %s is in no scenario's model", name)
		}
	}
}
