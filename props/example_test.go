package props_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/pbt"
)

// The worked example of docs/testing.md §1: a property of your own, added
// to a world file as an invariant, run under rapid, under gopter and by
// exhaustive search.

// ownProperties are two invariants added to today-wait-first: memory never
// holds a version newer than the latest completed write (no write becomes
// visible before it completes), which holds; and memory is never behind
// it, which a write-back cache breaks at once.
const ownProperties = `
invariants:
  - name: memory-not-ahead
    expr: mem(0) <= latest(0)
  - name: memory-never-behind
    expr: mem(0) >= latest(0)
`

// withOwnProperties is a scenario file with ownProperties appended.
func withOwnProperties(t *testing.T, path string) file {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	name := path + "+own-properties"
	sc, v, opt, err := scenario.ParseFile(scenario.Builtin(), name, append(text, ownProperties...))
	if err != nil {
		t.Fatal(err)
	}
	m, err := sc.World(v)
	if err != nil {
		t.Fatal(err)
	}
	return file{path: name, sc: sc, v: v, opt: opt, m: m}
}

func TestWorkedExampleOwnProperty(t *testing.T) {
	t.Parallel()
	f := withOwnProperties(t, "scenarios/today-wait-first.yaml")
	g := f.generic(t)
	opt := pbt.Options{Name: f.path, Only: []string{"memory-not-ahead"}, Runs: 1000}

	// 1. rapid.
	r := g.rapid(t, opt)
	pbt.AssertNoViolation(t, r)
	pbt.AssertNonVacuous(t, r, pbt.Min{Steps: 1000, Distinct: 100})

	// 2. gopter.
	opt.Runs = 300
	gr := g.gopter(t, opt)
	pbt.AssertNoViolation(t, gr)
	pbt.AssertNonVacuous(t, gr, pbt.Min{Steps: 1000, Distinct: 100})

	// 3. Exhaustive search: every reachable state.
	x := f.check(t, statespace.Options{Only: []string{"memory-not-ahead"}})
	if got, _ := scenario.Verdict(x, "memory-not-ahead"); got != "holds" {
		t.Errorf("exhaustive search: memory-not-ahead %s", got)
	}
	t.Log(r.Summary())
	t.Log(gr.Summary())

	// A property that breaks is found, shrunk and confirmed the same way:
	// the CPU writes line 0 into its cache, and memory is behind.
	bad := pbt.Options{Name: f.path, Only: []string{"memory-never-behind"}, ExpectViolation: true}
	for _, rep := range []*pbt.Report{g.rapid(t, bad), g.gopter(t, bad)} {
		x := g.finds(t, rep, "memory-never-behind", 0)
		if rep.Violation != nil {
			t.Logf("%s; BFS shortest %d\n%s", rep.Summary(), x.Shortest, rep.Violation.Text())
		}
	}
}
