//! `tasks close ID`: a caseworker closes a task with an outcome and a note, kept in the audit
//! trail. Closing an already closed task is refused rather than overwriting its outcome, so a
//! second run of the same close changes nothing and says why; of two closes at once, one
//! closes and the other is refused. A personal number written into the note is replaced by
//! its marker before the note is kept (docs/REFERENCE.md §2.4).
//!
//! Who closes is the caller (`domain::access`): its actor is kept as `closed_by` and on the
//! event; a caller who may not see the task's unit is told there is no such task, one whose
//! role may not close is refused. With the version the caller last read, a task changed since
//! is refused as stale, and nothing changes.
//!
//! A close is a request, not a pass: one short transaction that never waits for the pass lock,
//! so it waits for at most one piece of a tick or the import under way.

use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::TaskId;
use crate::domain::task::{Outcome, Task};
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
    /// The note is longer than [`MAX_NOTE`] characters.
    #[error("the note must be at most {MAX_NOTE} characters")]
    LongNote,
    /// The caller's role may not close tasks.
    #[error("closing tasks is not among what the caller's role may do")]
    Forbidden,
    /// The task changed since the version the caller named.
    #[error("task {id} changed since version {expected}: it is at version {now}")]
    Stale {
        /// The task.
        id: TaskId,
        /// The version the caller named.
        expected: i64,
        /// Its version now.
        now: i64,
    },
    /// No task has this id.
    #[error("no task {0}")]
    NoTask(TaskId),
    /// The task is of a unit the caller holds no grant for: worded as [`CloseError::NoTask`].
    #[error("no task {0}")]
    Hidden(TaskId),
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
            CloseError::EmptyNote | CloseError::LongNote => ErrorKind::Invalid,
            CloseError::Forbidden => ErrorKind::Forbidden,
            CloseError::Stale { .. } => ErrorKind::Stale,
            CloseError::NoTask(_) | CloseError::Hidden(_) => ErrorKind::NotFound,
            CloseError::AlreadyClosed { .. } => ErrorKind::Conflict,
            CloseError::Store(e) => e.kind(),
        }
    }
}

/// The longest note kept, in characters.
pub const MAX_NOTE: usize = 4_000;

/// Closes task `id` for `caller` with `outcome` and the caseworker's `note` (written on its
/// `today`) at the instant `now`; with `version`, only if the task is still at it. Returns the
/// closed task.
pub fn close_task(
    store: &Store,
    caller: &Caller,
    (id, version): (TaskId, Option<i64>),
    (outcome, note): (Outcome, &Note),
    now: DateTime<Utc>,
) -> Result<Task, CloseError> {
    if note.text.trim().is_empty() {
        return Err(CloseError::EmptyNote);
    }
    if note.text.trim().chars().count() > MAX_NOTE {
        return Err(CloseError::LongNote);
    }
    let at = Stamp::new(now, note.today);
    let note = note.key.redact_text(note.text, at.today).unwrap_or_else(|| note.text.to_string());
    let note = note.trim();
    let by = caller.subject.as_str();
    store.request(|tx| {
        let task = tasks::get(tx, id)?.ok_or(CloseError::NoTask(id))?;
        match decide(caller, &task.unit, Action::Close) {
            Decision::Allowed => {}
            Decision::Hidden => return Err(CloseError::Hidden(id)),
            Decision::Forbidden => return Err(CloseError::Forbidden),
        }
        if task.outcome.is_none() {
            if let Some(expected) = version.filter(|v| *v != task.version) {
                return Err(CloseError::Stale { id, expected, now: task.version });
            }
        }
        if !tasks::close(tx, (id, version), (outcome, note, by), (at.today, at.now))? {
            // Read again: a change that won a race a moment ago is what the task now holds.
            let now = tasks::get(tx, id)?.unwrap_or(task);
            return Err(match (now.outcome, version) {
                (None, Some(expected)) => CloseError::Stale { id, expected, now: now.version },
                (closed, _) => {
                    let outcome = closed.map_or("no outcome", |o| o.as_str()).to_string();
                    CloseError::AlreadyClosed { id, outcome }
                }
            });
        }
        let event = AuditEvent::task_closed(
            task.permit_id.clone(),
            at.now,
            (id, &task.cause, &task.occasion),
            (outcome, by),
            Some(note),
        );
        audit::append(tx, vec![event])?;
        tracing::info!(task_id = %id, permit_id = %task.permit_id, %outcome, actor = by, "task closed");
        tasks::get(tx, id)?.ok_or(CloseError::NoTask(id))
    })
}
