#!/usr/bin/env python3
"""Generate a daily batch of signals (docs/REFERENCE.md §3, `import signals FILE`), streaming JSON lines to stdout.

The persons come from a permit register, in one of two ways:

    # read the register (CSV or JSONL, any origin, e.g. examples/permits.csv)
    python3 scripts/gen_signals.py --count 10000 --permits /tmp/permits.csv --seed 1 > /tmp/signals.jsonl
    # or rebuild the persons of `gen_permits.py --count N --seed S` without reading it (faster, no
    # memory): N and S must be the ones the register was generated with
    python3 scripts/gen_signals.py --count 10000 --persons 1000000 --seed 1 > /tmp/signals.jsonl

Kinds, roughly as a day of real feeds: income_reported 60% (about 8% of them under the work-permit
threshold of 28480 SEK, about 4% from another employer than the permit's), study_registration_missing
15%, citizenship_changed 10%, emigrated 5%, name_changed 5%, employment_ended 3%,
study_progress_insufficient 1%, birth_date_changed 0.5% (with a new personal number), deceased 0.5%.
Income and employment signals go to work-permit holders, study signals to study-permit holders, the
population-register kinds to anyone. `--unknown-fraction` (default 5%) of the signals name a person
that has no permit. A signal carries the holder's `personal_number`, or `person_id` for about 10%
(`--person-id-fraction`) and for holders without a personal number. Ids are `<prefix>-NNNNNNN`,
unique within a batch (prefix `gen-<date>` by default: give another prefix to make several batches of
one date). `occurred_on` falls in the week before `--date` (default 2027-03-01); income is reported
for the month before `occurred_on`. Standard library only.
"""

import argparse
import csv
import json
import os
import random
import sys
from datetime import date, timedelta

sys.dont_write_bytecode = True  # leave no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_permits import INSTITUTIONS, SPACE, Persons  # noqa: E402

KINDS = [  # (kind, weight in per-mille)
    ("income_reported", 600),
    ("study_registration_missing", 150),
    ("citizenship_changed", 100),
    ("emigrated", 50),
    ("name_changed", 50),
    ("employment_ended", 30),
    ("study_progress_insufficient", 10),
    ("birth_date_changed", 5),
    ("deceased", 5),
]
TARGET = {  # which holders a kind goes to
    "income_reported": "work", "employment_ended": "work",
    "study_registration_missing": "study", "study_progress_insufficient": "study",
}
THRESHOLD_SEK = 28480
DESTINATIONS = ["NOR", "DNK", "FIN", "DEU", "GBR", "USA", "IND", "CHN", "TUR", "IRN", "SYR", "POL"]
CITIZENSHIPS = ["SWE"] * 9 + ["NOR"]


def term_of(d):
    """The academic term a date falls in: VT (spring) or HT (autumn)."""
    return ("VT%d" if d.month < 7 else "HT%d") % d.year


class FileSource:
    """Persons read from a permit register file (CSV or JSONL)."""

    def __init__(self, path, fmt):
        self.by_ground = {"work": [], "study": [], "*": []}
        self.known_pn = set()
        self.known_pid = set()
        with open(path, encoding="utf-8", newline="") as f:
            if fmt == "jsonl" or (fmt is None and path.endswith((".jsonl", ".ndjson"))):
                records = (json.loads(line) for line in f if line.strip())
            else:
                records = csv.DictReader(f)
            for r in records:
                if r.get("status", "active") not in ("", "active"):
                    continue
                pid, pn = r["person_id"], r.get("personal_number") or ""
                self.known_pid.add(pid)
                if pn:
                    self.known_pn.add(pn.replace("-", "").replace("+", ""))
                g = r["ground"]
                p = (pid, pn, g, r.get("employer_org_no") or "", r.get("institution") or "")
                self.by_ground["*"].append(p)
                if g in self.by_ground:
                    self.by_ground[g].append(p)
        for g, lst in self.by_ground.items():
            if not lst:
                sys.exit(f"gen_signals: {path} has no active {'' if g == '*' else g + ' '}permit")
        self.fresh = Persons(0xC0FFEE)  # a source of valid personal numbers
        self.next_fresh = 0

    def pick(self, rng, ground):
        lst = self.by_ground[ground]
        return lst[int(rng.random() * len(lst))]

    def fresh_personal_number(self):
        """A valid personal number that no permit in the file has."""
        while True:
            pn = self.fresh.unknown_personal_number(self.next_fresh)
            self.next_fresh += 1
            if pn.replace("-", "") not in self.known_pn:
                return pn


