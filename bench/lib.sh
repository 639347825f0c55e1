# Shared by the benchmark scripts in this directory; source it, do not run it.
#
# It turns on strict mode, finds the repository from its own location, builds (or finds) the
# release binary of baton, makes sure wrk is installed, and cleans up on exit: every process a
# script started is stopped and every database it created is dropped; nothing else is touched.
#
# Knobs (environment):
#   BENCH_PG_HOST, BENCH_PG_PORT, BENCH_PG_USER   the PostgreSQL (default 127.0.0.1, 5432, postgres; trust auth)
#   BENCH_DURATION, BENCH_CONNECTIONS, BENCH_RUNS  wrk run length (8s), connections (16), runs per figure (3)
#   BENCH_TIMEOUT                                   wrk's per-request timeout (10s; a timeout counts as a failure)
#   BATON_BIN                                       a baton binary to use instead of `cargo build --release`
#   BENCH_PG_LOG                                    the PostgreSQL server log (bench/statements finds it otherwise)
#   BENCH_KEEP=1                                    keep the work folder (logs, scripts) for a look afterwards

# shellcheck disable=SC2034 # the variables set here are read by the scripts that source it
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"

PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
PG_BASE="postgres://$PG_USER@$PG_HOST:$PG_PORT"
DURATION="${BENCH_DURATION:-8s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
RUNS="${BENCH_RUNS:-3}"
TIMEOUT="${BENCH_TIMEOUT:-10s}"
# Only for the servers a benchmark starts on its own databases.
export BATON_JWT_SECRET="bench-only-jwt-secret-not-for-any-real-deployment"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/baton-bench.XXXXXX")"
_PIDS=()
_DBS=()

log() { echo "bench: $*" >&2; }
die() {
  log "$*"
  exit 1
}

