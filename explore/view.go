package explore

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// View is what the page shows at a position; /api/state serves it as JSON.
type View struct {
	// Scenario and Params name the model ("today", "arch=arm64 lines=1").
	Scenario string `json:"scenario"`
	Params   string `json:"params"`
	// URL is the position's address: sending it shows the same state.
	URL  string `json:"url"`
	Init int    `json:"init"`
	// Path is the actions taken, as indices into the action table.
	Path []int `json:"path"`
	// Steps are the states of the path: Steps[0] the initial state, the
	// last one the current state.
	Steps []StepView `json:"steps"`
	// Groups are the fields of the current state, grouped by object or
	// agent (the part of the field's name before its first dot).
	Groups []Group `json:"groups"`
	// Enabled are the actions enabled in the current state.
	Enabled []ChoiceView `json:"enabled"`
	// Verdicts judge every property, then deadlock, in the current state.
	Verdicts []VerdictView `json:"verdicts"`
	// Waits is who waits for whom when the state is stuck.
	Waits []string `json:"waits,omitempty"`
	// Trail is the counterexample or trace being stepped through.
	Trail *TrailView `json:"trail,omitempty"`
	// Properties are the names the counterexample search takes.
	Properties []string `json:"properties"`
	// Back and Initial are the addresses of the previous state and of the
	// initial state ("" at the initial state).
	Back    string `json:"back,omitempty"`
	Initial string `json:"initial,omitempty"`
	// Notice is a message for the user (a property without
	// counterexample).
	Notice string `json:"notice,omitempty"`
	// Hidden is the position as form fields, for the search form (a
	// property without counterexample leaves the user here).
	Hidden []Pair `json:"-"`
}

// Pair is one parameter of a query.
type Pair struct{ Name, Value string }

// shortLabel is an action's label without its actor's name: the action
// table of a world names some actions after their agent ("isp:
// dma_buf_attach(isp)"), and the page shows the actor beside the label.
func shortLabel(actor, label string) string {
	if actor == "" {
		return label
	}
	return strings.TrimPrefix(label, actor+": ")
}

// StepView is one step of the path.
type StepView struct {
	Index int    `json:"index"`
	URL   string `json:"url"`
	// Action is the action's index (-1 for the initial state), Label its
	// name as a kernel call, Actor the agent that takes it.
	Action int    `json:"action"`
	Label  string `json:"label,omitempty"`
	Actor  string `json:"actor,omitempty"`
	// Changed are the fields the step changed.
	Changed []FieldView `json:"changed,omitempty"`
	// Observed and Messages are the model's notes: what the step saw that
	// the state does not keep, the messages between agents it completes.
	Observed string   `json:"observed,omitempty"`
	Messages []string `json:"messages,omitempty"`
	Current  bool     `json:"current,omitempty"`
	// Ahead marks a step of the trail beyond the current state.
	Ahead bool `json:"ahead,omitempty"`
}

// Group is the fields of one object or agent.
type Group struct {
	Name   string      `json:"name"`
	Fields []FieldView `json:"fields"`
}

// FieldView is one field of the current state; Changed marks a field the
// last step changed.
type FieldView struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Changed bool   `json:"changed,omitempty"`
}

// ChoiceView is an enabled action: taking it goes to URL.
type ChoiceView struct {
	Action int    `json:"action"`
	Label  string `json:"label"`
	Actor  string `json:"actor,omitempty"`
	URL    string `json:"url"`
	// Changes says what it changes ("" when it changes nothing: NoChange).
	Changes  string `json:"changes,omitempty"`
	NoChange bool   `json:"no_change,omitempty"`
	// Next marks the trail's next step.
	Next bool `json:"next,omitempty"`
}

// VerdictView is a property judged in the current state.
type VerdictView struct {
	Property    string `json:"property"`
	Expectation string `json:"expectation"`
	// Verdict is "holds", "VIOLATED", "reached", "not reached here",
	// "holds here", "awaited", "does not hold here", or for deadlock
	// "DEADLOCK", "valid end state", "stutters", "no deadlock".
	Verdict string `json:"verdict"`
	// Bad marks a violation (an invariant false, a deadlock).
	Bad bool `json:"bad,omitempty"`
	// Good marks a predicate true here.
	Good bool `json:"good,omitempty"`
	// Explanation is the model's account of a violated invariant.
	Explanation string `json:"explanation,omitempty"`
	// Search is the address that jumps to the property's shortest
	// counterexample (or example).
	Search string `json:"search"`
}

