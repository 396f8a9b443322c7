// Package cli is the checker's command line for any registry of models:
// the commands run, list, replay, export, graph and explore, with the
// flags, the JSON output, the progress lines and the exit codes of this
// project's check command (cmd/check is this package over the DMA-buf
// scenarios, plus its own commands).
//
// A program registers its models and hands over its arguments:
//
//	app := cli.New("lockcheck")
//	cli.Register(app, "lock", "two processes and a lock", buildLock, cli.Bool("recheck", false, "..."))
//	app.Main()
//
// Each model is a statespace.Model[S] built from its parameter values
// (--set name=value); Register hides the state type S (scenario.Of), so
// models of different state types share one registry. docs/library.md
// ("Run it with the CLI") is the walk-through.
//
// Exit codes: ExitOK (0) every property holds, after an exhaustive search;
// ExitViolation (1) a property is violated; ExitUsage (2) a usage or input
// error, with a one-line message on stderr; ExitIncomplete (3) the search
// stopped before the end (a bound, a budget, an interrupt).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// Exit codes of every command.
const (
	// ExitOK: every property holds (an exhaustive search), or a command
	// that checks no model succeeded.
	ExitOK = 0
	// ExitViolation: a property is violated (run), or a saved
	// counterexample is confirmed (replay).
	ExitViolation = 1
	// ExitUsage: a usage or input error; the message is on stderr.
	ExitUsage = 2
	// ExitIncomplete: the search stopped before exploring every reachable
	// state (a bound was hit, or the run was interrupted).
	ExitIncomplete = 3
)

// App is a checker command line over a registry of models. The zero value
// is not usable: New makes one with an empty registry, or fill in Name and
// Registry.
type App struct {
	// Name is the command's name in its help and its messages ("check").
	Name string
	// Registry holds the models the commands check, by name (Register adds
	// to it).
	Registry *scenario.Registry
	// Commands are commands beside run, list, replay, export, graph,
	// explore and help (cmd/check adds review and explain).
	Commands []Command
	// ListHelp, when set, replaces the generated help of list.
	ListHelp string
	// PropertyDocs, when set, documents the properties for 'list
	// properties' (name: its documentation, whose first sentence is
	// shown); nil lists every model's properties at its defaults.
	PropertyDocs func() map[string]string
	// ScenarioDir is the directory (relative to the working directory)
	// whose scenario files list shows beside the registered models; ""
	// lists none.
	ScenarioDir string
	// Carried, when set, reports whether a file of ScenarioDir is a
	// registered model's own, as the binary carries it: list does not show
	// it twice.
	Carried func(path string, text []byte) bool
}

// Command is a command of an App beside the standard ones.
type Command struct {
	// Name is the word that selects it: NAME CMD args...
	Name string
	// Run runs it and returns its exit code. An error ends the command
	// with ExitUsage and the error on stderr (with a pointer to the help
	// when it is a UsageError); ErrHelp means the help was printed (exit
	// 0).
	Run func(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error)
	// Synopsis is its arguments in the generated top-level help
	// ("MODEL [flags]"), Summary what it does, in one line.
	Synopsis, Summary string
}

// New returns an App named name (the command's name in its help and
// messages) with an empty registry.
func New(name string) *App {
	return &App{Name: name, Registry: &scenario.Registry{}}
}

// UsageError is an error in the command line or its input: exit code 2,
// with a pointer to the help.
type UsageError struct{ Err error }

// Error is the error's message.
func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e UsageError) Unwrap() error { return e.Err }

// Usagef is a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// Main runs the command line of os.Args, interrupted by SIGINT or SIGTERM
// (a search stops as incomplete, explore stops serving), and exits with
// its exit code.
func (a *App) Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := a.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run is the whole command line: it returns the exit code instead of
// exiting, so that tests can drive it. ctx interrupts a search (which
// ends as incomplete) and stops explore.
func (a *App) Run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// No panic reaches the user: report it as an internal error.
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "%s: internal error: %v\n%s", a.Name, p, debug.Stack())
			code = ExitUsage
		}
	}()
	if len(args) == 0 {
		fmt.Fprint(stderr, a.usage())
		return ExitUsage
	}
	var err error
	switch args[0] {
	case "run":
		code, err = a.cmdRun(ctx, args[1:], stdout, stderr)
	case "list":
		err = a.cmdList(args[1:], stdout)
	case "replay":
		code, err = a.cmdReplay(args[1:], stdout)
	case "export":
		err = a.cmdExport(args[1:], stdout)
	case "graph":
		err = a.cmdGraph(args[1:], stdout)
	case "explore":
		err = a.cmdExplore(ctx, args[1:], stdout)
	case "help", "-h", "--help", "-help":
		if len(args) == 2 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			// NAME help CMD: the help of CMD.
			return a.Run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, a.usage())
	default:
		c := a.command(args[0])
		if c == nil {
			err = Usagef("unknown command %q", args[0])
			break
		}
		code, err = c.Run(ctx, args[1:], stdout, stderr)
	}
	if err != nil {
		if errors.Is(err, ErrHelp) {
			return ExitOK
		}
		fmt.Fprintf(stderr, "%s: %v\n", a.Name, err)
		if errors.As(err, new(UsageError)) {
			fmt.Fprintf(stderr, "run '%s help' for usage\n", a.Name)
		}
		return ExitUsage
	}
	return code
}

// command returns the extra command of that name, nil if none.
func (a *App) command(name string) *Command {
	for i := range a.Commands {
		if a.Commands[i].Name == name {
			return &a.Commands[i]
		}
	}
	return nil
}

// commands are the standard commands in the generated help: the synopsis
// after the program's name, and what the command does.
var commands = [][2]string{
	{"run SCENARIO [flags]", "check a model exhaustively (a registered name, or a scenario file FILE.yaml that names one)"},
	{"list [properties]", "list the models (or their properties), one per line"},
	{"replay FILE.json", "re-execute a saved counterexample and confirm it"},
	{"graph SCENARIO [--set k=v ...] [--max-states N]", "print the whole state space as DOT (small ones only)"},
	{"export FILE.json [DIR]", "turn a counterexample into a regression test (a datadriven script in DIR, default regress/testdata)"},
	{"explore SCENARIO [--set k=v ...] [--addr 127.0.0.1:0]", "serve an interactive explorer of the state space on a loopback address"},
}

// usage is the top-level help, made of the standard commands and
// a.Commands.
func (a *App) usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	entry := func(syn, what string) { fmt.Fprintf(&b, "  %s %s\n      %s\n", a.Name, syn, what) }
	for _, c := range commands {
		entry(c[0], c[1])
	}
	for _, c := range a.Commands {
		entry(c.Name+" "+c.Synopsis, c.Summary)
	}
	entry("help [COMMAND]", "show this help, or a command's")
	fmt.Fprintf(&b, "\nRun '%[1]s COMMAND --help' (or '%[1]s help COMMAND') for a command's flags.\n", a.Name)
	b.WriteString("Exit codes: 0 ok, 1 violation, 2 usage or input error, 3 incomplete.\n")
	return b.String()
}

// named is a help text written for "check" with the App's name instead.
func (a *App) named(text string) string {
	if a.Name == "check" {
		return text
	}
	return strings.ReplaceAll(text, "check ", a.Name+" ")
}
