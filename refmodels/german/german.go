// Package german is Steven German's directory-based cache coherence
// protocol with the data-path extension (MemData / AuxData), written as a
// statespace.Model.
//
// It is a rule-for-rule translation of the benchmark model german.m
// (testdata/german.m, from the project's shared benchmark set): the same
// single start state, the same rules with the same guards, the same two
// invariants, no symmetry. Its reachable state count and its transition
// count equal Rumur's "states" and "rules fired" for every NODES, which is
// how the engine is checked against an independent model checker.
package german

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// MaxNodes is the largest supported number of client nodes.
const MaxNodes = 8

// Cache states.
const (
	cacheI = iota
	cacheS
	cacheE
)

// Message commands. Each channel carries only some of them, so each field
// is encoded in as few bits as its channel needs.
const (
	cmdEmpty = iota
	cmdReqS
	cmdReqE
	cmdInv
	cmdInvAck
	cmdGntS
	cmdGntE
)

// Per-node bit fields of State.Node[i].
const (
	fCacheState = 0  // 2 bits: I, S, E
	fCacheData  = 2  // 2 bits: 0 (none), 1, 2
	fChan1Cmd   = 4  // 2 bits: Empty, ReqS, ReqE
	fChan2Cmd   = 6  // 2 bits: Empty, Inv, GntS, GntE
	fChan2Data  = 8  // 2 bits
	fChan3Cmd   = 10 // 1 bit: Empty, InvAck
	fChan3Data  = 11 // 2 bits
	fInvSet     = 13 // 1 bit
	fShrSet     = 14 // 1 bit
)

// Global bit fields of State.Global.
const (
	gExGntd  = 0 // 1 bit
	gCurCmd  = 1 // 2 bits: Empty, ReqS, ReqE
	gCurPtr  = 3 // 4 bits: 0..NODES (NODES = none)
	gMemData = 7 // 2 bits
	gAuxData = 9 // 2 bits
)

// State is one global state, bit-packed: 16 bits per node and 16 global
// bits. Unused nodes stay zero.
type State struct {
	Node   [MaxNodes]uint16
	Global uint16
}

func get(w uint16, off, bits uint) uint16 { return w >> off & (1<<bits - 1) }
func set(w *uint16, off, bits uint, v uint16) {
	*w = *w&^((1<<bits-1)<<off) | v<<off
}

// Chan2 commands are stored as 0..3.
var chan2Code = [...]uint16{cmdEmpty: 0, cmdInv: 1, cmdGntS: 2, cmdGntE: 3}
var chan2Cmd = [4]int{cmdEmpty, cmdInv, cmdGntS, cmdGntE}

func (s *State) cacheState(i int) uint16 { return get(s.Node[i], fCacheState, 2) }
func (s *State) cacheData(i int) uint16  { return get(s.Node[i], fCacheData, 2) }
func (s *State) chan1(i int) int         { return int(get(s.Node[i], fChan1Cmd, 2)) }
func (s *State) chan2(i int) int         { return chan2Cmd[get(s.Node[i], fChan2Cmd, 2)] }
func (s *State) chan2Data(i int) uint16  { return get(s.Node[i], fChan2Data, 2) }
func (s *State) chan3(i int) int {
	if get(s.Node[i], fChan3Cmd, 1) == 1 {
		return cmdInvAck
	}
	return cmdEmpty
}
func (s *State) chan3Data(i int) uint16 { return get(s.Node[i], fChan3Data, 2) }
func (s *State) invSet(i int) bool      { return get(s.Node[i], fInvSet, 1) == 1 }
func (s *State) shrSet(i int) bool      { return get(s.Node[i], fShrSet, 1) == 1 }
func (s *State) exGntd() bool           { return get(s.Global, gExGntd, 1) == 1 }
func (s *State) curCmd() int            { return int(get(s.Global, gCurCmd, 2)) }
func (s *State) curPtr() int            { return int(get(s.Global, gCurPtr, 4)) }
func (s *State) memData() uint16        { return get(s.Global, gMemData, 2) }
func (s *State) auxData() uint16        { return get(s.Global, gAuxData, 2) }

