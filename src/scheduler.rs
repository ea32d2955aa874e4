//! tokio-cron-scheduler wiring only, and the one place that reads the clock.
//!
//! Two guards around the crate: its `shutdown()` does not wait for a running job, so every job
//! goes through [`PassGate`], which shutdown closes after the running pass; and it fixes a job's
//! UTC offset when the job is created, so a 07:00 Stockholm job would fire at 08:00 after the
//! change to summer time. A watcher that runs every minute in UTC re-creates the jobs whenever
//! the zone's offset differs from the one they were created with.

use crate::app::Daemon;
use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

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

/// The ids of the jobs that follow `schedule.timezone`, with the offset they were created at.
#[derive(Debug, Default)]
struct JobIds {
    ids: Vec<uuid::Uuid>,
    offset: i32,
}

/// The daemon's scheduler: tick and digest jobs in the configured zone, plus the offset watcher.
pub struct Scheduler {
    inner: JobScheduler,
    jobs: Arc<Mutex<JobIds>>,
}

impl Scheduler {
    /// Creates the jobs and starts them.
    pub async fn start(daemon: Arc<Daemon>) -> anyhow::Result<Scheduler> {
        let inner = JobScheduler::new().await?;
        let jobs = Arc::new(Mutex::new(JobIds::default()));
        install(&inner, &daemon, &jobs).await?;
        let (sched, d, j) = (inner.clone(), daemon.clone(), jobs.clone());
        let watcher = Job::new_async("0 * * * * *", move |_, _| {
            let (sched, d, j) = (sched.clone(), d.clone(), j.clone());
            Box::pin(async move {
                let tz = d.settings().await.schedule.timezone;
                let current = offset_seconds(tz, Utc::now());
                if j.lock().await.offset != current {
                    tracing::info!(
                        offset_seconds = current,
                        "UTC offset changed; re-creating scheduled jobs"
                    );
                    if let Err(e) = install(&sched, &d, &j).await {
                        tracing::error!(error = %e, "cannot re-create scheduled jobs");
                    }
                }
            })
        })?;
        inner.add(watcher).await?;
        inner.start().await?;
        Ok(Scheduler { inner, jobs })
    }

    /// Re-creates the tick and digest jobs (after a configuration reload).
    pub async fn reinstall(&self, daemon: &Arc<Daemon>) -> anyhow::Result<()> {
        install(&self.inner, daemon, &self.jobs).await
    }

    /// Stops firing jobs. Running passes are waited for by the daemon's gate, not here.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.inner.shutdown().await {
            tracing::warn!(error = %e, "scheduler shutdown reported an error");
        }
    }
}

/// (Re-)creates the tick and digest jobs with the zone's current offset.
async fn install(
    sched: &JobScheduler,
    daemon: &Arc<Daemon>,
    jobs: &Arc<Mutex<JobIds>>,
) -> anyhow::Result<()> {
    let mut ids = jobs.lock().await;
    for id in ids.ids.drain(..) {
        sched.remove(&id).await?;
    }
    let settings = daemon.settings().await;
    let tz = settings.schedule.timezone;
    let d = daemon.clone();
    let tick = Job::new_async_tz(settings.schedule.tick.as_str(), tz, move |_, _| {
        let d = d.clone();
        Box::pin(async move { d.tick_pass().await })
    })?;
    let d = daemon.clone();
    let digest = Job::new_async_tz(settings.schedule.digest.as_str(), tz, move |_, _| {
        let d = d.clone();
        Box::pin(async move { d.digest_pass().await })
    })?;
    ids.ids.push(sched.add(tick).await?);
    ids.ids.push(sched.add(digest).await?);
    ids.offset = offset_seconds(tz, Utc::now());
    tracing::info!(tick = %settings.schedule.tick, digest = %settings.schedule.digest, timezone = %tz, "schedule installed");
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
