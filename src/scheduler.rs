//! tokio-cron-scheduler wiring only: it fires the passes it is given, as `(cron, pass)`
//! schedules in one time zone, and knows nothing of what they do.
//!
//! Two guards around the crate: its `shutdown()` does not wait for a running job, so the
//! daemon runs every pass through a [`PassGate`], which shutdown closes after the running pass;
//! and it fixes a job's UTC offset when the job is created, so a 07:00 Stockholm job would fire
//! at 08:00 after the change to summer time. A watcher that runs every minute in UTC re-creates
//! the jobs whenever the zone's offset differs from the one they were created with.

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

/// A pass the scheduler fires: a function that starts it.
pub type Pass = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// When to fire which pass.
#[derive(Clone)]
pub struct Schedule {
    /// A name for the log, e.g. `tick`.
    pub name: &'static str,
    /// Cron, 6 fields (seconds first), read in the scheduler's time zone.
    pub cron: String,
    /// What to run.
    pub pass: Pass,
}

/// Lets passes run one at a time until it is closed; closing waits for the running pass.
#[derive(Debug, Default)]
pub struct PassGate {
    closed: Mutex<bool>,
}

impl PassGate {
    /// Runs `pass` unless the gate is closed; `None` when it did not run.
    pub async fn run<T, F: std::future::Future<Output = T>>(&self, pass: F) -> Option<T> {
        let closed = self.closed.lock().await;
        if *closed {
            return None;
        }
        let out = pass.await;
        drop(closed);
        Some(out)
    }

    /// Closes the gate once the running pass (if any) has finished.
    pub async fn close(&self) {
        *self.closed.lock().await = true;
    }
}

/// The UTC offset of `tz` at `at`, in seconds.
pub fn offset_seconds(tz: Tz, at: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()
}

/// The schedules in force, the zone they are read in, and the offset their jobs were created at.
struct Installed {
    tz: Tz,
    schedules: Vec<Schedule>,
    ids: Vec<uuid::Uuid>,
    offset: i32,
}

/// The daemon's scheduler: its schedules in their zone, plus the offset watcher.
pub struct Scheduler {
    inner: JobScheduler,
    installed: Arc<Mutex<Installed>>,
}

impl Scheduler {
    /// Creates the jobs of `schedules`, read in `tz`, and starts them.
    pub async fn start(tz: Tz, schedules: Vec<Schedule>) -> anyhow::Result<Scheduler> {
        let inner = JobScheduler::new().await?;
        let installed = Arc::new(Mutex::new(Installed { tz, schedules, ids: Vec::new(), offset: 0 }));
        install(&inner, &mut *installed.lock().await).await?;
        let (sched, watched) = (inner.clone(), installed.clone());
        let watcher = Job::new_async("0 * * * * *", move |_, _| {
            let (sched, watched) = (sched.clone(), watched.clone());
            Box::pin(async move {
                let mut installed = watched.lock().await;
                let current = offset_seconds(installed.tz, Utc::now());
                if installed.offset != current {
                    tracing::info!(
                        offset_seconds = current,
                        "UTC offset changed; re-creating scheduled jobs"
                    );
                    if let Err(e) = install(&sched, &mut installed).await {
                        tracing::error!(error = %e, "cannot re-create scheduled jobs");
                    }
                }
            })
        })?;
        inner.add(watcher).await?;
        inner.start().await?;
        Ok(Scheduler { inner, installed })
    }

    /// Replaces the schedules (after a configuration reload).
    pub async fn reinstall(&self, tz: Tz, schedules: Vec<Schedule>) -> anyhow::Result<()> {
        let mut installed = self.installed.lock().await;
        installed.tz = tz;
        installed.schedules = schedules;
        install(&self.inner, &mut installed).await
    }

    /// Stops firing jobs. Running passes are waited for by the daemon's gate, not here.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.inner.shutdown().await {
            tracing::warn!(error = %e, "scheduler shutdown reported an error");
        }
    }
}

/// (Re-)creates the jobs of the installed schedules with the zone's current offset.
async fn install(sched: &JobScheduler, installed: &mut Installed) -> anyhow::Result<()> {
    for id in installed.ids.drain(..) {
        sched.remove(&id).await?;
    }
    let tz = installed.tz;
    for schedule in &installed.schedules {
        let pass = schedule.pass.clone();
        let job = Job::new_async_tz(schedule.cron.as_str(), tz, move |_, _| pass())?;
        installed.ids.push(sched.add(job).await?);
        tracing::info!(pass = schedule.name, cron = %schedule.cron, timezone = %tz, "scheduled");
    }
    installed.offset = offset_seconds(tz, Utc::now());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stockholm_changes_offset_at_the_end_of_march() {
        let tz = chrono_tz::Europe::Stockholm;
        let before: DateTime<Utc> = "2027-03-28T00:59:00Z".parse().unwrap();
        let after: DateTime<Utc> = "2027-03-28T01:01:00Z".parse().unwrap();
        assert_eq!(offset_seconds(tz, before), 3600);
        assert_eq!(offset_seconds(tz, after), 7200);
    }

    #[tokio::test]
    async fn closing_the_gate_waits_for_the_running_pass_and_refuses_new_ones() {
        let gate = Arc::new(PassGate::default());
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (g, d) = (gate.clone(), done.clone());
        let running = tokio::spawn(async move {
            g.run(async {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                d.store(true, std::sync::atomic::Ordering::SeqCst);
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        gate.close().await;
        assert!(done.load(std::sync::atomic::Ordering::SeqCst), "close returned before the pass finished");
        assert!(running.await.unwrap().is_some());
        assert!(gate.run(async {}).await.is_none());
    }
}
