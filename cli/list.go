package cli

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

const listHelp = `usage: check list [scenarios|properties]

List the registered models with their descriptions and parameters (the
default; --set name=value sets one, within the range shown), or every
model's properties at its default parameters (MODEL PROPERTY), one per
line.
`

// cmdList lists the models or the properties.
func (a *App) cmdList(args []string, stdout io.Writer) error {
	help := a.ListHelp
	if help == "" {
		help = a.named(listHelp)
	}
	args, err := ParseFlags(flag.NewFlagSet(a.Name+" list", flag.ContinueOnError), help, args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "scenarios":
		for _, s := range a.Registry.All() {
			line := fmt.Sprintf("%-28s %s", s.Name, s.Description)
			if ps := paramSummary(s); ps != "" {
				line += " [params: " + ps + "]"
			}
			fmt.Fprintln(stdout, line)
		}
		if err := a.listFiles(stdout); err != nil {
			return err
		}
	case len(args) == 1 && args[0] == "properties" && a.PropertyDocs != nil:
		docs := a.PropertyDocs()
		for _, n := range slices.Sorted(maps.Keys(docs)) {
			first, _, _ := strings.Cut(docs[n], ". ")
			fmt.Fprintf(stdout, "%-42s %s\n", n, first)
		}
	case len(args) == 1 && args[0] == "properties":
		for _, s := range a.Registry.All() {
			vals, err := s.Parse(nil)
			if err != nil {
				return Usagef("%s: %v", s.Name, err)
			}
			props, err := s.Properties(vals)
			if err != nil {
				return Usagef("%s: %v", s.Name, err)
			}
			for _, p := range props {
				fmt.Fprintf(stdout, "%-28s %s\n", s.Name, p)
			}
		}
	default:
		return Usagef("list takes no argument, \"scenarios\" or \"properties\"")
	}
	return nil
}
