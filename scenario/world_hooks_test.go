package scenario

import (
	"fmt"
	"testing"
)

// TestHookModifierErrorsNameFileLineColumn: a hook operation's modifier
// that is unknown, or that the operation cannot take (it would change
// nothing), is an error where it is written.
func TestHookModifierErrorsNameFileLineColumn(t *testing.T) {
	const prog = "devices: [isp]\nagents:\n  - name: app\n    program: [dma_buf_attach(isp)]\n"
	for _, tc := range []struct{ exporter, want string }{
		{"exporter:\n  begin: [sync-mapped(for-devise)]\n", `w.yaml:3:11: hook operation "sync-mapped(for-devise)": unknown modifier "for-devise"`},
		{"exporter:\n  begin: [clflush(for-cpu)]\n", `w.yaml:3:11: hook operation "clflush(for-cpu)": clflush cannot take for-cpu (sync-mapped and sync-exporter-device only)`},
		{"exporter:\n  begin: [sync-mapped(invalidate)]\n", `w.yaml:3:11: hook operation "sync-mapped(invalidate)": sync-mapped cannot take invalidate (clflush only)`},
		{"exporter:\n  begin: [wait-fences(first-call)]\n", `w.yaml:3:11: hook operation "wait-fences(first-call)": wait-fences cannot take first-call (it does the same on every call)`},
		{"exporter:\n  begin: [clflush(first-call later-calls)]\n", `w.yaml:3:11: hook operation "clflush(first-call later-calls)": first-call and later-calls: one of first-call, later-calls`},
		{"exporter:\n  map: [dma-map(first-call skip-cpu-sync)]\n", `w.yaml:3:9: hook operation "dma-map(first-call skip-cpu-sync)": dma-map: first-call with skip-cpu-sync: no call's mapping syncs`},
		{"exporter:\n  begin: [clflush()]\n", `w.yaml:3:11: hook operation "clflush()": an empty modifier list`},
		{"exporter:\n  begin: [sync-mapped(first-call, for-cpu)]\n", `w.yaml:3:11: hook operation "sync-mapped(first-call": unclosed modifier list (separate modifiers with spaces: in a [...] list a comma ends the operation)`},
		{"exporter:\n  cache-sgt: first-caller\n", `w.yaml:3:14: cache-sgt: want true, false or first-direction (every later map gets the first caller's direction), not "first-caller"`},
		{"exporter:\n  begin: [sync-exporter-device(first-call for-device), set-cpu-domain]\n  cache-sgt: first-direction\n", ""},
	} {
		_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\n"+tc.exporter+prog))
		checkFileError(t, err, tc.want)
	}
}

// TestResvLayoutErrors: the fence section's dma_resv layout is one of the
// two the kernel had, named where it is written.
func TestResvLayoutErrors(t *testing.T) {
	const head = "model: world\nfence:\n  rings: [{name: r, jobs: 1}]\n  layout: %s\nagents:\n  - name: r\n    program:\n      - job_submit(r, WRITE, EXPLICIT, USAGE)\n"
	_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(fmt.Sprintf(head, "exclusive-shred")))
	checkFileError(t, err, `w.yaml:4:11: unknown dma_resv layout "exclusive-shred" (did you mean "exclusive-shared"?)`)
	_, _, _, err = ParseFile(Builtin(), "w.yaml", []byte(fmt.Sprintf(head, "exclusive-shared")))
	checkFileError(t, err, "")
	// 5.19+: an explicit-sync job adds BOOKKEEP or nothing.
	_, _, _, err = ParseFile(Builtin(), "w.yaml", []byte(fmt.Sprintf(head, "usage")))
	checkFileError(t, err, "an explicit-sync job adds BOOKKEEP or nothing")
}
