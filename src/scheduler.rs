//! The daemon's clock: it fires the passes it is given, as `(cron, pass)` schedules read in one
//! time zone, and knows nothing of what they do.
//!
//! tokio-cron-scheduler drives one heartbeat a second, in UTC. At each heartbeat every
//! schedule's [`Timer`] decides whether it is due, from the next fire time that
//! [`CronSchedule::next_after`] computes in the zone itself; so a 07:00 digest stays at 07:00
//! across a change of the zone's UTC offset, and a repeated or skipped hour neither loses nor
//! doubles a tick (the crate's own time-zone jobs fix the offset they were created with, which
//! moved 07:00 to 08:00 after the change to summer time). A heartbeat that comes late fires a
//! due schedule once. A schedule whose pass is still running when it is due again skips that
//! turn, so passes never pile up. The heartbeat also calls a hook (the daemon's systemd
//! watchdog): a scheduler that stops beating is noticed and restarted.
//!
//! The crate's `shutdown()` does not wait for a running job, so the daemon runs every pass
//! through a [`PassGate`] of its kind, which shutdown closes after the running pass.

use crate::domain::cron::CronSchedule;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio_cron_scheduler::{Job, JobScheduler};

/// A pass the scheduler fires: a function that starts it.
pub type Pass = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// What the scheduler calls at every heartbeat.
pub type Heartbeat = Arc<dyn Fn() + Send + Sync>;

/// The heartbeat: every second, in UTC.
const HEARTBEAT_CRON: &str = "* * * * * *";

/// When to fire which pass.
#[derive(Clone)]
pub struct Schedule {
    /// A name for the log, e.g. `tick`.
    pub name: &'static str,
    /// When, read in the scheduler's time zone.
    pub cron: CronSchedule,
    /// What to run.
    pub pass: Pass,
}

/// When one schedule fires next: the decision every heartbeat takes.
#[derive(Debug, Clone)]
pub struct Timer {
    cron: CronSchedule,
    next: Option<DateTime<Utc>>,
}

impl Timer {
    /// A timer whose first fire is the schedule's first time after `now`.
    pub fn new(cron: CronSchedule, tz: Tz, now: DateTime<Utc>) -> Timer {
        let next = cron.next_after(tz, now);
        Timer { cron, next }
    }

    /// Whether the schedule is due at `now`. When it is, the next fire moves to the schedule's
    /// first time after `now`: a heartbeat that comes late fires once, never once per time
    /// missed (the passes catch up themselves).
    pub fn poll(&mut self, tz: Tz, now: DateTime<Utc>) -> bool {
        match self.next {
            Some(next) if now >= next => {
                self.next = self.cron.next_after(tz, now);
                true
            }
            _ => false,
        }
    }

    /// The next fire, if the schedule fires again.
    pub fn next(&self) -> Option<DateTime<Utc>> {
        self.next
    }
}

/// Lets passes run one at a time until it is closed; closing waits for the running pass. The
/// daemon has one for each kind of pass, so that passes of one kind never overlap and passes of
/// different kinds never wait for each other.
#[derive(Debug, Default)]
pub struct PassGate {
    lock: tokio::sync::Mutex<()>,
    closed: AtomicBool,
}

impl PassGate {
    /// Runs `pass` unless the gate is closed; `None` when it did not run.
    pub async fn run<T, F: Future<Output = T>>(&self, pass: F) -> Option<T> {
        let _turn = self.lock.lock().await;
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        Some(pass.await)
    }

    /// Closes the gate: passes still waiting for their turn never run, and this returns once
    /// the running pass (if any) has finished. Callers bound the wait.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        drop(self.lock.lock().await);
    }
}

/// One installed schedule: its timer, and whether its pass is running.
struct Entry {
    schedule: Schedule,
    timer: Timer,
    running: Arc<AtomicBool>,
}

/// The schedules in force and the zone they are read in.
#[derive(Default)]
struct Plan {
    tz: Option<Tz>,
    entries: Vec<Entry>,
}

/// The daemon's scheduler: a heartbeat and the schedules it fires.
pub struct Scheduler {
    inner: JobScheduler,
    plan: Arc<Mutex<Plan>>,
}

