//! The `audit_events` row.

use super::{RowReader, StoredDataError};
use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::{PermitId, TaskId};
use crate::storage::schema::audit_events;
use crate::storage::sqltime::Stamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// An audit event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct NewAuditRow {
    /// Permit.
    pub permit_id: String,
    /// When (UTC).
    #[diesel(serialize_as = Stamp)]
    pub at: NaiveDateTime,
    /// What happened, one word.
    pub event: String,
    /// The task concerned.
    pub task_id: Option<i64>,
    /// A sentence, no personal data.
    pub detail: String,
    /// Who.
    pub actor: String,
}

impl From<AuditEvent> for NewAuditRow {
    fn from(e: AuditEvent) -> Self {
        NewAuditRow {
            permit_id: e.permit_id.as_str().to_string(),
            at: e.at,
            event: e.kind.as_str().to_string(),
            task_id: e.task_id.map(|t| t.0),
            detail: e.detail,
            actor: e.actor,
        }
    }
}

/// A stored audit event.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    /// Sequence.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// When (UTC).
    pub at: NaiveDateTime,
    /// Event word.
    pub event: String,
    /// Task.
    pub task_id: Option<i64>,
    /// Detail.
    pub detail: String,
    /// Actor.
    pub actor: String,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = StoredDataError;
    fn try_from(row: AuditRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("audit_events", &row.id);
        Ok(AuditEvent {
            permit_id: r.read("permit_id", PermitId::parse(&row.permit_id))?,
            at: row.at,
            kind: r.word("event", &row.event, AuditKind::parse)?,
            task_id: row.task_id.map(TaskId),
            detail: row.detail,
            actor: row.actor,
        })
    }
}
