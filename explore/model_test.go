package explore

import (
	"context"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// counters is a toy model without Describer, Actorer or Explainer: two
// counters a (to 3) and b (to 2); with spin, an action that changes
// nothing is enabled once both are full.
type counters struct{ spin bool }

type pair struct{ A, B uint8 }

func (counters) Init() []pair          { return []pair{{}} }
func (counters) ActionNames() []string { return []string{"inc(a)", "inc(b)", "look"} }
func (counters) Step(s *pair, a statespace.Action) pair {
	n := *s
	switch a {
	case 0:
		n.A++
	case 1:
		n.B++
	}
	return n
}
func (c counters) Actions(s *pair, buf []statespace.Action) []statespace.Action {
	if s.A < 3 {
		buf = append(buf, 0)
	}
	if s.B < 2 {
		buf = append(buf, 1)
	}
	if c.spin && s.A == 3 && s.B == 2 {
		buf = append(buf, 2)
	}
	return buf
}
func (counters) Properties() []statespace.Property[pair] {
	return []statespace.Property[pair]{
		{Name: "a-below-3", Expectation: statespace.Always, Holds: func(s *pair) bool { return s.A < 3 }},
		{Name: "b-is-2", Expectation: statespace.Sometimes, Holds: func(s *pair) bool { return s.B == 2 }},
		{Name: "a-back-to-0", Expectation: statespace.Eventually, Holds: func(s *pair) bool { return s.A == 0 },
			Trigger: func(s *pair) bool { return s.A > 0 }},
	}
}

// walkTo is the view of the toy model after path.
func walkTo(t *testing.T, m Model, path ...statespace.Action) *View {
	t.Helper()
	w, err := m.walk(0, path)
	if err != nil {
		t.Fatal(err)
	}
	return build(m, "counters", "", position{path: path, loop: -1}, w)
}

func verdictOf(v *View, prop string) string {
	i := slices.IndexFunc(v.Verdicts, func(x VerdictView) bool { return x.Property == prop })
	return v.Verdicts[i].Verdict
}

// A model without Describer is shown field by field, its verdicts worded
// by expectation: an invariant holds or is violated, a cover property is
// reached or not, a liveness property is awaited once triggered.
func TestAPlainModelIsShownFieldByField(t *testing.T) {
	m := Of[pair](counters{})
	v := walkTo(t, m, 0)
	if len(v.Groups) != 1 || v.Groups[0].Name != "global" || len(v.Groups[0].Fields) != 2 ||
		v.Groups[0].Fields[0] != (FieldView{Name: "A", Value: "1", Changed: true}) || v.Groups[0].Fields[1] != (FieldView{Name: "B", Value: "0"}) {
		t.Errorf("the state after inc(a): %+v", v.Groups)
	}
	for prop, want := range map[string]string{"a-below-3": "holds", "b-is-2": "not reached here", "a-back-to-0": "awaited (triggered here, not yet true)", "deadlock": "no deadlock"} {
		if got := verdictOf(v, prop); got != want {
			t.Errorf("%s after inc(a): %q, want %q", prop, got, want)
		}
	}
	end := walkTo(t, m, 0, 0, 0, 1, 1)
	for prop, want := range map[string]string{"a-below-3": "VIOLATED", "b-is-2": "reached", "a-back-to-0": "awaited (triggered here, not yet true)", "deadlock": "DEADLOCK"} {
		if got := verdictOf(end, prop); got != want {
			t.Errorf("%s when both are full: %q, want %q", prop, got, want)
		}
	}
	if got := verdictOf(walkTo(t, m), "a-back-to-0"); got != "holds here" {
		t.Errorf("a-back-to-0 in the initial state: %q", got)
	}
	spin := walkTo(t, Of[pair](counters{spin: true}), 0, 0, 0, 1, 1)
	if got := verdictOf(spin, "deadlock"); got != "stutters" || len(spin.Enabled) != 1 || !spin.Enabled[0].NoChange {
		t.Errorf("a state whose only action changes nothing: %q, %+v", got, spin.Enabled)
	}
}

// The search finds the shortest trace of each kind: a counterexample, an
// example, a deadlock; a property that holds has none.
func TestTheSearchFindsTheShortestTraceOfEachKind(t *testing.T) {
	m := Of[pair](counters{})
	for prop, want := range map[string][]statespace.Action{
		"a-below-3": {0, 0, 0},
		"b-is-2":    {1, 1},
		"deadlock":  {0, 1, 1, 0, 0}, // one of the shortest: the checker's
	} {
		f, err := m.search(context.Background(), prop)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.path, want) {
			t.Errorf("%s: %v (%s), want %v", prop, f.path, f.verdict, want)
		}
	}
	if f, _ := m.search(context.Background(), "a-back-to-0"); f.path == nil || f.loop < 0 {
		t.Errorf("a-back-to-0 has no lasso: %+v", f)
	}
	if _, err := m.search(context.Background(), "nope"); err == nil {
		t.Errorf("a search for an unknown property succeeds")
	}
	srv := httptest.NewServer(New("counters", nil, Of[pair](counters{spin: true})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/counterexample?of=deadlock")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.RawQuery != "of=deadlock" ||
		!strings.Contains(string(body), "deadlock holds: the checker explored all 12 reachable states") {
		t.Errorf("a model that never gets stuck has a deadlock: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 18024: "18,024", 1105353: "1,105,353"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
