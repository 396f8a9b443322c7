package scenario

import (
	"fmt"
	"os"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// TestInitialStateFieldErrors: an initial state is refused where it would
// change nothing (the default written out, a buffer the CPU does not
// cache, a world without calls on the buffer) or cannot be (a signalled
// fence that does not exist yet), where it is written.
func TestInitialStateFieldErrors(t *testing.T) {
	cache := "model: world\nbacking: %s\ncpu-cache: %s\nexporter: system-heap\ndevices: [isp]\nagents:\n  - name: isp\n    program: [dma_buf_attach(isp)]\n"
	fence := "model: world\nlocks:\n  fences: [%s]\nagents:\n  - name: a\n    program: [dma_fence_wait(f)]\n"
	for _, tc := range []struct{ name, body, want string }{
		{"dirty", fmt.Sprintf(cache, "system-cached", "{initial: dirty}"), ""},
		{"default written out", fmt.Sprintf(cache, "system-cached", "{initial: invalid}"), "w.yaml:3:22: cpu-cache: initial: invalid is the default"},
		{"unknown state", fmt.Sprintf(cache, "system-cached", "{initial: drity}"), `w.yaml:3:22: unknown initial CPU cache state "drity" (did you mean "dirty"?)`},
		{"no initial", fmt.Sprintf(cache, "system-cached", "{}"), "w.yaml:3:12: cpu-cache: want initial: dirty"},
		{"uncached buffer", fmt.Sprintf(cache, "write-combined", "{initial: dirty}"), "w.yaml:3:22: cpu-cache: the write-combined buffer bypasses the CPU cache"},
		{"no buffer calls", "model: world\ncpu-cache: {initial: dirty}\nagents:\n  - name: a\n    program: [dma_fence_wait(f)]\nlocks:\n  fences: [{name: f, published: true, signalled: true}]\n",
			"w.yaml:2:1: cpu-cache: no agent makes a call on the buffer or the CPU cache"},
		{"signalled", fmt.Sprintf(fence, "{name: f, published: true, signalled: true}"), ""},
		{"signalled false", fmt.Sprintf(fence, "{name: f, published: true, signalled: false}"), "w.yaml:3:50: fence f: signalled: false is the default"},
		{"signalled unpublished", fmt.Sprintf(fence, "{name: f, signalled: true}"), "w.yaml:3:33: fence f: a fence that starts signalled exists from the start: write published: true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := ParseFile(Builtin(), "w.yaml", []byte(tc.body))
			checkFileError(t, err, tc.want)
		})
	}
}

// TestInitialStatesDecideTheVerdicts: the initial-* files fail because of
// their initial state. Page population's dirty line is the stale read of
// initial-dirty-gem-prime (with the cache starting invalid, the importer
// reads the latest data); the fence that starts signalled is the driver's
// hang in initial-signalled-fence-callback (with its own pending fence,
// signalled after the submit, dma_fence_add_callback never returns
// -ENOENT and the program finishes).
func TestInitialStatesDecideTheVerdicts(t *testing.T) {
	dirty := specOf(t, "../scenarios/initial-dirty-gem-prime.yaml")
	for _, tc := range []struct {
		start world.CacheStart
		want  string
	}{{world.StartDirty, world.NoStaleRead}, {world.StartInvalid, ""}} {
		s := dirty
		s.CPUStart = tc.start
		if got := violatedIn(t, s, world.NoStaleRead); got != tc.want {
			t.Errorf("cpu cache %s: violated %q, want %q", tc.start, got, tc.want)
		}
	}
	for _, tc := range []struct{ initial, want string }{{"signalled", statespace.DeadlockProperty}, {"pending", ""}} {
		path := "../scenarios/initial-signalled-fence-callback.yaml"
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sc, v, _, err := ParseFileWith(Builtin(), path, b, []string{"initial=" + tc.initial})
		if err != nil {
			t.Fatal(err)
		}
		r, err := sc.Check(v, statespace.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if r.Violation != nil {
			got = r.Violation.Property
		}
		if got != tc.want {
			t.Errorf("initial=%s: violated %q, want %q", tc.initial, got, tc.want)
		}
	}
}

// specOf is the world a file declares, at its defaults.
func specOf(t *testing.T, path string) world.Spec {
	t.Helper()
	sc, v, _, err := LoadFile(Builtin(), path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sc.World(v)
	if err != nil {
		t.Fatal(err)
	}
	return m.Spec()
}

// violatedIn checks one property of spec's world and returns it when it is
// violated ("" when it holds).
func violatedIn(t *testing.T, spec world.Spec, property string) string {
	t.Helper()
	m, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := world.Check(m, statespace.Options{Workers: 1, Only: []string{property}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Violation != nil {
		return r.Violation.Property
	}
	return ""
}
