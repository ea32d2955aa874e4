//! `tasks close ID`: a caseworker closes a task with an outcome and a note, kept in the audit
//! trail. Closing an already closed task is refused rather than overwriting its outcome.

use crate::domain::task::Outcome;
use crate::errors::UsageError;
use crate::storage::rows::NewAuditRow;
use crate::storage::{self, audit, in_pass, tasks, AnyConnection};
use chrono::{DateTime, Utc};

/// Closes task `id` with `outcome` and the caseworker's `note`.
pub fn close_task(
    conn: &mut AnyConnection,
    id: i64,
    outcome: Outcome,
    note: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if note.trim().is_empty() {
        return Err(UsageError("--note must give the caseworker's reason".into()).into());
    }
    let now = storage::micros(now);
    in_pass(conn, "close task", |c| {
        let task = tasks::get(c, id)?.ok_or_else(|| UsageError(format!("no task {id}")))?;
        if !tasks::close(c, id, outcome.as_str(), note, now)? {
            return Err(UsageError(format!(
                "task {id} is already closed ({})",
                task.outcome.unwrap_or_default()
            ))
            .into());
        }
        audit::append(
            c,
            vec![NewAuditRow {
                permit_id: task.permit_id.clone(),
                at: now,
                event: "task_closed".into(),
                task_id: Some(id),
                detail: format!(
                    "task {id} ({} {}) closed: {outcome}; note: {}",
                    task.cause,
                    task.occasion,
                    note.trim()
                ),
            }],
        )?;
        tracing::info!(task_id = id, permit_id = %task.permit_id, %outcome, "task closed");
        Ok(())
    })
}