psql_admin() { psql "$PG_BASE/postgres" -X -q -v ON_ERROR_STOP=1 "$@"; }
# psql_db DB ARGS...: one value per line, no headers.
psql_db() {
  local db="$1"
  shift
  psql "$PG_BASE/$db" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

_cleanup() {
  local rc=$?
  trap - EXIT
  local pid db
  for pid in "${_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for db in "${_DBS[@]}"; do
    psql_admin -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || log "could not drop $db"
  done
  if [ -n "${BENCH_KEEP:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Remembers a process to stop at exit.
track_pid() { _PIDS+=("$1"); }

# Stops one process this script started (and forgets it).
stop_pid() {
  local keep=() p
  for p in "${_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  _PIDS=("${keep[@]}")
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  log "installing wrk"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >&2
}

ensure_hey() {
  command -v hey >/dev/null 2>&1 && return 0
  log "installing hey"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hey >&2 ||
    { $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hey >&2; }
}

ensure_tools() {
  local t
  for t in psql curl jq; do command -v "$t" >/dev/null 2>&1 || die "$t is required"; done
  pg_isready -h "$PG_HOST" -p "$PG_PORT" -q 2>/dev/null || die "no PostgreSQL on $PG_HOST:$PG_PORT"
  ensure_wrk
}

# Sets BATON to a release build of baton.
ensure_baton() {
  if [ -n "${BATON_BIN:-}" ]; then
    BATON="$BATON_BIN"
  else
    log "building baton (release)"
    (cd "$REPO_ROOT" && cargo build --release -p baton-server >&2)
    local target="${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
    case "$target" in /*) ;; *) target="$REPO_ROOT/$target" ;; esac
    BATON="$target/release/baton"
  fi
  [ -x "$BATON" ] || die "no baton binary at $BATON"
}

# new_pg_db TAG: creates a fresh database (dropped at exit); sets DB_NAME and DB_URL. Baton
# talks to it over loopback without TLS, as PostGraphile (node-postgres) does by default; the
# server's own default (`sslmode=prefer`) would encrypt every packet to 127.0.0.1.
new_pg_db() {
  DB_NAME="baton_bench_${1}_$$_${RANDOM}"
  psql_admin -c "CREATE DATABASE \"$DB_NAME\""
  _DBS+=("$DB_NAME")
  DB_URL="$PG_BASE/$DB_NAME?sslmode=disable"
}

# new_sqlite_db TAG: a fresh SQLite file in the work folder; sets DB_URL.
new_sqlite_db() {
  DB_NAME="$1"
  DB_URL="sqlite://$WORK/$1.db?mode=rwc"
}

# seed URL N: migrates, creates the demo organization and N leads of scale data.
seed() {
  local url="$1" n="$2" out
  log "seeding $n leads into $(redact "$url")"
  out="$WORK/seed-$RANDOM.log"
  if ! "$BATON" --log warn --database-url "$url" seed --demo --scale "$n" 2>"$out"; then
    cat "$out" >&2
    die "seeding failed"
  fi
  grep "scale data:" "$out" | sed 's/^/bench:   /' >&2
}

redact() { echo "${1%%\?*}" | sed "s#$WORK#<work>#"; }

# A TCP port nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
}

# start_baton URL: serves URL on a free port; sets PORT and PID (the server's).
start_baton() {
  local url="$1"
  PORT="$(free_port)"
  local logf="$WORK/baton-$PORT.log"
  DATABASE_URL="$url" BATON_LISTEN="127.0.0.1:$PORT" BATON_LOG="${BENCH_BATON_LOG:-warn}" \
    "$BATON" serve >"$logf" 2>&1 &
  PID=$!
  track_pid "$PID"
  local i
  for i in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$logf" >&2
  die "baton did not become ready on port $PORT"
}

# start_postgraphile DB: PostGraphile 4.14.1 (from npm, into the work folder) reflecting the
# tables of DB; sets PORT and PID.
start_postgraphile() {
  local db="$1"
  npm_install postgraphile@4.14.1
  PORT="$(free_port)"
  local logf="$WORK/postgraphile-$PORT.log"
  (cd "$WORK/node" && exec node node_modules/postgraphile/cli.js -c "$PG_BASE/$db" -s public \
    --host 127.0.0.1 --port "$PORT" --disable-query-log --disable-graphiql) >"$logf" 2>&1 &
  PID=$!
  track_pid "$PID"
  local i
  for i in $(seq 1 120); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
      -d '{"query":"{ __typename }"}' "http://127.0.0.1:$PORT/graphql")" = 200 ]; then return 0; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$logf" >&2
  die "PostGraphile did not start on port $PORT"
}

# npm_install PACKAGE...: into the work folder's node/ (once per script).
npm_install() {
  command -v npm >/dev/null 2>&1 || die "Node.js and npm are required"
  mkdir -p "$WORK/node"
  local pkg missing=()
  for pkg in "$@"; do
    [ -d "$WORK/node/node_modules/${pkg%@*}" ] || missing+=("$pkg")
  done
  [ "${#missing[@]}" = 0 ] && return 0
  log "installing ${missing[*]} from npm"
  (cd "$WORK/node" && { [ -f package.json ] || echo '{"private":true}' >package.json; } &&
    npm install --no-audit --no-fund --loglevel=error "${missing[@]}" >&2)
}

# token URL EMAIL: a JWT for a demo user, signed with the benchmark secret.
token() { "$BATON" --log warn --database-url "$1" token --email "$2"; }

# body QUERY [VARIABLES_JSON]: a GraphQL request body.
body() { jq -cn --arg q "$1" --argjson v "${2:-{\}}" '{query: $q, variables: $v}'; }

# gql PORT TOKEN QUERY [VARIABLES_JSON]: posts one request and prints the response; fails on errors.
gql() {
  local out
  out="$(curl -sS -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} \
    -d "$(body "$3" "${4:-{\}}")" "http://127.0.0.1:$1/graphql")"
  if [ "$(jq 'has("errors")' <<<"$out")" != false ]; then
    log "request failed: $3"
    log "$out"
    return 1
  fi
  echo "$out"
}

# Peak resident memory of a process (VmHWM), in MB.
peak_rss_mb() { awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# The wrk script: POSTs BENCH_BODY (a file) with BENCH_TOKEN, or, when BENCH_TEMPLATE is set,
# a body per request from that template ({{N}} becomes a unique number, {{ID}} the next line of
# BENCH_IDS). Counts answers that are not HTTP 200 or that carry "errors".
_write_wrk_lua() {
  cat >"$WORK/bench.lua" <<'LUA'
local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local template = os.getenv("BENCH_TEMPLATE")
local ids = {}
if template then
  template = slurp(template)
  local list = os.getenv("BENCH_IDS")
  if list then for line in io.lines(list) do if line ~= "" then ids[#ids + 1] = line end end end
else
  wrk.body = slurp(os.getenv("BENCH_BODY"))
end

local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

errors, non200, counter = 0, 0, 0
if template then
  function request()
    counter = counter + 1
    local n = tostring(tid) .. "-" .. tostring(counter) .. "-" .. tostring(os.time())
    local b = string.gsub(template, "{{N}}", n)
    if #ids > 0 then b = string.gsub(b, "{{ID}}", ids[(counter % #ids) + 1]) end
    return wrk.format(nil, nil, nil, b)
  end
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  if string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end

function done(summary, latency, requests)
  local e, n = 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("errors")
    n = n + t:get("non200")
  end
  local s = summary.errors
  io.write(string.format("BENCH requests=%d rps=%.1f errors=%d non200=%d socket=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.requests / (summary.duration / 1e6), e, n,
    s.connect + s.read + s.write + s.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
}

# wrk_post PORT TOKEN BODY_FILE [CONNECTIONS]: one wrk run; sets RPS, P50, P99 and fails when
# any answer was not a clean 200.
wrk_post() {
  [ -f "$WORK/bench.lua" ] || _write_wrk_lua
  local out
  out="$(BENCH_TOKEN="$2" BENCH_BODY="$3" wrk -t1 -c"${4:-$CONNECTIONS}" -d"$DURATION" --timeout "$TIMEOUT" --latency \
    -s "$WORK/bench.lua" "http://127.0.0.1:$1/graphql")"
  _wrk_result "$out"
}

# wrk_template PORT TOKEN TEMPLATE_FILE IDS_FILE: like wrk_post with a body per request.
wrk_template() {
  [ -f "$WORK/bench.lua" ] || _write_wrk_lua
  local out
  out="$(BENCH_TOKEN="$2" BENCH_TEMPLATE="$3" BENCH_IDS="$4" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --timeout "$TIMEOUT" --latency \
    -s "$WORK/bench.lua" "http://127.0.0.1:$1/graphql")"
  _wrk_result "$out"
}

# fixed_rate PORT TOKEN BODY_FILE RATE: RATE req/s for DURATION from 10 paced workers (hey -q is
# per worker), so the latency is measured at a load the server keeps up with rather than at
# saturation; sets P99 (ms) and fails unless every answer was a 200.
fixed_rate() {
  local out workers=10 auth=()
  [ -n "$2" ] && auth=(-H "Authorization: Bearer $2")
  out="$(hey -z "$DURATION" -c "$workers" -q "$(($4 / workers))" -m POST -T application/json \
    -A application/json "${auth[@]}" -D "$3" "http://127.0.0.1:$1/graphql")"
  local codes
  codes="$(grep -Eo '^\s+\[[0-9]{3}\]' <<<"$out" | grep -Eo '[0-9]{3}' | sort -u | tr '\n' ' ')"
  [ "$codes" = "200 " ] || {
    echo "$out" >&2
    die "a fixed-rate run had answers other than 200"
  }
  P99="$(awk '/ 99% in / { printf "%.2f", $3 * 1000 }' <<<"$out")"
  [ -n "$P99" ] || die "hey printed no p99"
}

_wrk_result() {
  local line
  line="$(grep '^BENCH ' <<<"$1")" || {
    echo "$1" >&2
    die "wrk printed no result"
  }
  RPS="$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")"
  P50="$(sed -E 's/.* p50_ms=([0-9.]+).*/\1/' <<<"$line")"
  P99="$(sed -E 's/.* p99_ms=([0-9.]+).*/\1/' <<<"$line")"
  local e n s
  e="$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$line")"
  n="$(sed -E 's/.* non200=([0-9]+).*/\1/' <<<"$line")"
  s="$(sed -E 's/.* socket=([0-9]+).*/\1/' <<<"$line")"
  if [ "$e" != 0 ] || [ "$n" != 0 ] || [ "$s" != 0 ]; then
    die "a run had $e answers with errors, $n non-200 answers and $s socket errors ($line)"
  fi
}

# median V...: the median of numbers.
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ratio A B: A / B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# A table: row LABEL VALUES... (the last value is the ratio).
table_header() { printf '\n%-54s' "$1"; shift; printf ' %16s' "$@"; printf '\n'; }
table_row() { printf '%-54s' "$1"; shift; printf ' %16s' "$@"; printf '\n'; }
