"""The scenarios of scripts/bench, and the plain SQL each is held against (its "raw" figure).

Each scenario runs `--runs` times on a fresh copy of the database it starts from; the raw SQL
runs as often, on copies of the same state, so that our figure and the engine's limit are
measured on the same rows in the same minutes.
"""

import csv
import datetime
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import bench_api

DUE_ON = datetime.date(2027, 3, 1)
CATCH_UP_ON = DUE_ON + datetime.timedelta(days=30)
DAY = datetime.timedelta(days=1)
# the register's secondary indexes, dropped and rebuilt by a bulk load (storage::bulk)
REGISTER_INDEXES = ["reviews_due", "permits_person", "permits_pn_hash", "permits_imported_by"]
# the register's tables: a permit and its review series
REGISTER_TABLES = ["permits", "reviews"]
# first review and interval in months, and the unit, of each ground (config/default.toml)
GROUNDS = {"study": (6, "study"), "work": (12, "work"), "family": (12, "family"), "refugee": (24, "refugee"),
           "subsidiary_protection": (24, "subsidiary_protection"), "other": (12, "other")}
NULL = "\\N"


def say(text):
    print(text, flush=True)


def run_all(b):
    count = b.a.permits
    only = set(filter(None, b.a.only.split(",")))
    want = lambda s: not only or s in only  # noqa: E731
    # the Navet scenario and the peers need no register, the task API's has one of its own
    on_register = not only or bool(only - {"navet", "peers", "api"})
    register = b.register(count) if on_register else None
    feed = b.feed(count) if on_register else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=b.root).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    say(f"machine: {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}; "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit}; {count} permits, {b.a.runs} runs a figure")
    gauge(b)
    for engine in b.a.engines.split(","):
        base = f"base_{engine}"
        if on_register:
            imported(b, engine, register, base, want("import"))
        if want("tick"):
            tick(b, engine, base, DUE_ON, "tick, 1% due", "≤ 1.5× raw; ≤ 0.6 s SQLite, ≤ 1.0 s PostgreSQL")
        if want("catchup"):
            tick(b, engine, base, CATCH_UP_ON, "catch-up tick after 30 days, 10% due", "≤ 1.5× raw; ≤ 4 s SQLite, ≤ 8 s PostgreSQL")
        if want("idle"):
            idle(b, engine, base)
        if want("signals"):
            signals(b, engine, base, feed)
        if want("notify"):
            notify(b, engine, base)
        if want("plan"):
            plan(b, engine, base)
        if want("report"):
            report(b, engine, base)
        if want("navet"):
            navet(b, engine)
        if want("api"):
            bench_api.api(b, engine, DUE_ON, CATCH_UP_ON, raw_tick)
        if want("expect"):
            expect(b, engine, base, register)
    if want("peers"):
        peers(b)
    if b.a.big:
        big_import(b)
    gauge(b)
    say("\nsummary (median, min–max of the runs; peak resident memory; the engine's raw SQL on the same rows; target):")
    for f in b.figures:
        say(f.line())


def gauge(b):
    out = subprocess.run([sys.executable, "scripts/plain_sql.py", "300000"], capture_output=True, text=True, cwd=b.root)
    say(out.stdout.strip())


# ---- import ---------------------------------------------------------------------------------------


def imported(b, engine, register, base, measure):
    """Imports the register `--runs` times into an empty database (the last stays as `base`),
    then loads the same final rows by plain SQL."""
    runs = b.a.runs if measure else 1
    f = b.figure(f"import {b.a.permits:,} permits", engine, "≤ 1.5× raw; ≤ 150 MiB")
    for _ in range(runs):
        url = b.fresh(engine, base)
        b.measured(b.cli(url, "migrate"))
        seconds, peak, out = b.measured(b.cli(url, "import", "permits", register, "--now", "2027-02-01"))
        f.times.append(seconds)
        f.peaks.append(peak)
    if not measure:
        b.figures.remove(f)
        return
    dumps = dump_register(b, engine, base)
    for _ in range(runs):
        url = b.fresh(engine, "raw")
        b.measured(b.cli(url, "migrate"))
        f.raw.append(raw_load(b, engine, dumps))
    say(f.line())


