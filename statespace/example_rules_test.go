package statespace_test

import (
	"fmt"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Lock is the state of a broken lock: each of two processes checks that
// the lock is free, then takes it, without an atomic test-and-set.
type Lock struct {
	PC     [2]uint8 // 0 idle, 1 saw the lock free, 2 in the critical section
	Locked bool
}

// A model written with Rules: three rule sets over the two processes, an
// invariant and a cover property. Check with Continue reports every
// verdict, each with its shortest trace.
func ExampleRules() {
	m := new(statespace.Rules[Lock]).Start(Lock{}).
		RuleSet("check", 0, 1, func(s *Lock, i int) bool { return s.PC[i] == 0 && !s.Locked },
			func(s *Lock, i int) { s.PC[i] = 1 }).
		RuleSet("take", 0, 1, func(s *Lock, i int) bool { return s.PC[i] == 1 },
			func(s *Lock, i int) { s.PC[i], s.Locked = 2, true }).
		RuleSet("leave", 0, 1, func(s *Lock, i int) bool { return s.PC[i] == 2 },
			func(s *Lock, i int) { s.PC[i], s.Locked = 0, false }).
		Invariant("mutual exclusion", func(s *Lock) bool { return s.PC != [2]uint8{2, 2} }).
		Reachable("process 1 enters", func(s *Lock) bool { return s.PC[1] == 2 })

	r, err := statespace.Check(m, statespace.Options{Continue: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Status, r.Stats.States, "states", r.Stats.Transitions, "transitions")
	for _, p := range r.Properties {
		fmt.Printf("%s: %s", p.Name, p.Verdict)
		if p.Trace != nil {
			fmt.Printf(" [%s]", strings.Join(p.Trace.Labels(), " "))
		}
		fmt.Println()
	}
	// Output:
	// violation 13 states 24 transitions
	// mutual exclusion: violated [check[1] check[0] take[0] take[1]]
	// process 1 enters: reached [check[1] take[1]]
	// deadlock: holds
}
