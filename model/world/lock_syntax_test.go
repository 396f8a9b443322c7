package world_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/dmabufcheck/dmabufcheck/model/world"
)

// calls visits every call of a program.
func calls(st world.Stmt, visit func(world.Call)) {
	switch st := st.(type) {
	case world.Call:
		visit(st)
	case world.Atomic:
		for _, c := range st {
			visit(c)
		}
	case world.Seq:
		for _, x := range st {
			calls(x, visit)
		}
	case world.Choose:
		for _, x := range st {
			calls(x, visit)
		}
	case world.Forever:
		for _, x := range st {
			calls(x, visit)
		}
	case world.Repeat:
		calls(st.Body, visit)
	case world.Loop:
		calls(st.Body, visit)
	case world.When:
		calls(st.Body, visit)
	}
}

// TestBuiltinCallsRoundTripAsText: every call of every built-in's world
// (scenarios/*.yaml at their defaults: the cache, fence, lock, vm and p2p
// families) has a textual form that ParseCall reads back to the same call
// (its text included).
func TestBuiltinCallsRoundTripAsText(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no built-ins: %v", err)
	}
	seen := map[world.CallKind]bool{}
	for _, path := range files {
		spec := loadWorld(t, path).Spec()
		for _, a := range spec.Agents {
			calls(a.Program, func(c world.Call) {
				seen[c.Kind] = true
				text, err := world.CallText(c, &spec)
				if err != nil {
					t.Fatalf("%s: %s: %v", path, a.Name, err)
				}
				back, err := world.ParseCall(text, &spec)
				if err != nil {
					t.Fatalf("%s: %s: %q: %v", path, a.Name, text, err)
				}
				if back != c {
					t.Fatalf("%s: %q reads back as %+v, not %+v", path, text, back, c)
				}
			})
		}
	}
	t.Logf("%d call kinds made by the built-ins", len(seen))
}

// TestLockCallForms: the forms a kernel engineer writes, and the errors
// a mistake gets.
func TestLockCallForms(t *testing.T) {
	spec := world.Spec{Name: "forms", Lines: 1, Writes: 1, Agents: []world.Agent{{Name: "submit"}, {Name: "irq"}}}
	ls := &spec.Locks
	ls.Locks = []world.LockObj{{Name: "bo", Kind: world.ResvLock}, {Name: "m", Kind: world.MutexLock}, {Name: "fl", Kind: world.SpinLock}}
	ls.Fences = []world.LockFence{{Name: "job", Resv: 0, Usage: world.ResvUsageWrite, Lock: 2}, {Name: "pt", Resv: -1, Lock: -1}}
	ls.Channels = []string{"ring"}
	ls.PMDevices = []string{"gpu"}
	for _, text := range []string{
		"mutex_lock(m)", "spin_unlock(fl)", "dma_resv_lock(bo, NULL)", "dma_resv_lock(bo, ctx)",
		"dma_resv_lock(bo, ctx) = -EDEADLK", "dma_resv_lock(bo, ctx) = -EALREADY", "__ww_mutex_wound(bo, ctx)",
		"dma_resv_lock_slow(bo, ctx)", "drm_exec_unlock_all(ctx)", "ww_acquire_init(ctx)", "ww_acquire_fini(ctx)",
		"dma_resv_add_fence(bo, job, DMA_RESV_USAGE_WRITE)", "drm_sched_entity_push_job(pt)", "dma_fence_wait(job)",
		"dma_resv_wait_timeout(bo, DMA_RESV_USAGE_READ)", "dma_fence_signal_locked(job)", "dma_fence_begin_signalling()",
		"kmalloc(GFP_KERNEL)", "kmalloc(GFP_ATOMIC)", "__alloc_pages_direct_reclaim()", "shrink_slab()",
		"dma_fence_release(pt)", "dma_fence_add_callback(pt) = -ENOENT", "dma_fence_run_callback(pt, irq) = none",
		"atomic_dec_and_test(pt) = true", "send(ring)", "recv(ring)", "pm_runtime_get_if_active(gpu) = 0",
		"dma_buf_detach(gpu)", "bar_dma(gpu, submit)", `nop() as "ttm_bo_move_memcpy(bo)"`,
		`send(ring) as "execbuf ioctl returns [job 1]"`, `dma_resv_lock(bo, ctx) = -EDEADLK as "[job 2]"`,
	} {
		c, err := world.ParseCall(text, &spec)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		back, err := world.CallText(c, &spec)
		if err != nil || back != text {
			t.Errorf("%s is written back as %q (%v)", text, back, err)
		}
	}
	for text, alias := range map[string]string{"dma_resv_lock(bo, ctx) = 0": "dma_resv_lock(bo, ctx)",
		"pm_runtime_get_if_active(gpu) = 1": "pm_runtime_get_if_active(gpu)", "dma_fence_add_callback(job) = 0": "dma_fence_add_callback(job)"} {
		a, err1 := world.ParseCall(text, &spec)
		b, err2 := world.ParseCall(alias, &spec)
		if err1 != nil || err2 != nil || a != b {
			t.Errorf("%s and %s differ: %v %v", text, alias, err1, err2)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"dma_resv_lock(bo, ctx) = -EBUSY", `dma_resv_lock: unknown result "-EBUSY"`},
		{"atomic_dec_and_test(pt)", "atomic_dec_and_test: write the result: = true or = false"},
		{"mutex_lock(bo)", `must be a mutex`},
		{"dma_resv_lock(bo, ctxx)", `argument 2 must be NULL, not "ctxx"; the call's forms are dma_resv_lock(RESV, NULL) and dma_resv_lock(RESV, ctx)`},
		{"dma_resv_add_fence(m, job, DMA_RESV_USAGE_WRITE)", `argument 1 must be bo, not "m"`},
		{"dma_resv_add_fence(bo, job, DMA_RESV_USAGE_READ)", `argument 3 must be DMA_RESV_USAGE_WRITE`},
		{"drm_sched_entity_push_job(job)", "a fence declared without a dma_resv"},
		{"dma_fence_wait(jbo)", `did you mean "job"?`},
		{`dma_buf_attach(gpu) as "x"`, "only lock-family calls take a text"},
		{"mutex_lock(m) extra", `unexpected "extra" after the call`},
	} {
		_, err := world.ParseCall(tc.text, &spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %s", tc.text, err, tc.want)
		}
	}
}
