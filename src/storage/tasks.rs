//! Queries on tasks. `UNIQUE (permit_id, cause, occasion)` makes creation exactly-once: a task
//! that already exists is skipped (ON CONFLICT DO NOTHING), never duplicated.

use super::rows::{NewTaskRow, TaskRow};
use super::schema::tasks::dsl as t;
use super::{self as storage, AnyConnection, Chunk};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Rows a batch insert carries at most (12 columns).
const BATCH: usize = 2_000;

/// A task that was created, with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// Task id.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// Cause.
    pub cause: String,
    /// Occasion.
    pub occasion: String,
}

/// Inserts tasks, skipping any that exist, and returns those created by this call.
pub fn insert(conn: &mut AnyConnection, rows: Vec<NewTaskRow>) -> QueryResult<Vec<Created>> {
    let returning = (t::id, t::permit_id, t::cause, t::occasion);
    let mut found: Vec<(i64, String, String, String)> = Vec::with_capacity(rows.len());
    match conn {
        // RETURNING gives exactly the rows a statement inserted, not those it skipped.
        AnyConnection::Postgresql(c) => {
            for chunk in storage::chunks::<_, BATCH>(rows) {
                found.extend(
                    diesel::insert_into(t::tasks)
                        .values(chunk.into_vec())
                        .on_conflict((t::permit_id, t::cause, t::occasion))
                        .do_nothing()
                        .returning(returning)
                        .get_results::<(i64, String, String, String)>(c)?,
                );
            }
        }
        // INSERT OR IGNORE: SQLite's spelling of ON CONFLICT DO NOTHING for a batch.
        AnyConnection::Sqlite(c) => {
            for chunk in storage::chunks::<_, { storage::SQLITE_CHUNK }>(rows) {
                found.extend(match chunk {
                    Chunk::Full(rows) => diesel::insert_or_ignore_into(t::tasks)
                        .values(rows)
                        .returning(returning)
                        .get_results(c)?,
                    Chunk::Rest(rows) => diesel::insert_or_ignore_into(t::tasks)
                        .values(rows)
                        .returning(returning)
                        .get_results(c)?,
                });
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(id, permit_id, cause, occasion)| Created { id, permit_id, cause, occasion })
        .collect())
}

/// Tasks created per unit between two dates (inclusive): this week's use of capacity.
pub fn created_per_unit(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<BTreeMap<String, u32>> {
    let rows: Vec<(String, i64)> = t::tasks
        .filter(t::created_on.between(from, to))
        .group_by(t::unit)
        .select((t::unit, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(u, n)| (u, u32::try_from(n).unwrap_or(u32::MAX))).collect())
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this unit.
    pub unit: Option<String>,
    /// Only open (`Some(true)`), only closed (`Some(false)`), or all.
    pub open: Option<bool>,
    /// Only this permit.
    pub permit: Option<String>,
}

/// Tasks matching `filter`, by id.
pub fn list(conn: &mut AnyConnection, filter: &Filter) -> QueryResult<Vec<TaskRow>> {
    let mut q = t::tasks.select(TaskRow::as_select()).order(t::id.asc()).into_boxed();
    if let Some(unit) = &filter.unit {
        q = q.filter(t::unit.eq(unit));
    }
    if let Some(open) = filter.open {
        q = q.filter(t::state.eq(if open { "open" } else { "closed" }));
    }
    if let Some(permit) = &filter.permit {
        q = q.filter(t::permit_id.eq(permit));
    }
    q.load(conn)
}

/// One task.
pub fn get(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<TaskRow>> {
    t::tasks.find(id).select(TaskRow::as_select()).first(conn).optional()
}

/// Closes an open task; false if it was not open.
pub fn close(
    conn: &mut AnyConnection,
    id: i64,
    outcome: &str,
    note: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(t::tasks.find(id).filter(t::state.eq("open")))
        .set((t::state.eq("closed"), t::outcome.eq(outcome), t::note.eq(note), t::closed_at.eq(at)))
        .execute(conn)?;
    Ok(n == 1)
}

/// The open tasks of a permit with the given cause: (id, occasion).
pub fn open_of_cause(conn: &mut AnyConnection, permit: &str, cause: &str) -> QueryResult<Vec<(i64, String)>> {
    t::tasks
        .filter(t::permit_id.eq(permit))
        .filter(t::cause.eq(cause))
        .filter(t::state.eq("open"))
        .select((t::id, t::occasion))
        .order(t::id.asc())
        .load(conn)
}

/// Adds items to an open task's evidence (a JSON list).
pub fn append_evidence(conn: &mut AnyConnection, id: i64, items: Vec<serde_json::Value>) -> QueryResult<()> {
    let current: String = t::tasks.find(id).select(t::evidence).first(conn)?;
    let mut list: Vec<serde_json::Value> = serde_json::from_str(&current).unwrap_or_default();
    list.extend(items);
    let text = serde_json::Value::Array(list).to_string();
    diesel::update(t::tasks.find(id)).set(t::evidence.eq(text)).execute(conn).map(|_| ())
}

/// The open tasks of many permits: (id, permit, cause), oldest first.
pub fn open_of_permits(
    conn: &mut AnyConnection,
    permits: &[&str],
) -> QueryResult<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for chunk in permits.chunks(BATCH) {
        let rows: Vec<(i64, String, String)> = t::tasks
            .filter(t::permit_id.eq_any(chunk))
            .filter(t::state.eq("open"))
            .order(t::id.asc())
            .select((t::id, t::permit_id, t::cause))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
