//! Storage: all of diesel. One schema, two engines (SQLite embedded, PostgreSQL for several
//! instances) behind [`AnyConnection`]; queries that the two engines spell differently (upserts,
//! batch inserts) are written once and compiled for each through [`on_engine!`]. Everything
//! that differs between the engines — SQL spellings, batch sizes, journal modes, statistics —
//! stays in this module: the jobs call the same functions whatever the engine, and see only
//! domain types ([`rows`] converts).
//!
//! Callers use the database through a [`Store`] (`store/`): a pool of connections, passes
//! that hold the pass lock across their pieces, short requests that never take it, and reads.
//! Every function here takes the transaction it runs in ([`Tx`]) and returns storage's one
//! error type ([`Error`], `failure.rs`); jobs never see a connection, a row or diesel.

pub mod audit;
pub mod bulk;
pub mod digests;
pub mod expectations;
pub mod failure;
pub mod forecast;
pub mod gauges;
pub mod imports;
pub mod lead;
pub mod navet;
pub mod permits;
pub mod read_only;
pub mod report;
mod row_insert;
pub mod rows;
pub mod schedules;
pub mod schema;
pub mod sessions;
pub mod signals;
pub mod sqltime;
mod store;
pub mod tasks;
pub mod tokens;

pub use crate::settings::{DatabaseTimeouts, Engine};
pub use failure::{Error, Result};
pub use store::{Leading, OnConnect, Options, Pass, PassKind, Stamp, Store, Tx};

use diesel::prelude::*;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

#[allow(missing_docs)] // the items diesel's derive generates carry no docs
mod any {
    /// A connection to either engine.
    #[derive(diesel::MultiConnection)]
    pub enum AnyConnection {
        /// PostgreSQL.
        Postgresql(diesel::PgConnection),
        /// SQLite.
        Sqlite(diesel::SqliteConnection),
    }
}
pub use any::AnyConnection;

/// Runs `$body` with `$c` bound to the engine's own connection, so engine-specific diesel
/// (ON CONFLICT, batch inserts) compiles once for each engine from one text.
#[macro_export]
macro_rules! on_engine {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::storage::AnyConnection::Postgresql($c) => $body,
            $crate::storage::AnyConnection::Sqlite($c) => $body,
        }
    };
}
pub use on_engine;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// PostgreSQL TCP keep-alive: a connection idle this long (s) is probed, every
/// `PG_KEEPALIVE_INTERVAL_S` up to `PG_KEEPALIVE_COUNT` times, so a server that vanished without
/// closing the connection (a partition, a dead host) is noticed within about a minute.
const PG_KEEPALIVE_IDLE_S: u32 = 30;
/// See [`PG_KEEPALIVE_IDLE_S`].
const PG_KEEPALIVE_INTERVAL_S: u32 = 10;
/// See [`PG_KEEPALIVE_IDLE_S`].
const PG_KEEPALIVE_COUNT: u32 = 3;
/// How long (ms) data sent to PostgreSQL may stay unacknowledged before the connection is
/// dropped: bounds a write to a server that stopped answering at the TCP level.
const PG_TCP_USER_TIMEOUT_MS: u32 = 60_000;

/// SQLite page cache per connection (KiB). A tick reads one table page per due permit and
/// writes it again when it moves the permit's next review: with 10,000 due, the pages must stay
/// cached in between or they are read twice.
pub(crate) const SQLITE_CACHE_KIB: u32 = 65_536;

/// The page cache of a permit import (KiB): its own buffers (fingerprints, batches in flight)
/// take the rest of the memory budget, and a bulk load writes past the cache anyway.
pub(crate) const SQLITE_IMPORT_CACHE_KIB: u32 = 24_576;

/// Records an import writes at once (one lookup of existing rows, then the writes): on
/// PostgreSQL one COPY, where fewer and larger COPYs cut a million-row import by about a sixth;
/// on SQLite inserts in cached chunks of 100, which run faster while the batch is still in the
/// processor's cache.
pub fn import_batch_size(tx: &Tx) -> usize {
    match tx.conn {
        AnyConnection::Postgresql(_) => 5_000,
        AnyConnection::Sqlite(_) => 1_000,
    }
}

/// Sets an SQLite connection's page cache (KiB); PostgreSQL has its own server-side cache.
fn set_cache(conn: &mut AnyConnection, kib: u32) -> QueryResult<()> {
    if let AnyConnection::Sqlite(c) = conn {
        diesel::sql_query(format!("PRAGMA cache_size = -{kib}")).execute(c)?;
    }
    Ok(())
}

/// Opens a connection with the shipped timeouts (config/default.toml); see [`connect_with`].
/// For tests and tools that run their own SQL; the program itself uses a [`Store`].
pub fn connect(engine: &Engine) -> anyhow::Result<AnyConnection> {
    connect_with(engine, &DatabaseTimeouts::default())
}

