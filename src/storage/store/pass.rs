//! Passes: the pass lock, held across a pass's pieces; the pieces themselves, and where
//! requests come in between them; and the upkeep after the last commit.

use super::{transaction, Done, Stamp, Store, Tx};
use crate::storage::failure::{Error, Result};
use crate::storage::{bulk, AnyConnection};
use chrono::NaiveDate;
use diesel::r2d2::PooledConnection;
use diesel::RunQueryDsl;
use std::fs::File;
use std::time::{Duration, Instant};

/// How long a pass, between two pieces, lets requests that wait for SQLite's write lock go
/// first, at most: requests are short, and a stream of them must not stop the pass.
const YIELD_AT_MOST: Duration = Duration::from_secs(1);

/// How often a pass looks again, while requests wait, and a waiter looks at a held lock.
const POLL: Duration = Duration::from_millis(2);

/// SQLite: items a piece written in parts ([`Pass::write_in_parts`]) writes between two looks
/// for a waiting request: what a request waits for at most, past the part under way, when a
/// pass writes (a few hundredths of a second for review tasks).
const SQLITE_PART: usize = 500;

/// The advisory lock key of the pass lock on PostgreSQL: "pf" in ASCII, then 0 (the leads of
/// scheduled passes are 1 and 2, `storage::lead`).
const PASS_LOCK_KEY: i64 = 0x7066_0000;

/// What a pass is, which decides how it is run and what upkeep follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassKind {
    /// `import permits`, of a file of about `expected_rows` records: its connection is tuned
    /// for a load, and a bulk load rebuilds the register's indexes instead of maintaining them.
    ImportPermits {
        /// Records the file is expected to hold.
        expected_rows: u64,
    },
    /// `import signals`.
    ImportSignals,
    /// `import navet`: kept records compared, derived signals stored.
    ImportNavet,
    /// A tick.
    Tick,
    /// A digest run's steps in the database.
    Notify,
}

impl Store {
    /// Runs `f` as one pass of `kind`, stamped `at` (see the module's doc): takes the pass lock
    /// (waiting up to `database.lock_timeout_seconds` for another process's pass), runs `f`,
    /// gives the lock back, and does the upkeep that what the pass's pieces did calls for.
    /// An error rolls back the piece under way; the pieces committed before it stay.
    pub fn pass<T, E: From<Error>>(
        &self,
        kind: PassKind,
        at: Stamp,
        f: impl FnOnce(&mut Pass) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut conn = self.connection()?;
        let file = self.take_pass_lock(&mut conn)?;
        let requests = self.shared.sidecars.as_ref().map(|(_, path)| open_sidecar(path)).transpose()?;
        let mut pass = Pass { conn, kind, at, done: Done::default(), pieces: 0, load: None, requests };
        let tuned = pass.tune();
        let result = tuned.map_err(E::from).and_then(|()| f(&mut pass));
        let Pass { mut conn, done, load, .. } = pass;
        if let Some(load) = load {
            bulk::end_load(&mut conn.conn, load);
        }
        self.give_pass_lock_back(&mut conn, file, result.is_ok());
        if result.is_ok() {
            upkeep(&mut conn.conn, done, at.today);
        }
        result
    }

    fn take_pass_lock(&self, conn: &mut PooledConnection<super::Manager>) -> Result<Option<File>> {
        let wait = self.shared.timeouts.lock;
        match &self.shared.sidecars {
            Some((path, _)) => {
                let file = open_sidecar(path)?;
                let deadline = Instant::now() + wait;
                loop {
                    match file.try_lock() {
                        Ok(()) => return Ok(Some(file)),
                        Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                            std::thread::sleep(POLL * 10)
                        }
                        Err(std::fs::TryLockError::WouldBlock) => {
                            return Err(Error::PassLocked {
                                database: self.shared.engine.describe(),
                                waited: wait,
                            })
                        }
                        Err(std::fs::TryLockError::Error(source)) => {
                            return Err(Error::File { path: path.display().to_string(), source })
                        }
                    }
                }
            }
            None => {
                let taken = diesel::sql_query("SELECT pg_advisory_lock($1)")
                    .bind::<diesel::sql_types::BigInt, _>(PASS_LOCK_KEY)
                    .execute(&mut conn.conn);
                if taken.is_err() {
                    conn.doubtful = true;
                }
                taken?;
                Ok(None)
            }
        }
    }

    /// Releases the pass lock. On PostgreSQL a connection whose lock cannot be shown released
    /// (the pass failed, or the unlock did) never goes back to the pool: closing it releases
    /// the lock.
    fn give_pass_lock_back(&self, conn: &mut PooledConnection<super::Manager>, file: Option<File>, ok: bool) {
        if let Some(file) = file {
            drop(file); // closing the file releases its lock
            return;
        }
        #[derive(diesel::QueryableByName)]
        struct Released {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            released: bool,
        }
        let released = ok
            && diesel::sql_query("SELECT pg_advisory_unlock($1) AS released")
                .bind::<diesel::sql_types::BigInt, _>(PASS_LOCK_KEY)
                .get_result::<Released>(&mut conn.conn)
                .is_ok_and(|r| r.released);
        if !released {
            conn.doubtful = true;
        }
    }
}

