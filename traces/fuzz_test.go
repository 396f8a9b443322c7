package traces_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/scenario"
	"github.com/dmabufcheck/dmabufcheck/traces"
)

// FuzzDecodeAndReplay feeds arbitrary bytes to the trace decoder and, when
// they decode, to the replay of the scenario they name: neither may panic,
// and a decoded trace either replays or is rejected with an error.
// The seed corpus is in testdata/fuzz/FuzzDecodeAndReplay.
func FuzzDecodeAndReplay(f *testing.F) {
	f.Add([]byte(`{"schema":"dmabufcheck-trace/1","scenario":"today","params":{},"property":"no-stale-read","kind":"invariant","init":0,"loop":-1,"steps":[{"index":0,"action_index":-1,"fingerprint":"114ddfda264d5aa9","state":[]}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"schema":"dmabufcheck-trace/1","scenario":"german","params":{"nodes":"9"},"property":"x","steps":[{"index":0,"fingerprint":"zz"}]}`))
	reg := scenario.Builtin()
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := traces.Decode("fuzz", b)
		if err != nil {
			return
		}
		sc, err := reg.Lookup(d.Scenario)
		if err != nil {
			return
		}
		vals, err := sc.Parse(scenario.Settings(d.Params))
		if err != nil {
			return
		}
		steps, err := d.ReplaySteps()
		if err != nil || len(steps) > 64 {
			return
		}
		_, _ = sc.Replay(vals, d.Init, steps, d.Property, d.Loop)
	})
}
