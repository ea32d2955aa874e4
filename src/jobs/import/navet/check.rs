//! Checking a Navet file's header and each record's values (docs/REFERENCE.md §12). A valid
//! record's number becomes its keyed hash at once; its name, date of birth and countries stay
//! in clear only until [`observe`] hashes them under the person's salt.

use super::xml::{Header, RawRecord, Value};
use crate::domain::ids::{quoted, PnHash, SignalId};
use crate::domain::navet::{partial_date, Deregistration, FileKey, Observed};
use crate::domain::personal_number::PersonalNumber;
use crate::jobs::import::read::{self, RecordError};
use crate::privacy::PnKey;
use chrono::NaiveDate;

/// What the header says of the file.
#[derive(Debug, Clone)]
pub struct FileHeader {
    /// The file's ids.
    pub key: FileKey,
    /// `Effektueringsdatum`: the date of a change that gives none of its own.
    pub effective_on: NaiveDate,
    /// `AntalPoster`: the records the file holds.
    pub count: u64,
    /// The line of `AntalPoster`.
    pub count_line: u64,
    /// `Filnamn`, as the sender named the file.
    pub name: String,
}

impl FileHeader {
    /// The id of the signal of `kind` derived from the record at `position`: the same for the
    /// same file, so that a file delivered again adds nothing.
    pub fn signal_id(&self, position: u64, kind: &str) -> Result<SignalId, String> {
        let FileKey { order, job, part } = &self.key;
        SignalId::parse(&format!("navet-{order}-{job}-{part:03}-{position}-{kind}")).map_err(|e| e.0)
    }
}

/// Checks the header; every problem is one error, and any refuses the file.
pub fn check_header(file: &str, h: &Header) -> Result<FileHeader, Vec<RecordError>> {
    let mut errors = Vec::new();
    let mut bad =
        |line: u64, field: &str, reason: String| errors.push(read::error(file, line, field, &reason, None));
    let mut need = |v: &Option<Value>, field: &str| -> Option<Value> {
        if v.is_none() {
            bad(h.line, field, "is required (Aviseringsinformation/Filinformation names the file)".into());
        }
        v.clone()
    };
    let (order, job, part) =
        (need(&h.order, "BestallningsId"), need(&h.job, "JobbId"), need(&h.part, "FilNr"));
    let (effective, count) = (need(&h.effective, "Effektueringsdatum"), need(&h.count, "AntalPoster"));
    let order = order.and_then(|v| {
        let ok = v.text.chars().count() == 18
            && v.text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        ok.then_some(v.text.clone()).or_else(|| {
            bad(
                v.line,
                "BestallningsId",
                format!("{} must be 18 letters, digits, - _ or .", quoted(&v.text)),
            );
            None
        })
    });
    let mut number = |v: Option<Value>, field: &str, max: u64| -> Option<(u64, u64)> {
        let v = v?;
        match v.text.parse::<u64>() {
            Ok(n) if n <= max => Some((n, v.line)),
            _ => {
                bad(v.line, field, format!("{} is not a number from 0 to {max}", quoted(&v.text)));
                None
            }
        }
    };
    let job = number(job, "JobbId", 99_999_999);
    let part = number(part, "FilNr", 999);
    let count = number(count, "AntalPoster", 99_999_999);
    let effective_on = effective.and_then(|v| match partial_date(&v.text) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            bad(v.line, "Effektueringsdatum", "must be a date, not 00000000".into());
            None
        }
        Err(why) => {
            bad(v.line, "Effektueringsdatum", format!("{} {why}", quoted(&v.text)));
            None
        }
    });
    let name = h.name.as_ref().map(|v| v.text.clone()).unwrap_or_default();
    match (order, job, part, effective_on, count) {
        (Some(order), Some((job, _)), Some((part, _)), Some(effective_on), Some((count, count_line)))
            if errors.is_empty() =>
        {
            let key = FileKey { order, job: job as i64, part: part as i64 };
            let header = FileHeader { key, effective_on, count, count_line, name };
            match header.signal_id(99_999_999, "personal_number_replaced") {
                Ok(_) => Ok(header),
                Err(why) => Err(vec![read::error(
                    file,
                    h.line,
                    "BestallningsId",
                    &format!("cannot name signals: {why}"),
                    None,
                )]),
            }
        }
        _ => Err(errors),
    }
}

