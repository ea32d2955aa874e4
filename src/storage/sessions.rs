//! The inbox's sessions and the sign-ins under way (`web_sessions`, `web_sign_ins`). Both are
//! found by a SHA-256 the caller computes (of the session cookie's value, of the provider's
//! `state`); neither value itself is stored.

use super::rows::RowReader;
use super::schema::{web_people::dsl as p, web_sessions::dsl as s, web_sign_ins::dsl as w};
use super::{Result, Tx};
use crate::domain::session::{PendingSignIn, Person, Session};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Keeps a new session under `id_hash`.
pub fn insert(tx: &mut Tx, id_hash: &str, session: &Session) -> Result<()> {
    let conn = &mut *tx.conn;
    let groups = serde_json::to_string(&session.person.groups)?;
    crate::on_engine!(conn, c => diesel::insert_into(s::web_sessions)
        .values((
            s::id_hash.eq(id_hash),
            s::subject.eq(&session.person.subject),
            s::name.eq(&session.person.name),
            s::groups.eq(&groups),
            s::form_token.eq(&session.form_token),
            s::started_at.eq(session.started_at),
            s::seen_at.eq(session.seen_at),
        ))
        .execute(c))?;
    Ok(())
}

/// Writes down that `person` signed in at `at`: its name and groups as the provider gave them.
pub fn remember(tx: &mut Tx, person: &Person, at: NaiveDateTime) -> Result<()> {
    let conn = &mut *tx.conn;
    let groups = serde_json::to_string(&person.groups)?;
    let row = (
        p::subject.eq(&person.subject),
        p::name.eq(&person.name),
        p::groups.eq(&groups),
        p::signed_in_at.eq(at),
    );
    let now = (p::name.eq(&person.name), p::groups.eq(&groups), p::signed_in_at.eq(at));
    crate::on_engine!(conn, c => diesel::insert_into(p::web_people)
        .values(row)
        .on_conflict(p::subject)
        .do_update()
        .set(now)
        .execute(c))?;
    Ok(())
}

/// The people who signed in at `since` or later, by name.
pub fn people(tx: &mut Tx, since: NaiveDateTime) -> Result<Vec<Person>> {
    let conn = &mut *tx.conn;
    let rows: Vec<(String, String, String)> = p::web_people
        .filter(p::signed_in_at.ge(since))
        .order((p::name, p::subject))
        .select((p::subject, p::name, p::groups))
        .load(conn)?;
    rows.into_iter()
        .map(|(subject, name, groups)| {
            let groups =
                RowReader::new("web_people", &subject).read("groups", serde_json::from_str(&groups))?;
            Ok(Person { subject, name, groups })
        })
        .collect()
}

/// The session kept under `id_hash`, if any.
pub fn get(tx: &mut Tx, id_hash: &str) -> Result<Option<Session>> {
    let conn = &mut *tx.conn;
    let row: Option<(String, String, String, String, NaiveDateTime, NaiveDateTime)> = s::web_sessions
        .find(id_hash)
        .select((s::subject, s::name, s::groups, s::form_token, s::started_at, s::seen_at))
        .first(conn)
        .optional()?;
    row.map(|(subject, name, groups, form_token, started_at, seen_at)| {
        // The row is named by its subject: the hash of the cookie stays out of errors and logs.
        let groups =
            RowReader::new("web_sessions", &subject).read("groups", serde_json::from_str(&groups))?;
        Ok(Session { person: Person { subject, name, groups }, form_token, started_at, seen_at })
    })
    .transpose()
}

/// Writes down a use of the session at `now`.
pub fn touch(tx: &mut Tx, id_hash: &str, now: NaiveDateTime) -> Result<()> {
    let conn = &mut *tx.conn;
    diesel::update(s::web_sessions.find(id_hash)).set(s::seen_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Ends the session under `id_hash`; whether there was one.
pub fn delete(tx: &mut Tx, id_hash: &str) -> Result<bool> {
    let conn = &mut *tx.conn;
    Ok(diesel::delete(s::web_sessions.find(id_hash)).execute(conn)? > 0)
}

/// Removes the sessions that ended: begun before `started_before` or last used before
/// `seen_before`; the sign-ins begun before `sign_in_before`; and the people last signed in
/// before `people_before`. Returns the sessions removed.
pub fn purge(
    tx: &mut Tx,
    (started_before, seen_before): (NaiveDateTime, NaiveDateTime),
    sign_in_before: NaiveDateTime,
    people_before: NaiveDateTime,
) -> Result<usize> {
    let conn = &mut *tx.conn;
    let ended = diesel::delete(
        s::web_sessions.filter(s::started_at.lt(started_before).or(s::seen_at.lt(seen_before))),
    )
    .execute(conn)?;
    diesel::delete(w::web_sign_ins.filter(w::started_at.lt(sign_in_before))).execute(conn)?;
    diesel::delete(p::web_people.filter(p::signed_in_at.lt(people_before))).execute(conn)?;
    Ok(ended)
}

/// Keeps a sign-in under way under `state_hash`.
pub fn insert_sign_in(
    tx: &mut Tx,
    state_hash: &str,
    pending: &PendingSignIn,
    at: NaiveDateTime,
) -> Result<()> {
    let conn = &mut *tx.conn;
    crate::on_engine!(conn, c => diesel::insert_into(w::web_sign_ins)
        .values((
            w::state_hash.eq(state_hash),
            w::pkce_verifier.eq(&pending.pkce_verifier),
            w::nonce.eq(&pending.nonce),
            w::return_to.eq(&pending.return_to),
            w::started_at.eq(at),
        ))
        .execute(c))?;
    Ok(())
}

/// Takes the sign-in under `state_hash` (it is deleted: a state is used once), with when it began.
pub fn take_sign_in(tx: &mut Tx, state_hash: &str) -> Result<Option<(PendingSignIn, NaiveDateTime)>> {
    let conn = &mut *tx.conn;
    let row: Option<(String, String, String, NaiveDateTime)> = w::web_sign_ins
        .find(state_hash)
        .select((w::pkce_verifier, w::nonce, w::return_to, w::started_at))
        .first(conn)
        .optional()?;
    if row.is_some() {
        diesel::delete(w::web_sign_ins.find(state_hash)).execute(conn)?;
    }
    Ok(row
        .map(|(pkce_verifier, nonce, return_to, at)| (PendingSignIn { pkce_verifier, nonce, return_to }, at)))
}
