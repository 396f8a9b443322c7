package suggest

import "testing"

func TestNearestFindsOneTypoAndNothingFar(t *testing.T) {
	opts := []string{"no-stale-read", "no-lost-write", "begin-end-pairing"}
	if got := Nearest("no-stale-raed", opts); got != "no-stale-read" {
		t.Errorf("Nearest(no-stale-raed) = %q", got)
	}
	if got := Nearest("deadlock", opts); got != "" {
		t.Errorf("Nearest(deadlock) = %q, want nothing", got)
	}
	if got := DidYouMean("dma_buf_atach", []string{"dma_buf_attach"}); got != ` (did you mean "dma_buf_attach"?)` {
		t.Errorf("DidYouMean = %q", got)
	}
}