impl Scheduler {
    /// Starts the heartbeat, with no schedules yet; `hook` runs at every heartbeat.
    pub async fn start(hook: Heartbeat) -> anyhow::Result<Scheduler> {
        let inner = JobScheduler::new().await?;
        let plan = Arc::new(Mutex::new(Plan::default()));
        let beating = plan.clone();
        let heartbeat = Job::new_async(HEARTBEAT_CRON, move |_, _| {
            let (plan, hook) = (beating.clone(), hook.clone());
            Box::pin(async move {
                for (name, pass, running) in due(&plan, Utc::now()) {
                    fire(name, pass, running);
                }
                hook();
            })
        })?;
        inner.add(heartbeat).await?;
        inner.start().await?;
        Ok(Scheduler { inner, plan })
    }

    /// Replaces the schedules (at start, and after a configuration reload). A pass that is
    /// running keeps its schedule's place: the new schedule of that name skips until it ends.
    pub fn install(&self, tz: Tz, schedules: Vec<Schedule>) {
        let now = Utc::now();
        let mut plan = lock(&self.plan);
        let old: Vec<Entry> = std::mem::take(&mut plan.entries);
        for schedule in schedules {
            let running = old
                .iter()
                .find(|e| e.schedule.name == schedule.name)
                .map_or_else(Arc::default, |e| e.running.clone());
            let timer = Timer::new(schedule.cron.clone(), tz, now);
            let next = timer.next().map(|n| n.with_timezone(&tz).to_rfc3339());
            tracing::info!(pass = schedule.name, cron = schedule.cron.as_str(), timezone = %tz, next = next.as_deref().unwrap_or("never"), "scheduled");
            plan.entries.push(Entry { schedule, timer, running });
        }
        plan.tz = Some(tz);
    }

    /// Stops the heartbeat. Running passes are waited for by the daemon's gate, not here.
    pub async fn shutdown(mut self) {
        if let Err(e) = self.inner.shutdown().await {
            tracing::warn!(error = %e, "scheduler shutdown reported an error");
        }
    }
}

fn lock(plan: &Mutex<Plan>) -> std::sync::MutexGuard<'_, Plan> {
    // The plan holds no invariant a panic could break half-way; go on with it.
    plan.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The schedules due at `now`, with their passes.
fn due(plan: &Mutex<Plan>, now: DateTime<Utc>) -> Vec<(&'static str, Pass, Arc<AtomicBool>)> {
    let mut plan = lock(plan);
    let Some(tz) = plan.tz else { return Vec::new() };
    let mut out = Vec::new();
    for e in plan.entries.iter_mut() {
        if e.timer.poll(tz, now) {
            out.push((e.schedule.name, e.schedule.pass.clone(), e.running.clone()));
        }
    }
    out
}

/// Starts `pass` unless its previous run is still going.
fn fire(name: &'static str, pass: Pass, running: Arc<AtomicBool>) {
    if running.swap(true, Ordering::SeqCst) {
        tracing::debug!(pass = name, "still running; this turn is skipped");
        return;
    }
    tokio::spawn(async move {
        // Cleared on drop, so a pass that panics does not block its schedule for good.
        let _clear = Running(running);
        pass().await;
    });
}

