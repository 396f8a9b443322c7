#!/usr/bin/env bash
# run.sh — build and run Rumur and SPIN on one benchmark model, one CSV line per
# tool configuration.
#
#   ./run.sh MODEL N [CONFIG ...]
#
# MODEL   german      refmodels/german/testdata/german.m / bench/german.pml,
#                     N = NODES (clients, 1..8)
#         dmabuf      refmodels/dmabufbench/testdata/dmabuf.m / bench/dmabuf.pml,
#                     N = NIMP (importers, 0..15), good design
#         dmabuf-bad  same with BAD = true (importer 1 skips the cache clean on map)
#         indep       bench/independent-drivers.pml (SPIN only: no Murphi twin), the
#                     lock-family world docs/examples/world/independent-drivers.yaml,
#                     N = drivers (2..3); shared objects as global bytes (PRIVATE=0)
#         indep-local same with the per-driver mutexes declared `local' (PRIVATE=1)
#         indep-chan  same with the per-driver mutexes local and the jobs handed over
#                     on exclusive channels (PRIVATE=2), so SPIN's reduction can use them
#         waitlock    bench/deadlock-wait-under-lock-fixed.pml (SPIN only), the built-in
#                     lock-family world deadlock-wait-under-lock-fixed with two
#                     importers sharing the resv lock, N = jobs per importer (1..3)
# CONFIG  (default: rumur-t1 rumur-t2 spin-default spin-noreduce spin-collapse)
#   rumur-t1       rumur --threads 1  (BFS, symmetry off, deadlock detection off)
#   rumur-t2       rumur --threads 2
#   spin-default   spin -a; gcc pan.c (partial-order reduction on, -w24 default)
#   spin-noreduce  spin -o3; -DNOREDUCE            (exhaustive, no POR, no statement
#                                                   merging: every statement a transition)
#   spin-collapse  -DNOREDUCE -DCOLLAPSE           (exhaustive, compressed states)
#   spin-hc4       -DNOREDUCE -DHC4                (hash compaction: NOT exhaustive,
#                                                   may under-count by collisions)
#   spin-bfs       -DNOREDUCE -DBFS                (breadth-first; shortest trail)
#   spin-short     -DNOREDUCE -DREACH, ./pan -i    (DFS, iteratively shortened trail;
#                                                   with -DREACH the shortest one)
#   spin-ncore2    -DNOREDUCE -DSAFETY -DNCORE=2   (SPIN multi-core, 2 processes)
#
# Environment:
#   REPEAT=k        run each configuration k times (one line per run; default 1)
#   CFLAGS          C flags for both tools (default "-O3 -march=native")
#   SPIN_M          initial pan -m depth (default 1000000; automatically retried
#                   x10 while pan reports "max search depth too small")
#   SPIN_W          pan -w hash-table exponent (default: pan's own, 24)
#   SPIN_MEMLIM     MB for -DMEMLIM in spin-ncore2 (default 16000)
#   TIMEOUT         seconds per verifier run (default 3600)
#   QUIET_MAX       wait up to this many seconds before each run for the machine
#                   to be idle (other processes < 5% CPU over 2 s); default 0
#   WORKDIR         scratch directory (default bench/work); a private subdirectory is
#                   created per invocation and removed unless KEEP=1
#   HEADER=0        do not print the CSV header line
#
# Output columns (CSV; the header line starts with '#'):
#   tool,config,model,N,states,transitions,seconds,states_per_s,peak_rss_kb,
#   bytes_per_state,threads,user_s,sys_s,build_s,errors,cex_steps,depth,
#   others_cpu_s,status
# states       Rumur "states" / SPIN "states, stored"
# transitions  Rumur "rules fired" / SPIN "transitions (= stored+matched)"
#              (for the same model SPIN's figure is Rumur's + 1: the initial state)
# seconds      wall-clock of the verifier run only (from /usr/bin/time -v);
#              build_s is rumur/spin code generation + gcc
# peak_rss_kb  /usr/bin/time -v "Maximum resident set size" (for spin-ncore2:
#              the largest single process; shared memory counted in it)
# cex_steps    length of the reported counterexample in transitions after the
#              initial state.  SPIN trails include ONE extra step: the invariant
#              monitor process firing.
# depth        SPIN "depth reached" (DFS stack), empty for Rumur
# others_cpu_s CPU-seconds used by OTHER processes during the run (from
#              /proc/stat); if large, the timing is contaminated
# status       ok | error-found | depth-limit | timeout | failed
set -euo pipefail

