// Package scenario is the registry of the models the CLI checks (the
// built-in scenarios, and any registered with scenario.Of): a named model with typed parameters (set from the command line with
// --set key=value) that can be checked without writing Go.
package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/explore"
	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is the type of a parameter's value.
type Kind int

const (
	// Int parameters take a decimal integer between Min and Max.
	Int Kind = iota
	// Bool parameters take true or false.
	Bool
	// Choice parameters take one of Options.
	Choice
)

// Param describes one parameter of a scenario.
type Param struct {
	Name     string
	Kind     Kind
	Default  string
	Min, Max int      // Int only
	Options  []string // Choice only
	Help     string
}

// Scenario is a registered model that the CLI can check.
type Scenario struct {
	Name        string
	Description string
	Params      []Param
	// Check builds the model for the given parameter values and runs the
	// checker on it.
	Check func(v Values, opt statespace.Options) (*statespace.Result, error)
	// Replay re-executes a saved counterexample against the model built
	// from v (statespace.Replay).
	Replay func(v Values, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error)
	// ReplayAs is Replay for a saved counterexample that says its kind:
	// the kind must agree with the property and the loop, and the trace
	// must show that kind of violation (statespace.ReplayAs).
	ReplayAs func(v Values, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error)
	// Graph explores the whole state graph if it has at most max states.
	Graph func(v Values, max int) (*statespace.Graph, error)
	// Properties lists the names of the properties of the model built from
	// v, in model order (statespace.DeadlockProperty is not among them).
	Properties func(v Values) ([]string, error)
	// Explore builds the model from v for the interactive explorer (check
	// explore), its state type hidden (explore.Of; wired in explore.go).
	Explore func(v Values) (explore.Model, error)

	// fileOptions and spec, for a scenario read from a world file, are
	// the file's options and world at the values v.
	fileOptions func(v Values) (FileOptions, error)
	spec        func(v Values) (world.Spec, error)
	// World builds the world model of a world file (model: world) for v,
	// for tools that drive the model themselves (the property-based
	// suites of package props); nil for the other scenarios.
	World func(v Values) (*world.Model, error)
}

// model wires a scenario to its model: Check, Replay and ReplayAs build the
// model from the parameter values with build.
func model[S comparable](s *Scenario, build func(v Values) (statespace.Model[S], error)) *Scenario {
	s.Check = func(v Values, opt statespace.Options) (*statespace.Result, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return statespace.Check(m, opt)
	}
	s.Replay = func(v Values, init int, steps []statespace.ReplayStep, property string, loop int) (*statespace.Trace, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return statespace.Replay(m, init, steps, property, loop)
	}
	s.ReplayAs = func(v Values, init int, steps []statespace.ReplayStep, property string, kind statespace.Kind, loop int) (*statespace.Trace, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return statespace.ReplayAs(m, init, steps, property, kind, loop)
	}
	s.Graph = func(v Values, max int) (*statespace.Graph, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		return statespace.ExploreGraph(m, max)
	}
	s.Explore = exploreOf(build)
	s.Properties = func(v Values) ([]string, error) {
		m, err := build(v)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, p := range m.Properties() {
			names = append(names, p.Name)
		}
		return names, nil
	}
	return s
}

