#!/usr/bin/env bash
# Property-based tests of the REST API with schemathesis: starts `civicdesk demo` (sample data
# and staff accounts) on a fresh SQLite database, signs in as the Taipei administrator, makes a
# personal access token, and runs schemathesis against /api/v1/openapi.json with the settings
# of .ci/schemathesis.toml (the check: no 5xx). Fails on any server error.
#
#   .ci/schemathesis.sh                       # uses $CARGO_TARGET_DIR/debug/civicdesk
#   BIN=… SCHEMATHESIS=/path/to/schemathesis .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
BIN="${BIN:-$CARGO_TARGET_DIR/debug/civicdesk}"
SCHEMATHESIS="${SCHEMATHESIS:-schemathesis}"
PORT="${PORT:-18095}"
BASE="http://127.0.0.1:$PORT"
MAX_TIME="${MAX_TIME:-150}"

DATA="$(mktemp -d /tmp/civicdesk-schemathesis.XXXXXX)"
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$DATA"; else echo "kept $DATA" >&2; fi
}
trap cleanup EXIT

"$BIN" demo --bind "127.0.0.1:$PORT" --data-dir "$DATA" > "$DATA/demo.out" 2> "$DATA/demo.log" &
SERVER=$!
for _ in $(seq 1 300); do
  curl -sf "$BASE/readyz" >/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$DATA/demo.log" >&2; exit 1; }
  sleep 0.1
done
password=$(awk '$1 == "admin" { print $2 }' "$DATA/demo.out")
csrf=$(curl -sf -c "$DATA/jar" -H 'content-type: application/json' \
  -d "{\"login\":\"admin\",\"password\":\"$password\"}" "$BASE/api/v1/auth/sign-in" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])')
CIVICDESK_API_TOKEN=$(curl -sf -b "$DATA/jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
  -d '{"name":"schemathesis"}' "$BASE/api/v1/me/tokens" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
export CIVICDESK_API_TOKEN

status=0
"$SCHEMATHESIS" --no-color --config-file .ci/schemathesis.toml run "$BASE/api/v1/openapi.json" \
  --max-time "$MAX_TIME" || status=$?
# The token must have lasted the whole run, or most operations were only tested unauthenticated.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $CIVICDESK_API_TOKEN" "$BASE/api/v1/me")
if [ "$code" != 200 ]; then
  echo "the run's access token stopped working (GET /api/v1/me: $code): an operation revoked it" >&2
  status=1
fi
if grep -q "panicked" "$DATA/demo.log"; then
  echo "the server panicked:" >&2
  grep -A3 "panicked" "$DATA/demo.log" >&2
  status=1
fi
exit "$status"
