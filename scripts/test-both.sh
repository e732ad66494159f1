#!/usr/bin/env bash
# `make test`'s runner: the whole suite on SQLite (with coverage), and on PostgreSQL when
# FENGQIAO_TEST_DATABASE_URL is set. The two runs share nothing (their own database and
# FENGQIAO_HOME), so they run side by side, one core each; the PostgreSQL run's output goes to
# a log that is printed when the SQLite run ends. TEST_SERIAL=1 runs them one after the other.
# Usage: scripts/test-both.sh PYTHON REPO_DIR [pytest arguments...]
set -uo pipefail
python="$1"
repo="$2"
shift 2

pg_url="${FENGQIAO_TEST_DATABASE_URL:-}"
pg_log="$repo/var/test-postgresql.log"
pg_pid=""

run_sqlite() {
  FENGQIAO_HOME="$repo/var/test" DATABASE_URL= "$python" -m pytest \
    --cov --cov-report=term:skip-covered --cov-fail-under=85 "$@"
}

run_postgresql() {
  FENGQIAO_HOME="$repo/var/test-postgresql" DATABASE_URL="$pg_url" "$python" -m pytest "$@"
}

if [ -n "$pg_url" ] && [ -z "${TEST_SERIAL:-}" ]; then
  mkdir -p "$repo/var"
  echo "== PostgreSQL run started beside the SQLite run (log: var/test-postgresql.log) =="
  run_postgresql "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
  trap '[ -n "$pg_pid" ] && kill "$pg_pid" 2>/dev/null' INT TERM
fi

echo "== SQLite =="
run_sqlite "$@"
sqlite_rc=$?

pg_rc=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg_rc=$?
  pg_pid=""
  echo "== PostgreSQL (ran beside the SQLite run) =="
  cat "$pg_log"
elif [ -n "$pg_url" ]; then
  echo "== again on PostgreSQL =="
  run_postgresql "$@"
  pg_rc=$?
fi

if [ -n "$pg_url" ]; then
  echo "== SQLite exit $sqlite_rc, PostgreSQL exit $pg_rc =="
else
  echo "== SQLite exit $sqlite_rc (PostgreSQL not run: FENGQIAO_TEST_DATABASE_URL is unset) =="
fi
[ "$sqlite_rc" -eq 0 ] && [ "$pg_rc" -eq 0 ]