func (s *State) setCache(i int, st, d uint16) {
	set(&s.Node[i], fCacheState, 2, st)
	set(&s.Node[i], fCacheData, 2, d)
}
func (s *State) setChan1(i, cmd int) { set(&s.Node[i], fChan1Cmd, 2, uint16(cmd)) }
func (s *State) setChan2(i, cmd int) { set(&s.Node[i], fChan2Cmd, 2, chan2Code[cmd]) }
func (s *State) setChan2Data(i int, d uint16) {
	set(&s.Node[i], fChan2Data, 2, d)
}
func (s *State) setChan3(i, cmd int) {
	v := uint16(0)
	if cmd == cmdInvAck {
		v = 1
	}
	set(&s.Node[i], fChan3Cmd, 1, v)
}
func (s *State) setChan3Data(i int, d uint16) { set(&s.Node[i], fChan3Data, 2, d) }
func (s *State) setInvSet(i int, b bool)      { set(&s.Node[i], fInvSet, 1, b2u(b)) }
func (s *State) setShrSet(i int, b bool)      { set(&s.Node[i], fShrSet, 1, b2u(b)) }
func (s *State) setExGntd(b bool)             { set(&s.Global, gExGntd, 1, b2u(b)) }
func (s *State) setCurCmd(cmd int)            { set(&s.Global, gCurCmd, 2, uint16(cmd)) }
func (s *State) setCurPtr(p int)              { set(&s.Global, gCurPtr, 4, uint16(p)) }
func (s *State) setMemData(d uint16)          { set(&s.Global, gMemData, 2, d) }
func (s *State) setAuxData(d uint16)          { set(&s.Global, gAuxData, 2, d) }

func b2u(b bool) uint16 {
	if b {
		return 1
	}
	return 0
}

// The rules of german.m, in file order.
type rule uint8

const (
	sendReqS rule = iota
	sendReqE
	recvReqS
	recvReqE
	sendInv
	sendInvAck
	recvInvAck
	sendGntS
	sendGntE
	recvGntS
	recvGntE
	store
	numRules
)

var ruleNames = [numRules]string{
	"SendReqS", "SendReqE", "RecvReqS", "RecvReqE", "SendInv", "SendInvAck",
	"RecvInvAck", "SendGntS", "SendGntE", "RecvGntS", "RecvGntE", "Store",
}

type instance struct {
	rule rule
	i    int
	d    uint16 // Store only
}

// Model is german.m for a given number of nodes.
type Model struct {
	nodes int
	table []instance
	names []string
}

// New returns the model with the given number of client nodes (1..MaxNodes).
func New(nodes int) (*Model, error) {
	if nodes < 1 || nodes > MaxNodes {
		return nil, fmt.Errorf("german: nodes must be 1..%d, not %d", MaxNodes, nodes)
	}
	m := &Model{nodes: nodes}
	for r := range numRules {
		for i := range nodes {
			if r == store {
				for d := uint16(1); d <= 2; d++ {
					m.table = append(m.table, instance{r, i, d})
					m.names = append(m.names, fmt.Sprintf("Store[i=%d,d=%d]", i, d))
				}
				continue
			}
			m.table = append(m.table, instance{r, i, 0})
			m.names = append(m.names, fmt.Sprintf("%s[i=%d]", ruleNames[r], i))
		}
	}
	return m, nil
}

// Init returns the single start state "Init".
func (m *Model) Init() []State {
	var s State
	s.setCurCmd(cmdEmpty)
	s.setCurPtr(m.nodes) // NONE
	s.setMemData(1)
	s.setAuxData(1)
	return []State{s}
}

// ActionNames returns one name per rule instance, e.g. "RecvGntE[i=1]".
func (m *Model) ActionNames() []string { return m.names }