// TrailView is a counterexample or trace being stepped through.
type TrailView struct {
	Title    string     `json:"title"`
	Property string     `json:"property,omitempty"`
	Len      int        `json:"len"`
	At       int        `json:"at"`
	Loop     int        `json:"loop"`
	Steps    []StepView `json:"steps"`
	// First, Prev, Next and Last move along the trail ("" where there is
	// nowhere to go).
	First string `json:"first,omitempty"`
	Prev  string `json:"prev,omitempty"`
	Next  string `json:"next,omitempty"`
	Last  string `json:"last,omitempty"`
}

// build assembles the view of pos from its walk.
func build(m Model, scenario, params string, pos position, w *walk) *View {
	v := &View{Scenario: scenario, Params: params, URL: pos.url(), Init: pos.init, Path: []int{}}
	if u, err := url.Parse(v.URL); err == nil {
		q := u.Query()
		for _, k := range queryKeys {
			if q.Has(k) {
				v.Hidden = append(v.Hidden, Pair{k, q.Get(k)})
			}
		}
	}
	for _, a := range pos.path {
		v.Path = append(v.Path, int(a))
	}
	n := len(pos.path)
	for i, st := range w.steps {
		sv := StepView{Index: i, URL: pos.at(pos.path[:i]).url(), Action: st.action, Label: st.label, Actor: st.actor,
			Observed: st.observed, Current: i == n}
		if i > 0 {
			for _, f := range statespace.ChangedFields(w.steps[i-1].state, st.state) {
				sv.Changed = append(sv.Changed, FieldView{Name: f.Name, Value: f.Value, Changed: true})
			}
		}
		for _, msg := range st.messages {
			sv.Messages = append(sv.Messages, fmt.Sprintf("%s → %s: %s", msg.From, msg.To, msg.Text))
		}
		v.Steps = append(v.Steps, sv)
	}
	cur := v.Steps[n]
	changed := map[string]bool{}
	for _, f := range cur.Changed {
		changed[f.Name] = true
	}
	v.Groups = groups(w.steps[n].state, changed)
	for _, c := range w.enabled {
		next := append(append([]statespace.Action(nil), pos.path...), statespace.Action(c.action))
		cv := ChoiceView{Action: c.action, Label: c.label, Actor: c.actor, URL: pos.at(next).url(), NoChange: c.self,
			Next: pos.trail != nil && n < len(pos.trail) && int(pos.trail[n]) == c.action}
		var ch []string
		for _, f := range c.changes {
			ch = append(ch, f.Name+" = "+f.Value)
		}
		cv.Changes = strings.Join(ch, "; ")
		v.Enabled = append(v.Enabled, cv)
	}
	for _, vd := range w.verdicts {
		v.Verdicts = append(v.Verdicts, verdictView(vd, pos))
	}
	v.Verdicts = append(v.Verdicts, deadlockView(w, pos))
	for _, e := range w.waits {
		v.Waits = append(v.Waits, fmt.Sprintf("%s waits for %s (%s)", e.From, e.To, e.Why))
	}
	for _, p := range m.properties() {
		v.Properties = append(v.Properties, p.name)
	}
	v.Properties = append(v.Properties, statespace.DeadlockProperty)
	if n > 0 {
		v.Back = pos.at(pos.path[:n-1]).url()
		v.Initial = pos.at(pos.path[:0]).url()
	}
	if pos.trail != nil {
		v.Trail = trailView(m, pos)
		for i := range n + 1 {
			v.Trail.Steps[i].Observed, v.Trail.Steps[i].Messages = v.Steps[i].Observed, v.Steps[i].Messages
		}
	}
	return v
}

