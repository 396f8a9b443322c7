package regress_test

import (
	"os"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/regress"
	"github.com/dmabufcheck/dmabufcheck/scenario"
)

// parse reads the first directive of a committed script: its arguments and
// input.
func parse(t *testing.T, path string) (map[string]string, string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(b), "\n")
	input, _, _ := strings.Cut(rest, "----")
	args := map[string]string{}
	for _, kv := range strings.Fields(head)[1:] {
		k, v, _ := strings.Cut(kv, "=")
		args[k] = v
	}
	return args, input
}

// A regression script fails (prints something else than "confirmed") as
// soon as the trace stops applying: an edited state, a renamed action, a
// model whose parameters changed.
func TestRegressionScriptsCanFail(t *testing.T) {
	reg := scenario.Builtin()
	args, input := parse(t, "testdata/today--no-stale-read.txt")
	if got := regress.Run(reg, args, input); !strings.HasPrefix(got, "confirmed:") {
		t.Fatalf("the committed script does not replay: %s", got)
	}
	lines := strings.Split(strings.TrimSpace(input), "\n")
	edited := strings.Replace(input, lines[5], strings.Replace(lines[5], " ", " 0", 1)[:len(lines[5])], 1)
	if got := regress.Run(reg, args, edited); !strings.HasPrefix(got, "no longer applies: step 5") {
		t.Errorf("an edited fingerprint replays: %s", got)
	}
	args["lines"] = "2"
	if got := regress.Run(reg, args, input); !strings.HasPrefix(got, "no longer applies") {
		t.Errorf("a changed model replays: %s", got)
	}
	if got := regress.Run(reg, map[string]string{"scenario": "nope"}, input); !strings.HasPrefix(got, "error:") {
		t.Errorf("an unknown scenario: %s", got)
	}
}
