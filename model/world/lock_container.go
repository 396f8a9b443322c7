package world

import (
	"fmt"
	"math/bits"
	"slices"
)

// Container fences (issue 18, class 3): a dma_fence_array
// (drivers/dma-buf/dma-fence-array.c) or a dma_fence_chain link
// (drivers/dma-buf/dma-fence-chain.c) over member fences, and drm_syncobj
// timelines whose points are chain links (drivers/gpu/drm/drm_syncobj.c).
//
// Signalling is lazy: a container registers callbacks on its members only
// when someone enables signalling on it — dma_fence_enable_sw_signaling,
// dma_fence_add_callback or dma_fence_wait (each calls
// __dma_fence_enable_signaling → ops->enable_signaling). Until then its
// members' signals do not reach it. Once enabled, each member's signal
// counts num_pending down and the last one signals the container (from
// the array's or the chain's irq_work, outside the member's fence->lock:
// dma_fence_array_cb_func, dma_fence_chain_cb); a container member of a
// container is enabled with it (its enable_signaling adds a callback on
// it).
//
// dma_fence_is_signaled asks ops->signaled: dma_fence_chain_signaled
// walks the chain's fences; dma_fence_array_signaled of v6.12 only reads
// num_pending, which does not move before signalling is enabled, so a
// poller that never enables it never sees the array signal ("without
// enabling signaling first we would never see forward progress", fixed by
// "dma-buf: fix dma_fence_array_signaled v4", mesa issue 12094, Cc
// stable): WalksMembers is the fixed op, which counts the signalled
// members itself. When ops->signaled returns true, dma_fence_is_signaled
// signals the fence.
//
// A timeline point is a chain link declared with its syncobj and point
// number; drm_syncobj_add_point makes it the syncobj's point.
// DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT for a point not yet added returns
// -EINVAL unless DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT is set, with
// which it waits for the point to be added, then for its fence
// (drm_syncobj_array_wait_timeout). A wait for a point enables signalling
// on its link. The model's wait is one step, taken when it returns.

// ContainerKind is the kind of a container fence.
type ContainerKind uint8

const (
	// NotContainer is an ordinary fence.
	NotContainer ContainerKind = iota
	// FenceArray is a dma_fence_array (dma_fence_array_create): it
	// signals when num_pending of its members have (all of them, or one
	// with signal_on_any: LockFence.Pending 1).
	FenceArray
	// FenceChain is a dma_fence_chain link (dma_fence_chain_init): it
	// signals when its fence and the previous link have, its members.
	FenceChain
)

// Fence bits of containers and timeline points (beside lkPublished,
// lkSignalled, lkInResv).
const (
	lkEnabled uint8 = 1 << 3 // DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT
	lkAdded   uint8 = 1 << 4 // the point was added to its syncobj
)

// validateContainers checks the containers' members and timeline points.
func (s *LockSpec) validateContainers() error {
	for i, f := range s.Fences {
		switch {
		case f.Container > FenceChain:
			return fmt.Errorf("fence %s: unknown container kind %d", f.Name, f.Container)
		case f.Container == NotContainer && (f.Members != 0 || f.WalksMembers || f.Syncobj != ""):
			return fmt.Errorf("fence %s: members, signaled op and syncobj go with a container", f.Name)
		case f.Container != NotContainer && f.Members == 0:
			return fmt.Errorf("fence %s: a container needs members", f.Name)
		case f.Members>>i != 0:
			return fmt.Errorf("fence %s: a member must be declared before its container", f.Name)
		case f.Container != NotContainer && int(f.Pending) > bits.OnesCount8(f.Members):
			return fmt.Errorf("fence %s: num_pending %d is more than its %d members", f.Name, f.Pending, bits.OnesCount8(f.Members))
		case f.Container == FenceChain && f.WalksMembers:
			return fmt.Errorf("fence %s: dma_fence_chain_signaled always walks the chain", f.Name)
		case f.Syncobj != "" && (f.Container != FenceChain || !slices.Contains(s.Syncobjs, f.Syncobj)):
			return fmt.Errorf("fence %s: a timeline point is a chain link of a declared syncobj", f.Name)
		}
	}
	for i, so := range s.Syncobjs {
		if slices.Contains(s.Syncobjs[:i], so) {
			return fmt.Errorf("syncobj name %q used twice", so)
		}
	}
	return nil
}

