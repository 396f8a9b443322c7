package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// paramsWorld is a world file with a parameter: the CPU writes lines
// lines, each in a bracket, while a GPU reads line 0.
const paramsWorld = `model: world
name: params-cli
description: the CPU writes ${lines} lines in brackets
params:
  lines: {default: 1, min: 1, max: 2, help: cache lines of the buffer}
lines: $lines
exporter: system-heap
devices: [gpu]
agents:
  - name: cpu
    program:
      - DMA_BUF_IOCTL_SYNC(START, WRITE)
      - cpu_write(0)
      - {if: $lines == 2, then: [cpu_write(1)]}
      - DMA_BUF_IOCTL_SYNC(END, WRITE)
expect:
  begin-end-pairing: holds
  deadlock: holds
`

// A world file's parameters are set with --set, shown by run --help and
// list; its expectations are judged at the defaults only, and a run at
// other values says in one line that they are not judged.
func TestWorldFileParameters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(paramsWorld), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "run", path, "--quiet")
	if code != exitOK || !strings.Contains(out, "scenario params-cli (lines=1)") || !strings.Contains(out, "expectations: all 2 met") {
		t.Errorf("defaults: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "run", path, "--quiet", "--set", "lines=2")
	if code != exitOK || !strings.Contains(out, "scenario params-cli (lines=2)") ||
		!strings.Contains(out, "\nexpectations: not judged: they are pinned for the defaults, not for lines=2\n") {
		t.Errorf("lines=2: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "run", path, "--quiet", "--set", "lines=3")
	if code != exitUsage || !strings.Contains(errs, `parameter lines="3": want an integer between 1 and 2`) {
		t.Errorf("lines=3: exit %d, %s", code, errs)
	}
	code, out, _ = runCLI(t, "run", path, "--help")
	if code != exitOK || !strings.Contains(out, "parameters of params-cli (--set name=value):\n  lines=1 (1..2)\n    \tcache lines of the buffer\n") {
		t.Errorf("run FILE --help: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "run", "today", "--help")
	if code != exitOK || !strings.Contains(out, "parameters of today (--set name=value):\n  arch=arm64 (arm64|arm32|x86)\n") {
		t.Errorf("run today --help: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "list")
	if code != exitOK || !strings.Contains(out, "[params: arch=arm64 (arm64|arm32|x86), lines=1 (1..2), writes=2 (1..3)]") {
		t.Errorf("list shows no parameters: exit %d\n%s", code, out)
	}
}
