package scenario

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// worldTemplate is a world file read up to its parameters: the tree with
// the uses still in it, the declared parameters (and the implicit
// symmetry one), and the scenario's name and description.
type worldTemplate struct {
	path string
	// top is the file's top mapping without params:.
	top    *yaml.Node
	params []Param
	// symmetry: the file declares a symmetry, and params ends with the
	// implicit symmetry parameter that turns it off.
	symmetry          bool
	name, description string
}

// readWorldTemplate reads a world file's parameters and checks their uses
// in every branch: an unknown parameter, a malformed use or condition, and
// a declared parameter used nowhere are errors at their place in the file.
func readWorldTemplate(path string, top *yaml.Node) (*worldTemplate, error) {
	f := &fileReader{path: path}
	t := &worldTemplate{path: path, top: &yaml.Node{}}
	*t.top = *top
	t.top.Content = nil
	var keys []*yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == "params" {
			if keys != nil {
				return nil, fileError(path, k, "field \"params\" appears twice")
			}
			t.params, keys = f.paramDecls(v)
			if f.err != nil {
				return nil, f.err
			}
			if keys == nil {
				keys = []*yaml.Node{}
			}
			continue
		}
		t.top.Content = append(t.top.Content, k, v)
	}
	if sym := keyOf(t.top, "symmetry"); sym != nil {
		if groups := t.top.Content[slices.Index(t.top.Content, sym)+1]; groups.Kind == yaml.SequenceNode && len(groups.Content) > 0 {
			if i := slices.IndexFunc(t.params, func(p Param) bool { return p.Name == "symmetry" }); i >= 0 {
				return nil, fileError(path, keys[i], "params: symmetry: a world with a symmetry: declaration has an implicit bool parameter symmetry (default true; false checks the world unreduced): do not declare it")
			}
			t.symmetry = true
		}
	}
	declared := len(t.params)
	if t.symmetry {
		t.params = append(t.params, Param{Name: "symmetry", Kind: Bool, Default: "true", Help: symmetryParamHelp})
	}
	if n := keyOf(t.top, "name"); n != nil {
		if v := t.top.Content[slices.Index(t.top.Content, n)+1]; strings.Contains(v.Value, "$") {
			return nil, fileError(path, v, "name: the scenario's name is fixed (traces and regression scripts name it); it cannot use parameters")
		}
	}
	s := &substituter{f: f, params: t.params, v: t.defaults(), check: true, used: map[string]bool{}}
	s.copyNode(t.top)
	if f.err != nil {
		return nil, f.err
	}
	for i, p := range t.params[:declared] {
		if !s.used[p.Name] {
			return nil, fileError(path, keys[i], "params: %s is used nowhere ($%s, ${%s} or an if over it), so it would change nothing", p.Name, p.Name, p.Name)
		}
	}
	inst, err := t.instantiate(t.defaults())
	if err != nil {
		return nil, err
	}
	t.name = "file:" + path
	if n := keyOf(inst, "name"); n != nil {
		t.name = inst.Content[slices.Index(inst.Content, n)+1].Value
	}
	if n := keyOf(inst, "description"); n != nil {
		t.description = inst.Content[slices.Index(inst.Content, n)+1].Value
	}
	return t, nil
}

// defaults are the parameters' default values.
func (t *worldTemplate) defaults() Values {
	v, err := (&Scenario{Params: t.params}).Parse(nil)
	if err != nil {
		panic("scenario: a declared default does not parse: " + err.Error()) // paramDecls checked each
	}
	return v
}

// instantiate returns a copy of the file's tree at the values v: every use
// substituted, every if item replaced by its branch's items, and the
// symmetry declaration dropped when the symmetry parameter is false.
func (t *worldTemplate) instantiate(v Values) (*yaml.Node, error) {
	f := &fileReader{path: t.path}
	s := &substituter{f: f, params: t.params, v: v}
	top := s.copyNode(t.top)
	if f.err != nil {
		return nil, f.err
	}
	if t.symmetry && !v.Bool("symmetry") {
		if k := keyOf(top, "symmetry"); k != nil {
			i := slices.Index(top.Content, k)
			top.Content = slices.Delete(top.Content, i, i+2)
		}
	}
	return top, nil
}

