package cli_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/cli"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// lock is two processes and a lock: s[i] is process i, idle (0), having
// seen the lock free (1) or holding it (2); s[2] is 1 while the lock is
// taken.
type lock [3]uint8

// lockModel takes the lock in two steps, seeing it free then taking it;
// with recheck, the second step checks again.
func lockModel(v cli.Values) (statespace.Model[lock], error) {
	return new(statespace.Rules[lock]).Start(lock{}).
		RuleSet("see", 0, 1, func(s *lock, i int) bool { return s[i] == 0 && s[2] == 0 },
			func(s *lock, i int) { s[i] = 1 }).
		RuleSet("take", 0, 1, func(s *lock, i int) bool { return s[i] == 1 && (s[2] == 0 || !v.Bool("recheck")) },
			func(s *lock, i int) { s[i], s[2] = 2, 1 }).
		RuleSet("leave", 0, 1, func(s *lock, i int) bool { return s[i] == 2 },
			func(s *lock, i int) { s[i], s[2] = 0, 0 }).
		Invariant("mutual exclusion", func(s *lock) bool { return s[0] != 2 || s[1] != 2 }), nil
}

// A program registers its models and gets the check command's run, list,
// replay, export, graph and explore; a real main ends with app.Main().
// Here app.Run shows the exit codes: 1 for the lock taken without a second
// look, 0 with one.
func Example() {
	app := cli.New("lockcheck")
	cli.Register(app, "lock", "two processes take a lock they saw free", lockModel,
		cli.Bool("recheck", false, "take it only if it is still free"))

	for _, args := range [][]string{
		{"list"},
		{"run", "lock", "--quiet"},
		{"run", "lock", "--quiet", "--set", "recheck=true"},
	} {
		var out strings.Builder
		code := app.Run(context.Background(), args, &out, os.Stderr)
		// The verdict: the first lines of run's report (the rest has
		// timings).
		lines := strings.Split(out.String(), "\n")
		fmt.Printf("$ lockcheck %s   # exit %d\n%s\n", strings.Join(args, " "), code, strings.Join(lines[:min(2, len(lines)-1)], "\n"))
	}
	// Output:
	// $ lockcheck list   # exit 0
	// lock                         two processes take a lock they saw free [params: recheck=false (true|false)]
	// $ lockcheck run lock --quiet   # exit 1
	// scenario lock (recheck=false)
	// result: VIOLATION of mutual exclusion (invariant)
	// $ lockcheck run lock --quiet --set recheck=true   # exit 0
	// scenario lock (recheck=true)
	// result: ok (exhaustive: every reachable state explored, every property holds)
}
