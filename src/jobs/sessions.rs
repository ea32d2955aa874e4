//! The inbox's sign-in and sessions (docs/REFERENCE.md §11), as short requests: a sign-in under
//! way kept until the provider answers, a session opened for the person it vouched for, found
//! again by its cookie on every page, and ended by `/logout` or its limits.
//!
//! The cookie's value and the provider's `state` are random and known only to the browser; the
//! database keeps their SHA-256, so a copy of the database opens no session. The protocol itself
//! (the authorization request, PKCE, the nonce, the ID token's checks) is the web layer's, done
//! by the `openidconnect` crate; this is only what must be kept between requests, in the
//! database so that any instance serves any session.
//!
//! Safe to run twice: taking a sign-in deletes it (a `state` is used once), ending a session that
//! is gone already ends nothing, and a purge removes only what has ended.

use crate::domain::access::{decide, Action, Caller, Decision, Grant};
use crate::domain::keys::UnitKey;
use crate::domain::session::{
    Liveness, PendingSignIn, Person, Session, SessionLimits, PEOPLE_KEPT, SIGN_IN_WITHIN,
};
use crate::errors::ErrorKind;
use crate::storage::{self, sessions, Store};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// Why a session or a sign-in could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// No session has this cookie (never had, or signed out).
    #[error("no session")]
    NoSession,
    /// The session ended by its idle or absolute limit: the person signs in again.
    #[error("the session ended")]
    Ended,
    /// The provider's answer names no sign-in under way here, or one begun too long ago.
    #[error("no sign-in under way for this answer")]
    UnknownSignIn,
    /// No random bytes could be had from the operating system.
    #[error("no random bytes: {0}")]
    Random(String),
    /// The database failed; nothing was changed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl SessionError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            SessionError::NoSession | SessionError::Ended => ErrorKind::NotFound,
            SessionError::UnknownSignIn => ErrorKind::Invalid,
            SessionError::Random(_) => ErrorKind::Internal,
            SessionError::Store(e) => e.kind(),
        }
    }
}

/// A session cookie's value: 32 random bytes in hex. Never logged (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    /// The value the browser sent.
    pub fn from_cookie(value: &str) -> SessionKey {
        SessionKey(value.to_string())
    }

    /// The value to set in the cookie.
    pub fn cookie_value(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(…)")
    }
}

fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// An instant as both engines keep it (microseconds).
fn stored(now: DateTime<Utc>) -> NaiveDateTime {
    now.naive_utc().trunc_subsecs(6)
}

/// 32 random bytes from the operating system, in hex.
fn random_hex() -> Result<String, SessionError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SessionError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// Whether `given` is the session's form token, compared in time that does not depend on where
/// they differ.
pub fn form_token_matches(session: &Session, given: &str) -> bool {
    let (a, b) = (session.form_token.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Keeps a sign-in under way under the provider's `state` (made by the web layer's OpenID
/// client), begun at `now`.
pub fn begin_sign_in(
    store: &Store,
    state: &str,
    pending: &PendingSignIn,
    now: DateTime<Utc>,
) -> Result<(), SessionError> {
    let now = stored(now);
    let state_hash = sha256_hex(state);
    store.request(|tx| Ok::<_, SessionError>(sessions::insert_sign_in(tx, &state_hash, pending, now)?))
}

/// Takes the sign-in the provider's answer names by `state`: once only, and only within ten
/// minutes of its start.
pub fn finish_sign_in(store: &Store, state: &str, now: DateTime<Utc>) -> Result<PendingSignIn, SessionError> {
    let now = stored(now);
    let state_hash = sha256_hex(state);
    match store.request(|tx| Ok::<_, SessionError>(sessions::take_sign_in(tx, &state_hash)?))? {
        Some((pending, began)) if now - began < SIGN_IN_WITHIN => Ok(pending),
        _ => Err(SessionError::UnknownSignIn),
    }
}

/// Opens a session for `person` at `now`, removing the sessions and sign-ins that have ended by
/// `limits`; returns its cookie's value and the session (with its form token).
pub fn open_session(
    store: &Store,
    person: Person,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<(SessionKey, Session), SessionError> {
    let now = stored(now);
    let key = SessionKey(random_hex()?);
    let session = Session { person, form_token: random_hex()?, started_at: now, seen_at: now };
    store.request(|tx| {
        sessions::purge(tx, (now - limits.max, now - limits.idle), now - SIGN_IN_WITHIN, now - PEOPLE_KEPT)?;
        sessions::insert(tx, &key.hash(), &session)?;
        sessions::remember(tx, &session.person, now)?;
        Ok::<_, SessionError>(())
    })?;
    Ok((key, session))
}

/// The people a manager may hand a task of `unit` to: those who signed in within
/// [`PEOPLE_KEPT`] of `now` and whose groups `access` lets take such a task now, by the one
/// rule every request is decided by; by name.
pub fn people_for(
    store: &Store,
    unit: &UnitKey,
    access: &BTreeMap<String, Grant>,
    now: DateTime<Utc>,
) -> Result<Vec<Person>, SessionError> {
    let since = stored(now) - PEOPLE_KEPT;
    let people = store.read(|tx| Ok::<_, SessionError>(sessions::people(tx, since)?))?;
    Ok(people
        .into_iter()
        .filter(|p| decide(&Caller::person(p, access), unit, Action::Claim) == Decision::Allowed)
        .collect())
}

/// The session of the cookie `key` at `now`, its use written down (at most once a minute). An
/// ended session is removed and is [`SessionError::Ended`].
pub fn session(
    store: &Store,
    key: &SessionKey,
    limits: SessionLimits,
    now: DateTime<Utc>,
) -> Result<Session, SessionError> {
    let now = stored(now);
    let id_hash = key.hash();
    let mut found = store
        .read(|tx| Ok::<_, SessionError>(sessions::get(tx, &id_hash)?))?
        .ok_or(SessionError::NoSession)?;
    match limits.judge(found.started_at, found.seen_at, now) {
        Liveness::Live { touch: false } => Ok(found),
        Liveness::Live { touch: true } => {
            store.request(|tx| Ok::<_, SessionError>(sessions::touch(tx, &id_hash, now)?))?;
            found.seen_at = now;
            Ok(found)
        }
        Liveness::Idle | Liveness::Expired => {
            store.request(|tx| Ok::<_, SessionError>(sessions::delete(tx, &id_hash)?))?;
            Err(SessionError::Ended)
        }
    }
}

/// Ends the session of the cookie `key` (`/logout`); ending one that is gone already is no error.
pub fn end_session(store: &Store, key: &SessionKey) -> Result<(), SessionError> {
    let id_hash = key.hash();
    store.request(|tx| Ok::<_, SessionError>(sessions::delete(tx, &id_hash)?))?;
    Ok(())
}
