"""The task API under load (`scripts/bench --only api`), beside the engine's own cost of the same
SQL in the same run.

On a register of --permits permits (2,000,000 by default) of which half are due by 2027-03-01 and
a tenth more by a catch-up tick 30 days later, a first tick makes a task of each due review
(1,000,000 tasks), and `tokens create` makes an API token of the integration role over the unit
with the most tasks (`work`, 40%). Then, with the release binary's `serve` on a copy of that
database, oha (`cargo install oha`, a maintained HTTP load generator) sends requests at a fixed
rate, 200 a second over 50 connections, each timed from the moment the schedule says it is due
(`--latency-correction`, so a stalled server is not hidden by requests not sent):

- `GET /api/v1/tasks?unit=work&limit=100` for --api-seconds: p50, p99;
- `POST /api/v1/tasks/ID/close` of the unit's open tasks (picked at random from a list, so a
  few are closed twice and answered 409, counted apart): p99;
- the same list load during a catch-up tick of a tenth of the register (200,000 reviews), run as
  `tick` in its own process on another copy: the p99 of the requests due while it ran, and its
  pass time against the same tick alone on a copy of the same state (alternating, --runs times).

Beside each, the engine's own cost: the list's SQL (the SELECT the API sends, 101 rows for a
page of 100) and a close's statements (read, update, audit row, read again, in one transaction)
run by Python's sqlite3 or by psql (its \\timing, the client's time on loopback), and the plain
SQL tick of scripts/bench (bench_scenarios.raw_tick) alone and while the list's SQL runs beside
it at the same rate.
"""

import json
import math
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

RATE = 200
CONNECTIONS = 50
UNIT = "work"
LIST = f"/api/v1/tasks?unit={UNIT}&limit=100"
LIST_SQL = f"SELECT * FROM tasks WHERE unit = '{UNIT}' AND state = 'open' ORDER BY due_on, id LIMIT 101"
CLOSE_BODY = '{"outcome": "no_action", "note": "bench"}'
TOKEN = "bench-case-system"


def say(text):
    print(text, flush=True)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class Line:
    """A figure of the summary: our p50/p99 (or seconds) beside the engine's raw cost."""

    def __init__(self, text):
        self.text = text

    def line(self):
        return self.text


def oha_binary():
    path = shutil.which("oha") or os.path.expanduser("~/.cargo/bin/oha")
    if not os.path.exists(path):
        sys.exit("bench: --only api needs oha, a maintained HTTP load generator: cargo install oha")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- our side: serve, and oha against it ----------------------------------------------------------