// Actions appends the rule instances whose guard holds in s, in action
// table order. It is the hot path of the benchmark, so it decodes each
// node's word once instead of calling guard per instance; TestActionsMatchGuards
// checks that both agree.
func (m *Model) Actions(s *State, buf []statespace.Action) []statespace.Action {
	n := m.nodes
	cur, ptr, ex := s.curCmd(), s.curPtr(), s.exGntd()
	anyShr := false
	for j := range n {
		anyShr = anyShr || s.shrSet(j)
	}
	act := func(r rule, i int) statespace.Action { return statespace.Action(int(r)*n + i) }
	for i := range n {
		w := s.Node[i]
		if w>>fChan1Cmd&3 == cmdEmpty && w&3 == cacheI {
			buf = append(buf, act(sendReqS, i))
		}
	}
	for i := range n {
		w := s.Node[i]
		if w>>fChan1Cmd&3 == cmdEmpty && (w&3 == cacheI || w&3 == cacheS) {
			buf = append(buf, act(sendReqE, i))
		}
	}
	if cur == cmdEmpty {
		for i := range n {
			if s.chan1(i) == cmdReqS {
				buf = append(buf, act(recvReqS, i))
			}
		}
		for i := range n {
			if s.chan1(i) == cmdReqE {
				buf = append(buf, act(recvReqE, i))
			}
		}
	}
	if cur == cmdReqE || cur == cmdReqS && ex {
		for i := range n {
			if s.chan2(i) == cmdEmpty && s.invSet(i) {
				buf = append(buf, act(sendInv, i))
			}
		}
	}
	for i := range n {
		if s.chan2(i) == cmdInv && s.chan3(i) == cmdEmpty {
			buf = append(buf, act(sendInvAck, i))
		}
	}
	if cur != cmdEmpty {
		for i := range n {
			if s.chan3(i) == cmdInvAck {
				buf = append(buf, act(recvInvAck, i))
			}
		}
	}
	if ptr < n && !ex && s.chan2(ptr) == cmdEmpty {
		if cur == cmdReqS {
			buf = append(buf, act(sendGntS, ptr))
		}
		if cur == cmdReqE && !anyShr {
			buf = append(buf, act(sendGntE, ptr))
		}
	}
	for i := range n {
		if s.chan2(i) == cmdGntS {
			buf = append(buf, act(recvGntS, i))
		}
	}
	for i := range n {
		if s.chan2(i) == cmdGntE {
			buf = append(buf, act(recvGntE, i))
		}
	}
	for i := range n {
		if s.cacheState(i) == cacheE {
			buf = append(buf, act(store, 0)+statespace.Action(2*i), act(store, 0)+statespace.Action(2*i+1))
		}
	}
	return buf
}

func (m *Model) guard(s *State, in instance) bool {
	i := in.i
	switch in.rule {
	case sendReqS:
		return s.chan1(i) == cmdEmpty && s.cacheState(i) == cacheI
	case sendReqE:
		return s.chan1(i) == cmdEmpty && (s.cacheState(i) == cacheI || s.cacheState(i) == cacheS)
	case recvReqS:
		return s.curCmd() == cmdEmpty && s.chan1(i) == cmdReqS
	case recvReqE:
		return s.curCmd() == cmdEmpty && s.chan1(i) == cmdReqE
	case sendInv:
		return s.chan2(i) == cmdEmpty && s.invSet(i) &&
			(s.curCmd() == cmdReqE || s.curCmd() == cmdReqS && s.exGntd())
	case sendInvAck:
		return s.chan2(i) == cmdInv && s.chan3(i) == cmdEmpty
	case recvInvAck:
		return s.chan3(i) == cmdInvAck && s.curCmd() != cmdEmpty
	case sendGntS:
		return s.curCmd() == cmdReqS && s.curPtr() == i && s.chan2(i) == cmdEmpty && !s.exGntd()
	case sendGntE:
		if !(s.curCmd() == cmdReqE && s.curPtr() == i && s.chan2(i) == cmdEmpty && !s.exGntd()) {
			return false
		}
		for j := range m.nodes {
			if s.shrSet(j) {
				return false
			}
		}
		return true
	case recvGntS:
		return s.chan2(i) == cmdGntS
	case recvGntE:
		return s.chan2(i) == cmdGntE
	case store:
		return s.cacheState(i) == cacheE
	}
	return false
}

