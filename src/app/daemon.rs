//! The daemon's passes, as the schedule runs them: ticks and digest runs. Each kind runs one at
//! a time through its own [`PassGate`], but the two never wait for each other: a digest run
//! does its database steps briefly, each on the store's blocking threads, and waits on the mail
//! server with nothing held, so a silent server holds back no tick. Each pass reads the clock
//! when it starts (`now`, and `today` in `schedule.timezone`) and hands both to its job, which
//! never reads the clock itself. On PostgreSQL a tick first takes its lead (`storage::lead`):
//! when another instance holds it, this one skips the tick; digest runs need no lead, since
//! each digest is claimed by one sender. A pass that fails is logged and the schedule goes on;
//! the next tick heals what it missed. The figures of `/metrics` are recorded here, from the
//! jobs' reports.

use super::database::{Database, FIRST_RETRY_WAIT, MAX_RETRY_WAIT as MAX_DATABASE_WAIT};
use super::record::{self, Outcome};
use super::stop::Stop;
use super::systemd;
use crate::admin::{Health, Metrics};
use crate::domain::calendar::today_in;
use crate::domain::keys::UnitKey;
use crate::domain::signal::SignalState;
use crate::errors::error_line;
use crate::jobs::notify::{self, NotifyOptions, Outbox};
use crate::jobs::tick::{TickError, TickReport};
use crate::mail::Mailer;
use crate::scheduler::PassGate;
use crate::settings::Settings;
use crate::storage::digests;
use crate::storage::gauges::{self, OpenTasks};
use crate::storage::lead::Lead;
use crate::storage::Store;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// The longest wait between retries of a digest the server did not accept.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30 * 60);

/// How often the database is probed between passes while it answers: how soon `/readyz`
/// learns that it went away.
const PROBE_EVERY: Duration = Duration::from_secs(10);

/// The running daemon's shared state.
pub struct Daemon {
    settings: RwLock<Arc<Settings>>,
    mailer: RwLock<Arc<Mailer>>,
    retrying: AtomicBool,
    /// The database and its connection.
    pub db: Database,
    /// Lets one tick run at a time.
    pub ticks: PassGate,
    /// Lets one digest run run at a time.
    pub digests: PassGate,
    /// What `/readyz` reads.
    pub health: Arc<Health>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Set when shutdown begins.
    pub stop: Stop,
}

/// What a tick that ran here did, and the counts after it.
struct TickDone {
    report: TickReport,
    finished: DateTime<Utc>,
    gauges: Result<Counts, String>,
    /// Digests waiting to be sent again (not refused): left by a failed `notify`, a crash, or
    /// an instance that died while sending.
    digests_waiting: bool,
}

/// The counts behind the gauges.
struct Counts {
    open: BTreeMap<UnitKey, OpenTasks>,
    signals: BTreeMap<SignalState, u64>,
    /// Records of the Navet files read, and the signals derived from them by kind.
    navet: (u64, BTreeMap<String, u64>),
}

impl Daemon {
    /// The daemon of `settings`, not connected yet.
    pub fn new(settings: Settings, mailer: Mailer, health: Arc<Health>, metrics: Arc<Metrics>) -> Daemon {
        let db = Database::new(
            settings.database.engine.clone(),
            settings.database.timeouts,
            health.clone(),
            metrics.clone(),
        );
        Daemon {
            settings: RwLock::new(Arc::new(settings)),
            mailer: RwLock::new(Arc::new(mailer)),
            retrying: AtomicBool::new(false),
            db,
            ticks: PassGate::default(),
            digests: PassGate::default(),
            health,
            metrics,
            stop: Stop::default(),
        }
    }

    /// The settings in force.
    pub async fn settings(&self) -> Arc<Settings> {
        self.settings.read().await.clone()
    }

    /// Puts a reloaded configuration and its mailer in force for the passes that follow.
    pub async fn replace(&self, settings: Settings, mailer: Mailer) {
        *self.mailer.write().await = Arc::new(mailer);
        *self.settings.write().await = Arc::new(settings);
    }

    /// One tick, as the schedule runs it: errors are logged, never raised. Digests left pending
    /// by anyone are then retried, so a digest an instance died sending goes out from another.
    pub async fn tick_pass(self: &Arc<Self>) {
        if self.ticks.run(self.tick_once()).await == Some(true) {
            self.retry_digests();
        }
    }

    /// Runs the tick; true when digests wait to be sent again.
    async fn tick_once(&self) -> bool {
        let settings = self.settings().await;
        let started = Instant::now();
        let s = settings.clone();
        let result = self.db.run(move |store| tick_here(store, &s)).await;
        let took = started.elapsed();
        match result {
            Ok(Some(done)) => {
                self.tick_ran(&done, &settings, took);
                done.digests_waiting
            }
            Ok(None) => {
                self.health.tick_done(Utc::now());
                record::tick_outcome(&self.metrics, Outcome::Skipped, took);
                tracing::debug!("tick skipped: another instance is running it");
                false
            }
            Err(e) => {
                record::tick_outcome(&self.metrics, Outcome::Failed, took);
                tracing::error!(error = %error_line(&e), seconds = took.as_secs_f64(), "tick failed; the next tick catches up");
                false
            }
        }
    }

