//! Navet notification files made for the tests: synthetic persons (Luhn-valid numbers, names
//! with Swedish letters), written in the element order of the Tax Agency's schema. With
//! `NAVET_XSD` set to the schema's path, every file made is checked against it with `xmllint`
//! (the repository does not carry the schema; a developer who has it checks with it).

use std::fmt::Write as _;

/// One person's current entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// 12 digits.
    pub number: String,
    /// A coordination number (`TilldelatPersonNrSamordningsNr`).
    pub coordination: bool,
    pub first: String,
    pub middle: String,
    pub last: String,
    /// `Fodelsedatum`, YYYYMMDD (may be partial).
    pub birth: String,
    pub citizenships: Vec<String>,
    /// Code, date, replacing number.
    pub deregistration: Option<(String, String, Option<String>)>,
    pub protected: bool,
    /// `Sarlosning/Utvandring/UtvandringslandKod`.
    pub emigration: Option<String>,
}

/// The file's ids.
#[derive(Debug, Clone)]
pub struct FileInfo {
    pub order: String,
    pub job: u32,
    pub part: u32,
    pub effective: String,
}

impl FileInfo {
    /// A day's file: `job` tells files apart.
    pub fn day(job: u32, effective: &str) -> FileInfo {
        FileInfo { order: "00000236-FO01-0001".into(), job, part: 1, effective: effective.into() }
    }
}

const FIRST: &[&str] =
    &["Anna", "Björn", "Åsa", "Mohammed", "Fatima", "Jürgen", "Ölgü", "Li", "Sven", "Ingrid"];
const LAST: &[&str] =
    &["Andersson", "Öberg", "Al-Hassan", "Nguyen", "Svensson", "Kowalski", "Ström", "Haddad"];
const COUNTRIES: &[&str] = &["SY", "AF", "IQ", "ER", "SO", "IR", "TR", "PL", "FI", "DE"];

/// The `i`th synthetic person's number: a valid date of birth, a serial, a Luhn check digit.
pub fn number(i: u64) -> String {
    let year = 1960 + i % 50;
    let month = 1 + (i / 50) % 12;
    let day = 1 + (i / 600) % 28;
    let serial = 100 + (i / 16_800) % 900;
    let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    format!("{}{nine}{}", year / 100, luhn(&nine))
}

