//! The pool's connections: how they are opened (one at once, the rest as needed), their session
//! settings, and when one is closed instead of going back to the pool.

use super::{OnConnect, Options};
use crate::storage::failure::{Error, Result};
use crate::storage::{establish, session, AnyConnection, DatabaseTimeouts, Engine};
use diesel::r2d2::{self, CustomizeConnection, ManageConnection, Pool, R2D2Connection};
use std::sync::Mutex;
use std::time::Duration;

/// Connections a store opens at most, when its caller does not say.
const CONNECTIONS: u32 = 4;

/// The pool of a store: its first connection made at once (so that a database that cannot be
/// opened or reached is an error now, naming it), the others as they are needed.
pub(super) fn build(engine: &Engine, timeouts: DatabaseTimeouts, options: Options) -> Result<Pool<Manager>> {
    let manager =
        Manager { engine: engine.clone(), timeouts, read_only: options.read_only, first: Mutex::new(None) };
    let customizer = Session {
        timeouts,
        read_only: options.read_only,
        no_autocheckpoint: options.checkpoint_in_background && !options.read_only,
        on_connect: options.on_connect,
    };
    let mut first = manager.connect()?;
    customizer.on_acquire(&mut first)?;
    *lock(&manager.first) = Some(first);
    Ok(Pool::builder()
        .max_size(options.connections.unwrap_or(CONNECTIONS).max(1))
        .min_idle(Some(0))
        .connection_timeout(timeouts.connect.max(Duration::from_secs(1)))
        // Not tried before each use (a statement more for every request): a connection
        // that died while idle fails its first statement and is closed (`Pooled::doubtful`),
        // and a probe tries every idle one (`Store::probe`).
        .test_on_check_out(false)
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .connection_customizer(Box::new(customizer))
        .build_unchecked(manager))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A pooled connection, and whether it may go back to the pool.
pub struct Pooled {
    pub(super) conn: AnyConnection,
    /// Its state is not known to be clean (a failed transaction end, a lock not shown
    /// released): the pool closes it instead of handing it out again.
    pub(super) doubtful: bool,
    /// Its session settings are made.
    set_up: bool,
}

/// Opens the pool's connections.
pub(super) struct Manager {
    engine: Engine,
    timeouts: DatabaseTimeouts,
    read_only: bool,
    /// The connection [`Store::open`] made, handed to the pool as its first.
    first: Mutex<Option<Pooled>>,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = Error;

    fn connect(&self) -> Result<Pooled> {
        if let Some(first) = lock(&self.first).take() {
            return Ok(first);
        }
        let conn = if self.read_only {
            crate::storage::read_only::establish_read_only(&self.engine)?
        } else {
            establish(&self.engine, &self.timeouts)?
        };
        Ok(Pooled { conn, doubtful: false, set_up: false })
    }

    fn is_valid(&self, c: &mut Pooled) -> Result<()> {
        c.conn.ping().map_err(|e| Error::Unreachable(format!("{}: {e}", self.engine.describe())))
    }

    fn has_broken(&self, c: &mut Pooled) -> bool {
        c.doubtful || c.conn.is_broken() || std::thread::panicking()
    }
}

/// The session settings of every new connection (`storage::session`).
struct Session {
    timeouts: DatabaseTimeouts,
    read_only: bool,
    /// SQLite: commits do not checkpoint (a thread of the store does, `checkpoint.rs`).
    no_autocheckpoint: bool,
    on_connect: Option<OnConnect>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("read_only", &self.read_only).finish_non_exhaustive()
    }
}

impl CustomizeConnection<Pooled, Error> for Session {
    fn on_acquire(&self, c: &mut Pooled) -> Result<()> {
        if c.set_up {
            return Ok(()); // the first connection, set up by `Store::open`
        }
        session(&mut c.conn, &self.timeouts, self.read_only)?;
        if let (true, AnyConnection::Sqlite(conn)) = (self.no_autocheckpoint, &mut c.conn) {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("PRAGMA wal_autocheckpoint = 0")?;
        }
        c.set_up = true;
        if let Some(hook) = &self.on_connect {
            hook(&mut c.conn);
        }
        Ok(())
    }
}
