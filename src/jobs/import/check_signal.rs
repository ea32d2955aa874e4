//! Checking one signal record (docs/REFERENCE.md §3, §5): every field error of it is found,
//! and a valid record becomes a domain [`NewSignal`], its personal numbers keyed hashes or
//! replaced by a marker.

use super::read::{self, Fields, RecordError};
use crate::domain::calendar::parse_date;
use crate::domain::expectation::Label;
use crate::domain::ids::{quoted, OrgNo, PersonId, PnHash, SignalId};
use crate::domain::personal_number::PersonalNumber;
use crate::domain::policy::Policy;
use crate::domain::signal::{NewSignal, Subject, BIRTH_DATE_CHANGED, INCOME_REPORTED};
use crate::privacy::PnKey;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

/// The keys of a signal record.
pub const FIELDS: &[&str] = &["id", "kind", "person_id", "personal_number", "occurred_on", "data"];

/// Checks the records of one feed.
pub struct SignalChecker<'a> {
    /// The policy whose signal kinds are known.
    pub policy: &'a Policy,
    /// The key of the personal-number hash.
    pub key: &'a PnKey,
    /// The import the signals come with.
    pub import_id: i64,
    /// When they are received.
    pub received_at: NaiveDateTime,
    /// The local date they are received on.
    pub received_on: NaiveDate,
}

impl SignalChecker<'_> {
    /// Checks one record of `file`.
    pub fn check(&self, file: &str, f: &Fields) -> Result<NewSignal, Vec<RecordError>> {
        let mut errors = Vec::new();
        let key = f.get("id").map(str::to_string);
        let mut bad =
            |field: &str, reason: String| errors.push(read::error(file, f.line, field, &reason, key.clone()));
        let id = match f.get("id") {
            None => {
                bad("id", "is required".into());
                None
            }
            Some(v) => SignalId::parse(v).map_err(|e| bad("id", e.0)).ok(),
        };
        let kind = match f.get("kind") {
            None => {
                bad("kind", "is required".into());
                None
            }
            Some(k) if self.policy.signals.contains_key(k) => Some(k.to_string()),
            Some(k) => {
                bad("kind", format!("unknown kind {} (not under [signals])", quoted(k)));
                None
            }
        };
        let person =
            f.get("person_id").and_then(|v| PersonId::parse(v).map_err(|e| bad("person_id", e.0)).ok());
        let pn = f.get("personal_number").and_then(|v| {
            PersonalNumber::parse(v, self.received_on).map_err(|e| bad("personal_number", e.0)).ok()
        });
        if f.get("person_id").is_none() && f.get("personal_number").is_none() {
            bad("person_id", "person_id or personal_number is required".into());
        }
        let occurred_on = match f.get("occurred_on") {
            None => {
                bad("occurred_on", "is required".into());
                None
            }
            Some(v) => parse_date(v).or_else(|| {
                bad("occurred_on", format!("{} is not a date (YYYY-MM-DD)", quoted(v)));
                None
            }),
        };
        let mut data = match f.json.as_ref().and_then(|j| j.get("data")) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                bad("data", "must be a JSON object".into());
                Map::new()
            }
        };
        let new_pn_hash =
            kind.as_deref().and_then(|k| check_data(k, &mut data, (self.key, self.received_on), &mut bad));
        // A person id wins when both are given; the number then links nothing and is dropped.
        let subject = match (person, pn) {
            (Some(person), _) => Some(Subject::Person(person)),
            (None, Some(pn)) => Some(Subject::Number(self.key.hash(&pn))),
            (None, None) => None,
        };
        match (id, kind, subject, occurred_on) {
            (Some(id), Some(kind), Some(subject), Some(occurred_on)) if errors.is_empty() => Ok(NewSignal {
                id,
                kind,
                subject,
                new_pn_hash,
                occurred_on,
                data,
                import_id: self.import_id,
                received_at: self.received_at,
                received_on: self.received_on,
            }),
            // A missing value was reported as an error.
            _ => Err(errors),
        }
    }
}

/// Checks the kind-specific data; returns the hash of a replacing personal number. Every
/// personal number in it is replaced before it is stored: `new_personal_number` by `[linked]`
/// (its hash is returned), any other by its marker; a sole trader's `employer_org_no` by its
/// keyed hash.
fn check_data(
    kind: &str,
    data: &mut Map<String, Value>,
    (key, on): (&PnKey, NaiveDate),
    bad: &mut dyn FnMut(&str, String),
) -> Option<PnHash> {
    let employer = data.remove("employer_org_no").and_then(|v| match v.as_str().map(OrgNo::parse) {
        Some(Ok(org)) => Some(Value::String(key.employer(&org).as_str().to_string())),
        Some(Err(e)) => {
            bad("data.employer_org_no", e.0);
            None
        }
        None => {
            bad("data.employer_org_no", "must be a string of 10 digits".into());
            None
        }
    });
    if kind == INCOME_REPORTED {
        check_income(data, bad);
    } else if let Some(p) = data.get("period") {
        // The period an expectation's coverage names (docs/REFERENCE.md §13).
        if let Err(e) = p.as_str().ok_or_else(|| "must be a string".to_string()).and_then(Label::parse) {
            bad("data.period", e);
        }
    }
    let new_number = data.remove("new_personal_number");
    key.redact_object(data, on);
    if let Some(employer) = employer {
        data.insert("employer_org_no".into(), employer);
    }
    let new_number = new_number?;
    if kind != BIRTH_DATE_CHANGED {
        bad("data.new_personal_number", "belongs to birth_date_changed only".into());
        return None;
    }
    match new_number.as_str().map(|text| PersonalNumber::parse(text.trim(), on)) {
        Some(Ok(pn)) => {
            data.insert("new_personal_number".into(), Value::String("[linked]".into()));
            Some(key.hash(&pn))
        }
        Some(Err(e)) => {
            bad("data.new_personal_number", e.0);
            None
        }
        None => {
            bad("data.new_personal_number", "must be a string".into());
            None
        }
    }
}

/// `income_reported`'s own keys: a non-negative amount, and a `YYYY-MM` period when given.
fn check_income(data: &Map<String, Value>, bad: &mut dyn FnMut(&str, String)) {
    match data.get("amount_sek") {
        Some(v) if v.as_f64().is_some_and(|a| a >= 0.0) => {}
        Some(_) => bad("data.amount_sek", "must be a number of kronor, 0 or more".into()),
        None => bad("data.amount_sek", "is required for income_reported".into()),
    }
    if let Some(p) = data.get("period") {
        let ok = p.as_str().is_some_and(|p| {
            NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d").is_ok() && p.len() == 7
        });
        if !ok {
            bad("data.period", "must be a month, YYYY-MM".into());
        }
    }
}
