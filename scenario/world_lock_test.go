package scenario

import (
	"testing"
)

// TestLocksSectionErrors: mistakes in the locks section are reported where
// they are written, with the nearest name.
func TestLocksSectionErrors(t *testing.T) {
	tail := "agents:\n  - name: a\n    program: [mutex_lock(m), mutex_unlock(m)]\n"
	for _, tc := range []struct{ name, locks, want string }{
		{"unknown field", "  lockz: []\n", `w.yaml:3:3: unknown field "lockz" (did you mean "locks"?)`},
		{"unknown kind", "  locks: [{name: m, kind: mutx}]\n", `w.yaml:3:27: unknown lock kind "mutx" (did you mean "mutex"?)`},
		{"no kind", "  locks: [{name: m}]\n", `w.yaml:3:11: lock m needs a kind`},
		{"twice", "  locks: [{name: m, kind: mutex}, {name: m, kind: mutex}]\n", `w.yaml:3:42: lock name "m" is used twice`},
		{"usage without resv", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, usage: DMA_RESV_USAGE_READ}]\n", `w.yaml:4:29: fence f: usage goes with a dma_resv`},
		{"resv not resv", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, resv: m, usage: DMA_RESV_USAGE_READ}]\n", `w.yaml:4:28: fence f: "m" is not a resv lock (the world declares none)`},
		{"resv without usage", "  locks: [{name: m, kind: mutex}, {name: bo, kind: resv}]\n  fences: [{name: f, resv: bo}]\n", `w.yaml:4:12: fence f: a fence in a dma_resv needs its usage`},
		{"bad usage", "  locks: [{name: m, kind: mutex}, {name: bo, kind: resv}]\n  fences: [{name: f, resv: bo, usage: WRITE}]\n", `w.yaml:4:39: unknown dma_resv usage "WRITE"`},
		{"ww class", "  ww-class: wound-die\n  locks: [{name: m, kind: mutex}]\n", `w.yaml:3:13: unknown ww class "wound-die" (did you mean "wound-wait"?)`},
		{"fence lock", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f, lock: n}]\n", `w.yaml:4:28: fence f: "n" is not a lock (did you mean "m"?)`},
		{"member unknown", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: a, container: array, members: [b]}]\n", `w.yaml:4:50: fence a: member "b" is not a fence declared before it`},
		{"members without container", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f}, {name: a, members: [f]}]\n", `w.yaml:4:42: fence a: members goes with a container`},
		{"chain signaled", "  locks: [{name: m, kind: mutex}]\n  fences: [{name: f}, {name: c, container: chain, members: [f], array-signaled: members}]\n", `w.yaml:4:81: fence c: dma_fence_chain_signaled always walks the chain; array-signaled: goes with an array`},
		{"point without syncobj", "  locks: [{name: m, kind: mutex}]\n  syncobjs: [tl]\n  fences: [{name: f}, {name: c, container: chain, members: [f], syncobj: tk, point: 1}]\n", `w.yaml:5:74: fence c: "tk" is not a syncobj (did you mean "tl"?)`},
		{"lock order off", "  lock-order: false\n  locks: [{name: m, kind: mutex}]\n", `w.yaml:3:15: lock-order: false is the default`},
		{"valid", "  lock-order: true\n  ww-class: wound-wait\n  lockdep-priming: false\n  locks: [{name: m, kind: mutex}]\n  channels: [c]\n  pm-devices: [gpu]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte("model: world\nlocks:\n"+tc.locks+tail))
			checkFileError(t, err, tc.want)
		})
	}
}
