package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// check run --continue gives every property of unbracketed-cpu its verdict
// and shortest trace (the ones its expect: block pins), where a plain run
// stops at the first violation and leaves the rest unknown; the exit code
// is still 1.
func TestRunContinueReportsEveryVerdict(t *testing.T) {
	verdicts := func(args ...string) map[string]any {
		code, out, errs := runCLI(t, append([]string{"run", "unbracketed-cpu", "--json", "--progress", "none"}, args...)...)
		require.Equal(t, exitViolation, code, errs)
		var doc struct {
			Properties []struct {
				Name, Verdict string
				Length        int
				Trace         []string
			}
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		got := map[string]any{}
		for _, p := range doc.Properties {
			got[p.Name] = p.Verdict
			if p.Trace != nil {
				require.Len(t, p.Trace, p.Length, p.Name)
				got[p.Name] = []any{p.Verdict, p.Length}
			}
		}
		return got
	}
	assert.Equal(t, map[string]any{
		"no-stale-read":                     []any{"violated", 4},
		"no-lost-write":                     []any{"violated", 4},
		"no-dma-without-valid-mapping":      "holds",
		"no-access-after-release-or-detach": "holds",
		"dma-api-discipline":                "holds",
		"begin-end-pairing":                 []any{"violated", 1},
		"device-reads-cpu-write":            []any{"reached", 4},
		"cpu-reads-device-write":            []any{"reached", 7},
		"all-importers-attached":            []any{"reached", 2},
		"deadlock":                          "holds",
	}, verdicts("--continue"))
	assert.Equal(t, "unknown", verdicts()["no-lost-write"])
}

func TestContinueIsNotForASwarm(t *testing.T) {
	code, _, errs := runCLI(t, "run", "unbracketed-cpu", "--continue", "--shard", "1/2")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "--continue does not apply to a swarm run")
}
