package scenario

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// worldFileError is how every error of a world file starts: the file, the
// line and the column.
var worldFileError = regexp.MustCompile(`^w\.yaml:[0-9]+:[0-9]+: `)

// isWorld reports whether text is a world file (model: world): the other
// forms' errors name the file, not always a line (FuzzScenarioFile).
func isWorld(text string) bool {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) != 1 {
		return false
	}
	m := keyOf(doc.Content[0], "model")
	if m == nil {
		return false
	}
	for i := 0; i+1 < len(doc.Content[0].Content); i += 2 {
		if doc.Content[0].Content[i] == m {
			return doc.Content[0].Content[i+1].Value == "world"
		}
	}
	return false
}

// FuzzWorldFile feeds arbitrary YAML to the world file reader (seeded with
// every file in docs/examples/world and the mistakes of
// TestWorldFileErrorsNameFileLineColumn): it never panics, every error
// of a world file starts with "file:line:col: " (of another form: names
// the file), and a file it accepts is a world that
// builds and runs (with a small MaxStates) without error or panic.
func FuzzWorldFile(f *testing.F) {
	files, _ := filepath.Glob("../docs/examples/world/*.yaml")
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	head := "model: world\nexporter: system-heap\ndevices: [isp]\nagents:\n  - name: app\n    program:\n"
	for _, body := range []string{
		"      - dma_buf_atach(isp)\n",
		"      - dma_buf_attach(ips)\n",
		"      - dma_buf_map_attachment(isp, TO_CPU)\n",
		"      - cpu_read(3)\n",
		"      - cpu_read\n",
		"      - reepat: 2\n        do: [cpu_read(0)]\n",
		"      - repeat: 99\n        do: [cpu_read(0)]\n",
		"      - when: atached(isp)\n        do: cpu_read(0)\n",
		"      - when: idle(isp-driver)\n        do: cpu_read(0)\n  - name: isp-driver\n    program: [dma_buf_attach(isp)]\n",
		"      - when: at(app, nowhere)\n        do: cpu_read(0)\n",
		"      - cpu_read(0)\nexpect:\n  no-stale-raed: holds\n",
		"      - cpu_read(0)\nexpect:\n  no-stale-read: fine\n",
		"      - cpu_read(0)\n",
		// Every statement form once.
		"      - label: top\n      - repeat: 2\n        do: [cpu_read(0)]\n      - choose: [cpu_read(0), [cpu_write(0), cpu_read(0)]]\n" +
			"      - loop: [cpu_read(0), break]\n      - atomic: [cpu_read(0), cpu_write(0)]\n      - when: \"!at(app, top) && writes < 2\"\n        do: cpu_write(0)\n" +
			"      - do: [cpu_read(0)]\n      - goto: top\n  - name: cache\n    program:\n      - forever: [cache_prefetch(0), cache_evict(0)]\n" +
			"invariants:\n  - name: bounded\n    expr: writes <= 2\nsymmetry: []\nmax-states: 100\n",
		"      - \"dma_buf_attach( isp )\"\n",
		"      - 'cpu_read(0'\n",
		"      - |\n        cpu_read(9)\n",
	} {
		f.Add(head + body)
	}
	f.Add("model: world\nexporter:\n  begin: [sync-maped]\ndevices: [isp]\nagents:\n  - name: app\n    program: [cpu_read(0)]\n")
	f.Add("model: world\nexporter:\n  base: system-heap\n  map: [dma-map(skip-cpu-sync)]\n  begin: [wait-fences, sync-mapped]\ndevices:\n  - name: d\n    base: isp\n    own-cache: true\nagents:\n  - name: a\n    program: [dma_buf_attach(d)]\nsymmetry: [[d]]\n")
	f.Add("model: world\nagents: []\n")
	f.Add("model: world\n")
	f.Add("model: world\nfence: {}\nagents:\n  - name: a\n")
	// Parameters: declarations of each kind, uses, if items.
	f.Add(paramsFile)
	f.Add(symmetryFile)
	reg := Builtin()
	f.Fuzz(func(t *testing.T, text string) {
		sc, v, opt, err := ParseFile(reg, "w.yaml", []byte(text))
		if err != nil {
			if isWorld(text) && !worldFileError.MatchString(err.Error()) {
				t.Fatalf("error %q does not start with file:line:col", err)
			}
			if !strings.HasPrefix(err.Error(), "w.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if sc == nil || sc.Check == nil {
			t.Fatal("a file without error and without a scenario")
		}
		if _, err := sc.Check(v, statespace.Options{Workers: 1, MaxStates: 500, Only: opt.Only}); err != nil {
			t.Fatalf("an accepted file does not check: %v", err)
		}
		// At other values of its parameters, the file may be wrong (an
		// error placed in the file), never a panic.
		for _, p := range sc.Params {
			other := map[Kind]string{Int: strconv.Itoa(p.Max), Bool: strconv.FormatBool(p.Default != "true")}[p.Kind]
			if p.Kind == Choice {
				other = p.Options[len(p.Options)-1]
			}
			v, err := sc.Parse([]string{p.Name + "=" + other})
			if err != nil {
				t.Fatalf("%s=%s: %v", p.Name, other, err)
			}
			if _, err := sc.Check(v, statespace.Options{Workers: 1, MaxStates: 500}); err != nil && !worldFileError.MatchString(err.Error()) {
				t.Fatalf("%s=%s: error %q does not start with file:line:col", p.Name, other, err)
			}
		}
	})
}
