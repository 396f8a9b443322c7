package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeCommand is one command of a code block of README.md, with the exit
// code its comment states.
type readmeCommand struct {
	line int    // in README.md
	text string // the command as written
	args []string
	exit int // -1: the comment states none
}

var exitComment = regexp.MustCompile(`\bexit (\d+)\b`)

// readmeCommands returns the commands of README.md's shell code blocks: every
// non-blank line that is not a comment, the command before "#", the exit code
// named by "exit N" in the comment after it.
func readmeCommands(t *testing.T, path string) []readmeCommand {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readmeCommand
	inBlock, shell := false, false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			lang := strings.TrimPrefix(line, "```")
			inBlock = !inBlock
			shell = inBlock && (lang == "sh" || lang == "bash" || lang == "shell" || lang == "console")
			continue
		}
		if !shell || line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, comment, _ := strings.Cut(line, " #")
		c := readmeCommand{line: n, text: strings.TrimSpace(cmd), args: strings.Fields(cmd), exit: -1}
		if m := exitComment.FindStringSubmatch(comment); m != nil {
			c.exit, _ = strconv.Atoi(m[1])
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every command in README.md does what README.md says: each runs and exits
// with the code its comment states. The commands are read from README.md, so
// an edit of README.md is tested. The check binary is built once; "./check
// ..." and "go run ./cmd/check ..." both run it, in a scratch directory
// (so the files commands write never land in the checkout) where
// docs/examples and scenarios are the repository's.
func TestEveryReadmeCommandExitsAsReadmeSays(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(t, filepath.Join(root, "README.md"))
	if len(cmds) < 10 {
		t.Fatalf("README.md: found %d commands in its code blocks; the parser is broken", len(cmds))
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "check")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.Mkdir(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "docs", "examples"), filepath.Join(dir, "docs", "examples")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "scenarios"), filepath.Join(dir, "scenarios")); err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.exit < 0 {
			t.Errorf("README.md:%d: %q: its comment does not state the exit code (\"exit N\")", c.line, c.text)
			continue
		}
		var args []string
		switch {
		case len(c.args) >= 2 && c.args[0] == "go" && c.args[1] == "test":
			// The test suite itself: running it from inside it would recurse.
			continue
		case len(c.args) >= 2 && c.args[0] == "go" && c.args[1] == "build" && c.args[len(c.args)-1] == "./cmd/check":
			// The build this test did above, successfully: exit 0.
			if c.exit != 0 {
				t.Errorf("README.md:%d: %q: the build succeeds (exit 0), README says exit %d", c.line, c.text, c.exit)
			}
			continue
		case len(c.args) >= 3 && c.args[0] == "go" && c.args[1] == "run" && c.args[2] == "./cmd/check":
			args = c.args[3:]
		case c.args[0] == "./check":
			args = c.args[1:]
		default:
			t.Errorf("README.md:%d: %q: not a check command this test knows how to run", c.line, c.text)
			continue
		}
		if strings.ContainsAny(c.text, `"'$|;&<>`+"`") {
			t.Errorf("README.md:%d: %q: quoting and shell syntax are not supported here; keep README's commands plain", c.line, c.text)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		cancel()
		code := 0
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatalf("README.md:%d: %q: %v", c.line, c.text, err)
		}
		if code != c.exit {
			t.Errorf("README.md:%d: %q exits %d, README says exit %d\n%s", c.line, c.text, code, c.exit, out)
		}
	}
}
