#!/usr/bin/env python3
"""The cost of the daemon's gauges (open and overdue tasks by unit, read after every tick) on a
tasks table of N rows, 5 % of them open, with and without the partial index tasks_open_by_unit.

    scripts/gauge_counts.py BINARY [N]        (N defaults to 2,000,000)

BINARY (target/release/permit-followup) creates the schema; the queries are the daemon's own
(src/storage/gauges.rs). Prints the best of five runs of each query, in milliseconds."""
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

QUERIES = [
    "SELECT unit AS key, COUNT(*) AS n FROM tasks WHERE state = 'open' GROUP BY unit",
    "SELECT unit AS key, COUNT(*) AS n FROM tasks WHERE state = 'open' AND due_on < '2026-12-01' GROUP BY unit",
]
UNITS = ["study", "work", "family", "refugee", "subsidiary_protection", "other"]


def fill(db, n):
    c = sqlite3.connect(db)
    rng = random.Random(1)
    rows = (
        (f"P-{i}", "periodic_review", f"2025-{i % 12 + 1:02d}-01", UNITS[i % 6], "normal", "r", "b", "[]",
         "2025-01-01", "2025-01-01 00:00:00", "2025-02-01", "open" if rng.random() < 0.05 else "closed")
        for i in range(n)
    )
    c.executemany(
        "INSERT INTO tasks (permit_id, cause, occasion, unit, priority, reason, legal_basis, evidence, "
        "created_on, created_at, due_on, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    c.commit()
    return c


def best_ms(c, q):
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        c.execute(q).fetchall()
        best = min(best, time.perf_counter() - t)
    return best * 1000


def main():
    binary, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    with tempfile.TemporaryDirectory() as d:
        db = os.path.join(d, "t.db")
        subprocess.run([binary, "--database", f"sqlite://{db}", "migrate"], check=True, capture_output=True,
                       env={**os.environ, "PERMIT_FOLLOWUP__PRIVACY__KEY_FILE": os.path.join(d, "key")})
        c = fill(db, n)
        for label in ["with tasks_open_by_unit", "without it"]:
            for q in QUERIES:
                print(f"{label:26} {best_ms(c, q):8.1f} ms  {q}")
            c.execute("DROP INDEX IF EXISTS tasks_open_by_unit")


if __name__ == "__main__":
    main()
