//! Which of several daemon instances on one PostgreSQL database runs a scheduled tick: the one
//! that takes the tick's advisory lock (a session lock, released by [`end_lead`] or when the
//! connection ends, so an instance that dies hands the pass over at once); the others skip it
//! until their next schedule ([`Store::try_lead`](super::Store::try_lead)). (Digest runs need
//! no lead: each digest is claimed by one sender, and a run holds no connection while it waits
//! on the mail server, which a session lock would need.) The pass lock (`Store::pass`) still
//! serialises every pass, including one-shot commands, which wait for it rather than skip. On
//! SQLite (one host, one file) every instance leads: passes there serialise on the pass lock's
//! file.

use super::AnyConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

/// A scheduled pass that only one instance runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lead {
    /// The tick.
    Tick,
}

impl Lead {
    /// The advisory lock key: "pf" in ASCII, then the pass, so no other application's key is hit
    /// by chance.
    fn key(self) -> i64 {
        const BASE: i64 = 0x7066_0000;
        match self {
            Lead::Tick => BASE + 1,
        }
    }
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = Bool)]
    held: bool,
}

/// Takes the lead of `pass` without waiting; false when another instance holds it.
pub(super) fn try_lead(conn: &mut AnyConnection, pass: Lead) -> QueryResult<bool> {
    match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query("SELECT pg_try_advisory_lock($1) AS held")
            .bind::<BigInt, _>(pass.key())
            .get_result::<Held>(c)
            .map(|h| h.held),
        AnyConnection::Sqlite(_) => Ok(true),
    }
}

/// Gives the lead of `pass` back.
pub(super) fn end_lead(conn: &mut AnyConnection, pass: Lead) -> QueryResult<()> {
    match conn {
        AnyConnection::Postgresql(c) => diesel::sql_query("SELECT pg_advisory_unlock($1) AS held")
            .bind::<BigInt, _>(pass.key())
            .get_result::<Held>(c)
            .map(|_| ()),
        AnyConnection::Sqlite(_) => Ok(()),
    }
}
