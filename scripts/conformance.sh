#!/usr/bin/env bash
# Conformance: graphql-schema-linter's default rules on the committed SDL; no breaking change
# against the released SDL (graphql-inspector); a typed client generated from the SDL with
# the frontends' operations (graphql-codegen's client preset) that type-checks; and
# graphql-http's server audit (every MUST and SHOULD item) against a freshly started server.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

(cd scripts/conformance && npm ci --no-audit --no-fund --loglevel=error)
echo "-- graphql-schema-linter"
(cd scripts/conformance && npx --no-install graphql-schema-linter "$root/schema/schema.graphql")

echo "-- breaking changes against the released SDL (graphql-inspector)"
(cd scripts/conformance && npx --no-install graphql-inspector diff "$root/schema/released.graphql" "$root/schema/schema.graphql")

echo "-- a typed client from the SDL (graphql-codegen, tsc)"
(cd scripts/conformance && rm -rf client/gql && npx --no-install graphql-codegen --config codegen.ts --silent \
  && npx --no-install tsc -p client)

echo "-- graphql-http server audit"
cargo build -p baton-server --locked --quiet
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$work" && BATON_LOG=warn exec "$root/target/debug/baton" serve --listen "127.0.0.1:$port") &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
(cd scripts/conformance && node audit.mjs "http://127.0.0.1:$port/graphql")
