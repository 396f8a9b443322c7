package crossvm_test

import (
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/crossvm"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Labels of the acked hyper_dmabuf model used below.
const (
	lExport    = "vm-a hyper_dmabuf: export (dma_buf_attach + dma_buf_map_attachment on the producer's dma-buf, share the pages, send HYPER_DMABUF_EXPORT)"
	lGetExport = "vm-b back ring: receive EXPORT (under hyper_dmabuf's lock): register the import"
	lImport    = "vm-b user: HYPER_DMABUF_EXPORT_FD: send the request, wait for the reply"
	lExportFD  = "vm-a back ring: receive EXPORT_FD: active++ if valid, reply REQ_PROCESSED or REQ_ERROR"
	lEvict     = "vm-a exporter: dma_resv_lock, dma_buf_move_notify → hyper_dmabuf move_notify: send INVALIDATE, wait for vm-b's ack"
	lGetInval  = "vm-b back ring: receive INVALIDATE (under hyper_dmabuf's lock): unmap the grants, send the ack"
	lGetOK     = "vm-b front ring: receive REQ_PROCESSED(EXPORT_FD): the waiting operation returns"
	lGetErr    = "vm-b front ring: receive REQ_ERROR(EXPORT_FD): the waiting operation returns"
)

// INVALIDATE reaches the importing VM while its user waits, under
// hyper_dmabuf's lock, for the reply that maps the pages: the back ring
// thread holds INVALIDATE until the reply has come and the lock is free,
// then revokes the new mapping. (vm-b also revokes an import whose reply
// is still on its way, for the designs without the lock.)
func TestInvalidateWaitsForTheImportersRoundTrip(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-evict-waits").Config)
	s := stepTo(t, m, lExport, lGetExport, lImport, lExportFD, lEvict, lGetInval)
	if s.RxB == 0 {
		t.Fatalf("vm-b's back ring handled INVALIDATE under the user's lock")
	}
	s = stepTo(t, m, lExport, lGetExport, lImport, lExportFD, lEvict, lGetInval, lGetOK,
		"vm-b back ring: gets hyper_dmabuf's lock, handles the message it holds")
	if s.B != crossvm.BReady || s.BMap != crossvm.MapRevoked || s.RxB != 0 {
		t.Errorf("user %d, mapping %d, held %#x; want ready with a revoked mapping", s.B, s.BMap, s.RxB)
	}
	if s.Ghost != 0 {
		t.Errorf("flags %#x", s.Ghost)
	}
}

// move_notify makes the export invalid before it sends INVALIDATE: an
// EXPORT_FD that reaches the exporting VM afterwards gets REQ_ERROR. With
// vm-b's revocation of a not-yet-mapped import (the test above), this
// closes the remap race the checker found: without both, INVALIDATE
// overtakes EXPORT, is acknowledged, and an import counted during the
// move maps the old pages just before they are freed (9 steps).
func TestMoveNotifyInvalidatesTheExport(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-evict-waits").Config)
	s := stepTo(t, m, lExport, lGetExport, lImport, lEvict, lExportFD, lGetErr)
	if s.B != crossvm.BDone || s.BMap != crossvm.MapNone || s.Active != 0 {
		t.Errorf("user %d, mapping %d, active %d; want the import failed", s.B, s.BMap, s.Active)
	}
}

// With proxy fences, a SIGNAL that overtakes its frame notification is
// recorded, so the proxy installed afterwards is born signalled; the
// unordered variant drops it and the proxy stays pending.
func TestSignalOvertakingItsFrame(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     string
	}{{"fence-proxy", "frame 1 signalled, frame 2 none; SIGNAL seen up to frame 1"}, {"fence-proxy-unordered", "frame 1 pending"}} {
		m := newModel(t, scenario(t, tc.scenario).Config)
		s := stepTo(t, m, lExport,
			"vm-a producer: submit write of frame 1 (dma_resv_add_fence WRITE), tell vm-b",
			"vm-a producer: frame 1 written, dma_fence_signal",
			lGetExport,
			"vm-a fence callback: send SIGNAL(frame 1)")
		names := m.ActionNames()
		for _, msg := range []string{"SIGNAL(1)", "FRAME(1)"} {
			for _, a := range m.Actions(&s, nil) {
				if strings.HasPrefix(names[a], "vm-b back ring: receive "+msg) {
					s = m.Step(&s, a)
					break
				}
			}
		}
		if got := field(m.Describe(&s), "vm-b proxy fences"); got != tc.want {
			t.Errorf("%s: proxy fences %q, want %q", tc.scenario, got, tc.want)
		}
	}
}

// A retransmitted request whose first copy was replayed (its reply lost)
// is answered again without being replayed: exported->active counts the
// import once.
func TestRetransmissionIsNotReplayed(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-lossy-retry").Config)
	s := stepTo(t, m, lExport, lGetExport, lImport, lExportFD,
		"ring to vm-b loses REQ_PROCESSED(EXPORT_FD)",
		"vm-b user: reply timeout, retransmit the request",
		lExportFD, lGetOK)
	if s.Active != 1 || s.B != crossvm.BReady || s.BMap != crossvm.MapMapped {
		t.Errorf("active %d, user %d, mapping %d; want one import, mapped", s.Active, s.B, s.BMap)
	}
}

// Fire-and-forget: the importing VM maps before the exporting VM counts the
// import; an unexport in between frees the pages under the mapping.
func TestFireAndForgetMapsBeforeTheExporterKnows(t *testing.T) {
	m := newModel(t, scenario(t, "hyper-dmabuf-fire-and-forget").Config)
	s := stepTo(t, m, lExport, "vm-b back ring: receive EXPORT: register the import",
		"vm-b user: HYPER_DMABUF_EXPORT_FD: map the grant references, send the request (no wait)",
		"vm-a user: HYPER_DMABUF_UNEXPORT (valid = false, send NOTIFY_UNEXPORT, cleanup if !active)")
	if s.Ghost&crossvm.FlagUseAfterFree == 0 {
		t.Errorf("no use-after-free flagged:\n%v", m.Describe(&s))
	}
}

// Config validation rejects combinations the model does not give a meaning.
func TestValidate(t *testing.T) {
	for _, c := range []crossvm.Config{
		{Frames: 0},
		{Frames: 1, Fences: crossvm.ProxyFence}, // proxies feed device jobs
		{Frames: 1, Design: crossvm.XenZcopy, Sync: crossvm.FireAndForget},   // no remote ops
		{Frames: 1, Design: crossvm.ExporterOnly, Evict: crossvm.EvictAsync}, // never evicts shared pages
		{Frames: 1, Retry: true}, // retry needs a lossy ring
		{Frames: 1, Lossy: true, Retry: true, Evict: crossvm.EvictWaits},   // INVALIDATE is not retransmitted
		{Frames: 1, Design: crossvm.XenZcopy, Evict: crossvm.EvictWaits},   // no INVALIDATE message
		{Frames: 1, Lossy: true, Retry: true, Sync: crossvm.FireAndForget}, // nothing to retransmit
		{Frames: crossvm.MaxFrames + 1},
	} {
		if _, err := crossvm.New(c); err == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
}

func field(fs []statespace.Field, name string) string {
	for _, f := range fs {
		if f.Name == name {
			return f.Value
		}
	}
	return "<missing " + name + ">"
}
