// Package germanrules is Steven German's cache coherence protocol
// (refmodels/german/testdata/german.m) written with statespace.Rules: one
// Go rule per Murphi rule, the same guards, effects and invariants, and the
// Murphi variables as plain fields. It reaches the same states through the
// same transitions as the hand-packed refmodels/german and as Rumur.
package germanrules

import (
	"fmt"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// MaxNodes is the largest supported number of client nodes: the arrays
// have a fixed size, and a model uses the first nodes entries.
const MaxNodes = 8

// Cache states and message commands (CACHE_STATE and MSG_CMD).
const (
	I, S, E = 0, 1, 2
)
const (
	Empty = iota
	ReqS
	ReqE
	Inv
	InvAck
	GntS
	GntE
)

// Msg is a message of a channel (MSG); Cache is a client cache (CACHE).
type Msg struct{ Cmd, Data uint8 }
type Cache struct{ State, Data uint8 }

// State holds german.m's variables. Data 0 is "no data"; CurPtr = nodes
// is NONE.
type State struct {
	Cache                            [MaxNodes]Cache
	Chan1, Chan2, Chan3              [MaxNodes]Msg
	InvSet, ShrSet                   [MaxNodes]bool
	ExGntd                           bool
	CurCmd, CurPtr, MemData, AuxData uint8
}

// New returns german.m for the given number of client nodes (1..MaxNodes).
func New(nodes int) (*statespace.Rules[State], error) {
	if nodes < 1 || nodes > MaxNodes {
		return nil, fmt.Errorf("germanrules: nodes must be 1..%d, not %d", MaxNodes, nodes)
	}
	n, none := nodes-1, uint8(nodes)
	m := new(statespace.Rules[State])
	m.Start(State{CurCmd: Empty, CurPtr: none, MemData: 1, AuxData: 1})
	m.Deadlock(statespace.DeadlockStutter) // Murphi's notion

	m.RuleSet("SendReqS", 0, n, func(s *State, i int) bool {
		return s.Chan1[i].Cmd == Empty && s.Cache[i].State == I
	}, func(s *State, i int) { s.Chan1[i].Cmd = ReqS })

	m.RuleSet("SendReqE", 0, n, func(s *State, i int) bool {
		return s.Chan1[i].Cmd == Empty && (s.Cache[i].State == I || s.Cache[i].State == S)
	}, func(s *State, i int) { s.Chan1[i].Cmd = ReqE })

	recvReq := func(cmd uint8) func(s *State, i int) {
		return func(s *State, i int) {
			s.CurCmd, s.CurPtr, s.Chan1[i].Cmd = cmd, uint8(i), Empty
			s.InvSet = s.ShrSet
		}
	}
	m.RuleSet("RecvReqS", 0, n, func(s *State, i int) bool {
		return s.CurCmd == Empty && s.Chan1[i].Cmd == ReqS
	}, recvReq(ReqS))

	m.RuleSet("RecvReqE", 0, n, func(s *State, i int) bool {
		return s.CurCmd == Empty && s.Chan1[i].Cmd == ReqE
	}, recvReq(ReqE))

	m.RuleSet("SendInv", 0, n, func(s *State, i int) bool {
		return s.Chan2[i].Cmd == Empty && s.InvSet[i] && (s.CurCmd == ReqE || s.CurCmd == ReqS && s.ExGntd)
	}, func(s *State, i int) { s.Chan2[i].Cmd, s.InvSet[i] = Inv, false })

	m.RuleSet("SendInvAck", 0, n, func(s *State, i int) bool {
		return s.Chan2[i].Cmd == Inv && s.Chan3[i].Cmd == Empty
	}, func(s *State, i int) {
		s.Chan2[i].Cmd, s.Chan3[i].Cmd = Empty, InvAck
		if s.Cache[i].State == E {
			s.Chan3[i].Data = s.Cache[i].Data
		}
		s.Cache[i] = Cache{I, 0}
	})

	m.RuleSet("RecvInvAck", 0, n, func(s *State, i int) bool {
		return s.Chan3[i].Cmd == InvAck && s.CurCmd != Empty
	}, func(s *State, i int) {
		s.Chan3[i].Cmd, s.ShrSet[i] = Empty, false
		if s.ExGntd {
			s.ExGntd, s.MemData = false, s.Chan3[i].Data
		}
		s.Chan3[i].Data = 0
	})

	sendGnt := func(cmd uint8) func(s *State, i int) {
		return func(s *State, i int) {
			s.Chan2[i], s.ShrSet[i] = Msg{cmd, s.MemData}, true
			s.ExGntd = s.ExGntd || cmd == GntE
			s.CurCmd, s.CurPtr = Empty, none
		}
	}
	m.RuleSet("SendGntS", 0, n, func(s *State, i int) bool {
		return s.CurCmd == ReqS && s.CurPtr == uint8(i) && s.Chan2[i].Cmd == Empty && !s.ExGntd
	}, sendGnt(GntS))

	m.RuleSet("SendGntE", 0, n, func(s *State, i int) bool {
		return s.CurCmd == ReqE && s.CurPtr == uint8(i) && s.Chan2[i].Cmd == Empty && !s.ExGntd &&
			s.ShrSet == [MaxNodes]bool{}
	}, sendGnt(GntE))

	for _, g := range []struct {
		name       string
		cmd, state uint8
	}{{"RecvGntS", GntS, S}, {"RecvGntE", GntE, E}} {
		m.RuleSet(g.name, 0, n, func(s *State, i int) bool { return s.Chan2[i].Cmd == g.cmd },
			func(s *State, i int) { s.Cache[i], s.Chan2[i] = Cache{g.state, s.Chan2[i].Data}, Msg{} })
	}

	m.RuleSet2("Store", 0, n, 1, 2, func(s *State, i, _ int) bool {
		return s.Cache[i].State == E
	}, func(s *State, i, d int) { s.Cache[i].Data, s.AuxData = uint8(d), uint8(d) })

	m.Invariant("CntrlProp", func(s *State) bool {
		for i := range nodes {
			for j := range nodes {
				if i != j && (s.Cache[i].State == E && s.Cache[j].State != I ||
					s.Cache[i].State == S && s.Cache[j].State == E) {
					return false
				}
			}
		}
		return true
	})

	m.Invariant("DataProp", func(s *State) bool {
		if !s.ExGntd && s.MemData != s.AuxData {
			return false
		}
		for i := range nodes {
			if s.Cache[i].State != I && s.Cache[i].Data != s.AuxData {
				return false
			}
		}
		return true
	})
	return m, nil
}