/// A valid record, its number hashed.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Where it begins.
    pub line: u64,
    /// Its place in the file.
    pub position: u64,
    /// The person's number, hashed.
    pub person: PnHash,
    /// `Sekretessmarkering` or `SkyddadFolkbokforing` `J`.
    pub protected: bool,
    /// The deregistration's code, date and replacing number (hashed).
    pub deregistration: Option<(String, Option<NaiveDate>, Option<PnHash>)>,
    /// `Fodelsedatum`, in clear until [`observe`].
    pub birth_date: Option<String>,
    /// `Namn`, in clear until [`observe`].
    pub name: Option<[String; 3]>,
    /// The countries of citizenship.
    pub citizenships: Option<Vec<String>>,
    /// `Sarlosning/Utvandring`'s country (empty without one).
    pub emigration: Option<String>,
}

/// Checks one record: a valid `PersonId` (and `HanvisningsPersonNr` when given), and dates.
pub fn check_record(
    file: &str,
    raw: &RawRecord,
    key: &PnKey,
    on: NaiveDate,
) -> Result<Checked, Vec<RecordError>> {
    let mut errors = Vec::new();
    let record = Some(format!("record {}", raw.position));
    let mut bad = |line: u64, field: &str, reason: String| {
        errors.push(read::error(file, line, field, &reason, record.clone()));
    };
    let number = |v: &Value, field: &str, bad: &mut dyn FnMut(u64, &str, String)| {
        if v.text.len() != 12 {
            bad(v.line, field, "must be 12 digits (YYYYMMDDNNNN)".into());
            return None;
        }
        PersonalNumber::parse(&v.text, on).map(|pn| key.hash(&pn)).map_err(|e| bad(v.line, field, e.0)).ok()
    };
    let person = match &raw.person {
        None => {
            bad(raw.line, "PersonId", "is required (PersonNr or TilldelatPersonNrSamordningsNr)".into());
            None
        }
        Some(v) => number(v, "PersonId", &mut bad),
    };
    let replaced_by = raw.replaced_by.as_ref().and_then(|v| number(v, "HanvisningsPersonNr", &mut bad));
    let deregistered_on = raw.deregistered_on.as_ref().and_then(|v| match partial_date(&v.text) {
        Ok(d) => d,
        Err(why) => {
            bad(v.line, "Avregistreringsdatum", format!("{} {why}", quoted(&v.text)));
            None
        }
    });
    let deregistration =
        raw.deregistration_code.as_ref().map(|c| (c.text.clone(), deregistered_on, replaced_by));
    match person {
        Some(person) if errors.is_empty() => Ok(Checked {
            line: raw.line,
            position: raw.position,
            person,
            protected: raw.protected,
            deregistration,
            birth_date: raw.birth_date.as_ref().map(|v| v.text.clone()),
            name: raw.name.clone(),
            citizenships: raw.citizenships.clone(),
            emigration: raw.emigration.clone(),
        }),
        _ => Err(errors),
    }
}

/// The record as the comparison sees it: each value hashed under the person's `salt`.
pub fn observe(key: &PnKey, salt: i64, r: &Checked) -> Observed {
    let deregistration = r.deregistration.as_ref().map(|(code, on, new_number)| Deregistration {
        digest: key.digest(salt, "deregistration", &[code, new_number.as_ref().map_or("", |h| h.as_str())]),
        code: code.clone(),
        on: *on,
        new_number: new_number.clone(),
    });
    Observed {
        name: r.name.as_ref().map(|[first, middle, last]| key.digest(salt, "name", &[first, middle, last])),
        birth_date: r.birth_date.as_ref().map(|d| key.digest(salt, "birth_date", &[d])),
        citizenships: r
            .citizenships
            .as_ref()
            .map(|codes| codes.iter().map(|c| (country(key, salt, c), c.clone())).collect()),
        deregistration,
        emigration: r.emigration.as_ref().map(|c| key.digest(salt, "emigration", &[c])),
    }
}

/// The hash of a country of citizenship.
pub fn country(key: &PnKey, salt: i64, code: &str) -> i64 {
    key.digest(salt, "citizenship", &[code])
}

/// The code of a country whose hash is `digest`, found among the codes the schema allows (one
/// or two letters or digits); `??` when it is none of them.
pub fn country_of(key: &PnKey, salt: i64, digest: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz";
    let one = ALPHABET.iter().map(|a| vec![*a]);
    let two = ALPHABET.iter().flat_map(|a| ALPHABET.iter().map(move |b| vec![*a, *b]));
    one.chain(two)
        .map(|code| String::from_utf8(code).unwrap_or_default())
        .find(|code| country(key, salt, code) == digest)
        .unwrap_or_else(|| "??".into())
}