/// Opens a connection and sets the engine's session options ([`session`]).
pub fn connect_with(engine: &Engine, timeouts: &DatabaseTimeouts) -> anyhow::Result<AnyConnection> {
    let mut c = establish(engine, timeouts)?;
    session(&mut c, timeouts, false)?;
    Ok(c)
}

/// Opens a connection (creating an SQLite file's folder), bounded on PostgreSQL by the connect
/// timeout and kept alive by TCP keep-alives. The error names the database.
fn establish(engine: &Engine, timeouts: &DatabaseTimeouts) -> Result<AnyConnection> {
    match engine {
        Engine::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::Unreachable(format!("cannot create {}: {e}", dir.display())))?;
            }
            SqliteConnection::establish(&path.to_string_lossy())
                .map(AnyConnection::Sqlite)
                .map_err(|e| Error::Unreachable(format!("cannot open {}: {e}", engine.describe())))
        }
        Engine::Postgres(url) => PgConnection::establish(&pg_conninfo(url, timeouts))
            .map(AnyConnection::Postgresql)
            .map_err(|e| unreachable(engine, &e)),
    }
}

fn unreachable(engine: &Engine, e: &dyn std::fmt::Display) -> Error {
    Error::Unreachable(format!("cannot connect to {}: {}", engine.describe(), first_line(&e.to_string())))
}

/// Sets a new connection's session options, among them the bounds on every wait: on
/// PostgreSQL the statement and lock timeouts, on SQLite the busy timeout (the wait for
/// another writer), the write-ahead log and the page cache. A read-only connection sets
/// nothing that writes.
fn session(conn: &mut AnyConnection, timeouts: &DatabaseTimeouts, read_only: bool) -> Result<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Sqlite(c) => {
            let mut pragmas = vec![
                format!("PRAGMA busy_timeout = {}", timeouts.lock.as_millis()),
                format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}"),
            ];
            if !read_only {
                pragmas.extend(
                    ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"]
                        .map(String::from),
                );
            }
            for pragma in pragmas {
                c.batch_execute(&pragma)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            c.batch_execute(&format!(
                "SET statement_timeout = {}; SET lock_timeout = {}",
                timeouts.statement.as_millis(),
                timeouts.lock.as_millis()
            ))?;
        }
    }
    Ok(())
}

