//! The `tasks` row.

use super::{RowReader, StoredDataError};
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::task::{Cause, Evidence, NewTask, Occasion, Outcome, Task, TaskState};
use crate::storage::schema::tasks;
use crate::storage::sqltime::{Day, Stamp};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A task to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks, treat_none_as_default_value = false)]
pub struct NewTaskRow {
    /// Permit.
    pub permit_id: String,
    /// `periodic_review` or a signal kind.
    pub cause: String,
    /// The occasion date or the signal id.
    pub occasion: String,
    /// The permit's ground.
    pub ground: String,
    /// Unit.
    pub unit: String,
    /// Priority word.
    pub priority: String,
    /// Reason.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// JSON list of evidence.
    pub evidence: String,
    /// Local date of creation.
    #[diesel(serialize_as = Day)]
    pub created_on: NaiveDate,
    /// Instant of creation (UTC).
    #[diesel(serialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    /// Due date.
    #[diesel(serialize_as = Day)]
    pub due_on: NaiveDate,
    /// `open`.
    pub state: String,
}

impl TryFrom<&NewTask> for NewTaskRow {
    type Error = serde_json::Error;
    fn try_from(t: &NewTask) -> Result<Self, serde_json::Error> {
        Ok(NewTaskRow {
            permit_id: t.permit_id.as_str().to_string(),
            cause: t.cause.as_str().to_string(),
            occasion: t.occasion.to_string(),
            ground: t.ground.as_str().to_string(),
            unit: t.unit.as_str().to_string(),
            priority: t.priority.as_str().to_string(),
            reason: t.reason.clone(),
            legal_basis: t.legal_basis.clone(),
            evidence: evidence_json(&t.evidence)?,
            created_on: t.created_on,
            created_at: t.created_at,
            due_on: t.due_on,
            state: TaskState::Open.as_str().to_string(),
        })
    }
}

/// Evidence as stored: a JSON list.
pub fn evidence_json(evidence: &[Evidence]) -> Result<String, serde_json::Error> {
    serde_json::to_string(evidence)
}

/// A stored task.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    /// Task id.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// Cause.
    pub cause: String,
    /// Occasion.
    pub occasion: String,
    /// Unit.
    pub unit: String,
    /// Priority.
    pub priority: String,
    /// Reason.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Evidence JSON.
    pub evidence: String,
    /// Created on.
    pub created_on: NaiveDate,
    /// Due on.
    pub due_on: NaiveDate,
    /// open or closed.
    pub state: String,
    /// Outcome when closed.
    pub outcome: Option<String>,
    /// Caseworker's note.
    pub note: Option<String>,
    /// When it went out in a digest.
    pub notified_at: Option<NaiveDateTime>,
    /// When it was closed.
    pub closed_at: Option<NaiveDateTime>,
    /// Who holds it.
    pub assignee: Option<String>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Raised by every change.
    pub version: i64,
}

impl TryFrom<TaskRow> for Task {
    type Error = StoredDataError;
    fn try_from(row: TaskRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("tasks", &row.id);
        let cause = r.read("cause", Cause::parse(&row.cause))?;
        let state = r.word("state", &row.state, TaskState::parse)?;
        let outcome = row.outcome.as_deref().map(|o| r.word("outcome", o, Outcome::parse)).transpose()?;
        if (state == TaskState::Closed) != outcome.is_some() {
            return Err(r.fail(
                "outcome",
                format!(
                    "a task {} {} an outcome",
                    state.as_str(),
                    if outcome.is_some() { "with" } else { "without" }
                ),
            ));
        }
        Ok(Task {
            id: TaskId(row.id),
            permit_id: r.read("permit_id", PermitId::parse(&row.permit_id))?,
            occasion: r.read("occasion", Occasion::parse(&cause, &row.occasion))?,
            cause,
            unit: r.unit("unit", row.unit)?,
            priority: r.read("priority", row.priority.parse())?,
            reason: row.reason,
            legal_basis: row.legal_basis,
            evidence: parse_evidence(&r, &row.evidence)?,
            created_on: row.created_on,
            due_on: row.due_on,
            state,
            outcome,
            note: row.note,
            notified_at: row.notified_at,
            assignee: row.assignee,
            closed_by: row.closed_by,
            closed_at: row.closed_at,
            version: row.version,
        })
    }
}

/// A task's stored evidence, read strictly.
pub fn parse_evidence(r: &RowReader, text: &str) -> Result<Vec<Evidence>, StoredDataError> {
    r.read(
        "evidence",
        serde_json::from_str(text).map_err(|e| {
            format!("not a list of evidence ({:?} at column {})", e.classify(), e.column()).to_lowercase()
        }),
    )
}
