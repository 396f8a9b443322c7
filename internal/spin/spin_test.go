package spin

import "testing"

// pan's summary (SPIN 6.5.2), as Run reads it: states stored, transitions
// (stored + matched, large counts in e-notation), errors and depth; a run
// cut at pan's depth limit is an error, never a count.
func TestParseReadsPansSummary(t *testing.T) {
	out := `
State-vector 60 byte, depth reached 440, errors: 0
 2.2030785e+07 states, stored
     6508 states, matched
1.4727258e+08 transitions (= stored+matched)
        0 atomic steps
`
	s, err := parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if s.States != 22030785 || s.Transitions != 147272580 || s.Errors != 0 || s.Depth != 440 {
		t.Errorf("parsed %+v", s)
	}
	if _, err := parse("error: max search depth too small\n" + out); err == nil {
		t.Error("a depth-limited run parsed as complete")
	}
	if _, err := parse("pan: elapsed time 0 seconds\n"); err == nil {
		t.Error("an output without a summary parsed")
	}
}
