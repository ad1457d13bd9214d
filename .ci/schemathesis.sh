#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis (`--checks all`,
# fixed seed, bounded examples), as every role, on a seeded world.
# Usage: .ci/schemathesis.sh path/to/stapvoorstap
# On SQLite by default; with SCHEMATHESIS_DATABASE_URL=postgres://… on a fresh PostgreSQL
# database made (and dropped) here.
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
label=sqlite
db_url="$work/fuzz.db"
pgdb=""
if [ -n "${SCHEMATHESIS_DATABASE_URL:-}" ]; then
  label=postgres
  pgdb=svs_fuzz_$(date +%s)_$$
  psql "$SCHEMATHESIS_DATABASE_URL" -q -c "CREATE DATABASE $pgdb" >/dev/null
  db_url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$SCHEMATHESIS_DATABASE_URL" "$pgdb")
fi
export DATABASE_URL="$db_url" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn DATA_DIR="$work"
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
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ -n "$pgdb" ]; then psql "$SCHEMATHESIS_DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "$base/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }

# Generators for media types schemathesis does not know (the tus upload pieces).
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd)${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks

# A seeded world (.ci/seed.py): real teams, accounts, a resident with a plan, steps (one handed
# to the volunteer), a document and a device. Path ids are drawn from it most of the time
# (dictionaries below, probability 0.8) and generated the rest, so each role's run reaches deep
# into real objects (its own, or another role's: object-level authorization) and still sends
# ids that name nothing. The stateful phase follows the spec's OpenAPI links from there.
python3 "$(dirname "$0")/seed.py" "$base" "$admin_email" "$admin_password" "$work/tokens" "$work/ids"
# shellcheck disable=SC1091
. "$work/ids"
config="$work/schemathesis.toml"
{
  cat "$(dirname "$0")/schemathesis.toml"
  dict() { printf '\n[dictionaries.%s]\nvalues = ["%s"]\n' "$1" "$2"; }
  dict team "$SVS_TEAM_ID"
  dict resident "$SVS_RESIDENT_ID"
  dict resident_no_plan "$SVS_RESIDENT_NO_PLAN_ID"
  dict plan "$SVS_PLAN_ID"
  dict step "$SVS_STEP_ID"
  dict my_step "$SVS_MY_STEP_ID"
  dict document "$SVS_DOCUMENT_ID"
  dict device "$SVS_DEVICE_ID"
  dict template "$SVS_TEMPLATE_ID"
  dict user "$SVS_USER_ID"
  dict appointment "$SVS_APPOINTMENT_ID"
  # seeded PATH-REGEX DICTIONARY [METHOD-TO-LEAVE-OUT]
  seeded() {
    printf '\n[[operations]]\ninclude-path-regex = "%s"\n' "$1"
    if [ -n "${3:-}" ]; then printf 'exclude-method = "%s"\n' "$3"; fi
    printf 'parameters = { "path.id" = { dictionary = "%s", probability = 0.8 } }\n' "$2"
  }
  seeded '^/v1/teams/\\{id\\}' team
  # Not the erasure: an erased seeded resident would leave the runs after it nothing to reach.
  seeded '^/v1/residents/\\{id\\}(/activation-code|/unlock)?$' resident DELETE
  seeded '^/v1/residents/\\{id\\}/plans' resident_no_plan
  seeded '^/v1/plans/\\{id\\}' plan
  seeded '^/v1/steps/\\{id\\}' step
  seeded '^/v1/me/steps/\\{id\\}' my_step
  seeded '^/v1/(me/)?documents/\\{id\\}' document
  seeded '^/v1/me/devices/\\{id\\}' device
  seeded '^/v1/templates/\\{id\\}' template
  seeded '^/v1/users/\\{id\\}' user
  seeded '^/v1/(me/)?appointments/\\{id\\}' appointment
} >"$config"

# `filter_too_much`: patterns with optional spaces (quiet hours) plus length bounds make
# Hypothesis throw many drafts away; that is slow generation, not a finding.
run_st() {
  local who=$1; shift
  echo "--- schemathesis as $who ($label)"
  "$venv/bin/st" --config-file "$config" run "$base/openapi.json" \
    --checks all --seed 20261123 --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --workers 2 \
    --generation-database none --no-color --request-timeout 10 \
    --suppress-health-check filter_too_much "$@"
}

run_st anonymous
# Admin last: erasing the seeded resident or disabling a seeded account (both fuzzed) would
# take the world away from the runs after it.
while read -r role token; do
  run_st "$role" -H "Authorization: Bearer $token"
done <"$work/tokens"
if grep -q 'status=5[0-9][0-9]\|panicked' "$work/server.log"; then
  echo "server log shows a 500 or a panic:"; cat "$work/server.log"; exit 1
fi
