#!/usr/bin/env bash
# compare.sh — run the Go checker side by side with Rumur and SPIN on the
# reference models, in one run, and print states, seconds, states/s, peak RSS
# per state and the ratios.
#
#   bench/compare.sh [CASE ...]
#
# CASE is MODEL:N with MODEL german | dmabuf | indep | indep-local | indep-chan
# | waitlock (default: german:4 german:5 dmabuf:9). indep is the lock-family world
# docs/examples/world/independent-drivers.yaml with N drivers (2..3) against
# its Promela twin bench/independent-drivers.pml (no Murphi twin: Rumur rows
# are skipped); indep-local and indep-chan are the same world against the
# twin's other layouts (PRIVATE=1: per-driver mutexes declared `local';
# PRIVATE=2: also the jobs on exclusive channels); waitlock is the built-in
# deadlock-wait-under-lock-fixed (two importers sharing a resv lock, N jobs
# each) against bench/deadlock-wait-under-lock-fixed.pml. On all of these,
# the Go checker checks the properties SPIN's twin can
# (--only=no-kernel-api-misuse,lockdep-fence-signalling,deadlock), so
# neither run pays for examples.
#
# What it needs: Go, /usr/bin/time (Debian's time), and for the reference
# rows Rumur, SPIN and a C compiler (apt-get install -y rumur spin gcc). The
# inputs are in the repository: bench/run.sh builds and runs Rumur and SPIN,
# on the Murphi models of refmodels/german/testdata/german.m and
# refmodels/dmabufbench/testdata/dmabuf.m and on their Promela twins
# bench/german.pml and bench/dmabuf.pml (same state counts as Rumur).
#
# Environment:
#   CONFIGS       tool configurations, space-separated (default:
#                 "go-w1 go-w2 spin-default rumur-t2"); go-wN runs the Go
#                 checker with N workers, go-wN-R with --reduce=R as well
#                 (R = none | por | symmetry | all), the others are run.sh
#                 configurations (rumur-t1, rumur-t2, spin-default,
#                 spin-noreduce, ...)
#   OUT           CSV file to append every row to (default: bench/results.csv)
#   QUIET_MAX     passed to run.sh: wait up to this many seconds for an idle
#                 machine before each run (default 0)
#
# Rumur and SPIN rows are skipped, with a message, when the tool is missing
# (apt-get install -y rumur spin). When a case has both unreduced rows
# (go-wN-none, spin-noreduce) and reduced ones (go-wN-por, go-wN-all,
# spin-default), a last table gives each tool's reduction factors.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN_SH=$ROOT/bench/run.sh
CONFIGS=${CONFIGS:-go-w1 go-w2 spin-default rumur-t2}
OUT=${OUT:-$ROOT/bench/results.csv}
export QUIET_MAX=${QUIET_MAX:-0}
[ $# -gt 0 ] && CASES=("$@") || CASES=(german:4 german:5 dmabuf:9)

command -v /usr/bin/time >/dev/null || { echo "compare.sh: needs /usr/bin/time (apt-get install -y time)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "building the Go checker..." >&2
(cd "$ROOT" && go build -o "$WORK/check" ./cmd/check)

HEADER="#tool,config,model,N,states,transitions,seconds,states_per_s,peak_rss_kb,bytes_per_state,threads"
[ -f "$OUT" ] || echo "$HEADER" > "$OUT"
ROWS=$WORK/rows.csv
: > "$ROWS"

tv() { # field from /usr/bin/time -v output
  case $2 in
    wall) awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1" ;;
    rss)  awk -F': ' '/Maximum resident set size/{print $2}' "$1" ;;
  esac
}
jfield() { sed -n "s/^  \"$2\": \([0-9.e+-]*\),*$/\1/p" "$1" | head -1; }

run_go() { # model N config (go-wW or go-wW-REDUCE)
  local model=$1 n=$2 cfg=$3 scen args w red
  w=${cfg#go-w}; red=""
  case $w in *-*) red=${w#*-}; w=${w%%-*} ;; esac
  case $model in
    german) scen=german; args=(--set "nodes=$n") ;;
    dmabuf) scen=dmabuf-bench; args=(--set "importers=$n") ;;
    indep|indep-local|indep-chan)
            scen=$ROOT/docs/examples/world/independent-drivers.yaml
            args=(--set "drivers=$n" --only=no-kernel-api-misuse,lockdep-fence-signalling,deadlock) ;;
    waitlock)
            scen=deadlock-wait-under-lock-fixed
            args=(--set importers=2 --set "jobs=$n" --only=no-kernel-api-misuse,lockdep-fence-signalling,deadlock) ;;
    *) echo "compare.sh: unknown model $model" >&2; return ;;
  esac
  [ -n "$red" ] && args+=(--reduce "$red")
  local js=$WORK/go.json tim=$WORK/go.time rc=0
  /usr/bin/time -v -o "$tim" "$WORK/check" run "$scen" "${args[@]}" --workers "$w" --json --quiet > "$js" || rc=$?
  if [ "$rc" != 0 ]; then echo "compare.sh: check exited $rc on $model $n" >&2; return; fi
  local states trans wall rss
  states=$(jfield "$js" states); trans=$(jfield "$js" transitions)
  wall=$(tv "$tim" wall); rss=$(tv "$tim" rss)
  awk -v s="$states" -v t="$trans" -v w="$wall" -v r="$rss" -v m="$model" -v n="$n" -v th="$w" -v c="$cfg" 'BEGIN{
    printf "go,%s,%s,%s,%s,%s,%.3f,%.0f,%s,%.1f,%s\n", c, m, n, s, t, w, s/w, r, r*1024/s, th }'
}

