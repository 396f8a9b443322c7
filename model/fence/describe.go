package fence

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// usedFences returns the fence slots the configuration can use, in slot
// order.
func (m *Model) usedFences() []int {
	c := &m.cfg
	var out []int
	if c.SyncFile.Exports > 0 {
		out = append(out, FStub)
	}
	for i, im := range c.Importers {
		for k := range im.Jobs {
			out = append(out, JobFence(i, k))
		}
	}
	for k := range c.SwSync.Points {
		out = append(out, FPoint+k)
	}
	if c.Exporter.CopyFence {
		out = append(out, FCopy)
	}
	return out
}

// fenceString renders one fence's state.
func (m *Model) fenceString(s *State, f int) string {
	switch s.status(f) {
	case FenceUnused:
		return "not created"
	case FencePending:
		v := fmt.Sprintf("pending (seqno %d)", m.Seqno(s, f))
		if s.Fence[f]&FenceEnabled != 0 {
			v += ", signalling enabled"
		}
		if e := s.fenceErr(f); e != ErrNone {
			v += ", error " + errNames[e]
		}
		return v
	}
	v := fmt.Sprintf("signalled (seqno %d)", m.Seqno(s, f))
	if e := s.fenceErr(f); e != ErrNone {
		v += ", error " + errNames[e]
	}
	return v
}

func (m *Model) maskString(mask Mask) string {
	var names []string
	for f := range MaxFences {
		if mask&(1<<f) != 0 {
			names = append(names, m.ShortName(f))
		}
	}
	return strings.Join(names, ", ")
}

// Describe renders s for traces: only what the configuration uses, with
// kernel names for the values.
func (m *Model) Describe(s *State) []statespace.Field {
	var out []statespace.Field
	add := func(name, v string) { out = append(out, statespace.Field{Name: name, Value: v}) }
	c := &m.cfg
	for _, f := range m.usedFences() {
		add("fence "+m.ShortName(f), m.fenceString(s, f))
	}
	var entries []string
	for i := range s.entries() {
		e := s.Resv[i]
		entries = append(entries, m.ShortName(entryFence(e))+" "+entryUsage(e).String())
	}
	add("resv", "["+strings.Join(entries, ", ")+"]")
	if c.Exporter.Moves {
		lock := "free"
		if !s.lockFree() {
			lock = "held by the exporter"
		}
		add("resv.lock", lock)
	}
	for i, im := range c.Importers {
		for k := range im.Jobs {
			add(fmt.Sprintf("%s.job%d", m.impName(i), k), m.jobString(s, i, k))
		}
	}
	if c.CPU != NoCPU {
		w := s.cpuWrites()
		var v string
		switch s.CPU & cpuPhase {
		case CPUIdle:
			v = "idle"
		case CPUWaiting:
			v = fmt.Sprintf("in dma_buf_begin_cpu_access(%s): dma_resv_wait_timeout(%s) on [%s]", dmaDirNames[b2i(w)], UsageRW(w), m.maskString(s.CPUWait))
		case CPUInside:
			v = fmt.Sprintf("inside %s bracket", dmaDirNames[b2i(w)])
		}
		add("cpu", v)
	}
	if c.Poll {
		var v string
		switch s.Poll & pollPhase {
		case PollIdle:
			v = "not polled yet"
		case PollArmed:
			v = "sleeping, dma_buf_poll_cb on " + m.ShortName(int(s.Poll&pollFence>>pollShift))
		case PollWoken:
			v = "woken by dma_buf_poll_cb"
		case PollDone:
			v = "returned EPOLLIN"
			if s.Poll&PollAfterWrite != 0 {
				v += " (after a device write completed)"
			}
		}
		add("poll", v)
	}
	if c.SyncFile.Exports > 0 || c.SyncFile.Imports > 0 || c.SwSync.Points > 0 {
		v := "none"
		switch sf := s.SyncFile; {
		case sf == 1<<FStub:
			v = "stub (signalled)"
		case sf != 0 && sf&(sf-1) == 0:
			v = m.maskString(sf)
		case sf != 0:
			v = "dma_fence_array{" + m.maskString(sf) + "}"
		}
		add("user.sync_file", v)
		add("user.ioctls", fmt.Sprintf("exports %d/%d, imports %d/%d", s.exports(), c.SyncFile.Exports, s.imports(), c.SyncFile.Imports))
	}
	if c.SwSync.Points > 0 {
		v := fmt.Sprintf("value %d, open", TimelineValue(s))
		if s.Timeline&TimelineClosed != 0 {
			v = fmt.Sprintf("value %d, closed", TimelineValue(s))
		}
		add("sw_sync timeline", v)
	}
	if c.Exporter.Moves {
		v := [4]string{"not moved", "holds the resv lock, move_notify sent, waiting for BOOKKEEP fences",
			"moved, copy fence pending", "moved"}[s.Exporter&expPhase]
		add("exporter", v)
	}
	var flags []string
	for i, name := range flagNames {
		if s.Ghost&(1<<i) != 0 {
			flags = append(flags, name)
		}
	}
	if len(flags) > 0 {
		add("VIOLATED", strings.Join(flags, ", "))
	}
	return out
}

func (m *Model) jobString(s *State, i, k int) string {
	j := s.Job[i][k]
	kind := "read"
	if j&JobWrite != 0 {
		kind = "write"
	}
	var v string
	switch jobPhaseOf(j) {
	case JobNone:
		return "not submitted"
	case JobQueued:
		v = "queued " + kind
		if d := s.Deps[i][k]; d != 0 {
			v += ", waiting for " + m.maskString(d)
		}
	case JobRunning:
		v = "running " + kind + " (DMA in flight)"
	case JobDone:
		v = kind + " done"
		if j&JobCancelled != 0 {
			v = kind + " cancelled by timeout"
		}
	}
	if j&JobStale != 0 {
		v += ", bound to the pages before the move"
	}
	return v
}
