//! The store: a pool of connections over either engine, and the three ways to use it.
//!
//! - [`Store::pass`]: a pass of the follow-up (an import, a tick, a digest run's steps). It
//!   owns the **pass lock**, held from its first piece to its last, so that passes of all
//!   processes and daemon instances on one database run one at a time: on SQLite an OS file
//!   lock on `FILE-pass` beside the database, on PostgreSQL a session advisory lock on the
//!   pass's connection (waiting up to `lock_timeout`); the operating system or the server
//!   releases either when its holder dies. It owns the pass's **timestamps** (`now` truncated
//!   to the microseconds both engines keep, and `today`), and the **upkeep after commit**
//!   (marking moved index entries dead, refreshing the planner's statistics), decided from
//!   what its pieces recorded they did. A pass writes in one or more **pieces**
//!   ([`Pass::write`]), each one transaction — on SQLite one that takes the write lock first
//!   (`BEGIN IMMEDIATE`).
//! - [`Store::request`]: a short write of one caller (closing a task), one transaction that
//!   never takes the pass lock, so that it waits at most for the piece of a pass under way.
//!   On SQLite it takes the write lock first as well: in write-ahead-log mode a transaction
//!   that reads and then writes fails at once (`SQLITE_BUSY_SNAPSHOT`) when another writer
//!   committed meanwhile, whatever the busy timeout. While it waits it holds a shared lock on
//!   `FILE-requests`, by which a pass in any process sees that a request waits, and lets it
//!   write before its next piece.
//! - [`Store::read`]: reads in one transaction, never blocked by a pass on either engine.
//!
//! The API is blocking; async callers use [`Store::blocking`]. `pass.rs` holds passes, their
//! lock, pieces and upkeep; `pool.rs` the pool's connections and their session settings.

mod checkpoint;
mod pass;
mod pool;

pub use pass::{Pass, PassKind};

use super::failure::{Error, Result};
use super::lead::Lead;
use super::{establish, AnyConnection, DatabaseTimeouts, Engine};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::connection::{Connection, TransactionManager};
use diesel::r2d2::{Pool, PooledConnection, R2D2Connection};
use pass::open_sidecar;
use pool::Manager;
use std::path::PathBuf;
use std::sync::Arc;

/// How a store is opened.
#[derive(Clone, Default)]
pub struct Options {
    /// Connections at most (default 4).
    pub connections: Option<u32>,
    /// SQLite only: open the file read-only (`storage::read_only`).
    pub read_only: bool,
    /// Called with every new connection, after its session settings: a test that counts the
    /// statements of a pass sets its instrumentation here.
    pub on_connect: Option<OnConnect>,
    /// SQLite only: copy the write-ahead log back into the database file on a thread of the
    /// store's own (`checkpoint.rs`), never in a commit: for a store that answers requests
    /// (`serve`, `run`), so that no request waits for a checkpoint.
    pub checkpoint_in_background: bool,
}

/// A hook called with every new connection ([`Options::on_connect`]).
pub type OnConnect = Arc<dyn Fn(&mut AnyConnection) + Send + Sync>;

/// The database, for any number of callers. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    engine: Engine,
    timeouts: DatabaseTimeouts,
    pool: Pool<Manager>,
    /// SQLite: the pass lock file and the file of waiting requests.
    sidecars: Option<(PathBuf, PathBuf)>,
    /// SQLite with [`Options::checkpoint_in_background`]: the thread that checkpoints.
    _checkpointer: Option<checkpoint::Checkpointer>,
}

/// The instant of a pass or request as stored: truncated to microseconds, the precision both
/// engines keep; and the local date it falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The instant (UTC).
    pub now: NaiveDateTime,
    /// The local date (in `schedule.timezone`).
    pub today: NaiveDate,
}

impl Stamp {
    /// The stamp of `now`, on the local date `today`.
    pub fn new(now: DateTime<Utc>, today: NaiveDate) -> Stamp {
        Stamp { now: super::micros(now), today }
    }
}

/// What the pieces of a pass did, as far as the upkeep after it depends on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Done {
    /// Next reviews moved (their old `reviews_due` entries are dead).
    pub reviews_moved: u64,
    /// Signals received (inserted).
    pub signals_received: u64,
    /// Signals moved out of `pending`.
    pub signals_settled: u64,
    /// Tasks created.
    pub tasks_created: u64,
    /// Permits inserted or rewritten.
    pub permits_written: u64,
}

impl Done {
    fn add(&mut self, other: Done) {
        self.reviews_moved += other.reviews_moved;
        self.signals_received += other.signals_received;
        self.signals_settled += other.signals_settled;
        self.tasks_created += other.tasks_created;
        self.permits_written += other.permits_written;
    }
}

/// One transaction, as storage's functions receive it.
pub struct Tx<'c> {
    pub(crate) conn: &'c mut AnyConnection,
    pub(crate) done: Done,
}

