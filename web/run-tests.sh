#!/usr/bin/env bash
# Browser tests of the resident app and the staff console: builds the binary, starts it on a fresh SQLite database in
# a temporary folder (and on a fresh PostgreSQL database when TEST_DATABASE_URL is set), seeds
# the demo accounts (`serve --demo`), runs the type check and `node --test web/tests/`, and stops
# the server. Needs node, npm and Debian's chromium (CHROME_PATH, default /usr/bin/chromium).
#
#   bash web/run-tests.sh                 # SQLite
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bash web/run-tests.sh
#   bash web/run-tests.sh --docs          # screenshots and Lighthouse into docs/ (SQLite)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}

if [ ! -d web/node_modules ]; then (cd web && npm ci --no-audit --no-fund); fi
(cd web && node scripts/check-types.mjs)
if [ -z "${SVS_SKIP_BUILD:-}" ]; then cargo build --quiet --bin stapvoorstap; fi
# The binary: SVS_BIN, else the debug build in CARGO_TARGET_DIR (default target/).
BIN=${SVS_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/stapvoorstap}

WORK=$(mktemp -d)
PIDS=()
PGDB=""
cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && wait "$pid" 2>/dev/null || true; done
  if [ -n "$PGDB" ]; then
    psql "$TEST_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

# Starts the server on DATABASE_URL $1 (label $2); sets SVS_BASE_URL.
start_server() {
  local url=$1 label=$2 port
  port=$(free_port)
  mkdir -p "$WORK/$label"
  DATABASE_URL=$url DATA_DIR=$WORK/$label LISTEN_ADDR=127.0.0.1:$port \
    JWT_SECRET=browser-tests-secret-that-is-long-enough-0123456789 \
    AUTH_RATE_PER_MINUTE=0 REMINDERS_ENABLED=false RUST_LOG=warn HASH_QUEUE_TIMEOUT=30s \
    WEB_PUSH_CONTACT=mailto:beheer@example.org \
    "$BIN" serve --demo >"$WORK/$label/server.log" 2>&1 &
  PIDS+=($!)
  export SVS_BASE_URL=http://127.0.0.1:$port
  for _ in $(seq 1 300); do
    if curl -fsS "$SVS_BASE_URL/health/ready" >/dev/null 2>&1 && grep -q "resident" "$WORK/$label/server.log"; then return 0; fi
    if ! kill -0 "${PIDS[-1]}" 2>/dev/null; then cat "$WORK/$label/server.log"; echo "server ($label) did not start"; exit 1; fi
    sleep 0.2
  done
  cat "$WORK/$label/server.log"; echo "server ($label) not ready in time"; exit 1
}

stop_server() {
  local pid=${PIDS[-1]}
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'PIDS[-1]'
}

run_suite() {
  echo "== browser tests on $1 ($SVS_BASE_URL)"
  # SVS_WEB_TESTS picks files (e.g. tests/console.test.mjs) while working; CI runs them all.
  (cd web && node --test --test-concurrency=1 ${SVS_WEB_TESTS:-tests/})
}

start_server "$WORK/sqlite/app.db" sqlite
if [ "${1:-}" = "--docs" ]; then
  # Regenerates docs/screenshots/ and the Lighthouse blocks of docs/resident-app.md and
  # docs/staff-console.md.
  (cd web && node scripts/screenshots.mjs && node scripts/lighthouse.mjs && node scripts/lighthouse-console.mjs)
  exit 0
fi
run_suite sqlite
stop_server

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  PGDB=svs_browser_$(date +%s)_$$
  psql "$TEST_DATABASE_URL" -q -c "CREATE DATABASE $PGDB" >/dev/null
  PGURL=$(node -e "const u=new URL(process.argv[1]); u.pathname='/$PGDB'; console.log(u.toString())" "$TEST_DATABASE_URL")
  start_server "$PGURL" postgres
  run_suite postgres
  stop_server
fi