/// The URL with the connect timeout and keep-alives added, unless the URL sets them itself.
fn pg_conninfo(url: &str, timeouts: &DatabaseTimeouts) -> String {
    let given = url.split_once('?').map_or("", |(_, query)| query);
    let has = |key: &str| given.split('&').any(|p| p.split('=').next() == Some(key));
    let mut out = url.to_string();
    for (key, value) in [
        ("connect_timeout", timeouts.connect.as_secs().max(1).to_string()),
        ("keepalives", "1".to_string()),
        ("keepalives_idle", PG_KEEPALIVE_IDLE_S.to_string()),
        ("keepalives_interval", PG_KEEPALIVE_INTERVAL_S.to_string()),
        ("keepalives_count", PG_KEEPALIVE_COUNT.to_string()),
        ("tcp_user_timeout", PG_TCP_USER_TIMEOUT_MS.to_string()),
    ] {
        if !has(key) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// Creates or upgrades the schema; returns the migrations applied. (The program migrates
/// through [`Store::migrate`]; tests and tools call this on a connection of their own.)
pub fn migrate(conn: &mut AnyConnection) -> Result<Vec<String>> {
    let applied = match conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(PG_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| Error::Migration(e.to_string()))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Whether the schema is missing migrations (a command then asks for `migrate`).
fn needs_migration(conn: &mut AnyConnection) -> Result<bool> {
    let pending = match conn {
        AnyConnection::Postgresql(c) => c.has_pending_migration(PG_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    }
    .map_err(|e| Error::Migration(format!("cannot read the schema version: {e}")))?;
    Ok(pending)
}

/// Runs `f` inside the current transaction with PostgreSQL's planner held to key lookups: no
/// hash or merge joins, no parallel workers (whose start costs more than a few thousand
/// lookups), no JIT compilation. For the tick's statements over the rows that are due:
/// a few thousand of them by primary key cost what is due, where a hash join reads the whole
/// register — the plan the planner picks once its estimate of what is due runs high, as it
/// does after a catch-up moved many due dates. The settings end with the statement.
pub(crate) fn by_key_lookups<T>(
    c: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    use diesel::connection::SimpleConnection;
    c.batch_execute(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; \
         SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off",
    )?;
    let out = f(c);
    c.batch_execute(
        "SET LOCAL enable_hashjoin TO DEFAULT; SET LOCAL enable_mergejoin TO DEFAULT; \
         SET LOCAL max_parallel_workers_per_gather TO DEFAULT; SET LOCAL jit TO DEFAULT",
    )?;
    out
}

/// After a committed pass rewrote rows that `index_range` reads: on PostgreSQL, reads that
/// range once more by the index alone (`SELECT count(*) …` with bitmap and sequential scans
/// priced out). Each rewritten row left an index entry for its old value; the first plain index
/// scan over a dead entry marks it dead in the index, and every later scan skips it. Without
/// this, every later pass over the range visits each dead entry's table page until a vacuum
/// removes it: a tick after a 200,000-review catch-up read 200,000 of them. This costs what was
/// rewritten, where a vacuum reads the table's every index whole.
pub(crate) fn mark_dead_entries(
    c: &mut PgConnection,
    index_range: impl FnOnce(&mut PgConnection) -> QueryResult<usize>,
) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    c.transaction(|c| {
        c.batch_execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off")?;
        index_range(c).map(|_| ())
    })
}

/// Rows of a batch insert on SQLite in one statement: one chunk size for every table, so each
/// table's full chunks share one prepared statement.
pub const SQLITE_CHUNK: usize = 100;

/// A piece of a batch for SQLite's statement cache: diesel keeps the prepared statement of an
/// insert of `[T; N]` (its SQL is known from the type), never that of a `Vec`, whose SQL it
/// builds and parses again on every execution.
pub enum Chunk<T, const N: usize> {
    /// Exactly `N` rows.
    Full(Box<[T; N]>),
    /// The rest, fewer than `N`.
    Rest(Vec<T>),
}

impl<T, const N: usize> Chunk<T, N> {
    /// The rows, without copying them.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Chunk::Full(rows) => Vec::from(rows as Box<[T]>),
            Chunk::Rest(rows) => rows,
        }
    }
}

/// Splits `rows` into chunks of `N` and a shorter rest.
pub fn chunks<T, const N: usize>(rows: Vec<T>) -> impl Iterator<Item = Chunk<T, N>> {
    let mut rows = rows.into_iter();
    std::iter::from_fn(move || {
        let piece: Vec<T> = rows.by_ref().take(N).collect();
        if piece.is_empty() {
            return None;
        }
        Some(match Box::<[T; N]>::try_from(piece) {
            Ok(full) => Chunk::Full(full),
            Err(rest) => Chunk::Rest(rest),
        })
    })
}

/// Inserts `$rows` (a `Vec`) into `$table` on an SQLite connection, in cached chunks.
#[macro_export]
macro_rules! sqlite_insert {
    ($c:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0;
        for chunk in $crate::storage::chunks::<_, { $crate::storage::SQLITE_CHUNK }>($rows) {
            inserted += match chunk {
                $crate::storage::Chunk::Full(rows) => diesel::insert_into($table).values(rows).execute($c)?,
                $crate::storage::Chunk::Rest(rows) => diesel::insert_into($table).values(rows).execute($c)?,
            };
        }
        inserted
    }};
}

/// The current instant truncated to microseconds, the precision both engines keep.
pub(crate) fn micros(t: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    t.naive_utc().duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite without a mutex per call and without
    /// global memory statistics; a build that lost those settings would still be correct, only
    /// slower, so this says so.
    #[test]
    fn the_postgresql_url_gets_the_timeouts_it_does_not_set_itself() {
        let t =
            DatabaseTimeouts { connect: std::time::Duration::from_secs(7), ..DatabaseTimeouts::default() };
        let plain = pg_conninfo("postgres://u@h:5432/db", &t);
        assert!(plain.starts_with("postgres://u@h:5432/db?connect_timeout=7&keepalives=1&"), "{plain}");
        assert!(plain.contains("&tcp_user_timeout=60000"), "{plain}");
        let own = pg_conninfo("postgres://u@h/db?sslmode=require&connect_timeout=3", &t);
        assert!(own.starts_with("postgres://u@h/db?sslmode=require&connect_timeout=3&keepalives=1"), "{own}");
        assert_eq!(own.matches("connect_timeout").count(), 1, "{own}");
    }

    #[test]
    fn sqlite_waits_for_another_pass_as_long_as_the_lock_timeout() {
        #[derive(diesel::QueryableByName)]
        struct Timeout {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            timeout: i64,
        }
        let dir = tempfile::tempdir().unwrap();
        let t = DatabaseTimeouts { lock: std::time::Duration::from_secs(3), ..DatabaseTimeouts::default() };
        let mut conn = connect_with(&Engine::Sqlite(dir.path().join("t.db")), &t).unwrap();
        let got: Timeout = diesel::sql_query("PRAGMA busy_timeout").get_result(&mut conn).unwrap();
        assert_eq!(got.timeout, 3000);
    }

    #[test]
    fn sqlite_is_built_with_the_projects_options() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = connect(&Engine::Sqlite(dir.path().join("t.db"))).unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in ["THREADSAFE=2", "DEFAULT_MEMSTATUS=0"] {
            assert!(options.iter().any(|o| o == wanted), "{wanted} not in {options:?}");
        }
    }
}
