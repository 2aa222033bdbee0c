#!/usr/bin/env python3
"""Checks that every acknowledged service_request_id of bench/load.py is stored exactly once,
with its events. Python standard library only (SQLite through the sqlite3 module, PostgreSQL
through the psql command).

    check_acked.py acked.txt --sqlite path/to/civicdesk.db
    check_acked.py acked.txt --psql postgres://user@host/db

Prints a JSON summary; exits 1 if an acknowledged case is missing, stored twice, without its
create event, or if one id was acknowledged twice.
"""

import argparse
import collections
import json
import sqlite3
import subprocess
import sys

JURISDICTION = "taipei.gov.tw"

QUERY = f"""
SELECT a.id,
       (SELECT count(*) FROM cases c WHERE c.jurisdiction_id = '{JURISDICTION}' AND c.case_number = a.id),
       (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.jurisdiction_id = '{JURISDICTION}' AND c.case_number = a.id AND e.kind = 'create')
  FROM acked a
"""
TOTAL = f"SELECT count(*) FROM cases WHERE jurisdiction_id = '{JURISDICTION}' AND channel <> 'import'"


def rows_sqlite(path, ids):
    db = sqlite3.connect(path, timeout=30)
    db.execute("CREATE TEMP TABLE acked (id TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO acked VALUES (?)", [(i,) for i in ids])
    rows = db.execute(QUERY).fetchall()
    total = db.execute(TOTAL).fetchone()[0]
    db.close()
    return rows, total


def rows_psql(url, ids):
    values = ",".join(f"('{i}')" for i in ids if i.isalnum()) or "('')"
    script = f"CREATE TEMP TABLE acked (id TEXT PRIMARY KEY);\nINSERT INTO acked VALUES {values};\n{QUERY};\n{TOTAL};\n"
    out = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", "-F", "\t"],
        input=script, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()
    total = int(out[-1])
    rows = [(a, int(b), int(c)) for a, b, c in (line.split("\t") for line in out[:-1])]
    return rows, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("acked")
    ap.add_argument("--sqlite")
    ap.add_argument("--psql")
    args = ap.parse_args()
    with open(args.acked, encoding="utf-8") as f:
        ids = [line.split("\t")[0].strip() for line in f if line.strip()]
    twice = [i for i, n in collections.Counter(ids).items() if n > 1]
    unique = sorted(set(ids))
    if args.sqlite:
        rows, total = rows_sqlite(args.sqlite, unique)
    else:
        rows, total = rows_psql(args.psql, unique)
    missing = [a for a, n, _ in rows if n == 0]
    duplicated = [a for a, n, _ in rows if n > 1]
    no_event = [a for a, n, e in rows if n == 1 and e != 1]
    summary = {
        "acknowledged": len(ids),
        "acknowledged_twice": len(twice),
        "found": sum(1 for _, n, _ in rows if n == 1),
        "lost": len(missing),
        "stored_more_than_once": len(duplicated),
        "without_create_event": len(no_event),
        "cases_in_database": total,
        "committed_but_unacknowledged": total - len(unique),
        "examples": (twice + missing + duplicated + no_event)[:10],
    }
    print(json.dumps(summary))
    ok = not (twice or missing or duplicated or no_event) and len(rows) == len(unique)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
