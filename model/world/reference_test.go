package world

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/model.md")

// reference renders the world's language and semantics tables: every call
// with its kernel function, every atom, every hook operation, the presets
// and every property with its kernel rule. docs/model.md is this
// text; TestReferenceIsCurrent keeps it so.
func reference() string {
	var b strings.Builder
	b.WriteString("# The model: the world's reference\n\n")
	b.WriteString("Generated from `model/world`'s tables by `go test ./model/world -run TestReferenceIsCurrent -update`;\n")
	b.WriteString("do not edit. [world.md](world.md) is the design, [writing-scenarios.md](writing-scenarios.md) the guide,\n")
	b.WriteString("[kernel-rules.md](kernel-rules.md) the rules the semantics follow.\n\n")
	b.WriteString("## Calls\n\nAs a scenario file writes them, with the kernel function whose 6.12 semantics the call follows.\n")
	fams := []string{"cache", "fence", "lock", "vm", "p2p"}
	for f, name := range fams {
		var rows []string
		for _, sx := range syntaxes() {
			if familyOf(sx.Kind) != f {
				continue
			}
			c := sx.Fixed
			c.Kind = sx.Kind
			d := c.def()
			kernel, steps := "", ""
			if d != nil {
				kernel = d.kernel
				if d.steps > 1 {
					steps = " (two steps: it blocks in the middle)"
				}
			}
			rows = append(rows, fmt.Sprintf("| `%s` | %s | %s%s |", sx.Form(), cell(kernel), cell(sx.Help), steps))
		}
		if len(rows) == 0 {
			fmt.Fprintf(&b, "\n### %s family\n\nNo file form yet.\n", name)
			continue
		}
		fmt.Fprintf(&b, "\n### %s family\n\n| call | kernel | what it does |\n|---|---|---|\n%s\n", name, strings.Join(rows, "\n"))
	}
	b.WriteString("\n## Expression atoms\n\nFor `when:` guards and `invariants:`; with integers, `!`, `&&`, `||`, `==`, `!=`, `<`, `<=`, `>`, `>=` and parentheses.\n\n| atom | meaning |\n|---|---|\n")
	for _, a := range atoms() {
		var args []string
		for _, x := range a.Args {
			args = append(args, x.Form)
		}
		form := a.Name
		if len(args) > 0 {
			form += "(" + strings.Join(args, ", ") + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", form, cell(a.Help))
	}
	b.WriteString("\n## Exporter hook operations\n\n| operation | what the hook does |\n|---|---|\n")
	for k := HookKind(0); k < numHookKinds; k++ {
		fmt.Fprintf(&b, "| `%s` | %s |\n", k, hookDocs[k])
	}
	b.WriteString("\n## Hook operation modifiers\n\nIn parentheses after an operation, separated by spaces: `sync-exporter-device(first-call for-device)`.\n\n| modifier | what it does |\n|---|---|\n")
	for _, m := range HookModifierDocs() {
		fmt.Fprintf(&b, "| `%s` | %s |\n", m[0], cell(m[1]))
	}
	b.WriteString("\n## Presets\n\n| exporter | attach | map | begin | end | other |\n|---|---|---|---|---|---|\n")
	for _, e := range exporterPresets {
		other := []string{}
		if e.Dynamic {
			other = append(other, "dynamic")
		}
		if e.CacheSGTFirstDir {
			other = append(other, "cache-sgt: first-direction")
		} else if e.CacheSGT {
			other = append(other, "cache-sgt")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", e.Name, hookText(e.Attach), hookText(e.Map), hookText(e.Begin), hookText(e.End), strings.Join(other, ", "))
	}
	b.WriteString("\n| device | coherent | own cache | dynamic | bounce | IOMMU |\n|---|---|---|---|---|---|\n")
	for _, d := range devicePresets {
		fmt.Fprintf(&b, "| `%s` | %v | %v | %v | %v | %v |\n", d.Name, d.Coherent, d.OwnCache, d.Dynamic, d.Bounce, d.IOMMU)
	}
	b.WriteString("\n## Properties\n\nThe built-in properties, by family, with the kernel rule each checks.\n")
	for f, docs := range []map[string]string{cacheDocs, fenceDocs, lockDocs, vmDocs, p2pDocs} {
		var names []string
		for n := range docs {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s family\n\n| property | rule |\n|---|---|\n", fams[f])
		for _, n := range names {
			fmt.Fprintf(&b, "| `%s` | %s |\n", n, cell(docs[n]))
		}
	}
	return b.String()
}

func hookText(h Hook) string {
	var ops []string
	for _, op := range h {
		ops = append(ops, op.String())
	}
	return strings.Join(ops, ", ")
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// TestReferenceIsCurrent keeps docs/model.md equal to the
// world's tables (go test -run TestReferenceIsCurrent -update rewrites it).
func TestReferenceIsCurrent(t *testing.T) {
	const path = "../../docs/model.md"
	want := reference()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/model.md is out of date: go test ./model/world -run TestReferenceIsCurrent -update")
	}
}

// TestEveryCallHasAKernelReference: the semantics table cites the kernel
// function of every call.
func TestEveryCallHasAKernelReference(t *testing.T) {
	for _, sx := range syntaxes() {
		c := sx.Fixed
		c.Kind = sx.Kind
		if d := c.def(); d == nil || d.kernel == "" {
			t.Errorf("%s: no kernel reference", sx.Form())
		}
	}
}
