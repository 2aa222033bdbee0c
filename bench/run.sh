#!/usr/bin/env bash
# civicdesk benchmark harness. Builds release, loads the Taipei 1999 data, starts `civicdesk
# serve` with the benchmark ceiling, and measures each route at 1, 16 and 64 connections with
# wrk, beside the ceiling (the same response bytes from memory, through the same middleware).
# Writes JSON and a Markdown table per backend to bench/results/.
#
#   bench/run.sh                         # SQLite, then PostgreSQL (when it answers)
#   BACKENDS=sqlite bench/run.sh         # one backend
#   PG_URL=postgres://user@host:5432/civicdesk_bench bench/run.sh   # the database is recreated
#   DURATION=10 CONNECTIONS="1 16 64" SKIP_IMPORT=1 bench/run.sh
#   BIN=/path/to/civicdesk bench/run.sh  # measure a binary already built
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-1 16 64}"
PORT="${PORT:-18090}"
BASE="http://127.0.0.1:$PORT"
PG_URL="${PG_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/civicdesk_bench}}"
BACKENDS="${BACKENDS:-sqlite postgresql}"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing wrk (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is needed: apt-get install wrk" >&2; exit 1
  fi
fi
command -v bc >/dev/null || { echo "bc is needed: apt-get install bc" >&2; exit 1; }

if [ -z "${BIN:-}" ]; then
  echo "== building (release)"
  cargo build --release -q -p civicdesk
  BIN="$CARGO_TARGET_DIR/release/civicdesk"
fi
SERVER=""
DATA=""
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi; if [ -n "$DATA" ]; then rm -rf "$DATA"; fi' EXIT

bench_backend() {
BACKEND="$1"
DATA="$(mktemp -d /tmp/civicdesk-bench.XXXXXX)"
if [ "$BACKEND" = postgresql ]; then
  # A fresh database each run: the same starting point as SQLite's new file.
  db="${PG_URL##*/}"; db="${db%%\?*}"
  admin="${PG_URL%/*}/postgres"
  psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" >/dev/null
  DB_ARGS=(--database-url "$PG_URL" --data-dir "$DATA")
else
  DB_ARGS=(--data-dir "$DATA")
fi
echo "== $BACKEND"
"$BIN" migrate "${DB_ARGS[@]}" >/dev/null
"$BIN" seed "${DB_ARGS[@]}" >/dev/null
IMPORT_FILE="${IMPORT_FILE:-../shared/data/taipei1999/open1999_dispatch.csv.gz}"
IMPORTED=""
if [ -f "$IMPORT_FILE" ] && [ -z "${SKIP_IMPORT:-}" ]; then
  IMPORTED=1
  echo "== importing $IMPORT_FILE"
  /usr/bin/time -f "import: %e s, peak RSS %M KB" -o "$DATA/import.time" \
    "$BIN" import taipei1999 "$IMPORT_FILE" "${DB_ARGS[@]}" 2>&1 | tail -2
  cat "$DATA/import.time"
fi
KEY="$("$BIN" api-key create --jurisdiction taipei.gov.tw --name bench "${DB_ARGS[@]}" 2>/dev/null)"

start=$(date +%s.%N)
"$BIN" serve --bench-ceiling --bind "127.0.0.1:$PORT" --default-jurisdiction taipei.gov.tw --filings-per-key 0 --filings-per-address 0 "${DB_ARGS[@]}" \
  > "$DATA/serve.log" 2>&1 &
SERVER=$!
until curl -sf "$BASE/readyz" >/dev/null; do sleep 0.01; done
READY=$(echo "$(date +%s.%N) - $start" | bc)
echo "== ready in ${READY}s ($BACKEND)"

# The date window: the last 90 days of the imported data (Open311's widest window), or of now.
if [ -n "${IMPORTED:-}" ]; then
  FROM="${FROM:-2026-03-02T16:00:00Z}"; TO="${TO:-2026-05-31T16:00:00Z}"
else
  FROM=$(date -u -d '89 days ago' +%Y-%m-%dT00:00:00Z); TO=$(date -u -d 'tomorrow' +%Y-%m-%dT00:00:00Z)
fi
# A case to read back: one filed now through Open311 (so it has an event history).
NUMBER=$(curl -sf -d "api_key=$KEY&service_code=1999-L01&lat=25.0377&long=121.5436&attribute%5Blamps_out%5D=2" \
  "$BASE/open311/v2/requests.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["service_request_id"])')
# A staff member's personal access token for the REST API (a supervisor: the whole city).
printf 'bench-password-%s\n' "$$" | "$BIN" user create --jurisdiction taipei.gov.tw --login bench-supervisor \
  --name "Bench supervisor" --role supervisor --password-stdin "${DB_ARGS[@]}" >/dev/null 2>&1
CSRF=$(curl -sf -c "$DATA/jar" -H 'content-type: application/json' \
  -d "{\"login\":\"bench-supervisor\",\"password\":\"bench-password-$$\"}" "$BASE/api/v1/auth/sign-in" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
TOKEN=$(curl -sf -b "$DATA/jar" -H "x-csrf-token: $CSRF" -H 'content-type: application/json' \
  -d '{"name":"bench"}' "$BASE/api/v1/me/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

# Open cases for the work queue to list (the imported ones are all closed): two seconds of
# filings, a few thousand, as a city has open at any time.
API_KEY="$KEY" wrk -t1 -c8 -d2s -s bench/post.lua "$BASE/open311/v2/requests.json" >/dev/null 2>&1
# name|path|cached: public Open311 lists are microcached (see docs/ARCHITECTURE.md); those are
# measured twice, as served and with `Cache-Control: no-cache`, which skips the cache.
ROUTES=(
  "services|/open311/v2/services.json|cached"
  "requests newest 100|/open311/v2/requests.json?start_date=$FROM&end_date=$TO&page_size=100|cached"
  "requests by code and dates|/open311/v2/requests.json?service_code=1999-L01&start_date=$FROM&end_date=$TO&page_size=100|cached"
  "request by id|/open311/v2/requests/$NUMBER.json|"
  "request by id, 1,000 cases at random|/open311/v2/requests/|ids"
  "updates feed|/open311/v2/servicerequestupdates.json?start_date=$FROM&end_date=$TO|cached"
  "REST case queue, 100|/api/v1/cases?limit=100|bearer"
)
OUT="$DATA/results.tsv"
: > "$OUT"
# 1,000 cases of the window, for the route that reads a different case each time.
curl -sf "$BASE/open311/v2/requests.json?start_date=$FROM&end_date=$TO&page_size=1000" \
  | python3 -c 'import json,sys; print("\n".join(r["service_request_id"] for r in json.load(sys.stdin)))' \
  > "$DATA/ids.txt"
[ -s "$DATA/ids.txt" ] || echo "$NUMBER" > "$DATA/ids.txt"
measure() { # name url conns kind [header]  (a url ending in / reads the cases of ids.txt)
  local line
  local threads=$(( $3 < 2 ? 1 : 2 ))
  local args=()
  [ -n "${5:-}" ] && args=(-H "$5")
  case "$2" in
    */) args+=(-s bench/ids.lua); export IDS_FILE="$DATA/ids.txt" PREFIX="${2#"$BASE"}";;
  esac
  line=$(wrk -t"$threads" -c"$3" -d"${DURATION}s" --latency "${args[@]}" "$2" 2>&1 | python3 bench/parse_wrk.py)
  printf '%s\t%s\t%s\t%s\n' "$1" "$3" "$4" "$line" >> "$OUT"
}
for entry in "${ROUTES[@]}"; do
  IFS='|' read -r name path mode <<< "$entry"
  auth=""
  [ "$mode" = bearer ] && auth="Authorization: Bearer $TOKEN"
  if [ "$mode" = ids ]; then
    # The ceiling learns each case's bytes on its first request: teach it all of them.
    sed "s|^|$BASE/bench/ceiling$path|; s|\$|.json|" "$DATA/ids.txt" \
      | xargs -n 50 curl -sf >/dev/null
  elif [ -n "$auth" ]; then
    curl -sf -H "$auth" "$BASE/bench/ceiling$path" >/dev/null
  else
    curl -sf "$BASE/bench/ceiling$path" >/dev/null
  fi
  for c in $CONNECTIONS; do
    measure "$name" "$BASE$path" "$c" route "$auth"
    measure "$name" "$BASE/bench/ceiling$path" "$c" ceiling "$auth"
    if [ "$mode" = cached ]; then
      measure "$name (uncached)" "$BASE$path" "$c" route "Cache-Control: no-cache"
      measure "$name (uncached)" "$BASE/bench/ceiling$path" "$c" ceiling
    fi
    echo "   $name @ $c"
  done
done
for c in $CONNECTIONS; do
  threads=$(( c < 2 ? 1 : 2 ))
  line=$(API_KEY="$KEY" wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -s bench/post.lua "$BASE/open311/v2/requests.json" 2>&1 | python3 bench/parse_wrk.py)
  printf '%s\t%s\t%s\t%s\n' "durable POST requests" "$c" route "$line" >> "$OUT"
  echo "   POST @ $c"
done
RSS=$(grep VmHWM "/proc/$SERVER/status" | awk '{print $2}')
IMPORT_S=$(sed -n 's/^import: \([0-9.]*\) s.*/\1/p' "$DATA/import.time" 2>/dev/null || true)
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
SERVER=""
python3 bench/report.py "$OUT" "$BACKEND" "$READY" "$RSS" "$DURATION" "${IMPORT_S:-}"
rm -rf "$DATA"; DATA=""
}

for b in $BACKENDS; do
  if [ "$b" = postgresql ] && ! psql -q "${PG_URL%/*}/postgres" -c 'SELECT 1' >/dev/null 2>&1; then
    echo "== postgresql: ${PG_URL%/*} does not answer; skipped" >&2
    continue
  fi
  bench_backend "$b"
done
