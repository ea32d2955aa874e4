//! The audit trail: what happened to a permit and why, one sentence an event, so that an
//! auditor can tell why a case was or was not flagged (`history PERMIT_ID`). The sentences are
//! written here, once; they hold ids, dates and words of the policy, never personal data.

use super::ids::{PermitId, TaskId};
use super::keys::UnitKey;
use super::task::{Cause, Evidence, NewTask, Occasion, Outcome};
use chrono::NaiveDateTime;

/// Where a signal derived from a Navet file came from (docs/REFERENCE.md §12), as history
/// says it: ` (Navet file F, record N)`; empty for any other signal.
fn navet_source(task: &NewTask) -> String {
    let Some(Evidence::Signal { data, .. }) = task.evidence.first() else { return String::new() };
    match (data.get("navet_file").and_then(|f| f.as_str()), data.get("navet_record")) {
        (Some(file), Some(record)) => format!(" (Navet file {file}, record {record})"),
        _ => String::new(),
    }
}

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// The import that brought the permit in.
    Imported,
    /// A later import changed it.
    Updated,
    /// A task was created for it.
    TaskCreated,
    /// A signal was added to an open task as evidence.
    SignalAttached,
    /// A task was closed.
    TaskClosed,
    /// A digest carrying one of its tasks was accepted by the mail server.
    DigestSent,
    /// Someone took a task for themselves.
    TaskClaimed,
    /// A task was given back, or taken from whoever held it.
    TaskReleased,
    /// A manager gave a task to someone.
    TaskAssigned,
    /// A note was added to a task.
    NoteAdded,
    /// Someone opened a task or the permit's history.
    Viewed,
}

impl AuditKind {
    /// Every kind.
    pub const ALL: [AuditKind; 11] = [
        AuditKind::Imported,
        AuditKind::Updated,
        AuditKind::TaskCreated,
        AuditKind::SignalAttached,
        AuditKind::TaskClosed,
        AuditKind::DigestSent,
        AuditKind::TaskClaimed,
        AuditKind::TaskReleased,
        AuditKind::TaskAssigned,
        AuditKind::NoteAdded,
        AuditKind::Viewed,
    ];

    /// The word used in storage and in `history`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Imported => "imported",
            AuditKind::Updated => "updated",
            AuditKind::TaskCreated => "task_created",
            AuditKind::SignalAttached => "signal_attached",
            AuditKind::TaskClosed => "task_closed",
            AuditKind::DigestSent => "digest_sent",
            AuditKind::TaskClaimed => "task_claimed",
            AuditKind::TaskReleased => "task_released",
            AuditKind::TaskAssigned => "task_assigned",
            AuditKind::NoteAdded => "note_added",
            AuditKind::Viewed => "viewed",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<AuditKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

/// One event of a permit's trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The permit.
    pub permit_id: PermitId,
    /// When (UTC).
    pub at: NaiveDateTime,
    /// What.
    pub kind: AuditKind,
    /// The task concerned.
    pub task_id: Option<TaskId>,
    /// One sentence; no personal data.
    pub detail: String,
    /// Who: a person's subject, `token:NAME`, `cli:USER`, or [`SYSTEM`] for the follow-up itself.
    pub actor: String,
}

/// The actor of what the follow-up does by itself (imports, ticks, digests), and of every
/// event recorded before events named their actor.
pub const SYSTEM: &str = "system";

impl AuditEvent {
    /// The import `import_id` of `file` brought the permit in.
    pub fn imported(permit_id: PermitId, at: NaiveDateTime, file: &str, import_id: i64) -> Self {
        let detail = format!("imported from {file} (import {import_id})");
        AuditEvent { permit_id, at, kind: AuditKind::Imported, task_id: None, detail, actor: SYSTEM.into() }
    }

    /// The import `import_id` of `file` changed the named fields.
    pub fn updated(
        permit_id: PermitId,
        at: NaiveDateTime,
        changed: &[&str],
        file: &str,
        import_id: i64,
    ) -> Self {
        let detail = format!("{} changed by {file} (import {import_id})", changed.join(", "));
        AuditEvent { permit_id, at, kind: AuditKind::Updated, task_id: None, detail, actor: SYSTEM.into() }
    }

    /// `task` was created with the id `id`.
    pub fn task_created(task: &NewTask, id: TaskId) -> Self {
        let detail = match &task.cause {
            Cause::PeriodicReview => format!(
                "task {id} created: periodic_review for occasion {}, unit {}, due {}",
                task.occasion, task.unit, task.due_on
            ),
            Cause::Signal(kind) => format!(
                "task {id} created: {kind} from signal {}{}, unit {}, due {}",
                task.occasion,
                navet_source(task),
                task.unit,
                task.due_on
            ),
        };
        AuditEvent {
            permit_id: task.permit_id.clone(),
            at: task.created_at,
            kind: AuditKind::TaskCreated,
            task_id: Some(id),
            detail,
            actor: SYSTEM.into(),
        }
    }

    /// `task` of an expectation was created with the id `id` for the periods `missed`
    /// (docs/REFERENCE.md §13): the auditor reads which reports were missing.
    pub fn expectation_task_created(task: &NewTask, id: TaskId, kind: &str, missed: &[String]) -> Self {
        let detail = format!(
            "task {id} created: {} for {} covered period(s) without a report of {kind} ({}), unit {}, due {}",
            task.cause,
            missed.len(),
            missed.join(", "),
            task.unit,
            task.due_on
        );
        AuditEvent {
            permit_id: task.permit_id.clone(),
            at: task.created_at,
            kind: AuditKind::TaskCreated,
            task_id: Some(id),
            detail,
            actor: SYSTEM.into(),
        }
    }

