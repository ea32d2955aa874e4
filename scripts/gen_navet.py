#!/usr/bin/env python3
"""Synthetic Navet notification files for scripts/bench, in the element order of the Tax Agency's
schema: a first full file of COUNT persons, or (--day) a day's file of COUNT records of persons
from that full file, about three in ten changed (a name, a date of birth, a citizenship, a
deregistration of each kind). Every person, name and number is made up; the numbers pass the
Luhn check.

    scripts/gen_navet.py --count 2000000 > full.xml
    scripts/gen_navet.py --count 10000 --persons 2000000 --day --job 2 > day.xml
"""

import argparse
import random
import sys

FIRST = ["Anna", "Björn", "Åsa", "Mohammed", "Fatima", "Jürgen", "Ölgü", "Li", "Sven", "Ingrid", "Amira", "Omar"]
LAST = ["Andersson", "Öberg", "Al-Hassan", "Nguyen", "Svensson", "Kowalski", "Ström", "Haddad", "Ali", "Berg"]
COUNTRIES = ["SY", "AF", "IQ", "ER", "SO", "IR", "TR", "PL", "FI", "DE", "IN", "CN"]


def luhn(nine):
    total = 0
    for i, c in enumerate(nine):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return (10 - total % 10) % 10


def number(i):
    """The i-th person's 12-digit number: unique for i below 16,800 × 900 × 10."""
    year = 1940 + i % 70
    month = 1 + (i // 70) % 12
    day = 1 + (i // 840) % 28
    serial = (i // 23520) % 1000
    nine = f"{year % 100:02}{month:02}{day:02}{serial:03}"
    return f"{year // 100}{nine}{luhn(nine)}"


def person(i):
    n = number(i)
    return {
        "number": n, "birth": n[:8], "first": FIRST[i % len(FIRST)], "middle": "Maria" if i % 3 == 0 else "",
        "last": LAST[(i // 7) % len(LAST)], "countries": [COUNTRIES[i % len(COUNTRIES)]], "dereg": None, "emig": None,
        "secret": "J" if i % 997 == 0 else "N",
    }


def header(out, count, job, effective):
    out.write(f"""<?xml version="1.0" encoding="UTF-8"?>
<Navetavisering>
  <Aviseringsinformation>
    <Medieleverantor><OrgNr>162021004748</OrgNr><Organisationsnamn>Skatteverket</Organisationsnamn></Medieleverantor>
    <Mediemottagare><KundNr>00000236</KundNr><OrgNr>202100216300</OrgNr><Organisationsnamn>Migrationsverket</Organisationsnamn></Mediemottagare>
    <Filinformation>
      <BestallningsId>00000236-FO01-0001</BestallningsId>
      <Bestallningstyp>Avisering</Bestallningstyp>
      <Produkt>NAVET</Produkt>
      <Utfil>
        <Filnamn>FO01-{job}.xml</Filnamn>
        <Effektueringsdatum>{effective}</Effektueringsdatum>
        <AntalPoster>{count}</AntalPoster>
        <AntalPosterTotalt>{count}</AntalPosterTotalt>
        <AntalFiler>1</AntalFiler>
        <FilNr>1</FilNr>
        <JobbId>{job}</JobbId>
      </Utfil>
    </Filinformation>
  </Aviseringsinformation>
  <Folkbokforingsposter>
""")


def record(out, p):
    parts = [f"    <Folkbokforingspost>\n      <Sekretessmarkering>{p['secret']}</Sekretessmarkering>\n      <Personpost>\n"
             f"        <PersonId><PersonNr>{p['number']}</PersonNr></PersonId>\n"]
    if p["dereg"]:
        code, date, new = p["dereg"]
        if new:
            parts.append(f"        <HanvisningsPersonNr>{new}</HanvisningsPersonNr>\n")
        parts.append(f"        <Avregistrering><AvregistreringsorsakKod>{code}</AvregistreringsorsakKod>"
                     f"<Avregistreringsdatum>{date}</Avregistreringsdatum></Avregistrering>\n")
    parts.append(f"        <Fodelsedatum>{p['birth']}</Fodelsedatum>\n        <Namn><Fornamn>{p['first']}</Fornamn>")
    if p["middle"]:
        parts.append(f"<Mellannamn>{p['middle']}</Mellannamn>")
    parts.append(f"<Efternamn>{p['last']}</Efternamn></Namn>\n")
    for c in p["countries"]:
        parts.append(f"        <Medborgarskap><MedborgarskapslandKod>{c}</MedborgarskapslandKod></Medborgarskap>\n")
    parts.append("      </Personpost>\n")
    if p["emig"]:
        parts.append(f"      <Sarlosning><Utvandring><UtvandringslandKod>{p['emig']}</UtvandringslandKod></Utvandring></Sarlosning>\n")
    parts.append("    </Folkbokforingspost>\n")
    out.write("".join(parts))


def changed(p, rng, i):
    kind = rng.randrange(20)
    if kind == 0:
        p["last"] = "Lindqvist"
    elif kind == 1:
        p["birth"] = p["birth"][:6] + ("02" if p["birth"][6:] != "02" else "03")
    elif kind == 2:
        p["countries"] = p["countries"] + ["SE"]
    elif kind == 3:
        p["dereg"] = ("UV", "20261105", None)
        p["emig"] = "NO"
    elif kind == 4:
        p["dereg"] = (rng.choice(["AV", "OB", "AN", "TA"]), "20261100", None)
    elif kind == 5:
        p["dereg"] = ("GN", "20261104", number(10_000_000 + i))
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--persons", type=int, default=0, help="with --day: the persons of the full file")
    ap.add_argument("--day", action="store_true")
    ap.add_argument("--job", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    out = sys.stdout
    header(out, a.count, a.job, "20261106" if a.day else "20261101")
    if a.day:
        for i in rng.sample(range(a.persons), a.count):
            record(out, changed(person(i), rng, i))
    else:
        for i in range(a.count):
            record(out, person(i))
    out.write("  </Folkbokforingsposter>\n</Navetavisering>\n")


if __name__ == "__main__":
    main()
