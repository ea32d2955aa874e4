//! Queries on the register: batch upserts for imports, the due-review index for ticks, and the
//! stored review dates a policy change recomputes. Every permit has one row in `permits` and one
//! in `reviews` (its review series), written together here.

use super::row_insert::RowInsert;
use super::rows::{DueRow, PermitRow, ReviewRow, RowReader};
use super::schema::permits::dsl as p;
use super::schema::reviews::dsl as r;
use super::sqltime::MaybeDay;
use super::{AnyConnection, Result, Tx, SQLITE_CHUNK};
use crate::domain::ids::PermitId;
use crate::domain::keys::GroundKey;
use crate::domain::permit::{Permit, PermitStatus, ReviewState, Validity};
use crate::domain::review::NextReview;
use crate::domain::tick::DueReview;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// Past this many written permits the planner's statistics are refreshed, so the next tick uses
/// the due-review index at once instead of waiting for autovacuum.
const ANALYZE_AFTER: u64 = 10_000;

/// The stored permits of `ids` that exist, with their review state.
pub fn existing(tx: &mut Tx, ids: &[&PermitId]) -> Result<Vec<(Permit, ReviewState)>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
    let rows: Vec<(PermitRow, Option<ReviewRow>)> = p::permits
        .left_join(r::reviews)
        .filter(p::permit_id.eq_any(keys))
        .select((PermitRow::as_select(), Option::<ReviewRow>::as_select()))
        .load(conn)?;
    rows.into_iter()
        .map(|(permit, review)| {
            let review = review
                .ok_or_else(|| RowReader::new("reviews", &permit.permit_id).fail("permit_id", "no row"))?;
            Ok((permit.into_domain()?, review.into_domain()?))
        })
        .collect()
}

/// Inserts new permits, brought in by the import `imported_by` at `at`.
pub fn insert(
    tx: &mut Tx,
    permits: Vec<(Permit, ReviewState)>,
    imported_by: i64,
    at: NaiveDateTime,
) -> Result<()> {
    let conn = &mut *tx.conn;
    let (permits, reviews): (Vec<PermitRow>, Vec<ReviewRow>) = permits
        .into_iter()
        .map(|(permit, review)| {
            let review = ReviewRow::new(&permit.id, review);
            (PermitRow::new(permit, at, Some(imported_by)), review)
        })
        .unzip();
    tx.done.permits_written += permits.len() as u64;
    Ok(insert_rows(conn, permits, reviews)?)
}

/// Inserts permit rows and their review rows: one COPY each on PostgreSQL, the project's own
/// multi-row `INSERT`s on SQLite (`row_insert`), which must store every column exactly as
/// diesel's own insert would.
pub fn insert_rows(
    conn: &mut AnyConnection,
    permits: Vec<PermitRow>,
    reviews: Vec<ReviewRow>,
) -> QueryResult<()> {
    match conn {
        // COPY: PostgreSQL's bulk path, far cheaper than a 28,000-parameter INSERT.
        AnyConnection::Postgresql(c) => {
            if !permits.is_empty() {
                diesel::copy_from(p::permits).from_insertable(permits).execute(c)?;
            }
            if !reviews.is_empty() {
                diesel::copy_from(r::reviews).from_insertable(reviews).execute(c)?;
            }
        }
        AnyConnection::Sqlite(c) => {
            for piece in permits.chunks(SQLITE_CHUNK) {
                RowInsert::<_, SQLITE_CHUNK>::new(piece).execute(c)?;
            }
            for piece in reviews.chunks(SQLITE_CHUNK) {
                RowInsert::<_, SQLITE_CHUNK>::new(piece).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Rewrites a permit and its review state (the import that brought it in stays).
pub fn update(tx: &mut Tx, permit: Permit, review: ReviewState, at: NaiveDateTime) -> Result<()> {
    let conn = &mut *tx.conn;
    tx.done.permits_written += 1;
    let review = ReviewRow::new(&permit.id, review);
    let row = PermitRow::new(permit, at, None);
    diesel::update(p::permits.find(row.permit_id.clone())).set(row).execute(conn)?;
    crate::on_engine!(conn, c => diesel::insert_into(r::reviews)
        .values(review.clone())
        .on_conflict(r::permit_id)
        .do_update()
        .set(review.clone())
        .execute(c))?;
    Ok(())
}

/// Refreshes the planner's statistics after `written` permits were written, when that many
/// change them (PostgreSQL; SQLite's planner needs none for these queries).
pub(crate) fn after_bulk_change(conn: &mut AnyConnection, written: u64) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        if written > ANALYZE_AFTER {
            diesel::sql_query("ANALYZE permits, reviews").execute(c)?;
        }
    }
    Ok(())
}

/// After a committed pass moved next reviews due by `today`: on PostgreSQL, marks the dead
/// `reviews_due` entries of their old due dates (`storage::mark_dead_entries`), so that the
/// next tick reads what is due and nothing else. SQLite updates in place.
pub(crate) fn after_moving_reviews(conn: &mut AnyConnection, today: NaiveDate) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        let started = std::time::Instant::now();
        super::mark_dead_entries(c, |c| {
            diesel::sql_query("SELECT count(*) FROM reviews WHERE due_on <= $1")
                .bind::<diesel::sql_types::Date, _>(today)
                .execute(c)
        })?;
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "moved reviews' old entries marked");
    }
    Ok(())
}

