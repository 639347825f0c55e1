#!/usr/bin/env bash
# Runs every test: domain tables, schema checks, and the end-to-end suite on SQLite and on
# PostgreSQL (started or installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BATON_TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"
# The GraphiQL test drives the distribution's Chromium, headless.
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing Chromium for the GraphiQL browser test" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2 \
    || { DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2; }
fi
BATON_TEST_CHROMIUM="$(command -v chromium)"
export BATON_TEST_CHROMIUM
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
