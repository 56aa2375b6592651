#!/usr/bin/env bash
# Run CI (`bash .ci/run` with CI=true) several times in a row on a clean clone while
# CPU-bound processes keep the machine busy: a check that no test relies on timing.
#   scripts/ci_under_load.sh [RUNS=3] [BURNERS=2] [REF=HEAD]
# Each run's log goes to $OUT (default /tmp/ci-under-load); the summary prints each run's
# exit code, wall time and closing line. The burners stop when the script ends.
set -uo pipefail
RUNS=${1:-3}
BURNERS=${2:-2}
REF=${3:-HEAD}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-/tmp/ci-under-load}
mkdir -p "$OUT"
CLONE=$(mktemp -d /tmp/ci-under-load-clone.XXXXXX)
git clone -q "$ROOT" "$CLONE" && git -C "$CLONE" checkout -q "$REF" || exit 1

pids=()
stop_burners() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; }
trap stop_burners EXIT
for _ in $(seq "$BURNERS"); do
    python3 -c "while True: pass" &
    pids+=($!)
done
echo "==> $BURNERS CPU-bound processes running; $RUNS runs of .ci/run on $(git -C "$CLONE" rev-parse --short HEAD) in $CLONE"

status=0
for i in $(seq "$RUNS"); do
    start=$(date +%s)
    (cd "$CLONE" && CI=true bash .ci/run) >"$OUT/run$i.log" 2>&1
    code=$?
    elapsed=$(( $(date +%s) - start ))
    echo "run $i: exit $code in ${elapsed}s: $(grep -E '^TOTAL:' "$OUT/run$i.log" | tail -1)"
    [ "$code" -eq 0 ] || status=1
done
exit $status
