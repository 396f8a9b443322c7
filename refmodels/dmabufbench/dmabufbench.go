// Package dmabufbench is the small DMA-buf CPU/device cache-coherency
// benchmark model dmabuf.m, written as a statespace.Model.
//
// It is a rule-for-rule translation of testdata/dmabuf.m (from the
// project's shared benchmark set): one buffer in system memory abstracted to
// a version number 0..V, a CPU with one write-back cache line (Invalid /
// Clean / Dirty) that the hardware may write back, evict or prefetch at any
// time, an exporter (device 0) and N importers, even devices cache-coherent
// and odd ones not, the DMA API's clean on map and invalidate on unmap,
// begin/end_cpu_access with implicit sync on one fence, and device read and
// write jobs. Its reachable state count and transition count equal Rumur's
// for every N, and with Bad the shortest counterexample has 5 steps.
//
// It is a benchmark and a cross-check of the engine, not the DMA-buf model
// of the product (see package model for that).
package dmabufbench

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// V bounds the number of writes: versions are 0..V.
const V = 3

// MaxImporters is the largest supported number of importers (devices are
// 0..N and each takes 2 bits of a uint32).
const MaxImporters = 15

// Encodings of the Murphi enums.
const (
	lineI, lineC, lineD       = 0, 1, 2 // LINE: LI, LC, LD
	cpuIdle, cpuRead, cpuWrit = 0, 1, 2 // CPUACC
	unmapped, toDev, fromDev  = 0, 1, 2 // MAPST
	jobIdle, jobRead, jobWrit = 0, 1, 2 // JOB
	fNone, fUnsig, fSig       = 0, 1, 2 // FENCE
)

// Bit offsets in State.G.
const (
	gMem    = 0
	gLine   = 2
	gCver   = 4
	gLatest = 6
	gCPU    = 8
	gFence  = 10
	gStale  = 12
)

// State is one global state: map[d] and job[d] in 2 bits per device, and
// the scalars in G.
type State struct {
	Map, Job uint32
	G        uint32
}

func (s *State) get(off uint) uint32    { return s.G >> off & 3 }
func (s *State) set(off uint, v uint32) { s.G = s.G&^(3<<off) | v<<off }
func (s *State) mapOf(d int) uint32     { return s.Map >> (2 * d) & 3 }
func (s *State) jobOf(d int) uint32     { return s.Job >> (2 * d) & 3 }
func (s *State) setMap(d int, v uint32) { s.Map = s.Map&^(3<<(2*d)) | v<<(2*d) }
func (s *State) setJob(d int, v uint32) { s.Job = s.Job&^(3<<(2*d)) | v<<(2*d) }
func (s *State) stale() bool            { return s.G>>gStale&1 == 1 }
func (s *State) setStale()              { s.G |= 1 << gStale }
func coherent(d int) bool               { return d%2 == 0 }
func (s *State) fenceUnsignaled() bool  { return s.get(gFence) == fUnsig }
func (s *State) latestBelowV() bool     { return s.get(gLatest) < V }

// markStaleIf records a read of version v: stale if older than latest.
func (s *State) markStaleIf(v uint32) {
	if v < s.get(gLatest) {
		s.setStale()
	}
}
func (m *Model) devs() int { return m.importers + 1 }
func (m *Model) noncohMapped(s *State) bool {
	for d := range m.devs() {
		if !coherent(d) && s.mapOf(d) != unmapped {
			return true
		}
	}
	return false
}

// clean is sync_for_device: a dirty line is written back.
func (s *State) clean() {
	if s.get(gLine) == lineD {
		s.set(gMem, s.get(gCver))
		s.set(gLine, lineC)
	}
}

// invalidate is sync_for_cpu: the line is dropped, even if dirty.
func (s *State) invalidate() {
	s.set(gLine, lineI)
	s.set(gCver, 0)
}

type rule uint8

const (
	beginRead rule = iota
	beginWrite
	endCPU
	cpuReadR
	cpuWriteR
	writeback
	evict
	prefetch
	numGlobal
)

const (
	mapTo rule = iota
	mapFrom
	unmap
	readStart
	readDone
	writeStart
	writeDone
	numPerDev
)

