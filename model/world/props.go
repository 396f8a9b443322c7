package world

import "github.com/dmabufcheck/dmabufcheck/statespace"

// Property names: the same names the five earlier models used, so that
// verdicts compare one for one.
const (
	NoStaleRead       = "no-stale-read"
	NoLostWrite       = "no-lost-write"
	MappingDiscipline = "no-dma-without-valid-mapping"
	NoUseAfterFree    = "no-access-after-release-or-detach"
	DMAAPIDiscipline  = "dma-api-discipline"
	BeginEndPairing   = "begin-end-pairing"
	DeviceSeesCPU     = "device-reads-cpu-write"
	CPUSeesDevice     = "cpu-reads-device-write"
	AllAttached       = "all-importers-attached"
)

// propDef is one property of a world.
type propDef struct {
	name  string
	exp   statespace.Expectation
	holds func(v View) bool
	// trigger is the premise of an Eventually property (nil: the initial
	// states).
	trigger func(v View) bool
}

func flagProp(name string, f uint16) propDef {
	return propDef{name: name, exp: statespace.Always, holds: func(v View) bool { return !v.Flag(f) }}
}

// builtinProps are the safety properties (ghost flags raised by the step
// that commits the violation, so the shortest trace ends at the guilty
// step), then the reachability properties that show a world is not
// vacuous.
func builtinProps() []propDef {
	return []propDef{
		flagProp(NoStaleRead, FlagStaleRead),
		flagProp(NoLostWrite, FlagLostWrite),
		flagProp(MappingDiscipline, FlagNoMapping),
		flagProp(NoUseAfterFree, FlagUseAfterFree),
		flagProp(DMAAPIDiscipline, FlagDMADebug),
		flagProp(BeginEndPairing, FlagPairing),
		{name: DeviceSeesCPU, exp: statespace.Sometimes, holds: deviceSeesCPU},
		{name: CPUSeesDevice, exp: statespace.Sometimes, holds: cpuSeesDevice},
		{name: AllAttached, exp: statespace.Sometimes, holds: allAttached},
	}
}

// deviceSeesCPU: some device's DMA read returned the latest write, and the
// CPU wrote it.
func deviceSeesCPU(v View) bool {
	for d := range v.w.spec.Devices {
		if v.jobKind(d) == jobRead {
			l, ver := v.jobLine(d), v.jobVer(d)
			if ver > 0 && ver == *v.latest(l) && *v.latestBy(l) == writerCPU {
				return true
			}
		}
	}
	return false
}

// cpuSeesDevice: an agent inside a read bracket holds, without going to
// memory, the latest write of a line, written by a device.
func cpuSeesDevice(v View) bool {
	inside := false
	for _, ag := range v.w.lay.bracketAgents {
		if v.InsideAllowing(ag, SyncRead) {
			inside = true
		}
	}
	if !inside {
		return false
	}
	for l := range v.w.spec.Lines {
		ver, ok := *v.mem(l), true
		if !v.w.spec.Backing.uncached() {
			ok = *v.cpu(l)&lineState != lineInvalid
			ver = *v.cpu(l) & lineVer
		}
		if ok && *v.latestBy(l) >= writerDevice0 && ver == *v.latest(l) {
			return true
		}
	}
	return false
}

// allAttached: every importer is attached at once.
func allAttached(v View) bool {
	for d := range v.w.spec.Devices {
		if !v.attached(d) {
			return false
		}
	}
	return true
}
