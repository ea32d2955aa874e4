//! What `/readyz` answers: whether the database answers and the last tick is recent enough.
//! The daemon reports here what happens (the database lost or back, a tick done, the phase it
//! is in); [`Health::ready`] judges it, as a function of that and the time.

use crate::domain::cron::CronSchedule;
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How long after a tick was due the daemon may still be without it and count as ready: a
/// tick over a large register takes minutes, and the next scheduled one catches up.
pub const TICK_GRACE: TimeDelta = TimeDelta::minutes(5);

/// The daemon's health, shared between the daemon (which reports) and the admin endpoint.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Why the database cannot be used, while it cannot.
    database_down: Option<String>,
    /// What the daemon does before it is ready, or `None` once running.
    starting: Option<String>,
    /// Shutting down.
    stopping: bool,
    /// The last tick that finished here, or that another instance was running.
    last_tick: Option<DateTime<Utc>>,
    /// The tick schedule and its zone, to tell when a tick was due.
    tick: Option<(CronSchedule, Tz)>,
    /// Serving the task API only (`serve`): no tick is ever due here.
    without_ticks: bool,
}

impl Health {
    fn state(&self) -> MutexGuard<'_, State> {
        // Every field is written whole; a panic elsewhere leaves nothing half-done here.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The daemon is starting and is doing `what`.
    pub fn starting(&self, what: &str) {
        self.state().starting = Some(what.to_string());
    }

    /// The daemon runs its schedules: the tick schedule `cron` in `tz`.
    pub fn running(&self, cron: CronSchedule, tz: Tz) {
        let mut state = self.state();
        state.starting = None;
        state.tick = Some((cron, tz));
    }

    /// `serve` runs: it serves the task API and runs no passes, so no tick is ever late here.
    pub fn serving_without_ticks(&self) {
        let mut state = self.state();
        state.starting = None;
        state.without_ticks = true;
    }

    /// Whether the daemon is still starting.
    pub fn is_starting(&self) -> bool {
        self.state().starting.is_some()
    }

    /// The daemon is shutting down.
    pub fn stopping(&self) {
        self.state().stopping = true;
    }

    /// The database answers again (or did from the start). Returns true when it had not.
    pub fn database_up(&self) -> bool {
        self.state().database_down.take().is_some()
    }

    /// The database cannot be used, for `reason`. Returns true when it could until now.
    pub fn database_down(&self, reason: &str) -> bool {
        self.state().database_down.replace(reason.to_string()).is_none()
    }

    /// Whether the database is reported unreachable.
    pub fn database_is_down(&self) -> bool {
        self.state().database_down.is_some()
    }

    /// A tick finished at `at` (here, or another instance was running it).
    pub fn tick_done(&self, at: DateTime<Utc>) {
        self.state().last_tick = Some(at);
    }

    /// `Ok` when ready at `now`, else why not.
    pub fn ready(&self, now: DateTime<Utc>) -> Result<(), String> {
        let state = self.state();
        if state.stopping {
            return Err("shutting down".into());
        }
        if let Some(reason) = &state.database_down {
            return Err(format!("database unreachable: {reason}"));
        }
        if let Some(what) = &state.starting {
            return Err(format!("starting: {what}"));
        }
        if state.without_ticks {
            return Ok(());
        }
        let Some(last) = state.last_tick else {
            return Err("no tick has finished yet".into());
        };
        let due = state.tick.as_ref().and_then(|(cron, tz)| cron.next_after(*tz, last));
        match due {
            Some(due) if now > due + TICK_GRACE => Err(format!(
                "no tick since {}; one was due at {}",
                last.format("%Y-%m-%dT%H:%M:%SZ"),
                due.format("%Y-%m-%dT%H:%M:%SZ")
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn serve_is_ready_once_it_serves_and_no_tick_is_ever_late_there() {
        let health = Health::default();
        health.starting("starting the task API");
        assert!(health.ready(utc("2026-01-01T00:00:00Z")).is_err());
        health.serving_without_ticks();
        assert_eq!(health.ready(utc("2026-06-01T00:00:00Z")), Ok(()));
        health.stopping();
        assert!(health.ready(utc("2026-06-01T00:00:00Z")).is_err());
    }

    fn running() -> Health {
        let health = Health::default();
        health.starting("connecting to the database");
        health.running(CronSchedule::parse("0 */15 * * * *").unwrap(), chrono_tz::Europe::Stockholm);
        health
    }

    #[test]
    fn a_daemon_is_ready_once_it_runs_and_has_ticked() {
        let health = Health::default();
        health.starting("catch-up tick");
        assert_eq!(health.ready(utc("2027-01-10T10:00:00Z")), Err("starting: catch-up tick".into()));
        let health = running();
        assert_eq!(health.ready(utc("2027-01-10T10:00:00Z")), Err("no tick has finished yet".into()));
        health.tick_done(utc("2027-01-10T10:00:00Z"));
        assert_eq!(health.ready(utc("2027-01-10T10:01:00Z")), Ok(()));
    }

    #[test]
    fn a_tick_overdue_by_more_than_the_grace_makes_it_unready() {
        let health = running();
        health.tick_done(utc("2027-01-10T10:00:00Z"));
        assert_eq!(health.ready(utc("2027-01-10T10:20:00Z")), Ok(()), "due 10:15, within the grace");
        let e = health.ready(utc("2027-01-10T10:20:01Z")).unwrap_err();
        assert_eq!(e, "no tick since 2027-01-10T10:00:00Z; one was due at 2027-01-10T10:15:00Z");
    }

    #[test]
    fn an_unreachable_database_makes_it_unready_with_the_reason_until_it_is_back() {
        let health = running();
        health.tick_done(utc("2027-01-10T10:00:00Z"));
        assert!(health.database_down("connection refused"));
        assert!(!health.database_down("connection refused"), "already down");
        assert_eq!(
            health.ready(utc("2027-01-10T10:01:00Z")),
            Err("database unreachable: connection refused".into())
        );
        assert!(health.database_up());
        assert!(!health.database_up(), "already up");
        assert_eq!(health.ready(utc("2027-01-10T10:01:00Z")), Ok(()));
        health.stopping();
        assert_eq!(health.ready(utc("2027-01-10T10:01:00Z")), Err("shutting down".into()));
    }
}
