package scenario

import "github.com/dmabufcheck/dmabufcheck/statespace"

// Of is the scenario of a model that build makes from the parameter values:
// its Check, Replay, ReplayAs, Graph, Properties and Explore build the model
// and run package statespace on it, whatever the model's state type S. It
// is how a model from outside this module joins a Registry (package cli's
// Register wraps it).
func Of[S comparable](name, description string, params []Param, build func(v Values) (statespace.Model[S], error)) *Scenario {
	return model(&Scenario{Name: name, Description: description, Params: params}, build)
}
