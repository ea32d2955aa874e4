//! `import signals FILE`: outside events (population register, universities, employers) are
//! checked and stored as pending signals in order of receipt; the next tick turns them into tasks.
//!
//! Feeds are re-delivered, so a signal whose id was received before (in an earlier import or
//! earlier in the same file) is a duplicate: counted and ignored, not an error. Otherwise as for
//! permits: one transaction, every error reported, nothing kept unless `--skip-invalid`.

use super::read::{self, Fields, Format, RecordError, Records};
use super::{ImportOptions, ImportReport, Intake};
use crate::domain::ids::{quoted, OrgNo, PersonId, PersonalNumber, SignalId};
use crate::domain::policy::Policy;
use crate::domain::signal::{BIRTH_DATE_CHANGED, INCOME_REPORTED};
use crate::errors::UsageError;
use crate::privacy::PnKey;
use crate::storage::imports::Counts;
use crate::storage::signals::{self as store, NewSignalRow};
use crate::storage::{self, in_pass, AnyConnection};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// The keys of a signal record.
pub const FIELDS: &[&str] = &["id", "kind", "person_id", "personal_number", "occurred_on", "data"];

/// Signals written per batch.
const BATCH: usize = 1_000;

/// Imports a signal feed; `on_error` hears every invalid record as it is found.
pub fn import_signals(
    conn: &mut AnyConnection,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> anyhow::Result<ImportReport> {
    if opts.format_or(Format::Jsonl)? != Format::Jsonl {
        return Err(UsageError(format!("{}: signals are JSON lines (one object a line)", opts.file)).into());
    }
    let input = read::open(&opts.file).map_err(|e| anyhow::anyhow!("{}: {e}", opts.file))?;
    let mut run =
        Run { policy, key, intake: Intake::new(opts, "signals"), seen: HashSet::new(), batch: Vec::new() };
    let pass = in_pass(conn, "import signals", |c| {
        run.intake.begin(c)?;
        let mut records = Records::new(input, Format::Jsonl, &opts.file, FIELDS)
            .map_err(|_| anyhow::anyhow!("unreadable"))?;
        while let Some(next) = records.next_record() {
            let file = records.file().to_string();
            match next.and_then(|f| run.validate(&file, &f)) {
                Err(errors) => run.intake.fail(errors, on_error),
                Ok(Some(row)) if run.intake.writing() => {
                    run.batch.push(row);
                    if run.batch.len() >= BATCH {
                        run.flush(c)?;
                    }
                }
                Ok(_) => {}
            }
        }
        run.flush(c)?;
        run.intake.close(c)
    });
    run.intake.outcome(pass, summary)
}

/// `12 received, 1 duplicate(s) ignored`.
pub fn summary(c: &Counts) -> String {
    format!("{} received, {} duplicate(s) ignored", c.inserted, c.duplicates)
}

struct Run<'a> {
    policy: &'a Policy,
    key: &'a PnKey,
    intake: Intake<'a>,
    seen: HashSet<String>,
    batch: Vec<NewSignalRow>,
}

impl Run<'_> {
    /// Checks one record; `Ok(None)` for a duplicate of one earlier in this file.
    fn validate(&mut self, file: &str, f: &Fields) -> Result<Option<NewSignalRow>, Vec<RecordError>> {
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
        let pn = f
            .get("personal_number")
            .and_then(|v| PersonalNumber::parse(v).map_err(|e| bad("personal_number", e.0)).ok());
        if f.get("person_id").is_none() && f.get("personal_number").is_none() {
            bad("person_id", "person_id or personal_number is required".into());
        }
        let occurred_on = match f.get("occurred_on") {
            None => {
                bad("occurred_on", "is required".into());
                None
            }
            Some(v) => crate::storage::sqltime::parse_day(v).or_else(|| {
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
        let new_pn_hash = kind.as_deref().and_then(|k| check_data(k, &mut data, self.key, &mut bad));
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(id), Some(kind), Some(occurred_on)) = (id, kind, occurred_on) else {
            unreachable!("a missing value was reported as an error")
        };
        if !self.seen.insert(id.as_str().to_string()) {
            self.intake.counts.duplicates += 1;
            return Ok(None);
        }
        Ok(Some(NewSignalRow {
            id: id.as_str().to_string(),
            kind,
            person_id: person.map(|p| p.as_str().to_string()),
            // person_id wins when both are given, but the number still links nothing: drop it.
            pn_hash: if f.get("person_id").is_some() { None } else { pn.map(|pn| self.key.hash(&pn)) },
            new_pn_hash,
            occurred_on,
            data: Value::Object(data).to_string(),
            import_id: self.intake.import_id,
            received_at: storage::micros(self.intake.opts.now),
            received_on: self.intake.opts.today,
            state: "pending".into(),
        }))
    }

    /// Stores the batch, skipping signals received in earlier imports.
    fn flush(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        if self.batch.is_empty() || !self.intake.writing() {
            self.batch.clear();
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        let ids: Vec<&str> = batch.iter().map(|r| r.id.as_str()).collect();
        let known = store::known_ids(c, &ids)?;
        batch.retain(|r| !known.contains(&r.id));
        self.intake.counts.duplicates += known.len() as i64;
        self.intake.counts.inserted += batch.len() as i64;
        store::insert(c, &batch)?;
        Ok(())
    }
}

/// Checks the kind-specific data; returns the hash of a replacing personal number, which is
/// removed from the data so that it is never stored in clear.
fn check_data(
    kind: &str,
    data: &mut Map<String, Value>,
    key: &PnKey,
    bad: &mut dyn FnMut(&str, String),
) -> Option<String> {
    if let Some(v) = data.get("employer_org_no") {
        match v.as_str().map(OrgNo::parse) {
            Some(Ok(org)) => {
                data.insert("employer_org_no".into(), Value::String(key.employer(&org)));
            }
            Some(Err(e)) => bad("data.employer_org_no", e.0),
            None => bad("data.employer_org_no", "must be a string of 10 digits".into()),
        }
    }
    if kind == INCOME_REPORTED {
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
    let new_number = data.remove("new_personal_number");
    scrub_personal_numbers(data);
    let new_number = new_number?;
    if kind != BIRTH_DATE_CHANGED {
        bad("data.new_personal_number", "belongs to birth_date_changed only".into());
        return None;
    }
    match new_number.as_str().map(PersonalNumber::parse) {
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

/// Replaces every string in `data` that is a personal number: the contract lets a number in only
/// as `new_personal_number` (hashed), and a feed's other fields must not smuggle one into storage.
fn scrub_personal_numbers(data: &mut Map<String, Value>) {
    fn scrub(v: &mut Value) {
        match v {
            Value::String(s) if PersonalNumber::parse(s.trim()).is_ok() => {
                *v = Value::String("[personal number removed]".into())
            }
            Value::Array(items) => items.iter_mut().for_each(scrub),
            Value::Object(map) => map.values_mut().for_each(scrub),
            _ => {}
        }
    }
    data.values_mut().for_each(scrub);
}
