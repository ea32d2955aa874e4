#!/usr/bin/env python3
"""Generate a large, valid permit register for benchmarks (docs/REFERENCE.md §3), streaming to standard output.

    python3 scripts/gen_permits.py --count 1000000 --seed 1 \
        --due-fraction 0.01 --due-on 2027-03-01 > /tmp/permits.csv
    python3 scripts/gen_permits.py --count 1000 --format jsonl > /tmp/permits.jsonl

Every row is valid: unique `permit_id`, one person per row (`person_id` P-<100000+row>), a Luhn-valid
personal number unique to the person on about 85% of rows (about 2% of them coordination numbers,
day + 60), ground mix about 40% work, 30% study, 15% family, 10% refugee, 5% subsidiary_protection,
`employer_org_no` on work permits, `institution` on study permits, `valid_until` empty on refugee
permits, status `active`.

Dates assume the default policy of every ground (config/default.toml): first_review_after =
review_every = 6 months (study), 12 months (work, family, other), 24 months (refugee,
subsidiary_protection), lead_time 14 days.

`--due-fraction F --due-on D`: exactly round(F * count) rows (spread evenly through the file) have
their first review occasion between D + 1 day and D + 14 days, so a tick on D creates their tasks
through the lead time (valid_from = occasion - first_review_after, in calendar months); every other
row has its first occasion later than D + 14 days (valid_from between D - first_review_after + ~15
days and D + 60 days), so nothing else is due by D. With the default F = 0 nothing is due by D.

`--catch-up-fraction G --catch-up-days N`: a further round(G * count) rows have their first
occasion between D + 15 and D + N + 14 days, so that a first tick on D + N (a daemon that was down
for N days) finds round((F + G) * count) reviews due; every other row is then later than that.

`--second-permits P`: about P% of the rows are a further permit of the previous row's holder
(the same person id and personal number, a ground of their own), as holders who move from study
to work or renew on another ground; give `gen_signals.py` the same P.

The persons (ids, personal numbers, grounds, employers, institutions) depend only on `--seed`,
`--second-permits` and the row number, not on the dates or `--due-*`: `gen_signals.py --persons N
--seed S` rebuilds them without reading the file. Standard library only.
"""

import argparse
import calendar
import os
import random
import sys
from datetime import date, timedelta

# ---- policy (the defaults of config/default.toml) ------------------------------------------------

# ground -> (first_review_after in months, months of validity; None: permanent)
GROUNDS = {
    "work": (12, 24),
    "study": (6, 24),
    "family": (12, 36),
    "refugee": (24, None),
    "subsidiary_protection": (24, 36),
}
LEAD_DAYS = 14
# cumulative per-mille thresholds of the ground mix
GROUND_MIX = [(400, "work"), (700, "study"), (850, "family"), (950, "refugee"), (1000, "subsidiary_protection")]

INSTITUTIONS = [
    "Lunds universitet", "Uppsala universitet", "KTH Royal Institute of Technology",
    "Stockholms universitet", "Göteborgs universitet", "Chalmers tekniska högskola",
    "Linköpings universitet", "Umeå universitet", "Karolinska Institutet",
    "Sveriges lantbruksuniversitet", "Luleå tekniska universitet", "Örebro universitet",
    "Linnéuniversitetet", "Karlstads universitet", "Mittuniversitetet", "Mälardalens universitet",
    "Malmö universitet", "Jönköping University", "Högskolan i Borås", "Blekinge tekniska högskola",
    "Södertörns högskola", "Högskolan Väst", "Stockholm School of Economics", "Konstfack",
]
EMPLOYERS = 20000  # size of the employer pool

# ---- identity numbers ----------------------------------------------------------------------------

M64 = (1 << 64) - 1


def mix64(x):
    """splitmix64 finaliser: a well-spread 64-bit hash of an integer."""
    x &= M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def luhn_digit(nine):
    """The check digit that makes `nine` + digit pass the Luhn check (weights 2, 1, 2, ...)."""
    s = 0
    for k, ch in enumerate(nine):
        d = int(ch) * (2 - k % 2)
        s += d - 9 if d > 9 else d
    return (10 - s % 10) % 10


def luhn_ok(ten):
    s = 0
    for k, ch in enumerate(ten):
        d = int(ch) * (2 - k % 2)
        s += d - 9 if d > 9 else d
    return s % 10 == 0


BIRTH_FIRST = date(1950, 1, 1)
BIRTH_DAYS = (date(2006, 12, 31) - BIRTH_FIRST).days + 1
SERIALS = 999  # 001..999
SPACE = BIRTH_DAYS * SERIALS  # distinct (birth date, serial) pairs
PERM_A = 12_854_029  # prime, about SPACE / golden ratio, coprime with SPACE
assert SPACE % PERM_A != 0


def _luhn_partial(digits):
    """Sum of the Luhn products of `digits` placed at the start (weights 2, 1, 2, ...)."""
    s = 0
    for k, ch in enumerate(digits):
        d = int(ch) * (2 - k % 2)
        s += d - 9 if d > 9 else d
    return s


