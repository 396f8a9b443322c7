package scenario

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// unexpressed are the parameters of earlier built-ins that their world
// file cannot have, and why: "NAME PARAM".
var unexpressed = map[string]string{
	"fence-three-writers symmetry": "the world's fence family cannot permute its state yet (model/world familySymmetry has no fence entry), so FromFenceConfig declares no symmetry and the file none: checked unreduced",
}

// combinations are every combination of values of params, as settings.
func combinations(params []Param) [][]string {
	out := [][]string{nil}
	for _, p := range params {
		var next [][]string
		for _, c := range out {
			for _, x := range paramValues(p) {
				next = append(next, append(slices.Clone(c), p.Name+"="+x))
			}
		}
		out = next
	}
	return out
}

// Every scenario file has exactly the parameters of its earlier built-in
// (names, defaults, ranges and options; symmetry where the built-in had
// one), and at every combination of their values (the whole cross
// product: 848 of them, in about two seconds) it is the world the translator makes
// of the earlier configuration at that value (symmetry=false: without the
// symmetry declaration), as WorldYAML writes both. With the translators'
// differential tests (model/world/legacy_*_test.go) this gives the
// earlier built-ins' verdicts at every value.
func TestScenarioFilesAreTheTranslatorsAtEveryValue(t *testing.T) {
	total := 0
	for _, b := range legacy(t) {
		t.Run(b.name, func(t *testing.T) {
			path := filepath.Join(scenariosDir, b.name+".yaml")
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sc, _, _, err := ParseFile(Builtin(), path, text)
			if err != nil {
				t.Fatal(err)
			}
			var want []Param
			for _, p := range b.allParams() {
				if _, ok := unexpressed[b.name+" "+p.Name]; !ok {
					want = append(want, p)
				}
			}
			if got, w := paramsText(sc.Params), paramsText(want); got != w {
				t.Fatalf("%s has parameters\n%s\nthe earlier built-in\n%s", path, got, w)
			}
			for k := range unexpressed {
				if name, p, _ := strings.Cut(k, " "); name == b.name {
					if _, ok := sc.Param(p); ok {
						t.Errorf("%s has parameter %s: remove it from unexpressed", path, p)
					}
				}
			}
			all := combinations(sc.Params)
			total += len(all)
			for _, set := range all {
				v, err := sc.Parse(set)
				if err != nil {
					t.Fatal(err)
				}
				got, err := sc.spec(v)
				if err != nil {
					t.Fatalf("%s at %s: %v", path, v, err)
				}
				w, err := b.world(v)
				if err != nil {
					t.Fatal(err)
				}
				if b.symmetric && !v.Bool("symmetry") {
					w.Symmetry = nil
				}
				gy, err := WorldYAML(got, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				wy, err := WorldYAML(w, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gy, wy) {
					t.Fatalf("%s at %s is not the translator's world:\n%s", path, v, lineDiff(string(gy), string(wy)))
				}
			}
		})
	}
	t.Logf("%d combinations of parameter values checked", total)
}

// paramsText is parameters one per line: name, kind, default, range or
// options (not the help).
func paramsText(ps []Param) string {
	var out []string
	for _, p := range ps {
		s := fmt.Sprintf("%s %s default %s", p.Name, kindName(p.Kind), p.Default)
		switch p.Kind {
		case Int:
			s += fmt.Sprintf(" %d..%d", p.Min, p.Max)
		case Choice:
			s += " " + strings.Join(p.Options, "|")
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  file:       %s\n  translator: %s", i+1, a, b)
		}
	}
	return "(equal)"
}

// The registry's built-ins are the reference models and the world files,
// one per earlier built-in: none is lost, each with the earlier
// description and the file's parameters.
func TestEveryEarlierBuiltinIsAWorldFileBuiltin(t *testing.T) {
	reg := Builtin()
	want := []string{"dmabuf-bench", "german"}
	for _, b := range legacy(t) {
		want = append(want, b.name)
		sc, err := reg.Lookup(b.name)
		if err != nil {
			t.Error(err)
			continue
		}
		if sc.Description != b.description {
			t.Errorf("%s: description %q, want %q", b.name, sc.Description, b.description)
		}
		if sc.spec == nil {
			t.Errorf("%s is not read from its world file", b.name)
		}
	}
	slices.Sort(want)
	if got := reg.Names(); !slices.Equal(got, want) {
		t.Errorf("built-ins %v\nwant %v", got, want)
	}
}
