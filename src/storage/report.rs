//! What `report` counts (docs/REFERENCE.md §7): the tasks in one pass, signals and digests in
//! an aggregate query each; the meaning of the counts is `domain::report`'s. Reads only.

use super::rows::StoredDataError;
use super::schema::tasks::dsl as t;
use super::{AnyConnection, Result, Tx};
use crate::domain::report::{ReportCounts, TaskFacts};
use crate::domain::signal::SignalState;
use crate::domain::task::{Outcome, TaskState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use std::collections::{BTreeMap, HashMap};

#[derive(QueryableByName)]
struct Keyed {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Rows of a two-key count query over `from`..=`to` (the query names them `$1` and `$2`).
fn keyed(conn: &mut AnyConnection, sql: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Keyed>> {
    let sql = spelled(conn, sql);
    crate::on_engine!(conn, c => diesel::sql_query(&sql).bind::<Date, _>(from).bind::<Date, _>(to).load(c))
}

/// The query with its parameters as the engine numbers them: `$1` on PostgreSQL, `?1` on
/// SQLite (where `$1` would be a name, numbered by first appearance).
fn spelled(conn: &AnyConnection, sql: &str) -> String {
    match conn {
        AnyConnection::Postgresql(_) => sql.to_string(),
        AnyConnection::Sqlite(_) => sql.replace("$1", "?1").replace("$2", "?2"),
    }
}

/// Counts what the follow-up produced from `from` to `to` (local dates), and the digests the
/// mail server accepted between the instants `sent_from` and `sent_to` (UTC).
pub fn counts(
    tx: &mut Tx,
    (from, to): (NaiveDate, NaiveDate),
    (sent_from, sent_to): (NaiveDateTime, NaiveDateTime),
) -> Result<ReportCounts> {
    let conn = &mut *tx.conn;
    let mut out = ReportCounts::default();
    for (key, n) in task_tally(conn, from, to)? {
        out.count_tasks(&into_facts(key)?, n, (from, to));
    }
    let signals = "SELECT kind AS a, state AS b, COUNT(*) AS n FROM signals WHERE received_on BETWEEN $1 AND $2 GROUP BY kind, state";
    for r in keyed(conn, signals, from, to)? {
        let state = SignalState::parse(&r.b)
            .ok_or_else(|| tallied("signals", "state", format!("{:?} is not a state", r.b)))?;
        out.signals.insert((r.a, state), count(r.n));
    }
    let derived = "SELECT s.kind AS a, i.kind AS b, COUNT(*) AS n FROM signals s JOIN imports i ON i.id = s.import_id WHERE s.received_on BETWEEN $1 AND $2 AND i.kind = 'navet' GROUP BY s.kind, i.kind";
    for r in keyed(conn, derived, from, to)? {
        out.derived.insert(r.a, count(r.n));
    }
    out.digests = digests(conn, sent_from, sent_to)?;
    Ok(out)
}

/// Stored data that does not read, found in a tally (which names no single row).
fn tallied(table: &'static str, column: &'static str, why: String) -> StoredDataError {
    StoredDataError { table, row: "(a tally of several)".into(), column, why }
}

/// What a report reads of a task, as stored.
type TaskKey = (String, String, String, NaiveDate, NaiveDate, String, Option<NaiveDate>, Option<String>);

/// A stored task's tally key as the domain counts it.
fn into_facts(key: TaskKey) -> Result<TaskFacts, StoredDataError> {
    let (unit, ground, cause, created_on, due_on, state, closed_on, outcome) = key;
    let state = TaskState::parse(&state)
        .ok_or_else(|| tallied("tasks", "state", format!("{state:?} is not a task state")))?;
    let closed = match (closed_on, outcome) {
        (None, _) => None,
        (Some(day), Some(word)) => Some((
            day,
            Outcome::parse(&word)
                .ok_or_else(|| tallied("tasks", "outcome", format!("{word:?} is not an outcome")))?,
        )),
        (Some(day), None) => {
            return Err(tallied(
                "tasks",
                "outcome",
                format!("a task of unit {unit} closed on {day} has none"),
            ))
        }
    };
    Ok(TaskFacts { unit, ground, cause, created_on, due_on, open: state == TaskState::Open, closed })
}

/// Every task a report on `from`..=`to` counts — created by its end and open or closed on or
/// after its first day, or created or closed within it — in one pass over `tasks`, tallied by
/// what the report reads of them: a report over a year reads a million tasks once, not once a
/// figure, and memory holds one entry per distinct tally, not per task. Rows are streamed (on
/// PostgreSQL row by row, which libpq would otherwise hold whole).
fn task_tally(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<HashMap<TaskKey, u64>> {
    let open = t::state.eq(TaskState::Open.as_str());
    let counted = t::created_on
        .le(to)
        .and(open.or(t::closed_on.ge(from)))
        .or(t::created_on.between(from, to))
        .or(t::closed_on.between(from, to));
    let query = t::tasks.filter(counted).select((
        t::unit,
        t::ground,
        t::cause,
        t::created_on,
        t::due_on,
        t::state,
        t::closed_on,
        t::outcome,
    ));
    let mut tally: HashMap<TaskKey, u64> = HashMap::new();
    let mut add = |row: TaskKey| *tally.entry(row).or_default() += 1;
    match conn {
        AnyConnection::Postgresql(c) => {
            for row in query.load_iter::<TaskKey, diesel::pg::PgRowByRowLoadingMode>(c)? {
                add(row?);
            }
        }
        AnyConnection::Sqlite(c) => {
            for row in query.load_iter::<TaskKey, diesel::connection::DefaultLoadingMode>(c)? {
                add(row?);
            }
        }
    }
    Ok(tally)
}

/// Digests accepted between two instants, by unit.
fn digests(
    conn: &mut AnyConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<BTreeMap<String, u64>> {
    #[derive(QueryableByName)]
    struct Sent {
        #[diesel(sql_type = Text)]
        unit: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let sql = "SELECT unit, COUNT(*) AS n FROM digests WHERE sent_at >= $1 AND sent_at < $2 GROUP BY unit";
    let sql = spelled(conn, sql);
    let rows: Vec<Sent> = crate::on_engine!(conn, c => diesel::sql_query(&sql)
        .bind::<Timestamp, _>(crate::storage::sqltime::Stamp(from))
        .bind::<Timestamp, _>(crate::storage::sqltime::Stamp(to))
        .load(c))?;
    Ok(rows.into_iter().map(|r| (r.unit, count(r.n))).collect())
}
