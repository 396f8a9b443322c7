package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// family groups scenarios whose worlds share a family (one property list), so each gets
// one table.
func family(name string) string {
	switch {
	case strings.HasPrefix(name, "fence-"):
		return "Fences and dma_resv (the fence family)"
	case strings.HasPrefix(name, "deadlock-"), strings.HasPrefix(name, "initial-signalled-"):
		return "Locks and deadlock patterns (the lock family)"
	case strings.HasPrefix(name, "container-"):
		return "Container fences and syncobj timelines (the lock family)"
	case strings.HasPrefix(name, "rcu-"):
		return "Lockless readers: RCU and type-safe fences (the lock family)"
	case strings.HasPrefix(name, "crossvm-"):
		return "Sharing across virtual machines (the vm family)"
	case strings.HasPrefix(name, "p2p-"):
		return "Peer-to-peer DMA (the p2p family)"
	case strings.HasPrefix(name, "life-"):
		return "Object lifetimes: references, fds and lists (the life family)"
	case strings.HasPrefix(name, "joined-"):
		return "Several families in one world (caches, fences, locks, lifetimes)"
	case name == "german" || name == "dmabuf-bench":
		return "Reference models (refmodels)"
	}
	return "Caches, attachments and CPU access (the cache family)"
}

const reviewHelp = `usage: check review [flags] [DIR]

Check every property of every built-in scenario on its own and write the
design-review matrix (Markdown) with the counterexamples.

With DIR, review the scenario files of DIR instead (every .yaml and .yml
file): every property and deadlock of each file, checked on its own, with
what the file's expect: section says beside what was found. The matrix goes
to stdout unless --out is given, counterexamples are written only with
--traces. Exit 1 when a file's expectation is not met.
`

// reviewRow is one scenario's row of the matrix.
type reviewRow struct {
	name, desc string
	cells      map[string]string
}

// reviewEntry is one scenario to review: a built-in or a scenario file.
type reviewEntry struct {
	sc   *scenario.Scenario
	vals scenario.Values
	// path and opt are a file's (path "" for a built-in).
	path string
	opt  scenario.FileOptions
}

