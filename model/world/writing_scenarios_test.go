package world

import (
	"os"
	"strings"
	"testing"
)

// docs/writing-scenarios.md is the reference of the world file language:
// these tests keep its tables complete (the cache family's calls and
// atoms; the other families' join as their file forms land).

func readWritingScenarios(t *testing.T) string {
	b, err := os.ReadFile("../../docs/writing-scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// inTable reports whether doc shows form in code, as a markdown table
// writes it (| escaped).
func inTable(doc, form string) bool {
	return strings.Contains(doc, "`"+strings.ReplaceAll(form, "|", `\|`)+"`")
}

func TestWritingScenariosListsEveryCall(t *testing.T) {
	doc := readWritingScenarios(t)
	for _, sx := range cacheSyntaxes {
		if !inTable(doc, sx.Form()) {
			t.Errorf("docs/writing-scenarios.md does not list the call %s", sx.Form())
		}
	}
}

func TestWritingScenariosListsEveryAtom(t *testing.T) {
	doc := readWritingScenarios(t)
	for _, a := range cacheAtoms {
		form := a.Name
		if len(a.Args) > 0 {
			var args []string
			for _, x := range a.Args {
				args = append(args, x.Form)
			}
			form += "(" + strings.Join(args, ", ") + ")"
		}
		if !inTable(doc, form) {
			t.Errorf("docs/writing-scenarios.md does not list the atom %s", form)
		}
	}
	for _, f := range FlagNames() {
		if !inTable(doc, f) {
			t.Errorf("docs/writing-scenarios.md does not list the flag %s", f)
		}
	}
	for _, h := range HookKindNames() {
		if !inTable(doc, h) {
			t.Errorf("docs/writing-scenarios.md does not list the hook operation %s", h)
		}
	}
	for _, p := range append(DevicePresetNames(), ExporterPresetNames()...) {
		if !inTable(doc, p) {
			t.Errorf("docs/writing-scenarios.md does not list the preset %s", p)
		}
	}
}
