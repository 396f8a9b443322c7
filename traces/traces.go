// Package traces turns a counterexample into products for design review:
// one Document, rendered as text, JSON (a versioned schema), a Mermaid
// sequence diagram with one lane per agent, a DOT graph of the states on
// the trace, and a self-contained HTML viewer.
package traces

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Schema identifies the JSON format; it changes only when the format does.
const Schema = "dmabufcheck-trace/1"

// Document is one counterexample with everything needed to read, render
// and replay it.
type Document struct {
	Schema   string            `json:"schema"`
	Scenario string            `json:"scenario"`
	Params   map[string]string `json:"params"`
	Property string            `json:"property"`
	Kind     string            `json:"kind"`
	// Init is the index of the first state in the model's initial states.
	Init int `json:"init"`
	// Loop is the index of the step where a lasso's cycle starts (-1: a
	// finite trace); Stutter marks a lasso that ends in a state without
	// enabled actions.
	Loop    int      `json:"loop"`
	Stutter bool     `json:"stutter,omitempty"`
	Actors  []string `json:"actors"`
	Steps   []Step   `json:"steps"`
	// Cycle is the wait-for cycle of a deadlock.
	Cycle []Wait `json:"cycle,omitempty"`
	// Explanation is the model's account of the violation in the
	// protocol's words (statespace.Explainer), or "".
	Explanation string `json:"explanation,omitempty"`
	// ScenarioFile is the scenario file the trace was found in (check run
	// FILE.yaml), verbatim, so that the trace replays after the file is
	// gone or changed; nil for a built-in scenario. Optional: traces
	// without it still decode.
	ScenarioFile *ScenarioFile `json:"scenario_file,omitempty"`
}

// ScenarioFile is a scenario file embedded in a trace.
type ScenarioFile struct {
	// Path is where the file was when the trace was written; it names the
	// file in messages (the file need not be there any more).
	Path string `json:"path"`
	// Text is the file's contents.
	Text string `json:"text"`
}

// Step is one state of the trace and the action that led to it.
type Step struct {
	Index       int     `json:"index"`
	Actor       string  `json:"actor,omitempty"`
	Action      string  `json:"action,omitempty"`
	ActionIndex int     `json:"action_index"`
	Fingerprint string  `json:"fingerprint"`
	State       []Field `json:"state"`
	Changed     []Field `json:"changed,omitempty"`
	// Observed is what the step saw that the state does not record (the
	// value a load returned), from the model's Explainer.
	Observed string `json:"observed,omitempty"`
	// Messages are the interactions between agents the step completes
	// (a fence signalled to its waiter), from the model's Explainer.
	Messages []Message `json:"messages,omitempty"`
}

// Message is an interaction between two agents on a step.
type Message struct {
	From string `json:"from"`
	To   string `json:"to"`
	Text string `json:"text"`
}

// Label is the step's action without its actor's name: the action table
// names some actions after their agent ("isp: DMA write job (line 0)"),
// and every rendering already names the actor.
func (s Step) Label() string {
	if s.Actor != "" {
		return strings.TrimPrefix(s.Action, s.Actor+": ")
	}
	return s.Action
}

// Field is one named component of a state.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Wait is one wait-for edge.
type Wait struct {
	From string `json:"from"`
	To   string `json:"to"`
	Why  string `json:"why"`
}

