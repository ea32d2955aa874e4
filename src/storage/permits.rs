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
            crate::sqlite_insert!(c, p::permits, rows);
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

/// Rows one batched update carries (4 parameters each).
const UPDATE_BATCH: usize = 1_000;

/// Stores many permits' next reviews in one statement per batch (a tick moves thousands).
pub fn set_next_reviews(conn: &mut AnyConnection, updates: &[ReviewUpdate]) -> QueryResult<()> {
    use diesel::sql_types::{Nullable, Text};
    let postgres = matches!(conn, AnyConnection::Postgresql(_));
    for chunk in updates.chunks(UPDATE_BATCH) {
        // The engines differ only in how parameters and VALUES columns are written.
        let sql = if postgres {
            let values: Vec<String> = (1..=chunk.len())
                .map(|i| {
                    format!("(${}, ${}::date, ${}::date, ${}::date)", 4 * i - 3, 4 * i - 2, 4 * i - 1, 4 * i)
                })
                .collect();
            format!(
                "UPDATE permits SET review_occasion = v.o, review_due_on = v.d, \
                 last_review_occasion = COALESCE(v.l, permits.last_review_occasion) \
                 FROM (VALUES {}) AS v(id, l, o, d) WHERE permits.permit_id = v.id",
                values.join(", ")
            )
        } else {
            format!(
                "UPDATE permits SET review_occasion = v.column3, review_due_on = v.column4, \
                 last_review_occasion = COALESCE(v.column2, permits.last_review_occasion) \
                 FROM (VALUES {}) AS v WHERE permits.permit_id = v.column1",
                vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
            )
        };
        let text = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        crate::on_engine!(conn, c => {
            let mut q = diesel::sql_query(sql).into_boxed();
            for (id, covered, next) in chunk {
                q = q
                    .bind::<Text, _>(id.clone())
                    .bind::<Nullable<Text>, _>(text(*covered))
                    .bind::<Nullable<Text>, _>(text(next.map(|n| n.occasion)))
                    .bind::<Nullable<Text>, _>(text(next.map(|n| n.due_on)));
            }
            q.execute(c)
        })?;
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
