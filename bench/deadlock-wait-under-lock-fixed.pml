/*
 * deadlock-wait-under-lock-fixed.pml : Promela twin of the lock-family
 * built-in scenarios/deadlock-wait-under-lock-fixed.yaml, a world whose
 * agents share one lock, so that partial-order reduction is only partial
 * (docs/performance.md, "Partial-order reduction"). Without reduction SPIN
 * reaches exactly the states and transitions of `check run
 * deadlock-wait-under-lock-fixed --reduce=none` (IMPORTERS=2, JOBS=2: 2,150
 * states; SPIN's transitions are ours + 1, the initial state); a model/world
 * test keeps the two from drifting.
 *
 *   spin -DIMPORTERS=2 -DJOBS=2 -o3 -a deadlock-wait-under-lock-fixed.pml
 *   gcc -O2 -DNOREDUCE -o pan pan.c && ./pan      (unreduced)
 *   spin -DIMPORTERS=2 -DJOBS=2 -a deadlock-wait-under-lock-fixed.pml
 *   gcc -O2 -o pan pan.c && ./pan                 (SPIN's partial-order reduction)
 *
 * IMPORTERS = 1 or 2 importers, each with its completion worker, JOBS = 1..3
 * jobs each, and the exporter (TTM evicting the buffer):
 *
 *   importer i:   JOBS x { dma_resv_lock(bo, NULL);
 *                          dma_resv_add_fence(bo, Fij, DMA_RESV_USAGE_WRITE);
 *                          dma_resv_unlock(bo) }
 *   irq-worker i: JOBS x { drm_sched_run_job(Fij); dma_fence_begin_signalling();
 *                          dma_fence_signal(Fij); dma_fence_end_signalling() }
 *   exporter:     dma_resv_lock(bo, NULL); nop() "dma_buf_move_notify(bo)";
 *                 dma_resv_wait_timeout(bo, DMA_RESV_USAGE_BOOKKEEP);
 *                 nop() "ttm_bo_move_memcpy(bo)"; dma_resv_unlock(bo)
 *
 * The semantics are reproduced as in independent-drivers.pml: one process
 * per agent, one statement per kernel call (a call that waits is a
 * condition or a d_step { guard -> effect }: dma_resv_lock waits for a free
 * bo, drm_sched_run_job for its fence to be in the resv,
 * dma_resv_wait_timeout for every fence in the resv to be signalled), each
 * finished program parked at `end: false', and every variable a function
 * of the program counters, so the reachable states are the same pc tuples.
 * The properties are not modelled (the twin is for counting).
 *
 * Written the natural Promela way: what only one agent touches is local
 * (the signalling-section depth of a worker: dma_fence_begin_signalling and
 * dma_fence_end_signalling are the worker's own), the reservation lock and
 * the fences in bo's reservation object are global, since the importers,
 * the workers and the exporter all touch them. SPIN's reduction can use
 * only the local statements (the signalling brackets and the nops).
 */
#ifndef IMPORTERS
#define IMPORTERS 2
#endif
#ifndef JOBS
#define JOBS 2
#endif
#if IMPORTERS < 1 || IMPORTERS > 2
#error "IMPORTERS must be 1 or 2"
#endif
#if JOBS < 1 || JOBS > 3
#error "JOBS must be 1, 2 or 3"
#endif

/* fence states */
#define NONE     0
#define INRESV   1               /* dma_resv_add_fence'd, unsignalled */
#define SIGNALED 2

byte bo;                         /* the resv's ww_mutex: 0 free, else owner's _pid+1 */
byte F[IMPORTERS * JOBS];        /* importer i's job j is F[i*JOBS + j] */

#define LOCK(m)   d_step { m == 0 -> m = _pid + 1 }
#define UNLOCK(m) m = 0

/* one job of an importer: its pid is i */
#define SUBMIT(j) \
	LOCK(bo);                                    /* dma_resv_lock(bo, NULL) */ \
	F[_pid * JOBS + j] = INRESV;                 /* dma_resv_add_fence(bo, F, WRITE) */ \
	UNLOCK(bo)                                   /* dma_resv_unlock(bo) */

/* one job of a completion worker: its pid is IMPORTERS + i */
#define COMPLETE(j) \
	F[(_pid - IMPORTERS) * JOBS + j] != NONE;    /* drm_sched_run_job(F) */ \
	sig = 1;                                     /* dma_fence_begin_signalling() */ \
	F[(_pid - IMPORTERS) * JOBS + j] = SIGNALED; /* dma_fence_signal(F) */ \
	sig = 0                                      /* dma_fence_end_signalling() */

active [IMPORTERS] proctype importer() {
	SUBMIT(0);
#if JOBS >= 2
	SUBMIT(1);
#endif
#if JOBS >= 3
	SUBMIT(2);
#endif
end:	false
}

active [IMPORTERS] proctype irq_worker() {
	bit sig;                     /* in a fence signalling section */
	COMPLETE(0);
#if JOBS >= 2
	COMPLETE(1);
#endif
#if JOBS >= 3
	COMPLETE(2);
#endif
end:	false
}

/* every fence in bo's reservation object is signalled (BOOKKEEP: all usages) */
#if IMPORTERS * JOBS == 1
#define IDLE (F[0] != INRESV)
#elif IMPORTERS * JOBS == 2
#define IDLE (F[0] != INRESV && F[1] != INRESV)
#elif IMPORTERS * JOBS == 3
#define IDLE (F[0] != INRESV && F[1] != INRESV && F[2] != INRESV)
#elif IMPORTERS * JOBS == 4
#define IDLE (F[0] != INRESV && F[1] != INRESV && F[2] != INRESV && F[3] != INRESV)
#else
#define IDLE (F[0] != INRESV && F[1] != INRESV && F[2] != INRESV && \
              F[3] != INRESV && F[4] != INRESV && F[5] != INRESV)
#endif

active proctype exporter() {
	LOCK(bo);                    /* ttm_bo_evict: dma_resv_lock(bo, NULL) */
	skip;                        /* nop() "dma_buf_move_notify(bo)" */
	IDLE;                        /* dma_resv_wait_timeout(bo, DMA_RESV_USAGE_BOOKKEEP) */
	skip;                        /* nop() "ttm_bo_move_memcpy(bo)" */
	UNLOCK(bo);                  /* dma_resv_unlock(bo) */
end:	false
}
