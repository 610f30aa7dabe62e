#!/usr/bin/env bash
# The whole suite: every test on SQLite, then every test that touches the database again on PostgreSQL
# (a throw-away server on loopback, started here and stopped at the end).
#   scripts/run_tests.sh [sqlite|postgres|all] [pytest args...]
# COMMONWEAL_TEST_WORKERS: pytest-xdist processes per run (default: 2 on a machine with 2 cores or more;
# 0 runs in one process). COMMONWEAL_PG_PORT: the PostgreSQL port (default: the first free one from 54329).
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
case "$which" in
  sqlite | postgres | all) shift || true ;;
  -*) which=all ;;  # only pytest arguments were given
  *) echo "usage: $0 [sqlite|postgres|all] [pytest args...]" >&2; exit 2 ;;
esac
BIN=.venv/bin
# Python keeps compiled modules (and pytest its rewritten test modules) in __pycache__, so the second run and
# each xdist worker start from them: collection takes about 4 s instead of 8 s. Some machines turn that off.
unset PYTHONDONTWRITEBYTECODE
[ -x "$BIN/pytest" ] || { echo "pytest is not installed in .venv: run 'make install-dev' (or 'make test')." >&2; exit 1; }

# A data folder of its own, so a developer's ./data (and its demo) is never touched by the tests.
own_data_dir=
if [ -z "${COMMONWEAL_DATA_DIR:-}" ] || [ "${COMMONWEAL_DATA_DIR}" = "$PWD/data" ]; then
  COMMONWEAL_DATA_DIR=$(mktemp -d /tmp/commonweal-test-data.XXXXXX)
  own_data_dir=$COMMONWEAL_DATA_DIR
fi
export COMMONWEAL_DATA_DIR

workers=${COMMONWEAL_TEST_WORKERS:-}
if [ -z "$workers" ]; then
  if [ "$(nproc 2>/dev/null || echo 1)" -ge 2 ]; then workers=2; else workers=0; fi
fi
xdist=()
[ "$workers" != 0 ] && xdist=(-n "$workers")

pgdir=
cleanup() {
  [ -n "$pgdir" ] && bash scripts/pg.sh stop "$pgdir"
  [ -n "$own_data_dir" ] && rm -rf "$own_data_dir"
}
trap cleanup EXIT

# pytest's exit codes: 0 all passed, 1 some failed, 5 no test ran (which must fail the run, not pass it).
run_pytest() {
  local label=$1; shift
  "$BIN/pytest" "${xdist[@]}" "$@"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "!!! $label: pytest collected no test: that is a failure, not a pass." >&2
  elif [ "$rc" -ne 0 ]; then
    echo "!!! $label: pytest exited with $rc." >&2
  fi
  return "$rc"
}

status=0
if [ "$which" = sqlite ] || [ "$which" = all ]; then
  echo "=== Test suite on SQLite ==="
  (unset COMMONWEAL_DATABASE_URL; run_pytest SQLite "$@") || status=1
fi

if [ "$which" = postgres ] || [ "$which" = all ]; then
  echo "=== Test suite on PostgreSQL ==="
  pgdir=$(mktemp -d /tmp/commonweal-pg.XXXXXX)
  if url=$(bash scripts/pg.sh start "$pgdir"); then
    echo "(PostgreSQL at $url)"
    # The engine's tests (tests/analysis) never touch the database: they ran once, above.
    COMMONWEAL_DATABASE_URL=$url run_pytest PostgreSQL --ignore=tests/analysis "$@" || status=1
  else
    echo "!!! Could not start PostgreSQL for the second run." >&2
    status=1
  fi
fi

if [ "$status" -eq 0 ]; then echo "=== All test runs passed ==="; else echo "=== Some test runs FAILED ===" >&2; fi
exit "$status"
