package world

import (
	"fmt"
	"strings"
)

// Stateful exporter hooks (issue 18, class 5): an exporter's hooks
// remember things between calls, and what they remember can disagree with
// the caches.
//
//   - A direction on an operation's cache maintenance (Dir): a hook may
//     sync for the device where it should sync for the CPU, or clean where
//     it should invalidate (arch/arm64/mm/dma-mapping.c:
//     arch_sync_dma_for_device cleans, arch_sync_dma_for_cpu invalidates).
//   - An operation done only on the hook's first call, or only on the
//     calls after it (When): udmabuf's begin_cpu_udmabuf creates and
//     dma_map_sgtable's its sg table on the first call (a sync for the
//     device: a clean) and syncs it for the CPU only on later calls
//     (drivers/dma-buf/udmabuf.c: begin_cpu_udmabuf, get_sg_table).
//   - A domain tracker (OpSetCPUDomain): i915 remembers that the CPU is in
//     the object's read domains and skips the clflush when it is
//     (drivers/gpu/drm/i915/gem/i915_gem_domain.c:
//     i915_gem_object_set_to_cpu_domain); a device write that does not go
//     through i915 leaves the tracker saying "CPU" over a stale cache.
//   - A cached sg table that serves every later caller with the first
//     caller's direction (Exporter.CacheSGTFirstDir), where 6.12's
//     dma_buf_map_attachment fails a map in another direction with -EBUSY.
//
// What the hooks remember lives in the buffer's byte (bufRan*,
// bufCPUDomain), touched only by a world whose hooks use it.

// Buffer bits of the stateful hooks.
const (
	bufRanMap    uint8 = 1 << 2 // map_dma_buf has run (a map hook with a first-call/later-calls operation)
	bufRanBegin  uint8 = 1 << 3 // begin_cpu_access has run (likewise)
	bufRanEnd    uint8 = 1 << 4 // end_cpu_access has run (likewise)
	bufCPUDomain uint8 = 1 << 5 // the exporter's tracker records the CPU read domain (OpSetCPUDomain)
)

// HookDir overrides the direction of a hook operation's cache maintenance.
type HookDir uint8

const (
	// HookDirAsHook is the operation's own direction: a sync for the CPU
	// in begin_cpu_access, for the device in end_cpu_access; clflush
	// cleans and invalidates in begin, cleans in end.
	HookDirAsHook HookDir = iota
	// HookForCPU syncs for the CPU (dma_sync_*_for_cpu) in any hook.
	HookForCPU
	// HookForDevice syncs for the device (dma_sync_*_for_device) in any
	// hook: on arm64 a clean, never an invalidate.
	HookForDevice
	// HookClean makes clflush only clean (write back) the lines.
	HookClean
	// HookInvalidate makes clflush only invalidate the lines (a dirty
	// line's data is lost).
	HookInvalidate
	// HookCleanInvalidate makes clflush clean and invalidate the lines.
	HookCleanInvalidate
	numHookDirs
)

var hookDirNames = [numHookDirs]string{"", "for-cpu", "for-device", "clean", "invalidate", "clean+invalidate"}

var hookDirDocs = [numHookDirs]string{
	"",
	"sync for the CPU (dma_sync_*_for_cpu), whatever hook it is in; on sync-mapped and sync-exporter-device",
	"sync for the device (dma_sync_*_for_device), whatever hook it is in: on arm64 a clean, never an invalidate; on sync-mapped and sync-exporter-device",
	"only clean (write back) the lines; on clflush",
	"only invalidate the lines (a dirty line's data is lost); on clflush",
	"clean and invalidate the lines; on clflush",
}

func (d HookDir) String() string {
	if d < numHookDirs {
		return hookDirNames[d]
	}
	return fmt.Sprintf("HookDir(%d)", d)
}

// HookWhen restricts a hook operation to some of the hook's calls.
type HookWhen uint8

const (
	// HookAlways runs the operation on every call of the hook.
	HookAlways HookWhen = iota
	// HookFirstCall runs it only on the hook's first call on the buffer
	// (a lazily created sg table); on dma-map, only the first call's
	// mapping syncs for the device.
	HookFirstCall
	// HookLaterCalls runs it only on the calls after the first.
	HookLaterCalls
	numHookWhens
)

