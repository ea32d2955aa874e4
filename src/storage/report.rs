//! What `report` counts, each figure one aggregate query over the period (docs/REFERENCE.md
//! §7); the meaning of the counts is `domain::report`'s. Reads only.

use super::AnyConnection;
use crate::domain::report::ReportCounts;
use crate::domain::signal::SignalState;
use crate::domain::task::{Outcome, TaskState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use std::collections::BTreeMap;

#[derive(QueryableByName)]
struct Keyed {
    #[diesel(sql_type = Text)]
    a: String,
    #[diesel(sql_type = Text)]
    b: String,
    #[diesel(sql_type = Text)]
    c: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Daily {
    #[diesel(sql_type = Text)]
    unit: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Lag {
    #[diesel(sql_type = Text)]
    unit: String,
    #[diesel(sql_type = Text)]
    cause: String,
    #[diesel(sql_type = BigInt)]
    days: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Rows of a three-key count query over `from`..=`to` (the query names them `$1` and `$2`).
fn keyed(conn: &mut AnyConnection, sql: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Keyed>> {
    let sql = spelled(conn, sql);
    crate::on_engine!(conn, c => diesel::sql_query(&sql).bind::<Date, _>(from).bind::<Date, _>(to).load(c))
}

/// Rows of a (unit, day) count query over `from`..=`to`.
fn daily(conn: &mut AnyConnection, sql: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<Daily>> {
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
    conn: &mut AnyConnection,
    (from, to): (NaiveDate, NaiveDate),
    (sent_from, sent_to): (NaiveDateTime, NaiveDateTime),
) -> anyhow::Result<ReportCounts> {
    let open = TaskState::Open.as_str();
    let mut out = ReportCounts::default();
    let created = "SELECT t.unit AS a, COALESCE(p.ground, '') AS b, t.cause AS c, COUNT(*) AS n FROM tasks t \
                   LEFT JOIN permits p ON p.permit_id = t.permit_id WHERE t.created_on BETWEEN $1 AND $2 GROUP BY t.unit, p.ground, t.cause";
    for r in keyed(conn, created, from, to)? {
        out.created.insert((r.a, r.b, r.c), count(r.n));
    }
    let closed = "SELECT unit AS a, outcome AS b, '' AS c, COUNT(*) AS n FROM tasks WHERE closed_on BETWEEN $1 AND $2 GROUP BY unit, outcome";
    for r in keyed(conn, closed, from, to)? {
        let outcome = Outcome::parse(&r.b)
            .ok_or_else(|| anyhow::anyhow!("stored data: tasks: outcome {:?} is not an outcome", r.b))?;
        out.closed.insert((r.a, outcome), count(r.n));
    }
    let at_end = format!(
        "SELECT unit AS a, CASE WHEN due_on <= $2 THEN 'overdue' ELSE '' END AS b, '' AS c, COUNT(*) AS n FROM tasks \
         WHERE created_on <= $2 AND (state = '{open}' OR closed_on > $2) AND $1 <= $2 GROUP BY unit, b"
    );
    for r in keyed(conn, &at_end, from, to)? {
        *out.open_at_end.entry(r.a.clone()).or_default() += count(r.n);
        if r.b == "overdue" {
            *out.overdue_at_end.entry(r.a).or_default() += count(r.n);
        }
    }
    let before = format!(
        "SELECT unit AS a, '' AS b, '' AS c, COUNT(*) AS n FROM tasks WHERE created_on < $1 AND (state = '{open}' OR closed_on >= $1) \
         AND $1 <= $2 GROUP BY unit"
    );
    for r in keyed(conn, &before, from, to)? {
        out.open_before.insert(r.a, count(r.n));
    }
    for r in daily(conn, "SELECT unit, created_on AS day, COUNT(*) AS n FROM tasks WHERE created_on BETWEEN $1 AND $2 GROUP BY unit, created_on", from, to)? {
        out.created_by_day.insert((r.unit, r.day), count(r.n));
    }
    for r in daily(conn, "SELECT unit, closed_on AS day, COUNT(*) AS n FROM tasks WHERE closed_on BETWEEN $1 AND $2 GROUP BY unit, closed_on", from, to)? {
        out.closed_by_day.insert((r.unit, r.day), count(r.n));
    }
    out.days_to_close = days_to_close(conn, from, to)?;
    let signals = "SELECT kind AS a, state AS b, '' AS c, COUNT(*) AS n FROM signals WHERE received_on BETWEEN $1 AND $2 GROUP BY kind, state";
    for r in keyed(conn, signals, from, to)? {
        let state = SignalState::parse(&r.b)
            .ok_or_else(|| anyhow::anyhow!("stored data: signals: state {:?} is not a state", r.b))?;
        out.signals.insert((r.a, state), count(r.n));
    }
    out.digests = digests(conn, sent_from, sent_to)?;
    Ok(out)
}

/// Tasks closed in the period by (unit, cause, whole days from creation to closing).
fn days_to_close(
    conn: &mut AnyConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<BTreeMap<(String, String, i64), u64>> {
    let rows: Vec<Lag> = match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT unit, cause, (closed_on - created_on)::bigint AS days, COUNT(*) AS n FROM tasks \
             WHERE closed_on BETWEEN $1 AND $2 GROUP BY unit, cause, days",
        )
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(c)?,
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT unit, cause, CAST(julianday(closed_on) - julianday(created_on) AS INTEGER) AS days, COUNT(*) AS n FROM tasks \
             WHERE closed_on BETWEEN ?1 AND ?2 GROUP BY unit, cause, days",
        )
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .load(c)?,
    };
    Ok(rows.into_iter().map(|r| ((r.unit, r.cause, r.days), count(r.n))).collect())
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
