//! The daemon's connection to its database, and how it rides out the database going away.
//!
//! Passes run on the blocking pool through one connection. After a pass fails the connection
//! is dropped and the database is tried afresh: if it does not answer, the daemon reports it
//! unreachable (`/readyz` 503 with the reason, the `database_up` gauge 0, a warning) until a
//! pass or a probe finds it back. A pass cut off by a lost connection is one transaction, which
//! the database rolls back; the next tick does its work. Every wait is bounded: the connect,
//! statement and lock timeouts of `[database]` bound each attempt, the back-off between
//! attempts is at most [`MAX_RETRY_WAIT`], and the callers race the back-off against shutdown.

use crate::admin::metrics::DATABASE_UP;
use crate::admin::{Health, Metrics};
use crate::app::systemd;
use crate::errors::one_line;
use crate::settings::{DatabaseTimeouts, Engine};
use crate::storage::{self, AnyConnection};
use anyhow::Context;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

/// The first wait before trying an unreachable database again; it doubles after each failure.
pub const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);

/// The longest wait between two tries of an unreachable database.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// The schema is behind and `database.migrate_on_start` forbids migrating: waiting cannot help.
#[derive(Debug, thiserror::Error)]
#[error("the schema of {0} is not up to date: run `permit-followup migrate`")]
pub struct SchemaBehind(String);

type Slot = Arc<Mutex<Option<AnyConnection>>>;

/// The connection and where it goes.
pub struct Database {
    engine: Engine,
    timeouts: DatabaseTimeouts,
    conn: Slot,
    health: Arc<Health>,
    metrics: Arc<Metrics>,
}

impl Database {
    /// Not connected yet: see [`Database::open`].
    pub fn new(
        engine: Engine,
        timeouts: DatabaseTimeouts,
        health: Arc<Health>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Database { engine, timeouts, conn: Arc::default(), health, metrics }
    }

    /// Connects and migrates (`migrate`) or checks the schema. A PostgreSQL server that cannot be
    /// reached is tried again, with back-off, until it answers; the caller bounds the whole wait
    /// (shutdown). An SQLite file that cannot be opened, or a schema that may not be migrated,
    /// is an error at once.
    pub async fn open(&self, migrate: bool) -> anyhow::Result<()> {
        let mut wait = FIRST_RETRY_WAIT;
        loop {
            let (engine, timeouts, slot) = (self.engine.clone(), self.timeouts, self.conn.clone());
            let opened =
                tokio::task::spawn_blocking(move || open_blocking(&engine, &timeouts, migrate, &slot))
                    .await
                    .context("opening the database panicked")?;
            match opened {
                Ok(()) => {
                    self.mark(Ok(()));
                    return Ok(());
                }
                Err(e) if !matches!(self.engine, Engine::Postgres(_)) || e.is::<SchemaBehind>() => {
                    return Err(e)
                }
                Err(e) => {
                    let reason = one_line(&e);
                    self.mark(Err(reason.clone()));
                    tracing::warn!(error = %reason, seconds = wait.as_secs(), "database unreachable at start; trying again later");
                    systemd::status(&format!(
                        "waiting for the database: {reason}; next try in {} s",
                        wait.as_secs()
                    ));
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_RETRY_WAIT);
                }
            }
        }
    }

    /// Runs `f` with the connection on the blocking pool (connecting first if there is none).
    /// After a failure the connection is replaced by a fresh one if the database answers, and
    /// the database is reported unreachable if it does not.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (engine, timeouts, slot) = (self.engine.clone(), self.timeouts, self.conn.clone());
        let (result, reachable) = tokio::task::spawn_blocking(move || {
            let mut guard = lock(&slot);
            let c = match guard.as_mut() {
                Some(c) => c,
                None => match reconnect(&engine, &timeouts) {
                    Ok(c) => guard.insert(c),
                    Err(e) => return (Err(anyhow::anyhow!("{e}")), Err(e)),
                },
            };
            let result = f(c);
            let reachable = match &result {
                Ok(_) => Ok(()),
                Err(_) => {
                    reconnect(&engine, &timeouts).map(|c| *guard = Some(c)).inspect_err(|_| *guard = None)
                }
            };
            (result, reachable)
        })
        .await
        .context("a pass panicked")?;
        self.mark(reachable);
        result
    }

    /// Whether the database answers now; `None` when a pass holds the connection (it reports).
    pub async fn probe(&self) -> Option<bool> {
        let (engine, timeouts, slot) = (self.engine.clone(), self.timeouts, self.conn.clone());
        let reachable = tokio::task::spawn_blocking(move || {
            let mut guard = match slot.try_lock() {
                Ok(g) => g,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return None,
            };
            if guard.as_mut().is_some_and(|c| storage::ping(c).is_ok()) {
                return Some(Ok(()));
            }
            Some(reconnect(&engine, &timeouts).map(|c| *guard = Some(c)).inspect_err(|_| *guard = None))
        })
        .await
        .ok()
        .flatten()?;
        let up = reachable.is_ok();
        self.mark(reachable);
        Some(up)
    }

    /// Reports whether the database answered, logging only the changes.
    fn mark(&self, reachable: Result<(), String>) {
        match reachable {
            Ok(()) => {
                if self.health.database_up() {
                    tracing::info!(database = %self.engine.describe(), "database reachable again");
                }
                self.metrics.record(|| metrics::gauge!(DATABASE_UP).set(1.0));
            }
            Err(reason) => {
                if self.health.database_down(&reason) {
                    tracing::warn!(database = %self.engine.describe(), error = %reason, "database unreachable; trying again with back-off");
                    systemd::status(&format!("database unreachable: {reason}"));
                }
                self.metrics.record(|| metrics::gauge!(DATABASE_UP).set(0.0));
            }
        }
    }
}

fn lock(slot: &Slot) -> MutexGuard<'_, Option<AnyConnection>> {
    // A pass that panicked left at worst a connection mid-transaction, which the next failure
    // replaces; the slot itself is always whole.
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A new connection that has answered one statement.
fn reconnect(engine: &Engine, timeouts: &DatabaseTimeouts) -> Result<AnyConnection, String> {
    let mut c = storage::connect_with(engine, timeouts).map_err(|e| one_line(&e))?;
    storage::ping(&mut c).map_err(|e| format!("{}: {e}", engine.describe()))?;
    Ok(c)
}

fn open_blocking(
    engine: &Engine,
    timeouts: &DatabaseTimeouts,
    migrate: bool,
    slot: &Slot,
) -> anyhow::Result<()> {
    let mut c = storage::connect_with(engine, timeouts)?;
    if migrate {
        let applied = storage::migrate(&mut c)?;
        if !applied.is_empty() {
            tracing::info!(migrations = applied.len(), "schema migrated");
        }
    } else if storage::needs_migration(&mut c)? {
        return Err(SchemaBehind(engine.describe()).into());
    }
    *lock(slot) = Some(c);
    Ok(())
}