usage() { sed -n '2,/^# Environment:/p' "$0"; exit 2; }
[ $# -ge 2 ] || usage
MODEL=$1; N=$2; shift 2
if [ $# -gt 0 ]; then CONFIGS=("$@"); else
  CONFIGS=(rumur-t1 rumur-t2 spin-default spin-noreduce spin-collapse); fi

HERE=$(cd "$(dirname "$0")" && pwd)
# The Murphi models are the reference models' own (refmodels/*/testdata);
# the Promela twins sit next to this script.
ROOT=$(cd "$HERE/.." && pwd)
REPEAT=${REPEAT:-1}
CFLAGS=${CFLAGS:--O3 -march=native}
SPIN_M=${SPIN_M:-1000000}
SPIN_W=${SPIN_W:-}
SPIN_MEMLIM=${SPIN_MEMLIM:-16000}
TIMEOUT=${TIMEOUT:-3600}
QUIET_MAX=${QUIET_MAX:-0}
WORKDIR=${WORKDIR:-$HERE/work}
HEADER=${HEADER:-1}

case $MODEL in
  german)     MSRC=$ROOT/refmodels/german/testdata/german.m;  PSRC=$HERE/german.pml
              msed="s/^const NODES : [0-9]*;/const NODES : $N;/"
              pdef="-DNODES=$N" ;;
  dmabuf)     MSRC=$ROOT/refmodels/dmabufbench/testdata/dmabuf.m;  PSRC=$HERE/dmabuf.pml
              msed="s/^const NIMP : [0-9]*;/const NIMP : $N;/;s/^const BAD : [a-z]*;/const BAD : false;/"
              pdef="-DNIMP=$N -DBAD=0" ;;
  dmabuf-bad) MSRC=$ROOT/refmodels/dmabufbench/testdata/dmabuf.m;  PSRC=$HERE/dmabuf.pml
              msed="s/^const NIMP : [0-9]*;/const NIMP : $N;/;s/^const BAD : [a-z]*;/const BAD : true;/"
              pdef="-DNIMP=$N -DBAD=1" ;;
  indep|indep-local|indep-chan)
              MSRC=""; PSRC=$HERE/independent-drivers.pml
              case $MODEL in indep) priv=0 ;; indep-local) priv=1 ;; *) priv=2 ;; esac
              pdef="-DDRIVERS=$N -DPRIVATE=$priv" ;;
  waitlock)   MSRC=""; PSRC=$HERE/deadlock-wait-under-lock-fixed.pml
              pdef="-DIMPORTERS=2 -DJOBS=$N" ;;
  *) echo "unknown model $MODEL" >&2; exit 2 ;;
esac

mkdir -p "$WORKDIR"
W=$(mktemp -d "$WORKDIR/$MODEL-$N.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
# busy jiffies (all CPUs) from /proc/stat
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
wait_quiet() {
  [ "$QUIET_MAX" -gt 0 ] || return 0
  local t0; t0=$(date +%s)
  while :; do
    local b0 b1; b0=$(busy_jiffies); sleep 2; b1=$(busy_jiffies)
    # < 5% of 2 CPUs over 2 s = 0.2 CPU-seconds = 20 jiffies
    [ $((b1 - b0)) -lt 20 ] && return 0
    [ $(( $(date +%s) - t0 )) -ge "$QUIET_MAX" ] && { echo "warning: machine not quiet" >&2; return 0; }
  done
}
tv() { # field from /usr/bin/time -v output file
  local f=$1 key=$2
  case $key in
    wall) awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$f" ;;
    rss)  awk -F': ' '/Maximum resident set size/{print $2}' "$f" ;;
    user) awk -F': ' '/User time \(seconds\)/{print $2}' "$f" ;;
    sys)  awk -F': ' '/System time \(seconds\)/{print $2}' "$f" ;;
  esac
}

