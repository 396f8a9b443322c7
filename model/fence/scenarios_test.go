package fence_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/fence"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

// shortest pins, for every scenario expected to break a property, the
// length of the shortest counterexample of each property it breaks (BFS,
// so deterministic; for a liveness property, the length of the lasso).
// docs/fences.md quotes these traces: a model change that makes one longer
// or shorter must update both.
var shortest = map[string]map[string]int{
	// CVE-2022-49935 (a3f7c10a269d): job 0's fence is exported, job 1's
	// replaces it in the resv, importing the old sync_file replaces job 1's
	// fence again; the CPU's wait then returns while job 1 runs.
	"replace-pre2022": {fence.KeepsNewest: 4, fence.IdleMeansIdle: 8},
	// __dma_fence_is_later with a > b: seqno 0xffffffff looks later than
	// the wrapped 0.
	"seqno-wrap-naive": {fence.KeepsNewest: 6, fence.IdleMeansIdle: 8},
	// a3f7c10a269d without 95ba893c9f4f: the same fence added twice needs
	// a second slot.
	"strict-later": {fence.NeedReservation: 1},
	// BUG_ON(num_fences >= max_fences) on the first append.
	"add-without-reserve": {fence.NeedReservation: 1},
	// Dynamic importer rule (b): the exporter waits for BOOKKEEP fences only.
	"move-unfenced": {fence.NoJobAfterMove: 4},
	// KERNEL fences: everybody must wait for them.
	"move-ignores-kernel-fence": {fence.NoJobAfterMove: 4},
	// dma_fence_set_error after dma_fence_signal.
	"timeout-error-after-signal": {fence.Monotonicity: 5},
	// An indefinite fence: a kernel job depends on a sw_sync point user
	// space never signals.
	"sw-sync-indefinite": {statespace.DeadlockProperty: 4, fence.EventuallySignal + "/gpu0#0": 4},
}

// TestEveryScenarioMeetsItsExpectation checks each built-in scenario:
// a correct one passes exhaustively (every safety property in every state,
// every reachability property reached, every kernel fence eventually
// signalled on every fair behaviour, no deadlock); a bug variant breaks
// the property it names first, with the pinned shortest counterexample,
// and breaks its AlsoBreaks properties checked on their own.
func TestEveryScenarioMeetsItsExpectation(t *testing.T) {
	for name, pins := range shortest {
		sc := scenario(t, name)
		for p := range pins {
			if p != sc.Expect && !slices.Contains(sc.AlsoBreaks, p) {
				t.Errorf("shortest pins %s for %s, which the scenario does not expect to break", p, name)
			}
		}
	}
	for _, sc := range fence.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			m := newModel(t, sc.Config)
			if sc.Expect == "" {
				r := statespacetest.AssertHolds[fence.State](t, m, statespace.Options{})
				if r != nil && len(r.Notes) > 0 {
					t.Logf("notes: %v", r.Notes)
				}
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
			// The full check stops at the first violation: the expected one,
			// with its shortest trace.
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
				r := statespacetest.AssertDiscovery[fence.State](t, m, p, shortest[sc.Name][p], statespace.Options{})
				if e, _ := expectation(m, p); e == statespace.Eventually && r != nil {
					if pr := verdict(t, r, p); pr.Trace == nil || pr.Trace.Loop < 0 {
						t.Errorf("%s: a liveness counterexample must be a lasso", p)
					}
				}
			}
		})
	}
}

// TestEveryPropertyIsBrokenBySomeScenario checks that no safety or
// liveness property of the model is checked only vacuously: each is the
// expected violation of some built-in scenario (and the scenario test
// above makes sure it is in fact violated), and each has its documentation.
func TestEveryPropertyIsBrokenBySomeScenario(t *testing.T) {
	broken := map[string][]string{}
	for _, sc := range fence.Scenarios() {
		for _, p := range append([]string{sc.Expect}, sc.AlsoBreaks...) {
			if p != "" {
				if i := strings.Index(p, "/"); i >= 0 {
					p = p[:i] // one liveness property per fence: the family
				}
				broken[p] = append(broken[p], sc.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, sc := range fence.Scenarios() {
		for _, p := range newModel(t, sc.Config).Properties() {
			name := p.Name
			if p.Expectation == statespace.Eventually {
				if !strings.HasPrefix(name, fence.EventuallySignal+"/") {
					t.Errorf("liveness property %q outside the %s family", name, fence.EventuallySignal)
				}
				name = fence.EventuallySignal
			}
			if fence.PropertyDoc(p.Name) == "" {
				t.Errorf("property %s has no documentation", p.Name)
			}
			if seen[name] || p.Expectation == statespace.Sometimes {
				continue
			}
			seen[name] = true
			if len(broken[name]) == 0 {
				t.Errorf("%s property %s is broken by no built-in scenario", p.Expectation, name)
			} else {
				t.Logf("%-30s broken by %s", name, strings.Join(broken[name], ", "))
			}
		}
	}
	if len(broken[statespace.DeadlockProperty]) == 0 {
		t.Errorf("no built-in scenario deadlocks")
	}
	for _, p := range []string{fence.Monotonicity, fence.IdleMeansIdle, fence.KeepsNewest, fence.NoJobAfterMove, fence.NeedReservation, fence.EventuallySignal} {
		if !seen[p] {
			t.Errorf("property %s is in no scenario's model", p)
		}
	}
}
