//! Queries on signals, kept in order of receipt (`seq`), and on the persons and permits they
//! reach: by person id, or by the keyed hash of a personal number (on a permit, or linked by a
//! number replacement).

use super::rows::{NewSignalRow, PermitRow, RowReader, SignalRow};
use super::schema::{permits::dsl as p, person_numbers::dsl as n, signals::dsl as s};
use super::{AnyConnection, Result, Tx};
use crate::domain::ids::{PersonId, PnHash};
use crate::domain::permit::Permit;
use crate::domain::signal::{NewSignal, Signal, SignalState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashSet;

/// Rows a batch insert carries at most (12 columns).
const BATCH: usize = 2_000;

/// Stores signals in the order given.
pub fn insert(tx: &mut Tx, signals: &[NewSignal]) -> Result<()> {
    let conn = &mut *tx.conn;
    let rows: Vec<NewSignalRow> = signals.iter().map(NewSignalRow::from).collect();
    match conn {
        // COPY keeps the order given, so `seq` numbers the signals in order of receipt.
        AnyConnection::Postgresql(c) if rows.len() > 1 => {
            diesel::copy_from(s::signals).from_insertable(rows).execute(c)?;
        }
        _ => {
            for chunk in rows.chunks(BATCH) {
                crate::on_engine!(conn, c => diesel::insert_into(s::signals).values(chunk).execute(c))?;
            }
        }
    }
    tx.done.signals_received += signals.len() as u64;
    Ok(())
}

/// Which of `ids` were received before.
pub fn known_ids(tx: &mut Tx, ids: &[&str]) -> Result<HashSet<String>> {
    let conn = &mut *tx.conn;
    let found: Vec<String> = s::signals.filter(s::id.eq_any(ids)).select(s::id).load(conn)?;
    Ok(found.into_iter().collect())
}

/// How many signals are pending (read from the index on state alone).
pub fn count_pending(tx: &mut Tx) -> Result<u64> {
    let conn = &mut *tx.conn;
    let n: i64 = s::signals.filter(s::state.eq(SignalState::Pending.as_str())).count().get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The latest permit import's id (0 before the first): a pending signal tried since then has
/// no new permit to find.
pub fn latest_permit_import(tx: &mut Tx) -> Result<i64> {
    let conn = &mut *tx.conn;
    use super::schema::imports::dsl as i;
    let latest: Option<i64> = i::imports
        .filter(i::kind.eq(crate::domain::import::ImportKind::Permits.as_str()))
        .select(diesel::dsl::max(i::id))
        .first(conn)?;
    Ok(latest.unwrap_or(0))
}

/// The pending signals a tick must look at, in order of receipt: those never tried, those
/// last tried before the permit import `latest`, and those received on or before
/// `received_by` (which may be given up on); `limit` of them at most, after the signal `after`.
pub fn pending_to_try(
    tx: &mut Tx,
    latest: i64,
    received_by: NaiveDate,
    (after, limit): (i64, usize),
) -> Result<Vec<Signal>> {
    let conn = &mut *tx.conn;
    let rows: Vec<SignalRow> = s::signals
        .filter(s::state.eq(SignalState::Pending.as_str()))
        .filter(s::seq.gt(after))
        .filter(
            s::tried_at_import.is_null().or(s::tried_at_import.lt(latest)).or(s::received_on.le(received_by)),
        )
        .order(s::seq.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(SignalRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Signal::try_from).collect::<Result<_, _>>()?)
}

/// Marks the pending signals with any of the numbers `hashes` to be tried at the next tick:
/// those numbers have just been linked to a person.
pub fn try_again_with_numbers(tx: &mut Tx, hashes: &[&PnHash]) -> Result<()> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = hashes.iter().map(|h| h.as_str()).collect();
    for chunk in keys.chunks(BATCH) {
        diesel::update(
            s::signals.filter(s::state.eq(SignalState::Pending.as_str())).filter(s::pn_hash.eq_any(chunk)),
        )
        .set(s::tried_at_import.eq(None::<i64>))
        .execute(conn)?;
    }
    Ok(())
}

/// Records that the pending signals `seqs` found no permit as of the permit import `latest`.
pub fn set_tried(tx: &mut Tx, seqs: &[i64], latest: i64) -> Result<()> {
    let conn = &mut *tx.conn;
    for chunk in seqs.chunks(BATCH) {
        diesel::update(s::signals.filter(s::seq.eq_any(chunk)))
            .set(s::tried_at_import.eq(latest))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves many signals to `state`, with what came of them.
pub fn set_states(
    tx: &mut Tx,
    seqs: &[i64],
    state: SignalState,
    outcome: &str,
    at: NaiveDateTime,
) -> Result<()> {
    let conn = &mut *tx.conn;
    for chunk in seqs.chunks(BATCH) {
        diesel::update(s::signals.filter(s::seq.eq_any(chunk)))
            .set((s::state.eq(state.as_str()), s::outcome.eq(outcome), s::processed_at.eq(at)))
            .execute(conn)?;
    }
    tx.done.signals_settled += seqs.len() as u64;
    Ok(())
}

/// After a committed pass moved `settled` signals out of `pending`: on PostgreSQL, marks their
/// dead `signals_state` entries (`storage::mark_dead_entries`), so that the next tick's read of
/// the pending signals reads those alone. Past [`VACUUM_AFTER`] (a month's income feed), it
/// vacuums `signals` instead: marked or not, the dead entries of 700,000 processed reports
/// fill 7,700 index pages that every later tick's count of the pending signals walks (76 ms
/// an idle tick, 200 ms in the tick that judges the month; 2 ms after), and each of the
/// rewritten rows leaves a dead version that the next month's anti-join reads past. The
/// vacuum costs about a tenth of the pass that processed them, and skips the table when
/// autovacuum has it already.
pub(crate) fn after_processing(conn: &mut AnyConnection, settled: u64) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        if settled > VACUUM_AFTER {
            diesel::sql_query("VACUUM (SKIP_LOCKED) signals").execute(c)?;
        } else {
            super::mark_dead_entries(c, |c| {
                diesel::sql_query("SELECT count(*) FROM signals WHERE state = $1")
                    .bind::<diesel::sql_types::Text, _>(SignalState::Pending.as_str())
                    .execute(c)
            })?;
        }
    }
    Ok(())
}

/// Past this many signals settled by a pass, PostgreSQL's `signals` is vacuumed right after it.
const VACUUM_AFTER: u64 = 50_000;

/// Past this many signals received by a pass, PostgreSQL's statistics of `signals` are
/// refreshed right after it.
const ANALYZE_AFTER: u64 = 10_000;

/// The columns of `signals` that reports are read by (an expectation's anti-join,
/// docs/REFERENCE.md §13). `state` is left out: a feed arrives pending and the next tick
/// processes it, so statistics taken in between would tell the planner that half the table is
/// pending, and every later tick would count the pending signals by reading the table whole.
const REPORT_COLUMNS: &str = "kind, person_id, pn_hash, period, occurred_on";

/// After a committed pass received `received` signals: on PostgreSQL, past [`ANALYZE_AFTER`],
/// refreshes the planner's statistics of the [`REPORT_COLUMNS`]. Until autovacuum comes round,
/// the planner would count a month's income feed of 180,000 reports as a handful of rows, and
/// the next tick's anti-join of an expectation ran on that plan.
pub(crate) fn after_receiving(conn: &mut AnyConnection, received: u64) -> QueryResult<()> {
    if let AnyConnection::Postgresql(c) = conn {
        if received > ANALYZE_AFTER {
            diesel::sql_query(format!("ANALYZE signals ({REPORT_COLUMNS})")).execute(c)?;
        }
    }
    Ok(())
}

/// Signals, optionally of one state, in order of receipt.
pub fn list(tx: &mut Tx, state: Option<SignalState>) -> Result<Vec<Signal>> {
    let conn = &mut *tx.conn;
    let mut q = s::signals.order(s::seq.asc()).select(SignalRow::as_select()).into_boxed();
    if let Some(state) = state {
        q = q.filter(s::state.eq(state.as_str()));
    }
    let rows: Vec<SignalRow> = q.load(conn)?;
    Ok(rows.into_iter().map(Signal::try_from).collect::<Result<_, _>>()?)
}

/// The persons of many personal-number hashes: (hash, person) pairs, from permits and links.
pub fn persons_of_numbers(tx: &mut Tx, hashes: &[&PnHash]) -> Result<Vec<(PnHash, PersonId)>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = hashes.iter().map(|h| h.as_str()).collect();
    let mut pairs = Vec::new();
    for chunk in keys.chunks(BATCH) {
        let on_permits: Vec<(Option<String>, String)> = p::permits
            .filter(p::pn_hash.eq_any(chunk))
            .select((p::pn_hash, p::person_id))
            .distinct()
            .load(conn)?;
        pairs.extend(on_permits.into_iter().filter_map(|(h, person)| h.map(|h| (h, person))));
        let linked: Vec<(String, String)> = n::person_numbers
            .filter(n::pn_hash.eq_any(chunk))
            .select((n::pn_hash, n::person_id))
            .load(conn)?;
        pairs.extend(linked);
    }
    pairs.sort();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|(hash, person)| {
            let r = RowReader::new("person_numbers", &person);
            Ok((PnHash::new(hash), r.read("person_id", PersonId::parse(&person))?))
        })
        .collect()
}

/// Links a number's hash to a person: signals with that number reach the person.
pub fn link_number(tx: &mut Tx, hash: &PnHash, person: &PersonId) -> Result<()> {
    let conn = &mut *tx.conn;
    crate::on_engine!(conn, c => diesel::insert_into(n::person_numbers)
        .values((n::pn_hash.eq(hash.as_str()), n::person_id.eq(person.as_str())))
        .on_conflict(n::pn_hash)
        .do_update()
        .set(n::person_id.eq(person.as_str()))
        .execute(c))?;
    Ok(())
}

/// Every permit of the persons, in permit id order.
pub fn permits_of(tx: &mut Tx, persons: &[&PersonId]) -> Result<Vec<Permit>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = persons.iter().map(|p| p.as_str()).collect();
    let mut out = Vec::new();
    for chunk in keys.chunks(BATCH) {
        let rows: Vec<PermitRow> = p::permits
            .filter(p::person_id.eq_any(chunk))
            .order(p::permit_id.asc())
            .select(PermitRow::as_select())
            .load(conn)?;
        for row in rows {
            out.push(row.into_domain()?);
        }
    }
    Ok(out)
}
