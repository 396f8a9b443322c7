package props

import (
	"regexp"
	"slices"
	"strings"

	"github.com/dmabufcheck/dmabufcheck/model/world"
	"github.com/dmabufcheck/dmabufcheck/statespace"
)

// Kind is what a property asserts of the world.
type Kind string

// Kinds of property.
const (
	// Safety: nothing bad ever happens (an invariant, or deadlock
	// freedom). A counterexample is a finite trace ending where it breaks.
	Safety Kind = "safety"
	// Reachability: something the design is for can happen, so the world
	// is not vacuous. It fails when it is unreachable; a witness trace
	// shows it reached.
	Reachability Kind = "reachability"
	// Liveness: something eventually happens, under the world's weak
	// fairness. A counterexample is a lasso.
	Liveness Kind = "liveness"
)

// Property is one entry of the catalogue: a built-in property of the
// world, or a family of them, one per object (PerObject).
type Property struct {
	// Name is the property's name; for a PerObject property, the prefix
	// of its instances' names, "Name/object" (fences-eventually-signal/gpu0#0).
	Name      string
	PerObject bool
	// Family is the family of calls that defines it ("cache", "fence",
	// "lock", "vm", "p2p", "life"), or "world" for deadlock freedom, which every
	// family contributes to (valid ends, wait-for edges).
	Family string
	Kind   Kind
	// Files is what the scenario files expect of it (their expect:
	// sections, which the scenario package's tests check), by file.
	Files []FileVerdict
}

// FileVerdict is what one scenario file expects of a property.
type FileVerdict struct {
	// File is the file's path from the repository root.
	File string
	// Object is, for a PerObject property, the instance's object
	// ("gpu0#0"); "" otherwise.
	Object string
	// Verdict is "holds", "violated", "reached" or "unreachable".
	Verdict string
	// Length is the shortest counterexample's (or witness's) length the
	// file pins; 0 when it pins none.
	Length int
}

// InstanceName is the name of the property the verdict is about: the
// catalogue name, with the object for a per-object property.
func (v FileVerdict) InstanceName(p Property) string {
	if v.Object == "" {
		return p.Name
	}
	return p.Name + "/" + v.Object
}

// deadlockDoc is the text of deadlock freedom, a property of the checker
// (statespace.DeadlockProperty) that the world's families refine.
const deadlockDoc = "No reachable state is stuck: some action is enabled, unless the state is a proper end (every program " +
	"finished, or every family the world uses is at its end: the buffer released, the fences signalled, the locks free). " +
	"The report names who waits for whom (the families' wait-for edges) and the cycle (kernel-rules §12.5)."

// Doc is the property's text: what it says and the kernel rule it comes
// from (world.PropertyDoc); "" when model/world has none.
func (p Property) Doc() string {
	if p.Name == statespace.DeadlockProperty {
		return deadlockDoc
	}
	return world.PropertyDoc(p.Name)
}

var rulesRE = regexp.MustCompile(`kernel-rules ((?:§[0-9.]*[0-9](?:, )?)+)`)

