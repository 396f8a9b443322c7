package world

import "fmt"

// The dma_resv's past layout (issue 18, class 6): before commit
// 7bc80a5462c3 ("dma-buf: add enum dma_resv_usage v4", 5.19) a dma_resv
// held one exclusive fence and a list of shared fences.
// dma_resv_add_excl_fence replaced the exclusive fence and dropped every
// shared fence, signalled or not: the caller was trusted to have made its
// job wait for them. dma_resv_add_shared_fence appended (or replaced a
// fence of the same context, or a signalled one). The queries were
// dma_resv_test_signaled(obj, test_all) and dma_resv_wait_timeout(obj,
// wait_all, ...): the exclusive fence alone, or it and every shared one.
//
// The model keeps the usage classes' entries and queries and changes the
// add (fence_state.go: addFence): a KERNEL or WRITE fence is the exclusive
// one and empties the list; READ and BOOKKEEP fences (BOOKKEEP did not
// exist: explicit-sync drivers added shared fences) are shared. A query
// for WRITE is test_all/wait_all false (the exclusive fence), one for
// READ is test_all/wait_all true. The ghost record of what was published
// (Added) is untouched by the drop, so resv-idle-means-idle catches a
// wait for "all" that no longer waits for a dropped reader.

// ResvLayout is the dma_resv's layout: a kernel-version parameter.
type ResvLayout uint8

const (
	// LayoutUsage is 5.19+ (6.12): every fence with its dma_resv_usage.
	LayoutUsage ResvLayout = iota
	// LayoutExclusiveShared is before 7bc80a5462c3: one exclusive fence,
	// whose add drops every shared fence, and the shared fences.
	LayoutExclusiveShared
	numResvLayouts
)

var resvLayoutNames = [numResvLayouts]string{"usage", "exclusive-shared"}

func (l ResvLayout) String() string {
	if l < numResvLayouts {
		return resvLayoutNames[l]
	}
	return fmt.Sprintf("ResvLayout(%d)", l)
}

// ResvLayoutNames lists the layouts' names, as world files write them.
func ResvLayoutNames() []string { return append([]string(nil), resvLayoutNames[:]...) }

// addExclusive is the past layout's dma_resv_add_excl_fence(obj, f): f
// becomes the only entry, every shared fence is dropped (dma_fence_put),
// pending or not. It needs no reserved slot.
func (s fs) addExclusive(f int, u Usage) {
	for i := range s.l.entries {
		s.b[s.l.resv+i] = 0
	}
	s.b[s.l.resv] = entryOf(f, u)
}

// pastUsage is the usage a fence added with u is stored with in the past
// layout, and whether it is the exclusive fence.
func pastUsage(u Usage) (Usage, bool) {
	if u <= UsageWrite {
		return u, true
	}
	return UsageRead, false
}