class GeneratedSource:
    """The persons of `gen_permits.py --count N --seed S`, rebuilt on demand."""

    def __init__(self, count, seed, second_permits=0):
        self.count = count
        self.persons = Persons(seed, second_permits)
        self.next_fresh = 0

    def pick(self, rng, ground):
        for _ in range(10000):  # rejection sampling: every ground is at least 5% of the rows
            p = self.persons.person(int(rng.random() * self.count))
            if ground == "*" or p[2] == ground:
                return p
        sys.exit(f"gen_signals: no {ground} permit among {self.count} persons")

    def fresh_personal_number(self):
        """Numbers from the far end of the numbering: no person of the register has them."""
        pn = self.persons.unknown_personal_number(self.next_fresh)
        self.next_fresh += 1
        return pn


def signals(src, count, seed, today, prefix, unknown_fraction, pid_fraction):
    rng = random.Random(seed * 7919 + 17)
    rand = rng.random
    table = []
    acc = 0
    for kind, w in KINDS:
        acc += w
        table.append((acc / 1000, kind))
    other_employer = Persons(seed + 1).employers
    for n in range(1, count + 1):
        x = rand()
        kind = next(k for limit, k in table if x < limit or limit >= 1.0)
        occurred = today - timedelta(days=1 + int(rand() * 7))
        s = {"id": f"{prefix}-{n:07d}", "kind": kind}
        if rand() < unknown_fraction:
            # a person the register does not know: a new arrival, or a feed error
            if rand() < 0.8:
                s["personal_number"] = src.fresh_personal_number()
            else:
                s["person_id"] = f"P-X{n}"
            emp = other_employer[int(rand() * len(other_employer))]
            inst = INSTITUTIONS[int(rand() * len(INSTITUTIONS))]
        else:
            pid, pn, _, emp, inst = src.pick(rng, TARGET.get(kind, "*"))
            if pn and rand() >= pid_fraction:
                s["personal_number"] = pn
            else:
                s["person_id"] = pid
        s["occurred_on"] = occurred.isoformat()
        if kind == "income_reported":
            y = rand()
            if y < 0.08:
                amount = 9000 + int(rand() * (THRESHOLD_SEK - 9000))  # under the threshold
            else:
                amount = THRESHOLD_SEK + int(rand() * 70000)
                if y < 0.12:
                    emp = other_employer[int(rand() * len(other_employer))]  # another employer
            first = occurred.replace(day=1) - timedelta(days=1)
            s["data"] = {"employer_org_no": emp, "amount_sek": amount, "period": first.strftime("%Y-%m")}
        elif kind == "employment_ended":
            s["data"] = {"employer_org_no": emp}
        elif kind in ("study_registration_missing", "study_progress_insufficient"):
            s["data"] = {"institution": inst, "term": term_of(occurred)}
        elif kind == "citizenship_changed":
            s["data"] = {"new_citizenship": CITIZENSHIPS[int(rand() * len(CITIZENSHIPS))]}
        elif kind == "emigrated":
            s["data"] = {"destination": DESTINATIONS[int(rand() * len(DESTINATIONS))]}
        elif kind == "birth_date_changed":
            s["data"] = {"new_personal_number": src.fresh_personal_number()}
        else:
            s["data"] = {}
        yield s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10000, help="signals to write (default 10000)")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--permits", metavar="FILE", help="a permit register to draw the persons from")
    src.add_argument("--persons", type=int, metavar="N",
                     help="rebuild the persons of `gen_permits.py --count N --seed SEED` instead")
    ap.add_argument("--permits-format", choices=["csv", "jsonl"], help="override FILE's extension")
    ap.add_argument("--seed", type=int, default=1,
                    help="random seed; with --persons also the seed the register was generated with")
    ap.add_argument("--date", type=date.fromisoformat, default=date(2027, 3, 1),
                    help="the delivery date: occurred_on falls in the 7 days before it (default 2027-03-01)")
    ap.add_argument("--id-prefix", help="signal id prefix (default gen-DATE)")
    ap.add_argument("--second-permits", type=int, default=0,
                    help="with --persons: the --second-permits the register was generated with")
    ap.add_argument("--unknown-fraction", type=float, default=0.05)
    ap.add_argument("--person-id-fraction", type=float, default=0.10)
    a = ap.parse_args()
    if a.persons is not None and not 0 < a.persons < SPACE // 2:
        ap.error(f"--persons must be between 1 and {SPACE // 2}")
    source = FileSource(a.permits, a.permits_format) if a.permits else GeneratedSource(a.persons, a.seed, a.second_permits)
    prefix = a.id_prefix or f"gen-{a.date.isoformat()}"
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20, closefd=False)
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    try:
        buf = []
        for s in signals(source, a.count, a.seed, a.date, prefix, a.unknown_fraction, a.person_id_fraction):
            buf.append(dumps(s) + "\n")
            if len(buf) >= 10000:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))
        out.flush()
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