// lkCheckContainerCall rejects a container call on a fence that is not
// one (or an explicit num_pending count-down of a container the model
// counts itself).
func (c *core) lkCheckContainerCall(call Call, name string) error {
	f := c.spec.Locks.Fences[call.Obj]
	switch call.Kind {
	case lkArrayDecTrue, lkArrayDecFalse:
		if f.Container != NotContainer {
			return fmt.Errorf("%s: %s is a container whose num_pending the model counts (its members' callbacks)", name, f.Name)
		}
	case lkEnableSignaling:
		if f.Container == NotContainer {
			return fmt.Errorf("%s: %s is not a container fence", name, f.Name)
		}
	default:
		if f.Syncobj == "" {
			return fmt.Errorf("%s: %s is not a timeline point", name, f.Name)
		}
	}
	return nil
}

// lkPendingInit is a container's initial num_pending.
func lkPendingInit(f LockFence) uint8 {
	if f.Container != NotContainer && f.Pending == 0 {
		return uint8(bits.OnesCount8(f.Members))
	}
	return f.Pending
}

// lkMembersDone counts the members of container f that are signalled or,
// with deep, would signal once signalling is enabled on them.
func (v View) lkMembersDone(f int, deep bool) int {
	fc := v.w.spec.Locks.Fences[f]
	n := 0
	for m := range v.w.spec.Locks.Fences {
		if fc.Members&(1<<m) != 0 && (v.lkSignalled(m) || deep && v.lkReadyOnEnable(m)) {
			n++
		}
	}
	return n
}

// lkReadyOnEnable reports whether container f signals as soon as
// signalling is enabled on it (and its container members).
func (v View) lkReadyOnEnable(f int) bool {
	fc := v.w.spec.Locks.Fences[f]
	if fc.Container == NotContainer {
		return false
	}
	return v.lkMembersDone(f, true) >= int(lkPendingInit(fc))
}

// lkOpsSignaled is ops->signaled of fence f: a chain walks its fences, the
// fixed array counts its signalled members, the v6.12 array reads
// num_pending, another fence has none.
func (v View) lkOpsSignaled(f int) bool {
	fc := v.w.spec.Locks.Fences[f]
	switch {
	case fc.Container == FenceChain || fc.WalksMembers:
		n := 0
		for m := range v.w.spec.Locks.Fences {
			if fc.Members&(1<<m) != 0 && v.lkIsSignaled(m) {
				n++
			}
		}
		return n >= int(lkPendingInit(fc))
	case fc.Container == FenceArray:
		return v.lkFence(f)&lkEnabled != 0 && v.b[v.w.spec.Locks.d.pending+f] == 0
	}
	return false
}

// lkIsSignaled is dma_fence_is_signaled(f)'s result.
func (v View) lkIsSignaled(f int) bool { return v.lkSignalled(f) || v.lkOpsSignaled(f) }

// lkEnable is __dma_fence_enable_signaling(f) by agent ag on a container:
// it takes the container's fence->lock and, in enable_signaling, adds a
// callback on each member (taking the member's lock inside: lockdep's
// order container → member); a member already signalled counts down at
// once; a container member is enabled in turn. The container signals
// when nothing is left pending.
func (v View) lkEnable(ag, f int) {
	ls := &v.w.spec.Locks
	fc := ls.Fences[f]
	if fc.Container == NotContainer || v.lkFence(f)&lkEnabled != 0 || v.lkSignalled(f) {
		return
	}
	v.b[ls.d.fence+f] |= lkEnabled
	for m := range ls.Fences {
		if fc.Members&(1<<m) == 0 {
			continue
		}
		if fc.Lock >= 0 && ls.Fences[m].Lock >= 0 {
			v.lkNoteOrderPair(fc.Lock, ls.Fences[m].Lock)
		}
		v.lkEnable(ag, m)
		if v.lkSignalled(m) && v.b[ls.d.pending+f] > 0 {
			v.b[ls.d.pending+f]--
		}
	}
	if v.b[ls.d.pending+f] == 0 {
		v.lkSetSignalled(f)
		v.lkCascade(f)
	}
}

