package statespace_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
	"github.com/dmabufcheck/dmabufcheck/statespace/statespacetest"
)

type (
	innerPadded struct {
		A uint32
		B uint8 // three bytes of trailing padding
	}
	plainNested struct {
		C int64
		A [3]struct {
			X, Y uint16
		}
		B [2]bool
		D [2]uint8
	}
)

// checkStateType runs Check on a one-state model of type S.
func checkStateType[S comparable](t *testing.T, name string, wantErr bool) {
	t.Helper()
	_, err := statespace.Check[S](single[S]{}, statespace.Options{})
	switch {
	case wantErr && err == nil:
		t.Errorf("%s: Check accepted the state type; want an error asking for a Fingerprinter", name)
	case wantErr && !strings.Contains(err.Error(), "Fingerprinter"):
		t.Errorf("%s: error %q does not mention Fingerprinter", name, err)
	case !wantErr && err != nil:
		t.Errorf("%s: %v", name, err)
	}
	if wantErr {
		// With a Fingerprinter any comparable type is accepted.
		r, err := statespace.Check[S](fpSingle[S]{}, statespace.Options{})
		if err != nil || r.Status != statespace.StatusOK || r.Stats.States != 1 {
			t.Errorf("%s with Fingerprinter: %v %+v", name, err, r)
		}
	}
}

// State types whose memory is not a canonical encoding of their value
// (padding, pointers, strings, floats, interfaces, blank fields) are
// rejected unless the model implements Fingerprinter; plain fixed-size
// integers, booleans and arrays and padding-free structs of them are hashed
// as raw memory.
func TestStateTypesNeedFingerprinterUnlessPlainMemory(t *testing.T) {
	checkStateType[struct {
		A uint8
		B uint32
	}](t, "padding between fields", true)
	checkStateType[innerPadded](t, "trailing padding", true)
	checkStateType[[2]innerPadded](t, "array of padded structs", true)
	checkStateType[struct {
		A uint64
		P *int
	}](t, "pointer field", true)
	checkStateType[struct {
		A uint32
		S string
	}](t, "string field", true)
	checkStateType[struct{ F float64 }](t, "float64 field", true)
	checkStateType[struct {
		A uint32
		F float32
	}](t, "float32 field", true)
	checkStateType[[2]float32](t, "float array", true)
	checkStateType[struct {
		A uint32
		I any
	}](t, "interface field", true)
	checkStateType[struct {
		A uint32
		_ uint32
	}](t, "blank field", true)
	checkStateType[struct{ C complex64 }](t, "complex field", true)

	checkStateType[uint8](t, "uint8", false)
	checkStateType[int](t, "int", false)
	checkStateType[[5]bool](t, "bool array", false)
	checkStateType[plainNested](t, "nested padding-free struct", false)
	checkStateType[struct {
		A    uint32
		B, C uint16
	}](t, "packed struct", false)
}

// A zero-size state type cannot be checked.
func TestZeroSizeStateRejected(t *testing.T) {
	if _, err := statespace.Check[struct{}](single[struct{}]{}, statespace.Options{}); err == nil {
		t.Errorf("Check accepted a zero-size state type")
	}
}

// A padded state type with a Fingerprinter is explored like any other: the
// grid counts, traces and determinism hold, also when every fingerprint
// falls into one shard of the table (small integers), which makes that
// shard grow many times.
func TestPaddedStateWithFingerprinter(t *testing.T) {
	for _, low := range []bool{false, true} {
		var first string
		for _, w := range []int{1, 2, 7} {
			m := paddedGrid{n: 120, m: 90, lowFP: low}
			r := statespacetest.AssertHolds(t, m, statespace.Options{Workers: w})
			if r.Stats.States != 121*91 || r.Stats.Transitions != 120*91+90*121 || r.Stats.MaxDepth != 210 {
				t.Errorf("lowFP %v workers %d: %d states %d transitions depth %d", low, w, r.Stats.States, r.Stats.Transitions, r.Stats.MaxDepth)
			}
			if s := summary(r); first == "" {
				first = s
			} else if s != first {
				t.Errorf("lowFP %v: workers %d differ from workers 1", low, w)
			}
		}
		// A deadlock at the far corner when ValidEnd is hidden, with a
		// trace that replays through the custom fingerprints.
		r := statespacetest.AssertDiscovery[paddedState](t, noEndFP{paddedGrid{n: 5, m: 3, lowFP: low}}, statespace.DeadlockProperty, 8, statespace.Options{})
		if r != nil && r.Violation != nil {
			tr := r.Violation.Trace
			if fp := (paddedGrid{lowFP: low}).Fingerprint(&paddedState{5, 3}); tr.Steps[8].Fingerprint != fp {
				t.Errorf("last fingerprint %x, want the model's %x", tr.Steps[8].Fingerprint, fp)
			}
		}
	}
}

// noEndFP hides paddedGrid's ValidEnd but keeps its Fingerprinter.
type noEndFP struct{ g paddedGrid }

func (n noEndFP) Init() []paddedState   { return n.g.Init() }
func (n noEndFP) ActionNames() []string { return n.g.ActionNames() }
func (n noEndFP) Actions(s *paddedState, b []statespace.Action) []statespace.Action {
	return n.g.Actions(s, b)
}
func (n noEndFP) Step(s *paddedState, a statespace.Action) paddedState { return n.g.Step(s, a) }
func (n noEndFP) Properties() []statespace.Property[paddedState]       { return nil }
func (n noEndFP) Fingerprint(s *paddedState) uint64                    { return n.g.Fingerprint(s) }

// Rebuilding a trace replays the model; a model whose Step or Actions
// depends on hidden mutable state does not replay, and Check returns an
// error saying the model is not deterministic.
func TestTraceReplayCatchesNonDeterminism(t *testing.T) {
	for _, impureActions := range []bool{false, true} {
		m := &impure{impureActions: impureActions}
		r, err := statespace.Check[chainState](m, statespace.Options{})
		if err == nil {
			t.Errorf("impure actions %v: no error; violation %+v", impureActions, r.Violation)
			continue
		}
		if !strings.Contains(err.Error(), "not deterministic") {
			t.Errorf("impure actions %v: error %q does not say the model is not deterministic", impureActions, err)
		}
		want := "never stored"
		if impureActions {
			want = "not enabled"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("impure actions %v: error %q lacks %q", impureActions, err, want)
		}
	}
	// The pure version of the same model replays fine.
	pure := chain{limit: 10, props: []statespace.Property[chainState]{
		always("small", func(s *chainState) bool { return s.N < 3 }),
	}}
	statespacetest.AssertDiscovery(t, pure, "small", 3, statespace.Options{})
}
