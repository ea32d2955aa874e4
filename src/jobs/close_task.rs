//! `tasks close ID`: a caseworker closes a task with an outcome and a note, kept in the audit
//! trail. Closing an already closed task is refused rather than overwriting its outcome, so a
//! second run of the same close changes nothing and says why; of two closes at once, one
//! closes and the other is refused. A personal number written into the note is replaced by
//! its marker before the note is kept (docs/REFERENCE.md §2.4).
//!
//! A close is a request, not a pass: one short transaction that never waits for the pass lock,
//! so it waits for at most one piece of a tick or the import under way.

use crate::domain::audit::AuditEvent;
use crate::domain::ids::TaskId;
use crate::domain::task::Outcome;
use crate::errors::ErrorKind;
use crate::privacy::PnKey;
use crate::storage::{self, audit, tasks, Stamp, Store};
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
    /// The database failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl CloseError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            CloseError::EmptyNote => ErrorKind::Invalid,
            CloseError::NoTask(_) => ErrorKind::NotFound,
            CloseError::AlreadyClosed { .. } => ErrorKind::Conflict,
            CloseError::Store(e) => e.kind(),
        }
    }
}

/// Closes task `id` with `outcome` and the caseworker's `note` (written on its `today`) at the
/// instant `now`.
pub fn close_task(
    store: &Store,
    id: TaskId,
    outcome: Outcome,
    note: &Note,
    now: DateTime<Utc>,
) -> Result<(), CloseError> {
    if note.text.trim().is_empty() {
        return Err(CloseError::EmptyNote);
    }
    let at = Stamp::new(now, note.today);
    let note = note.key.redact_text(note.text, at.today).unwrap_or_else(|| note.text.to_string());
    let note = note.as_str();
    store.request(|tx| {
        let task = tasks::get(tx, id)?.ok_or(CloseError::NoTask(id))?;
        if !tasks::close(tx, id, outcome, note.trim(), (at.today, at.now))? {
            // Read again: a close that won a race a moment ago is what the task now holds.
            let closed = tasks::get(tx, id)?.and_then(|t| t.outcome).or(task.outcome);
            let outcome = closed.map_or("no outcome", |o| o.as_str()).to_string();
            return Err(CloseError::AlreadyClosed { id, outcome });
        }
        let event = AuditEvent::task_closed(
            task.permit_id.clone(),
            at.now,
            (id, &task.cause, &task.occasion),
            outcome,
            Some(note),
        );
        audit::append(tx, vec![event])?;
        tracing::info!(task_id = %id, permit_id = %task.permit_id, %outcome, "task closed");
        Ok(())
    })
}
