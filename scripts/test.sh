#!/usr/bin/env bash
# Run the test suite on SQLite and, when it is reachable, PostgreSQL.
# Creates .venv and installs the package with its dev extras on first use.
# Extra arguments go to pytest (e.g. scripts/test.sh -k tickets).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
exec .venv/bin/python -m pytest "$@"