// cmdReview checks every property of every built-in scenario (or of every
// scenario file of a directory) on its own and writes the design-review
// matrix (Markdown) with the counterexamples. It exits 1 when a file's
// expectation is not met.
func cmdReview(reg *scenario.Registry, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("check review", flag.ContinueOnError)
	out := fs.String("out", filepath.Join("docs", "results.md"), "write the Markdown report to `FILE` (with DIR: default stdout)")
	dir := fs.String("traces", filepath.Join("docs", "results"), "write the counterexamples (.txt and .html) to `DIR` (with DIR: default none)")
	prefix := fs.String("scenarios", "", "only scenarios whose name starts with `PREFIX`")
	maxStates := uint64(5_000_000)
	fs.Var(cli.UintValue(&maxStates, "want a whole number of states (0 = no bound)"), "max-states", "bound per check, `N` states (a run that hits it is reported incomplete)")
	pos, err := cli.ParseFlags(fs, reviewHelp, args, stdout)
	if err != nil {
		return 0, err
	}
	if len(pos) > 1 {
		return 0, cli.Usagef("review takes at most one directory of scenario files")
	}
	given := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	var entries []reviewEntry
	filesDir := ""
	if len(pos) == 1 {
		filesDir = pos[0]
		if st, err := os.Stat(filesDir); err != nil || !st.IsDir() {
			return 0, cli.Usagef("review %s: want a directory of scenario files", filesDir)
		}
		files, err := cli.ScenarioFiles(filesDir)
		if err != nil {
			return 0, err
		}
		if len(files) == 0 {
			return 0, cli.Usagef("review %s: no scenario file (.yaml, .yml) in it", filesDir)
		}
		for _, p := range files {
			sc, vals, opt, err := scenario.LoadFile(reg, p)
			if err != nil {
				return 0, cli.UsageError{Err: err}
			}
			if strings.HasPrefix(sc.Name, *prefix) {
				entries = append(entries, reviewEntry{sc: sc, vals: vals, path: p, opt: opt})
			}
		}
		if !given["out"] {
			*out = "-"
		}
		if !given["traces"] {
			*dir = ""
		}
	} else {
		for _, sc := range reg.All() {
			if !strings.HasPrefix(sc.Name, *prefix) {
				continue
			}
			vals, err := sc.Parse(nil)
			if err != nil {
				return 0, err
			}
			entries = append(entries, reviewEntry{sc: sc, vals: vals})
		}
	}
	rel := ""
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return 0, err
		}
		base := "."
		if *out != "-" {
			base = filepath.Dir(*out)
		}
		if rel, err = filepath.Rel(base, *dir); err != nil {
			rel = *dir
		}
	}
	tables := map[string][]reviewRow{}
	columns := map[string][]string{}
	var order []string
	var unmet []string
	fileTables := map[string]string{} // a file table's title, by its properties
	expected := 0
	start := time.Now()
	for _, e := range entries {
		sc, vals := e.sc, e.vals
		// The property list, from a one-state run.
		probe, err := sc.Check(vals, statespace.Options{MaxStates: 1, Workers: 1})
		if err != nil {
			return 0, fmt.Errorf("%s: %v", sc.Name, err)
		}
		var props []string
		sometimes := map[string]bool{}
		for _, p := range probe.Properties {
			props = append(props, p.Name)
			sometimes[p.Name] = p.Expectation == statespace.Sometimes
		}
		fam := family(sc.Name)
		name := sc.Name
		if e.path != "" {
			// A file checks deadlock too, and its columns are its
			// properties: one table per set of properties.
			if !slices.Contains(props, statespace.DeadlockProperty) {
				props = append(props, statespace.DeadlockProperty)
			}
			sig := strings.Join(props, ",")
			if fam = fileTables[sig]; fam == "" {
				fam = "Scenario files in `" + filesDir + "`"
				if len(fileTables) > 0 {
					fam = fmt.Sprintf("%s, table %d (other properties)", fam, len(fileTables)+1)
				}
				fileTables[sig] = fam
			}
			name = e.path
		}
		if _, ok := columns[fam]; !ok {
			order = append(order, fam)
		}
		r := reviewRow{name: name, desc: sc.Description, cells: map[string]string{}}
		if e.path != "" {
			r.desc = "scenario " + sc.Name + ": " + sc.Description
		}
		for _, prop := range props {
			col := prop
			if base, _, cut := strings.Cut(col, "/"); cut && e.path == "" {
				col = base + "/…"
			}
			if !slices.Contains(columns[fam], col) {
				columns[fam] = append(columns[fam], col)
			}
			bound := maxStates
			if e.opt.MaxStates != 0 && (bound == 0 || e.opt.MaxStates < bound) {
				bound = e.opt.MaxStates
			}
			res, err := sc.Check(vals, statespace.Options{Only: []string{prop}, MaxStates: bound, MaxDepth: e.opt.MaxDepth})
			if err != nil {
				return 0, fmt.Errorf("%s / %s: %v", sc.Name, prop, err)
			}
			cell := ""
			switch {
			case res.Violation != nil && res.Violation.Trace != nil && *dir != "":
				doc, err := traces.FromViolation(sc.Name, vals.Map(), res.Violation)
				if err != nil {
					return 0, err
				}
				base := fileName(sc.Name + "--" + prop)
				for _, ext := range []string{".txt", ".html"} {
					if err := traces.WriteFile(filepath.Join(*dir, base+ext), doc); err != nil {
						return 0, err
					}
				}
				cell = fmt.Sprintf("**violated** ([%d steps](%s/%s.txt), [html](%s/%s.html))", res.Violation.Length(), rel, base, rel, base)
			case res.Violation != nil && res.Violation.Trace != nil:
				cell = fmt.Sprintf("**violated** (%s)", plural(res.Violation.Length(), "step"))
			case res.Violation != nil:
				cell = "**" + string(res.Violation.Kind) + "**"
			case res.Status == statespace.StatusIncomplete:
				cell = "incomplete (" + res.Incomplete + ")"
			default:
				cell = "ok"
				if sometimes[prop] {
					cell = "reached"
				}
			}
			if e.path != "" {
				got, length := scenario.Verdict(res, prop)
				for _, x := range e.opt.Expect {
					if x.Property != prop {
						continue
					}
					expected++
					if msg := x.Mismatch(got, length); msg != "" {
						cell += fmt.Sprintf(" ✗ expected %s%s", x.Verdict, stepsNote(x.Length))
						unmet = append(unmet, fmt.Sprintf("%s:%d:%d: %s", e.path, x.Line, x.Column, msg))
					} else {
						cell += " ✓ expected"
					}
				}
			}
			if prev, ok := r.cells[col]; ok && prev != "ok" { // per-fence liveness: keep the worst
				cell = prev
			}
			r.cells[col] = cell
		}
		tables[fam] = append(tables[fam], r)
		fmt.Fprintf(stderr, "review: %s done\n", name)
	}
	var b strings.Builder
	if filesDir == "" {
		b.WriteString("# Design-review results\n\n")
		b.WriteString("Generated by `go run ./cmd/check review` (do not edit by hand): every property of every built-in\n")
		b.WriteString("scenario checked on its own, exhaustively, at the scenario's default parameters. A violated\n")
		b.WriteString("property links to its shortest counterexample (text and the HTML viewer); `unreachable` is a\n")
		b.WriteString("reachability property no state satisfies; `ok` for an `eventually` property includes liveness\n")
		fmt.Fprintf(&b, "under the model's fairness. Took %.0f s.\n", time.Since(start).Seconds())
	} else {
		fmt.Fprintf(&b, "# Review of the scenario files in `%s`\n\n", filesDir)
		fmt.Fprintf(&b, "Generated by `check review %s`: every property of every scenario file, and deadlock, checked on\n", filesDir)
		b.WriteString("its own, exhaustively. `✓ expected` marks a verdict the file's `expect:` section states,\n")
		b.WriteString("`✗ expected ...` one that differs from what the file expects.\n")
		if expected > 0 {
			fmt.Fprintf(&b, "Expectations: %d of %d met.\n", expected-len(unmet), expected)
		}
		for _, u := range unmet {
			fmt.Fprintf(&b, "- NOT met: %s\n", u)
		}
	}
	for _, fam := range order {
		fmt.Fprintf(&b, "\n## %s\n\n| scenario |", fam)
		for _, c := range columns[fam] {
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n|---|")
		for range columns[fam] {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, r := range tables[fam] {
			fmt.Fprintf(&b, "| `%s` |", r.name)
			for _, c := range columns[fam] {
				cell := r.cells[c]
				if cell == "" {
					cell = "—"
				}
				fmt.Fprintf(&b, " %s |", cell)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n<details><summary>scenario descriptions</summary>\n\n")
		for _, r := range tables[fam] {
			fmt.Fprintf(&b, "- `%s`: %s\n", r.name, r.desc)
		}
		b.WriteString("\n</details>\n")
	}
	if *out == "-" {
		fmt.Fprint(stdout, b.String())
	} else {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			return 0, err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	for _, u := range unmet {
		fmt.Fprintf(stderr, "check: expectation not met: %s\n", u)
	}
	if len(unmet) > 0 {
		return cli.ExitViolation, nil
	}
	return cli.ExitOK, nil
}

// stepsNote is " in N steps", or "" for no length.
func stepsNote(n int) string {
	if n == 0 {
		return ""
	}
	return " in " + plural(n, "step")
}

// plural is "1 step", "2 steps".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(s))
}
