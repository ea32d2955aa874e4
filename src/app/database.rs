//! The daemon's store, and how the daemon rides out the database going away.
//!
//! Passes run on the blocking threads through the [`Store`] (a pool of connections; a pass
//! holds the pass lock, a request never does). After a pass fails the database is probed: if
//! it does not answer, the daemon reports it unreachable (`/readyz` 503 with the reason, the
//! `database_up` gauge 0, a warning) until a pass or a probe finds it back. The pieces of a
//! pass cut off by a lost connection that were committed stay, the piece under way rolls back;
//! the next tick does the rest. Every wait is bounded: the connect, statement and lock timeouts
//! of `[database]` bound each attempt, the back-off between attempts is at most
//! [`MAX_RETRY_WAIT`], and the callers race the back-off against shutdown.

use crate::admin::metrics::DATABASE_UP;
use crate::admin::{Health, Metrics};
use crate::app::systemd;
use crate::errors::error_line;
use crate::settings::{DatabaseTimeouts, Engine};
use crate::storage::{self, Options, Store};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The first wait before trying an unreachable database again; it doubles after each failure.
pub const FIRST_RETRY_WAIT: Duration = Duration::from_secs(1);

/// The longest wait between two tries of an unreachable database.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// Connections the daemon's store opens at most: a pass and its lead for each of the two
/// schedules, the probe, and the requests of the task API.
const CONNECTIONS: u32 = 16;

/// The store and where it goes.
pub struct Database {
    engine: Engine,
    timeouts: DatabaseTimeouts,
    store: OnceLock<Store>,
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
        Database { engine, timeouts, store: OnceLock::new(), health, metrics }
    }

    /// Opens the store and migrates (`migrate`) or checks the schema. A PostgreSQL server that
    /// cannot be reached is tried again, with back-off, until it answers; the caller bounds the
    /// whole wait (shutdown). An SQLite file that cannot be opened, or a schema that may not be
    /// migrated, is an error at once.
    pub async fn open(&self, migrate: bool) -> Result<(), storage::Error> {
        let mut wait = FIRST_RETRY_WAIT;
        loop {
            let (engine, timeouts) = (self.engine.clone(), self.timeouts);
            let opened = tokio::task::spawn_blocking(move || open_blocking(&engine, timeouts, migrate))
                .await
                .unwrap_or(Err(storage::Error::Panicked));
            match opened {
                Ok(store) => {
                    let _ = self.store.set(store);
                    self.mark(Ok(()));
                    return Ok(());
                }
                Err(e)
                    if !matches!(self.engine, Engine::Postgres(_))
                        || matches!(e, storage::Error::SchemaBehind(_)) =>
                {
                    return Err(e)
                }
                Err(e) => {
                    let reason = error_line(&e);
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

    /// The store, once [`Database::open`] has opened it. A caller that uses it directly (a
    /// digest run, between its waits on the mail server) calls [`Database::probe`] after a
    /// failure.
    pub fn store(&self) -> Result<Store, storage::Error> {
        self.store
            .get()
            .cloned()
            .ok_or_else(|| storage::Error::Unreachable(format!("{} is not open yet", self.engine.describe())))
    }

    /// Runs `f` with the store on the blocking threads. After a failure the database is probed,
    /// and reported unreachable if it does not answer.
    pub async fn run<T, E>(&self, f: impl FnOnce(&Store) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<storage::Error> + Send + 'static,
    {
        let store = self.store()?;
        let result = store.blocking(f).await;
        match &result {
            Ok(_) => self.mark(Ok(())),
            Err(_) => {
                let reachable = store.blocking(|s| s.probe()).await;
                self.mark(reachable.map_err(|e| error_line(&e)));
            }
        }
        result
    }

    /// Whether the database answers now.
    pub async fn probe(&self) -> bool {
        let reachable = match self.store() {
            Ok(store) => store.blocking(|s| s.probe()).await,
            Err(e) => Err(e),
        };
        let up = reachable.is_ok();
        self.mark(reachable.map_err(|e| error_line(&e)));
        up
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

fn open_blocking(
    engine: &Engine,
    timeouts: DatabaseTimeouts,
    migrate: bool,
) -> Result<Store, storage::Error> {
    let store = Store::open_with(
        engine,
        timeouts,
        Options { connections: Some(CONNECTIONS), checkpoint_in_background: true, ..Options::default() },
    )?;
    let applied = store.ensure_schema(migrate)?;
    if !applied.is_empty() {
        tracing::info!(migrations = applied.len(), "schema migrated");
    }
    Ok(store)
}
