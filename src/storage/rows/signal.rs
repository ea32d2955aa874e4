//! The `signals` row.

use super::{RowReader, StoredDataError};
use crate::domain::ids::{PersonId, PnHash, SignalId};
use crate::domain::signal::{NewSignal, Signal, SignalState, Subject};
use crate::storage::schema::signals;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Map, Value};

/// A signal to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = signals, treat_none_as_default_value = false)]
pub struct NewSignalRow {
    /// Sender's id, unique.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Holder's person id, when given.
    pub person_id: Option<String>,
    /// Keyed hash of the personal number, when given.
    pub pn_hash: Option<String>,
    /// Keyed hash of a replacing personal number (birth_date_changed).
    pub new_pn_hash: Option<String>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// JSON object without personal numbers.
    pub data: String,
    /// The import it came with.
    pub import_id: i64,
    /// Instant of receipt (UTC).
    pub received_at: NaiveDateTime,
    /// Local date of receipt.
    pub received_on: NaiveDate,
    /// pending, processed or unmatched.
    pub state: String,
    /// The period it reports for (`data.period`), when it names one.
    pub period: Option<String>,
}

impl From<&NewSignal> for NewSignalRow {
    fn from(s: &NewSignal) -> Self {
        let (person_id, pn_hash) = match &s.subject {
            Subject::Person(p) => (Some(p.as_str().to_string()), None),
            Subject::Number(h) => (None, Some(h.as_str().to_string())),
        };
        NewSignalRow {
            id: s.id.as_str().to_string(),
            kind: s.kind.clone(),
            person_id,
            pn_hash,
            new_pn_hash: s.new_pn_hash.as_ref().map(|h| h.as_str().to_string()),
            occurred_on: s.occurred_on,
            data: Value::Object(s.data.clone()).to_string(),
            import_id: s.import_id,
            received_at: s.received_at,
            received_on: s.received_on,
            state: SignalState::Pending.as_str().to_string(),
            period: s.data.get("period").and_then(Value::as_str).map(str::to_string),
        }
    }
}

/// A stored signal.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signals)]
pub struct SignalRow {
    /// Order of receipt.
    pub seq: i64,
    /// Sender's id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Person id, when given.
    pub person_id: Option<String>,
    /// Hash of the personal number.
    pub pn_hash: Option<String>,
    /// Hash of a replacing number.
    pub new_pn_hash: Option<String>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// JSON data.
    pub data: String,
    /// Instant of receipt.
    pub received_at: NaiveDateTime,
    /// Local date of receipt.
    pub received_on: NaiveDate,
    /// State.
    pub state: String,
    /// When it was processed or given up.
    pub processed_at: Option<NaiveDateTime>,
    /// What came of it.
    pub outcome: Option<String>,
}

impl TryFrom<SignalRow> for Signal {
    type Error = StoredDataError;
    fn try_from(row: SignalRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("signals", &row.seq);
        let subject = match (row.person_id, row.pn_hash) {
            (Some(person), _) => Subject::Person(r.read("person_id", PersonId::parse(&person))?),
            (None, Some(hash)) => Subject::Number(PnHash::new(hash)),
            (None, None) => return Err(r.fail("person_id", "neither a person id nor a personal number")),
        };
        let data: Map<String, Value> = r.read(
            "data",
            serde_json::from_str(&row.data).map_err(|e| format!("not a JSON object ({:?})", e.classify())),
        )?;
        Ok(Signal {
            seq: row.seq,
            id: r.read("id", SignalId::parse(&row.id))?,
            kind: row.kind,
            subject,
            new_pn_hash: row.new_pn_hash.map(PnHash::new),
            occurred_on: row.occurred_on,
            data,
            received_at: row.received_at,
            received_on: row.received_on,
            state: r.word("state", &row.state, SignalState::parse)?,
            processed_at: row.processed_at,
            outcome: row.outcome,
        })
    }
}