// FromViolation builds the document of a violation with a trace.
func FromViolation(scenario string, params map[string]string, v *statespace.Violation) (*Document, error) {
	if v == nil || v.Trace == nil {
		return nil, fmt.Errorf("traces: no counterexample to render")
	}
	d := &Document{Schema: Schema, Scenario: scenario, Params: params, Property: v.Property,
		Kind: string(v.Kind), Init: v.Trace.InitIndex, Loop: v.Trace.Loop, Stutter: v.Trace.Stutter,
		Explanation: v.Trace.Explanation}
	if d.Params == nil {
		d.Params = map[string]string{}
	}
	for i, s := range v.Trace.Steps {
		st := Step{Index: i, Actor: s.Actor, Action: s.Label, ActionIndex: s.Action,
			Fingerprint: fmt.Sprintf("%016x", s.Fingerprint), State: fields(s.State), Observed: s.Observed}
		for _, m := range s.Messages {
			st.Messages = append(st.Messages, Message{m.From, m.To, m.Text})
		}
		if i > 0 {
			st.Changed = fields(statespace.ChangedFields(v.Trace.Steps[i-1].State, s.State))
		}
		if s.Actor != "" && !slices.Contains(d.Actors, s.Actor) {
			d.Actors = append(d.Actors, s.Actor)
		}
		d.Steps = append(d.Steps, st)
	}
	for _, st := range d.Steps {
		for _, m := range st.Messages {
			for _, a := range []string{m.From, m.To} {
				if !slices.Contains(d.Actors, a) {
					d.Actors = append(d.Actors, a)
				}
			}
		}
	}
	for _, e := range v.Cycle {
		d.Cycle = append(d.Cycle, Wait{e.From, e.To, e.Why})
	}
	return d, nil
}

func fields(fs []statespace.Field) []Field {
	out := make([]Field, 0, len(fs))
	for _, f := range fs {
		out = append(out, Field{f.Name, f.Value})
	}
	return out
}

// Read decodes a JSON trace file written by WriteFile.
func Read(path string) (*Document, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, b)
}

// Decode decodes and validates a JSON trace; path only names it in errors.
func Decode(path string, b []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: not a trace file: %v", path, err)
	}
	switch {
	case d.Schema != Schema:
		return nil, fmt.Errorf("%s: schema %q, want %q", path, d.Schema, Schema)
	case d.Scenario == "" || d.Property == "":
		return nil, fmt.Errorf("%s: the trace names no scenario or property", path)
	case len(d.Steps) == 0:
		return nil, fmt.Errorf("%s: the trace has no steps", path)
	}
	for i, s := range d.Steps {
		if s.Index != i {
			return nil, fmt.Errorf("%s: step %d has index %d", path, i, s.Index)
		}
	}
	return &d, nil
}

// ReplaySteps converts the document's steps for statespace.Replay.
func (d *Document) ReplaySteps() ([]statespace.ReplayStep, error) {
	var out []statespace.ReplayStep
	for _, s := range d.Steps {
		var fp uint64
		if _, err := fmt.Sscanf(s.Fingerprint, "%016x", &fp); err != nil || len(s.Fingerprint) != 16 {
			return nil, fmt.Errorf("step %d: fingerprint %q is not 16 hex digits", s.Index, s.Fingerprint)
		}
		out = append(out, statespace.ReplayStep{Action: s.ActionIndex, Label: s.Action, Fingerprint: fp})
	}
	return out, nil
}

// Formats maps a file extension to its renderer.
var Formats = map[string]func(*Document, io.Writer) error{
	".txt":  (*Document).writeText,
	".json": (*Document).writeJSON,
	".mmd":  (*Document).writeMermaid,
	".dot":  (*Document).writeDOT,
	".html": (*Document).writeHTML,
}