/// Active permits whose next review is due by `today`: the index `reviews_due` makes this cost
/// what is due, not the size of the register.
pub fn due_for_review(tx: &mut Tx, today: NaiveDate) -> Result<Vec<DueReview>> {
    let conn = &mut *tx.conn;
    let query = r::reviews
        .inner_join(p::permits)
        .filter(r::due_on.le(today))
        .filter(p::status.eq(PermitStatus::Active.as_str()))
        .select((p::permit_id, p::ground, p::unit, p::valid_from, p::valid_until, r::occasion));
    let rows: Vec<DueRow> = match conn {
        AnyConnection::Postgresql(c) => super::by_key_lookups(c, |c| query.load(c))?,
        AnyConnection::Sqlite(c) => query.load(c)?,
    };
    Ok(rows.into_iter().map(DueReview::try_from).collect::<Result<_, _>>()?)
}

/// The active permits of a ground: id, validity and the latest occasion that got a task.
pub fn active_of_ground(
    tx: &mut Tx,
    ground: &GroundKey,
) -> Result<Vec<(PermitId, Validity, Option<NaiveDate>)>> {
    let ground = ground.as_str();
    let conn = &mut *tx.conn;
    let rows: Vec<(String, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = p::permits
        .inner_join(r::reviews)
        .filter(p::ground.eq(ground))
        .filter(p::status.eq(PermitStatus::Active.as_str()))
        .select((p::permit_id, p::valid_from, p::valid_until, r::last_occasion))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, valid_from, valid_until, last)| {
            let id = RowReader::new("permits", &id).read("permit_id", PermitId::parse(&id))?;
            Ok((id, Validity { valid_from, valid_until }, last))
        })
        .collect()
}

/// One permit's new review state: the occasion that just got its task (if any) and the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewUpdate {
    /// The permit.
    pub permit_id: PermitId,
    /// The occasion that got its task now, if any.
    pub covered: Option<NaiveDate>,
    /// Its next review; `None` when its series has ended.
    pub next: Option<NextReview>,
}

/// Stores many permits' next reviews (a tick moves thousands): on PostgreSQL one statement
/// over arrays, planned once whatever their length; on SQLite one cached `UPDATE` per permit.
pub fn set_next_reviews(tx: &mut Tx, updates: &[ReviewUpdate]) -> Result<()> {
    let conn = &mut *tx.conn;
    use diesel::sql_types::{Array, Date, Nullable, Text};
    if updates.is_empty() {
        return Ok(());
    }
    tx.done.reviews_moved += updates.len() as u64;
    match conn {
        AnyConnection::Postgresql(c) => {
            let ids: Vec<&str> = updates.iter().map(|u| u.permit_id.as_str()).collect();
            let covered: Vec<Option<NaiveDate>> = updates.iter().map(|u| u.covered).collect();
            let occasions: Vec<Option<NaiveDate>> =
                updates.iter().map(|u| u.next.map(|n| n.occasion)).collect();
            let due: Vec<Option<NaiveDate>> = updates.iter().map(|u| u.next.map(|n| n.due_on)).collect();
            // One primary-key lookup per permit: the planner would otherwise hash-join the
            // arrays against a scan of all reviews once they hold thousands of rows.
            super::by_key_lookups(c, |c| {
                diesel::sql_query(
                    "UPDATE reviews SET occasion = v.o, due_on = v.d, \
                     last_occasion = COALESCE(v.l, reviews.last_occasion) \
                     FROM unnest($1::text[], $2::date[], $3::date[], $4::date[]) AS v(id, l, o, d) \
                     WHERE reviews.permit_id = v.id",
                )
                .bind::<Array<Text>, _>(ids)
                .bind::<Array<Nullable<Date>>, _>(covered)
                .bind::<Array<Nullable<Date>>, _>(occasions)
                .bind::<Array<Nullable<Date>>, _>(due)
                .execute(c)
            })?;
        }
        // Cheaper on SQLite than parsing a 4,000-parameter statement anew per thousand.
        AnyConnection::Sqlite(c) => {
            for u in updates {
                let next_review = (
                    r::occasion.eq(MaybeDay::from(u.next.map(|n| n.occasion))),
                    r::due_on.eq(MaybeDay::from(u.next.map(|n| n.due_on))),
                );
                let review = diesel::update(r::reviews.find(u.permit_id.as_str()));
                match u.covered {
                    Some(covered) => review
                        .set((next_review, r::last_occasion.eq(MaybeDay::from(Some(covered)))))
                        .execute(c)?,
                    None => review.set(next_review).execute(c)?,
                };
            }
        }
    }
    Ok(())
}
