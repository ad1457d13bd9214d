#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis (all default checks,
# fixed seed, bounded examples). Usage: .ci/schemathesis.sh path/to/stapvoorstap
set -euo pipefail
bin=${1:?path to the stapvoorstap binary}
venv=${SCHEMATHESIS_VENV:-$HOME/.cache/stapvoorstap-ci/venv}
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis==4.32.5'
fi

work=$(mktemp -d)
port=${SCHEMATHESIS_PORT:-18089}
base="http://127.0.0.1:$port"
export DATABASE_URL="$work/fuzz.db" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn DATA_DIR="$work"
# The fuzzer signs in often from one address; the per-address limit has its own tests.
export AUTH_RATE_PER_MINUTE=0
# Its sign-ins queue for the password hasher; on a busy two-core machine the default 2 s wait
# for a slot can run out, and the documented 503 "too many at once" (tested on its own) would
# count as a server error here. Wait longer, within the fuzzer's 10 s request timeout.
export HASH_QUEUE_TIMEOUT=8s
admin_email=fuzz-admin@example.org
admin_password="lange zin met woorden 42"
ADMIN_PASSWORD="$admin_password" "$bin" create-admin --email "$admin_email" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }

# Generators for media types schemathesis does not know (the tus upload pieces).
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks

# `filter_too_much`: patterns with optional spaces (quiet hours) plus length bounds make
# Hypothesis throw many drafts away; that is slow generation, not a finding.
run_st() {
  local who=$1; shift
  echo "--- schemathesis as $who"
  "$venv/bin/st" --config-file "$(dirname "$0")/schemathesis.toml" run "$base/openapi.json" \
    --seed 20261123 --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --workers 2 \
    --generation-database none --no-color --request-timeout 10 \
    --suppress-health-check filter_too_much "$@"
}

python3 "$(dirname "$0")/tokens.py" "$base" "$admin_email" "$admin_password" >"$work/tokens"

run_st anonymous
if [ -f "$work/tokens" ]; then
  while read -r role token; do
    run_st "$role" -H "Authorization: Bearer $token"
  done <"$work/tokens"
fi
if grep -q 'status=5[0-9][0-9]\|panicked' "$work/server.log"; then
  echo "server log shows a 500 or a panic:"; cat "$work/server.log"; exit 1
fi
