//! Queries on the register: batch upserts for imports, the due-review index for ticks, and
//! re-computing stored review dates when a ground's schedule changes.

use super::rows::{DueRow, PermitRow};
use super::schema::{ground_schedules, permits::dsl as p};
use super::AnyConnection;
use crate::domain::policy::Policy;
use crate::domain::review::{next_review, NextReview, Validity};
use crate::domain::tick::DuePermit;
use chrono::NaiveDate;
use diesel::prelude::*;

/// Rows a batch insert carries at most (14 columns: 28,000 parameters, under SQLite's 32,766).
pub const BATCH: usize = 2_000;

/// The stored rows of `ids` that exist.
pub fn existing(conn: &mut AnyConnection, ids: &[&str]) -> QueryResult<Vec<PermitRow>> {
    p::permits.filter(p::permit_id.eq_any(ids)).select(PermitRow::as_select()).load(conn)
}

/// Inserts new permits.
pub fn insert(conn: &mut AnyConnection, rows: &[PermitRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        crate::on_engine!(conn, c => diesel::insert_into(p::permits).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Rewrites a permit row.
pub fn update(conn: &mut AnyConnection, row: &PermitRow) -> QueryResult<()> {
    diesel::update(p::permits.find(&row.permit_id)).set(row).execute(conn).map(|_| ())
}

/// Active permits whose next review is due by `today`: the index `permits_review_due` makes
/// this cost what is due, not the size of the register.
pub fn due_for_review(conn: &mut AnyConnection, today: NaiveDate) -> QueryResult<Vec<DuePermit>> {
    let rows: Vec<DueRow> = p::permits
        .filter(p::review_due_on.le(today))
        .filter(p::status.eq("active"))
        .select((p::permit_id, p::ground, p::unit, p::valid_from, p::valid_until, p::review_occasion))
        .load(conn)?;
    Ok(rows.into_iter().map(DuePermit::from).collect())
}

/// Stores a permit's next review; `covered` is the occasion that just got its task, if any.
pub fn set_next_review(
    conn: &mut AnyConnection,
    permit: &str,
    covered: Option<NaiveDate>,
    next: Option<NextReview>,
) -> QueryResult<()> {
    let target = p::permits.find(permit);
    let next_cols =
        (p::review_occasion.eq(next.map(|n| n.occasion)), p::review_due_on.eq(next.map(|n| n.due_on)));
    match covered {
        Some(o) => diesel::update(target).set((next_cols, p::last_review_occasion.eq(o))).execute(conn)?,
        None => diesel::update(target).set(next_cols).execute(conn)?,
    };
    Ok(())
}

/// Recomputes stored review dates of every ground whose schedule (first review, interval, lead
/// time) differs from the one they were computed with; returns the grounds recomputed.
pub fn sync_ground_schedules(conn: &mut AnyConnection, policy: &Policy) -> QueryResult<Vec<String>> {
    use ground_schedules::dsl as g;
    let stored: Vec<(String, String)> = g::ground_schedules.load(conn)?;
    let mut changed = Vec::new();
    for (ground, gp) in &policy.grounds {
        let fingerprint = gp.schedule_fingerprint();
        match stored.iter().find(|(name, _)| name == ground) {
            Some((_, f)) if *f == fingerprint => continue,
            Some(_) => {
                reschedule_ground(conn, policy, ground)?;
                diesel::update(g::ground_schedules.find(ground))
                    .set(g::fingerprint.eq(&fingerprint))
                    .execute(conn)?;
                changed.push(ground.clone());
            }
            None => {
                // First sight of this ground: rows written so far used this very policy.
                diesel::insert_into(g::ground_schedules)
                    .values((g::ground.eq(ground), g::fingerprint.eq(&fingerprint)))
                    .execute(conn)?;
            }
        }
    }
    Ok(changed)
}

fn reschedule_ground(conn: &mut AnyConnection, policy: &Policy, ground: &str) -> QueryResult<()> {
    let gp = &policy.grounds[ground];
    let rows: Vec<(String, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = p::permits
        .filter(p::ground.eq(ground))
        .filter(p::status.eq("active"))
        .select((p::permit_id, p::valid_from, p::valid_until, p::last_review_occasion))
        .load(conn)?;
    for (id, valid_from, valid_until, last) in rows {
        let next = next_review(gp, Validity { valid_from, valid_until }, last);
        set_next_review(conn, &id, None, next)?;
    }
    Ok(())
}
