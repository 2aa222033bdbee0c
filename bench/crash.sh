#!/usr/bin/env bash
# Crash durability on SQLite: `civicdesk serve` on a fresh database takes a write load
# (bench/load.py: threads POSTing Open311 requests, each acknowledged id written down only after
# its answer arrived) and is killed with SIGKILL mid-run, ROUNDS times, restarting each time
# while the load goes on. Then every acknowledged case must be stored exactly once with its
# create event, `civicdesk verify-audit` must pass and `PRAGMA integrity_check` must say ok.
# Exits non-zero otherwise.
#
#   bench/crash.sh                          # debug build, 3 kills
#   BIN=target/release/civicdesk ROUNDS=10 THREADS=16 bench/crash.sh
#   PROFILE=release bench/crash.sh          # build and use the release binary
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-8}"
RUN_SECONDS="${RUN_SECONDS:-3}"   # load before each kill (plus up to 1 s at random)
PORT="${PORT:-18190}"
BASE="http://127.0.0.1:$PORT"

if [ -z "${BIN:-}" ]; then
  PROFILE="${PROFILE:-debug}"
  if [ "$PROFILE" = release ]; then cargo build --release -q -p civicdesk; else cargo build -q -p civicdesk; fi
  BIN="$CARGO_TARGET_DIR/$PROFILE/civicdesk"
fi
DATA="$(mktemp -d /tmp/civicdesk-crash.XXXXXX)"
SERVER=""
LOAD=""
cleanup() {
  [ -n "$SERVER" ] && kill -9 "$SERVER" 2>/dev/null || true
  [ -n "$LOAD" ] && kill "$LOAD" 2>/dev/null || true
  if [ -z "${KEEP:-}" ]; then rm -rf "$DATA"; else echo "kept $DATA"; fi
}
trap cleanup EXIT
DB_ARGS=(--data-dir "$DATA")

"$BIN" migrate "${DB_ARGS[@]}" >/dev/null 2>&1
"$BIN" seed "${DB_ARGS[@]}" >/dev/null 2>&1
KEY="$("$BIN" api-key create --jurisdiction taipei.gov.tw --name crash "${DB_ARGS[@]}" 2>/dev/null)"

start_server() {
  "$BIN" serve --bind "127.0.0.1:$PORT" --default-jurisdiction taipei.gov.tw --filings-per-key 0 --filings-per-address 0 "${DB_ARGS[@]}" \
    >> "$DATA/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 500); do
    curl -sf "$BASE/readyz" >/dev/null && return 0
    sleep 0.02
  done
  echo "the server did not become ready; see $DATA/serve.log" >&2
  exit 1
}

echo "== $BIN, $THREADS writer threads, $ROUNDS kills"
start_server
python3 bench/load.py --base "$BASE" --key "$KEY" --out "$DATA/acked.txt" --threads "$THREADS" \
  --seconds 3600 --stop-file "$DATA/stop" > "$DATA/load.json" &
LOAD=$!
for round in $(seq 1 "$ROUNDS"); do
  sleep "$RUN_SECONDS"
  sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  before=$(wc -l < "$DATA/acked.txt")
  kill -9 "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  echo "   round $round: SIGKILL after $before acknowledged cases"
  start_server
done
sleep "$RUN_SECONDS"
touch "$DATA/stop"
wait "$LOAD"
LOAD=""
echo "== load: $(cat "$DATA/load.json")"

status=0
echo "== every acknowledged case stored exactly once"
python3 bench/check_acked.py "$DATA/acked.txt" --sqlite "$DATA/civicdesk.db" || status=1
echo "== read back through Open311 (a sample of 20)"
missing=0
while read -r id _; do
  curl -sf "$BASE/open311/v2/requests/$id.json" >/dev/null || { echo "   $id: not found" >&2; missing=1; }
done < <(shuf -n 20 "$DATA/acked.txt")
[ "$missing" = 0 ] && echo "   all 20 found" || status=1
kill "$SERVER"
wait "$SERVER" 2>/dev/null || true
SERVER=""
echo "== verify-audit"
"$BIN" verify-audit "${DB_ARGS[@]}" 2>/dev/null | grep taipei || status=1
"$BIN" verify-audit "${DB_ARGS[@]}" >/dev/null 2>&1 || { echo "   verify-audit FAILED" >&2; status=1; }
echo "== integrity_check"
python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchall(); print("  ", r[0][0] if len(r)==1 else r); sys.exit(r!=[("ok",)])' \
  "$DATA/civicdesk.db" || status=1
if [ "$status" = 0 ]; then echo "== PASS"; else echo "== FAIL" >&2; fi
exit "$status"