impl<'c> Tx<'c> {
    fn new(conn: &'c mut AnyConnection) -> Self {
        Tx { conn, done: Done::default() }
    }
}

impl Store {
    /// Opens the database of `engine` with a first connection, so that a database that cannot
    /// be opened or reached is an error at once (naming it); further connections are opened
    /// as they are needed.
    pub fn open(engine: &Engine, timeouts: DatabaseTimeouts) -> Result<Store> {
        Store::open_with(engine, timeouts, Options::default())
    }

    /// As [`Store::open`], with `options`.
    pub fn open_with(engine: &Engine, timeouts: DatabaseTimeouts, options: Options) -> Result<Store> {
        let read_only = options.read_only;
        let background = options.checkpoint_in_background && !read_only;
        let pool = pool::build(engine, timeouts, options)?;
        let checkpointer = if background { checkpoint::Checkpointer::start(engine, timeouts) } else { None };
        let sidecars = match engine {
            Engine::Sqlite(path) if !read_only => {
                let beside = |suffix: &str| {
                    let mut name = path.clone().into_os_string();
                    name.push(suffix);
                    PathBuf::from(name)
                };
                Some((beside("-pass"), beside("-requests")))
            }
            _ => None,
        };
        Ok(Store {
            shared: Arc::new(Shared {
                engine: engine.clone(),
                timeouts,
                pool,
                sidecars,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// Which database this is.
    pub fn engine(&self) -> &Engine {
        &self.shared.engine
    }

    /// The timeouts its connections use.
    pub fn timeouts(&self) -> DatabaseTimeouts {
        self.shared.timeouts
    }

    fn connection(&self) -> Result<PooledConnection<Manager>> {
        self.shared.pool.get().map_err(|e| {
            Error::Unreachable(match e.to_string().split_once(": ") {
                Some((_, why)) => why.to_string(),
                None => format!(
                    "{}: no connection free within {} s",
                    self.shared.engine.describe(),
                    self.shared.timeouts.connect.as_secs().max(1)
                ),
            })
        })
    }

    /// Runs `f` on one of the store's connections, outside any transaction: for tests and
    /// tools that run SQL of their own (the program's own code goes through passes, requests
    /// and reads).
    pub fn with_connection<T>(&self, f: impl FnOnce(&mut AnyConnection) -> T) -> Result<T> {
        Ok(f(&mut self.connection()?.conn))
    }

    /// Creates or upgrades the schema; returns the migrations applied.
    pub fn migrate(&self) -> Result<Vec<String>> {
        super::migrate(&mut self.connection()?.conn)
    }

    /// Migrates when `migrate` allows it, else fails if the schema is behind.
    pub fn ensure_schema(&self, migrate: bool) -> Result<Vec<String>> {
        let mut c = self.connection()?;
        if !super::needs_migration(&mut c.conn)? {
            return Ok(Vec::new());
        }
        if !migrate {
            return Err(Error::SchemaBehind(self.shared.engine.describe()));
        }
        super::migrate(&mut c.conn)
    }

    /// Whether the database answers now: a new connection that answers one statement
    /// (bounded by the connect timeout). Every idle connection of the pool is tried too, and
    /// closed if it does not answer (the server restarted, the network was cut), so that the
    /// passes after an outage get connections that work.
    pub fn probe(&self) -> Result<()> {
        let mut idle = Vec::new();
        while let Some(mut c) = self.shared.pool.try_get() {
            c.doubtful = c.conn.ping().is_err();
            idle.push(c);
        }
        drop(idle);
        let mut fresh = establish(&self.shared.engine, &self.shared.timeouts)?;
        fresh.ping().map_err(|e| Error::Unreachable(format!("{}: {e}", self.shared.engine.describe())))
    }

    /// Runs `f` on the blocking threads of the tokio runtime: how async callers (the daemon,
    /// an HTTP handler) use the store. A panic in `f` is an error.
    pub async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&Store) -> std::result::Result<T, E> + Send + 'static,
    ) -> std::result::Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(result) => result,
            Err(_) => Err(Error::Panicked.into()),
        }
    }

    /// Runs `f` as one short write transaction that never takes the pass lock (see the
    /// module's doc).
    pub fn request<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let waiting = match &self.shared.sidecars {
            Some((_, requests)) => {
                let file = open_sidecar(requests)?;
                file.lock_shared()
                    .map_err(|source| Error::File { path: requests.display().to_string(), source })?;
                Some(file)
            }
            None => None,
        };
        let mut conn = self.connection()?;
        let result = transaction(&mut conn, true, f).map(|(value, _)| value);
        drop(waiting);
        result
    }

