//! `notify`: each unit with new tasks gets one digest (docs/REFERENCE.md §6), and nothing is
//! lost on the way.
//!
//! First, in one pass, every open task that no digest carries yet is bound to a new digest of
//! its unit, written with its Message-ID, date and text before anything is sent. Then every
//! pending digest — new, or left by a failed or interrupted run — is claimed, sent, and only
//! once the server accepted it are its tasks marked notified. Safe to run twice: a second run
//! finds no unbound tasks and no pending digests; a crash between acceptance and marking sends
//! the same message (same Message-ID) again, never a different one. One unit's refusal does not
//! stop the others.
//!
//! The run waits on the mail server with nothing held: each database step (the preparing pass,
//! each claim, each record) is short, runs on the store's blocking threads, and leaves no
//! transaction, lock or connection behind, so a silent server holds back no tick. A failure of the server itself
//! (no answer in time, nothing listening, no TLS, `421`, the daemon stopping:
//! [`SendError::is_connection_level`]) ends the run: the digests after it are not tried, stay
//! pending and go with the next run, so a silent server costs a run one timeout, not one a unit.
//!
//! A digest lists each new task with its id, permit id, a heading for its cause beside its
//! reason as stored (the rule's `reason` as configured, with what the task adds), due date,
//! priority and legal basis, and the unit's open overdue tasks as of
//! `today` (most overdue first, up to the policy's `overdue_list_limit`, then how many more),
//! with links when the unit has a case link template (docs/REFERENCE.md §6.2).
//!
//! A digest the server refuses permanently (a 5xx reply) or that cannot be built stays pending
//! but is *refused*: it is not tried again on every run, only once the mail settings or the
//! unit's addresses differ from those it was refused under, or when the caller asks.

use crate::domain::audit::AuditEvent;
use crate::domain::digest::{Digest, NewDigest};
use crate::domain::headline::Headline;
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::task::Task;
use crate::errors::ErrorKind;
use crate::mail::digest::{render, DigestInput, DigestTask};
use crate::mail::{new_message_id, Mailer, OutgoingMail, SendError};
use crate::storage::{self, audit, digests, PassKind, Stamp, Store, Tx};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::future::Future;

/// How long a sender holds a digest before another instance may retry it.
const SEND_LEASE: TimeDelta = TimeDelta::minutes(10);

/// How a run treats refused digests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotifyOptions {
    /// Try refused digests again even though nothing changed.
    pub retry_refused: bool,
}

/// What a notify run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Digests sent: (unit, Message-ID, tasks).
    pub sent: Vec<(UnitKey, String, u32)>,
    /// Digests not sent this time: (unit, why). They stay pending and are retried.
    pub failed: Vec<(UnitKey, String)>,
    /// Digests not tried this time because the server failed for an earlier one: (unit, why).
    /// They stay pending and are tried by the next run.
    pub not_tried: Vec<(UnitKey, String)>,
    /// Digests refused by the server: (unit, why). They stay pending, and wait for a change of
    /// the mail settings or the unit's addresses, or for a retry asked for.
    pub refused: Vec<(UnitKey, String)>,
    /// Pending digests another sender holds.
    pub busy: u32,
}

/// What a run sends with.
pub struct Outbox<'a> {
    /// Where mail goes.
    pub mailer: &'a Mailer,
    /// `From:`.
    pub from: &'a str,
    /// The language of the words a digest adds (`mail.language`).
    pub language: crate::i18n::Language,
    /// The inbox's address (`[web] base_url`), which each task of a digest links into.
    pub inbox: Option<&'a str>,
}

/// Why a digest run stopped. What it recorded before stays: digests written, and each one
/// the server accepted; the rest stay pending for the next run.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl NotifyError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            NotifyError::Store(e) => e.kind(),
        }
    }
}

