package world

import (
	"fmt"
	"slices"
	"strings"
)

// Lockless readers (issue 18, class 2), in the life family: RCU readers of
// a dma_resv's fence pointer, with fences whose memory is type-safe by RCU
// (SLAB_TYPESAFE_BY_RCU, mm/slab.h: a freed object's memory may be
// reused at once for a new object of the same type; only the type, not
// the identity, is stable across a grace period).
//
// A slot is an RCU-protected pointer to an object (a dma_resv's fence
// pointer). A writer publishes a new fence with rcu_assign_pointer and
// drops the old one (kref_put, kfree); an object declared with reuses is
// allocated (kmem_cache_alloc) in the memory of another once that one is
// freed: the same memory, a new identity. A reader loads the slot
// (rcu_dereference) and takes a reference with dma_fence_get_rcu, a
// kref_get_unless_zero on the memory it loaded (include/linux/dma-fence.h:
// dma_fence_get_rcu): it succeeds on whatever live fence that memory now
// holds. dma_fence_get_rcu_safe re-checks that the slot still points at
// that memory (rcu_access_pointer(*fencep) == fence) and otherwise puts
// the fence and retries; dma_resv_iter_walk_unlocked restarts its walk when
// the resv changed (drivers/dma-buf/dma-resv.c: dma_resv_iter_restart_unlocked).
//
// rcu-reader-holds-the-slots-fence: a reader that uses its fence holds
// the fence it loaded from the slot, or one the re-check found in the
// slot; a reader that skipped the re-check after its get landed on reused
// memory uses another context's fence as the resv's.

// LifeSlot is an RCU-protected pointer to an object (a dma_resv's fence
// pointer).
type LifeSlot struct {
	Name string
	// Holds is the object (LifeSpec.Objects index) the slot points at
	// at the start.
	Holds int
}

// NoRcuWrongFence: a reader that uses the fence it got under RCU holds the
// fence it loaded from the slot or one the re-check found there.
const NoRcuWrongFence = "rcu-reader-holds-the-slots-fence"

// FlagRcuWrongFence is raised when a reader uses, as its slot's fence, a
// fence its get found in reused memory and no re-check confirmed.
const FlagRcuWrongFence uint16 = 1 << (numFlags + 3)

const rcuDoc = "A lockless reader of a dma_resv (rcu_read_lock, rcu_dereference of the fence pointer, dma_fence_get_rcu) uses a fence it " +
	"loaded from the slot, or one a re-check found there. Fences are SLAB_TYPESAFE_BY_RCU (mm/slab.h): between the load and the get " +
	"the fence may be released and its memory reused for another fence, on which kref_get_unless_zero succeeds. dma_fence_get_rcu_safe " +
	"(include/linux/dma-fence.h) re-checks that the slot still points at the fence it got and otherwise puts it and retries; " +
	"dma_resv_iter_walk_unlocked restarts when the resv changed (drivers/dma-buf/dma-resv.c). A reader without the re-check " +
	"waits on, or reports as signalled, another context's fence."

func isRcuKind(k CallKind) bool { return k >= lfSlabAlloc && k < lfEnd }

var rcuCallDefs = [...]callDef{
	{name: "kmem_cache_alloc", kernel: "mm/slub.c: kmem_cache_alloc (SLAB_TYPESAFE_BY_RCU: a freed object's memory reused at once)", steps: 1},
	{name: "rcu_assign_pointer", kernel: "include/linux/rcupdate.h: rcu_assign_pointer (drivers/dma-buf/dma-resv.c: dma_resv_add_fence)", steps: 1},
	{name: "rcu_dereference", kernel: "include/linux/rcupdate.h: rcu_dereference (dma-resv.c: dma_resv_iter_walk_unlocked)", steps: 1},
	{name: "dma_fence_get_rcu", kernel: "include/linux/dma-fence.h: dma_fence_get_rcu (kref_get_unless_zero on the memory loaded)", steps: 1},
	{name: "dma_fence_get_rcu = NULL", kernel: "include/linux/dma-fence.h: dma_fence_get_rcu (the count there was zero)", steps: 1},
	{name: "rcu_access_pointer = fence", kernel: "include/linux/dma-fence.h: dma_fence_get_rcu_safe (the slot still points at the fence got)", steps: 1},
	{name: "rcu_access_pointer = another", kernel: "include/linux/dma-fence.h: dma_fence_get_rcu_safe (the slot changed: dma_fence_put, retry)", steps: 1},
	{name: "dma_fence_wait", kernel: "drivers/dma-buf/dma-fence.c: dma_fence_wait_timeout (or dma_fence_is_signaled) on the fence got as the resv's", steps: 1},
	{name: "dma_fence_put", kernel: "include/linux/dma-fence.h: dma_fence_put (the last put releases: dma_fence_release → kmem_cache_free)", steps: 1},
}

