package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrHelp is the error of a command whose help the user asked for with -h
// or --help: ParseFlags has printed it on stdout, and the command exits 0.
var ErrHelp = errors.New("help printed")

// flagError is a bad flag on the command line: exit 2, with a one-line
// message that names the flag and points to the command's --help.
type flagError struct{ error }

// ParseFlags parses a subcommand's arguments with fs: flags and positional
// arguments may come in any order, and "--" ends the flags. It returns the
// positional arguments. -h or --help prints help (the command's synopsis,
// then its flags) on stdout and returns ErrHelp with the positional
// arguments before it; a bad flag is an error with a one-line message that
// names the flag and points to '<fs.Name()> --help' (exit 2).
func ParseFlags(fs *flag.FlagSet, help string, args []string, stdout io.Writer) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for len(args) > 0 {
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		if !strings.HasPrefix(args[0], "-") || args[0] == "-" {
			pos, args = append(pos, args[0]), args[1:]
			continue
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printHelp(stdout, fs, help)
				return pos, ErrHelp
			}
			return nil, flagError{fmt.Errorf("%s; see '%s --help'", flagMessage(err), fs.Name())}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		args = rest
	}
	return pos, nil
}

// printHelp writes a command's synopsis and its flags, if any, spelt
// --name as everywhere else in this command's documentation.
func printHelp(w io.Writer, fs *flag.FlagSet, help string) {
	fmt.Fprint(w, help)
	first := true
	fs.VisitAll(func(fl *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		arg, text := flag.UnquoteUsage(fl)
		if _, isBool := fl.Value.(interface{ IsBoolFlag() bool }); isBool {
			arg = ""
		} else if arg == "value" || arg == "" {
			arg = "VALUE"
		}
		dash := "--"
		if len(fl.Name) == 1 {
			dash = "-"
		}
		fmt.Fprintf(w, "  %s%s\n    \t%s", dash, strings.TrimSpace(fl.Name+" "+arg), text)
		switch fl.DefValue {
		case "", "0", "false", "0s":
		default:
			fmt.Fprintf(w, " (default %s)", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
}

var (
	flagInvalid   = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-(\S+): (.*)$`)
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -(.*)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -(.*)$`)
)

// flagMessage rewrites the flag package's error in the words of this
// command: --name "value": what it wants.
func flagMessage(err error) string {
	s := err.Error()
	if m := flagInvalid.FindStringSubmatch(s); m != nil {
		why := m[3]
		switch {
		case strings.HasPrefix(s, "invalid boolean"):
			why = "want true or false"
		case why == "parse error" || strings.HasPrefix(why, "strconv."):
			why = "not a valid value"
		}
		return fmt.Sprintf("--%s %q: %s", m[2], m[1], why)
	}
	if m := flagUndefined.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("unknown flag --%s", strings.TrimPrefix(m[1], "-"))
	}
	if m := flagNoValue.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	return s
}

// intFlag is an integer flag with a lower bound; its error says what it
// wants.
type intFlag struct {
	p    *int
	min  int
	want string
}

func (f intFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(*f.p)
}

func (f intFlag) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < f.min {
		return errors.New(f.want)
	}
	*f.p = n
	return nil
}

// UintValue is a flag.Value for a non-negative integer stored in *p; an
// unreadable value is refused with the message want (such as "want a whole
// number of states").
func UintValue(p *uint64, want string) flag.Value { return uintFlag{p, want} }

// uintFlag is a non-negative integer flag; its error says what it wants.
type uintFlag struct {
	p    *uint64
	want string
}

func (f uintFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatUint(*f.p, 10)
}

func (f uintFlag) Set(s string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return errors.New(f.want)
	}
	*f.p = n
	return nil
}

// sizeFlag is a byte count such as 512MiB (parseSize).
type sizeFlag struct{ p *uint64 }

func (f sizeFlag) String() string {
	if f.p == nil || *f.p == 0 {
		return ""
	}
	return strconv.FormatUint(*f.p, 10)
}

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*f.p = n
	return nil
}

// durationFlag is a positive duration such as 3s.
type durationFlag struct{ p *time.Duration }

func (f durationFlag) String() string {
	if f.p == nil {
		return "0s"
	}
	return f.p.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return errors.New("want a positive duration such as 3s or 500ms")
	}
	*f.p = d
	return nil
}

// checkWritable reports whether a file can be written at path, before a
// long search that would only find out at its end. It creates nothing that
// stays: an existing file is opened for writing (not truncated), otherwise
// a temporary file is created in its directory and removed.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s cannot be written: %v", path, errors.Unwrap(err))
		}
		return f.Close()
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("%s: directory %s: %v", path, dir, errors.Unwrap(err))
	case !fi.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, ".check-write-test-*")
	if err != nil {
		return fmt.Errorf("%s: cannot create files in %s: %v", path, dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
