//! `tasks close ID`: a caseworker closes a task with an outcome and a note, kept in the audit
//! trail. Closing an already closed task is refused rather than overwriting its outcome, so a
//! second run of the same close changes nothing and says why. A personal number written into
//! the note is replaced by its marker before the note is kept (docs/REFERENCE.md §2.4).

use crate::domain::audit::AuditEvent;
use crate::domain::ids::TaskId;
use crate::domain::task::Outcome;
use crate::privacy::PnKey;
use crate::storage::{self, audit, in_pass, tasks, AnyConnection};
use chrono::{DateTime, NaiveDate, Utc};

/// The caseworker's note, and what its personal numbers are replaced with.
pub struct Note<'a> {
    /// As written.
    pub text: &'a str,
    /// The key of the markers.
    pub key: &'a PnKey,
    /// Today, which gives a 10-digit personal number its century.
    pub today: NaiveDate,
}

/// Why a task could not be closed.
#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    /// The note was empty: the caseworker's reason is required.
    #[error("the note must give the caseworker's reason")]
    EmptyNote,
    /// No task has this id.
    #[error("no task {0}")]
    NoTask(TaskId),
    /// The task was closed before.
    #[error("task {id} is already closed ({outcome})")]
    AlreadyClosed {
        /// The task.
        id: TaskId,
        /// How it was closed.
        outcome: String,
    },
}

/// Closes task `id` with `outcome` and the caseworker's `note` (written on its `today`) at the
/// instant `now`.
pub fn close_task(
    conn: &mut AnyConnection,
    id: TaskId,
    outcome: Outcome,
    note: &Note,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if note.text.trim().is_empty() {
        return Err(CloseError::EmptyNote.into());
    }
    let today = note.today;
    let note = note.key.redact_text(note.text, today).unwrap_or_else(|| note.text.to_string());
    let note = note.as_str();
    let now = storage::micros(now);
    in_pass(conn, "close task", |c| {
        let task = tasks::get(c, id)?.ok_or(CloseError::NoTask(id))?;
        if !tasks::close(c, id, outcome, note.trim(), (today, now))? {
            let outcome = task.outcome.map_or("no outcome", |o| o.as_str()).to_string();
            return Err(CloseError::AlreadyClosed { id, outcome }.into());
        }
        let event = AuditEvent::task_closed(
            task.permit_id.clone(),
            now,
            (id, &task.cause, &task.occasion),
            outcome,
            Some(note),
        );
        audit::append(c, vec![event])?;
        tracing::info!(task_id = %id, permit_id = %task.permit_id, %outcome, "task closed");
        Ok(())
    })
}