func (s *LifeSpec) validateRcu() error {
	for i, o := range s.Objects {
		if o.Reuses < 0 || o.Reuses > len(s.Objects) || o.Reuses == i+1 {
			return fmt.Errorf("object %s: reuses %d out of range", o.Name, o.Reuses)
		}
	}
	for i, sl := range s.Slots {
		switch {
		case sl.Name == "":
			return fmt.Errorf("slot %d has no name", i)
		case slices.ContainsFunc(s.Slots[:i], func(x LifeSlot) bool { return x.Name == sl.Name }):
			return fmt.Errorf("slot name %q used twice", sl.Name)
		case sl.Holds < 0 || sl.Holds >= len(s.Objects):
			return fmt.Errorf("slot %s: object %d out of range", sl.Name, sl.Holds)
		case s.Objects[sl.Holds].Reuses != 0:
			return fmt.Errorf("slot %s: %s is not allocated at the start", sl.Name, s.Objects[sl.Holds].Name)
		}
	}
	if len(s.Slots) > 0 && len(s.Objects) > 15 {
		return fmt.Errorf("%d objects with slots; at most 15", len(s.Objects))
	}
	return nil
}

// rcuCheckCall rejects an RCU call naming objects or slots the world does
// not have.
func (c *core) rcuCheckCall(call Call, name string) error {
	ls := &c.spec.Life
	if call.Dev != 0 || call.Line != 0 || call.Dir != 0 {
		return fmt.Errorf("%s: takes a slot or an object", name)
	}
	if call.Kind == lfSlabAlloc {
		if call.Obj < 0 || call.Obj >= len(ls.Objects) || call.N != 0 {
			return fmt.Errorf("%s: object %d out of range", name, call.Obj)
		}
		if ls.Objects[call.Obj].Reuses == 0 {
			return fmt.Errorf("%s: object %s is allocated at the start (declare reuses: OBJECT)", name, ls.Objects[call.Obj].Name)
		}
		return nil
	}
	if call.Obj < 0 || call.Obj >= len(ls.Slots) {
		return fmt.Errorf("%s: slot %d out of range", name, call.Obj)
	}
	if call.Kind == lfRcuAssign {
		if call.N < 0 || call.N >= len(ls.Objects) {
			return fmt.Errorf("%s: object %d out of range", name, call.N)
		}
	} else if call.N != 0 {
		return fmt.Errorf("%s: takes one slot", name)
	}
	return nil
}

// rcuInit points the slots at their first objects.
func (v View) rcuInit() {
	for i, sl := range v.w.spec.Life.Slots {
		*v.rcuSlot(i) = uint8(sl.Holds + 1)
	}
}

func (v View) rcuSlot(i int) *uint8 { return &v.b[v.w.lay.life.slots+i] }

// A reader's state: 1 + the object it loaded (low nibble), 1 + the object
// it holds (high nibble); validated: what it holds is the fence it loaded
// or one the re-check found in the slot.
func (v View) rcuRdr(ag int) *uint8       { return &v.b[v.w.lay.life.rdr+2*ag] }
func (v View) rcuValidated(ag int) *uint8 { return &v.b[v.w.lay.life.rdr+2*ag+1] }
func (v View) rcuLoaded(ag int) int       { return int(*v.rcuRdr(ag)&0x0f) - 1 }
func (v View) rcuHeld(ag int) int         { return int(*v.rcuRdr(ag)>>4) - 1 }

// rcuCell is the memory object o lives in: the first of its reuses chain.
func (c *core) rcuCell(o int) int {
	for c.spec.Life.Objects[o].Reuses != 0 {
		o = c.spec.Life.Objects[o].Reuses - 1
	}
	return o
}

// rcuOccupant is the object the memory of o now holds (allocated, not
// freed), -1 when the memory is free.
func (v View) rcuOccupant(o int) int {
	cell := v.w.rcuCell(o)
	for i := range v.w.spec.Life.Objects {
		if v.w.rcuCell(i) == cell && !v.LifeFreed(i) {
			return i
		}
	}
	return -1
}