var hookWhenNames = [numHookWhens]string{"", "first-call", "later-calls"}

var hookWhenDocs = [numHookWhens]string{
	"",
	"only on the hook's first call on the buffer (a lazily created sg table: udmabuf's begin_cpu_udmabuf maps ubuf->sg the first time); on dma-map, only the first map syncs for the device",
	"only on the hook's calls after the first (begin_cpu_udmabuf's dma_sync_sg_for_cpu once ubuf->sg exists)",
}

func (w HookWhen) String() string {
	if w < numHookWhens {
		return hookWhenNames[w]
	}
	return fmt.Sprintf("HookWhen(%d)", w)
}

// String writes the operation as world files spell it:
// "sync-exporter-device(first-call for-device)".
func (op HookOp) String() string {
	var mods []string
	if op.SkipCPUSync {
		mods = append(mods, "skip-cpu-sync")
	}
	if op.When != HookAlways {
		mods = append(mods, op.When.String())
	}
	if op.Dir != HookDirAsHook {
		mods = append(mods, op.Dir.String())
	}
	if len(mods) == 0 {
		return op.Kind.String()
	}
	return op.Kind.String() + "(" + strings.Join(mods, " ") + ")"
}

// ParseHookOp reads a hook operation as world files spell it: a name
// (HookKindNames) with optional modifiers in parentheses, separated by
// spaces (HookModifierNames): a comma would end the item of a YAML flow
// list. It rejects a modifier the operation cannot
// take.
func ParseHookOp(text string) (HookOp, error) {
	name, args := text, ""
	if i := strings.IndexByte(text, '('); i >= 0 {
		if !strings.HasSuffix(text, ")") {
			return HookOp{}, fmt.Errorf("hook operation %q: unclosed modifier list (separate modifiers with spaces: in a [...] list a comma ends the operation)", text)
		}
		name, args = strings.TrimSpace(text[:i]), text[i+1:len(text)-1]
	}
	k, ok := HookKindByName(name)
	if !ok {
		return HookOp{}, fmt.Errorf("unknown hook operation %q (want one of: %s)", name, strings.Join(HookKindNames(), ", "))
	}
	op := HookOp{Kind: k}
	if i := strings.IndexByte(text, '('); i >= 0 {
		mods := strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == ',' })
		if len(mods) == 0 {
			return HookOp{}, fmt.Errorf("hook operation %q: an empty modifier list", text)
		}
		for _, m := range mods {
			if err := op.setModifier(m); err != nil {
				return HookOp{}, fmt.Errorf("hook operation %q: %v", text, err)
			}
		}
	}
	if err := op.validateModifiers(); err != nil {
		return HookOp{}, fmt.Errorf("hook operation %q: %v", text, err)
	}
	return op, nil
}

// setModifier records one modifier, rejecting an unknown one or a second
// of the same sort.
func (op *HookOp) setModifier(m string) error {
	switch {
	case m == "skip-cpu-sync":
		if op.SkipCPUSync {
			return fmt.Errorf("skip-cpu-sync given twice")
		}
		op.SkipCPUSync = true
		return nil
	}
	for w := HookFirstCall; w < numHookWhens; w++ {
		if hookWhenNames[w] == m {
			if op.When != HookAlways {
				return fmt.Errorf("%s and %s: one of first-call, later-calls", op.When, m)
			}
			op.When = w
			return nil
		}
	}
	for d := HookForCPU; d < numHookDirs; d++ {
		if hookDirNames[d] == m {
			if op.Dir != HookDirAsHook {
				return fmt.Errorf("%s and %s: one direction", op.Dir, m)
			}
			op.Dir = d
			return nil
		}
	}
	return fmt.Errorf("unknown modifier %q (want one of: %s)", m, strings.Join(HookModifierNames(), ", "))
}

// HookModifierNames lists the modifiers a hook operation may take.
func HookModifierNames() []string {
	out := []string{"skip-cpu-sync"}
	out = append(out, hookWhenNames[1:]...)
	return append(out, hookDirNames[1:]...)
}

