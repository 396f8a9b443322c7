// Package pbt runs property-based tests over any statespace.Model: random
// walks instead of an exhaustive search, for configurations too large to
// explore, and as an independent second opinion on the ones that are not.
//
// Two drivers share one engine:
//
//   - Rapid drives the model with pgregory.net/rapid. Every step draws only
//     among the actions enabled in the current state, uniformly, so no test
//     case is ever rejected and no run can pass vacuously by skipping
//     (docs/testing.md §2). The number of steps is drawn too,
//     step by step (whether this step is the last), bounded by
//     Budget.MaxSteps. A step's draw names an action of the
//     table rather than a position in the enabled list, so that when rapid
//     shrinks the choice sequence (fewer steps, smaller choices) the later
//     steps keep their meaning; it reaches the BFS-shortest length on
//     almost every seeded bug (docs/testing.md).
//   - Gopter drives it with github.com/leanovate/gopter's commands package.
//     A command is one concrete action; it is generated from the actions
//     enabled in the state reached so far, its PreCondition is "enabled",
//     and NextState steps the model, so gopter's sieve keeps only valid
//     sequences while it shrinks them. Each command also shrinks on its own,
//     towards the same kind of action with smaller arguments (a smaller
//     device or line index).
//
// After every step both drivers check every selected Always property and
// deadlock (no enabled action in a state that is not a valid end). A
// violation is replayed through statespace.Replay (which confirms it with
// the checker's own code) and rendered as a traces.Document.
//
// In a model with valid end states (statespace.EndStater) a walk leaves
// out, before its last step, the actions that would end it (such as
// releasing the buffer, enabled from the start), and prefers them at its
// last step; otherwise most walks would end after a few steps.
//
// A Report records what a run did: walks, steps, how often each action
// fired, the distinct states visited, how often each property was
// evaluated. AssertNonVacuous fails a test whose run was too small to mean
// anything; AssertNoViolation and AssertFinds judge the verdict, the latter
// with a differential check against exhaustive search.
//
// # Actions as (kind, arguments)
//
// gopter's shrinker needs to know that "dma_buf_attach(isp)" is
// "dma_buf_attach" applied to a device, so that it can propose the same
// call on a smaller device. A model may say so by implementing
// ActionArger; otherwise the kind is derived from the action label: the
// action's actor (statespace.Actorer) becomes an argument (its rank among
// all actors), and so does every decimal number in the label. A shrunk
// command renames the argument from its step on (every later step of that
// device moves with it) or at its step only, whichever still fails.
//
// # Budgets
//
// Budget.Runs walks (test cases) of at most Budget.MaxSteps steps each. A
// run stops at its first violation, so the default budgets (sized for bug
// hunting) are spent in full only when nothing is found. DMABUFCHECK_SOAK=1
// multiplies the walks by SoakFactor and the walk length by 4
// (DMABUFCHECK_SOAK=N, N > 1, multiplies the walks by N instead) and lifts
// the cap on rapid's shrinking time; an explicit -rapid.checks=N (or
// RAPID_CHECKS=N) sets the number of walks of both drivers to N.
//
// # Replaying a failure
//
// rapid: a failing run that was expected to pass writes a failfile under
// testdata/rapid/<TestName>/ and prints
//
//	To reproduce, specify -run="TestX" -rapid.failfile="testdata/rapid/TestX/TestX-….fail" (or -rapid.seed=N)
//
// Every later `go test` of that test replays the failfiles of its directory
// first, so a failure stays red until it is fixed (delete the file then).
//
// gopter: a failing run prints its seed and the budget it ran with;
//
//	DMABUFCHECK_GOPTER_SEED=N go test -run 'TestX' ./the/package
//
// replays it deterministically (same seed, same budget: keep
// DMABUFCHECK_SOAK as it was). DMABUFCHECK_SEED=N fixes the seeds of both
// drivers for a whole run. A seed in Options wins over all of these.
//
// rapid's budget is process-wide (its flags), so pbt sets it for the
// length of each Rapid run and serialises those runs; gopter runs can
// overlap.
//
// The package's own tests run the drivers on toy models and on the
// reference models of refmodels/; the suites over the DMA-buf world's
// scenario files are in package props (docs/testing.md).
package pbt
