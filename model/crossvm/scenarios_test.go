package crossvm_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// shortest pins, for every scenario expected to break a property, the
// length of the shortest counterexample of each property it breaks (BFS,
// so deterministic; for a liveness property, the length of the lasso).
// docs/crossvm-p2p.md quotes these traces: a model change that makes one
// longer or shorter must update both.
var shortest = map[string]map[string]int{
	// The importing VM maps the grants before HYPER_DMABUF_EXPORT_FD
	// reaches the exporting VM, which unexports with active == 0 and frees
	// the pages; and it reads before the remote begin_cpu_access waited.
	"hyper-dmabuf-fire-and-forget": {crossvm.NoUseAfterFree: 4, crossvm.NoStaleRead: 7},
	// A lost request, no retransmission: the importing VM waits forever.
	"hyper-dmabuf-lossy": {crossvm.RemoteOpAcked + "/EXPORT_FD": 6},
	// move_notify waits for the ack under the resv lock that the ring
	// thread's begin_cpu_access needs (kernel-rules §12.5 pattern 7).
	"hyper-dmabuf-evict-waits": {crossvm.NoDeadlock: 9, statespace.DeadlockProperty: 9,
		crossvm.RemoteOpAcked + "/INVALIDATE": 9, crossvm.RemoteOpAcked + "/BEGIN_CPU_ACCESS": 9},
	// move_notify does not wait: the old pages are freed under the mapping.
	"hyper-dmabuf-evict-async": {crossvm.NoUseAfterFree: 7},
	// No inter-VM synchronisation at all.
	"xen-zcopy": {crossvm.NoUseAfterFree: 4, crossvm.NoStaleRead: 7},
	// The importing VM's resv never holds a fence for the producer's write.
	"fence-none": {crossvm.NoStaleRead: 9},
	// SIGNAL overtakes its frame notification and is dropped.
	"fence-proxy-unordered": {crossvm.ProxySignals + "/frame1": 9},
}

// TestEveryScenarioMeetsItsExpectation checks each built-in scenario: a
// correct one passes exhaustively (every safety property, every
// reachability property reached, every liveness property on every fair
// behaviour, no deadlock); a failing one breaks the property it names
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
	for _, sc := range crossvm.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			m := newModel(t, sc.Config)
			if sc.Expect == "" {
				if _, ok := shortest[sc.Name]; ok {
					t.Errorf("pinned lengths for a scenario that expects no violation")
				}
				statespacetest.AssertHolds[crossvm.State](t, m, statespace.Options{})
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
				r := statespacetest.AssertDiscovery[crossvm.State](t, m, p, shortest[sc.Name][p], statespace.Options{})
				if e, _ := expectation(m, p); e == statespace.Eventually && r != nil {
					if pr := verdict(t, r, p); pr.Trace == nil || pr.Trace.Loop < 0 {
						t.Errorf("%s: a liveness counterexample must be a lasso", p)
					}
				}
			}
		})
	}
}

// TestEveryPropertyIsBrokenBySomeScenario checks that no safety or liveness
// property is checked only vacuously: each is broken by some built-in
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
	for _, sc := range crossvm.Scenarios() {
		for _, p := range append([]string{sc.Expect}, sc.AlsoBreaks...) {
			if p != "" {
				broken[family(p)] = append(broken[family(p)], sc.Name)
			}
		}
	}
	seen, present := map[string]bool{}, map[string]bool{}
	for _, sc := range crossvm.Scenarios() {
		for _, p := range newModel(t, sc.Config).Properties() {
			if crossvm.PropertyDoc(p.Name) == "" {
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
	for _, p := range []string{crossvm.NoUseAfterFree, crossvm.NoStaleRead, crossvm.NoDeadlock, crossvm.RemoteOpAcked, crossvm.ProxySignals} {
		if !seen[p] {
			t.Errorf("property %s is in no scenario's model", p)
		}
	}
	for name := range crossvm.Doc {
		if !present[name] {
			t.Errorf("documented property %s is in no scenario's model", name)
		}
	}
}
