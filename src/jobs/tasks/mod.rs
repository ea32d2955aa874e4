//! What a caller does with tasks through the task API (and, later, the inbox): list and open
//! them, claim, release and assign them, add notes. Each is a request or a read of its own
//! (one file a use case; closing is `jobs::close_task`), and each asks the one rule
//! (`domain::access::decide`) with the task's unit before anything else, so that a task of a
//! unit the caller holds no grant for is answered exactly as one that does not exist. Every
//! change raises the task's version and is an audit event with the caller as its actor; the
//! reads that open a task or a permit's history record a `viewed` event.
//!
//! Safe to run twice: a claim by the holder, a release of a task nobody holds and an assignment
//! to the holder change nothing and answer as the first did; a note is an event each time.

pub mod hold;
pub mod list;
pub mod note;
pub mod view;

use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::ids::TaskId;
use crate::domain::task::Task;
use crate::errors::ErrorKind;
use crate::storage::{self, tasks, Tx};

/// Why a caller's request about one task was not done.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// No task has this id.
    #[error("no task {0}")]
    NoTask(TaskId),
    /// The task is of a unit the caller holds no grant for: worded as [`TaskError::NoTask`],
    /// so that the caller learns nothing of it; an edge may count it apart.
    #[error("no task {0}")]
    Hidden(TaskId),
    /// The caller's role may not do this.
    #[error("{0} is not among what the caller's role may do")]
    Forbidden(&'static str),
    /// Someone else holds the task.
    #[error("task {id} is held by {holder}")]
    Held {
        /// The task.
        id: TaskId,
        /// Who holds it.
        holder: String,
    },
    /// The task is closed: nobody claims, releases or assigns it any more.
    #[error("task {0} is closed")]
    Closed(TaskId),
    /// A value given is not acceptable (a blank note, an empty assignee).
    #[error("{0}")]
    Invalid(String),
    /// The database failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl TaskError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            TaskError::NoTask(_) | TaskError::Hidden(_) => ErrorKind::NotFound,
            TaskError::Forbidden(_) => ErrorKind::Forbidden,
            TaskError::Held { .. } | TaskError::Closed(_) => ErrorKind::Conflict,
            TaskError::Invalid(_) => ErrorKind::Invalid,
            TaskError::Store(e) => e.kind(),
        }
    }
}

/// Task `id` when `caller` may take `action` on it (named `what` when it may not).
fn task_for(
    tx: &mut Tx,
    caller: &Caller,
    id: TaskId,
    (action, what): (Action, &'static str),
) -> Result<Task, TaskError> {
    let task = tasks::get(tx, id)?.ok_or(TaskError::NoTask(id))?;
    match decide(caller, &task.unit, action) {
        Decision::Allowed => Ok(task),
        Decision::Hidden => Err(TaskError::Hidden(id)),
        Decision::Forbidden => Err(TaskError::Forbidden(what)),
    }
}

/// The task as it is now, after a change in this transaction.
fn reread(tx: &mut Tx, id: TaskId) -> Result<Task, TaskError> {
    tasks::get(tx, id)?.ok_or(TaskError::NoTask(id))
}
