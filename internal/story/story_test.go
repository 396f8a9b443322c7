package story

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

func TestViolation(t *testing.T) {
	before := []statespace.Field{{Name: "resv", Value: "[gpu0#1 WRITE]"}, {Name: "user", Value: "idle"}}
	after := []statespace.Field{{Name: "resv", Value: "[gpu0#0 WRITE]"}, {Name: "user", Value: "idle"}, {Name: "VIOLATED", Value: "x"}}
	got := Violation(4, "user", "user: DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE)", before, after, "a dma_resv keeps the newest fence of each context")
	want := "at step 4 user did DMA_BUF_IOCTL_IMPORT_SYNC_FILE(WRITE), after which resv = [gpu0#0 WRITE]; but a dma_resv keeps the newest fence of each context."
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	got = Violation(4, "", "gpu1: run_job", before, before, "")
	if want := "at step 4, gpu1: run_job."; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
