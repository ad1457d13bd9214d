#!/usr/bin/env bash
# Stap voor Stap benchmark suite (issue 7). Usage: benches/run.sh [sqlite|postgres|both]
#
# Everything talks to 127.0.0.1 only; every phase has a fixed duration. Environment:
#   BENCH_OUT (default /tmp/svs-bench)   working files, logs, results
#   PG_URL    (default postgres://postgres@127.0.0.1:5432)   server for the postgres runs
#   PG_PARAMS (default ?sslmode=disable)   appended to the app's database URLs: everything runs
#             over loopback, where TLS (libpq's default `prefer`) only costs CPU
#   RESIDENTS (default 10000)   PHASE_SECS (default 10)   CONNS (default 64)
#   CARGO_TARGET_DIR   where the release build goes (default ./target)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BACKENDS="${1:-both}"; [ "$BACKENDS" = both ] && BACKENDS="sqlite postgres"
OUT="${BENCH_OUT:-/tmp/svs-bench}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_PARAMS="${PG_PARAMS-?sslmode=disable}"
RESIDENTS="${RESIDENTS:-10000}"
SECS="${PHASE_SECS:-10}"
CONNS="${CONNS:-64}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PORT=18080; FCM_PORT=18090
# A fresh random secret per run: the server refuses secrets published in this repository.
export JWT_SECRET="${JWT_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d " \n")}"
export BENCH_WRK="$ROOT/benches/wrk"
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null; }
cargo build --release -q --bin stapvoorstap --example bench_seed --example bench_load \
  --example bench_dispatch --example bench_tick --example fake_fcm
BIN="$TARGET/release"; EX="$TARGET/release/examples"