// Step fires the rule instance a in s.
func (m *Model) Step(s *State, a statespace.Action) State {
	n := *s
	in := m.table[a]
	i := in.i
	switch in.rule {
	case sendReqS:
		n.setChan1(i, cmdReqS)
	case sendReqE:
		n.setChan1(i, cmdReqE)
	case recvReqS, recvReqE:
		if in.rule == recvReqS {
			n.setCurCmd(cmdReqS)
		} else {
			n.setCurCmd(cmdReqE)
		}
		n.setCurPtr(i)
		n.setChan1(i, cmdEmpty)
		for j := range m.nodes {
			n.setInvSet(j, n.shrSet(j))
		}
	case sendInv:
		n.setChan2(i, cmdInv)
		n.setInvSet(i, false)
	case sendInvAck:
		n.setChan2(i, cmdEmpty)
		n.setChan3(i, cmdInvAck)
		if n.cacheState(i) == cacheE {
			n.setChan3Data(i, n.cacheData(i))
		}
		n.setCache(i, cacheI, 0)
	case recvInvAck:
		n.setChan3(i, cmdEmpty)
		n.setShrSet(i, false)
		if n.exGntd() {
			n.setExGntd(false)
			n.setMemData(n.chan3Data(i))
		}
		n.setChan3Data(i, 0)
	case sendGntS:
		n.setChan2(i, cmdGntS)
		n.setChan2Data(i, n.memData())
		n.setShrSet(i, true)
		n.setCurCmd(cmdEmpty)
		n.setCurPtr(m.nodes)
	case sendGntE:
		n.setChan2(i, cmdGntE)
		n.setChan2Data(i, n.memData())
		n.setShrSet(i, true)
		n.setExGntd(true)
		n.setCurCmd(cmdEmpty)
		n.setCurPtr(m.nodes)
	case recvGntS:
		n.setCache(i, cacheS, n.chan2Data(i))
		n.setChan2(i, cmdEmpty)
		n.setChan2Data(i, 0)
	case recvGntE:
		n.setCache(i, cacheE, n.chan2Data(i))
		n.setChan2(i, cmdEmpty)
		n.setChan2Data(i, 0)
	case store:
		n.setCache(i, cacheE, in.d)
		n.setAuxData(in.d)
	}
	return n
}

// Properties returns the invariants CntrlProp and DataProp of german.m.
func (m *Model) Properties() []statespace.Property[State] {
	return []statespace.Property[State]{
		{Name: "CntrlProp", Expectation: statespace.Always, Holds: m.cntrlProp},
		{Name: "DataProp", Expectation: statespace.Always, Holds: m.dataProp},
	}
}

// cntrlProp: at most one exclusive copy, and never an exclusive copy next
// to a shared one.
func (m *Model) cntrlProp(s *State) bool {
	exclusive, shared := 0, 0
	for i := range m.nodes {
		switch s.cacheState(i) {
		case cacheE:
			exclusive++
		case cacheS:
			shared++
		}
	}
	return exclusive == 0 || exclusive == 1 && shared == 0
}

// dataProp: memory holds the latest value unless an exclusive copy is out;
// every valid cached copy holds the latest value.
func (m *Model) dataProp(s *State) bool {
	if !s.exGntd() && s.memData() != s.auxData() {
		return false
	}
	for i := range m.nodes {
		if s.cacheState(i) != cacheI && s.cacheData(i) != s.auxData() {
			return false
		}
	}
	return true
}

var stateNames = [3]string{"I", "S", "E"}
var cmdNames = [7]string{"Empty", "ReqS", "ReqE", "Inv", "InvAck", "GntS", "GntE"}

// Describe renders s with german.m's variable names.
func (m *Model) Describe(s *State) []statespace.Field {
	var f []statespace.Field
	add := func(name string, v any) { f = append(f, statespace.Field{Name: name, Value: fmt.Sprint(v)}) }
	for i := range m.nodes {
		add(fmt.Sprintf("Cache[%d].State", i), stateNames[s.cacheState(i)])
		add(fmt.Sprintf("Cache[%d].Data", i), s.cacheData(i))
		add(fmt.Sprintf("Chan1[%d].Cmd", i), cmdNames[s.chan1(i)])
		add(fmt.Sprintf("Chan2[%d].Cmd", i), cmdNames[s.chan2(i)])
		add(fmt.Sprintf("Chan2[%d].Data", i), s.chan2Data(i))
		add(fmt.Sprintf("Chan3[%d].Cmd", i), cmdNames[s.chan3(i)])
		add(fmt.Sprintf("Chan3[%d].Data", i), s.chan3Data(i))
		add(fmt.Sprintf("InvSet[%d]", i), s.invSet(i))
		add(fmt.Sprintf("ShrSet[%d]", i), s.shrSet(i))
	}
	add("ExGntd", s.exGntd())
	add("CurCmd", cmdNames[s.curCmd()])
	ptr := fmt.Sprint(s.curPtr())
	if s.curPtr() == m.nodes {
		ptr = "NONE"
	}
	add("CurPtr", ptr)
	add("MemData", s.memData())
	add("AuxData", s.auxData())
	return f
}
