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

// cacheDocs explain the cache family's properties and the kernel rule
// each comes from (docs/kernel-rules.md).
var cacheDocs = map[string]string{
	NoStaleRead: "Every read (CPU load, device DMA read) returns the latest completed write of that line. " +
		"drivers/dma-buf/dma-buf.c DOC \"cpu access\": begin/end_cpu_access and DMA_BUF_IOCTL_SYNC must make CPU and device access coherent (kernel-rules §3).",
	NoLostWrite: "A completed write is never discarded (an invalidate dropping a dirty line) nor overwritten by older data " +
		"(a stale dirty line written back). Documentation/core-api/dma-api-howto.rst: invalidate discards dirty lines (kernel-rules §8).",
	MappingDiscipline: "A device does DMA only through a valid mapping: mapped with a direction that allows the access, " +
		"and not invalidated by dma_buf_move_notify (include/linux/dma-buf.h, dynamic importer rules; kernel-rules §2).",
	NoUseAfterFree: "Nothing touches the buffer after its release, nor an attachment's mapping after detach: no final " +
		"dma_buf_put while attached (dma_buf_release WARNs), no detach while the importer's DMA runs, no call on a released buffer (kernel-rules §10).",
	DMAAPIDiscipline: "dma-debug's preconditions: dma_sync_* only on memory that is dma_map'ed, and unmap/sync with the " +
		"direction it was mapped with (kernel/dma/debug.c; kernel-rules §8).",
	BeginEndPairing: "CPU access through the mapping is bracketed by DMA_BUF_IOCTL_SYNC START/END with the same flags, END " +
		"follows a START, and the buffer is not released inside a bracket (include/uapi/linux/dma-buf.h; kernel-rules §3).",
	DeviceSeesCPU: "Reachability: some device DMA read returns data the CPU wrote (the world is not vacuous).",
	CPUSeesDevice: "Reachability: an agent inside a read bracket holds data a device wrote (the world is not vacuous).",
	AllAttached:   "Reachability: every importer is attached at the same time (the design lets every device share the buffer).",
}

// PropertyDoc explains a built-in property of the world and the kernel
// rule it comes from; "" for a name that is not one.
func PropertyDoc(name string) string {
	for _, docs := range []map[string]string{cacheDocs, fenceDocs, lockDocs, vmDocs, p2pDocs, lifeDocs} {
		if d, ok := docs[name]; ok {
			return d
		}
	}
	return ""
}

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
