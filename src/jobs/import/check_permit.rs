//! Checking one permit record (docs/REFERENCE.md §3): every field error of it is found, and a
//! valid record becomes a domain [`Permit`], its personal number already a keyed hash and any
//! personal number in its free text replaced by a marker.

use super::read::{self, Fields, RecordError};
use super::seen::SeenIds;
use crate::domain::calendar::parse_date;
use crate::domain::ids::{quoted, OrgNo, PermitId, PersonId};
use crate::domain::permit::{Permit, PermitStatus, Validity};
use crate::domain::personal_number::PersonalNumber;
use crate::domain::policy::Policy;
use crate::privacy::PnKey;
use chrono::NaiveDate;

/// The columns and keys of a permit record.
pub const FIELDS: &[&str] = &[
    "permit_id",
    "person_id",
    "personal_number",
    "ground",
    "valid_from",
    "valid_until",
    "status",
    "unit",
    "employer_org_no",
    "institution",
];

/// The longest `institution`, in characters.
const MAX_INSTITUTION_CHARS: usize = 200;

/// Checks the records of one file, remembering the ids seen so that one given twice is found.
pub struct PermitChecker<'a> {
    policy: &'a Policy,
    key: &'a PnKey,
    file: &'a str,
    /// The date of the import, which gives a 10-digit personal number its century.
    today: NaiveDate,
    /// The permit ids seen and the line of each, to find ids that occur twice.
    seen: SeenIds,
}

impl<'a> PermitChecker<'a> {
    /// A checker for the records of `file` against `policy`'s grounds and units, imported on
    /// `today`.
    pub fn new(policy: &'a Policy, key: &'a PnKey, file: &'a str, today: NaiveDate) -> Self {
        PermitChecker { policy, key, file, today, seen: SeenIds::new(std::env::temp_dir()) }
    }

    /// The checker, sizing its memory of the ids seen for a file of about `rows` records (0:
    /// not known, as for standard input).
    pub fn expecting(mut self, rows: u64) -> Self {
        let rows = if rows == 0 { u64::MAX } else { rows };
        self.seen = SeenIds::expecting(std::env::temp_dir(), rows);
        self
    }

    /// The file name used in messages.
    pub fn file(&self) -> &'a str {
        self.file
    }

    /// Checks one record: every field error of it, and an id seen earlier in the file. An
    /// `Err` when the ids seen can no longer be kept (their temporary file failed).
    pub fn check(&mut self, f: &Fields) -> std::io::Result<Result<Permit, Vec<RecordError>>> {
        let file = self.file;
        let mut errors = Vec::new();
        let key = f.get("permit_id").map(str::to_string);
        let mut bad =
            |field: &str, reason: String| errors.push(read::error(file, f.line, field, &reason, key.clone()));
        let required = |name: &str, bad: &mut dyn FnMut(&str, String)| {
            let v = f.get(name);
            if v.is_none() {
                bad(name, "is required".into());
            }
            v
        };
        let permit_id = required("permit_id", &mut bad)
            .and_then(|v| PermitId::parse(v).map_err(|e| bad("permit_id", e.0)).ok());
        let person_id = required("person_id", &mut bad)
            .and_then(|v| PersonId::parse(v).map_err(|e| bad("person_id", e.0)).ok());
        let pn = f
            .get("personal_number")
            .and_then(|v| PersonalNumber::parse(v, self.today).map_err(|e| bad("personal_number", e.0)).ok());
        let ground = required("ground", &mut bad).and_then(|g| {
            if let Some((key, _)) = self.policy.grounds.get_key_value(g) {
                Some(key.clone())
            } else {
                bad("ground", format!("unknown ground {}", quoted(g)));
                None
            }
        });
        let date = |name: &str, v: &str, bad: &mut dyn FnMut(&str, String)| {
            parse_date(v).or_else(|| {
                bad(name, format!("{} is not a date (YYYY-MM-DD)", quoted(v)));
                None
            })
        };
        let valid_from = required("valid_from", &mut bad).and_then(|v| date("valid_from", v, &mut bad));
        let valid_until = f.get("valid_until").and_then(|v| date("valid_until", v, &mut bad));
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if until <= from {
                bad("valid_until", format!("{until} is not after valid_from {from}"));
            }
        }
        let status = f
            .get("status")
            .map_or(Ok(PermitStatus::Active), str::parse::<PermitStatus>)
            .map_err(|e| bad("status", e))
            .ok();
        let unit = f.get("unit").and_then(|u| {
            if let Some((key, _)) = self.policy.units.get_key_value(u) {
                Some(key.clone())
            } else {
                bad("unit", format!("unknown unit {}", quoted(u)));
                None
            }
        });
        let employer = f
            .get("employer_org_no")
            .and_then(|v| OrgNo::parse(v).map_err(|e| bad("employer_org_no", e.0)).ok());
        let institution = f.get("institution").map(|text| {
            if text.chars().count() > MAX_INSTITUTION_CHARS {
                bad("institution", format!("is longer than {MAX_INSTITUTION_CHARS} characters"));
            }
            self.key.redact_text(text, self.today).unwrap_or_else(|| text.to_string())
        });
        if let Some(id) = &permit_id {
            if let Some(first) = self.seen.first_line(id.as_str(), f.line)? {
                bad("permit_id", format!("{id} appears twice in this file (first on line {first})"));
            }
        }
        Ok(match (permit_id, person_id, ground, valid_from, status) {
            (Some(id), Some(person), Some(ground), Some(valid_from), Some(status)) if errors.is_empty() => {
                Ok(Permit {
                    id,
                    person,
                    pn_hash: pn.map(|pn| self.key.hash(&pn)),
                    ground,
                    validity: Validity { valid_from, valid_until },
                    status,
                    unit,
                    employer: employer.map(|o| self.key.employer(&o)),
                    institution,
                })
            }
            // A missing value was reported as an error.
            _ => Err(errors),
        })
    }
}