class Server:
    """`permit-followup serve` on `url`, the task API on a port of its own."""

    def __init__(self, b, url, token):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.token = token
        env = dict(os.environ, PERMIT_FOLLOWUP__WEB__LISTEN=f"127.0.0.1:{self.port}")
        self.log = open(os.path.join(b.work, f"serve-{self.port}.log"), "w")
        self.proc = subprocess.Popen(b.cli(url, "serve"), env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                req = urllib.request.Request(self.base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                with urllib.request.urlopen(req, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                sys.exit(f"bench: serve did not answer /api/v1/me within 60 s (log {self.log.name})")
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        self.log.close()


def oha(b, server, target, *, requests=None, seconds=None, post=False, urls_file=False):
    """Starts oha at RATE over CONNECTIONS against `target` (a path, or a file of URLs); returns
    the process and the file of its requests (oha --db-url: each request's due time, end, status)."""
    db = os.path.join(b.work, f"oha-{time.monotonic_ns()}.db")
    cmd = [oha_binary(), "--no-tui", "--output-format", "quiet", "-q", str(RATE), "-c", str(CONNECTIONS),
           "--latency-correction", "--db-url", db, "-H", f"Authorization: Bearer {server.token}"]
    cmd += ["-n", str(requests)] if requests else ["-z", f"{seconds}s"]
    if post:
        cmd += ["-m", "POST", "-T", "application/json", "-d", CLOSE_BODY]
    if urls_file:
        cmd += ["--urls-from-file", target]
    else:
        cmd.append(server.base + target)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True), db


def requests_of(proc, db, window=None):
    """Waits for oha; (milliseconds of each request answered 200, counts of the other statuses),
    of the requests due within `window` (seconds after oha started) if given."""
    _, err = proc.communicate()
    if proc.returncode != 0 or not os.path.exists(db):
        sys.exit(f"bench: oha failed:\n{err}")
    con = sqlite3.connect(db)
    rows = con.execute("SELECT COALESCE(start_latency_correction, start), duration, status FROM oha").fetchall()
    con.close()
    os.unlink(db)
    if window:
        rows = [r for r in rows if window[0] <= r[0] <= window[1]]
    ok = [d * 1000 for _, d, s in rows if s == 200]
    others = {}
    for _, _, s in rows:
        if s != 200:
            others[s] = others.get(s, 0) + 1
    return ok, others


def statuses(others):
    return ", ".join(f"{n} answered {s}" for s, n in sorted(others.items())) or "all 200"


# ---- the engine's side: the same SQL, plainly -----------------------------------------------------


class RawList:
    """The list's SQL at RATE a second on one connection of its own, each query's time, until
    stopped or `count` are done."""

    def __init__(self, b, engine, db, count=None):
        self.b, self.engine, self.db, self.count = b, engine, db, count
        self.stop_flag = threading.Event()
        self.times = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _paced(self):
        start = time.perf_counter()
        k = 0
        while not self.stop_flag.is_set() and (self.count is None or k < self.count):
            due = start + k / RATE
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            yield k
            k += 1

    def _run(self):
        if self.engine == "sqlite":
            con = sqlite3.connect(f"{self.b.work}/{self.db}.db")
            con.execute(f"PRAGMA cache_size = -{64 * 1024}")
            for _ in self._paced():
                started = time.perf_counter()
                con.execute(LIST_SQL).fetchall()
                self.times.append((time.perf_counter() - started) * 1000)
            con.close()
            return
        psql = subprocess.Popen(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.b.pg_url(self.db)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        psql.stdin.write("\\timing on\n\\o /dev/null\n")
        for _ in self._paced():
            psql.stdin.write(LIST_SQL + ";\n")
            psql.stdin.flush()
        out, err = psql.communicate()
        if psql.returncode != 0:
            sys.exit(f"bench: psql failed:\n{err}")
        self.times = [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time: ")]

    def wait(self):
        self.thread.join()
        return self.times

    def stop(self):
        self.stop_flag.set()
        return self.wait()


def raw_closes(b, engine, db, ids):
    """Milliseconds of each close of `ids` as plain SQL: read the task, close it, append its
    audit row, read it again, in one transaction, as the API's close does."""
    stamp, day = "2026-12-03 10:00:00", "2026-12-03"

    def statements(i):
        return [
            "BEGIN IMMEDIATE" if engine == "sqlite" else "BEGIN",
            f"SELECT * FROM tasks WHERE id = {i}",
            "UPDATE tasks SET state = 'closed', outcome = 'no_action', note = 'bench', closed_by = 'token:bench', "
            f"closed_at = '{stamp}', closed_on = '{day}', version = version + 1 WHERE id = {i} AND state = 'open'",
            "INSERT INTO audit_events (permit_id, at, event, task_id, detail, actor) SELECT permit_id, "
            f"'{stamp}', 'task_closed', id, 'task ' || id || ' closed: no_action; note: bench', 'token:bench' FROM tasks WHERE id = {i}",
            f"SELECT * FROM tasks WHERE id = {i}",
            "COMMIT",
        ]

    if engine == "sqlite":
        con = sqlite3.connect(f"{b.work}/{db}.db", isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute(f"PRAGMA cache_size = -{64 * 1024}")
        took = []
        for i in ids:
            started = time.perf_counter()
            for s in statements(i):
                con.execute(s).fetchall()
            took.append((time.perf_counter() - started) * 1000)
        con.close()
        return took
    script = "\\timing on\n\\o /dev/null\n" + "".join(";\n".join(statements(i)) + ";\n" for i in ids)
    out = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", b.pg_url(db)], input=script, text=True, check=True,
                         capture_output=True).stdout
    ms = [float(line.split()[1]) for line in out.splitlines() if line.startswith("Time: ")]
    return [sum(ms[k:k + 6]) for k in range(0, len(ms), 6)]


def query(b, engine, db, sql):
    if engine == "sqlite":
        con = sqlite3.connect(f"{b.work}/{db}.db")
        rows = con.execute(sql).fetchall()
        con.close()
        return rows
    out = subprocess.run(["psql", "-qtA", b.pg_url(db), "-c", sql], check=True, capture_output=True, text=True).stdout
    return [tuple(line.split("|")) for line in out.splitlines() if line]


# ---- the scenario ---------------------------------------------------------------------------------


def api(b, engine, due_on, catch_up_on, raw_tick):
    count, seconds = b.a.permits, b.a.api_seconds
    register = b.register(count, due=0.5, catch_up=0.1)
    url = b.fresh(engine, "apibase")
    b.measured(b.cli(url, "migrate"))
    b.measured(b.cli(url, "import", "permits", register, "--now", "2027-02-01"))
    _, _, out = b.measured(b.cli(url, "tick", "--now", due_on))
    _, _, token = b.measured(b.cli(url, "tokens", "create", TOKEN, "--role", "integration", "--unit", UNIT))
    token = token.strip()
    (tasks,), = query(b, engine, "apibase", "SELECT COUNT(*) FROM tasks")
    (open_in_unit,), = query(b, engine, "apibase", f"SELECT COUNT(*) FROM tasks WHERE unit = '{UNIT}' AND state = 'open'")
    say(f"api, {engine}: {count:,} permits, {int(tasks):,} tasks, {int(open_in_unit):,} open in unit {UNIT} "
        f"({out.splitlines()[0]}); oha at {RATE}/s over {CONNECTIONS} connections")

    # The list, then closes, on one copy.
    url = b.fresh(engine, "apirun", "apibase")
    server = Server(b, url, token)
    try:
        warm, db = oha(b, server, LIST, requests=2 * RATE)
        requests_of(warm, db)
        proc, db = oha(b, server, LIST, requests=seconds * RATE)
        listed, list_others = requests_of(proc, db)
        ids = [r[0] for r in query(b, engine, "apirun",
                                    f"SELECT id FROM tasks WHERE unit = '{UNIT}' AND state = 'open' ORDER BY id")]
        closes = min(seconds * RATE, max(1, len(ids) // 20))
        urls = os.path.join(b.work, "close-urls.txt")
        with open(urls, "w") as f:
            f.writelines(f"{server.base}/api/v1/tasks/{i}/close\n" for i in ids)
        proc, db = oha(b, server, urls, requests=closes, post=True, urls_file=True)
        closed, close_others = requests_of(proc, db)
    finally:
        server.stop()
    b.fresh(engine, "raw", "apibase")
    raw = RawList(b, engine, "raw", count=min(seconds * RATE, 2000))
    raw_listed = raw.wait()
    raw_closed = raw_closes(b, engine, "raw", [int(i) for i in ids[: min(closes, 1000)]])
    b.figures.append(Line(api_line(f"list, GET {LIST[8:]}", engine, listed, list_others, raw_listed, "p50 ≤ 3 ms, p99 ≤ 20 ms")))
    say(b.figures[-1].line())
    b.figures.append(Line(api_line("close, POST tasks/ID/close", engine, closed, close_others, raw_closed, "p99 ≤ 30 ms")))
    say(b.figures[-1].line())

    # The catch-up tick alone and under the list's load, alternating; the plain SQL likewise.
    alone, loaded, during, raw_alone, raw_loaded, raw_during, others = [], [], [], [], [], [], {}
    for _ in range(b.a.runs):
        url = b.fresh(engine, "apitick", "apibase")
        _, _, out = b.measured(b.cli(url, "tick", "--now", catch_up_on))
        alone.append(b.pass_seconds(out))
        url = b.fresh(engine, "apitick", "apibase")
        server = Server(b, url, token)
        try:
            warm, db = oha(b, server, LIST, requests=2 * RATE)
            requests_of(warm, db)
            lead = 2.0
            proc, db = oha(b, server, LIST, seconds=math.ceil(2 * max(alone) + 2 * lead + 2))
            started = time.perf_counter()
            time.sleep(lead)
            tick_from = time.perf_counter() - started
            _, _, out = b.measured(b.cli(url, "tick", "--now", catch_up_on))
            tick_to = time.perf_counter() - started
            ok, other = requests_of(proc, db, window=(tick_from, tick_to))
        finally:
            server.stop()
        loaded.append(b.pass_seconds(out))
        during += ok
        for s, n in other.items():
            others[s] = others.get(s, 0) + n
        b.fresh(engine, "raw", "apibase")
        raw_alone.append(raw_tick(b, engine, catch_up_on))
        b.fresh(engine, "raw", "apibase")
        raw = RawList(b, engine, "raw")
        raw_loaded.append(raw_tick(b, engine, catch_up_on))
        raw_during += raw.stop()
    due = count // 10
    b.figures.append(Line(api_line(f"list during a {due:,}-due catch-up tick", engine, during, others, raw_during,
                                   "p99 ≤ 250 ms")))
    say(b.figures[-1].line())
    ratio = statistics.median(loaded) / statistics.median(alone)
    raw_ratio = statistics.median(raw_loaded) / statistics.median(raw_alone)
    b.figures.append(Line(
        f"{'catch-up tick under the list load vs alone':<44} {engine:<9} {statistics.median(loaded):7.2f} s vs "
        f"{statistics.median(alone):7.2f} s ×{ratio:.2f} ({', '.join(f'{x:.2f}' for x in loaded)} vs "
        f"{', '.join(f'{x:.2f}' for x in alone)})   raw {statistics.median(raw_loaded):.2f} s vs "
        f"{statistics.median(raw_alone):.2f} s ×{raw_ratio:.2f}   target ≤ ×1.10"))
    say(b.figures[-1].line())


def api_line(name, engine, ours, others, raw, target):
    text = (f"{name:<44} {engine:<9} p50 {statistics.median(ours) if ours else float('nan'):6.2f} ms  "
            f"p99 {percentile(ours, 99):7.2f} ms  max {max(ours, default=float('nan')):7.1f} ms  ({len(ours):,} answered 200"
            f"{'; ' + statuses(others) if others else ''})")
    if raw:
        text += f"   raw p50 {statistics.median(raw):6.2f} ms  p99 {percentile(raw, 99):6.2f} ms ({len(raw):,})"
    return text + f"   target {target}"


if __name__ == "__main__":
    sys.exit("bench_api.py is a part of scripts/bench: run scripts/bench --only api")
