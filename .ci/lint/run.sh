#!/usr/bin/env bash
# Lints the committed OpenAPI document with Spectral (spectral:oas + the OWASP ruleset) and with
# Redocly (recommended rules). Fails on any error; prints the counts the README quotes.
set -euo pipefail
cd "$(dirname "$0")"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
spec=../../openapi/openapi.json
[ -d node_modules ] || npm ci --no-audit --no-fund --silent
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Both exit non-zero when they find errors; the counts below decide.
npx --no-install spectral lint --ruleset .spectral.yaml --format json --quiet \
  --output "$out/spectral.json" "$spec" || true
npx --no-install redocly lint --config redocly.yaml --format json "$spec" \
  >"$out/redocly.json" 2>"$out/redocly.log" || true
node count.mjs "$out/spectral.json" "$out/redocly.json"