    /// Reports a tick that ran here: readiness, figures, its log line and systemd's status.
    fn tick_ran(&self, done: &TickDone, settings: &Settings, took: Duration) {
        self.health.tick_done(done.finished);
        record::tick_outcome(&self.metrics, Outcome::Ran, took);
        record::tick(&self.metrics, &done.report, done.finished);
        match &done.gauges {
            Ok(counts) => {
                let units: Vec<UnitKey> = settings.policy.units.keys().cloned().collect();
                record::gauges(&self.metrics, &units, &counts.open, &counts.signals);
                record::navet(&self.metrics, counts.navet.0, &counts.navet.1);
            }
            Err(e) => tracing::warn!(error = %e, "cannot count open tasks and signals for the metrics"),
        }
        let r = &done.report;
        tracing::info!(today = %r.today, created = r.created(), deferred = r.deferred_total(),
            signals_processed = r.signals.processed, signals_pending = r.signals.pending,
            seconds = took.as_secs_f64(), "tick finished");
        systemd::status(&format!(
            "running; last tick {}: {} created, {} deferred",
            done.finished.format("%Y-%m-%d %H:%M:%S UTC"),
            r.created(),
            r.deferred_total()
        ));
    }

    /// One digest run, as the schedule runs it; a failed send is retried with back-off until
    /// the server accepts it.
    pub async fn digest_pass(self: &Arc<Self>) {
        if self.digests.run(self.notify_once()).await == Some(true) {
            self.retry_digests();
        }
    }

    /// Sends what is due; true when some digest could not be sent (or another sender holds it).
    /// Each send is broken off when the daemon stops (the digest then stays pending).
    async fn notify_once(&self) -> bool {
        let settings = self.settings().await;
        let mailer = self.mailer.read().await.clone();
        let outbox = Outbox {
            mailer: &mailer,
            from: &settings.mail.from,
            language: settings.mail.language,
            inbox: settings.web.base_url.as_deref(),
        };
        let started = Instant::now();
        let now = Utc::now();
        let today = today_in(now, settings.schedule.timezone);
        let opts = NotifyOptions::default();
        let result = match self.db.store() {
            Ok(store) => {
                notify::notify(&store, &settings.policy, &outbox, opts, today, now, self.stop.wait()).await
            }
            Err(e) => Err(e.into()),
        };
        if result.is_err() {
            self.db.probe().await;
        }
        let took = started.elapsed();
        match result {
            Ok(report) => {
                record::digest_outcome(&self.metrics, Outcome::Ran, took);
                record::digest(&self.metrics, &report, Utc::now());
                tracing::info!(
                    sent = report.sent.len(),
                    failed = report.failed.len(),
                    not_tried = report.not_tried.len(),
                    refused = report.refused.len(),
                    busy = report.busy,
                    seconds = took.as_secs_f64(),
                    "digest run finished"
                );
                // A digest another sender holds (or a crashed send's lease) is retried later too;
                // a refused one waits for a change of configuration.
                !report.failed.is_empty() || !report.not_tried.is_empty() || report.busy > 0
            }
            Err(e) => {
                record::digest_outcome(&self.metrics, Outcome::Failed, took);
                tracing::error!(error = %error_line(&e), seconds = took.as_secs_f64(), "digest run failed");
                true
            }
        }
    }

    /// Probes the database between passes until shutdown: every [`PROBE_EVERY`] while it
    /// answers, with back-off while it does not; when it is back, a tick catches up at once.
    pub async fn watch_database(self: Arc<Self>) {
        let mut backoff = FIRST_RETRY_WAIT;
        loop {
            let down = self.health.database_is_down();
            if !self.stop.sleep(if down { backoff } else { PROBE_EVERY }).await {
                return;
            }
            if self.db.probe().await {
                backoff = FIRST_RETRY_WAIT;
                if down {
                    tracing::info!("the database is back: a tick catches up");
                    self.tick_pass().await;
                }
            } else {
                backoff = if down { (backoff * 2).min(MAX_DATABASE_WAIT) } else { FIRST_RETRY_WAIT }
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
                if !daemon.stop.sleep(wait).await {
                    break;
                }
                match daemon.digests.run(daemon.notify_once()).await {
                    Some(true) => wait = (wait * 2).min(MAX_RETRY_WAIT),
                    _ => break,
                }
            }
            daemon.retrying.store(false, Ordering::SeqCst);
        });
    }
}

/// The tick, if this instance leads it, and the counts after it.
fn tick_here(store: &Store, s: &Settings) -> Result<Option<TickDone>, TickError> {
    let Some(lead) = store.try_lead(Lead::Tick)? else {
        return Ok(None);
    };
    let now = Utc::now();
    let today = today_in(now, s.schedule.timezone);
    let report = crate::jobs::tick::tick(store, &s.policy, today, now)?;
    drop(lead);
    let gauges = store
        .read(|tx| {
            Ok::<_, crate::storage::Error>(Counts {
                open: gauges::open_tasks(tx, today)?,
                signals: gauges::signals_by_state(tx)?,
                navet: crate::storage::navet::figures(tx)?,
            })
        })
        .map_err(|e| error_line(&e));
    let digests_waiting = store.read(digests::pending)?.iter().any(|d| d.refused_under.is_none());
    Ok(Some(TickDone { report, finished: Utc::now(), gauges, digests_waiting }))
}
