//! Queries on the register: batch upserts for imports, the due-review index for ticks, and
//! re-computing stored review dates when a ground's schedule changes.

use super::permit_insert::PermitInsert;
use super::rows::{DueRow, PermitRow};
use super::schema::{ground_schedules, permits::dsl as p};
use super::sqltime::MaybeDay;
use super::{AnyConnection, SQLITE_CHUNK};
use crate::domain::policy::Policy;
use crate::domain::review::{next_review, NextReview, Validity};
use crate::domain::tick::DuePermit;
use chrono::NaiveDate;
use diesel::prelude::*;

/// The stored rows of `ids` that exist.
pub fn existing(conn: &mut AnyConnection, ids: &[&str]) -> QueryResult<Vec<PermitRow>> {
    p::permits.filter(p::permit_id.eq_any(ids)).select(PermitRow::as_select()).load(conn)
}

/// Inserts new permits.
pub fn insert(conn: &mut AnyConnection, rows: Vec<PermitRow>) -> QueryResult<()> {
    match conn {
        // COPY: PostgreSQL's bulk path, far cheaper than a 28,000-parameter INSERT.
        AnyConnection::Postgresql(c) if !rows.is_empty() => {
            diesel::copy_from(p::permits).from_insertable(rows).execute(c)?;
        }
        AnyConnection::Postgresql(_) => {}
        AnyConnection::Sqlite(c) => {
            for piece in rows.chunks(SQLITE_CHUNK) {
                PermitInsert::<SQLITE_CHUNK>::new(piece).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Rewrites a permit row.
pub fn update(conn: &mut AnyConnection, row: PermitRow) -> QueryResult<()> {
    diesel::update(p::permits.find(row.permit_id.clone())).set(row).execute(conn).map(|_| ())
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

/// One permit's new review state: the occasion that just got its task (if any) and the next.
pub type ReviewUpdate = (String, Option<NaiveDate>, Option<NextReview>);

/// Stores many permits' next reviews (a tick moves thousands): on PostgreSQL one statement
/// over arrays, planned once whatever their length; on SQLite one cached `UPDATE` per permit.
pub fn set_next_reviews(conn: &mut AnyConnection, updates: &[ReviewUpdate]) -> QueryResult<()> {
    use diesel::sql_types::{Array, Date, Nullable, Text};
    if updates.is_empty() {
        return Ok(());
    }
    match conn {
        AnyConnection::Postgresql(c) => {
            let ids: Vec<&str> = updates.iter().map(|(id, _, _)| id.as_str()).collect();
            let covered: Vec<Option<NaiveDate>> = updates.iter().map(|(_, l, _)| *l).collect();
            let occasions: Vec<Option<NaiveDate>> =
                updates.iter().map(|(_, _, n)| n.map(|n| n.occasion)).collect();
            let due: Vec<Option<NaiveDate>> = updates.iter().map(|(_, _, n)| n.map(|n| n.due_on)).collect();
            diesel::sql_query(
                "UPDATE permits SET review_occasion = v.o, review_due_on = v.d, \
                 last_review_occasion = COALESCE(v.l, permits.last_review_occasion) \
                 FROM unnest($1::text[], $2::date[], $3::date[], $4::date[]) AS v(id, l, o, d) \
                 WHERE permits.permit_id = v.id",
            )
            .bind::<Array<Text>, _>(ids)
            .bind::<Array<Nullable<Date>>, _>(covered)
            .bind::<Array<Nullable<Date>>, _>(occasions)
            .bind::<Array<Nullable<Date>>, _>(due)
            .execute(c)?;
        }
        // Cheaper on SQLite than parsing a 4,000-parameter statement anew per thousand.
        AnyConnection::Sqlite(c) => {
            for (id, covered, next) in updates {
                let next_review = (
                    p::review_occasion.eq(MaybeDay::from(next.map(|n| n.occasion))),
                    p::review_due_on.eq(MaybeDay::from(next.map(|n| n.due_on))),
                );
                let permit = diesel::update(p::permits.find(id));
                match covered {
                    Some(covered) => permit
                        .set((next_review, p::last_review_occasion.eq(MaybeDay::from(Some(*covered)))))
                        .execute(c)?,
                    None => permit.set(next_review).execute(c)?,
                };
            }
        }
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk change (PostgreSQL; SQLite needs none here).
pub fn analyze(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        diesel::sql_query("ANALYZE permits").execute(c)?;
    }
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
    let updates: Vec<ReviewUpdate> = rows
        .into_iter()
        .map(|(id, valid_from, valid_until, last)| {
            (id, None, next_review(gp, Validity { valid_from, valid_until }, last))
        })
        .collect();
    set_next_reviews(conn, &updates)
}
