//! A caller adds a note to a task: it joins the task's events (the audit trail), with the
//! caller as its actor, and raises the task's version. A personal number written into it is
//! replaced by its marker first (docs/REFERENCE.md §2.4). Notes are kept on closed tasks too:
//! what was learnt after the decision belongs beside it.

use super::{task_for, TaskError};
use crate::domain::access::{Action, Caller};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::TaskId;
use crate::jobs::close_task::{Note, MAX_NOTE};
use crate::storage::{audit, tasks, Stamp, Store};

/// `caller` adds `note` to task `id`; returns the event recorded.
pub fn add_note(
    store: &Store,
    caller: &Caller,
    id: TaskId,
    note: &Note,
    at: Stamp,
) -> Result<AuditEvent, TaskError> {
    let text = note.text.trim();
    if text.is_empty() || text.chars().count() > MAX_NOTE {
        return Err(TaskError::Invalid(format!("the note must be 1 to {MAX_NOTE} characters, not blank")));
    }
    let text = note.key.redact_text(text, note.today).unwrap_or_else(|| text.to_string());
    store.request(|tx| {
        let task = task_for(tx, caller, id, (Action::Note, "adding a note"))?;
        tasks::touch(tx, id)?;
        let event = AuditEvent::noted((task.permit_id, id), at.now, &caller.subject, &text);
        audit::append(tx, vec![event.clone()])?;
        tracing::info!(task_id = %id, actor = caller.subject, "note added");
        Ok(event)
    })
}