# birth day -> (YYYYMMDD, Luhn partial of YYMMDD) for personal and coordination numbers
_DAYS = []
for _n in range(BIRTH_DAYS):
    _d = BIRTH_FIRST + timedelta(days=_n)
    _p = _d.strftime("%Y%m%d")
    _c = _p[:6] + "%02d" % (_d.day + 60)
    _DAYS.append((_p, _luhn_partial(_p[2:]), _c, _luhn_partial(_c[2:])))
# serial -> ("NNN", Luhn partial of NNN at positions 6..8: weights 2, 1, 2)
_SERIALS = []
for _s in range(1, SERIALS + 1):
    _t = "%03d" % _s
    _SERIALS.append((_t, _luhn_partial(_t)))


def personal_number(day, serial, coordination=False):
    """The personal (or coordination) number of birth day index `day` and serial index `serial`."""
    p, lp, c, lc = _DAYS[day]
    t, lt = _SERIALS[serial]
    if coordination:
        p, lp = c, lc
    return "%s-%s%d" % (p, t, (10 - (lp + lt) % 10) % 10)


def org_number(k, seed):
    """A Luhn-valid 10-digit organisation number, distinct for distinct k < 2,000,000."""
    prefix = "556" if k % 2 == 0 else "559"
    body = "%s%06d" % (prefix, ((k // 2) * 7919 + seed * 104729) % 1_000_000)
    return body + str(luhn_digit(body))


class Persons:
    """The persons of a generated register: row i belongs to person i; everything depends on
    (seed, i) only, so `gen_signals.py` can rebuild any person without the file."""

    def __init__(self, seed, second_permits=0):
        self.seed = seed
        self.second_permits = second_permits
        self.salt = mix64(seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019)
        self.offset = self.salt % SPACE
        self.k1, self.k2, self.k3 = (mix64(self.salt + n) | 1 for n in (1, 2, 3))
        self.employers = [org_number(k, seed) for k in range(EMPLOYERS)]

    def _index(self, i):
        """A bijection of [0, SPACE) onto (birth day, serial) pairs that looks random: an affine
        map, then three Feistel-like rounds in mixed radix (each adds a hash of the other part)."""
        day, serial = divmod((PERM_A * i + self.offset) % SPACE, SERIALS)
        serial = (serial + ((day * self.k1) >> 40)) % SERIALS
        day = (day + ((serial * self.k2) >> 40)) % BIRTH_DAYS
        serial = (serial + ((day * self.k3) >> 40)) % SERIALS
        return day, serial

    def holder(self, i):
        """The row whose person holds row i: i itself, or for a further permit the holder of
        the row before."""
        while i > 0 and mix64(self.salt ^ (i * 0xD1B54A32D192ED03)) % 100 < self.second_permits:
            i -= 1
        return i

    def person(self, i):
        """(person_id, personal_number or "", ground, employer_org_no or "", institution or "")."""
        h = mix64(self.salt ^ (i * 0x9E3779B97F4A7C15))
        g = h % 1000
        for limit, ground in GROUND_MIX:
            if g < limit:
                break
        who = self.holder(i)
        hw = mix64(self.salt ^ (who * 0x9E3779B97F4A7C15))
        if (hw >> 10) % 100 < 85:
            pn = personal_number(*self._index(who), (hw >> 17) % 100 < 2)
        else:
            pn = ""
        emp = self.employers[(h >> 24) % EMPLOYERS] if ground == "work" else ""
        inst = INSTITUTIONS[(h >> 48) % len(INSTITUTIONS)] if ground == "study" else ""
        return "P-%d" % (100000 + who), pn, ground, emp, inst

    def unknown_personal_number(self, k):
        """A valid personal number that no row of a register with fewer than SPACE - k rows has."""
        return personal_number(*self._index(SPACE - 1 - k))


# ---- dates ---------------------------------------------------------------------------------------


def add_months(d, m):
    """d + m calendar months (m may be negative), clamping the day to the month's last day."""
    y, mo = divmod(d.month - 1 + m, 12)
    y += d.year
    mo += 1
    return date(y, mo, min(d.day, calendar.monthrange(y, mo)[1]))


def validity(vf, ground):
    """(valid_from, valid_until) as strings; valid_until is the day before vf + validity months."""
    months = GROUNDS[ground][1]
    vu = "" if months is None else (add_months(vf, months) - timedelta(days=1)).isoformat()
    return vf.isoformat(), vu


def occasions_between(ground, low, high):
    """The (valid_from, valid_until) pairs of `ground` whose first occasion is after `low` and on
    or before `high`."""
    first = GROUNDS[ground][0]
    opts = []
    for k in range(1, (high - low).days + 1):
        vf = add_months(low + timedelta(days=k), -first)
        if low < add_months(vf, first) <= high:  # clamping can move it: keep only exact ones
            opts.append(validity(vf, ground))
    return sorted(set(opts))


def date_choices(due_on, catch_up_days):
    """Per ground: the (valid_from, valid_until) pairs of due rows, of catch-up rows (due by
    due_on + catch_up_days) and of the other rows."""
    due, catch_up, later = {}, {}, {}
    lead = timedelta(days=LEAD_DAYS)
    last_due = due_on + timedelta(days=catch_up_days)
    for ground, (first, _) in GROUNDS.items():
        due[ground] = occasions_between(ground, due_on, due_on + lead)
        catch_up[ground] = occasions_between(ground, due_on + lead, last_due + lead) or due[ground]
        assert due[ground], ground
        # the first valid_from whose first occasion minus the lead time is after the last tick
        # date; later ones are too, since adding months is monotonic
        vf = add_months(last_due, -first)
        while add_months(vf, first) - lead <= last_due:
            vf += timedelta(days=1)
        last = last_due + timedelta(days=60)
        later[ground] = [validity(vf + timedelta(days=n), ground) for n in range((last - vf).days + 1)]
    return due, catch_up, later


# ---- output --------------------------------------------------------------------------------------

HEADER = "permit_id,person_id,personal_number,ground,valid_from,valid_until,status,unit,employer_org_no,institution\n"


def rows(count, seed, due_fraction, due_on, catch_up=(0.0, 0), second_permits=0):
    """Yield (permit_id, person_id, personal_number, ground, valid_from, valid_until, employer, institution)."""
    persons = Persons(seed, second_permits)
    rng = random.Random(seed)
    rand = rng.random
    due_dates, catch_up_dates, later_dates = date_choices(due_on, catch_up[1])
    n_due = round(due_fraction * count)
    n_catch = round(catch_up[0] * count)
    acc = acc_c = owed = 0
    for i in range(count):
        pid, pn, ground, emp, inst = persons.person(i)
        # exactly n_due rows (and n_catch more), spread evenly: a row is due when
        # floor((i+1)n/c) steps up; a catch-up row that falls on a due row goes to the next
        nxt, nxt_c = (i + 1) * n_due // count, (i + 1) * n_catch // count
        owed += nxt_c - acc_c
        if nxt != acc:
            choices = due_dates[ground]
        elif owed > 0:
            choices = catch_up_dates[ground]
            owed -= 1
        else:
            choices = later_dates[ground]
        acc, acc_c = nxt, nxt_c
        vf, vu = choices[int(rand() * len(choices))]
        yield "UT-%s-%d" % (vf[:4], 100000 + i), pid, pn, ground, vf, vu, emp, inst


def write_csv(out, it):
    out.write(HEADER)
    buf = []
    for permit_id, pid, pn, ground, vf, vu, emp, inst in it:
        buf.append(f"{permit_id},{pid},{pn},{ground},{vf},{vu},active,,{emp},{inst}\n")
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


def write_jsonl(out, it):
    # no value needs escaping: ids, digits and dates only, institution names without quotes
    buf = []
    for permit_id, pid, pn, ground, vf, vu, emp, inst in it:
        line = f'{{"permit_id": "{permit_id}", "person_id": "{pid}"'
        if pn:
            line += f', "personal_number": "{pn}"'
        line += f', "ground": "{ground}", "valid_from": "{vf}"'
        if vu:
            line += f', "valid_until": "{vu}"'
        line += ', "status": "active"'
        if emp:
            line += f', "employer_org_no": "{emp}"'
        if inst:
            line += f', "institution": "{inst}"'
        buf.append(line + "}\n")
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf.clear()
    out.write("".join(buf))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="rows to write (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--due-fraction", type=float, default=0.0,
                    help="share of rows whose first review is due by --due-on (default 0)")
    ap.add_argument("--due-on", type=date.fromisoformat, default=date(2027, 3, 1),
                    help="the tick date the due rows are due by (default 2027-03-01)")
    ap.add_argument("--catch-up-fraction", type=float, default=0.0,
                    help="share of further rows due by --due-on + --catch-up-days (default 0)")
    ap.add_argument("--catch-up-days", type=int, default=30, help="days of the catch-up (default 30)")
    ap.add_argument("--second-permits", type=int, default=0,
                    help="percent of rows that are a further permit of the previous row's holder (default 0)")
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    a = ap.parse_args()
    if not 0 <= a.second_permits < 100:
        ap.error("--second-permits must be a percentage below 100")
    if a.due_fraction + a.catch_up_fraction > 1.0 or a.catch_up_fraction < 0:
        ap.error("--due-fraction and --catch-up-fraction must add up to at most 1")
    if not 0 <= a.count < SPACE // 2:
        ap.error(f"--count must be between 0 and {SPACE // 2}")
    if not 0.0 <= a.due_fraction <= 1.0:
        ap.error("--due-fraction must be between 0 and 1")
    catch_up = (a.catch_up_fraction, a.catch_up_days if a.catch_up_fraction > 0 else 0)
    it = rows(a.count, a.seed, a.due_fraction, a.due_on, catch_up, a.second_permits)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 20, closefd=False)
    try:
        (write_csv if a.format == "csv" else write_jsonl)(out, it)
        out.flush()
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    main()