if [ "$HEADER" = 1 ]; then
  echo "#tool,config,model,N,states,transitions,seconds,states_per_s,peak_rss_kb,bytes_per_state,threads,user_s,sys_s,build_s,errors,cex_steps,depth,others_cpu_s,status"
fi

# ---------------------------------------------------------------- build steps
build_rumur() { # $1 = threads ; sets BIN
  local t=$1 d=$W/rumur-t$1
  [ -n "$MSRC" ] || { echo "run.sh: $MODEL has no Murphi model, skipping rumur-t$t" >&2; return 1; }
  mkdir -p "$d"
  sed -e "$msed" "$MSRC" > "$d/model.m"
  local b0; b0=$(now)
  rumur --quiet --threads "$t" --symmetry-reduction off --deadlock-detection off \
        --output-format machine-readable --colour off "$d/model.m" -o "$d/model.c"
  gcc $CFLAGS -pthread "$d/model.c" -o "$d/verifier"
  BUILD_S=$(echo "$(now) - $b0" | bc -l)
  BIN=$d/verifier; BDIR=$d
}
build_spin() { # $1 = config name, rest = -D flags ; sets BIN
  local name=$1; shift
  local d=$W/$name sflags=""
  # no reduction at all: no statement merging either (spin -o3)
  case " $* " in *" -DNOREDUCE "*) sflags=-o3 ;; esac
  mkdir -p "$d"
  cp "$PSRC" "$d/model.pml"
  local b0; b0=$(now)
  (cd "$d" && spin $pdef $sflags -a model.pml >/dev/null && gcc $CFLAGS "$@" -o pan pan.c 2> gcc.err) \
    || { cat "$d/gcc.err" >&2; return 1; }
  BUILD_S=$(echo "$(now) - $b0" | bc -l)
  BIN=$d/pan; BDIR=$d
}

# ------------------------------------------------------------------ run steps
emit() { # tool config threads states trans wall rss user sys errors cex depth others status
  local sps bps
  sps=$(awk -v s="$4" -v w="$6" 'BEGIN{ if (w>0 && s!="") printf "%.0f", s/w; else print "" }')
  bps=$(awk -v s="$4" -v r="$7" 'BEGIN{ if (s>0) printf "%.1f", r*1024/s; else print "" }')
  printf '%s,%s,%s,%s,%s,%s,%.3f,%s,%s,%s,%s,%s,%s,%.2f,%s,%s,%s,%s,%s\n' \
    "$1" "$2" "$MODEL" "$N" "$4" "$5" "$6" "$sps" "$7" "$bps" "$3" "$8" "$9" \
    "$BUILD_S" "${10}" "${11}" "${12}" "${13}" "${14}"
}

run_rumur() { # $1 = config, $2 = threads
  local out=$BDIR/out.xml tim=$BDIR/time.txt rc=0 j0 j1
  wait_quiet
  j0=$(busy_jiffies)
  /usr/bin/time -v -o "$tim" timeout "$TIMEOUT" "$BIN" > "$out" 2> "$BDIR/err.txt" || rc=$?
  j1=$(busy_jiffies)
  local states trans errors cex status=ok wall user sys others
  states=$(sed -n 's/.*<summary states="\([0-9]*\)".*/\1/p' "$out")
  trans=$(sed -n 's/.*<summary .*rules_fired="\([0-9]*\)".*/\1/p' "$out")
  errors=$(sed -n 's/.*<summary .*errors="\([0-9]*\)".*/\1/p' "$out")
  cex=""
  if [ "${errors:-0}" != 0 ]; then
    status=error-found
    cex=$(grep -c '<transition>Rule' "$out" || true)
  fi
  [ $rc = 124 ] && status=timeout
  [ -z "$states" ] && [ $rc != 124 ] && status=failed
  wall=$(tv "$tim" wall); user=$(tv "$tim" user); sys=$(tv "$tim" sys)
  others=$(awk -v a="$j0" -v b="$j1" -v u="$user" -v s="$sys" \
    'BEGIN{o=(b-a)/100-u-s; if(o<0)o=0; printf "%.2f", o}')
  emit rumur "$1" "$2" "$states" "$trans" "$wall" "$(tv "$tim" rss)" "$user" "$sys" \
       "${errors:-}" "$cex" "" "$others" "$status"
}

