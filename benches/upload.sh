#!/usr/bin/env bash
# Upload benchmark (issue 18): 20 residents upload photos and PDFs at once, directly and with
# tus in 1 MiB pieces, against the release server on SQLite and the folder store; throughput
# and the server's peak RSS, each against a baseline of the same run. Usage:
#   benches/upload.sh [CLIENTS] [ROUNDS]      (defaults 20 and 2)
# Environment: BENCH_OUT (default /tmp/svs-bench-upload), CARGO_TARGET_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="${BENCH_OUT:-/tmp/svs-bench-upload}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --release -q --bin stapvoorstap --example bench_upload
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
"$TARGET/release/examples/bench_upload" "$TARGET/release/stapvoorstap" "$OUT" "${1:-20}" "${2:-2}" | tee "$OUT.txt"
