// Package props is the catalogue of the DMA-buf world's properties and the
// home of their tests.
//
// The properties themselves are part of the state machine and are defined
// in package model/world: ghost flags the guilty step raises (no stale
// read, no lost write, no use after free, the mapping discipline, the
// fence rules, lock order, ...), predicates over the state (deadlock
// cycles across VMs, the newest fence kept), reachability properties that
// show a world is not vacuous, and liveness properties (fences eventually
// signal, remote operations are acknowledged). Their texts are
// world.PropertyDoc. This package lists them (All, Lookup): each one's
// family, kind, text, the kernel rules it cites, and what the scenario
// files (scenarios/*.yaml, docs/examples/world/*.yaml) expect of it.
//
// The tests hold the catalogue to the files and the files to the
// properties: every property is violated (a reachability property:
// reached) by some scenario file, with the shortest counterexample pinned
// and replayed (testdata/witnesses); every call kind of the world fires in
// some file; results do not depend on the number of workers; and the
// property-based suites walk world files at random with the rapid and
// gopter drivers of package statespace/pbt, on correct designs (nothing
// found, and not vacuously), seeded bugs (found, and shrunk to the
// BFS-shortest length) and configurations too large for exhaustive search.
// docs/testing.md says what runs where and how to reproduce a failure.
package props
