//! Who holds a task: a caller claims it for itself, releases it (its own; a manager anyone's),
//! or a manager assigns it to someone. Of two claims at once, one holds the task and the other
//! is told who does: the change is made only if the task is still held as it was read.

use super::{reread, task_for, TaskError};
use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::TaskId;
use crate::domain::task::{Task, TaskState};
use crate::storage::{audit, tasks, Stamp, Store, Tx};

/// The longest assignee kept, in characters.
pub const MAX_ASSIGNEE: usize = 200;

/// `caller` takes task `id`; when it holds it already, nothing changes.
pub fn claim(store: &Store, caller: &Caller, id: TaskId, at: Stamp) -> Result<Task, TaskError> {
    store.request(|tx| {
        let task = task_for(tx, caller, id, (Action::Claim, "claiming a task"))?;
        open(&task)?;
        match task.assignee.as_deref() {
            Some(holder) if holder == caller.subject => Ok(task),
            Some(holder) => Err(TaskError::Held { id, holder: holder.to_string() }),
            None => hand_over(tx, (&task, &caller.subject), None, Some(&caller.subject), at),
        }
    })
}

/// `caller` gives task `id` back: its own, or, for a manager, anyone's. A task nobody holds
/// stays so.
pub fn release(store: &Store, caller: &Caller, id: TaskId, at: Stamp) -> Result<Task, TaskError> {
    store.request(|tx| {
        let task = task_for(tx, caller, id, (Action::View, "releasing a task"))?;
        let others = task.assignee.as_deref().is_some_and(|holder| holder != caller.subject);
        let (action, what) = match others {
            true => (Action::ReleaseAny, "releasing another's task"),
            false => (Action::ReleaseOwn, "releasing a task"),
        };
        if decide(caller, &task.unit, action) != Decision::Allowed {
            return Err(TaskError::Forbidden(what));
        }
        open(&task)?;
        match task.assignee.clone() {
            None => Ok(task),
            Some(holder) => hand_over(tx, (&task, &caller.subject), Some(&holder), None, at),
        }
    })
}

/// A manager gives task `id` to `assignee`, whoever held it.
pub fn assign(
    store: &Store,
    caller: &Caller,
    id: TaskId,
    assignee: &str,
    at: Stamp,
) -> Result<Task, TaskError> {
    let assignee = assignee.trim();
    if assignee.is_empty()
        || assignee.chars().count() > MAX_ASSIGNEE
        || assignee.chars().any(char::is_control)
    {
        return Err(TaskError::Invalid(format!(
            "the assignee must be 1 to {MAX_ASSIGNEE} characters, no control characters"
        )));
    }
    store.request(|tx| {
        let task = task_for(tx, caller, id, (Action::Assign, "assigning a task"))?;
        open(&task)?;
        if task.assignee.as_deref() == Some(assignee) {
            return Ok(task);
        }
        let from = task.assignee.clone();
        hand_over(tx, (&task, &caller.subject), from.as_deref(), Some(assignee), at)
    })
}

fn open(task: &Task) -> Result<(), TaskError> {
    match task.state {
        TaskState::Open => Ok(()),
        TaskState::Closed => Err(TaskError::Closed(task.id)),
    }
}

/// Moves `task` from `from` to `to` on behalf of `actor`, and records it; when another change
/// came first, says what the task is now.
fn hand_over(
    tx: &mut Tx,
    (task, actor): (&Task, &str),
    from: Option<&str>,
    to: Option<&str>,
    at: Stamp,
) -> Result<Task, TaskError> {
    let id = task.id;
    if !tasks::hand_over(tx, id, from, to)? {
        let now = reread(tx, id)?;
        open(&now)?;
        return Err(TaskError::Held { id, holder: now.assignee.unwrap_or_else(|| "nobody".into()) });
    }
    let key = (task.permit_id.clone(), id);
    let event = match (from, to) {
        (_, Some(to)) if to == actor => AuditEvent::claimed(key, at.now, actor),
        (_, Some(to)) => AuditEvent::assigned(key, at.now, actor, to),
        (from, None) => AuditEvent::released(key, at.now, actor, from),
    };
    let kind = event.kind;
    audit::append(tx, vec![event])?;
    tracing::info!(task_id = %id, event = kind.as_str(), actor, "task changed hands");
    reread(tx, id)
}
