//! Queries on signals, kept in order of receipt (`seq`), and on the persons and permits they
//! reach: by person id, or by the keyed hash of a personal number (on a permit, or linked by a
//! number replacement).

use super::schema::{permits::dsl as p, person_numbers::dsl as n, signals::dsl as s};
use super::AnyConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashSet;

/// Rows a batch insert carries at most (12 columns).
const BATCH: usize = 2_000;

/// A signal to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::signals, treat_none_as_default_value = false)]
pub struct NewSignalRow {
    /// Sender's id, unique.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Holder's person id, when given.
    pub person_id: Option<String>,
    /// Keyed hash of the personal number, when given.
    pub pn_hash: Option<String>,
    /// Keyed hash of a replacing personal number (birth_date_changed).
    pub new_pn_hash: Option<String>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// JSON object without personal numbers.
    pub data: String,
    /// The import it came with.
    pub import_id: i64,
    /// Instant of receipt (UTC).
    pub received_at: NaiveDateTime,
    /// Local date of receipt.
    pub received_on: NaiveDate,
    /// pending, processed or unmatched.
    pub state: String,
}

/// A stored signal.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = super::schema::signals)]
pub struct SignalRow {
    /// Order of receipt.
    pub seq: i64,
    /// Sender's id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Person id, when given.
    pub person_id: Option<String>,
    /// Hash of the personal number (never shown).
    #[serde(skip)]
    pub pn_hash: Option<String>,
    /// Hash of a replacing number (never shown).
    #[serde(skip)]
    pub new_pn_hash: Option<String>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// JSON data.
    pub data: String,
    /// Instant of receipt.
    pub received_at: NaiveDateTime,
    /// Local date of receipt.
    pub received_on: NaiveDate,
    /// State.
    pub state: String,
    /// When it was processed or given up.
    pub processed_at: Option<NaiveDateTime>,
    /// What came of it: tasks created, evidence added, or why no task.
    pub outcome: Option<String>,
}

/// A permit a signal reaches.
#[derive(Debug, Clone, Queryable)]
pub struct PermitOfPerson {
    /// Permit.
    pub permit_id: String,
    /// Ground.
    pub ground: String,
    /// Own unit.
    pub unit: Option<String>,
    /// Valid from.
    pub valid_from: NaiveDate,
    /// Employer.
    pub employer_org_no: Option<String>,
    /// Status.
    pub status: String,
    /// Keyed hash of the personal number on the permit.
    pub pn_hash: Option<String>,
}

/// Stores signals in the order given.
pub fn insert(conn: &mut AnyConnection, rows: &[NewSignalRow]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        crate::on_engine!(conn, c => diesel::insert_into(s::signals).values(chunk).execute(c))?;
    }
    Ok(())
}

/// Which of `ids` were received before.
pub fn known_ids(conn: &mut AnyConnection, ids: &[&str]) -> QueryResult<HashSet<String>> {
    let found: Vec<String> = s::signals.filter(s::id.eq_any(ids)).select(s::id).load(conn)?;
    Ok(found.into_iter().collect())
}

/// Pending signals in order of receipt.
pub fn pending(conn: &mut AnyConnection) -> QueryResult<Vec<SignalRow>> {
    s::signals.filter(s::state.eq("pending")).order(s::seq.asc()).select(SignalRow::as_select()).load(conn)
}

/// Moves many signals to `state`, with what came of them.
pub fn set_states(
    conn: &mut AnyConnection,
    seqs: &[i64],
    state: &str,
    outcome: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    for chunk in seqs.chunks(BATCH) {
        diesel::update(s::signals.filter(s::seq.eq_any(chunk)))
            .set((s::state.eq(state), s::outcome.eq(outcome), s::processed_at.eq(at)))
            .execute(conn)?;
    }
    Ok(())
}

/// Signals, optionally of one state, in order of receipt.
pub fn list(conn: &mut AnyConnection, state: Option<&str>) -> QueryResult<Vec<SignalRow>> {
    let mut q = s::signals.order(s::seq.asc()).select(SignalRow::as_select()).into_boxed();
    if let Some(state) = state {
        q = q.filter(s::state.eq(state));
    }
    q.load(conn)
}

/// The persons of many personal-number hashes: (hash, person) pairs, from permits and links.
pub fn persons_of_numbers(conn: &mut AnyConnection, hashes: &[&str]) -> QueryResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for chunk in hashes.chunks(BATCH) {
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
    Ok(pairs)
}

/// Links a replacing number's hash to a person.
pub fn link_number(conn: &mut AnyConnection, hash: &str, person: &str) -> QueryResult<()> {
    crate::on_engine!(conn, c => diesel::insert_into(n::person_numbers)
        .values((n::pn_hash.eq(hash), n::person_id.eq(person)))
        .on_conflict(n::pn_hash)
        .do_update()
        .set(n::person_id.eq(person))
        .execute(c))?;
    Ok(())
}

/// Every permit of the persons with its holder, in permit id order.
pub fn permits_of(conn: &mut AnyConnection, persons: &[&str]) -> QueryResult<Vec<(String, PermitOfPerson)>> {
    let mut out = Vec::new();
    for chunk in persons.chunks(BATCH) {
        let rows: Vec<(String, PermitOfPerson)> = p::permits
            .filter(p::person_id.eq_any(chunk))
            .order(p::permit_id.asc())
            .select((
                p::person_id,
                (p::permit_id, p::ground, p::unit, p::valid_from, p::employer_org_no, p::status, p::pn_hash),
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}
