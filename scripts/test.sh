#!/usr/bin/env bash
# Runs every test: domain tables, schema checks, and the end-to-end suite on SQLite and on
# PostgreSQL (started or installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BATON_TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"
export BATON_TEST_POSTGRES_URL
# Every database this run creates is named baton_t_<run>_…; at the end this run drops its own
# leftovers (a test that panicked before cleaning up) and nobody else's, so two runs on one
# server do not disturb each other.
BATON_TEST_RUN="$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
export BATON_TEST_RUN
drop_own() {
  for db in $(psql "$BATON_TEST_POSTGRES_URL" -Atqc "select datname from pg_database where datname like 'baton_t_${BATON_TEST_RUN}_%'" 2>/dev/null); do
    psql "$BATON_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap drop_own EXIT
cargo test --workspace --locked "$@"
