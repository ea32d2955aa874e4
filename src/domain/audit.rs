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
    fn task_changed(
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

/// What an event's sentence says, read back into its parts, so that a page can say it in the
/// page's language. The sentences are written above, so they are read here, beside them; a
/// sentence of another shape (an event older than its writer's present wording) is
/// [`Said::Recorded`], shown as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said<'a> {
    /// A task was created for `cause` from `from`, for `unit`, due `due`.
    Created {
        /// The cause's key.
        cause: &'a str,
        /// What it came from.
        from: Source<'a>,
        /// The unit's key.
        unit: &'a str,
        /// The due date, ISO 8601.
        due: &'a str,
    },
    /// Evidence was added to an open task.
    Attached(Source<'a>),
    /// The task was closed with `outcome`, and the closer's note.
    Closed {
        /// The outcome's key.
        outcome: &'a str,
        /// The note, when one was given.
        note: Option<&'a str>,
    },
    /// Someone took the task for themselves.
    Claimed,
    /// A manager gave the task to `to`.
    Assigned {
        /// Who has it now.
        to: &'a str,
    },
    /// The task was given back, or taken from `from`.
    Released {
        /// Who had it, when the sentence says.
        from: Option<&'a str>,
    },
    /// A note was added.
    Noted {
        /// Its text.
        text: &'a str,
    },
    /// The task or the permit's history was opened.
    Opened,
    /// The task went out to `unit` in the digest `message_id`.
    Sent {
        /// The unit's key.
        unit: &'a str,
        /// The digest's Message-ID, without its angle brackets.
        message_id: &'a str,
    },
    /// Any other sentence, as it was recorded.
    Recorded(&'a str),
}

/// What a task or its evidence came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source<'a> {
    /// A periodic review's occasion.
    Occasion(&'a str),
    /// A signal, and where in a Navet file it came from (`Navet file F, record N`).
    Signal {
        /// The signal's id.
        id: &'a str,
        /// The Navet file and record, as recorded.
        navet: Option<&'a str>,
    },
    /// Covered periods without a report of `kind`.
    Missed {
        /// The kind of report expected.
        kind: Option<&'a str>,
        /// The periods' labels, comma-separated.
        periods: &'a str,
    },
}

impl AuditEvent {
    /// This event's sentence read back into its parts.
    pub fn said(&self) -> Said<'_> {
        let d = self.detail.as_str();
        let task = self.task_id.map(|t| format!("task {t} "));
        let task = task.as_deref().unwrap_or("\u{0}");
        let read = || -> Option<Said<'_>> {
            Some(match self.kind {
                AuditKind::TaskCreated => {
                    let rest = d.strip_prefix(task)?.strip_prefix("created: ")?;
                    let (rest, due) = rest.rsplit_once(", due ")?;
                    let (head, unit) = rest.rsplit_once(", unit ")?;
                    let (cause, from) = created_from(head)?;
                    Said::Created { cause, from, unit, due }
                }
                AuditKind::SignalAttached => {
                    let what = d.strip_suffix(" as evidence")?;
                    if let Some(periods) = what.strip_prefix("missed period(s) ") {
                        let (periods, _) = periods.rsplit_once(" added to open task ")?;
                        Said::Attached(Source::Missed { kind: None, periods })
                    } else {
                        let (id, _) = what.strip_prefix("signal ")?.rsplit_once(" added to open task ")?;
                        Said::Attached(Source::Signal { id, navet: None })
                    }
                }
                AuditKind::TaskClosed => {
                    let (_, closed) = d.strip_prefix(task)?.split_once(") closed: ")?;
                    match closed.split_once("; note: ") {
                        Some((outcome, note)) => Said::Closed { outcome, note: Some(note) },
                        None => Said::Closed { outcome: closed, note: None },
                    }
                }
                AuditKind::TaskClaimed => {
                    d.strip_prefix(task)?.strip_prefix("claimed by ")?;
                    Said::Claimed
                }
                AuditKind::TaskAssigned => {
                    Said::Assigned { to: d.strip_prefix(task)?.strip_prefix("assigned to ")? }
                }
                AuditKind::TaskReleased => match d.strip_prefix(task)? {
                    "released" => Said::Released { from: None },
                    rest => Said::Released { from: Some(rest.strip_prefix("released from ")?) },
                },
                AuditKind::NoteAdded => {
                    let id = self.task_id?;
                    Said::Noted { text: d.strip_prefix(&format!("note on task {id}: "))? }
                }
                AuditKind::Viewed => match d {
                    "history opened" => Said::Opened,
                    _ if d.strip_prefix(task) == Some("opened") => Said::Opened,
                    _ => return None,
                },
                AuditKind::DigestSent => {
                    let rest = d.strip_prefix(task)?.strip_prefix("went out to unit ")?;
                    let (unit, message) = rest.split_once(" in digest <")?;
                    Said::Sent { unit, message_id: message.strip_suffix('>')? }
                }
                AuditKind::Imported | AuditKind::Updated => return None,
            })
        };
        read().unwrap_or(Said::Recorded(d))
    }

    /// `actor` took task `task` of `permit_id` for themselves.
    pub fn claimed((permit_id, task): (PermitId, TaskId), at: NaiveDateTime, actor: &str) -> Self {
        let detail = format!("task {task} claimed by {actor}");
        Self::task_changed((permit_id, task), at, AuditKind::TaskClaimed, actor, detail)
    }

    /// `actor` gave task `task` of `permit_id` to `to`.
    pub fn assigned((permit_id, task): (PermitId, TaskId), at: NaiveDateTime, actor: &str, to: &str) -> Self {
        let detail = format!("task {task} assigned to {to}");
        Self::task_changed((permit_id, task), at, AuditKind::TaskAssigned, actor, detail)
    }

    /// `actor` gave task `task` of `permit_id` back, or took it from `from`.
    pub fn released(
        (permit_id, task): (PermitId, TaskId),
        at: NaiveDateTime,
        actor: &str,
        from: Option<&str>,
    ) -> Self {
        let detail = match from {
            Some(from) => format!("task {task} released from {from}"),
            None => format!("task {task} released"),
        };
        Self::task_changed((permit_id, task), at, AuditKind::TaskReleased, actor, detail)
    }

    /// `actor` added the note `text` (already redacted) to task `task` of `permit_id`.
    pub fn noted((permit_id, task): (PermitId, TaskId), at: NaiveDateTime, actor: &str, text: &str) -> Self {
        let detail = format!("note on task {task}: {text}");
        Self::task_changed((permit_id, task), at, AuditKind::NoteAdded, actor, detail)
    }
}

