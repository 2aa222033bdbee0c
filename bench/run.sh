#!/usr/bin/env bash
# civicdesk benchmark harness. Builds release, loads data, starts `civicdesk serve` with the
# benchmark ceiling, and measures each route at 1, 16 and 64 connections with wrk, beside the
# ceiling (the same response bytes from memory, through the same middleware). Writes JSON and
# a Markdown table to bench/results/.
#
#   bench/run.sh                         # SQLite, demo data (or the Taipei import if present)
#   DATABASE_URL=postgres://… bench/run.sh
#   DURATION=10 CONNECTIONS="1 16 64" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
DURATION="${DURATION:-5}"
CONNECTIONS="${CONNECTIONS:-1 16 64}"
PORT="${PORT:-18090}"
BASE="http://127.0.0.1:$PORT"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

cargo build --release -q -p civicdesk
BIN="$CARGO_TARGET_DIR/release/civicdesk"
DATA="$(mktemp -d /tmp/civicdesk-bench.XXXXXX)"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$DATA"' EXIT
if [ -n "${DATABASE_URL:-}" ]; then
  DB_ARGS=(--database-url "$DATABASE_URL" --data-dir "$DATA")
  BACKEND=postgresql
else
  DB_ARGS=(--data-dir "$DATA")
  BACKEND=sqlite
fi

"$BIN" migrate "${DB_ARGS[@]}" >/dev/null
"$BIN" seed "${DB_ARGS[@]}" >/dev/null
IMPORT_FILE="${IMPORT_FILE:-../shared/data/taipei1999/open1999_dispatch.csv.gz}"
if "$BIN" import --help >/dev/null 2>&1 && [ -f "$IMPORT_FILE" ] && [ -z "${SKIP_IMPORT:-}" ]; then
  echo "== importing $IMPORT_FILE"
  /usr/bin/time -f "import: %e s, peak RSS %M KB" "$BIN" import taipei1999 "$IMPORT_FILE" "${DB_ARGS[@]}" 2>&1 | tail -3
fi
KEY="$("$BIN" api-key create --jurisdiction taipei.gov.tw --name bench "${DB_ARGS[@]}" 2>/dev/null)"

start=$(date +%s.%N)
"$BIN" serve --bench-ceiling --bind "127.0.0.1:$PORT" --default-jurisdiction taipei.gov.tw "${DB_ARGS[@]}" \
  > "$DATA/serve.log" 2>&1 &
SERVER=$!
until curl -sf "$BASE/readyz" >/dev/null; do sleep 0.01; done
READY=$(echo "$(date +%s.%N) - $start" | bc)
echo "== ready in ${READY}s ($BACKEND)"

# A case to read back, and the last 90 days (Open311's widest date window).
FROM=$(date -u -d '89 days ago' +%Y-%m-%dT00:00:00Z)
TO=$(date -u -d 'tomorrow' +%Y-%m-%dT00:00:00Z)
NUMBER=$(curl -sf -d "api_key=$KEY&service_code=1999-L01&lat=25.0377&long=121.5436&attribute%5Blamps_out%5D=2" \
  "$BASE/open311/v2/requests.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["service_request_id"])')
ROUTES=(
  "services|/open311/v2/services.json"
  "requests newest 100|/open311/v2/requests.json?page_size=100"
  "requests by code and dates|/open311/v2/requests.json?service_code=1999-L01&start_date=$FROM&end_date=$TO&page_size=100"
  "request by id|/open311/v2/requests/$NUMBER.json"
  "updates feed|/open311/v2/servicerequestupdates.json"
)
OUT="$DATA/results.tsv"
: > "$OUT"
measure() { # name url conns kind
  local line
  local threads=$(( $3 < 2 ? 1 : 2 ))
  line=$(wrk -t"$threads" -c"$3" -d"${DURATION}s" --latency "$2" 2>&1 | python3 bench/parse_wrk.py)
  printf '%s\t%s\t%s\t%s\n' "$1" "$3" "$4" "$line" >> "$OUT"
}
for entry in "${ROUTES[@]}"; do
  name="${entry%%|*}"; path="${entry#*|}"
  curl -sf "$BASE/bench/ceiling$path" >/dev/null
  for c in $CONNECTIONS; do
    measure "$name" "$BASE$path" "$c" route
    measure "$name" "$BASE/bench/ceiling$path" "$c" ceiling
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
python3 bench/report.py "$OUT" "$BACKEND" "$READY" "$RSS" "$DURATION"