    /// Covered periods without a report were added to the open task `task` as evidence.
    pub fn periods_attached(permit_id: PermitId, at: NaiveDateTime, task: TaskId, missed: &[String]) -> Self {
        let detail = format!("missed period(s) {} added to open task {task} as evidence", missed.join(", "));
        AuditEvent {
            permit_id,
            at,
            kind: AuditKind::SignalAttached,
            task_id: Some(task),
            detail,
            actor: SYSTEM.into(),
        }
    }

    /// The signal `signal` became evidence of the open task `task`.
    pub fn signal_attached(permit_id: PermitId, at: NaiveDateTime, task: TaskId, signal: &str) -> Self {
        let detail = format!("signal {signal} added to open task {task} as evidence");
        AuditEvent {
            permit_id,
            at,
            kind: AuditKind::SignalAttached,
            task_id: Some(task),
            detail,
            actor: SYSTEM.into(),
        }
    }

    /// The task `task` (of `cause` for `occasion`) was closed with `outcome` by `actor`, and a
    /// caseworker's `note` when a caseworker closed it.
    pub fn task_closed(
        permit_id: PermitId,
        at: NaiveDateTime,
        (task, cause, occasion): (TaskId, &Cause, &Occasion),
        (outcome, actor): (Outcome, &str),
        note: Option<&str>,
    ) -> Self {
        let mut detail = format!("task {task} ({cause} {occasion}) closed: {outcome}");
        if let Some(note) = note {
            detail.push_str("; note: ");
            detail.push_str(note.trim());
        }
        AuditEvent {
            permit_id,
            at,
            kind: AuditKind::TaskClosed,
            task_id: Some(task),
            detail,
            actor: actor.into(),
        }
    }

    /// `actor` did something to task `task` of `permit_id` that needs no more than a sentence:
    /// claimed, released, assigned it, or added a note. `detail` holds no personal data.
    pub fn task_changed(
        (permit_id, task): (PermitId, TaskId),
        at: NaiveDateTime,
        kind: AuditKind,
        actor: &str,
        detail: String,
    ) -> Self {
        AuditEvent { permit_id, at, kind, task_id: Some(task), detail, actor: actor.into() }
    }

    /// `actor` opened task `task`, or, without a task, the permit's history.
    pub fn viewed(permit_id: PermitId, at: NaiveDateTime, task: Option<TaskId>, actor: &str) -> Self {
        let detail = match task {
            Some(task) => format!("task {task} opened"),
            None => "history opened".to_string(),
        };
        AuditEvent { permit_id, at, kind: AuditKind::Viewed, task_id: task, detail, actor: actor.into() }
    }

    /// The digest `message_id` carrying the task `task` went out to `unit`.
    pub fn digest_sent(
        permit_id: PermitId,
        at: NaiveDateTime,
        task: TaskId,
        unit: &UnitKey,
        message_id: &str,
    ) -> Self {
        let detail = format!("task {task} went out to unit {unit} in digest <{message_id}>");
        AuditEvent {
            permit_id,
            at,
            kind: AuditKind::DigestSent,
            task_id: Some(task),
            detail,
            actor: SYSTEM.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Priority;

    #[test]
    fn every_event_says_what_happened_in_one_sentence() {
        let at = "2026-07-01T10:00:00".parse().unwrap();
        let permit = PermitId::parse("UT-1").unwrap();
        let task = NewTask {
            permit_id: permit.clone(),
            cause: Cause::PeriodicReview,
            occasion: Occasion::Date("2026-07-15".parse().unwrap()),
            ground: "study".into(),
            unit: "study".into(),
            priority: Priority::Normal,
            reason: "Periodic review, occasion 2026-07-15".into(),
            legal_basis: "UtlL 7 kap. 3 §".into(),
            evidence: vec![],
            created_on: "2026-07-01".parse().unwrap(),
            created_at: at,
            due_on: "2026-07-15".parse().unwrap(),
        };
        let created = AuditEvent::task_created(&task, TaskId(4));
        assert_eq!(
            created.detail,
            "task 4 created: periodic_review for occasion 2026-07-15, unit study, due 2026-07-15"
        );
        let closed = AuditEvent::task_closed(
            permit.clone(),
            at,
            (TaskId(4), &task.cause, &task.occasion),
            (Outcome::NoAction, "cli:anna"),
            Some("  Studies confirmed "),
        );
        assert_eq!(
            closed.detail,
            "task 4 (periodic_review 2026-07-15) closed: no_action; note: Studies confirmed"
        );
        let updated = AuditEvent::updated(permit, at, &["valid_until", "unit"], "p2.csv", 2);
        assert_eq!(updated.detail, "valid_until, unit changed by p2.csv (import 2)");
        assert_eq!(closed.actor, "cli:anna");
        assert_eq!(created.actor, SYSTEM);
        assert_eq!(AuditKind::parse("digest_sent"), Some(AuditKind::DigestSent));
        assert_eq!(AuditKind::parse("viewed"), Some(AuditKind::Viewed));
        let viewed = AuditEvent::viewed(PermitId::parse("UT-1").unwrap(), at, None, "token:case");
        assert_eq!((viewed.detail.as_str(), viewed.actor.as_str()), ("history opened", "token:case"));
    }
}
