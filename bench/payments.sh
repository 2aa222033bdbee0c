#!/usr/bin/env bash
# The payments module's benchmarks (crates/cli/examples/payments_bench.rs): signed ECPay notices
# taken per second, and a reconciliation pass over 100,000 unsettled payments through the ECPay
# simulator. SQLite, then PostgreSQL when it answers at $PG_ADMIN (a fresh database is made
# through it and dropped afterwards). Prints numbers; the latest run is kept in
# bench/results/payments-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_ADMIN=${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build --release --example payments_bench -p civicdesk >&2
BIN=${CARGO_TARGET_DIR:-target}/release/examples/payments_bench
out=bench/results/payments-$(date -u +%F).txt
{
  echo "# bench/payments.sh, $(date -u +%FT%TZ), $(git rev-parse --short HEAD)"
  "$BIN"
  if command -v psql >/dev/null && psql "$PG_ADMIN" -Atc 'select 1' >/dev/null 2>&1; then
    "$BIN" "$PG_ADMIN"
    psql "$PG_ADMIN" -Atc "select datname from pg_database where datname like 'cd_bench_payments_%'" |
      while read -r d; do psql "$PG_ADMIN" -qc "drop database \"$d\""; done
  else
    echo "PostgreSQL does not answer at $PG_ADMIN: skipped"
  fi
} | tee "$out"
