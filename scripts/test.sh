#!/usr/bin/env bash
# Runs every test: domain tables, schema checks, and the end-to-end suite on SQLite and on
# PostgreSQL (started or installed when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
BATON_TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"
export BATON_TEST_POSTGRES_URL
cargo test --workspace --locked "$@"
