//! `notify`: each unit with new tasks gets one digest (docs/REFERENCE.md §6), and nothing is
//! lost on the way.
//!
//! First, in one pass, every open task that no digest carries yet is bound to a new digest of
//! its unit, written with its Message-ID, date and text before anything is sent. Then every
//! pending digest — new, or left by a failed or interrupted run — is claimed, sent, and only
//! once the server accepted it are its tasks marked notified. Safe to run twice: a second run
//! finds no unbound tasks and no pending digests; a crash between acceptance and marking sends
//! the same message (same Message-ID) again, never a different one. One unit's failure does not
//! stop the others.
//!
//! A digest the server refuses permanently (a 5xx reply) or that cannot be built stays pending
//! but is *refused*: it is not tried again on every run, only once the mail settings or the
//! unit's addresses differ from those it was refused under, or when the caller asks.

use crate::domain::audit::AuditEvent;
use crate::domain::digest::{Digest, NewDigest};
use crate::domain::policy::Policy;
use crate::domain::task::Task;
use crate::mail::digest::{render, DigestInput, DigestTask};
use crate::mail::{new_message_id, Mailer, OutgoingMail, SendError};
use crate::storage::{self, audit, digests, in_pass, AnyConnection};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

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
    pub sent: Vec<(String, String, u32)>,
    /// Digests not sent this time: (unit, why). They stay pending and are retried.
    pub failed: Vec<(String, String)>,
    /// Digests refused by the server: (unit, why). They stay pending, and wait for a change of
    /// the mail settings or the unit's addresses, or for a retry asked for.
    pub refused: Vec<(String, String)>,
    /// Pending digests another sender holds.
    pub busy: u32,
}

/// What a run sends with: the mailer, the sender, and how a send is driven to completion.
pub struct Outbox<'a> {
    /// Where mail goes.
    pub mailer: &'a Mailer,
    /// `From:`.
    pub from: &'a str,
    /// Runs the mailer's future to completion.
    pub send: &'a dyn Fn(&Mailer, &OutgoingMail) -> Result<(), SendError>,
}

/// Prepares and sends the digests.
pub fn notify(
    c: &mut AnyConnection,
    policy: &Policy,
    outbox: &Outbox,
    opts: NotifyOptions,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<NotifyReport> {
    let at = storage::micros(now);
    let failed = in_pass(c, "notify", |c| prepare(c, policy, outbox.from, today, at))?;
    let mut report = NotifyReport { failed, ..NotifyReport::default() };
    for digest in digests::pending(c)? {
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
        if !digests::claim(c, digest.id, at, at + SEND_LEASE)? {
            report.busy += 1;
            continue;
        }
        let mut digest = digest;
        if let (Some(_), Some(addresses)) = (&digest.refused_under, addresses) {
            // Tried again after a refusal: the unit's addresses as they are now.
            digests::readdress(c, digest.id, &addresses)?;
            digest.mail.recipients = addresses;
        }
        send_one(c, outbox, &digest, &fingerprint, at, &mut report)?;
    }
    Ok(report)
}

/// Sends one claimed digest and records what came of it.
fn send_one(
    c: &mut AnyConnection,
    outbox: &Outbox,
    digest: &Digest,
    fingerprint: &str,
    at: NaiveDateTime,
    report: &mut NotifyReport,
) -> anyhow::Result<()> {
    let (unit, message_id) = (&digest.mail.unit, &digest.mail.message_id);
    match (outbox.send)(outbox.mailer, &outgoing(digest, outbox.from)) {
        Ok(()) => match in_pass(c, "notify", |c| record_sent(c, digest, at)) {
            Ok(()) => {
                tracing::info!(%unit, %message_id, tasks = digest.mail.task_count, "digest sent");
                report.sent.push((unit.clone(), message_id.clone(), digest.mail.task_count));
            }
            // Accepted but not recorded: the lease runs out and the same message goes again.
            Err(e) => {
                let why = format!(
                    "accepted by the server but not recorded ({}); it will be resent",
                    crate::errors::one_line(&e)
                );
                tracing::error!(%unit, %message_id, error = %why, "digest not recorded");
                report.failed.push((unit.clone(), why));
            }
        },
        Err(e) if e.is_permanent() => {
            let why = e.public_text();
            digests::mark_refused(c, digest.id, &why, fingerprint)?;
            tracing::error!(%unit, %message_id, error = %why, "digest refused; it stays pending until the mail settings or the unit's addresses change, or a retry is asked for");
            report.refused.push((unit.clone(), why));
        }
        Err(e) => {
            let why = e.public_text();
            digests::mark_failed(c, digest.id, &why)?;
            tracing::warn!(%unit, %message_id, error = %why, "digest not sent; it stays pending");
            report.failed.push((unit.clone(), why));
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

/// Binds every unbound open task to a new digest of its unit; returns units that cannot get one.
fn prepare(
    c: &mut AnyConnection,
    policy: &Policy,
    from: &str,
    today: NaiveDate,
    at: NaiveDateTime,
) -> anyhow::Result<Vec<(String, String)>> {
    // A unit whose digest has not been accepted yet gets no second one: its new tasks wait and
    // go out together in the next digest, so a unit hears of its tasks in one mail a run.
    let waiting = digests::units_pending(c)?;
    let mut by_unit: BTreeMap<String, Vec<Task>> = BTreeMap::new();
    for task in digests::unsent_tasks(c)?.into_iter().filter(|t| !waiting.contains(&t.unit)) {
        by_unit.entry(task.unit.clone()).or_default().push(task);
    }
    let mut problems = Vec::new();
    for (unit, tasks) in by_unit {
        let Some(config) = policy.units.get(&unit) else {
            let why = format!("no [units.{unit}] in the configuration; its {} task(s) wait", tasks.len());
            tracing::error!(unit = %unit, "{why}");
            problems.push((unit, why));
            continue;
        };
        let lines: Vec<DigestTask> = tasks
            .iter()
            .map(|t| DigestTask {
                permit_id: t.permit_id.to_string(),
                cause: t.cause.to_string(),
                due_on: t.due_on,
                priority: t.priority,
            })
            .collect();
        let overdue = u64::try_from(digests::open_overdue(c, &unit, today)?).unwrap_or(0);
        let rendered = render(&DigestInput {
            unit_name: &config.name,
            unit_key: &unit,
            tasks: &lines,
            open_overdue: overdue,
            today,
        });
        let digest = NewDigest {
            unit: unit.clone(),
            message_id: new_message_id(0, from),
            recipients: config.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
            task_count: u32::try_from(tasks.len()).unwrap_or(u32::MAX),
            created_at: at,
        };
        let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
        let id = digests::create(c, &digest, &ids)?;
        digests::set_message_id(c, id, &new_message_id(id, from))?;
    }
    Ok(problems)
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

fn record_sent(c: &mut AnyConnection, digest: &Digest, at: NaiveDateTime) -> anyhow::Result<()> {
    let (unit, message_id) = (&digest.mail.unit, &digest.mail.message_id);
    let events: Vec<AuditEvent> = digests::mark_sent(c, digest.id, at)?
        .into_iter()
        .map(|(task, permit)| AuditEvent::digest_sent(permit, at, task, unit, message_id))
        .collect();
    audit::append(c, events)?;
    Ok(())
}
