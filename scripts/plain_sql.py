#!/usr/bin/env python3
"""The machine's speed right now, in plain SQL: microseconds per row for inserting rows shaped
like the register's into SQLite (one transaction, one prepared statement, write-ahead log).

This machine's speed drifts by a third within an hour; `scripts/bench` prints this first so
its figures can be read against it. Usage: plain_sql.py [ROWS] (default 1,000,000)."""

import os
import sqlite3
import sys
import tempfile
import time

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
data = [
    (f"UT-{2019 + i % 9}-{100000 + i}", f"P-{100000 + i}", ("a" * 64) if i % 2 else None, "study",
     "2026-10-16", "2028-10-15", "active", None, None, "Konstfack", "2027-10-16", "2027-09-16", None,
     "2026-11-23 10:00:00")
    for i in range(rows)
]
with tempfile.TemporaryDirectory() as tmp:
    db = sqlite3.connect(os.path.join(tmp, "plain.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        "CREATE TABLE permits (permit_id TEXT PRIMARY KEY NOT NULL, person_id TEXT NOT NULL, pn_hash TEXT, "
        "ground TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT, status TEXT NOT NULL, unit TEXT, "
        "employer_org_no TEXT, institution TEXT, review_occasion TEXT, review_due_on TEXT, "
        "last_review_occasion TEXT, updated_at TEXT NOT NULL) WITHOUT ROWID"
    )
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO permits VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", data)
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
print(f"plain SQL: {seconds / rows * 1e6:.1f} µs per inserted row ({rows} rows in {seconds:.2f} s, Python sqlite3)")