/// Prepares and sends the digests. `stop` breaks a conversation under way off and ends the
/// run (the digest stays pending); a caller that never stops passes `std::future::pending()`.
pub async fn notify(
    store: &Store,
    policy: &Policy,
    outbox: &Outbox<'_>,
    opts: NotifyOptions,
    today: NaiveDate,
    now: DateTime<Utc>,
    stop: impl Future<Output = ()>,
) -> Result<NotifyReport, NotifyError> {
    let stamp = Stamp::new(now, today);
    let at = stamp.now;
    let (p, from) = (policy.clone(), outbox.from.to_string());
    let words = Words { language: outbox.language, inbox: outbox.inbox.map(str::to_string) };
    let (failed, pending) = store
        .blocking(move |s| {
            s.pass(PassKind::Notify, stamp, |pass| {
                let failed = pass.write(|tx| prepare(tx, &p, &from, &words, today, at))?;
                Ok::<_, NotifyError>((failed, pass.read(digests::pending)?))
            })
        })
        .await?;
    let mut report = NotifyReport { failed, ..NotifyReport::default() };
    let mut stop = std::pin::pin!(stop);
    // Why the run ended early (the server itself failed, or the caller stopped it): the digests
    // after that wait for the next run.
    let mut ended: Option<String> = None;
    for digest in pending {
        let unit = digest.mail.unit.clone();
        let addresses = policy.units.get(&unit).map(|u| u.email.clone());
        let fingerprint = fingerprint(outbox, addresses.as_deref().unwrap_or(&digest.mail.recipients));
        if let Some(refused_under) = &digest.refused_under {
            if *refused_under == fingerprint && !opts.retry_refused {
                let why = digest.last_error.clone().unwrap_or_else(|| "refused".into());
                report.refused.push((unit, why));
                continue;
            }
        }
        if let Some(why) = ended.clone() {
            tracing::warn!(%unit, message_id = %digest.mail.message_id, error = %why, "digest not tried; it stays pending");
            report.not_tried.push((unit, why));
            continue;
        }
        let readdress = digest.refused_under.is_some().then_some(addresses).flatten();
        let Some(digest) = claim(store, digest, readdress, at).await? else {
            report.busy += 1;
            continue;
        };
        let mail = outgoing(&digest, outbox.from);
        // `stop` first, and never polled again once it has ended the run.
        let sent = tokio::select! {
            biased;
            () = &mut stop => Err(SendError::Interrupted),
            sent = outbox.mailer.send(&mail) => sent,
        };
        ended = match &sent {
            Err(SendError::Interrupted) => Some("not tried: sending was stopped".into()),
            Err(e) if e.is_connection_level() => {
                Some(format!("not tried after the mail server failed for unit {unit} in the same run"))
            }
            _ => None,
        };
        record(store, digest, sent, fingerprint, stamp, &mut report).await?;
    }
    Ok(report)
}

/// Takes the sender's lease on `digest` (and, when it is tried again after a refusal, gives it
/// the unit's addresses as they are now); `None` when another sender holds it.
async fn claim(
    store: &Store,
    mut digest: Digest,
    readdress: Option<Vec<String>>,
    at: NaiveDateTime,
) -> Result<Option<Digest>, NotifyError> {
    let (id, addresses) = (digest.id, readdress.clone());
    let claimed = store
        .blocking(move |s| {
            s.request(|tx| {
                let claimed = digests::claim(tx, id, at, at + SEND_LEASE)?;
                if let (true, Some(addresses)) = (claimed, &addresses) {
                    digests::readdress(tx, id, addresses)?;
                }
                Ok::<_, NotifyError>(claimed)
            })
        })
        .await?;
    if let Some(addresses) = readdress {
        digest.mail.recipients = addresses;
    }
    Ok(claimed.then_some(digest))
}

/// Records what came of sending one claimed digest.
async fn record(
    store: &Store,
    digest: Digest,
    sent: Result<(), SendError>,
    fingerprint: String,
    stamp: Stamp,
    report: &mut NotifyReport,
) -> Result<(), NotifyError> {
    let (id, unit, message_id) = (digest.id, digest.mail.unit.clone(), digest.mail.message_id.clone());
    match sent {
        Ok(()) => {
            let tasks = digest.mail.task_count;
            let recorded = store
                .blocking(move |s| {
                    s.pass(PassKind::Notify, stamp, |pass| {
                        pass.write(|tx| record_sent(tx, &digest, stamp.now))
                    })
                })
                .await;
            match recorded {
                Ok(()) => {
                    tracing::info!(%unit, %message_id, tasks, "digest sent");
                    report.sent.push((unit, message_id, tasks));
                }
                // Accepted but not recorded: the lease runs out and the same message goes again.
                Err(e) => {
                    let why = format!(
                        "accepted by the server but not recorded ({}); it will be resent",
                        crate::errors::error_line(&e)
                    );
                    tracing::error!(%unit, %message_id, error = %why, "digest not recorded");
                    report.failed.push((unit, why));
                }
            }
        }
        Err(e) if e.is_permanent() => {
            let why = e.public_text();
            let w = why.clone();
            store.blocking(move |s| s.request(|tx| digests::mark_refused(tx, id, &w, &fingerprint))).await?;
            tracing::error!(%unit, %message_id, error = %why, "digest refused; it stays pending until the mail settings or the unit's addresses change, or a retry is asked for");
            report.refused.push((unit, why));
        }
        Err(e) => {
            let why = e.public_text();
            let w = why.clone();
            store.blocking(move |s| s.request(|tx| digests::mark_failed(tx, id, &w))).await?;
            tracing::warn!(%unit, %message_id, error = %why, "digest not sent; it stays pending");
            report.failed.push((unit, why));
        }
    }
    Ok(())
}

