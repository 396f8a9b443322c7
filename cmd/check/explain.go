package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/props"
)

// propertyDocs gathers the world's property documentation (the catalogue
// of package props), by property name.
func propertyDocs() map[string]string {
	out := map[string]string{}
	for _, p := range props.All() {
		if d := p.Doc(); d != "" {
			out[p.Name] = d
		}
	}
	return out
}

const explainHelp = `usage: check explain [PROPERTY]

Print what a property means and which kernel rule it comes from; without a
property, list every property name.
`

// cmdExplain prints what a property means and where it comes from; without
// an argument it lists every property.
func cmdExplain(args []string, stdout io.Writer) error {
	args, err := cli.ParseFlags(flag.NewFlagSet("check explain", flag.ContinueOnError), explainHelp, args, stdout)
	if err != nil {
		return err
	}
	docs := propertyDocs()
	switch len(args) {
	case 0:
		for _, n := range slices.Sorted(maps.Keys(docs)) {
			fmt.Fprintf(stdout, "%s\n", n)
		}
		return nil
	case 1:
	default:
		return cli.Usagef("explain takes one property name")
	}
	name := args[0]
	doc, ok := docs[name]
	if !ok {
		if base, _, cut := strings.Cut(name, "/"); cut {
			doc, ok = docs[base]
		}
	}
	if !ok {
		return cli.Usagef("unknown property %q (run 'check explain' to list them)", name)
	}
	fmt.Fprintf(stdout, "%s\n  %s\n", name, doc)
	base, _, _ := strings.Cut(name, "/")
	if p, ok := props.Lookup(base); ok {
		if w, ok := p.Witness(); ok {
			fmt.Fprintf(stdout, "  a %s property of the %s family; shown by %s", p.Kind, p.Family, w.File)
			if w.Length > 0 {
				fmt.Fprintf(stdout, " (%s in %d steps)", w.Verdict, w.Length)
			}
			fmt.Fprintln(stdout)
		}
	}
	return nil
}
