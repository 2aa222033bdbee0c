#!/usr/bin/env bash
# Times the Taipei 1999 import: builds civicdesk in release mode, imports the real dispatch data
# (1,612,530 rows) into a fresh SQLite database, re-runs it (everything must be skipped), walks
# the event chain, and imports the street-light reports. Prints the numbers.
#
#   bench/import.sh                      # SQLite in a fresh temporary directory
#   DATABASE_URL=postgres://… bench/import.sh   # an empty PostgreSQL database instead
#
# Target: the first import under 60 s on SQLite on the project's 2-core machine.
# 資料來源：臺北市政府資料開放平臺 (Taipei City Government open data)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
DATA="${DATA:-../shared/data/taipei1999}"
DISPATCH="$DATA/open1999_dispatch.csv.gz"
STREETLIGHTS="$DATA/streetlight_repairs_2024.csv.gz"
[ -f "$DISPATCH" ] || { echo "missing $DISPATCH" >&2; exit 1; }

echo "== building (release)"
cargo build --release -p civicdesk --quiet
BIN="$CARGO_TARGET_DIR/release/civicdesk"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
URL="${DATABASE_URL:-sqlite://$WORK/civicdesk.db}"
run() { "$BIN" --database-url "$URL" --data-dir "$WORK" "$@"; }

"$BIN" --database-url "$URL" --data-dir "$WORK" migrate >/dev/null 2>&1

seconds() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", e - s }'; }

echo "== first import ($URL)"
start=$(date +%s.%N)
run import taipei1999 "$DISPATCH" | tee "$WORK/first.txt"
first=$(seconds "$start" "$(date +%s.%N)")

echo "== second import (must skip everything)"
start=$(date +%s.%N)
run import taipei1999 "$DISPATCH" | tee "$WORK/second.txt"
second=$(seconds "$start" "$(date +%s.%N)")
grep -q "imported:  *0$" "$WORK/second.txt" || { echo "the second run imported rows" >&2; exit 1; }

echo "== verify-audit"
start=$(date +%s.%N)
run verify-audit
verify=$(seconds "$start" "$(date +%s.%N)")

echo "== street-light reports"
start=$(date +%s.%N)
run import streetlights "$STREETLIGHTS" | tee "$WORK/streetlights.txt"
lights=$(seconds "$start" "$(date +%s.%N)")

if [[ "$URL" == sqlite://* ]]; then
  size=$(du -h "$WORK/civicdesk.db" | cut -f1)
else
  size="(PostgreSQL)"
fi
echo
echo "== results ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  first import:      %6s s  (%s rows)\n' "$first" "$(awk '/imported:/ {print $2}' "$WORK/first.txt")"
printf '  re-run (skips):    %6s s\n' "$second"
printf '  verify-audit:      %6s s\n' "$verify"
printf '  street lights:     %6s s  (%s rows)\n' "$lights" "$(awk '/imported:/ {print $2}' "$WORK/streetlights.txt")"
printf '  database size:     %6s\n' "$size"
if [[ "$URL" == sqlite://* ]]; then
  awk -v t="$first" 'BEGIN { exit !(t < 60) }' && echo "  target (< 60 s):   met" || echo "  target (< 60 s):   MISSED"
fi
