#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 for the end-to-end tests, and prints
# the admin URL the tests should use. Uses a running server when there is one; otherwise starts
# an installed cluster; otherwise installs PostgreSQL from the distribution's packages.
set -euo pipefail

url="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
log() { echo "ensure-postgres: $*" >&2; }

ready() { command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; }
can_connect() { command -v psql >/dev/null 2>&1 && psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

start_clusters() {
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for v in /etc/postgresql/*; do
      [ -d "$v/main" ] || continue
      log "starting cluster $(basename "$v")/main"
      pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start >&2 || true
    done
  fi
}

wait_ready() {
  for _ in $(seq 1 30); do ready && return 0; sleep 1; done
  return 1
}

if ! ready; then
  start_clusters
  if ! wait_ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      log "installing PostgreSQL"
      export DEBIAN_FRONTEND=noninteractive
      SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
      $SUDO apt-get update -qq >&2
      $SUDO apt-get install -y -qq postgresql >&2
      start_clusters
    fi
    wait_ready || { log "PostgreSQL did not become ready on 127.0.0.1:5432"; exit 1; }
  fi
fi

if ! can_connect "$url"; then
  # A fresh Debian cluster refuses password-less TCP logins: give postgres a password.
  log "setting a password for the postgres role"
  if [ "$(id -u)" = 0 ]; then
    su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
  else
    sudo -u postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >&2
  fi
  url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  can_connect "$url" || { log "cannot log in to PostgreSQL at 127.0.0.1:5432"; exit 1; }
fi

echo "$url"
