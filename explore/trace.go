package explore

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// savedTrace is a counterexample read from a file: a trace of `check run
// --trace-out FILE.json` (schema dmabufcheck-trace/1) or the violation of
// `check run --json`.
type savedTrace struct {
	scenario string
	params   map[string]string
	property string
	kind     statespace.Kind
	// init is the initial state's index; -1 when the file does not say
	// (check run --json): every initial state is tried.
	init  int
	loop  int
	steps []statespace.ReplayStep
}

// runJSON is the part of `check run --json`'s output that holds a
// counterexample.
type runJSON struct {
	Scenario  string            `json:"scenario"`
	Params    map[string]string `json:"params"`
	Result    string            `json:"result"`
	Violation *struct {
		Property string `json:"property"`
		Kind     string `json:"kind"`
		Loop     *int   `json:"loop"`
		Steps    []struct {
			Index       int    `json:"index"`
			Action      string `json:"action"`
			Fingerprint string `json:"fingerprint"`
		} `json:"steps"`
	} `json:"violation"`
}

// decodeTrace reads a saved counterexample; names is the action table, to
// find the actions of a `check run --json` trace, which names them by
// label only.
func decodeTrace(b []byte, names []string) (*savedTrace, error) {
	var probe struct {
		Schema    *string          `json:"schema"`
		Violation *json.RawMessage `json:"violation"`
		Result    *string          `json:"result"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a trace: the file is not a JSON object: %v", err)
	}
	switch {
	case probe.Schema != nil:
		d, err := traces.Decode("the trace", b)
		if err != nil {
			return nil, err
		}
		steps, err := d.ReplaySteps()
		if err != nil {
			return nil, fmt.Errorf("the trace: %v", err)
		}
		return &savedTrace{scenario: d.Scenario, params: d.Params, property: d.Property, kind: statespace.Kind(d.Kind),
			init: d.Init, loop: d.Loop, steps: steps}, nil
	case probe.Result != nil:
		return decodeRun(b, names)
	}
	return nil, fmt.Errorf("not a trace: want the JSON of 'check run --trace-out FILE.json' (schema %q) or of 'check run --json'", traces.Schema)
}

// decodeRun reads the counterexample of `check run --json`.
func decodeRun(b []byte, names []string) (*savedTrace, error) {
	var r runJSON
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("the output of check run --json does not decode: %v", err)
	}
	v := r.Violation
	if v == nil || len(v.Steps) == 0 {
		return nil, fmt.Errorf("the output of check run --json has no counterexample to step through (result %q)", r.Result)
	}
	t := &savedTrace{scenario: r.Scenario, params: r.Params, property: v.Property, kind: statespace.Kind(v.Kind), init: -1, loop: -1}
	if v.Loop != nil {
		t.loop = *v.Loop
	}
	for i, st := range v.Steps {
		var fp uint64
		if _, err := fmt.Sscanf(st.Fingerprint, "%016x", &fp); err != nil || len(st.Fingerprint) != 16 {
			return nil, fmt.Errorf("step %d: fingerprint %q is not 16 hex digits", i, st.Fingerprint)
		}
		a := -1
		if i > 0 {
			if a = slices.Index(names, st.Action); a < 0 {
				return nil, fmt.Errorf("step %d: the model has no action %q (the model changed, or the trace is of another scenario)", i, st.Action)
			}
		}
		t.steps = append(t.steps, statespace.ReplayStep{Action: a, Label: st.Action, Fingerprint: fp})
	}
	return t, nil
}

// sameScenario checks that a trace is of the scenario served.
func (t *savedTrace) sameScenario(scenario string, params map[string]string) error {
	if t.scenario == scenario && maps.Equal(t.params, params) {
		return nil
	}
	return fmt.Errorf("the trace is of scenario %s (%s), the explorer serves %s (%s): run 'check explore' on the trace's scenario",
		t.scenario, settings(t.params), scenario, settings(params))
}

// settings renders parameters as "k=v k=v", sorted.
func settings(p map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		out = append(out, k+"="+p[k])
	}
	if len(out) == 0 {
		return "no parameters"
	}
	return strings.Join(out, " ")
}
