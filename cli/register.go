package cli

import (
	"fmt"
	"strconv"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Values are a model's parameter values, as --set gives them (defaults
// filled in): Values.Int, Values.Bool and Values.Choice read them.
type Values = scenario.Values

// Param declares a parameter of a model: its name, kind, default, range
// and help (Int, Bool and Choice make one).
type Param = scenario.Param

// Int is an integer parameter from min to max (both included).
func Int(name string, def, min, max int, help string) Param {
	return Param{Name: name, Kind: scenario.Int, Default: strconv.Itoa(def), Min: min, Max: max, Help: help}
}

// Bool is a true-or-false parameter.
func Bool(name string, def bool, help string) Param {
	return Param{Name: name, Kind: scenario.Bool, Default: strconv.FormatBool(def), Help: help}
}

// Choice is a parameter that takes one of options.
func Choice(name, def string, options []string, help string) Param {
	return Param{Name: name, Kind: scenario.Choice, Default: def, Options: options, Help: help}
}

// Register adds to a's registry the model called name, which build makes
// from the parameter values (--set name=value, checked against params
// first). Every command then takes it: run, list, replay, export, graph
// and explore. A parameter named "symmetry" (a Bool) is the one --reduce
// turns on and off.
//
// Register panics on a duplicate name or a parameter whose default is out
// of its own range: both are mistakes in the program, not in its input.
func Register[S comparable](a *App, name, description string, build func(v Values) (statespace.Model[S], error), params ...Param) {
	sc := scenario.Of(name, description, params, build)
	if _, err := sc.Parse(nil); err != nil { // the defaults
		panic(fmt.Sprintf("cli: model %s: %v", name, err))
	}
	a.Registry.Add(sc)
}
