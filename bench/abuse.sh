#!/usr/bin/env bash
# Replays the unauthenticated resource-exhaustion attacks of the 2026-12 security test (F7
# quadratic parameters, F8 50 MB multipart bodies without and with a key, F9 micro-cache
# enumeration, F13 huge pages, F21 slowloris, F23 filing flood with one key) against a release
# build of `civicdesk demo` on a scratch data directory, and prints per attack the answers, the
# server's peak RSS (/proc/<pid>/status) and the /healthz latency (p50/p99) probed while it ran.
# Targets: RSS under 300 MB, /healthz p99 under 100 ms. Exits non-zero when one is missed.
#
#   bench/abuse.sh                          # builds the release binary
#   BIN=/path/to/civicdesk bench/abuse.sh   # a binary already built
#   PORT=18095 JSON=/tmp/abuse.json bench/abuse.sh
#
# Needs bash, curl and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
PORT="${PORT:-18095}"
BASE="http://127.0.0.1:$PORT"
if [ -z "${BIN:-}" ]; then
  echo "== building (release)"
  cargo build --release -q -p civicdesk
  BIN="$CARGO_TARGET_DIR/release/civicdesk"
fi
DATA="$(mktemp -d /tmp/civicdesk-abuse.XXXXXX)"
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$DATA"' EXIT
# The default limits and settings of a real deployment: nothing is loosened for the attack.
"$BIN" demo --bind "127.0.0.1:$PORT" --data-dir "$DATA" > "$DATA/demo.log" 2>&1 &
SERVER=$!
for _ in $(seq 600); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "$BASE/readyz" >/dev/null || { echo "the demo did not start:" >&2; cat "$DATA/demo.log" >&2; exit 1; }
KEY="$(grep -o 'cdk_[0-9a-f]*' "$DATA/demo.log" | tail -1)"
echo "== civicdesk demo on $BASE (pid $SERVER), $(nproc) cores; binary $BIN"
status=0
python3 bench/abuse.py --base "$BASE" --pid "$SERVER" --key "$KEY" ${JSON:+--json "$JSON"} || status=$?
echo "== server log: $(grep -c 'panicked at' "$DATA/demo.log" || true) panics"
exit $status