/// The Luhn check digit of nine digits.
pub fn luhn(nine: &str) -> u32 {
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i.is_multiple_of(2) { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The `i`th synthetic person, registered and alive.
pub fn person(i: u64) -> Person {
    let n = number(i);
    Person {
        birth: n[..8].to_string(),
        number: n,
        coordination: false,
        first: FIRST[(i % FIRST.len() as u64) as usize].into(),
        middle: if i.is_multiple_of(3) { "Maria".into() } else { String::new() },
        last: LAST[(i / 7 % LAST.len() as u64) as usize].into(),
        citizenships: vec![COUNTRIES[(i % COUNTRIES.len() as u64) as usize].into()],
        deregistration: None,
        protected: false,
        emigration: None,
    }
}

/// A permit register with one active permit `NF-{i}` for each person, ground `refugee`.
pub fn permits_csv(persons: &[(u64, &Person)]) -> String {
    let mut out = String::from("permit_id,person_id,personal_number,ground,valid_from\n");
    for (i, p) in persons {
        let _ = writeln!(out, "NF-{i},NP-{i},{},refugee,2024-01-15", p.number);
    }
    out
}

/// A whole file of `persons`, in order.
pub fn navet_file(info: &FileInfo, persons: &[Person]) -> String {
    let mut out = String::with_capacity(600 * persons.len() + 1_000);
    out.push_str(&header(info, persons.len()));
    for p in persons {
        record(&mut out, p);
    }
    out.push_str(FOOTER);
    check_against_schema(&out);
    out
}

/// Everything before the first record.
pub fn header(info: &FileInfo, count: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Navetavisering>
  <Aviseringsinformation>
    <Medieleverantor><OrgNr>162021004748</OrgNr><Organisationsnamn>Skatteverket</Organisationsnamn></Medieleverantor>
    <Mediemottagare><KundNr>00000236</KundNr><OrgNr>202100216300</OrgNr><Organisationsnamn>Migrationsverket</Organisationsnamn></Mediemottagare>
    <Filinformation>
      <BestallningsId>{order}</BestallningsId>
      <Bestallningstyp>Avisering</Bestallningstyp>
      <Produkt>NAVET</Produkt>
      <Utfil>
        <Filnamn>FO01-{job}.xml</Filnamn>
        <Effektueringsdatum>{effective}</Effektueringsdatum>
        <AntalPoster>{count}</AntalPoster>
        <AntalPosterTotalt>{count}</AntalPosterTotalt>
        <AntalFiler>1</AntalFiler>
        <FilNr>{part}</FilNr>
        <JobbId>{job}</JobbId>
      </Utfil>
    </Filinformation>
  </Aviseringsinformation>
  <Folkbokforingsposter>
"#,
        order = info.order,
        job = info.job,
        part = info.part,
        effective = info.effective,
    )
}

/// Everything after the last record.
pub const FOOTER: &str = "  </Folkbokforingsposter>\n</Navetavisering>\n";

/// One `Folkbokforingspost`.
pub fn record(out: &mut String, p: &Person) {
    let id = if p.coordination { "TilldelatPersonNrSamordningsNr" } else { "PersonNr" };
    let secret = if p.protected { "J" } else { "N" };
    let _ = write!(
        out,
        "    <Folkbokforingspost>\n      <Sekretessmarkering>{secret}</Sekretessmarkering>\n      <Personpost>\n        <PersonId><{id}>{}</{id}></PersonId>\n",
        p.number
    );
    if let Some((code, date, new)) = &p.deregistration {
        if let Some(new) = new {
            let _ = writeln!(out, "        <HanvisningsPersonNr>{new}</HanvisningsPersonNr>");
        }
        let _ = writeln!(
            out,
            "        <Avregistrering><AvregistreringsorsakKod>{code}</AvregistreringsorsakKod>"
        );
        if !date.is_empty() {
            let _ = write!(out, "          <Avregistreringsdatum>{date}</Avregistreringsdatum>");
        }
        out.push_str("</Avregistrering>\n");
    }
    let _ = writeln!(out, "        <Fodelsedatum>{}</Fodelsedatum>", p.birth);
    let _ = write!(out, "        <Namn><Fornamn>{}</Fornamn>", escape(&p.first));
    if !p.middle.is_empty() {
        let _ = write!(out, "<Mellannamn>{}</Mellannamn>", escape(&p.middle));
    }
    let _ = writeln!(out, "<Efternamn>{}</Efternamn></Namn>", escape(&p.last));
    for c in &p.citizenships {
        let _ = writeln!(
            out,
            "        <Medborgarskap><MedborgarskapslandKod>{c}</MedborgarskapslandKod></Medborgarskap>"
        );
    }
    out.push_str("      </Personpost>\n");
    if let Some(country) = &p.emigration {
        let _ = writeln!(out, "      <Sarlosning><Utvandring><UtvandringslandKod>{country}</UtvandringslandKod></Utvandring></Sarlosning>");
    }
    out.push_str("    </Folkbokforingspost>\n");
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

/// Checks `xml` against the schema at `NAVET_XSD`, when that is set.
pub fn check_against_schema(xml: &str) {
    let Ok(xsd) = std::env::var("NAVET_XSD") else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.xml");
    std::fs::write(&path, xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema", &xsd])
        .arg(&path)
        .output()
        .expect("xmllint (Debian's libxml2-utils)");
    assert!(out.status.success(), "not valid against {xsd}:\n{}", String::from_utf8_lossy(&out.stderr));
}
