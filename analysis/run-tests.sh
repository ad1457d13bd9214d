#!/usr/bin/env bash
# Create (or reuse) the analysis venv, install the pinned requirements, run the tests.
#   ANALYSIS_VENV            venv path (default: analysis/.venv)
#   SVS_BIN                  stapvoorstap binary for the simulator test (skipped when unset)
#   REQUIRE_SIMULATOR_TESTS  1: fail instead of skipping when SVS_BIN is unset
# Extra arguments go to pytest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${ANALYSIS_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
cd "$here"
exec "$venv/bin/python" -m pytest -q "$@" tests
