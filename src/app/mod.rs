//! The daemon's composition root (`run`, docs/REFERENCE.md §7.6): the admin endpoint, the
//! scheduler's heartbeat, the database, the catch-up tick, the schedules, reload on SIGHUP and
//! an orderly, bounded shutdown, told to systemd as it goes.
//!
//! Start: the admin endpoint listens first, so `/readyz` says why the daemon is not ready yet;
//! then the database is opened (PostgreSQL is waited for, with back-off), migrated, and a tick
//! runs at once to catch up; then the schedules start and systemd hears `READY=1`. Shutdown
//! (the future passed in: SIGTERM or SIGINT from `main`, a channel in tests) breaks off every
//! wait the daemon controls (a digest run's mail conversation among them), lets the running
//! tick and digest run finish for at most [`STOP_GRACE`], and returns; a pass still running
//! then is one transaction, which rolls back when the process ends, and a digest it was sending
//! stays pending.

mod daemon;
mod database;
mod record;
mod reload;
mod stop;
mod systemd;
mod web;

pub use daemon::Daemon;

use crate::admin::{AdminState, Health, Metrics};
use crate::domain::cron::CronSchedule;
use crate::mail::Mailer;
use crate::scheduler::{Heartbeat, Schedule, Scheduler};
use crate::settings::Settings;
use anyhow::anyhow;
use reload::AdminEndpoint;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How long shutdown waits for the running passes before it leaves them to roll back. With the
/// endpoint's own stop this bounds SIGTERM to exit at about 15 s (README; `TimeoutStopSec=`
/// leaves room above it).
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// What a reload needs to read the configuration again.
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    /// `--config`.
    pub path: Option<PathBuf>,
    /// `--database`.
    pub database: Option<String>,
}

/// Runs the daemon until `shutdown` resolves: admin endpoint, database, catch-up tick, then
/// the schedules. Errors before the daemon runs (an admin address in use, an SQLite file that
/// cannot be opened, a schema that may not be migrated) are returned.
pub async fn run(
    settings: Settings,
    source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let health = Arc::new(Health::default());
    health.starting("connecting to the database");
    let metrics = Arc::new(Metrics::new());
    let state = AdminState { health: health.clone(), metrics: metrics.clone() };
    let mut admin = AdminEndpoint::start(settings.admin_listen, state).await?;
    let scheduler = Scheduler::start(heartbeat(&health)).await?;
    let mailer = Mailer::new(&settings.mail)?;
    tracing::info!(mail = %mailer.describe(), "digests go out");
    let migrate = settings.database.migrate_on_start;
    let daemon = Arc::new(Daemon::new(settings, mailer, health, metrics));
    let api = web::WebEndpoint::default();
    tokio::pin!(shutdown);
    tokio::select! {
        started = start(&daemon, &scheduler, migrate, &api) => if let Err(e) = started {
            api.stop().await;
            stop(&daemon, scheduler, admin).await;
            return Err(e);
        },
        _ = &mut shutdown => {
            api.stop().await;
            stop(&daemon, scheduler, admin).await;
            return Ok(());
        }
    }
    let mut hangup = hangups()?;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = hangup.recv() => {
                reload::reload(&daemon, &source, &mut admin, &scheduler).await;
                api.reload(&*daemon.settings().await).await;
            }
        }
    }
    api.stop().await;
    stop(&daemon, scheduler, admin).await;
    Ok(())
}

/// Database, the task API, catch-up tick, schedules, `READY=1`.
async fn start(
    daemon: &Arc<Daemon>,
    scheduler: &Scheduler,
    migrate: bool,
    api: &web::WebEndpoint,
) -> anyhow::Result<()> {
    systemd::status("connecting to the database");
    daemon.db.open(migrate).await?;
    let settings = daemon.settings().await;
    api.start(&settings, daemon.opened_store()?, daemon.metrics.clone()).await?;
    daemon.health.starting("catch-up tick");
    systemd::status("catch-up tick");
    tracing::info!("catch-up tick at start");
    // Spawned, so that a shutdown arriving now waits for it (through its gate) like any pass.
    let d = daemon.clone();
    tokio::spawn(async move { d.tick_pass().await })
        .await
        .map_err(|e| anyhow!("the catch-up tick panicked: {e}"))?;
    install(daemon, scheduler, &*daemon.settings().await)?;
    tokio::spawn(daemon.clone().watch_database());
    tracing::info!("permit-followup is running");
    systemd::ready("running; caught up at start");
    Ok(())
}

/// Shutdown: `STOPPING=1`, every wait broken off, the running passes given [`STOP_GRACE`].
async fn stop(daemon: &Daemon, scheduler: Scheduler, admin: AdminEndpoint) {
    tracing::info!("shutting down: waiting for the running pass to finish");
    systemd::stopping();
    daemon.health.stopping();
    daemon.stop.set();
    scheduler.shutdown().await;
    let closed = async { tokio::join!(daemon.ticks.close(), daemon.digests.close()) };
    if tokio::time::timeout(STOP_GRACE, closed).await.is_err() {
        tracing::warn!(
            seconds = STOP_GRACE.as_secs(),
            "the running pass did not finish in time; it is left to roll back"
        );
    }
    admin.stop().await;
    tracing::info!("stopped");
}

/// Puts the schedules of `settings` in force (at start, and after a reload).
fn install(daemon: &Arc<Daemon>, scheduler: &Scheduler, settings: &Settings) -> anyhow::Result<()> {
    let tz = settings.schedule.timezone;
    let tick = CronSchedule::parse(&settings.schedule.tick).map_err(|e| anyhow!("schedule.tick: {e}"))?;
    let digest =
        CronSchedule::parse(&settings.schedule.digest).map_err(|e| anyhow!("schedule.digest: {e}"))?;
    let (d, t) = (daemon.clone(), daemon.clone());
    let schedules = vec![
        Schedule {
            name: "tick",
            cron: tick.clone(),
            pass: Arc::new(move || {
                let d = d.clone();
                Box::pin(async move { d.tick_pass().await })
            }),
        },
        Schedule {
            name: "digest",
            cron: digest,
            pass: Arc::new(move || {
                let t = t.clone();
                Box::pin(async move { t.digest_pass().await })
            }),
        },
    ];
    scheduler.install(tz, schedules);
    daemon.health.running(tick, tz);
    Ok(())
}

/// What every heartbeat tells systemd: alive (the watchdog), and still starting.
fn heartbeat(health: &Arc<Health>) -> Heartbeat {
    let (health, watchdog) = (health.clone(), systemd::watchdog_enabled());
    Arc::new(move || {
        if health.is_starting() {
            systemd::extend_start();
        }
        if watchdog {
            systemd::watchdog();
        }
    })
}

#[cfg(unix)]
fn hangups() -> anyhow::Result<tokio::signal::unix::Signal> {
    Ok(tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = int.recv() => tracing::info!("SIGINT received"),
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `serve` from the command line: the task API alone, no passes.
pub fn serve_blocking(
    settings: Settings,
    source: ConfigSource,
    store: crate::storage::Store,
) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(web::serve(settings, source, store, shutdown_signal()));
    runtime.shutdown_timeout(Duration::from_millis(500));
    result?;
    Ok(crate::errors::exit::OK)
}

/// `run` from the command line: a runtime, the signals, the daemon. A pass left running at
/// shutdown is not waited for here either: the process ends and its transaction rolls back.
pub fn run_blocking(settings: Settings, source: ConfigSource) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(run(settings, source, shutdown_signal()));
    runtime.shutdown_timeout(Duration::from_millis(500));
    result?;
    Ok(crate::errors::exit::OK)
}