// groups sorts a state's fields by object or agent, the part of the name
// before its first dot ("isp.attach": isp), in the order the groups first
// appear; fields without a dot go to "global".
func groups(state []statespace.Field, changed map[string]bool) []Group {
	var out []Group
	at := map[string]int{}
	for _, f := range state {
		g, name, ok := strings.Cut(f.Name, ".")
		if !ok {
			g, name = "global", f.Name
		}
		i, seen := at[g]
		if !seen {
			i = len(out)
			at[g] = i
			out = append(out, Group{Name: g})
		}
		out[i].Fields = append(out[i].Fields, FieldView{Name: name, Value: f.Value, Changed: changed[f.Name]})
	}
	return out
}

// searchURL is the address of prop's shortest counterexample, asked from
// pos (where a property without one leaves the user).
func searchURL(prop string, pos position) string {
	u := "/counterexample?of=" + url.QueryEscape(prop)
	if s := pos.url(); s != "/" {
		u += "&" + strings.TrimPrefix(s, "/?")
	}
	return u
}

// verdictView words a property's verdict in the current state.
func verdictView(vd verdict, pos position) VerdictView {
	v := VerdictView{Property: vd.name, Expectation: vd.exp.String(), Explanation: vd.explanation, Search: searchURL(vd.name, pos)}
	switch {
	case vd.exp == statespace.Always && vd.holds:
		v.Verdict, v.Good = "holds", true
	case vd.exp == statespace.Always:
		v.Verdict, v.Bad = "VIOLATED", true
	case vd.exp == statespace.Sometimes && vd.holds:
		v.Verdict, v.Good = "reached", true
	case vd.exp == statespace.Sometimes:
		v.Verdict = "not reached here"
	case vd.holds:
		v.Verdict, v.Good = "holds here", true
	case vd.triggered:
		v.Verdict = "awaited (triggered here, not yet true)"
	default:
		v.Verdict = "does not hold here"
	}
	return v
}

// deadlockView says whether the current state is a deadlock.
func deadlockView(w *walk, pos position) VerdictView {
	v := VerdictView{Property: statespace.DeadlockProperty, Expectation: statespace.Always.String(), Search: searchURL(statespace.DeadlockProperty, pos)}
	switch {
	case w.end && (w.stuck || w.stutter):
		v.Verdict, v.Good = "valid end state", true
	case w.stuck:
		v.Verdict, v.Bad = "DEADLOCK", true
		v.Explanation = "no action is enabled, and this is not a valid end state"
	case w.stutter:
		v.Verdict = "stutters"
		v.Explanation = "every enabled action leads back to this state: a deadlock under --deadlock=stutter, not under the default (stuck)"
	default:
		v.Verdict, v.Good = "no deadlock", true
	}
	return v
}

// trailView is the trail of pos, its steps named from the action table.
func trailView(m Model, pos position) *TrailView {
	n, last := len(pos.path), len(pos.trail)
	t := &TrailView{Property: pos.prop, Len: last, At: n, Loop: pos.loop}
	kind := "trace"
	for _, p := range m.properties() {
		if p.name != pos.prop {
			continue
		}
		switch p.exp {
		case statespace.Always:
			kind = "counterexample"
		case statespace.Sometimes:
			kind = "example"
		case statespace.Eventually:
			kind = "lasso"
		}
	}
	if pos.prop == statespace.DeadlockProperty {
		kind = "deadlock"
	}
	t.Title = fmt.Sprintf("%s, %d steps", kind, last)
	if pos.prop != "" {
		t.Title = fmt.Sprintf("%s of %s, %d steps", kind, pos.prop, last)
	}
	names := m.names()
	t.Steps = append(t.Steps, StepView{Index: 0, URL: pos.at(pos.trail[:0]).url(), Action: -1, Current: n == 0})
	for i, a := range pos.trail {
		t.Steps = append(t.Steps, StepView{Index: i + 1, URL: pos.at(pos.trail[:i+1]).url(), Action: int(a),
			Label: names[a], Actor: m.actor(a), Current: n == i+1, Ahead: i+1 > n})
	}
	if n > 0 {
		t.First, t.Prev = t.Steps[0].URL, t.Steps[n-1].URL
	}
	if n < last {
		t.Next, t.Last = t.Steps[n+1].URL, t.Steps[last].URL
	}
	return t
}
