#!/usr/bin/env bash
# The counter module's benchmarks (crates/cli/examples/counter_bench/), in process with the
# real router on a loopback port: signed code verifications from 64 Smart Desk kiosks at once
# (right codes opening doors, wrong codes counted), 1,000 citizens booking one slot of
# capacity 10 at once, and the clerk's queue with 100,000 applications on file. SQLite, then
# PostgreSQL when it answers at $PG_ADMIN (a fresh database is made through it and dropped
# afterwards). Prints numbers; the latest run is kept in bench/results/counter-<date>.txt.
# Sizes (see the example's documentation): CITIZENS, GRANTS, WRONG, REAL, DEVICES,
# VERIFY_SECONDS, FEW_DEVICES, FEW_GRANTS, RATE, PACED_SECONDS, APPLICATIONS, QUEUE_READS;
# PHASES=bookings,verify,queue picks parts. About 3.5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
# 1,000 bookings at once are 2,000 sockets in one process.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release --example counter_bench -p civicdesk >&2
BIN=${CARGO_TARGET_DIR:-target}/release/examples/counter_bench
out=bench/results/counter-$(date -u +%F).txt
{
  echo "# bench/counter.sh, $(date -u +%FT%TZ), $(git rev-parse --short HEAD)"
  "$BIN"
  if command -v psql >/dev/null && psql "$PG_ADMIN" -Atc 'select 1' >/dev/null 2>&1; then
    "$BIN" "$PG_ADMIN"
    psql "$PG_ADMIN" -Atc "select datname from pg_database where datname like 'cd_bench_counter_%'" |
      while read -r d; do psql "$PG_ADMIN" -qc "drop database \"$d\""; done
  else
    echo "PostgreSQL does not answer at $PG_ADMIN: skipped"
  fi
} | tee "$out"