/// SQLite: whether a request (of any process) waits to write: it holds a shared lock on
/// `FILE-requests` while it does.
fn requests_waiting(requests: Option<&File>) -> bool {
    match requests.map(File::try_lock) {
        Some(Ok(())) => {
            let _ = requests.map(File::unlock);
            false
        }
        Some(Err(std::fs::TryLockError::WouldBlock)) => true,
        Some(Err(std::fs::TryLockError::Error(_))) | None => false,
    }
}

/// A pass under way: its stamp, and its pieces.
pub struct Pass {
    conn: PooledConnection<super::Manager>,
    kind: PassKind,
    at: Stamp,
    done: Done,
    pieces: u32,
    /// An import's tuning of its connection, undone when the pass ends.
    load: Option<bulk::Load>,
    /// SQLite: the file that waiting requests hold a shared lock on.
    requests: Option<File>,
}

impl Pass {
    /// The pass's instant and local date.
    pub fn at(&self) -> Stamp {
        self.at
    }

    /// What kind of pass this is.
    pub fn kind(&self) -> PassKind {
        self.kind
    }

    fn tune(&mut self) -> Result<()> {
        if let PassKind::ImportPermits { expected_rows } = self.kind {
            self.load = Some(bulk::begin_load(&mut self.conn.conn, expected_rows)?);
        }
        Ok(())
    }

    /// Runs `f` as one piece of the pass: one transaction (on SQLite one that takes the write
    /// lock first), committed when `f` returns `Ok`. Before every piece but the first, requests
    /// waiting to write go first. In an import that is a bulk load, the register's indexes are
    /// dropped at the start of the piece and rebuilt at its end.
    pub fn write<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        self.next_piece();
        let bulk = self.load.is_some_and(|l| l.bulk);
        let result = transaction(&mut self.conn, true, |tx| {
            let suspended = if bulk {
                Some(bulk::suspend(tx.conn, bulk::REGISTER_INDEXES).map_err(Error::from)?)
            } else {
                None
            };
            let value = f(tx)?;
            if let Some(indexes) = suspended {
                indexes.rebuild(tx.conn).map_err(Error::from)?;
            }
            Ok(value)
        });
        result.map(|(value, done)| {
            self.done.add(done);
            value
        })
    }

    /// Writes `items` in parts, `f` writing each part whole, all in one piece — or, on SQLite,
    /// in more when a request waits to write meanwhile: the piece is then committed after the
    /// part under way, and the request writes before the next piece goes on. On PostgreSQL a
    /// request never waits for a pass (it locks rows, not the database), and the piece is one
    /// part.
    pub fn write_in_parts<T, E: From<Error>>(
        &mut self,
        items: &[T],
        mut f: impl FnMut(&mut Tx, &[T]) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let part = if self.requests.is_some() { SQLITE_PART } else { items.len().max(1) };
        let mut rest = items;
        while !rest.is_empty() {
            self.next_piece();
            let requests = self.requests.as_ref();
            let (left, done) = transaction(&mut self.conn, true, |tx| {
                let mut left = rest;
                loop {
                    let (now, after) = left.split_at(part.min(left.len()));
                    f(tx, now)?;
                    left = after;
                    if left.is_empty() || requests_waiting(requests) {
                        return Ok::<_, E>(left);
                    }
                }
            })?;
            self.done.add(done);
            rest = left;
        }
        Ok(())
    }

    /// Before a piece: every piece but the first lets waiting requests write first (SQLite).
    fn next_piece(&mut self) {
        if self.pieces > 0 {
            let until = Instant::now() + YIELD_AT_MOST;
            while requests_waiting(self.requests.as_ref()) && Instant::now() < until {
                std::thread::sleep(POLL);
            }
        }
        self.pieces += 1;
    }

    /// Runs `f` in one transaction of the pass's connection that only reads.
    pub fn read<T, E: From<Error>>(
        &mut self,
        f: impl FnOnce(&mut Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        transaction(&mut self.conn, false, f).map(|(value, _)| value)
    }
}

/// After a pass committed: what keeps the next one cheap. A failure here fails nothing.
fn upkeep(conn: &mut AnyConnection, done: Done, today: NaiveDate) {
    if done.reviews_moved > 0 {
        if let Err(e) = crate::storage::permits::after_moving_reviews(conn, today) {
            tracing::warn!(error = %e, "the moved reviews' old index entries stay until autovacuum");
        }
    }
    if done.signals_received > 0 {
        if let Err(e) = crate::storage::signals::after_receiving(conn, done.signals_received) {
            tracing::warn!(error = %e, "the statistics of signals were not refreshed; autovacuum will later");
        }
    }
    if done.signals_settled > 0 {
        if let Err(e) = crate::storage::signals::after_processing(conn, done.signals_settled) {
            tracing::warn!(error = %e, "the processed signals' old index entries stay until autovacuum");
        }
    }
    if done.tasks_created > 0 {
        if let Err(e) = crate::storage::tasks::after_creating(conn, done.tasks_created) {
            tracing::warn!(error = %e, "the statistics of tasks were not refreshed; autovacuum will later");
        }
    }
    if done.permits_written > 0 {
        if let Err(e) = crate::storage::permits::after_bulk_change(conn, done.permits_written) {
            tracing::warn!(error = %e, "the statistics of the register were not refreshed; autovacuum will later");
        }
    }
}

/// Opens (creating it) a file beside an SQLite database.
pub(super) fn open_sidecar(path: &std::path::Path) -> Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|source| Error::File { path: path.display().to_string(), source })
}