SERVER_PID=""; FCM_PID=""; SAMPLER_PID=""
cleanup() {
  for p in $SAMPLER_PID $SERVER_PID $FCM_PID; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

pg_recreate() { # name
  psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
}
pg_ensure() { # name
  psql -qtA "$PG_URL/postgres" -c "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1 \
    || psql -q "$PG_URL/postgres" -c "CREATE DATABASE $1" >/dev/null
}
wait_ready() { # url
  for _ in $(seq 1 100); do curl -fs "$1/health/ready" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "server did not become ready" >&2; return 1
}
kv() { # file key -> value of key=... in the last line that has it
  grep -o "$2=[^ ]*" "$1" | tail -1 | cut -d= -f2
}

machine() {
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
  echo "server settings: HASH_CONCURRENCY=${HASH_CONCURRENCY:-half the cores (default)} DB_POOL_SIZE=${DB_POOL_SIZE:-10 (default; SQLite at most 8)} AUTH_RATE_PER_MINUTE=0 REMINDERS_ENABLED=false"
  echo "tools: $(wrk --version 2>&1 | head -1 | cut -c1-40); $(psql --version); rustc $(rustc --version | cut -d' ' -f2)"
}

run_backend() {
  local B="$1" DIR="$OUT/$1" URL DURL
  mkdir -p "$DIR"; : > "$DIR/results.txt"
  export BENCH_DIR="$DIR"
  if [ "$B" = sqlite ]; then URL="$DIR/bench.db"; DURL="$DIR/dispatch.db"
  else pg_ensure svs_bench; URL="$PG_URL/svs_bench$PG_PARAMS"; pg_recreate svs_bench_dispatch; DURL="$PG_URL/svs_bench_dispatch$PG_PARAMS"; fi
  [ "$B" = sqlite ] && rm -f "$DURL" "$DURL-wal" "$DURL-shm"
  echo "== $B: seeding $RESIDENTS residents (skipped when present)"
  "$EX/bench_seed" seed "$URL" "$DIR" "$RESIDENTS" 2>&1 | grep -v "^\s*$" | grep -iv " INFO \| WARN " | tail -5

  # A re-run finds the completions of the last run: vacuum as autovacuum soon would, so every
  # run starts from the same state (visibility map for index-only scans, fresh statistics).
  [ "$B" = postgres ] && psql -q "$PG_URL/svs_bench" -c "VACUUM ANALYZE" >/dev/null
  echo "== $B: server"
  DATABASE_URL="$URL" LISTEN_ADDR="127.0.0.1:$PORT" AUTH_RATE_PER_MINUTE=0 REMINDERS_ENABLED=false \
    RUST_LOG=warn DATA_DIR="$DIR" "$BIN/stapvoorstap" serve > "$DIR/server.log" 2>&1 &
  SERVER_PID=$!
  local BASE="http://127.0.0.1:$PORT"
  wait_ready "$BASE"
  ( for _ in $(seq 1 1200); do awk '/VmRSS/{print $2}' /proc/$SERVER_PID/status 2>/dev/null || break; sleep 0.5; done ) > "$DIR/rss.txt" &
  SAMPLER_PID=$!
  local W="wrk -t2 -c$CONNS -d${SECS}s --latency"
  export WRK_THREADS=2
  tokens() { "$EX/bench_seed" tokens "$URL" "$DIR" 2>&1 | grep "^tokens" || true; }

  echo "-- throughput, $CONNS connections, ${SECS}s each (wrk)"
  $W -s "$BENCH_WRK/health.lua" "$BASE" | grep WRK | sed 's/^/health /' | tee -a "$DIR/results.txt"
  tokens; $W -s "$BENCH_WRK/me.lua" "$BASE" | grep WRK | sed 's/^/me /' | tee -a "$DIR/results.txt"
  tokens; $W -s "$BENCH_WRK/prefs.lua" "$BASE" | grep WRK | sed 's/^/prefs /' | tee -a "$DIR/results.txt"
  tokens; $W -s "$BENCH_WRK/current.lua" "$BASE" | grep WRK | sed 's/^/current /' | tee -a "$DIR/results.txt"
  tokens; $W -s "$BENCH_WRK/complete.lua" "$BASE" | grep WRK | sed 's/^/complete /' | tee -a "$DIR/results.txt"
  $W -s "$BENCH_WRK/login.lua" "$BASE" | grep WRK | sed 's/^/login /' | tee -a "$DIR/results.txt"

  echo "-- latency at a fixed rate (bench_load, open loop)"
  "$EX/bench_load" "$BASE" health 500 "$SECS" "$DIR" | sed 's/^/health_fixed /' | tee -a "$DIR/results.txt"
  tokens; "$EX/bench_load" "$BASE" current 500 15 "$DIR" | sed 's/^/current_fixed /' | tee -a "$DIR/results.txt"
  tokens; "$EX/bench_load" "$BASE" complete 200 15 "$DIR" | sed 's/^/complete_fixed /' | tee -a "$DIR/results.txt"

  local cap flood
  cap=$(grep '^login ' "$DIR/results.txt" | grep -o 'ok_rps=[0-9]*' | cut -d= -f2)
  flood=$(( ${cap:-50} * 4 )); [ "$flood" -lt 20 ] && flood=20
  echo "-- login flood at $flood/s (4x the $cap/s Argon2 managed) while reads run at 500/s"
  tokens
  "$EX/bench_load" "$BASE" login "$flood" 15 "$DIR" > "$DIR/flood.txt" &
  local FP=$!
  sleep 0.5
  "$EX/bench_load" "$BASE" current 500 14 "$DIR" | sed 's/^/current_flood /' | tee -a "$DIR/results.txt"
  wait $FP; sed 's/^/login_flood /' "$DIR/flood.txt" | tee -a "$DIR/results.txt"

  local hwm; hwm=$(awk '/VmHWM/{print $2}' /proc/$SERVER_PID/status)
  kill $SAMPLER_PID 2>/dev/null || true; SAMPLER_PID=""
  kill -INT $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
  echo "server_rss peak_kib=$hwm sampled_max_kib=$(sort -n "$DIR/rss.txt" | tail -1)" | tee -a "$DIR/results.txt"
  grep -ci "database is locked" "$DIR/server.log" | sed 's/^/server_log locked_errors=/' | tee -a "$DIR/results.txt" || true

  echo "-- dispatch: 10,000 due reminders, fake FCM answering after 50 ms"
  "$EX/fake_fcm" $FCM_PORT "$DIR" 50 > "$DIR/fake_fcm.log" 2>&1 &
  FCM_PID=$!
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$FCM_PORT/stats" >/dev/null 2>&1 && break; sleep 0.1; done
  /usr/bin/time -f "dispatch_rss peak_kib=%M" "$EX/bench_dispatch" "$DURL" "$DIR/fcm-service-account.json" \
    "http://127.0.0.1:$FCM_PORT" 10000 64 2>&1 | grep -E "^DISPATCH|dispatch_rss|rror" | tee -a "$DIR/results.txt"
  kill $FCM_PID 2>/dev/null || true; wait $FCM_PID 2>/dev/null || true; FCM_PID=""

  echo "-- scheduler tick: 1,000 due among 1,000 / 10,000 / 100,000 residents"
  for P in 1000 10000 100000; do
    local TURL
    if [ "$B" = sqlite ]; then TURL="$DIR/tick-$P.db"; rm -f "$TURL" "$TURL-wal" "$TURL-shm"
    else pg_recreate svs_bench_tick; TURL="$PG_URL/svs_bench_tick$PG_PARAMS"; fi
    "$EX/bench_tick" "$TURL" "$P" 1000 2>&1 | grep "^TICK" | tee -a "$DIR/results.txt"
  done
}

table() {
  echo; machine; echo
  printf "%-9s %-40s %14s %12s %10s %10s  %s\n" backend measurement value "vs baseline" p50_ms p99_ms notes
  for B in $BACKENDS; do
    local R="$OUT/$B/results.txt"
    [ -f "$R" ] || continue
    local base; base=$(grep '^health ' "$R" | grep -o ' rps=[0-9]*' | cut -d= -f2)
    row() { printf "%-9s %-40s %14s %12s %10s %10s  %s\n" "$B" "$1" "$2" "$3" "$4" "$5" "$6"; }
    for m in health me prefs current complete login; do
      local l; l=$(grep "^$m " "$R" | tail -1)
      local rps ok; rps=$(echo "$l" | grep -o ' rps=[0-9]*' | cut -d= -f2); ok=$(echo "$l" | grep -o 'ok_rps=[0-9]*' | cut -d= -f2)
      row "$m: req/s @${CONNS} conns (2xx/s)" "$rps ($ok)" "1/$(awk -v b="$base" -v r="$ok" 'BEGIN{ if (r>0) printf "%.1f", b/r; else print "inf"}')" \
        "$(echo "$l" | grep -o 'p50_ms=[0-9.]*' | cut -d= -f2)" "$(echo "$l" | grep -o 'p99_ms=[0-9.]*' | cut -d= -f2)" \
        "$(echo "$l" | grep -o 's409=[0-9]*\|s429=[0-9]*\|s503=[0-9]*\|s5xx_other=[0-9]*\|socket_errors=[0-9]*' | tr '\n' ' ')"
    done
    local hp99; hp99=$(grep '^health_fixed ' "$R" | grep -o ' p99_ms=[0-9.]*' | cut -d= -f2)
    for m in health_fixed current_fixed complete_fixed current_flood login_flood; do
      local l; l=$(grep "^$m " "$R" | tail -1); [ -n "$l" ] || continue
      local p99; p99=$(echo "$l" | grep -o ' p99_ms=[0-9.]*' | cut -d= -f2)
      row "$m: fixed $(echo "$l" | grep -o 'rate=[0-9.]*' | cut -d= -f2)/s" "$(echo "$l" | grep -o 'achieved_rps=[0-9]*' | cut -d= -f2) req/s" \
        "p99 x$(awk -v b="$hp99" -v r="$p99" 'BEGIN{ if (b>0) printf "%.1f", r/b; else print "?"}')" \
        "$(echo "$l" | grep -o 'p50_ms=[0-9.]*' | head -1 | cut -d= -f2)" "$p99" \
        "$(echo "$l" | grep -o 's2xx=[0-9]*\|s409=[0-9]*\|s429=[0-9]*\|s503=[0-9]*\|s5xx_other=[0-9]*\|transport_err=[0-9]*\|refused_p99_ms=[0-9.]*' | tr '\n' ' ')"
    done
    local q f; q=$(grep '^current_fixed ' "$R" | grep -o ' p99_ms=[0-9.]*' | cut -d= -f2); f=$(grep '^current_flood ' "$R" | grep -o ' p99_ms=[0-9.]*' | cut -d= -f2)
    row "read p99 flood/quiet" "$(awk -v q="$q" -v f="$f" 'BEGIN{ if (q>0) printf "x%.2f", f/q}')" "" "" "" "target <= x2"
    local d; d=$(grep '^DISPATCH' "$R" | tail -1)
    row "dispatch: 10,000 reminders, FCM 50 ms" "$(echo "$d" | grep -o 'rate_per_s=[0-9]*' | cut -d= -f2)/s" "" "" "" \
      "drain $(echo "$d" | grep -o 'drain_s=[0-9.]*' | cut -d= -f2)s, token fetches $(echo "$d" | grep -o 'token_fetches=[0-9]*' | cut -d= -f2), sent $(echo "$d" | grep -o ' sent=[0-9]*' | cut -d= -f2)"
    local t10; t10=$(grep '^TICK population=10000 ' "$R" | grep -o 'tick_ms=[0-9.]*' | head -1 | cut -d= -f2)
    grep '^TICK' "$R" | while read -r l; do
      local tm; tm=$(echo "$l" | grep -o ' tick_ms=[0-9.]*' | cut -d= -f2)
      row "tick: $(echo "$l" | grep -o 'population=[0-9]*' | cut -d= -f2) residents, 1,000 due" "${tm} ms" \
        "x$(awk -v b="$t10" -v r="$tm" 'BEGIN{ if (b>0) printf "%.2f", r/b}') of 10k" "" "" \
        "empty tick $(echo "$l" | grep -o 'empty_tick_ms=[0-9.]*' | cut -d= -f2) ms, reminders $(echo "$l" | grep -o 'reminders=[0-9]*' | cut -d= -f2)"
    done
    local rss; rss=$(grep '^server_rss' "$R" | grep -o 'peak_kib=[0-9]*' | cut -d= -f2)
    row "server peak RSS (VmHWM)" "$((rss / 1024)) MiB" "" "" "" "dispatch bench process: $(( $(grep -o 'dispatch_rss peak_kib=[0-9]*' "$R" | cut -d= -f2 | tail -1) / 1024 )) MiB; $(grep -o 'locked_errors=[0-9]*' "$R")"
  done
}

for B in $BACKENDS; do run_backend "$B"; done
table | tee "$OUT/table.txt"
