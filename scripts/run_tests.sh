#!/usr/bin/env bash
# The whole suite: every test on SQLite, then every test that touches the database again on PostgreSQL.
#   scripts/run_tests.sh [sqlite|postgres|all] [pytest args...]
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}; shift || true
BIN=.venv/bin
export COMMONWEAL_DATA_DIR=${COMMONWEAL_DATA_DIR:-$(mktemp -d)}
status=0

if [ "$which" = sqlite ] || [ "$which" = all ]; then
  echo "=== Test suite on SQLite ==="
  env -u COMMONWEAL_DATABASE_URL $BIN/pytest "$@" || status=$?
fi

if [ "$which" = postgres ] || [ "$which" = all ]; then
  echo "=== Test suite on PostgreSQL ==="
  pgdir=$(mktemp -d /tmp/commonweal-pg.XXXXXX)
  trap 'bash scripts/pg.sh stop "$pgdir"' EXIT
  url=$(bash scripts/pg.sh start "$pgdir") || exit 1
  # The engine's tests do not touch the database: they ran once above.
  COMMONWEAL_DATABASE_URL=$url $BIN/pytest --ignore=tests/analysis "$@" || status=$?
fi
exit $status
