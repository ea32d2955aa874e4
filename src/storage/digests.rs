//! The digest outbox. A digest row, with its fixed Message-ID, date and text, is written and its
//! tasks are bound to it before anything is sent; tasks are marked notified only after the
//! server accepted it. A sender claims a digest with a short lease, so that instances sharing a
//! database do not send the same digest at once, and a crashed sender's digest is retried once
//! the lease has passed.

use super::rows::{DigestRow, NewDigestRow, RowReader, TaskRow};
use super::schema::{digests::dsl as d, tasks::dsl as t};
use super::{Result, Tx};
use crate::domain::digest::{Digest, DigestState, NewDigest};
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::task::{Task, TaskState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// Open tasks that no digest carries yet, by unit then id.
pub fn unsent_tasks(tx: &mut Tx) -> Result<Vec<Task>> {
    let conn = &mut *tx.conn;
    let rows: Vec<TaskRow> = t::tasks
        .filter(t::digest_id.is_null())
        .filter(t::notified_at.is_null())
        .filter(t::state.eq(TaskState::Open.as_str()))
        .order((t::unit.asc(), t::id.asc()))
        .select(TaskRow::as_select())
        .load(conn)?;
    super::tasks::read(rows)
}

/// The open tasks of `unit` due before `today`: the first `limit` of them, most overdue first
/// (then by id), and how many there are in all.
pub fn open_overdue(tx: &mut Tx, unit: &UnitKey, today: NaiveDate, limit: usize) -> Result<(Vec<Task>, u64)> {
    let conn = &mut *tx.conn;
    let unit = unit.as_str();
    let overdue = || {
        t::tasks
            .filter(t::unit.eq(unit))
            .filter(t::state.eq(TaskState::Open.as_str()))
            .filter(t::due_on.lt(today))
    };
    let total: i64 = overdue().count().get_result(conn)?;
    let rows: Vec<TaskRow> = overdue()
        .order((t::due_on.asc(), t::id.asc()))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(TaskRow::as_select())
        .load(conn)?;
    Ok((super::tasks::read(rows)?, u64::try_from(total).unwrap_or(0)))
}

/// Stores a digest and binds its tasks to it; returns its id.
pub fn create(tx: &mut Tx, digest: &NewDigest, tasks: &[TaskId]) -> Result<i64> {
    let conn = &mut *tx.conn;
    let row = NewDigestRow::from(digest);
    let id: i64 = crate::on_engine!(conn, c => diesel::insert_into(d::digests).values(&row).returning(d::id).get_result(c))?;
    let task_ids: Vec<i64> = tasks.iter().map(|t| t.0).collect();
    for chunk in task_ids.chunks(1_000) {
        diesel::update(t::tasks.filter(t::id.eq_any(chunk))).set(t::digest_id.eq(id)).execute(conn)?;
    }
    Ok(id)
}

/// Sets a new digest's Message-ID (which names the digest id) before it is ever sent.
pub fn set_message_id(tx: &mut Tx, id: i64, message_id: &str) -> Result<()> {
    let conn = &mut *tx.conn;
    diesel::update(d::digests.find(id)).set(d::message_id.eq(message_id)).execute(conn)?;
    Ok(())
}

/// Digests not yet accepted by the server, oldest first.
pub fn pending(tx: &mut Tx) -> Result<Vec<Digest>> {
    let conn = &mut *tx.conn;
    let rows: Vec<DigestRow> = d::digests
        .filter(d::state.eq(DigestState::Pending.as_str()))
        .order(d::id.asc())
        .select(DigestRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Digest::try_from).collect::<Result<_, _>>()?)
}

/// Units that have a digest not yet accepted.
pub fn units_pending(tx: &mut Tx) -> Result<Vec<UnitKey>> {
    let units: Vec<String> = d::digests
        .filter(d::state.eq(DigestState::Pending.as_str()))
        .select(d::unit)
        .distinct()
        .load(tx.conn)?;
    units.into_iter().map(|u| Ok(RowReader::new("digests", &"(the pending)").unit("unit", u)?)).collect()
}

/// Takes the sender's lease on a pending digest until `until`; false if another holds it.
pub fn claim(tx: &mut Tx, id: i64, now: NaiveDateTime, until: NaiveDateTime) -> Result<bool> {
    let conn = &mut *tx.conn;
    let n = diesel::update(
        d::digests
            .find(id)
            .filter(d::state.eq(DigestState::Pending.as_str()))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now))),
    )
    .set((d::claimed_until.eq(until), d::attempts.eq(d::attempts + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a digest sent and its tasks notified; returns the (task, permit) pairs it carried.
pub fn mark_sent(tx: &mut Tx, id: i64, at: NaiveDateTime) -> Result<Vec<(TaskId, PermitId)>> {
    let conn = &mut *tx.conn;
    diesel::update(d::digests.find(id))
        .set((
            d::state.eq(DigestState::Sent.as_str()),
            d::sent_at.eq(at),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::last_error.eq(None::<String>),
            d::refused_under.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(t::tasks.filter(t::digest_id.eq(id))).set(t::notified_at.eq(at)).execute(conn)?;
    let carried: Vec<(i64, String)> =
        t::tasks.filter(t::digest_id.eq(id)).order(t::id.asc()).select((t::id, t::permit_id)).load(conn)?;
    carried
        .into_iter()
        .map(|(task, permit)| {
            let r = RowReader::new("tasks", &task);
            Ok((TaskId(task), r.read("permit_id", PermitId::parse(&permit))?))
        })
        .collect()
}

/// Records a failed attempt and releases the lease so that the next run retries at once.
pub fn mark_failed(tx: &mut Tx, id: i64, error: &str) -> Result<()> {
    let conn = &mut *tx.conn;
    diesel::update(d::digests.find(id))
        .set((d::last_error.eq(error), d::claimed_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Records a permanent refusal under the mail settings `fingerprint`: the digest stays pending,
/// and is tried again once the settings differ, or when an operator asks.
pub fn mark_refused(tx: &mut Tx, id: i64, error: &str, fingerprint: &str) -> Result<()> {
    let conn = &mut *tx.conn;
    diesel::update(d::digests.find(id))
        .set((
            d::last_error.eq(error),
            d::refused_under.eq(fingerprint),
            d::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sends a refused digest, once it is tried again, to `recipients` (the unit's addresses as
/// the configuration now has them: the refusal may have been an address).
pub fn readdress(tx: &mut Tx, id: i64, recipients: &[String]) -> Result<()> {
    let conn = &mut *tx.conn;
    let json = serde_json::Value::from(recipients.to_vec()).to_string();
    diesel::update(d::digests.find(id)).set(d::recipients.eq(json)).execute(conn)?;
    Ok(())
}