// Settings turns parameter values back into --set settings.
func Settings(params map[string]string) []string {
	var out []string
	for k, v := range params {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// Values are validated parameter values, one per parameter of the
// scenario (defaults filled in).
type Values struct {
	ints  map[string]int
	bools map[string]bool
	strs  map[string]string
	order []string
	text  map[string]string
}

// Int returns the value of an Int parameter.
func (v Values) Int(name string) int { return v.ints[name] }

// Bool returns the value of a Bool parameter.
func (v Values) Bool(name string) bool { return v.bools[name] }

// Choice returns the value of a Choice parameter.
func (v Values) Choice(name string) string { return v.strs[name] }

// String renders the values as "k=v k=v", in parameter order.
func (v Values) String() string {
	var parts []string
	for _, n := range v.order {
		parts = append(parts, n+"="+v.text[n])
	}
	return strings.Join(parts, " ")
}

// Map returns the values as text, keyed by parameter name.
func (v Values) Map() map[string]string {
	out := make(map[string]string, len(v.text))
	for k, x := range v.text {
		out[k] = x
	}
	return out
}

// Parse validates settings of the form "key=value" against the scenario's
// parameters and fills in the defaults. A later setting of the same key
// wins.
func (s *Scenario) Parse(settings []string) (Values, error) {
	raw := map[string]string{}
	for _, p := range s.Params {
		raw[p.Name] = p.Default
	}
	for _, kv := range settings {
		k, val, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return Values{}, fmt.Errorf("--set %q: want key=value", kv)
		}
		if _, known := raw[k]; !known {
			return Values{}, fmt.Errorf("--set %q: scenario %s has no parameter %q (it has: %s)", kv, s.Name, k, s.paramNames())
		}
		raw[k] = strings.TrimSpace(val)
	}
	v := Values{ints: map[string]int{}, bools: map[string]bool{}, strs: map[string]string{}, text: map[string]string{}}
	for _, p := range s.Params {
		text, err := p.Check(raw[p.Name])
		if err != nil {
			return Values{}, fmt.Errorf("parameter %s=%q: %v", p.Name, raw[p.Name], err)
		}
		switch p.Kind {
		case Int:
			v.ints[p.Name], _ = strconv.Atoi(text)
		case Bool:
			v.bools[p.Name], _ = strconv.ParseBool(text)
		case Choice:
			v.strs[p.Name] = text
		}
		v.order = append(v.order, p.Name)
		v.text[p.Name] = text
	}
	return v, nil
}

// Check validates a value of the parameter and returns it in its canonical
// form; its error says what the parameter wants.
func (p Param) Check(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch p.Kind {
	case Int:
		n, err := strconv.Atoi(text)
		if err != nil || n < p.Min || n > p.Max {
			return "", fmt.Errorf("want an integer between %d and %d", p.Min, p.Max)
		}
		return strconv.Itoa(n), nil
	case Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return "", fmt.Errorf("want true or false")
		}
		return strconv.FormatBool(b), nil
	case Choice:
		if !slices.Contains(p.Options, text) {
			return "", fmt.Errorf("want one of %s", strings.Join(p.Options, ", "))
		}
		return text, nil
	}
	return "", fmt.Errorf("parameter %s has unknown kind %d", p.Name, p.Kind)
}

// Param returns the scenario's parameter of that name.
func (s *Scenario) Param(name string) (Param, bool) {
	i := slices.IndexFunc(s.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return s.Params[i], true
}

func (s *Scenario) paramNames() string {
	var n []string
	for _, p := range s.Params {
		n = append(n, p.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// Registry holds scenarios by name.
type Registry struct {
	byName map[string]*Scenario
}

// Add registers s; it panics on a duplicate name (a programming error in
// the registration code, caught by the package tests).
func (r *Registry) Add(s *Scenario) {
	if r.byName == nil {
		r.byName = map[string]*Scenario{}
	}
	if _, dup := r.byName[s.Name]; dup {
		panic("scenario: duplicate scenario " + s.Name)
	}
	r.byName[s.Name] = s
}

// Lookup returns the scenario with the given name.
func (r *Registry) Lookup(name string) (*Scenario, error) {
	if s, ok := r.byName[name]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("unknown scenario %q (the registered ones: %s)", name, strings.Join(r.Names(), ", "))
}

// Names returns the scenario names in sorted order.
func (r *Registry) Names() []string {
	var n []string
	for k := range r.byName {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// All returns the scenarios sorted by name.
func (r *Registry) All() []*Scenario {
	var out []*Scenario
	for _, n := range r.Names() {
		out = append(out, r.byName[n])
	}
	return out
}