/// What a refusal depends on: where and how mail is sent, from whom, to which addresses.
fn fingerprint(outbox: &Outbox, recipients: &[String]) -> String {
    let mut hash = Sha256::new();
    for part in [outbox.mailer.fingerprint().as_str(), outbox.from]
        .into_iter()
        .chain(recipients.iter().map(String::as_str))
    {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

/// How digests are written: their language and where their links lead.
struct Words {
    language: crate::i18n::Language,
    inbox: Option<String>,
}

/// Binds every unbound open task to a new digest of its unit; returns units that cannot get one.
fn prepare(
    tx: &mut Tx,
    policy: &Policy,
    from: &str,
    words: &Words,
    today: NaiveDate,
    at: NaiveDateTime,
) -> storage::Result<Vec<(UnitKey, String)>> {
    // A unit whose digest has not been accepted yet gets no second one: its new tasks wait and
    // go out together in the next digest, so a unit hears of its tasks in one mail a run.
    let waiting = digests::units_pending(tx)?;
    let mut by_unit: BTreeMap<UnitKey, Vec<Task>> = BTreeMap::new();
    for task in digests::unsent_tasks(tx)?.into_iter().filter(|t| !waiting.contains(&t.unit)) {
        by_unit.entry(task.unit.clone()).or_default().push(task);
    }
    let mut problems = Vec::new();
    for (unit, tasks) in by_unit {
        if !policy.units.contains_key(&unit) {
            let why = format!("no [units.{unit}] in the configuration; its {} task(s) wait", tasks.len());
            tracing::error!(unit = %unit, "{why}");
            problems.push((unit, why));
            continue;
        }
        let digest = write_digest(tx, policy, (from, words), &unit, &tasks, today, at)?;
        let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
        let id = digests::create(tx, &digest, &ids)?;
        digests::set_message_id(tx, id, &new_message_id(id, from))?;
    }
    Ok(problems)
}

/// Renders the digest of `unit`'s new `tasks`, with its overdue ones as of `today`.
fn write_digest(
    tx: &mut Tx,
    policy: &Policy,
    (from, words): (&str, &Words),
    unit: &UnitKey,
    tasks: &[Task],
    today: NaiveDate,
    at: NaiveDateTime,
) -> storage::Result<NewDigest> {
    let config = &policy.units[unit];
    let (overdue, overdue_total) = digests::open_overdue(tx, unit, today, policy.digest.overdue_list_limit)?;
    let shown = |list: &[Task]| list.iter().map(|t| digest_task(t, policy)).collect::<Vec<_>>();
    let (new, overdue) = (shown(tasks), shown(&overdue));
    let rendered = render(&DigestInput {
        unit_name: &config.name,
        unit_key: unit.as_str(),
        tasks: &new,
        overdue: &overdue,
        overdue_total,
        case_url: policy.digest.case_urls.get(unit),
        today,
        language: words.language,
        inbox: words.inbox.as_deref(),
    });
    Ok(NewDigest {
        unit: unit.clone(),
        message_id: new_message_id(0, from),
        recipients: config.email.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        task_count: u32::try_from(tasks.len()).unwrap_or(u32::MAX),
        created_at: at,
    })
}

/// A task as a digest shows it: ids, a heading for the cause and the reason, dates, priority
/// and legal basis — nothing that names or identifies the holder.
fn digest_task(task: &Task, policy: &Policy) -> DigestTask {
    DigestTask {
        id: task.id,
        permit_id: task.permit_id.clone(),
        headline: Headline::of(&task.cause, &task.reason, policy),
        due_on: task.due_on,
        priority: task.priority,
        legal_basis: task.legal_basis.clone(),
        created_on: task.created_on,
    }
}

fn outgoing(digest: &Digest, from: &str) -> OutgoingMail {
    let d = &digest.mail;
    OutgoingMail {
        message_id: d.message_id.clone(),
        from: from.to_string(),
        to: d.recipients.clone(),
        subject: d.subject.clone(),
        text: d.text.clone(),
        html: d.html.clone(),
        date: d.created_at.and_utc(),
    }
}

fn record_sent(tx: &mut Tx, digest: &Digest, at: NaiveDateTime) -> storage::Result<()> {
    let (unit, message_id) = (&digest.mail.unit, &digest.mail.message_id);
    let events: Vec<AuditEvent> = digests::mark_sent(tx, digest.id, at)?
        .into_iter()
        .map(|(task, permit)| AuditEvent::digest_sent(permit, at, task, unit, message_id))
        .collect();
    audit::append(tx, events)?;
    Ok(())
}
