//! `notify`: each unit with new tasks gets one digest (§6), and nothing is lost on the way.
//!
//! First, in one pass, every open task that no digest carries yet is bound to a new digest of
//! its unit, written with its Message-ID, date and text before anything is sent. Then every
//! pending digest — new, or left by a failed or interrupted run — is claimed, sent, and only
//! once the server accepted it are its tasks marked notified. Safe to run twice: a second run
//! finds no unbound tasks and no pending digests; a crash between acceptance and marking sends
//! the same message (same Message-ID) again, never a different one. One unit's failure does not
//! stop the others.

use crate::domain::policy::{Policy, Priority};
use crate::mail::digest::{render, DigestInput, DigestTask};
use crate::mail::{new_message_id, Mailer, OutgoingMail};
use crate::storage::digests::{self, DigestRow, NewDigestRow};
use crate::storage::rows::NewAuditRow;
use crate::storage::{self, audit, in_pass, AnyConnection};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// How long a sender holds a digest before another instance may retry it.
const SEND_LEASE: TimeDelta = TimeDelta::minutes(10);

/// What a notify run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyReport {
    /// Digests sent: (unit, Message-ID, tasks).
    pub sent: Vec<(String, String, i32)>,
    /// Digests not sent: (unit, why). They stay pending and are retried.
    pub failed: Vec<(String, String)>,
    /// Pending digests another sender holds.
    pub busy: u32,
}

/// Prepares and sends the digests; `send` runs the mailer's future to completion.
pub fn notify(
    c: &mut AnyConnection,
    policy: &Policy,
    from: &str,
    mailer: &Mailer,
    send: &dyn Fn(&Mailer, &OutgoingMail) -> Result<(), crate::mail::SendError>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<NotifyReport> {
    let at = storage::micros(now);
    let failed = in_pass(c, "notify", |c| prepare(c, policy, from, today, at))?;
    let mut report = NotifyReport { failed, ..NotifyReport::default() };
    for digest in digests::pending(c)? {
        if !digests::claim(c, digest.id, at, at + SEND_LEASE)? {
            report.busy += 1;
            continue;
        }
        let mail = outgoing(&digest, from);
        match send(mailer, &mail) {
            Ok(()) => match in_pass(c, "notify", |c| record_sent(c, &digest, at)) {
                Ok(()) => {
                    tracing::info!(unit = %digest.unit, message_id = %digest.message_id, tasks = digest.task_count, "digest sent");
                    report.sent.push((digest.unit.clone(), digest.message_id.clone(), digest.task_count));
                }
                // Accepted but not recorded: the lease runs out and the same message goes again.
                Err(e) => {
                    let why = format!(
                        "accepted by the server but not recorded ({}); it will be resent",
                        crate::errors::one_line(&e)
                    );
                    tracing::error!(unit = %digest.unit, message_id = %digest.message_id, error = %why, "digest not recorded");
                    report.failed.push((digest.unit.clone(), why));
                }
            },

            Err(e) => {
                let why = without_addresses(&e.to_string());
                digests::mark_failed(c, digest.id, &why)?;
                tracing::warn!(unit = %digest.unit, message_id = %digest.message_id, error = %why, "digest not sent; it stays pending");
                report.failed.push((digest.unit.clone(), why));
            }
        }
    }
    Ok(report)
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
    let mut by_unit: BTreeMap<String, Vec<digests::UnsentTask>> = BTreeMap::new();
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
                permit_id: t.permit_id.clone(),
                cause: t.cause.clone(),
                due_on: t.due_on,
                priority: t.priority.parse().unwrap_or(Priority::Normal),
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
        let row = NewDigestRow {
            unit: unit.clone(),
            message_id: new_message_id(0, from),
            recipients: serde_json::to_string(&config.email)?,
            subject: rendered.subject,
            body: rendered.text,
            html: rendered.html,
            task_count: i32::try_from(tasks.len()).unwrap_or(i32::MAX),
            created_at: at,
            state: "pending".into(),
            attempts: 0,
        };
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        let id = digests::create(c, &row, &ids)?;
        digests::set_message_id(c, id, &new_message_id(id, from))?;
    }
    Ok(problems)
}

fn outgoing(digest: &DigestRow, from: &str) -> OutgoingMail {
    OutgoingMail {
        message_id: digest.message_id.clone(),
        from: from.to_string(),
        to: serde_json::from_str(&digest.recipients).unwrap_or_default(),
        subject: digest.subject.clone(),
        text: digest.body.clone(),
        html: digest.html.clone(),
        date: digest.created_at.and_utc(),
    }
}

fn record_sent(c: &mut AnyConnection, digest: &DigestRow, at: NaiveDateTime) -> anyhow::Result<()> {
    let carried = digests::mark_sent(c, digest.id, at)?;
    let events: Vec<NewAuditRow> = carried
        .into_iter()
        .map(|(task_id, permit_id)| NewAuditRow {
            permit_id,
            at,
            event: "digest_sent".into(),
            task_id: Some(task_id),
            detail: format!(
                "task {task_id} went out to unit {} in digest <{}>",
                digest.unit, digest.message_id
            ),
        })
        .collect();
    audit::append(c, events)?;
    Ok(())
}

/// A server's reply with any email address in it replaced: logs and messages carry none.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| if word.contains('@') { "[address]" } else { word })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_in_a_server_reply_are_replaced() {
        let text = super::without_addresses(
            "mail server h:25 rejected the mail: 550 5.1.1 <work-unit@localhost>: no such user",
        );
        assert_eq!(text, "mail server h:25 rejected the mail: 550 5.1.1 [address] no such user");
    }
}
