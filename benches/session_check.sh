#!/usr/bin/env bash
# What the per-request session check (issue 17.4) costs, measured as an A/B in one run:
# the release binary of this checkout ("after") against the one built from the commit before
# the check came in ("before", $BEFORE_REV), alternating ROUNDS times on the same seeded
# database, each phase against `/health/live` of the same binary in the same round.
#
# Usage: benches/session_check.sh [sqlite|postgres|both]
# Environment as benches/run.sh (BENCH_OUT, PG_URL, PG_PARAMS, RESIDENTS, CONNS), plus
#   PHASE_SECS (default 8)   ROUNDS (default 3)
#   BEFORE_REV (default 76cdd79^, the parent of "Sessions end at once")
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BACKENDS="${1:-both}"; [ "$BACKENDS" = both ] && BACKENDS="sqlite postgres"
OUT="${BENCH_OUT:-/tmp/svs-bench}/session-check"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_PARAMS="${PG_PARAMS-?sslmode=disable}"
RESIDENTS="${RESIDENTS:-10000}"
SECS="${PHASE_SECS:-8}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-64}"
BEFORE_REV="${BEFORE_REV:-76cdd79^}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PORT=18081
export JWT_SECRET="${JWT_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d " \n")}"
export BENCH_WRK="$ROOT/benches/wrk"
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }

BEFORE="$OUT/stapvoorstap-before"
if [ ! -x "$BEFORE" ] || [ "$(cat "$OUT/before-rev" 2>/dev/null)" != "$(git rev-parse "$BEFORE_REV")" ]; then
  # Same target directory: the dependencies are built once for both; the crate itself is built
  # from the older source, copied out, and rebuilt from this checkout below.
  echo "building the binary of $BEFORE_REV (once)"
  rm -rf "$OUT/src-before"; git worktree prune
  git worktree add -q --detach "$OUT/src-before" "$BEFORE_REV"
  (cd "$OUT/src-before" && CARGO_TARGET_DIR="$TARGET" cargo build --release -q --bin stapvoorstap)
  cp "$TARGET/release/stapvoorstap" "$BEFORE"
  git rev-parse "$BEFORE_REV" > "$OUT/before-rev"
  git worktree remove --force "$OUT/src-before"
fi
cargo build --release -q --bin stapvoorstap --example bench_seed
AFTER="$OUT/stapvoorstap-after"; cp "$TARGET/release/stapvoorstap" "$AFTER"
SEED="$TARGET/release/examples/bench_seed"

SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill $SERVER_PID 2>/dev/null || true' EXIT
wait_ready() {
  for _ in $(seq 1 100); do curl -fs "$1/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server did not become ready" >&2; return 1
}

for B in $BACKENDS; do
  DIR="$OUT/$B"; mkdir -p "$DIR"; : > "$DIR/results.txt"
  export BENCH_DIR="$DIR"
  if [ "$B" = sqlite ]; then URL="$DIR/bench.db"
  else
    psql -qtA "$PG_URL/postgres" -c "SELECT 1 FROM pg_database WHERE datname='svs_bench_sessions'" | grep -q 1 \
      || psql -q "$PG_URL/postgres" -c "CREATE DATABASE svs_bench_sessions" >/dev/null
    URL="$PG_URL/svs_bench_sessions$PG_PARAMS"
  fi
  # The newer binary migrates first, so the older one finds every table it knows.
  DATABASE_URL="$URL" "$AFTER" migrate >/dev/null 2>&1 || true
  "$SEED" seed "$URL" "$DIR" "$RESIDENTS" 2>&1 | grep -iv " INFO \| WARN " | tail -2
  for round in $(seq 1 "$ROUNDS"); do
    for variant in before after; do
      bin="$BEFORE"; [ "$variant" = after ] && bin="$AFTER"
      DATABASE_URL="$URL" LISTEN_ADDR="127.0.0.1:$PORT" AUTH_RATE_PER_MINUTE=0 REMINDERS_ENABLED=false \
        RUST_LOG=warn DATA_DIR="$DIR" "$bin" serve > "$DIR/server-$variant.log" 2>&1 &
      SERVER_PID=$!
      wait_ready "http://127.0.0.1:$PORT"
      "$SEED" tokens "$URL" "$DIR" >/dev/null 2>&1
      for m in health me current; do
        l=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$BENCH_WRK/$m.lua" "http://127.0.0.1:$PORT" | grep WRK)
        echo "$B round=$round variant=$variant phase=$m $l" | tee -a "$DIR/results.txt"
      done
      kill -INT $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
    done
  done
done

# Per backend, variant and phase: the median over rounds of (2xx/s of the phase) / (req/s of
# /health/live in the same round and variant); then after/before of those ratios.
echo
printf "%-9s %-8s %16s %16s %12s %10s %10s\n" backend phase "before vs health" "after vs health" "after/before" "p50 bef" "p50 aft"
for B in $BACKENDS; do
  python3 - "$OUT/$B/results.txt" "$B" <<'PY'
import re, statistics, sys
rows = [dict(re.findall(r"(\w+)=([\w.]+)", l)) for l in open(sys.argv[1])]
def ratios(variant, phase):
    out, p50 = [], []
    for r in rows:
        if r["variant"] == variant and r["phase"] == phase:
            h = next(x for x in rows if x["variant"] == variant and x["round"] == r["round"] and x["phase"] == "health")
            out.append(float(r["ok_rps"]) / float(h["rps"])); p50.append(float(r["p50_ms"]))
    return statistics.median(out), statistics.median(p50)
for phase in ["me", "current"]:
    (b, bp), (a, ap) = ratios("before", phase), ratios("after", phase)
    print(f"{sys.argv[2]:<9} {phase:<8} {b:>16.3f} {a:>16.3f} {a / b:>12.3f} {bp:>10.2f} {ap:>10.2f}")
PY
done
