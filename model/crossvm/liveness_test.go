package crossvm_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// unfair is the cross-VM model without its fairness declaration.
type unfair struct{ m *crossvm.Model }

func (u unfair) Init() []crossvm.State          { return u.m.Init() }
func (u unfair) ActionNames() []string          { return u.m.ActionNames() }
func (u unfair) ValidEnd(s *crossvm.State) bool { return u.m.ValidEnd(s) }
func (u unfair) Actions(s *crossvm.State, b []statespace.Action) []statespace.Action {
	return u.m.Actions(s, b)
}
func (u unfair) Step(s *crossvm.State, a statespace.Action) crossvm.State { return u.m.Step(s, a) }
func (u unfair) Properties() []statespace.Property[crossvm.State]         { return u.m.Properties() }
func (u unfair) Describe(s *crossvm.State) []statespace.Field             { return u.m.Describe(s) }

// TestFairnessIsNeeded: without the fairness groups the acknowledgement
// property fails on the correct acked design (the exporting VM's local
// reader loops forever while the ring never delivers the request), so the
// verdict rests on the declared groups.
func TestFairnessIsNeeded(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-acked").Config)
	prop := crossvm.RemoteOpAcked + "/BEGIN_CPU_ACCESS"
	pr := verdict(t, run(t, m, statespace.Options{Only: []string{prop}}), prop)
	if pr.Verdict != "holds" {
		t.Fatalf("with fairness: %s\n%s", pr.Verdict, traceText(pr.Trace))
	}
	pr = verdict(t, run(t, unfair{m}, statespace.Options{Only: []string{prop}}), prop)
	if pr.Verdict != "violated" || pr.Trace == nil || pr.Trace.Loop < 0 || pr.Trace.Stutter {
		t.Fatalf("without fairness: verdict %s, want a lasso through a real cycle", pr.Verdict)
	}
	for _, l := range pr.Trace.Labels()[pr.Trace.Loop:] {
		if !strings.HasPrefix(l, "vm-a cpu:") {
			t.Errorf("the unfair loop takes %q; want only the local reader's steps:\n%s", l, traceText(pr.Trace))
		}
	}
}

// TestPerMessageFairness: a group per ring would let a message starve
// while the others pass; every delivery action is its own group.
func TestPerMessageFairness(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-evict-waits").Config)
	names := m.ActionNames()
	groups := map[string]int{}
	for _, g := range m.Fairness() {
		for _, a := range g.Actions {
			groups[names[a]]++
			if k := m.KindOf(a); (k == crossvm.KDeliverA || k == crossvm.KDeliverB || k == crossvm.KRespA || k == crossvm.KRespB) && len(g.Actions) != 1 {
				t.Errorf("group %q holds %d actions, want one delivery per group", g.Name, len(g.Actions))
			}
		}
	}
	for a, n := range names {
		k := m.KindOf(statespace.Action(a))
		want := map[crossvm.Kind]bool{crossvm.KDeliverA: true, crossvm.KDeliverB: true, crossvm.KRespA: true, crossvm.KRespB: true,
			crossvm.KRxLock: true, crossvm.KRxFence: true, crossvm.KRxBLock: true,
			crossvm.KWriteDone: true, crossvm.KFenceCB: true, crossvm.KMove: true, crossvm.KRunJob: true, crossvm.KRetransmit: true}[k]
		if (groups[n] == 1) != want {
			t.Errorf("%s (%s): in %d groups, want fair %v", n, k, groups[n], want)
		}
	}
}

// TestEvictDeadlockCycle: the deadlock of hyper-dmabuf-evict-waits is
// reported with its cycle across the two VMs: move_notify, holding vm-a's
// resv lock, waits for vm-b to handle INVALIDATE; vm-b's back ring waits
// for hyper_dmabuf's lock, which vm-b's user holds across its
// begin_cpu_access round trip; that waits for vm-a's back ring, whose
// replayed begin_cpu_access waits for the resv lock.
func TestEvictDeadlockCycle(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-evict-waits").Config)
	r := run(t, m, statespace.Options{Only: []string{statespace.DeadlockProperty}})
	v := r.Violation
	if v == nil || v.Kind != statespace.KindDeadlock {
		t.Fatalf("want a deadlock, got %+v", r.Status)
	}
	s := stepTo(t, m, v.Trace.Labels()...)
	cyc := m.Cycle(&s)
	var got []string
	for _, e := range cyc {
		got = append(got, e.From+" -> "+e.To)
	}
	slices.Sort(got)
	want := []string{"vm-a back ring -> vm-a exporter (move_notify)", "vm-a exporter (move_notify) -> vm-b back ring",
		"vm-b back ring -> vm-b user", "vm-b user -> vm-a back ring"}
	if !slices.Equal(got, want) {
		t.Errorf("cycle %q, want %q\n%s", got, want, traceText(v.Trace))
	}
	if len(v.Cycle) != len(cyc) {
		t.Errorf("the deadlock report's cycle %v differs from the model's %v", v.Cycle, cyc)
	}
}
