package p2p_test

import (
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/p2p"
)

const (
	nicAttach = "nic: dma_buf_dynamic_attach(importer_ops{allow_peer2peer = true}) + dma_buf_map_attachment"
	nicRead   = "nic: device starts a DMA read of the buffer"
	nicWrite  = "nic: device starts a DMA write of the buffer"
	nicDone   = "nic: DMA complete"
	encAttach = "encoder: dma_buf_dynamic_attach(importer_ops{allow_peer2peer = false}) + dma_buf_map_attachment"
	cpuWrite0 = "cpu: write line 0"
	cpuRead0  = "cpu: read line 0"
	prefetch0 = "cpu cache: speculative load of line 0"
)

// The rejection in pinned-static-importer depends on the order of the
// attachments: an encoder that attaches first has the buffer migrated to
// system memory, and the NIC then maps it there too.
func TestAttachOrderDecidesTheMigration(t *testing.T) {
	m := newModel(t, scenario(t, "pinned-static-importer").Config)
	s := stepTo(t, m, encAttach, nicAttach, nicRead, nicDone)
	if s.Place != p2p.PlaceSys || s.Ghost != 0 {
		t.Errorf("place %d, flags %#x; want both in system memory, no violation", s.Place, s.Ghost)
	}
	for i, want := range []uint8{p2p.AttSys, p2p.AttSys} {
		if got := s.Att[i] & 0x0f; got != want {
			t.Errorf("importer %d: attachment %d, want %d", i, got, want)
		}
	}
}

// The exporter's end hook of apu-bar-flush-around drops a line the CPU
// prefetched during the NIC's write; the CPU then reads the NIC's version.
func TestFlushAroundDropsTheLinePrefetchedDuringTheWrite(t *testing.T) {
	m := newModel(t, scenario(t, "apu-bar-flush-around").Config)
	s := stepTo(t, m, nicAttach, nicWrite, prefetch0, nicDone, cpuRead0)
	if s.Ghost != 0 || s.Cache[0] != p2p.LineClean|1 {
		t.Errorf("flags %#x, line %#x; want no violation and a clean v1", s.Ghost, s.Cache[0])
	}
	m = newModel(t, scenario(t, "apu-bar-invalidate-before-dma").Config)
	s = stepTo(t, m, nicAttach, nicWrite, prefetch0, nicDone, cpuRead0)
	if s.Ghost&p2p.FlagStaleRead == 0 {
		t.Errorf("invalidate-before: no stale read flagged")
	}
}

// Redirected to system memory, the NIC's DMA snoops: it reads the CPU's
// dirty line and its write invalidates the CPU's copy.
func TestRedirectedDMASnoops(t *testing.T) {
	m := newModel(t, scenario(t, "apu-redirect").Config)
	s := stepTo(t, m, nicAttach, cpuWrite0, nicRead, nicDone)
	if s.Ghost != 0 || s.Cover&p2p.CoverDeviceReadCPU == 0 {
		t.Errorf("flags %#x, cover %#x; want the NIC to read the CPU's v1", s.Ghost, s.Cover)
	}
	s = stepTo(t, m, nicAttach, prefetch0, nicWrite, nicDone)
	if s.Cache[0] != p2p.LineInvalid {
		t.Errorf("line %#x after a snooped write, want invalid", s.Cache[0])
	}
}
