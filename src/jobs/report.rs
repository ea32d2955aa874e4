//! `report`: what the follow-up produced in a period (docs/REFERENCE.md §7) — tasks created
//! and closed, open and overdue at the end, days to close, signals, digests, and what each
//! cause yielded. Counts are
//! storage's (`storage::report`), their meaning the domain's (`domain::report`).
//!
//! Reads only, so it is safe to run any number of times, also against a running daemon.

use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::report::{days_to_close, weeks, Distribution, ReportCounts, Week};
use crate::domain::task::Cause;
use crate::domain::yields::{yields, Yields};
use crate::errors::ErrorKind;
use crate::storage::{self, report as stored, Store};
use chrono::{Days, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// Why a report cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The period ends before it starts.
    #[error("the period {from} to {to} must run forward")]
    Period {
        /// Its first day.
        from: NaiveDate,
        /// Its last day.
        to: NaiveDate,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl ReportError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReportError::Period { .. } => ErrorKind::Invalid,
            ReportError::Store(e) => e.kind(),
        }
    }
}

/// A report on the period `from`..=`to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// What storage counted.
    pub counts: ReportCounts,
    /// Days from creation to closing of the tasks closed in the period: per (unit, cause), and
    /// per unit (cause `None`).
    pub days_to_close: BTreeMap<(String, Option<String>), Distribution>,
    /// Each unit's weeks: tasks created, tasks open at the week's end.
    pub weeks: BTreeMap<String, Vec<Week>>,
    /// What each cause's tasks closed in the period yielded, over all units and per unit.
    pub yields: Yields,
}

/// The report on `from`..=`to`, local dates in `tz`.
pub fn report(
    store: &Store,
    policy: &Policy,
    (from, to): (NaiveDate, NaiveDate),
    tz: Tz,
) -> Result<Report, ReportError> {
    if to < from {
        return Err(ReportError::Period { from, to });
    }
    let sent = (local_midnight(tz, from), local_midnight(tz, to + Days::new(1)));
    let counts = store.read(|tx| stored::counts(tx, (from, to), sent))?;
    let units: Vec<String> = policy.units.keys().map(UnitKey::to_string).collect();
    Ok(Report {
        from,
        to,
        days_to_close: days_to_close(&counts),
        weeks: weeks(&counts, &units, from, to),
        yields: yields(&counts, &causes(policy)),
        counts,
    })
}

/// The causes the configuration knows, each of which the report says the yield of, tasks or
/// none: the periodic review, every signal kind that makes tasks (not a `tasks = false` kind,
/// whose signals are only reports that expectations look for) and every expectation.
fn causes(policy: &Policy) -> Vec<String> {
    let mut causes = vec![Cause::PERIODIC_REVIEW.to_string()];
    causes.extend(policy.signals.iter().filter(|(_, rule)| rule.tasks).map(|(kind, _)| kind.clone()));
    causes.extend(policy.expectations.keys().cloned());
    causes
}

/// The UTC instant at which `day` begins in `tz` (the earliest, should midnight repeat).
fn local_midnight(tz: Tz, day: NaiveDate) -> NaiveDateTime {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight).earliest().map_or(midnight, |t| t.naive_utc())
}
