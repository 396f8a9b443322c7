/*
 * independent-drivers.pml : Promela twin of the lock-family world
 * docs/examples/world/independent-drivers.yaml, for comparing SPIN's
 * partial-order reduction with ours (docs/performance.md, "Partial-order
 * reduction"). Without reduction SPIN reaches exactly the states and
 * transitions of `check run independent-drivers.yaml --reduce=none` (for
 * DRIVERS=3: 54,000 states; SPIN's transitions are ours + 1, the initial
 * state); internal/spin's test in model/world keeps the two from drifting.
 *
 *   spin -DDRIVERS=3 -a independent-drivers.pml
 *   gcc -O2 -DNOREDUCE -o pan pan.c && ./pan      (unreduced)
 *   gcc -O2 -o pan pan.c && ./pan                 (SPIN's partial-order reduction)
 *
 * DRIVERS = 2 or 3 driver threads, each with a completion thread:
 *
 *   driver i: mutex_lock(Li); kmalloc(GFP_KERNEL); drm_sched_entity_push_job(Fi);
 *             mutex_unlock(Li); mutex_lock(Li); kmalloc(GFP_KERNEL);
 *             drm_sched_entity_push_job(Gi); mutex_unlock(Li);
 *             mutex_lock(dev); nop() "retire jobs"; mutex_unlock(dev)
 *   done i:   drm_sched_run_job(Fi); dma_fence_signal(Fi);
 *             drm_sched_run_job(Gi); dma_fence_signal(Gi)
 *
 * How the world's semantics are reproduced:
 *  - one process per agent, one Promela statement per kernel call: a call
 *    with a guard (mutex_lock waits for a free mutex, drm_sched_run_job for
 *    a pushed job) is a d_step { guard -> effect }, so each call is one
 *    transition and the program counters are the world's; the world counts
 *    a state after each call, SPIN after each statement;
 *  - a finished program ends in `end: false' instead of falling off its
 *    proctype: a process that reaches its closing brace can be removed
 *    (in reverse creation order), and each removal would add states the
 *    world does not have (its finished agents stay, at their last pc);
 *  - every variable's value is a function of the program counters (the
 *    world's state here is its pcs, mutex owners and fence states), so the
 *    reachable states are the same set of pc tuples: 30 per driver/done
 *    pair not holding dev, 10 holding it, 30^3 + 3*10*30^2 = 54,000;
 *  - the properties (lockdep, API misuse, deadlock) are not modelled: the
 *    twin is for counting, and SPIN's own invalid-end-state check is off
 *    in the twin's test (pan -E) as in our count (deadlock detection off).
 *
 * Written the natural Promela way, so that SPIN's reduction has a chance:
 * per-agent state (the job kmalloc returns, the completion thread's view of
 * its fences) is local; what two agents share is global. SPIN's reduction is
 * static and per statement: a statement is "safe" (may form an ample set on
 * its own) only if it touches local variables or an exclusive channel (xr /
 * xs), or a global declared `local' (accessed by one process only). Three
 * layouts, chosen at spin -a time:
 *
 *  PRIVATE=0 (default, the kernel's view): every mutex is a global byte and
 *    each job is handed to its completion thread through a global fence
 *    byte (0 none, 1 pushed, 2 running, 3 signalled). Only kmalloc and nop
 *    are safe, so SPIN reduces little.
 *  PRIVATE=1 (what our footprints find, declared by hand): the mutexes Li
 *    that only driver i takes are declared `local'; the fences stay global
 *    (two processes touch each).
 *  PRIVATE=2 (the modeller also recasts the hand-off): Li is a local of
 *    driver i, and the jobs go to the completion thread through an exclusive
 *    channel qi (xs in the driver, xr in done i) whose receiver keeps the
 *    fence's state locally. Only dev stays global.
 *
 * The three layouts reach the same states without reduction.
 */
#ifndef DRIVERS
#define DRIVERS 3
#endif
#if DRIVERS < 2 || DRIVERS > 3
#error "DRIVERS must be 2 or 3"
#endif
#ifndef PRIVATE
#define PRIVATE 0
#endif
#if PRIVATE < 0 || PRIVATE > 2
#error "PRIVATE must be 0, 1 or 2"
#endif

byte dev;                 /* device-wide mutex: 0 free, else owner's _pid+1 */

#if PRIVATE == 2
/* the per-driver mutex is declared in the driver; the jobs travel on q */
#define LOCKDECL(L)       bit L;
#define FENCES(i)         chan q##i = [2] of { byte };
#define PUSH(i, F, f)     q##i ! f
#define RUN(i, F, f)      d_step { q##i ? eval(f) -> F = 2 }
#define EXCL_S(i)         xs q##i;
#define EXCL_R(i)         xr q##i;
#define FENCELOCAL(F, G)  byte F, G;
#else
#define LOCKDECL(L)
#define FENCES(i)         byte F##i, G##i;
#define PUSH(i, F, f)     F = 1
#define RUN(i, F, f)      d_step { F == 1 -> F = 2 }
#define EXCL_S(i)
#define EXCL_R(i)
#define FENCELOCAL(F, G)
#endif

#define LOCK(m)   d_step { m == 0 -> m = _pid + 1 }
#define UNLOCK(m) m = 0

/* the locks that only driver i takes */
#if PRIVATE == 0
byte L0, L1, L2;
#elif PRIVATE == 1
local byte L0, L1, L2;
#endif

FENCES(0)
FENCES(1)
#if DRIVERS >= 3
FENCES(2)
#endif

#define DRIVER(i) \
active proctype driver##i() { \
	LOCKDECL(L##i) \
	byte job;                        /* what kmalloc returned */ \
	EXCL_S(i) \
	LOCK(L##i); \
	job = 1;                         /* kmalloc(GFP_KERNEL) "job 1" */ \
	PUSH(i, F##i, 1);                /* drm_sched_entity_push_job(F) */ \
	UNLOCK(L##i); \
	LOCK(L##i); \
	job = 2;                         /* kmalloc(GFP_KERNEL) "job 2" */ \
	PUSH(i, G##i, 2);                /* drm_sched_entity_push_job(G) */ \
	UNLOCK(L##i); \
	LOCK(dev); \
	skip;                            /* nop() "retire jobs" */ \
	UNLOCK(dev); \
end:	false \
}

#define DONE(i) \
active proctype done##i() { \
	FENCELOCAL(F##i, G##i) \
	EXCL_R(i) \
	RUN(i, F##i, 1);                 /* drm_sched_run_job(F) */ \
	F##i = 3;                        /* dma_fence_signal(F) */ \
	RUN(i, G##i, 2);                 /* drm_sched_run_job(G) */ \
	G##i = 3;                        /* dma_fence_signal(G) */ \
end:	false \
}

DRIVER(0)
DONE(0)
DRIVER(1)
DONE(1)
#if DRIVERS >= 3
DRIVER(2)
DONE(2)
#endif