run_ref() { # model N config
  local model=$1 n=$2 cfg=$3
  case $cfg in
    rumur-*) command -v rumur >/dev/null || { echo "compare.sh: rumur not installed, skipping $cfg (apt-get install -y rumur)" >&2; return; } ;;
    spin-*)  command -v spin  >/dev/null || { echo "compare.sh: spin not installed, skipping $cfg (apt-get install -y spin)" >&2; return; } ;;
  esac
  HEADER=0 WORKDIR=$WORK/ref "$RUN_SH" "$model" "$n" "$cfg" | cut -d, -f1-11
}

for c in "${CASES[@]}"; do
  model=${c%%:*}; n=${c##*:}
  for cfg in $CONFIGS; do
    echo "running $cfg on $model N=$n..." >&2
    case $cfg in
      go-w*) run_go "$model" "$n" "$cfg" ;;
      *)     run_ref "$model" "$n" "$cfg" ;;
    esac
  done
done | tee -a "$ROWS" >> "$OUT"

# Summary: every row, then the ratio of each Go row to each reference row
# of the same case (speed = their seconds / our seconds; memory = their
# B/state / our B/state).
echo
printf '%-6s %-14s %-7s %3s %12s %9s %12s %10s %9s\n' tool config model N states seconds states/s "RSS MiB" "B/state"
awk -F, '{ printf "%-6s %-14s %-7s %3s %12s %9.2f %12s %10.1f %9.1f\n", $1, $2, $3, $4, $5, $7, $8, $9/1024, $10 }' "$ROWS"
echo
echo "ratios (Go faster by = other seconds / Go seconds; Go smaller by = other B/state / Go B/state):"
awk -F, '
  { key=$3":"$4; if ($1=="go") { g[key]=g[key]" "NR; } row[NR]=$0 }
  END {
    for (i=1; i<=NR; i++) {
      split(row[i], r, ","); if (r[1]=="go") continue
      key=r[3]":"r[4]; n=split(g[key], gs, " ")
      for (j=1; j<=n; j++) {
        split(row[gs[j]], q, ",")
        if (r[5] != q[5]) note=" (STATE COUNTS DIFFER: " r[5] " vs " q[5] ")"; else note=""
        printf "  %-7s N=%-2s %-6s vs %-14s faster by %6.2fx   smaller by %5.2fx%s\n", r[3], r[4], q[2], r[2], r[7]/q[7], r[10]/q[10], note
      }
    }
  }' "$ROWS"
# Reductions: each reduced row against the same tool's unreduced row of the
# same case (go-wN-por/-all against go-wN-none, spin-default against
# spin-noreduce), when the run has both.
awk -F, '
  function base(r,    c) { c=r[2]; if (r[1]=="go") { sub(/-(none|por|all|symmetry)$/, "", c) } else c="spin"; return r[1]":"c":"r[3]":"r[4] }
  { row[NR]=$0; split($0, r, ",")
    if ((r[1]=="go" && r[2] ~ /-none$/) || r[2]=="spin-noreduce") un[base(r)]=NR }
  END {
    for (i=1; i<=NR; i++) {
      split(row[i], r, ",")
      if (!((r[1]=="go" && r[2] ~ /-(por|all)$/) || r[2]=="spin-default")) continue
      k=base(r); if (!(k in un)) continue
      split(row[un[k]], u, ",")
      if (!hdr++) print "\nreductions (unreduced / reduced, same tool and case):"
      printf "  %-11s N=%-2s %-14s %9s -> %7s states (%6.1fx), %9s -> %7s transitions (%6.1fx), %7.3f -> %7.3f s, %7.1f -> %7.1f MiB\n",
        r[3], r[4], r[2], u[5], r[5], u[5]/r[5], u[6], r[6], u[6]/r[6], u[7], r[7], u[9]/1024, r[9]/1024
    }
  }' "$ROWS"
echo
echo "rows appended to $OUT" >&2
