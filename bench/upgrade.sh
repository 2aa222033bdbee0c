#!/usr/bin/env bash
# The upgrade check on real volume: a SQLite database built by an OLD release from the 1.6 M-row
# Taipei 1999 import (and the street-light repairs) is migrated by the NEW build; every table's
# row count, a checksum of the cases' columns and the hash chains must come through unchanged.
#
#   OLD=path/to/old/civicdesk NEW=target/release/civicdesk bench/upgrade.sh [work-dir]
#
# Build OLD from the release before the change (e.g. `git worktree add ../old <rev>` and
# `cargo build --release -p civicdesk` there). Needs sqlite3 and ../shared/data/taipei1999/.
set -euo pipefail
: "${OLD:?the old release's civicdesk binary}"
: "${NEW:?the new build's civicdesk binary}"
DATA="$(cd "$(dirname "$0")/../.." && pwd)/shared/data/taipei1999"
W="${1:-$(mktemp -d)}"
rm -rf "$W/data"; mkdir -p "$W/data"
DB="$W/data/civicdesk.db"
export CIVICDESK_DATABASE_URL="sqlite://$DB"
/usr/bin/time -f "old: import taipei1999 %e s" "$OLD" import taipei1999 "$DATA/open1999_dispatch.csv.gz" 2>&1 | tail -12
/usr/bin/time -f "old: import streetlights %e s" "$OLD" import streetlights "$DATA/streetlight_repairs_2024.csv.gz" 2>&1 | tail -3
counts() {
  for t in $(sqlite3 "$DB" "select name from sqlite_master where type='table' and name not like 'sqlite_%' order by name"); do
    echo "$t $(sqlite3 "$DB" "select count(*) from \"$t\"")"
  done
}
checksum() {
  sqlite3 "$DB" "select count(*), sum(length(id)), sum(length(case_number)), sum(length(description)), sum(requested_at), sum(updated_at), sum(length(status)), sum(length(coalesce(address,''))) from cases"
}
counts > "$W/before.txt"
checksum > "$W/cases-before.txt"
/usr/bin/time -f "new: migrate %e s" "$NEW" migrate 2>&1 | tail -6
counts > "$W/after.txt"
checksum > "$W/cases-after.txt"
echo "tables whose row count changed (before, after):"
join -a1 -a2 -e none -o 0,1.2,2.2 "$W/before.txt" "$W/after.txt" | awk '$2!=$3'
echo "cases checksum before: $(cat "$W/cases-before.txt")"
echo "cases checksum after:  $(cat "$W/cases-after.txt")"
cmp -s "$W/cases-before.txt" "$W/cases-after.txt" || { echo "the cases changed" >&2; exit 1; }
"$NEW" verify-audit