// lkCascade runs the container callbacks of fence f, just signalled: each
// enabled container of f counts down, the last member signals it.
func (v View) lkCascade(f int) {
	ls := &v.w.spec.Locks
	for c, cf := range ls.Fences {
		if cf.Members&(1<<f) == 0 || v.lkFence(c)&lkEnabled == 0 || v.lkSignalled(c) {
			continue
		}
		if p := &v.b[ls.d.pending+c]; *p > 0 {
			*p--
		}
		if v.b[ls.d.pending+c] == 0 {
			v.lkSetSignalled(c)
			v.lkCascade(c)
		}
	}
}

// lkSetSignalled sets fence f's one status to signalled.
func (v View) lkSetSignalled(f int) {
	if l := &v.w.lay.fence; l.joined {
		v.signalSlot(int(l.lockSlot[f]))
		return
	}
	v.b[v.w.spec.Locks.d.fence+f] |= lkSignalled
}

// lkNoteOrderPair records for lockdep lock b taken while lock a is held
// (inside one step).
func (v View) lkNoteOrderPair(a, b int) {
	if !v.w.spec.Locks.LockOrder {
		return
	}
	ca, cb := v.w.lkClassOf(a), v.w.lkClassOf(b)
	v.b[v.w.spec.Locks.d.ldOrder+ca] |= 1 << cb
}

// lkWaitReady is the condition under which a wait for container (or
// fence) f returns: it is signalled, or enabling signalling on it
// signals it.
func (v View) lkWaitReady(f int) bool { return v.lkSignalled(f) || v.lkReadyOnEnable(f) }

// lkAdded reports whether timeline point f was added to its syncobj.
func (v View) lkAdded(f int) bool { return v.lkFence(f)&lkAdded != 0 }

// lockContainerEnabled is the kernel's condition for the container calls.
func (v View) lockContainerEnabled(ag int, c Call) bool {
	ls := &v.w.spec.Locks
	switch c.Kind {
	case lkEnableSignaling:
		return ls.Fences[c.Obj].Lock < 0 || v.lkOwner(ls.Fences[c.Obj].Lock) < 0
	case lkIsSignaledTrue, lkIsSignaledFalse:
		return v.lkIsSignaled(c.Obj) == (c.Kind == lkIsSignaledTrue)
	case lkSyncobjAddPoint:
		return true
	case lkTimelineWait, lkTimelineWaitSubmit:
		return v.lkAdded(c.Obj) && v.lkWaitReady(c.Obj)
	case lkTimelineWaitEINVAL:
		return !v.lkAdded(c.Obj)
	}
	return false
}

// lockContainerApply performs the container calls.
func (v View) lockContainerApply(ag int, c Call) {
	ls := &v.w.spec.Locks
	switch c.Kind {
	case lkEnableSignaling:
		v.lkEnable(ag, c.Obj)
	case lkIsSignaledTrue:
		if !v.lkSignalled(c.Obj) {
			// ops->signaled returned true: dma_fence_signal.
			v.lkSetSignalled(c.Obj)
			v.lkCascade(c.Obj)
		}
	case lkSyncobjAddPoint:
		if v.lkAdded(c.Obj) {
			v.lockError(ag, "adds point %s twice", ls.Fences[c.Obj].Name)
		}
		v.b[ls.d.fence+c.Obj] |= lkAdded | lkPublished
	case lkTimelineWait, lkTimelineWaitSubmit:
		v.lkEnable(ag, c.Obj)
		v.lkNoteWait(ag)
	}
}

// lkContainerText renders a container call without its result.
func (c *core) lkContainerText(call Call) string {
	f := c.spec.Locks.Fences[call.Obj]
	switch call.Kind {
	case lkEnableSignaling:
		return fmt.Sprintf("dma_fence_enable_sw_signaling(%s)", f.Name)
	case lkIsSignaledTrue, lkIsSignaledFalse:
		return fmt.Sprintf("dma_fence_is_signaled(%s)", f.Name)
	case lkSyncobjAddPoint:
		return fmt.Sprintf("drm_syncobj_add_point(%s, %s, point %d)", f.Syncobj, f.Name, f.Point)
	case lkTimelineWait, lkTimelineWaitEINVAL:
		return fmt.Sprintf("DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT(%s, point %d)", f.Syncobj, f.Point)
	case lkTimelineWaitSubmit:
		return fmt.Sprintf("DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT(%s, point %d, WAIT_FOR_SUBMIT)", f.Syncobj, f.Point)
	}
	return ""
}