// HookModifierDocs lists the modifiers with what each does, in the order
// of HookModifierNames.
func HookModifierDocs() [][2]string {
	out := [][2]string{{"skip-cpu-sync", "DMA_ATTR_SKIP_CPU_SYNC: the mapping does no CPU cache maintenance; on dma-map"}}
	for w := HookFirstCall; w < numHookWhens; w++ {
		out = append(out, [2]string{hookWhenNames[w], hookWhenDocs[w]})
	}
	for d := HookForCPU; d < numHookDirs; d++ {
		out = append(out, [2]string{hookDirNames[d], hookDirDocs[d]})
	}
	return out
}

// validateModifiers reports a modifier the operation cannot take: one
// that would change nothing.
func (op HookOp) validateModifiers() error {
	switch {
	case op.SkipCPUSync && op.Kind != OpDMAMap:
		return fmt.Errorf("%s cannot take skip-cpu-sync (dma-map only)", op.Kind)
	case op.Dir >= numHookDirs || op.When >= numHookWhens:
		return fmt.Errorf("%s: unknown modifier", op.Kind)
	case (op.Dir == HookForCPU || op.Dir == HookForDevice) && op.Kind != OpSyncMapped && op.Kind != OpSyncExporterDevice:
		return fmt.Errorf("%s cannot take %s (sync-mapped and sync-exporter-device only)", op.Kind, op.Dir)
	case op.Dir >= HookClean && op.Kind != OpClflush:
		return fmt.Errorf("%s cannot take %s (clflush only)", op.Kind, op.Dir)
	case op.When != HookAlways && (op.Kind == OpWaitFences || op.Kind == OpRejectNonCoherent || op.Kind == OpIOMMUMapDirect):
		return fmt.Errorf("%s cannot take %s (it does the same on every call)", op.Kind, op.When)
	case op.When != HookAlways && op.Kind == OpDMAMap && op.SkipCPUSync:
		return fmt.Errorf("%s: %s with skip-cpu-sync: no call's mapping syncs", op.Kind, op.When)
	}
	return nil
}

// forCPU is the direction the operation syncs in, in a begin (forCPU) or
// end hook.
func (op HookOp) forCPU(inBegin bool) bool {
	switch op.Dir {
	case HookForCPU:
		return true
	case HookForDevice:
		return false
	}
	return inBegin
}

// runsOn reports whether the operation runs on this call of its hook
// (ran: the hook has run before).
func (op HookOp) runsOn(ran bool) bool {
	switch op.When {
	case HookFirstCall:
		return !ran
	case HookLaterCalls:
		return ran
	}
	return true
}

// tracksCalls reports whether any operation of h depends on whether h has
// run before.
func (h Hook) tracksCalls() bool {
	for _, op := range h {
		if op.When != HookAlways {
			return true
		}
	}
	return false
}

// hookRan reports whether the hook whose bit is bit has run before.
func (v View) hookRan(bit uint8) bool { return v.b[v.w.lay.buf]&bit != 0 }

// markRan records that hook h (bit) has run, for a hook that tracks it.
func (v View) markRan(h Hook, bit uint8) {
	if h.tracksCalls() {
		v.b[v.w.lay.buf] |= bit
	}
}

// endHook runs the exporter's end_cpu_access hook for agent ag.
func (v View) endHook(ag int) {
	h := v.w.spec.Exporter.End
	v.runHook(h, false, ag, v.hookRan(bufRanEnd))
	v.markRan(h, bufRanEnd)
}

// clflush is clflush on every line of the buffer, in direction dir (the
// hook's own: clean and invalidate in begin, clean in end).
func (v View) clflush(dir HookDir, inBegin bool) {
	if dir == HookDirAsHook {
		dir = HookClean
		if inBegin {
			dir = HookCleanInvalidate
		}
	}
	for l := range v.w.spec.Lines {
		if dir != HookInvalidate {
			v.clean(l)
		}
		if dir != HookClean {
			v.invalidate(l)
		}
	}
}

// setCPUDomain is i915_gem_object_set_to_cpu_domain as begin_cpu_access
// calls it: "Flush the CPU cache if it's still invalid" — only when the
// tracker does not record the CPU in the read domains. Nothing but the
// exporter's own work would take the CPU out of them: an importer's DMA
// through dma-buf does not.
func (v View) setCPUDomain() {
	if v.b[v.w.lay.buf]&bufCPUDomain != 0 {
		return
	}
	v.clflush(HookCleanInvalidate, true)
	v.b[v.w.lay.buf] |= bufCPUDomain
}