// rcuHeldBySlot reports whether a slot points at o (the resv holds it).
func (v View) rcuHeldBySlot(o int) bool {
	for i := range v.w.spec.Life.Slots {
		if int(*v.rcuSlot(i)) == o+1 {
			return true
		}
	}
	return false
}

// rcuGetOK: the memory the reader loaded holds a live fence.
func (v View) rcuGetOK(ag int) bool {
	l := v.rcuLoaded(ag)
	if l < 0 {
		return false
	}
	occ := v.rcuOccupant(l)
	return occ >= 0 && v.LifeRefs(occ) > 0
}

// rcuSameMemory: the slot points at the memory of the fence held.
func (v View) rcuSameMemory(ag int, slot int) bool {
	s := int(*v.rcuSlot(slot)) - 1
	return s >= 0 && v.w.rcuCell(s) == v.w.rcuCell(v.rcuHeld(ag))
}

func (v View) rcuEnabled(ag int, c Call) bool {
	switch c.Kind {
	case lfSlabAlloc:
		o := c.Obj
		prev := v.w.spec.Life.Objects[o].Reuses - 1
		return *v.lfObj(o)&lfUnborn != 0 && v.LifeFreed(prev) && *v.lfObj(prev)&lfUnborn == 0
	case lfRcuAssign, lfRcuDeref:
		return true
	case lfFenceGetRcu:
		return v.rcuGetOK(ag)
	case lfFenceGetRcuNull:
		return !v.rcuGetOK(ag)
	case lfRcuRecheck:
		return v.rcuHeld(ag) >= 0 && v.rcuSameMemory(ag, c.Obj)
	case lfRcuRecheckNot:
		return v.rcuHeld(ag) >= 0 && !v.rcuSameMemory(ag, c.Obj)
	case lfRcuUse, lfRcuPut:
		return v.rcuHeld(ag) >= 0
	}
	return false
}

func (v View) rcuApply(ag int, c Call) {
	switch c.Kind {
	case lfSlabAlloc:
		*v.lfObj(c.Obj) = v.w.spec.Life.Objects[c.Obj].Refs & lfRefs
	case lfRcuAssign:
		v.lfTouch(c.N) // publishing a freed fence
		*v.rcuSlot(c.Obj) = uint8(c.N + 1)
	case lfRcuDeref:
		*v.rcuRdr(ag) = *v.rcuSlot(c.Obj)
		*v.rcuValidated(ag) = 0
	case lfFenceGetRcu:
		occ := v.rcuOccupant(v.rcuLoaded(ag))
		if v.LifeRefs(occ) < int(lfRefs) {
			*v.lfObj(occ)++
		}
		*v.rcuRdr(ag) = *v.rcuRdr(ag)&0x0f | uint8(occ+1)<<4
		if occ == v.rcuLoaded(ag) {
			*v.rcuValidated(ag) = 1
		}
	case lfRcuRecheck:
		*v.rcuValidated(ag) = 1
	case lfRcuUse:
		v.lfTouch(v.rcuHeld(ag))
		if *v.rcuValidated(ag) == 0 {
			v.raise(FlagRcuWrongFence)
		}
	case lfRcuRecheckNot, lfRcuPut:
		h := v.rcuHeld(ag)
		v.lfPut(h)
		if v.LifeRefs(h) == 0 && !v.LifeFreed(h) {
			*v.lfObj(h) |= lfFreed // dma_fence_release → kmem_cache_free
		}
		*v.rcuRdr(ag), *v.rcuValidated(ag) = 0, 0
	}
}

// rcuProps is the lockless readers' property (none without slots).
func (c *core) rcuProps() []propDef {
	if len(c.spec.Life.Slots) == 0 {
		return nil
	}
	return []propDef{flagProp(NoRcuWrongFence, FlagRcuWrongFence)}
}

// rcuDescribe renders the slots and the readers for traces.
func (c *core) rcuDescribe(v View, add func(name, value string)) {
	ls := &c.spec.Life
	name := func(o int) string {
		if o < 0 {
			return "NULL"
		}
		return ls.Objects[o].Name
	}
	for i, sl := range ls.Slots {
		add("slot "+sl.Name, name(int(*v.rcuSlot(i))-1))
	}
	for ag, a := range c.spec.Agents {
		if *v.rcuRdr(ag) == 0 {
			continue
		}
		s := "loaded " + name(v.rcuLoaded(ag))
		if h := v.rcuHeld(ag); h >= 0 {
			s += ", holds " + name(h)
		}
		add("reader "+a.Name, s)
	}
	if v.Flag(FlagRcuWrongFence) {
		add("VIOLATED", "a reader uses another fence as its slot's")
	}
}

