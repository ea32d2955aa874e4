//! The daemon's composition root: settings, the database connection, the passes the schedule
//! runs, reload on SIGHUP and an orderly shutdown.
//!
//! Every pass runs on the blocking pool through one connection and one [`PassGate`], so passes
//! of this process never overlap, and the pass lock in storage keeps passes of other processes
//! out. A failing pass is logged and the schedule goes on; the next tick heals what it missed.
//! A pass reads the clock when it starts (`now`, and `today` in `schedule.timezone`) and hands
//! both to its job, which never reads the clock itself.

use crate::domain::calendar::today_in;
use crate::jobs::notify::{NotifyOptions, Outbox};
use crate::mail::Mailer;
use crate::scheduler::{PassGate, Schedule, Scheduler};
use crate::settings::{self, Settings};
use crate::storage::{self, AnyConnection};
use anyhow::Context;
use chrono::Utc;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::RwLock;

/// The longest wait between retries of a digest the server did not accept.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30 * 60);

/// What a reload needs to read the configuration again.
#[derive(Debug, Clone, Default)]
pub struct ConfigSource {
    /// `--config`.
    pub path: Option<PathBuf>,
    /// `--database`.
    pub database: Option<String>,
}

/// The running daemon's shared state.
pub struct Daemon {
    settings: RwLock<Arc<Settings>>,
    mailer: RwLock<Arc<Mailer>>,
    retrying: AtomicBool,
    source: ConfigSource,
    conn: Arc<std::sync::Mutex<Option<AnyConnection>>>,
    gate: PassGate,
}

impl Daemon {
    /// The settings in force.
    pub async fn settings(&self) -> Arc<Settings> {
        self.settings.read().await.clone()
    }

    /// Runs `f` on the blocking pool with the daemon's connection (re-opened after a failure).
    async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut AnyConnection, &Settings) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let settings = self.settings().await;
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| anyhow::anyhow!("connection lock poisoned"))?;
            if guard.is_none() {
                *guard = Some(storage::connect(&settings.database.engine)?);
            }
            let Some(c) = guard.as_mut() else { unreachable!("connected above") };
            let result = f(c, &settings);
            if result.is_err() {
                *guard = None; // the next pass starts from a fresh connection
            }
            result
        })
        .await
        .context("a pass panicked")?
    }

    /// One tick, as the schedule runs it: errors are logged, never raised.
    pub async fn tick_pass(&self) {
        self.gate
            .run(async {
                let result = self
                    .with_conn(|c, s| {
                        let now = Utc::now();
                        crate::jobs::tick::tick(c, &s.policy, today_in(now, s.schedule.timezone), now)
                    })
                    .await;
                if let Err(e) = result {
                    tracing::error!(error = %crate::errors::one_line(&e), "tick failed; the next tick catches up");
                }
            })
            .await;
    }

    /// One digest run, as the schedule runs it; a failed send is retried with backoff until
    /// the server accepts it.
    pub async fn digest_pass(self: &Arc<Self>) {
        if self.gate.run(self.notify_once()).await == Some(true) {
            self.retry_digests();
        }
    }

    /// Sends what is due; true when some digest could not be sent.
    async fn notify_once(&self) -> bool {
        let mailer = self.mailer.read().await.clone();
        let result = self
            .with_conn(move |c, s| {
                let handle = tokio::runtime::Handle::current();
                let send = |m: &Mailer, mail: &crate::mail::OutgoingMail| handle.block_on(m.send(mail));
                let outbox = Outbox { mailer: &mailer, from: &s.mail.from, send: &send };
                let now = Utc::now();
                let today = today_in(now, s.schedule.timezone);
                crate::jobs::notify::notify(c, &s.policy, &outbox, NotifyOptions::default(), today, now)
            })
            .await;
        match result {
            // A digest another sender holds (or a crashed send's lease) is retried later too;
            // a refused one waits for a change of configuration.
            Ok(report) => !report.failed.is_empty() || report.busy > 0,
            Err(e) => {
                tracing::error!(error = %crate::errors::one_line(&e), "digest run failed");
                true
            }
        }
    }

    /// Retries pending digests, waiting `mail.retry_seconds` and doubling up to 30 minutes.
    fn retry_digests(self: &Arc<Self>) {
        if self.retrying.swap(true, Ordering::SeqCst) {
            return;
        }
        let daemon = self.clone();
        tokio::spawn(async move {
            let mut wait = daemon.settings().await.mail.retry;
            loop {
                tracing::info!(seconds = wait.as_secs(), "retrying pending digests later");
                tokio::time::sleep(wait).await;
                match daemon.gate.run(daemon.notify_once()).await {
                    Some(true) => wait = (wait * 2).min(MAX_RETRY_WAIT),
                    _ => break,
                }
            }
            daemon.retrying.store(false, Ordering::SeqCst);
        });
    }

    async fn reload(&self) -> bool {
        match settings::load(self.source.path.as_deref(), self.source.database.as_deref()) {
            Ok(new) => {
                match Mailer::new(&new.mail) {
                    Ok(m) => *self.mailer.write().await = Arc::new(m),
                    Err(e) => {
                        tracing::error!(error = %e, "configuration reload failed; keeping the one in force");
                        return false;
                    }
                }
                *self.settings.write().await = Arc::new(new);
                tracing::info!("configuration reloaded");
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "configuration reload failed; keeping the one in force");
                false
            }
        }
    }
}