run_spin() { # $1 = config, $2 = threads, rest = extra pan flags
  local cfg=$1 thr=$2; shift 2
  local m=$SPIN_M out=$BDIR/out.txt tim=$BDIR/time.txt rc j0 j1
  local wflag=""; [ -n "$SPIN_W" ] && wflag="-w$SPIN_W"
  while :; do
    rm -f "$BDIR"/*.trail
    wait_quiet
    rc=0
    j0=$(busy_jiffies)
    (cd "$BDIR" && /usr/bin/time -v -o "$tim" timeout "$TIMEOUT" ./pan -m"$m" $wflag "$@" > "$out" 2>&1) || rc=$?
    j1=$(busy_jiffies)
    # a depth-truncated search is incomplete: rerun with a deeper stack
    if grep -q "max search depth too small" "$out" && [ "$m" -lt 1000000000 ]; then
      m=$((m * 10)); continue
    fi
    break
  done
  local states trans errors depth cex="" status=ok wall user sys others
  states=$(awk '/states, stored/{print $1; exit}' "$out")
  trans=$(awk '/transitions \(= stored\+matched\)/{print $1; exit}' "$out")
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" | head -1)
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -1)
  # pan prints large counts as 1.2345e+07 in some builds: normalise
  states=$(awk -v x="$states" 'BEGIN{ if (x!="") printf "%.0f", x }')
  trans=$(awk -v x="$trans" 'BEGIN{ if (x!="") printf "%.0f", x }')
  if [ "${errors:-0}" != 0 ]; then
    status=error-found
    if ls "$BDIR"/*.trail >/dev/null 2>&1; then
      cex=$(cd "$BDIR" && spin $pdef -t model.pml 2>&1 | sed -n 's/.*trail ends after \([0-9]*\) steps.*/\1/p' | tail -1)
    fi
  fi
  grep -q "max search depth too small" "$out" && status=depth-limit
  [ "$rc" = 124 ] && status=timeout
  [ -z "$states" ] && [ "$rc" != 124 ] && status=failed
  wall=$(tv "$tim" wall); user=$(tv "$tim" user); sys=$(tv "$tim" sys)
  others=$(awk -v a="$j0" -v b="$j1" -v u="$user" -v s="$sys" \
    'BEGIN{o=(b-a)/100-u-s; if(o<0)o=0; printf "%.2f", o}')
  emit spin "$cfg" "$thr" "$states" "$trans" "$wall" "$(tv "$tim" rss)" "$user" "$sys" \
       "${errors:-}" "$cex" "$depth" "$others" "$status"
}

for cfg in "${CONFIGS[@]}"; do
  case $cfg in
    rumur-t1)      build_rumur 1 || continue ;;
    rumur-t2)      build_rumur 2 || continue ;;
    spin-default)  build_spin "$cfg" ;;
    spin-noreduce) build_spin "$cfg" -DNOREDUCE ;;
    spin-collapse) build_spin "$cfg" -DNOREDUCE -DCOLLAPSE ;;
    spin-hc4)      build_spin "$cfg" -DNOREDUCE -DHC4 ;;
    spin-bfs)      build_spin "$cfg" -DNOREDUCE -DBFS ;;
    spin-short)    build_spin "$cfg" -DNOREDUCE -DREACH ;;
    spin-ncore2)   build_spin "$cfg" -DNOREDUCE -DSAFETY -DNCORE=2 -DMEMLIM="$SPIN_MEMLIM" ;;
    *) echo "unknown config $cfg" >&2; exit 2 ;;
  esac
  for ((r = 0; r < REPEAT; r++)); do
    case $cfg in
      rumur-t1)    run_rumur "$cfg" 1 ;;
      rumur-t2)    run_rumur "$cfg" 2 ;;
      spin-short)  run_spin "$cfg" 1 -i ;;
      spin-ncore2) run_spin "$cfg" 2 ;;
      *)           run_spin "$cfg" 1 ;;
    esac
  done
done