// worldRead is a world file read at some parameter values.
type worldRead struct {
	spec  world.Spec
	model *world.Model
	opt   FileOptions
}

// read reads the world file at the values v. At values other than the
// defaults, expect are the expectations read at the defaults: they are not
// read again (they are pinned for the defaults) but still choose which
// properties are checked.
func (t *worldTemplate) read(v Values, expect []Expectation) (*worldRead, error) {
	top, err := t.instantiate(v)
	if err != nil {
		return nil, err
	}
	f := &fileReader{path: t.path}
	fields := f.mapping(top, nil)
	var opt FileOptions
	if n, ok := fields["max-states"]; ok {
		opt.MaxStates = uint64(f.int(n, 0, 1<<40))
	}
	if n, ok := fields["max-depth"]; ok {
		opt.MaxDepth = f.int(n, 0, 1<<20)
	}
	if f.err != nil {
		return nil, f.err
	}
	opt.Differs = t.differs(v)
	r, err := f.worldFile(top, fields, opt, expect)
	if err != nil && len(opt.Differs) > 0 {
		return nil, fmt.Errorf("%w (with %s)", err, strings.Join(opt.Differs, " "))
	}
	return r, err
}

// differs lists the settings of v that differ from the defaults, as
// name=value in parameter order.
func (t *worldTemplate) differs(v Values) []string {
	var out []string
	for _, p := range t.params {
		if x := v.text[p.Name]; x != p.Default {
			out = append(out, p.Name+"="+x)
		}
	}
	return out
}

// scenario is the world file as a scenario whose every value builds its
// world: each read once, on first use. def, when not nil, is the file
// already read at the defaults.
func (t *worldTemplate) scenario(def *worldRead) *Scenario {
	var mu sync.Mutex
	reads := map[string]*worldRead{}
	defaults := t.defaults()
	if def != nil {
		reads[defaults.String()] = def
	}
	readAt := func(v Values) (*worldRead, error) {
		mu.Lock()
		defer mu.Unlock()
		if r, ok := reads[v.String()]; ok {
			return r, nil
		}
		var expect []Expectation
		if v.String() != defaults.String() {
			d, ok := reads[defaults.String()]
			if !ok {
				var err error
				if d, err = t.read(defaults, nil); err != nil {
					return nil, err
				}
				reads[defaults.String()] = d
			}
			expect = d.opt.Expect
		}
		r, err := t.read(v, expect)
		if err != nil {
			return nil, err
		}
		reads[v.String()] = r
		return r, nil
	}
	sc := worldScenario(&Scenario{Name: t.name, Description: t.description, Params: t.params}, func(v Values) (*world.Model, error) {
		r, err := readAt(v)
		if err != nil {
			return nil, err
		}
		return r.model, nil
	})
	sc.fileOptions = func(v Values) (FileOptions, error) {
		r, err := readAt(v)
		if err != nil {
			return FileOptions{}, err
		}
		return r.opt, nil
	}
	sc.spec = func(v Values) (world.Spec, error) {
		r, err := readAt(v)
		if err != nil {
			return world.Spec{}, err
		}
		return r.spec, nil
	}
	return sc
}

// parseWorldFile reads a world file (model: world) at the settings (name=
// value, applied on top of the file's defaults).
func parseWorldFile(path string, top *yaml.Node, settings []string) (*Scenario, Values, FileOptions, error) {
	t, err := readWorldTemplate(path, top)
	if err != nil {
		return nil, Values{}, FileOptions{}, err
	}
	def, err := t.read(t.defaults(), nil)
	if err != nil {
		return nil, Values{}, FileOptions{}, err
	}
	sc := t.scenario(def)
	v, err := sc.Parse(settings)
	if err != nil {
		return nil, Values{}, FileOptions{}, err
	}
	opt, err := sc.fileOptions(v)
	return sc, v, opt, err
}