/// Runs the daemon until `shutdown` resolves: migrate, catch-up tick, then the schedule.
pub async fn run(
    settings: Settings,
    source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let engine = settings.database.engine.clone();
    let migrate = settings.database.migrate_on_start;
    let conn = tokio::task::spawn_blocking(move || -> anyhow::Result<AnyConnection> {
        let mut c = storage::connect(&engine)?;
        if migrate {
            storage::migrate(&mut c)?;
        } else if storage::needs_migration(&mut c)? {
            anyhow::bail!(
                "the schema of {} is not up to date: run `permit-followup migrate`",
                engine.describe()
            );
        }
        Ok(c)
    })
    .await??;
    let mailer = Mailer::new(&settings.mail)?;
    tracing::info!(mail = %mailer.describe(), "digests go out");
    let tz = settings.schedule.timezone;
    let daemon = Arc::new(Daemon {
        mailer: RwLock::new(Arc::new(mailer)),
        retrying: AtomicBool::new(false),
        settings: RwLock::new(Arc::new(settings)),
        source,
        conn: Arc::new(std::sync::Mutex::new(Some(conn))),
        gate: PassGate::default(),
    });
    tracing::info!("catch-up tick at start");
    daemon.tick_pass().await;
    let scheduler = Scheduler::start(tz, schedules(&daemon).await).await?;
    tracing::info!("permit-followup is running");
    tokio::pin!(shutdown);
    let mut hangup = hangups()?;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = hangup.recv() => {
                if daemon.reload().await {
                    let tz = daemon.settings().await.schedule.timezone;
                    if let Err(e) = scheduler.reinstall(tz, schedules(&daemon).await).await {
                        tracing::error!(error = %e, "cannot re-create the schedule after reload");
                    }
                }
            }
        }
    }
    tracing::info!("shutting down: waiting for the running pass to finish");
    daemon.gate.close().await;
    scheduler.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// The daemon's schedules: ticks on `schedule.tick`, digests on `schedule.digest`.
async fn schedules(daemon: &Arc<Daemon>) -> Vec<Schedule> {
    let settings = daemon.settings().await;
    let (d, t) = (daemon.clone(), daemon.clone());
    vec![
        Schedule {
            name: "tick",
            cron: settings.schedule.tick.clone(),
            pass: Arc::new(move || {
                let d = d.clone();
                Box::pin(async move { d.tick_pass().await })
            }),
        },
        Schedule {
            name: "digest",
            cron: settings.schedule.digest.clone(),
            pass: Arc::new(move || {
                let t = t.clone();
                Box::pin(async move { t.digest_pass().await })
            }),
        },
    ]
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

/// `run` from the command line: a runtime, the signals, the daemon.
pub fn run_blocking(settings: Settings, source: ConfigSource) -> anyhow::Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(settings, source, shutdown_signal()))?;
    Ok(crate::errors::exit::OK)
}