// rcuCallText renders an RCU call with its slot or object and result.
func (c *core) rcuCallText(call Call) string {
	ls := &c.spec.Life
	name, result, _ := strings.Cut(rcuCallDefs[call.Kind-lfSlabAlloc].name, " = ")
	var t string
	switch call.Kind {
	case lfSlabAlloc:
		t = fmt.Sprintf("kmem_cache_alloc(%s) in %s's memory", ls.Objects[call.Obj].Name, ls.Objects[ls.Objects[call.Obj].Reuses-1].Name)
	case lfRcuAssign:
		t = fmt.Sprintf("rcu_assign_pointer(%s, %s)", ls.Slots[call.Obj].Name, ls.Objects[call.N].Name)
	default:
		t = fmt.Sprintf("%s(%s)", name, ls.Slots[call.Obj].Name)
	}
	if result != "" {
		t += " = " + result
	}
	return t
}

// rcuSlotNames lists the slots' names.
func rcuSlotNames(s *Spec) []string {
	var out []string
	for _, sl := range s.Life.Slots {
		out = append(out, sl.Name)
	}
	return out
}

// The RCU calls' arguments.
var (
	argRcuSlot   = argNamed("SLOT", "an RCU slot (life: slots)", rcuSlotNames, false)
	argRcuObjInN = Arg{Form: "OBJECT", What: "an object (life: objects)", Names: lifeObjectNames(anyLifeObj),
		Parse: func(s *Spec, t string) (int, bool) {
			i := slices.IndexFunc(s.Life.Objects, func(o LifeObj) bool { return o.Name == t })
			return i, i >= 0
		},
		Set: func(c *Call, v int) { c.N = v }, Get: func(c Call) int { return c.N }}
	argRcuReused = argLifeObjOf("an object declared with reuses", func(o LifeObj) bool { return o.Reuses != 0 })
)

// rcuSyntaxes are the lockless readers' calls as scenario files write
// them.
var rcuSyntaxes = []Syntax{
	{Name: "kmem_cache_alloc", Kind: lfSlabAlloc, Args: []Arg{argRcuReused}, Help: "allocates the object in the memory of the one it reuses, once that one is freed (SLAB_TYPESAFE_BY_RCU)"},
	{Name: "rcu_assign_pointer", Kind: lfRcuAssign, Args: []Arg{argRcuSlot, argRcuObjInN}, Help: "points the slot at the object (dma_resv_add_fence replacing a fence)"},
	{Name: "rcu_dereference", Kind: lfRcuDeref, Args: []Arg{argRcuSlot}, Help: "the reader loads the slot's pointer (under rcu_read_lock)"},
	{Name: "dma_fence_get_rcu", Kind: lfFenceGetRcu, Args: []Arg{argRcuSlot}, Help: "kref_get_unless_zero on the memory the reader loaded from the slot: a reference to whatever live fence it now holds"},
	{Name: "dma_fence_get_rcu", Kind: lfFenceGetRcuNull, Args: []Arg{argRcuSlot}, Result: "NULL", Help: "the count in the memory loaded was zero: no reference"},
	{Name: "rcu_access_pointer", Kind: lfRcuRecheck, Args: []Arg{argRcuSlot}, Result: "fence", Help: "dma_fence_get_rcu_safe's re-check: the slot still points at the memory of the fence got"},
	{Name: "rcu_access_pointer", Kind: lfRcuRecheckNot, Args: []Arg{argRcuSlot}, Result: "another", Help: "the re-check fails: the fence got is put (dma_fence_put) and the reader retries"},
	{Name: "dma_fence_wait", Kind: lfRcuUse, Args: []Arg{argRcuSlot}, Help: "the reader uses the fence it holds as the slot's (dma_fence_wait, dma_fence_is_signaled)"},
	{Name: "dma_fence_put", Kind: lfRcuPut, Args: []Arg{argRcuSlot}, Help: "dma_fence_put of the reader's fence; the last put frees it"},
}
