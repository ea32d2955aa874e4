//! A caller opens a task (with its events) or a permit's history. Either is recorded as a
//! `viewed` event with the caller as its actor, in the same transaction as the read, so that
//! who saw what is never missing from the trail.

use super::{task_for, TaskError};
use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::task::Task;
use crate::errors::ErrorKind;
use crate::storage::{self, audit, permits, tasks, Stamp, Store};
use std::collections::BTreeSet;

/// `caller` opens task `id`: the task and its events, the `viewed` event last.
pub fn view_task(
    store: &Store,
    caller: &Caller,
    id: TaskId,
    at: Stamp,
) -> Result<(Task, Vec<AuditEvent>), TaskError> {
    store.request(|tx| {
        let task = task_for(tx, caller, id, (Action::View, "opening a task"))?;
        audit::append(
            tx,
            vec![AuditEvent::viewed(task.permit_id.clone(), at.now, Some(id), &caller.subject)],
        )?;
        let events = audit::for_task(tx, &task.permit_id, id)?;
        Ok((task, events))
    })
}

/// Why a permit's history was not given.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// No permit has this id and no event names it.
    #[error("no history for permit {0}")]
    NoHistory(PermitId),
    /// None of the permit's units is the caller's: worded as [`HistoryError::NoHistory`].
    #[error("no history for permit {0}")]
    Hidden(PermitId),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl HistoryError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            HistoryError::NoHistory(_) | HistoryError::Hidden(_) => ErrorKind::NotFound,
            HistoryError::Store(e) => e.kind(),
        }
    }
}

/// `caller` opens the history of `permit`, when one of its units — those of its tasks, and the
/// unit that follows it now — is the caller's. The `viewed` event comes last.
pub fn view_history(
    store: &Store,
    policy: &Policy,
    caller: &Caller,
    permit: &PermitId,
    at: Stamp,
) -> Result<Vec<AuditEvent>, HistoryError> {
    store.request(|tx| {
        let mut units: BTreeSet<UnitKey> = BTreeSet::new();
        let page = tasks::Page { permit: Some(permit.clone()), limit: 10_000, ..Default::default() };
        units.extend(tasks::page(tx, &page)?.into_iter().map(|t| t.unit));
        if let Some((p, _)) = permits::existing(tx, &[permit])?.into_iter().next() {
            units.extend(p.unit.or_else(|| policy.grounds.get(&p.ground).map(|g| g.unit.clone())));
        }
        if units.is_empty() {
            return Err(HistoryError::NoHistory(permit.clone()));
        }
        if !units.iter().any(|u| decide(caller, u, Action::View) == Decision::Allowed) {
            return Err(HistoryError::Hidden(permit.clone()));
        }
        let mut events = audit::for_permit(tx, permit)?;
        if events.is_empty() {
            return Err(HistoryError::NoHistory(permit.clone()));
        }
        let viewed = AuditEvent::viewed(permit.clone(), at.now, None, &caller.subject);
        audit::append(tx, vec![viewed.clone()])?;
        events.push(viewed);
        Ok(events)
    })
}
