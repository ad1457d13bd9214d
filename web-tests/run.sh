#!/usr/bin/env bash
# Builds the service, starts it on a fresh SQLite database in a temporary folder, runs the
# browser tests against it, and stops it. Needs Debian's chromium and node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin stapvoorstap
bin="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/stapvoorstap"
work=$(mktemp -d)
port=${SVS_PORT:-18099}
DATABASE_URL="$work/web.db" DATA_DIR="$work" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  REMINDERS_ENABLED=false "$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }
cd web-tests
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
SVS_PORT=$port node --test docs-page.test.mjs
