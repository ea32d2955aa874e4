//! The daemon's figures, recorded from what its passes report (docs/REFERENCE.md §8.6): the
//! jobs return reports, and this turns them into the counters, gauges and histograms of
//! [`crate::admin::metrics`]. Labels are unit keys, causes and states; never a person.

use crate::admin::metrics::*;
use crate::admin::Metrics;
use crate::domain::keys::UnitKey;
use crate::domain::signal::SignalState;
use crate::domain::task::Cause;
use crate::jobs::notify::NotifyReport;
use crate::jobs::tick::TickReport;
use crate::storage::gauges::OpenTasks;
use chrono::{DateTime, Utc};
use metrics::{counter, gauge, histogram};
use std::collections::BTreeMap;
use std::time::Duration;

/// How a scheduled pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It ran here.
    Ran,
    /// Another instance was running it.
    Skipped,
    /// It failed (and was rolled back).
    Failed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ran => "ran",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
        }
    }
}

/// A tick's outcome, and its duration when it ran or failed.
pub fn tick_outcome(m: &Metrics, outcome: Outcome, took: Duration) {
    m.record(|| {
        counter!(TICKS, "outcome" => outcome.label()).increment(1);
        if outcome != Outcome::Skipped {
            histogram!(TICK_DURATION).record(took.as_secs_f64());
        }
    });
}

/// What a tick that ran here created and deferred, and when it finished.
pub fn tick(m: &Metrics, report: &TickReport, finished: DateTime<Utc>) {
    m.record(|| {
        let periodic = Cause::PeriodicReview.as_str().to_string();
        for (unit, n) in &report.periodic {
            counter!(TASKS_CREATED, "unit" => unit.to_string(), "cause" => periodic.clone())
                .increment(u64::from(*n));
        }
        for (kind, units) in &report.signals.tasks_by_kind {
            for (unit, n) in units {
                counter!(TASKS_CREATED, "unit" => unit.to_string(), "cause" => kind.clone())
                    .increment(u64::from(*n));
            }
        }
        for (unit, n) in &report.deferred {
            counter!(TASKS_DEFERRED, "unit" => unit.to_string()).increment(u64::from(*n));
        }
        gauge!(LAST_TICK).set(unix_seconds(finished));
    });
}

/// The open and overdue tasks of every unit (the configured ones at 0 when they have none),
/// and the signals by state.
pub fn gauges(
    m: &Metrics,
    units: &[UnitKey],
    open: &BTreeMap<UnitKey, OpenTasks>,
    signals: &BTreeMap<SignalState, u64>,
) {
    m.record(|| {
        for unit in units.iter().chain(open.keys().filter(|u| !units.contains(u))) {
            let counts = open.get(unit).copied().unwrap_or_default();
            gauge!(TASKS_OPEN, "unit" => unit.to_string()).set(counts.open as f64);
            gauge!(TASKS_OVERDUE, "unit" => unit.to_string()).set(counts.overdue as f64);
        }
        for state in SignalState::ALL {
            let n = signals.get(&state).copied().unwrap_or(0);
            gauge!(SIGNALS, "state" => state.as_str()).set(n as f64);
        }
    });
}

/// What the Navet files read so far gave: their records, and the signals derived by kind.
pub fn navet(m: &Metrics, records: u64, signals: &BTreeMap<String, u64>) {
    m.record(|| {
        gauge!(NAVET_RECORDS).set(records as f64);
        for (kind, n) in signals {
            gauge!(NAVET_SIGNALS, "kind" => kind.clone()).set(*n as f64);
        }
    });
}

/// A digest run's outcome and duration.
pub fn digest_outcome(m: &Metrics, outcome: Outcome, took: Duration) {
    m.record(|| {
        counter!(DIGEST_RUNS, "outcome" => outcome.label()).increment(1);
        if outcome != Outcome::Skipped {
            histogram!(DIGEST_DURATION).record(took.as_secs_f64());
        }
    });
}

/// What a digest run that ran here sent, failed to send and had refused.
pub fn digest(m: &Metrics, report: &NotifyReport, finished: DateTime<Utc>) {
    m.record(|| {
        for (unit, _, _) in &report.sent {
            counter!(DIGESTS_SENT, "unit" => unit.to_string()).increment(1);
        }
        for (unit, _) in &report.failed {
            counter!(DIGESTS_FAILED, "unit" => unit.to_string()).increment(1);
        }
        for (unit, _) in &report.refused {
            counter!(DIGESTS_REFUSED, "unit" => unit.to_string()).increment(1);
        }
        if report.failed.is_empty() && report.refused.is_empty() && report.busy == 0 {
            gauge!(LAST_DIGEST).set(unix_seconds(finished));
        }
    });
}

fn unix_seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_report_becomes_counters_by_unit_and_cause() {
        let m = Metrics::new();
        let mut report = TickReport::default();
        report.periodic.insert("study".into(), 2);
        report.deferred.insert("work".into(), 5);
        report.signals.tasks_by_kind.entry("emigrated".into()).or_default().insert("study".into(), 1);
        tick(&m, &report, "2027-01-10T10:00:00Z".parse().unwrap());
        let open = BTreeMap::from([("study".into(), OpenTasks { open: 3, overdue: 1 })]);
        gauges(&m, &["study".into(), "work".into()], &open, &BTreeMap::new());
        navet(&m, 1_000, &BTreeMap::from([("emigrated".to_string(), 2)]));
        let text = m.render();
        for line in [
            "permit_followup_tasks_created_total{unit=\"study\",cause=\"periodic_review\"} 2",
            "permit_followup_tasks_created_total{unit=\"study\",cause=\"emigrated\"} 1",
            "permit_followup_tasks_deferred_total{unit=\"work\"} 5",
            "permit_followup_tasks_open{unit=\"work\"} 0",
            "permit_followup_tasks_overdue{unit=\"study\"} 1",
            "permit_followup_signals{state=\"pending\"} 0",
            "permit_followup_navet_records_read 1000",
            "permit_followup_navet_signals_derived{kind=\"emigrated\"} 2",
            "permit_followup_last_tick_success_timestamp_seconds 1799575200",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
    }
}