/// Clears a schedule's running flag when dropped.
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use chrono_tz::Europe::Stockholm;
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// Heartbeats every `step` from `from` to `to`: the instants at which the timer fired.
    fn simulate(expr: &str, from: &str, to: &str, step: TimeDelta) -> Vec<DateTime<Utc>> {
        let (mut now, to) = (utc(from), utc(to));
        let mut timer = Timer::new(CronSchedule::parse(expr).unwrap(), Stockholm, now);
        let mut fired = Vec::new();
        while now <= to {
            if timer.poll(Stockholm, now) {
                fired.push(now);
            }
            now += step;
        }
        fired
    }

    #[test]
    fn heartbeats_through_the_october_2027_night_fire_each_quarter_once_and_the_digest_at_seven() {
        let second = TimeDelta::seconds(1);
        let ticks = simulate("0 */15 * * * *", "2027-10-30T21:59:59Z", "2027-10-31T07:59:59Z", second);
        assert_eq!(ticks.len(), 40, "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[1] - w[0] == TimeDelta::minutes(15)), "{ticks:?}");
        let digests = simulate("0 0 7 * * *", "2027-10-30T21:59:59Z", "2027-10-31T07:59:59Z", second);
        assert_eq!(digests, vec![utc("2027-10-31T06:00:00Z")]);
    }

    #[test]
    fn heartbeats_through_the_march_2027_night_fire_each_quarter_once_and_the_digest_at_seven() {
        let second = TimeDelta::seconds(1);
        let ticks = simulate("0 */15 * * * *", "2027-03-27T21:59:59Z", "2027-03-28T06:59:59Z", second);
        assert_eq!(ticks.len(), 36, "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[1] - w[0] == TimeDelta::minutes(15)), "{ticks:?}");
        let digests = simulate("0 0 7 * * *", "2027-03-27T21:59:59Z", "2027-03-28T06:59:59Z", second);
        assert_eq!(digests, vec![utc("2027-03-28T05:00:00Z")]);
    }

    #[test]
    fn a_late_heartbeat_fires_a_due_schedule_once_not_once_per_missed_time() {
        let mut timer = Timer::new(
            CronSchedule::parse("0 */15 * * * *").unwrap(),
            Stockholm,
            utc("2027-01-10T09:59:00Z"),
        );
        // The process stood still for an hour: one tick, then the next quarter as usual.
        assert!(timer.poll(Stockholm, utc("2027-01-10T11:01:00Z")));
        assert!(!timer.poll(Stockholm, utc("2027-01-10T11:02:00Z")));
        assert_eq!(timer.next(), Some(utc("2027-01-10T11:15:00Z")));
    }

    #[tokio::test]
    async fn closing_the_gate_waits_for_the_running_pass_and_refuses_the_waiting_ones() {
        let gate = Arc::new(PassGate::default());
        let done = Arc::new(AtomicBool::new(false));
        let (g, d) = (gate.clone(), done.clone());
        let running = tokio::spawn(async move {
            g.run(async {
                tokio::time::sleep(Duration::from_millis(200)).await;
                d.store(true, Ordering::SeqCst);
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let g = gate.clone();
        let waiting = tokio::spawn(async move { g.run(async {}).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.close().await;
        assert!(done.load(Ordering::SeqCst), "close returned before the pass finished");
        assert!(running.await.unwrap().is_some());
        assert!(waiting.await.unwrap().is_none(), "a pass waiting for its turn ran after close");
        assert!(gate.run(async {}).await.is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pass_still_running_skips_its_turn_and_the_heartbeat_calls_the_hook() {
        let beats = Arc::new(AtomicU32::new(0));
        let b = beats.clone();
        let scheduler = Scheduler::start(Arc::new(move || {
            b.fetch_add(1, Ordering::SeqCst);
        }))
        .await
        .unwrap();
        let (runs, overlaps, inside) =
            (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
        let (r, o, i) = (runs.clone(), overlaps.clone(), inside.clone());
        let pass: Pass = Arc::new(move || {
            let (r, o, i) = (r.clone(), o.clone(), i.clone());
            Box::pin(async move {
                if i.swap(true, Ordering::SeqCst) {
                    o.fetch_add(1, Ordering::SeqCst);
                }
                r.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2_500)).await;
                i.store(false, Ordering::SeqCst);
            })
        });
        let every_second = CronSchedule::parse("* * * * * *").unwrap();
        scheduler.install(Stockholm, vec![Schedule { name: "slow", cron: every_second, pass }]);
        tokio::time::sleep(Duration::from_millis(5_500)).await;
        scheduler.shutdown().await;
        let runs = runs.load(Ordering::SeqCst);
        assert!((2..=3).contains(&runs), "a 2.5 s pass on a 1 s schedule ran {runs} times in 5.5 s");
        assert_eq!(overlaps.load(Ordering::SeqCst), 0);
        assert!(beats.load(Ordering::SeqCst) >= 4, "heartbeats: {}", beats.load(Ordering::SeqCst));
    }
}