// Extensions lists the supported file extensions, sorted.
func Extensions() []string {
	var out []string
	for e := range Formats {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// CheckPath reports whether path has a supported extension.
func CheckPath(path string) error {
	if _, ok := Formats[strings.ToLower(filepath.Ext(path))]; !ok {
		return fmt.Errorf("%s: unknown trace format %q (want one of %s)", path, filepath.Ext(path), strings.Join(Extensions(), ", "))
	}
	return nil
}

// WriteFile renders d in the format its extension names.
func WriteFile(path string, d *Document) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Formats[strings.ToLower(filepath.Ext(path))](d, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (d *Document) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// writeText is the step-by-step text: a title, the steps (WriteSteps) and
// a closing explanation.
func (d *Document) writeText(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%s: %s (%s), %d steps\n", d.Scenario, d.Property, d.Kind, len(d.Steps)-1); err != nil {
		return err
	}
	if err := d.WriteSteps(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n", d.Explain())
	return err
}

// WriteSteps writes the steps as text: the initial state in full, then
// each step's actor, action, what it saw, the fields it changed and the
// messages between agents it completes; a lasso's loop is marked.
func (d *Document) WriteSteps(w io.Writer) error {
	var b strings.Builder
	for _, s := range d.Steps {
		if s.Index == 0 {
			fmt.Fprintf(&b, "%3d  initial state\n", 0)
			for _, f := range s.State {
				fmt.Fprintf(&b, "       %s = %s\n", f.Name, f.Value)
			}
		} else {
			who := ""
			if s.Actor != "" {
				who = "[" + s.Actor + "] "
			}
			fmt.Fprintf(&b, "%3d  %s%s\n", s.Index, who, s.Label())
			if s.Observed != "" {
				fmt.Fprintf(&b, "       (%s)\n", s.Observed)
			}
			for _, f := range s.Changed {
				fmt.Fprintf(&b, "       %s = %s\n", f.Name, f.Value)
			}
			for _, m := range s.Messages {
				fmt.Fprintf(&b, "       %s -> %s: %s\n", m.From, m.To, m.Text)
			}
		}
		if s.Index == d.Loop && !d.Stutter && d.Loop < len(d.Steps)-1 {
			fmt.Fprintf(&b, "       ---- loop: steps %d..%d repeat forever ----\n", d.Loop+1, len(d.Steps)-1)
		}
	}
	if d.Stutter {
		b.WriteString("       ---- no action is enabled: the behaviour stays in this state forever ----\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Explain is a short account of the violation at the end of the trace:
// the model's own (Explanation) when it gives one, after the deadlock's
// cycle or the lasso's shape; otherwise which step set what.
func (d *Document) Explain() string {
	last := d.Steps[len(d.Steps)-1]
	with := func(s string) string {
		if d.Explanation == "" {
			return s
		}
		return s + " " + capitalize(d.Explanation)
	}
	switch d.Kind {
	case string(statespace.KindDeadlock):
		if len(d.Cycle) > 0 {
			var parts []string
			for _, e := range d.Cycle {
				parts = append(parts, e.From+" waits for "+e.To)
			}
			return with("deadlock: " + strings.Join(parts, ", ") + ".")
		}
		return with("deadlock: no action is enabled and this is not a valid end state.")
	case string(statespace.KindLiveness):
		if d.Stutter {
			return with(fmt.Sprintf("%s never holds: the behaviour gets stuck at step %d.", d.Property, len(d.Steps)-1))
		}
		return with(fmt.Sprintf("%s never holds: steps %d..%d repeat forever, fairly.", d.Property, d.Loop+1, len(d.Steps)-1))
	}
	if d.Explanation != "" {
		return fmt.Sprintf("%s is violated: %s", d.Property, d.Explanation)
	}
	what := last.Label()
	if last.Actor != "" {
		what = last.Actor + ": " + what
	}
	var changed []string
	for _, f := range last.Changed {
		changed = append(changed, f.Name+" = "+f.Value)
	}
	return fmt.Sprintf("%s is violated by step %d (%s), which sets %s.", d.Property, len(d.Steps)-1, what, strings.Join(changed, ", "))
}

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// mermaidID makes a participant id Mermaid accepts.
func mermaidID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

func mermaidText(s string) string {
	return strings.NewReplacer(";", ",", "#", "no.", "\n", " ").Replace(s)
}

// writeMermaid is a sequence diagram: one lane per agent and one for the
// shared buffer; each step is a message from its agent to the buffer, with
// what changed (and what it saw) as a note, then the messages between
// agents it completes (a fence signalled to its waiter) as dashed arrows;
// the lasso's cycle in a loop block.
func (d *Document) writeMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for _, a := range d.Actors {
		fmt.Fprintf(&b, "    participant %s as %s\n", mermaidID(a), mermaidText(a))
	}
	b.WriteString("    participant state as shared state\n")
	for _, s := range d.Steps[1:] {
		if s.Index == d.Loop+1 && d.Loop >= 0 && !d.Stutter {
			b.WriteString("    loop forever\n")
		}
		from := "state"
		if s.Actor != "" {
			from = mermaidID(s.Actor)
		}
		fmt.Fprintf(&b, "    %s->>state: %d. %s\n", from, s.Index, mermaidText(s.Label()))
		var parts []string
		if s.Observed != "" {
			parts = append(parts, mermaidText(s.Observed))
		}
		for _, f := range s.Changed {
			parts = append(parts, mermaidText(f.Name+" = "+f.Value))
		}
		if len(parts) > 0 {
			fmt.Fprintf(&b, "    Note right of state: %s\n", strings.Join(parts, "<br/>"))
		}
		for _, m := range s.Messages {
			fmt.Fprintf(&b, "    %s-->>%s: %s\n", mermaidID(m.From), mermaidID(m.To), mermaidText(m.Text))
		}
	}
	if d.Loop >= 0 && !d.Stutter {
		b.WriteString("    end\n")
	}
	fmt.Fprintf(&b, "    Note over state: %s\n", mermaidText(d.Explain()))
	_, err := io.WriteString(w, b.String())
	return err
}

func dotText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// dotLines escapes each line and joins them with DOT's left-justified
// line break.
func dotLines(lines []string) string {
	for i, l := range lines {
		lines[i] = dotText(l)
	}
	return strings.Join(lines, `\l`)
}

// writeDOT is the graph of the states on the trace: one node per step
// (labelled with what changed), edges labelled with the actions, the
// violating state in red, a lasso's back edge dashed.
func (d *Document) writeDOT(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph trace {\n  label=\"%s: %s (%s)\";\n  node [shape=box, fontname=monospace];\n",
		dotText(d.Scenario), dotText(d.Property), d.Kind)
	last := len(d.Steps) - 1
	for _, s := range d.Steps {
		var lines []string
		lines = append(lines, fmt.Sprintf("step %d", s.Index))
		fs := s.Changed
		if s.Index == 0 {
			fs = s.State
		}
		if s.Observed != "" {
			lines = append(lines, "("+s.Observed+")")
		}
		for _, f := range fs {
			lines = append(lines, f.Name+" = "+f.Value)
		}
		for _, m := range s.Messages {
			lines = append(lines, m.From+" -> "+m.To+": "+m.Text)
		}
		attr := ""
		if s.Index == last && d.Kind != string(statespace.KindLiveness) {
			attr = ", color=red"
		}
		fmt.Fprintf(&b, "  s%d [label=\"%s\\l\"%s];\n", s.Index, dotLines(lines), attr)
	}
	for _, s := range d.Steps[1:] {
		label := s.Label()
		if s.Actor != "" {
			label = s.Actor + ": " + label
		}
		fmt.Fprintf(&b, "  s%d -> s%d [label=\"%s\"];\n", s.Index-1, s.Index, dotText(label))
	}
	if d.Loop >= 0 {
		if d.Stutter {
			fmt.Fprintf(&b, "  s%d -> s%d [label=\"stuck forever\", style=dashed];\n", last, last)
		} else {
			fmt.Fprintf(&b, "  s%d -> s%d [label=\"loop\", style=dashed];\n", last, d.Loop)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteGraphDOT draws a whole (small) state space: one node per state with
// its fields, initial states in bold, one edge per transition.
func WriteGraphDOT(w io.Writer, title string, g *statespace.Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph statespace {\n  label=\"%s: %d states, %d transitions\";\n  node [shape=box, fontname=monospace, fontsize=9];\n",
		dotText(title), len(g.States), len(g.Edges))
	for i, st := range g.States {
		var lines []string
		for _, f := range st {
			lines = append(lines, f.Name+" = "+f.Value)
		}
		attr := ""
		if g.Initial[i] {
			attr = ", style=bold"
		}
		fmt.Fprintf(&b, "  s%d [label=\"%s\\l\"%s];\n", i, dotLines(lines), attr)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  s%d -> s%d [label=\"%s\", fontsize=8];\n", e.From, e.To, dotText(e.Label))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
