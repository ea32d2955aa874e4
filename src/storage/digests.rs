//! The digest outbox. A digest row, with its fixed Message-ID, date and text, is written and its
//! tasks are bound to it before anything is sent; tasks are marked notified only after the
//! server accepted it. A sender claims a digest with a short lease, so that instances sharing a
//! database do not send the same digest at once, and a crashed sender's digest is retried once
//! the lease has passed.

use super::schema::{digests::dsl as d, tasks::dsl as t};
use super::AnyConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A digest to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::digests, treat_none_as_default_value = false)]
pub struct NewDigestRow {
    /// Unit key.
    pub unit: String,
    /// Message-ID without `<>`.
    pub message_id: String,
    /// JSON list of addresses.
    pub recipients: String,
    /// Subject.
    pub subject: String,
    /// text/plain part.
    pub body: String,
    /// text/html part.
    pub html: String,
    /// Tasks it carries.
    pub task_count: i32,
    /// Creation instant; also the mail's Date.
    pub created_at: NaiveDateTime,
    /// `pending`.
    pub state: String,
    /// 0.
    pub attempts: i32,
}

/// A stored digest.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::digests)]
pub struct DigestRow {
    /// Id.
    pub id: i64,
    /// Unit key.
    pub unit: String,
    /// Message-ID.
    pub message_id: String,
    /// JSON list of addresses.
    pub recipients: String,
    /// Subject.
    pub subject: String,
    /// text/plain.
    pub body: String,
    /// text/html.
    pub html: String,
    /// Tasks carried.
    pub task_count: i32,
    /// Created (the mail's Date).
    pub created_at: NaiveDateTime,
    /// Attempts so far.
    pub attempts: i32,
}

/// An open task not yet bound to a digest.
#[derive(Debug, Clone, Queryable)]
pub struct UnsentTask {
    /// Task id.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// Cause.
    pub cause: String,
    /// Unit key.
    pub unit: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Priority word.
    pub priority: String,
}

/// Open tasks that no digest carries yet, by unit then id.
pub fn unsent_tasks(conn: &mut AnyConnection) -> QueryResult<Vec<UnsentTask>> {
    t::tasks
        .filter(t::digest_id.is_null())
        .filter(t::notified_at.is_null())
        .filter(t::state.eq("open"))
        .order((t::unit.asc(), t::id.asc()))
        .select((t::id, t::permit_id, t::cause, t::unit, t::due_on, t::priority))
        .load(conn)
}

/// Open tasks of `unit` due before `today`.
pub fn open_overdue(conn: &mut AnyConnection, unit: &str, today: NaiveDate) -> QueryResult<i64> {
    t::tasks
        .filter(t::unit.eq(unit))
        .filter(t::state.eq("open"))
        .filter(t::due_on.lt(today))
        .count()
        .get_result(conn)
}

/// Stores a digest and binds its tasks to it; returns its id.
pub fn create(conn: &mut AnyConnection, row: &NewDigestRow, task_ids: &[i64]) -> QueryResult<i64> {
    let id: i64 = crate::on_engine!(conn, c => diesel::insert_into(d::digests).values(row).returning(d::id).get_result(c))?;
    for chunk in task_ids.chunks(1_000) {
        diesel::update(t::tasks.filter(t::id.eq_any(chunk))).set(t::digest_id.eq(id)).execute(conn)?;
    }
    Ok(id)
}

/// Sets a new digest's Message-ID (which names the digest id) before it is ever sent.
pub fn set_message_id(conn: &mut AnyConnection, id: i64, message_id: &str) -> QueryResult<()> {
    diesel::update(d::digests.find(id)).set(d::message_id.eq(message_id)).execute(conn).map(|_| ())
}

/// Digests not yet accepted by the server, oldest first.
pub fn pending(conn: &mut AnyConnection) -> QueryResult<Vec<DigestRow>> {
    d::digests.filter(d::state.eq("pending")).order(d::id.asc()).select(DigestRow::as_select()).load(conn)
}

/// Units that have a digest not yet accepted.
pub fn units_pending(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    d::digests.filter(d::state.eq("pending")).select(d::unit).distinct().load(conn)
}

/// Takes the sender's lease on a pending digest until `until`; false if another holds it.
pub fn claim(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        d::digests
            .find(id)
            .filter(d::state.eq("pending"))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now))),
    )
    .set((d::claimed_until.eq(until), d::attempts.eq(d::attempts + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Marks a digest sent and its tasks notified; returns the (task, permit) pairs it carried.
pub fn mark_sent(conn: &mut AnyConnection, id: i64, at: NaiveDateTime) -> QueryResult<Vec<(i64, String)>> {
    diesel::update(d::digests.find(id))
        .set((
            d::state.eq("sent"),
            d::sent_at.eq(at),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(t::tasks.filter(t::digest_id.eq(id))).set(t::notified_at.eq(at)).execute(conn)?;
    t::tasks.filter(t::digest_id.eq(id)).order(t::id.asc()).select((t::id, t::permit_id)).load(conn)
}

/// Records a failed attempt and releases the lease so that the next run retries at once.
pub fn mark_failed(conn: &mut AnyConnection, id: i64, error: &str) -> QueryResult<()> {
    diesel::update(d::digests.find(id))
        .set((d::last_error.eq(error), d::claimed_until.eq(None::<NaiveDateTime>)))
        .execute(conn)
        .map(|_| ())
}