/// The cause and the source of a created task's sentence, after `created: ` and before
/// `, unit`.
fn created_from(head: &str) -> Option<(&str, Source<'_>)> {
    if let Some(occasion) = head.strip_prefix("periodic_review for occasion ") {
        return Some(("periodic_review", Source::Occasion(occasion)));
    }
    if let Some((kind, signal)) = head.split_once(" from signal ") {
        return Some(match signal.split_once(" (Navet file ") {
            Some((id, navet)) => {
                let navet = navet.strip_suffix(')')?;
                (kind, Source::Signal { id, navet: Some(navet) })
            }
            None => (kind, Source::Signal { id: signal, navet: None }),
        });
    }
    let (cause, rest) = head.split_once(" for ")?;
    let (_, rest) = rest.split_once(" covered period(s) without a report of ")?;
    let (kind, periods) = rest.split_once(" (")?;
    Some((cause, Source::Missed { kind: Some(kind), periods: periods.strip_suffix(')')? }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Priority;

    /// A periodic review of the study permit UT-1, created at `at`, due 2026-07-15.
    fn review(at: NaiveDateTime) -> NewTask {
        NewTask {
            permit_id: PermitId::parse("UT-1").unwrap(),
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
        }
    }

    #[test]
    fn every_event_says_what_happened_in_one_sentence() {
        let at = "2026-07-01T10:00:00".parse().unwrap();
        let permit = PermitId::parse("UT-1").unwrap();
        let task = review(at);
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

    #[test]
    fn every_sentence_a_task_page_shows_is_read_back_into_its_parts() {
        let at = "2026-07-01T10:00:00".parse().unwrap();
        let permit = PermitId::parse("UT-1").unwrap();
        let key = (permit.clone(), TaskId(4));
        let mut task = review(at);
        let created = |cause, from| Said::Created { cause, from, unit: "study", due: "2026-07-15" };
        let event = AuditEvent::task_created(&task, TaskId(4));
        let said = event.said();
        assert_eq!(said, created("periodic_review", Source::Occasion("2026-07-15")));

        task.cause = Cause::Signal("emigrated".into());
        task.occasion = Occasion::Signal(crate::domain::ids::SignalId::parse("s-9,x").unwrap());
        let mut navet = serde_json::Map::new();
        navet.insert("navet_file".into(), "FO01.xml".into());
        navet.insert("navet_record".into(), 12.into());
        task.evidence = vec![Evidence::Signal {
            signal: "s-9,x".into(),
            kind: "emigrated".into(),
            occurred_on: "2026-06-30".parse().unwrap(),
            reason: String::new(),
            data: navet,
        }];
        let event = AuditEvent::task_created(&task, TaskId(4));
        let said = event.said();
        let from = Source::Signal { id: "s-9,x", navet: Some("FO01.xml, record 12") };
        assert_eq!(said, created("emigrated", from));

        task.cause = Cause::Signal("income_missing".into());
        let missed = ["2026-05".to_string(), "2026-06".to_string()];
        let event = AuditEvent::expectation_task_created(&task, TaskId(4), "income_reported", &missed);
        let said = event.said();
        let from = Source::Missed { kind: Some("income_reported"), periods: "2026-05, 2026-06" };
        assert_eq!(said, created("income_missing", from));

        let event = AuditEvent::periods_attached(permit.clone(), at, TaskId(4), &missed);
        let attached = event.said();
        assert_eq!(attached, Said::Attached(Source::Missed { kind: None, periods: "2026-05, 2026-06" }));
        let event = AuditEvent::signal_attached(permit.clone(), at, TaskId(4), "s-10");
        let attached = event.said();
        assert_eq!(attached, Said::Attached(Source::Signal { id: "s-10", navet: None }));

        let occasion = Occasion::Date("2026-07-15".parse().unwrap());
        let closing = (TaskId(4), &Cause::PeriodicReview, &occasion);
        let closed = AuditEvent::task_closed(
            permit.clone(),
            at,
            closing,
            (Outcome::Referred, "anna"),
            Some("a; note: b"),
        );
        assert_eq!(closed.said(), Said::Closed { outcome: "referred", note: Some("a; note: b") });
        let closed =
            AuditEvent::task_closed(permit.clone(), at, closing, (Outcome::PermitInactive, SYSTEM), None);
        assert_eq!(closed.said(), Said::Closed { outcome: "permit_inactive", note: None });

        let event = AuditEvent::claimed(key.clone(), at, "anna");
        assert_eq!(event.said(), Said::Claimed);
        let event = AuditEvent::assigned(key.clone(), at, "maria", "anna");
        assert_eq!(event.said(), Said::Assigned { to: "anna" });
        let event = AuditEvent::released(key.clone(), at, "anna", None);
        assert_eq!(event.said(), Said::Released { from: None });
        let event = AuditEvent::released(key.clone(), at, "maria", Some("anna"));
        let released = event.said();
        assert_eq!(released, Said::Released { from: Some("anna") });
        let noted = AuditEvent::noted(key.clone(), at, "anna", "task 5 opened: see it");
        assert_eq!(noted.said(), Said::Noted { text: "task 5 opened: see it" });
        let event = AuditEvent::viewed(permit.clone(), at, Some(TaskId(4)), "anna");
        assert_eq!(event.said(), Said::Opened);
        let event = AuditEvent::viewed(permit.clone(), at, None, "anna");
        assert_eq!(event.said(), Said::Opened);
        let sent = AuditEvent::digest_sent(permit.clone(), at, TaskId(4), &"study".into(), "d-1@host");
        assert_eq!(sent.said(), Said::Sent { unit: "study", message_id: "d-1@host" });

        // A sentence of another shape, or of another task, is shown as it was recorded.
        let odd =
            AuditEvent { detail: "task 5 claimed by anna".into(), ..AuditEvent::claimed(key, at, "anna") };
        assert_eq!(odd.said(), Said::Recorded("task 5 claimed by anna"));
        let imported = AuditEvent::imported(permit, at, "p.csv", 1);
        assert_eq!(imported.said(), Said::Recorded("imported from p.csv (import 1)"));
    }
}