var globalNames = [numGlobal]string{
	"begin_cpu_access(READ)", "begin_cpu_access(WRITE)", "end_cpu_access", "cpu_read",
	"cpu_write", "writeback", "evict", "prefetch",
}

var devNames = [numPerDev]string{
	"map_attachment(TO_DEVICE)", "map_attachment(FROM_DEVICE)", "unmap_attachment",
	"dev_read_start", "dev_read_done", "dev_write_start", "dev_write_done",
}

// Model is dmabuf.m with NIMP = importers and BAD = bad.
type Model struct {
	importers int
	bad       bool
	names     []string
}

// New returns the model with the given number of importers (0..15); bad
// switches on the seeded bug (importer 1 maps without the cache clean).
func New(importers int, bad bool) (*Model, error) {
	if importers < 0 || importers > MaxImporters {
		return nil, fmt.Errorf("dmabuf-bench: importers must be 0..%d, not %d", MaxImporters, importers)
	}
	m := &Model{importers: importers, bad: bad}
	m.names = append(m.names, globalNames[:]...)
	for d := range m.devs() {
		for _, n := range devNames {
			m.names = append(m.names, fmt.Sprintf("%s[d=%d]", n, d))
		}
	}
	return m, nil
}

// Init returns the start state: everything zero, nothing mapped.
func (m *Model) Init() []State { return []State{{}} }

// ActionNames returns the rule names, per device for the device rules.
func (m *Model) ActionNames() []string { return m.names }

func devAction(d int, r rule) statespace.Action {
	return statespace.Action(int(numGlobal) + d*int(numPerDev) + int(r))
}

// Actions appends the rules whose guard holds in s.
func (m *Model) Actions(s *State, buf []statespace.Action) []statespace.Action {
	cpu := s.get(gCPU)
	busy := s.fenceUnsignaled()
	line := s.get(gLine)
	if cpu == cpuIdle && !busy {
		buf = append(buf, statespace.Action(beginRead), statespace.Action(beginWrite))
	}
	if cpu != cpuIdle {
		buf = append(buf, statespace.Action(endCPU), statespace.Action(cpuReadR))
	}
	if cpu == cpuWrit && s.latestBelowV() {
		buf = append(buf, statespace.Action(cpuWriteR))
	}
	switch line {
	case lineD:
		buf = append(buf, statespace.Action(writeback))
	case lineC:
		buf = append(buf, statespace.Action(evict))
	case lineI:
		buf = append(buf, statespace.Action(prefetch))
	}
	for d := range m.devs() {
		mp, job := s.mapOf(d), s.jobOf(d)
		if mp == unmapped {
			buf = append(buf, devAction(d, mapTo), devAction(d, mapFrom))
		}
		if mp != unmapped && job == jobIdle && cpu == cpuIdle {
			buf = append(buf, devAction(d, unmap))
		}
		if mp == toDev && job == jobIdle && !busy && cpu == cpuIdle {
			buf = append(buf, devAction(d, readStart))
		}
		if job == jobRead {
			buf = append(buf, devAction(d, readDone))
		}
		if mp == fromDev && job == jobIdle && !busy && cpu == cpuIdle && s.latestBelowV() {
			buf = append(buf, devAction(d, writeStart))
		}
		if job == jobWrit {
			buf = append(buf, devAction(d, writeDone))
		}
	}
	return buf
}