    /// Runs `f` in one transaction that only reads.
    pub fn read<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut conn = self.connection()?;
        transaction(&mut conn, false, f).map(|(value, _)| value)
    }

    /// Takes the lead of a scheduled pass without waiting: `None` when another daemon instance
    /// holds it (`storage::lead`). The lead lasts as long as the guard.
    pub fn try_lead(&self, pass: Lead) -> Result<Option<Leading>> {
        if !matches!(self.shared.engine, Engine::Postgres(_)) {
            return Ok(Some(Leading { conn: None, pass }));
        }
        let mut conn = self.connection()?;
        let held = super::lead::try_lead(&mut conn.conn, pass);
        if !matches!(held, Ok(true)) {
            conn.doubtful |= held.is_err();
        }
        Ok(held?.then_some(Leading { conn: Some(conn), pass }))
    }
}

/// The lead of a scheduled pass, held until dropped.
pub struct Leading {
    conn: Option<PooledConnection<Manager>>,
    pass: Lead,
}

impl Drop for Leading {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            if super::lead::end_lead(&mut conn.conn, self.pass).is_err() {
                conn.doubtful = true;
            }
        }
    }
}

/// Runs `f` in a transaction of `conn`; `write` takes SQLite's write lock at its start.
/// A connection whose transaction could not be ended cleanly never goes back to the pool.
fn transaction<T, E: From<Error>>(
    conn: &mut PooledConnection<Manager>,
    write: bool,
    f: impl FnOnce(&mut Tx) -> std::result::Result<T, E>,
) -> std::result::Result<(T, Done), E> {
    type Manager = <AnyConnection as Connection>::TransactionManager;
    let began = match &mut conn.conn {
        AnyConnection::Sqlite(c) if write => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        c => Manager::begin_transaction(c),
    };
    if began.is_err() {
        conn.doubtful = true;
    }
    began.map_err(Error::from)?;
    let mut tx = Tx::new(&mut conn.conn);
    let result = f(&mut tx);
    let done = tx.done;
    match result {
        Ok(value) => match Manager::commit_transaction(&mut conn.conn) {
            Ok(()) => Ok((value, done)),
            Err(e) => {
                conn.doubtful = true;
                let _ = Manager::rollback_transaction(&mut conn.conn);
                Err(Error::from(e).into())
            }
        },
        Err(e) => {
            if Manager::rollback_transaction(&mut conn.conn).is_err() {
                conn.doubtful = true;
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::ErrorKind;
    use diesel::RunQueryDsl;
    use std::time::{Duration, Instant};

    fn sqlite(dir: &tempfile::TempDir, lock: Duration) -> (Store, PathBuf) {
        let path = dir.path().join("t.db");
        let timeouts = DatabaseTimeouts { lock, ..DatabaseTimeouts::default() };
        let store = Store::open(&Engine::Sqlite(path.clone()), timeouts).unwrap();
        store.migrate().unwrap();
        (store, path)
    }

    fn at() -> Stamp {
        Stamp::new(chrono::Utc::now(), chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap())
    }

    #[test]
    fn a_request_writes_while_another_process_holds_the_pass_lock_and_a_pass_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = sqlite(&dir, Duration::from_millis(300));
        let held = std::fs::File::create(format!("{}-pass", path.display())).unwrap();
        held.lock().unwrap();
        let started = Instant::now();
        store
            .request(|tx| {
                diesel::sql_query("UPDATE imports SET file = file").execute(tx.conn).map_err(Error::from)
            })
            .unwrap();
        assert!(started.elapsed() < Duration::from_millis(250), "{:?}", started.elapsed());
        let refused = store.pass(PassKind::Tick, at(), |_| Ok::<_, Error>(())).unwrap_err();
        assert!(matches!(refused, Error::PassLocked { .. }), "{refused}");
        assert_eq!(refused.kind(), ErrorKind::Unavailable);
        drop(held);
        store.pass(PassKind::Tick, at(), |_| Ok::<_, Error>(())).unwrap();
    }

    #[test]
    fn a_piece_that_fails_rolls_back_alone_and_the_pieces_before_it_stay() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = sqlite(&dir, Duration::from_secs(5));
        let insert = |tx: &mut Tx, file: &str| {
            diesel::sql_query(format!(
                "INSERT INTO imports (kind, file, received_at, inserted, updated, unchanged, duplicates, rejected) \
                 VALUES ('permits', '{file}', '2027-03-01 10:00:00', 0, 0, 0, 0, 0)"
            ))
            .execute(tx.conn)
            .map_err(Error::from)
        };
        let failed = store.pass(PassKind::Tick, at(), |pass| {
            pass.write(|tx| insert(tx, "first"))?;
            pass.write(|tx| {
                insert(tx, "second")?;
                Err::<(), _>(Error::Panicked)
            })
        });
        assert!(failed.is_err());
        let files: Vec<(String,)> = store
            .with_connection(|c| {
                use diesel::prelude::*;
                crate::storage::schema::imports::table
                    .select((crate::storage::schema::imports::file,))
                    .load(c)
            })
            .unwrap()
            .unwrap();
        assert_eq!(files, vec![("first".to_string(),)]);
    }
}
