package world_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// checkVM builds the world of a cross-VM built-in (scenarios/NAME.yaml)
// with its rings' order set to order and checks property p alone.
func checkVM(t *testing.T, scenario string, order world.RingOrder, p string) *statespace.Result {
	t.Helper()
	spec := builtinSpec(t, scenario)
	spec.VM.Ring.Order = order
	w, err := world.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := world.Check(w, statespace.Options{Only: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestUnorderedProxyFencesNeedAReorderingRing: a proxy that drops a SIGNAL
// it does not know yet never signals only because the ring delivers SIGNAL
// before the frame's notification; over FIFO rings, where the notification
// (sent at submission) always comes first, every proxy signals.
func TestUnorderedProxyFencesNeedAReorderingRing(t *testing.T) {
	p := world.VMProxySignals + "/frame1"
	if r := checkVM(t, "crossvm-fence-proxy-unordered", world.RingReordering, p); r.Violation == nil {
		t.Errorf("reordering rings: %s holds; want the dropped SIGNAL's lasso", p)
	}
	if r := checkVM(t, "crossvm-fence-proxy-unordered", world.RingFIFO, p); r.Status != statespace.StatusOK {
		t.Errorf("FIFO rings: %s: %v; want it to hold", p, r.Status)
	}
}

// TestVMSpecRejectsWhatTheTransportCannotDo: the ring's parameters and the
// protocol's options are checked when the world is built.
func TestVMSpecRejectsWhatTheTransportCannotDo(t *testing.T) {
	for name, spoil := range map[string]func(*world.VMSpec){
		"ring capacity 0":            func(s *world.VMSpec) { s.Ring.Cap = 0 },
		"ring capacity too big":      func(s *world.VMSpec) { s.Ring.Cap = world.MaxRingCap + 1 },
		"retry over a lossless ring": func(s *world.VMSpec) { s.Ring.Losses = 0 },
		"retry without replies":      func(s *world.VMSpec) { s.Acked = false },
		"no frames":                  func(s *world.VMSpec) { s.Frames = 0 },
	} {
		spec := builtinSpec(t, "crossvm-hyper-dmabuf-lossy-retry")
		if _, err := world.Build(spec); err != nil {
			t.Fatal(err)
		}
		spoil(&spec.VM)
		if _, err := world.Build(spec); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}
