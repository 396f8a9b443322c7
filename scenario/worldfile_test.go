package scenario

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestEveryWorldFileMeetsItsExpectations: a world file with "expect" is a
// regression test; go test checks every one shipped in docs/examples/world.
func TestEveryWorldFileMeetsItsExpectations(t *testing.T) {
	files, err := filepath.Glob("../docs/examples/world/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no world files found: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			sc, v, opt, err := LoadFile(Builtin(), path)
			if err != nil {
				t.Fatal(err)
			}
			if len(opt.Expect) == 0 {
				t.Fatal("a shipped world file must say what it expects (expect:)")
			}
			bad, err := CheckExpectations(path, sc, v, opt.Expect, statespace.Options{MaxStates: opt.MaxStates, MaxDepth: opt.MaxDepth})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				t.Error(b)
			}
		})
	}
}

// TestWorldFileErrorsNameFileLineColumn: every mistake in a world file is
// reported where it is written, with a suggestion when a name is close.
func TestWorldFileErrorsNameFileLineColumn(t *testing.T) {
	head := "model: world\nexporter: system-heap\ndevices: [isp]\nagents:\n  - name: app\n    program:\n"
	for _, tc := range []struct{ name, body, want string }{
		{"unknown call", "      - dma_buf_atach(isp)\n", `w.yaml:7:9: unknown call "dma_buf_atach" (did you mean "dma_buf_attach"?)`},
		{"unknown device", "      - dma_buf_attach(ips)\n", `w.yaml:7:24: dma_buf_attach(DEVICE): argument 1 must be a device (did you mean "isp"?), not "ips"`},
		{"bad direction", "      - dma_buf_map_attachment(isp, TO_CPU)\n", `w.yaml:7:37: dma_buf_map_attachment(DEVICE, DMA_DIR): argument 2 must be DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL, not "TO_CPU"`},
		{"line out of range", "      - cpu_read(3)\n", `w.yaml:7:18: cpu_read(LINE): argument 1 must be a cache line (0..0: the buffer has 1), not "3"`},
		{"missing parenthesis", "      - cpu_read\n", `w.yaml:7:17: "cpu_read": a call needs parentheses, e.g. cpu_read()`},
		{"unknown statement key", "      - reepat: 2\n        do: [cpu_read(0)]\n", `w.yaml:7:9: unknown field "reepat" (did you mean "repeat"?)`},
		{"repeat out of range", "      - repeat: 99\n        do: [cpu_read(0)]\n", `w.yaml:7:17: want an integer between 0 and 32, not "99"`},
		{"unknown atom", "      - when: atached(isp)\n        do: cpu_read(0)\n", `w.yaml:7:15: unknown name "atached" (did you mean "attached"?)`},
		{"agent without bracket", "      - when: idle(isp-driver)\n        do: cpu_read(0)\n  - name: isp-driver\n    program: [dma_buf_attach(isp)]\n", `w.yaml:7:20: idle(isp-driver): agent isp-driver makes no CPU access, so it has no bracket`},
		{"missing label", "      - when: at(app, nowhere)\n        do: cpu_read(0)\n", `w.yaml:7:23: agent app has no label "nowhere"`},
		{"unknown expectation", "      - cpu_read(0)\nexpect:\n  no-stale-raed: holds\n", `w.yaml:9:3: expect: unknown property "no-stale-raed" (did you mean "no-stale-read"?)`},
		{"bad verdict", "      - cpu_read(0)\nexpect:\n  no-stale-read: fine\n", `w.yaml:9:18: unknown verdict "fine"`},
		{"valid", "      - cpu_read(0)\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(head+tc.body))
			if tc.name == "valid" && err == nil {
				// The same program under an exporter whose hook is misspelt.
				_, _, _, err2 := ParseFile(Builtin(), "w.yaml", []byte(strings.Replace(head, "exporter: system-heap", "exporter:\n  begin: [sync-maped]", 1)+tc.body))
				if want := `w.yaml:3:11: unknown hook operation "sync-maped" (did you mean "sync-mapped"?)`; err2 == nil || !strings.Contains(err2.Error(), want) {
					t.Fatalf("error %v\nwant it to contain %s", err2, want)
				}
			}
			checkFileError(t, err, tc.want)
		})
	}
}

// TestWorldFileFieldsThatChangeNothingAreRejected: a field of a family no
// program calls would change nothing, so it is an error where it stands.
func TestWorldFileFieldsThatChangeNothingAreRejected(t *testing.T) {
	lockOnly := "model: world\nlocks:\n  locks: [{name: m, kind: mutex}]\n%sagents:\n  - name: a\n    program: [mutex_lock(m), mutex_unlock(m)]\n"
	for _, tc := range []struct{ extra, want string }{
		{"lines: 2\n", "w.yaml:4:1: lines: no agent makes a call on the buffer or the CPU cache, so lines would change nothing"},
		{"vm: {design: exporter-only}\n", "w.yaml:4:1: vm: no agent makes a call of the vm family, so the section would change nothing"},
		{"", ""},
	} {
		_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(fmt.Sprintf(lockOnly, tc.extra)))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("a valid file was rejected: %v", err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want %s", tc.extra, err, tc.want)
		}
	}
}

// checkFileError checks a scenario file's parse error: it contains want,
// or, with want "", there is none (the file is valid).
func checkFileError(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("a valid file was rejected: %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v\nwant it to contain %s", err, want)
	}
}
