#!/usr/bin/env bash
# Install Milepost into .venv, create milepost.db with demo data, print an admin API key
# and a curl call, then serve on http://127.0.0.1:8080 (Ctrl-C stops it).
# Safe to run again: the database is migrated, not recreated, and a new key is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
.venv/bin/milepost init --demo
key=$(.venv/bin/milepost keys create --name "admin-$(date +%Y%m%d-%H%M%S)" --role admin --all-projects)
port="${MILEPOST_PORT:-8080}"
cat <<MSG

Your admin API key (shown once): $key

Try it:
  curl -s http://127.0.0.1:$port/api/jsonrpc -H 'x-api-key: $key' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"leantime.rpc.Tickets.getTicket","params":{"id":1}}'

MSG
exec .venv/bin/milepost serve --port "$port"