// Step fires rule a in s.
func (m *Model) Step(s *State, a statespace.Action) State {
	n := *s
	if a < statespace.Action(numGlobal) {
		switch rule(a) {
		case beginRead, beginWrite:
			n.set(gCPU, cpuRead)
			if rule(a) == beginWrite {
				n.set(gCPU, cpuWrit)
			}
			if m.noncohMapped(&n) {
				n.invalidate()
			}
		case endCPU:
			n.set(gCPU, cpuIdle)
			if m.noncohMapped(&n) {
				n.clean()
			}
		case cpuReadR:
			if n.get(gLine) == lineI {
				n.set(gLine, lineC)
				n.set(gCver, n.get(gMem))
			}
			n.markStaleIf(n.get(gCver))
		case cpuWriteR:
			n.set(gLatest, n.get(gLatest)+1)
			n.set(gLine, lineD)
			n.set(gCver, n.get(gLatest))
		case writeback:
			n.set(gMem, n.get(gCver))
			n.set(gLine, lineC)
		case evict:
			n.invalidate()
		case prefetch:
			n.set(gLine, lineC)
			n.set(gCver, n.get(gMem))
		}
		return n
	}
	d := (int(a) - int(numGlobal)) / int(numPerDev)
	r := rule((int(a) - int(numGlobal)) % int(numPerDev))
	switch r {
	case mapTo, mapFrom:
		n.setMap(d, toDev)
		if r == mapFrom {
			n.setMap(d, fromDev)
		}
		if !coherent(d) && !(m.bad && d == 1) {
			n.clean()
		}
	case unmap:
		if !coherent(d) && n.mapOf(d) == fromDev {
			n.invalidate()
		}
		n.setMap(d, unmapped)
	case readStart:
		n.setJob(d, jobRead)
		n.set(gFence, fUnsig)
		if coherent(d) && n.get(gLine) == lineD {
			n.markStaleIf(n.get(gCver)) // snooped from the CPU cache
		} else {
			n.markStaleIf(n.get(gMem)) // read from memory
		}
	case readDone:
		n.setJob(d, jobIdle)
		n.set(gFence, fSig)
	case writeStart:
		n.setJob(d, jobWrit)
		n.set(gFence, fUnsig)
	case writeDone:
		n.set(gLatest, n.get(gLatest)+1)
		n.set(gMem, n.get(gLatest))
		if coherent(d) {
			n.invalidate() // snoop-invalidate
		}
		n.setJob(d, jobIdle)
		n.set(gFence, fSig)
	}
	return n
}

// Properties returns the invariants NoStaleRead and NoOverlappingWriters.
func (m *Model) Properties() []statespace.Property[State] {
	return []statespace.Property[State]{
		{Name: "NoStaleRead", Expectation: statespace.Always, Holds: func(s *State) bool { return !s.stale() }},
		{Name: "NoOverlappingWriters", Expectation: statespace.Always, Holds: m.noOverlappingWriters},
	}
}

func (m *Model) noOverlappingWriters(s *State) bool {
	for d := range m.devs() {
		if s.jobOf(d) != jobWrit {
			continue
		}
		if s.get(gCPU) == cpuWrit {
			return false
		}
		for e := range m.devs() {
			if e != d && s.jobOf(e) == jobWrit {
				return false
			}
		}
	}
	return true
}

var (
	lineNames  = [3]string{"LI", "LC", "LD"}
	cpuNames   = [3]string{"CPU_IDLE", "CPU_READ", "CPU_WRITE"}
	mapNames   = [3]string{"UNMAPPED", "TO_DEV", "FROM_DEV"}
	jobNames   = [3]string{"J_IDLE", "J_READ", "J_WRITE"}
	fenceNames = [3]string{"F_NONE", "F_UNSIGNALED", "F_SIGNALED"}
)

// Describe renders s with dmabuf.m's variable names.
func (m *Model) Describe(s *State) []statespace.Field {
	f := []statespace.Field{
		{Name: "mem", Value: fmt.Sprint(s.get(gMem))},
		{Name: "line", Value: lineNames[s.get(gLine)]},
		{Name: "cver", Value: fmt.Sprint(s.get(gCver))},
		{Name: "latest", Value: fmt.Sprint(s.get(gLatest))},
		{Name: "cpu", Value: cpuNames[s.get(gCPU)]},
		{Name: "fence", Value: fenceNames[s.get(gFence)]},
		{Name: "stale", Value: fmt.Sprint(s.stale())},
	}
	for d := range m.devs() {
		f = append(f,
			statespace.Field{Name: fmt.Sprintf("map[%d]", d), Value: mapNames[s.mapOf(d)]},
			statespace.Field{Name: fmt.Sprintf("job[%d]", d), Value: jobNames[s.jobOf(d)]})
	}
	return f
}