// Rules lists the sections of docs/kernel-rules.md the property's text
// cites ("§3", "§12.5"), in order.
func (p Property) Rules() []string {
	var out []string
	for _, m := range rulesRE.FindAllStringSubmatch(p.Doc(), -1) {
		for _, s := range strings.Split(m[1], ", ") {
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// broken is the verdict of a file where the property fails.
func (p Property) broken() string {
	if p.Kind == Reachability {
		return "unreachable"
	}
	return "violated"
}

// met is the verdict of a file where the property is met.
func (p Property) met() string {
	if p.Kind == Reachability {
		return "reached"
	}
	return "holds"
}

// Breaking lists the files where the property fails: violated (safety,
// liveness) or unreachable (reachability).
func (p Property) Breaking() []FileVerdict { return p.with(p.broken()) }

// Meeting lists the files where the property is met: holds (safety,
// liveness) or reached (reachability).
func (p Property) Meeting() []FileVerdict { return p.with(p.met()) }

func (p Property) with(verdict string) []FileVerdict {
	var out []FileVerdict
	for _, v := range p.Files {
		if v.Verdict == verdict {
			out = append(out, v)
		}
	}
	return out
}

// Witness is the file that shows the property is not dead weight, with
// the shortest pinned trace: the shortest violation of a safety or
// liveness property, the shortest witness of a reachability property
// (ties: the first file in path order). ok is false when no file pins
// one: a property nothing violates (or nothing reaches) would pass
// vacuously.
func (p Property) Witness() (v FileVerdict, ok bool) {
	want := "violated"
	if p.Kind == Reachability {
		want = "reached"
	}
	for _, f := range p.Files {
		if f.Verdict == want && f.Length > 0 && (!ok || f.Length < v.Length) {
			v, ok = f, true
		}
	}
	return v, ok
}

// entry is a catalogue entry before the files' verdicts are attached.
type entry struct {
	name      string
	family    string
	kind      Kind
	perObject bool
}

// entries are the world's built-in properties, family by family, in the
// order each family's Properties lists them.
var entries = []entry{
	{world.NoStaleRead, "cache", Safety, false},
	{world.NoLostWrite, "cache", Safety, false},
	{world.MappingDiscipline, "cache", Safety, false},
	{world.NoUseAfterFree, "cache", Safety, false},
	{world.DMAAPIDiscipline, "cache", Safety, false},
	{world.BeginEndPairing, "cache", Safety, false},
	{world.DeviceSeesCPU, "cache", Reachability, false},
	{world.CPUSeesDevice, "cache", Reachability, false},
	{world.AllAttached, "cache", Reachability, false},

	{world.FenceMonotonicity, "fence", Safety, false},
	{world.ResvIdleMeansIdle, "fence", Safety, false},
	{world.ResvKeepsNewest, "fence", Safety, false},
	{world.NoJobAfterMove, "fence", Safety, false},
	{world.AddFenceNeedsReserve, "fence", Safety, false},
	{world.JobRanAfterDependency, "fence", Reachability, false},
	{world.PollSawEPOLLINAfterWrite, "fence", Reachability, false},
	{world.ImportedFenceBecameWrite, "fence", Reachability, false},
	{world.CPUWaitedForFence, "fence", Reachability, false},
	{world.ExporterWaitedForFence, "fence", Reachability, false},
	{world.TimelineClosedPending, "fence", Reachability, false},
	{world.JobTimedOut, "fence", Reachability, false},
	{world.FencesEventuallySignal, "fence", Liveness, true},

	{world.NoKernelAPIMisuse, "lock", Safety, false},
	{world.LockdepFenceSignalling, "lock", Safety, false},
	{world.NoFenceOnIndefinite, "lock", Safety, false},
	{world.LockOrderRule, "lock", Safety, false},
	{world.EveryProgramCanFinish, "lock", Reachability, false},
	{world.EveryFenceEventuallySignalled, "lock", Liveness, false},
	{world.NoDMAToSuspendedBAR, "lock", Safety, false},

	{world.VMNoUseAfterFree, "vm", Safety, false},
	{world.VMNoStaleRead, "vm", Safety, false},
	{world.VMNoDeadlock, "vm", Safety, false},
	{world.VMReadFrame, "vm", Reachability, false},
	{world.VMRxWaited, "vm", Reachability, false},
	{world.VMJobWaited, "vm", Reachability, false},
	{world.VMRetransmitted, "vm", Reachability, false},
	{world.VMFreedAfterUse, "vm", Reachability, false},
	{world.VMRemoteOpAcked, "vm", Liveness, true},
	{world.VMProxySignals, "vm", Liveness, true},

	{world.P2PRoutable, "p2p", Safety, false},
	{world.P2PNoDropped, "p2p", Safety, false},
	{world.P2PNoStaleRead, "p2p", Safety, false},
	{world.P2PFallback, "p2p", Safety, false},
	{world.P2PBAROnlyToP2P, "p2p", Safety, false},
	{world.P2PTransferDone, "p2p", Reachability, false},
	{world.P2PRedirected, "p2p", Reachability, false},
	{world.P2PFallbackUsed, "p2p", Reachability, false},
	{world.P2PCPUReadDevWrite, "p2p", Reachability, false},
	{world.P2PDeviceReadCPUWrite, "p2p", Reachability, false},

	{world.NoObjectUseAfterFree, "life", Safety, false},
	{world.NoLeakedObject, "life", Safety, false},
	{world.NoRcuWrongFence, "life", Safety, false},

	{statespace.DeadlockProperty, "world", Safety, false},
}

// All returns the catalogue: every built-in property of the world, family
// by family, with what the scenario files expect of it.
func All() []Property {
	out := make([]Property, len(entries))
	for i, e := range entries {
		out[i] = Property{Name: e.name, PerObject: e.perObject, Family: e.family, Kind: e.kind,
			Files: slices.Clone(fileVerdicts[e.name])}
	}
	return out
}

// Lookup returns the catalogue entry of a property name: a built-in
// property, or an instance of a per-object one ("fences-eventually-signal/gpu0#0").
// ok is false for any other name (a world file's own invariant).
func Lookup(name string) (p Property, ok bool) {
	for _, q := range All() {
		if q.Name == name || q.PerObject && strings.HasPrefix(name, q.Name+"/") {
			return q, true
		}
	}
	return Property{}, false
}