def dump_register(b, engine, base):
    """The register's final rows as CSV, a file a table."""
    dumps = {}
    for table in REGISTER_TABLES:
        dump = dumps[table] = os.path.join(b.work, f"dump-{engine}-{table}.csv")
        if engine == "sqlite":
            con = sqlite3.connect(f"{b.work}/{base}.db")
            with open(dump, "w", newline="") as out:
                w = csv.writer(out)
                for row in con.execute(f"SELECT * FROM {table}"):
                    w.writerow([NULL if v is None else v for v in row])
            con.close()
        else:
            subprocess.run(["psql", "-q", b.pg_url(base), "-c", f"\\copy {table} TO '{dump}' WITH (FORMAT csv, NULL '{NULL}')"],
                           check=True)
    return dumps


def raw_load(b, engine, dumps):
    """The engine's fastest plain bulk load of the same rows into the same tables and indexes:
    indexes dropped, rows in (COPY, or one prepared INSERT a table in one transaction), indexes
    built."""
    if engine == "sqlite":
        con = sqlite3.connect(f"{b.work}/raw.db", isolation_level=None)
        defs = [r[0] for r in con.execute(
            f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name IN ({','.join('?' * len(REGISTER_INDEXES))})", REGISTER_INDEXES)]
        con.execute("PRAGMA journal_mode = DELETE")
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA cache_size = -24576")
        spent = 0.0
        started = time.perf_counter()
        con.execute("BEGIN")
        for name in REGISTER_INDEXES:
            con.execute(f"DROP INDEX {name}")
        spent += time.perf_counter() - started
        for table, dump in dumps.items():
            cols = len(next(csv.reader(open(dump))))
            row = f"({','.join('?' * cols)})"
            # A prepared multi-row INSERT: 100 rows a statement, as the import writes them.
            many = f"INSERT INTO {table} VALUES {','.join([row] * 100)}"
            one = f"INSERT INTO {table} VALUES {row}"
            with open(dump, newline="") as f:
                reader = csv.reader(f)
                while True:
                    chunk = [[None if v == NULL else v for v in r] for _, r in zip(range(20000), reader)]
                    if not chunk:
                        break
                    full = len(chunk) // 100 * 100
                    groups = [sum(chunk[i:i + 100], []) for i in range(0, full, 100)]
                    started = time.perf_counter()
                    con.executemany(many, groups)
                    con.executemany(one, chunk[full:])
                    spent += time.perf_counter() - started
        started = time.perf_counter()
        con.execute("PRAGMA threads = 1")
        for d in defs:
            con.execute(d)
        con.execute("COMMIT")
        spent += time.perf_counter() - started
        con.close()
        return spent
    defs = subprocess.run(["psql", "-At", b.pg_url("raw"), "-c",
                           "SELECT indexdef FROM pg_indexes WHERE indexname IN ('" + "','".join(REGISTER_INDEXES) + "')"],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()
    statements = ["BEGIN"] + [f"DROP INDEX {n}" for n in REGISTER_INDEXES]
    statements += [f"COPY {table} FROM '{dump}' WITH (FORMAT csv, NULL '{NULL}')" for table, dump in dumps.items()]
    statements += defs + ["COMMIT"]
    return sql_seconds(b, engine, "raw", statements)


# ---- ticks ----------------------------------------------------------------------------------------


def tick(b, engine, base, day, name, target):
    f = b.figure(name, engine, target)
    for _ in range(b.a.runs):
        url = b.fresh(engine, "run", base)
        _, peak, out = b.measured(b.cli(url, "tick", "--now", day))
        f.times.append(b.pass_seconds(out))
        f.peaks.append(peak)
    for _ in range(b.a.runs):
        b.fresh(engine, "raw", base)
        f.raw.append(raw_tick(b, engine, day))
    say(f.line() + f"   ({out.splitlines()[0]})")


def raw_tick(b, engine, day):
    """One tick's writes as plain SQL: the due permits' tasks (INSERT ... SELECT), their audit
    rows (INSERT ... SELECT) and their next reviews (one UPDATE), in one transaction."""
    t = day.isoformat()
    unit = "CASE p.ground " + " ".join(f"WHEN '{g}' THEN '{u}'" for g, (_, u) in GROUNDS.items()) + " END"
    if engine == "sqlite":
        next_o, next_d = "date(occasion, '+12 months')", "date(occasion, '+12 months', '-14 days')"
        now, occ = "'2027-03-01 11:00:00'", "r.occasion"
    else:
        next_o, next_d = "occasion + interval '12 months'", "occasion + interval '12 months' - interval '14 days'"
        now, occ = "timestamp '2027-03-01 11:00:00'", "r.occasion::text"
    statements = [
        "BEGIN",
        "INSERT INTO tasks (permit_id, cause, occasion, ground, unit, priority, reason, legal_basis, evidence, created_on, created_at, due_on, state) "
        f"SELECT p.permit_id, 'periodic_review', {occ}, p.ground, COALESCE(p.unit, {unit}), 'normal', 'Periodic review, occasion ' || {occ}, "
        f"'UtlL 7 kap. 3 §', '[{{\"occasion\":\"' || {occ} || '\"}}]', '{t}', {now}, r.occasion, 'open' "
        f"FROM reviews r JOIN permits p ON p.permit_id = r.permit_id WHERE r.due_on <= '{t}' AND p.status = 'active'",
        "INSERT INTO audit_events (permit_id, at, event, task_id, detail) "
        f"SELECT t.permit_id, {now}, 'task_created', t.id, 'task ' || t.id || ' created: periodic_review' FROM tasks t WHERE t.created_on = '{t}'",
        f"UPDATE reviews SET last_occasion = occasion, occasion = {next_o}, due_on = {next_d} FROM permits p "
        f"WHERE reviews.due_on <= '{t}' AND p.permit_id = reviews.permit_id AND p.status = 'active'",
        "COMMIT",
    ]
    return sql_seconds(b, engine, "raw", statements)


def sql_seconds(b, engine, db, statements):
    """Seconds the engine takes to run `statements`: SQLite in-process; PostgreSQL through psql,
    adding up the server's times that psql's \\timing reports (so not psql's start)."""
    if engine == "sqlite":
        con = sqlite3.connect(f"{b.work}/{db}.db", isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA cache_size = -65536")
        started = time.perf_counter()
        for s in statements:
            con.execute(s).fetchall()  # a query's every row, not its first
        spent = time.perf_counter() - started
        con.close()
        return spent
    script = "\\timing on\n" + ";\n".join(statements) + ";\n"
    out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", b.pg_url(db)], input=script, text=True, check=True,
                         capture_output=True).stdout
    return sum(float(ms) for ms in re.findall(r"^Time: ([0-9.]+) ms", out, flags=re.M)) / 1000


def idle(b, engine, base):
    """A tick that finds nothing new: again the same day after a 1% tick and after a catch-up
    tick; and a day later, again after that day's own tick (two earlier ticks that week)."""
    for first, label in ((DUE_ON, "after the 1% tick"), (CATCH_UP_ON, "after the catch-up tick")):
        again = b.figure(f"tick, nothing new, same day {label}", engine, "≤ 5 ms SQLite, ≤ 10 ms PostgreSQL")
        nxt = b.figure(f"tick, nothing new, next day {label} and that day's", engine, "≤ 5 ms SQLite, ≤ 10 ms PostgreSQL")
        for _ in range(b.a.runs):
            url = b.fresh(engine, "run", base)
            b.measured(b.cli(url, "tick", "--now", first))
            _, peak, out = b.measured(b.cli(url, "tick", "--now", first))
            again.times.append(b.pass_seconds(out))
            again.peaks.append(peak)
            b.measured(b.cli(url, "tick", "--now", first + DAY))
            _, peak, out = b.measured(b.cli(url, "tick", "--now", first + DAY))
            nxt.times.append(b.pass_seconds(out))
            nxt.peaks.append(peak)
        say(again.line())
        say(nxt.line())


def signals(b, engine, base, feed):
    f = b.figure("10,000 signals: import + tick", engine, "≤ 1 s")
    after = b.figure("tick, nothing new, same day after the signals", engine, "≤ 5 ms SQLite, ≤ 10 ms PostgreSQL")
    for _ in range(b.a.runs):
        url = b.fresh(engine, "run", base)
        b.measured(b.cli(url, "tick", "--now", DUE_ON))
        seconds, peak1, _ = b.measured(b.cli(url, "import", "signals", feed, "--now", DUE_ON + DAY))
        _, peak2, out = b.measured(b.cli(url, "tick", "--now", DUE_ON + DAY))
        f.times.append(seconds + b.pass_seconds(out))
        f.peaks.append(max(peak1, peak2))
        _, peak, again = b.measured(b.cli(url, "tick", "--now", DUE_ON + DAY))
        after.times.append(b.pass_seconds(again))
        after.peaks.append(peak)
    say(f.line() + f"   ({out.splitlines()[0]})")
    say(after.line())


def notify(b, engine, base):
    """The digests of the 1% tick's tasks, a unit a mail, as .eml files."""
    f = b.figure("notify: the digests of the 1% tick", engine, "(recorded)")
    for _ in range(b.a.runs):
        url = b.fresh(engine, "run", base)
        b.measured(b.cli(url, "tick", "--now", DUE_ON))
        seconds, peak, _ = b.measured(b.cli(url, "notify", "--now", DUE_ON))
        f.times.append(seconds)
        f.peaks.append(peak)
    say(f.line())


def plan(b, engine, base):
    f = b.figure("plan, 52 weeks", engine, "≤ 10 s at 2,000,000; ≤ 150 MiB")
    url = b.sqlite_url(base) if engine == "sqlite" else b.pg_url(base)
    for _ in range(b.a.runs):
        seconds, peak, _ = b.measured(b.cli(url, "plan", "--from", DUE_ON, "--to", DUE_ON + 363 * DAY, "--format", "csv"))
        f.times.append(seconds)
        f.peaks.append(peak)
    say(f.line())


def report(b, engine, base):
    """A year of history: weekly ticks until about half the register has a task, 60% of the
    tasks closed by SQL over the following days; then `report` over the year."""
    url = b.fresh(engine, "history", base)
    day, tasks = DUE_ON, 0
    while tasks < b.a.permits // 2 and day < DUE_ON + 400 * DAY:
        _, _, out = b.measured(b.cli(url, "tick", "--now", day))
        tasks += int(re.search(r"created (\d+)", out).group(1))
        day += 7 * DAY
    if engine == "sqlite":
        close = ("UPDATE tasks SET state = 'closed', outcome = CASE id % 4 WHEN 0 THEN 'revocation_initiated' WHEN 1 THEN 'referred' "
                 "ELSE 'no_action' END, note = 'bench', closed_on = date(created_on, '+' || (id % 40) || ' days'), "
                 "closed_at = datetime(created_on, '+' || (id % 40) || ' days', '+10 hours') WHERE id % 5 < 3")
    else:
        close = ("UPDATE tasks SET state = 'closed', outcome = CASE id % 4 WHEN 0 THEN 'revocation_initiated' WHEN 1 THEN 'referred' "
                 "ELSE 'no_action' END, note = 'bench', closed_on = created_on + (id % 40)::int, "
                 "closed_at = (created_on + (id % 40)::int) + interval '10 hours' WHERE id % 5 < 3")
    sql_seconds(b, engine, "history", ["BEGIN", close, "COMMIT"])
    f = b.figure(f"report over a year ({tasks:,} tasks)", engine, "≤ 2 s")
    for _ in range(b.a.runs):
        seconds, peak, _ = b.measured(b.cli(url, "report", "--from", DUE_ON - 7 * DAY, "--to", DUE_ON + 357 * DAY, "--format", "json"))
        f.times.append(seconds)
        f.peaks.append(peak)
    say(f.line())


# ---- peers ----------------------------------------------------------------------------------------


def peers(b):
    """tokio-cron-scheduler with one job a permit, against our daemon's start with the same
    permits in its register (what each must do before its schedule is in force, at every
    start) and against our import of them (once, into durable storage), at 100,000 and
    1,000,000 permits; and the naive daily scan, at the bench's size."""
    subprocess.run(["cargo", "bench", "--no-run", "--quiet", "--bench", "cron_peer"], check=True, cwd=b.root, capture_output=True)
    for count in (100_000, 1_000_000):
        cron_s, cron_mib = [], []
        for _ in range(b.a.runs):
            out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "cron_peer", "--", str(count)], check=True,
                                 capture_output=True, text=True, cwd=b.root).stdout
            peer = re.search(r"registered in ([0-9.]+) s; peak (\d+) MiB", out)
            cron_s.append(float(peer.group(1)))
            cron_mib.append(float(peer.group(2)))
        register = b.register(count)
        start = b.figure(f"vs tokio-cron-scheduler, {count:,} permits: daemon start", "sqlite", "≥ 20× faster to load, ≥ 10× less memory")
        load = b.figure(f"vs tokio-cron-scheduler, {count:,} permits: import", "sqlite", "≥ 20× faster to load, ≥ 10× less memory")
        for _ in range(b.a.runs):
            url = b.fresh("sqlite", f"peer{count}")
            b.measured(b.cli(url, "migrate"))
            seconds, peak, _ = b.measured(b.cli(url, "import", "permits", register, "--now", "2027-02-01"))
            load.times.append(seconds)
            load.peaks.append(peak)
            seconds, peak = daemon_ready(b, url)
            start.times.append(seconds)
            start.peaks.append(peak)
        cron = (median(cron_s), median(cron_mib))
        for f, what in ((start, "our daemon, started on them, ready"), (load, "our import of them")):
            say(f"{f.name}: one job a permit registers in {cron[0]:.2f} s, peak {cron[1]:.0f} MiB; {what} in "
                f"{median(f.times):.3f} s ({cron[0] / median(f.times):.0f}× faster), peak {median(f.peaks):.0f} MiB "
                f"({cron[1] / median(f.peaks):.1f}× less)")
    for engine in b.a.engines.split(","):
        naive(b, engine, f"base_{engine}")


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def daemon_ready(b, url):
    """Starts `run` on `url`; seconds until /readyz answers 200 (its catch-up tick done, its
    schedules set), and its peak resident memory then. Stopped with SIGTERM."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PERMIT_FOLLOWUP__ADMIN__LISTEN=f"127.0.0.1:{port}")
    started = time.perf_counter()
    daemon = subprocess.Popen(b.cli(url, "run"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if daemon.poll() is not None:
                sys.exit(f"bench: the daemon ended before it was ready:\n{daemon.stderr.read()}")
            if time.perf_counter() - started > 60:
                sys.exit("bench: the daemon was not ready within 60 s")
            time.sleep(0.002)
        ready = time.perf_counter() - started
        with open(f"/proc/{daemon.pid}/status") as f:
            peak = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    return ready, peak


def naive(b, engine, base):
    """The design a team writes first: no stored next review; every day one SQL scan of every
    permit computes its latest due occasion and inserts the tasks that do not exist yet."""
    b.fresh(engine, "naive", base)
    first = b.figure("peer: naive daily scan, 1% due", engine, "(for comparison)")
    again = b.figure("peer: naive daily scan, nothing new", engine, "(for comparison)")
    for _ in range(b.a.runs):
        b.fresh(engine, "naive", base)
        first.times.append(sql_seconds(b, engine, "naive", ["BEGIN", naive_sql(engine, DUE_ON), "COMMIT"]))
        again.times.append(sql_seconds(b, engine, "naive", ["BEGIN", naive_sql(engine, DUE_ON + DAY), "COMMIT"]))
    say(first.line())
    say(again.line())


def naive_sql(engine, day):
    t = day.isoformat()
    grounds = " UNION ALL ".join(f"SELECT '{g}' AS ground, {n} AS months, '{u}' AS unit" for g, (n, u) in GROUNDS.items())
    if engine == "sqlite":
        months = f"((CAST(strftime('%Y', '{t}', '+14 days') AS INTEGER) - CAST(strftime('%Y', p.valid_from) AS INTEGER)) * 12 + " \
                 f"CAST(strftime('%m', '{t}', '+14 days') AS INTEGER) - CAST(strftime('%m', p.valid_from) AS INTEGER))"
        occasion = f"date(p.valid_from, '+' || ((({months}) / g.months) * g.months) || ' months')"
        lead_ok = f"date(o.occasion, '-14 days') <= '{t}'"
    else:
        months = f"((extract(year from date '{t}' + 14) - extract(year from p.valid_from)) * 12 + " \
                 f"extract(month from date '{t}' + 14) - extract(month from p.valid_from))::int"
        occasion = f"(p.valid_from + ((({months}) / g.months) * g.months) * interval '1 month')::date"
        lead_ok = f"o.occasion - 14 <= date '{t}'"
    return (
        "INSERT INTO tasks (permit_id, cause, occasion, ground, unit, priority, reason, legal_basis, evidence, created_on, created_at, due_on, state) "
        "SELECT o.permit_id, 'periodic_review', o.occasion, o.ground, o.unit, 'normal', 'Periodic review', 'UtlL', '[]', "
        f"'{t}', '{t} 11:00:00', o.occasion, 'open' FROM ("
        f"SELECT p.permit_id, p.ground, COALESCE(p.unit, g.unit) AS unit, {occasion} AS occasion FROM permits p "
        f"JOIN ({grounds}) g ON g.ground = p.ground WHERE p.status = 'active' AND {months} >= g.months) o "
        f"WHERE {lead_ok} AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.permit_id = o.permit_id "
        "AND t.cause = 'periodic_review' AND t.occasion = CAST(o.occasion AS TEXT))"
    )


def big_import(b):
    register = b.register(10_000_000)
    for engine in b.a.engines.split(","):
        f = b.figure("import 10,000,000 permits (memory)", engine, "≤ 150 MiB")
        url = b.fresh(engine, "big")
        b.measured(b.cli(url, "migrate"))
        seconds, peak, _ = b.measured(b.cli(url, "import", "permits", register, "--now", "2027-02-01"))
        f.times.append(seconds)
        f.peaks.append(peak)
        say(f.line())


# ---- Navet notification files (docs/REFERENCE.md §12) ---------------------------------------------

NAVET_DAY = 10_000


def navet(b, engine):
    """A first full Navet file into an empty database, against the raw limit measured in the same
    run (the same file through quick-xml alone, plus a plain insert of the same kept rows); then a
    day's file of 10,000 records against that state."""
    full, day = b.navet_files(b.a.navet)
    f = b.figure(f"Navet: first full file, {b.a.navet:,} records", engine, "≤ 1.5× raw; ≤ 150 MiB")
    d = b.figure(f"Navet: a day's file, {NAVET_DAY:,} records", engine, "≤ 1 s")
    for _ in range(b.a.runs):
        url = b.fresh(engine, "navet")
        b.measured(b.cli(url, "migrate"))
        seconds, peak, _ = b.measured(b.cli(url, "import", "navet", full, "--now", "2026-11-01"))
        f.times.append(seconds)
        f.peaks.append(peak)
        f.raw.append(navet_raw_read(b, full) + navet_raw_insert(b, engine))
        seconds, peak, out = b.measured(b.cli(url, "import", "navet", day, "--now", "2026-11-06"))
        d.times.append(seconds)
        d.peaks.append(peak)
    say(f.line())
    say(d.line() + f"   ({out.splitlines()[0].split(': ', 1)[-1]})")


def navet_raw_read(b, path):
    """Seconds the navet_raw bench binary takes to read `path` with quick-xml alone."""
    out = subprocess.run(["cargo", "bench", "--quiet", "--bench", "navet_raw", "--", path], cwd=b.root,
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[0])


def navet_raw_insert(b, engine):
    """Seconds a plain insert of the rows the import kept (navet_persons of the database `navet`)
    takes into the same, empty, table of a fresh database: one prepared multi-row INSERT in one
    transaction on SQLite, COPY on PostgreSQL."""
    url = b.fresh(engine, "navet_raw")
    b.measured(b.cli(url, "migrate"))
    if engine == "sqlite":
        src = sqlite3.connect(f"{b.work}/navet.db")
        rows = src.execute("SELECT * FROM navet_persons").fetchall()
        src.close()
        con = sqlite3.connect(f"{b.work}/navet_raw.db", isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        row = f"({','.join('?' * len(rows[0]))})"
        many = f"INSERT INTO navet_persons VALUES {','.join([row] * 100)}"
        full = len(rows) // 100 * 100
        started = time.perf_counter()
        con.execute("BEGIN")
        con.executemany(many, [sum(rows[i:i + 100], ()) for i in range(0, full, 100)])
        con.executemany(f"INSERT INTO navet_persons VALUES {row}", rows[full:])
        con.execute("COMMIT")
        spent = time.perf_counter() - started
        con.close()
        return spent
    dump = os.path.join(b.work, "navet_persons.csv")
    subprocess.run(["psql", "-q", b.pg_url("navet"), "-c", f"\\copy navet_persons TO '{dump}' WITH (FORMAT csv)"],
                   check=True, capture_output=True)
    return sql_seconds(b, engine, "navet_raw", ["BEGIN", f"COPY navet_persons FROM '{dump}' WITH (FORMAT csv)", "COMMIT"])


# ---- expected reports (docs/REFERENCE.md §13) ------------------------------------------------------

# The two months of income feeds, each declared complete with --covers after its reports were
# processed, and the day each is received on (nothing periodic falls due on these days).
INCOME_MONTHS = [("2026-11", datetime.date(2027, 1, 10)), ("2026-12", datetime.date(2027, 1, 11))]


def income_feeds(b, register):
    """An income feed a month for the active work permits of `register`: 80% of the holders
    report every month, the other 20% half of the months at random (so about 5% miss both; a
    tenth of the reports name a personal number instead of the person id)."""
    import random
    paths = []
    for month, _ in INCOME_MONTHS:
        paths.append(os.path.join(b.data, f"income-{month}-for-{b.a.permits}.jsonl"))
    if all(os.path.exists(p) for p in paths):
        return paths
    rng = random.Random(1)
    holders = []
    with open(register) as f:
        for row in csv.DictReader(f):
            if row["ground"] == "work" and row["status"] in ("", "active"):
                holders.append((row["person_id"], row["personal_number"], rng.random() < 0.8))
    for (month, day), path in zip(INCOME_MONTHS, paths):
        with open(path + ".part", "w") as out:
            for i, (person, number, steady) in enumerate(holders):
                if not steady and rng.random() < 0.5:
                    continue
                who = f'"personal_number": "{number}"' if number and i % 10 == 0 else f'"person_id": "{person}"'
                out.write(f'{{"id": "agi-{month}-{i}", "kind": "income_reported", {who}, "occurred_on": "{day}", '
                          f'"data": {{"amount_sek": 50000, "period": "{month}"}}}}\n')
        os.rename(path + ".part", path)
    return paths


def expect(b, engine, base, register):
    """A newly covered month judged by a tick: the first month (no task yet: two are needed),
    the second (tasks for who missed both), and a tick with nothing newer after it; held
    against the engine's own anti-join of the second month's expected holders and reports."""
    feeds = income_feeds(b, register)
    empty = os.path.join(b.work, "empty.jsonl")
    open(empty, "w").close()
    first = b.figure("tick judging a first covered month", engine, "≤ 1.5× raw; ≤ 150 MiB")
    second = b.figure("tick judging a second covered month (tasks)", engine, "≤ 1.5× raw; ≤ 150 MiB")
    idle_after = b.figure("tick, nothing new, after a covered month", engine, "as a tick with nothing new")
    reports = 0
    for _ in range(b.a.runs):
        url = b.fresh(engine, "run", base)
        b.measured(b.cli(url, "tick", "--now", INCOME_MONTHS[0][1]))
        for (month, day), feed, figure in zip(INCOME_MONTHS, feeds, (first, second)):
            _, _, out = b.measured(b.cli(url, "import", "signals", feed, "--now", day))
            reports = int(out.split(": ")[1].split()[0])
            b.measured(b.cli(url, "tick", "--now", day))
            b.measured(b.cli(url, "import", "signals", empty, "--format", "jsonl", "--covers", f"income_reported:{month}", "--now", day))
            _, peak, out = b.measured(b.cli(url, "tick", "--now", day))
            figure.times.append(b.pass_seconds(out))
            figure.peaks.append(peak)
            # The raw anti-join on the tables as the tick found them: the month's reports in,
            # later ones not, their old versions from being processed not yet vacuumed.
            figure.raw.append(sql_seconds(b, engine, "run", [anti_join(month)]))
        _, peak, again = b.measured(b.cli(url, "tick", "--now", INCOME_MONTHS[-1][1]))
        idle_after.times.append(b.pass_seconds(again))
        idle_after.peaks.append(peak)
    say(first.line())
    say(second.line() + f"   ({out.splitlines()[-1] if out else ''}; {reports} reports a month)")
    say(idle_after.line())


def anti_join(month):
    """The engine's own anti-join: the active work permits valid through `month` whose holder
    has no income report for it, by person id, by any of the holder's numbers or a linked one;
    their rows, as the tick reads them (a count would spare the engine carrying the columns)."""
    y, m = map(int, month.split("-"))
    first = datetime.date(y, m, 1)
    last = (datetime.date(y + m // 12, m % 12 + 1, 1) - DAY)
    reports = (f"s.kind = 'income_reported' AND (s.period = '{month}' OR (s.period IS NULL "
               f"AND s.occurred_on BETWEEN '{first}' AND '{last}'))")
    return ("SELECT p.permit_id, p.person_id, p.ground, p.unit, p.valid_from, p.valid_until FROM permits p "
            f"WHERE p.status = 'active' AND p.ground IN ('work') AND p.valid_from <= '{first}' "
            f"AND (p.valid_until IS NULL OR p.valid_until >= '{last}') "
            f"AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.person_id = p.person_id AND {reports}) "
            "AND NOT EXISTS (SELECT 1 FROM permits q JOIN signals s ON s.pn_hash = q.pn_hash "
            f"WHERE q.person_id = p.person_id AND q.pn_hash IS NOT NULL AND {reports}) "
            "AND NOT EXISTS (SELECT 1 FROM person_numbers l JOIN signals s ON s.pn_hash = l.pn_hash "
            f"WHERE l.person_id = p.person_id AND {reports})")
