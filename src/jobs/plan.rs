//! `plan`: the periodic workload a policy will cause, before it goes live (docs/REFERENCE.md
//! §7). The register is read once into memory ([`storage::forecast::register`]) and daily ticks
//! from `from` to `to` are replayed on it ([`Simulation`]) under the policy in force and,
//! for `--compare`, under a proposed one, exactly as real ticks would run on those days when no
//! signals arrive. With a signal estimate each week first reserves every unit's average weekly
//! signal tasks of recent history, and the figures are then an estimate.
//!
//! Writes nothing, so it is safe to run any number of times, also against a running daemon.

use crate::domain::calendar::iso_week_bounds;
use crate::domain::forecast::{Register, Simulation};
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::workload::{by_week, summary, Summary, UnitWeeks};
use crate::errors::ErrorKind;
use crate::storage::{self, forecast as stored, Store};
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

/// The longest period a forecast covers, in days: ten years.
pub const MAX_DAYS: i64 = 3_653;

/// What to forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanRequest {
    /// The first day simulated.
    pub from: NaiveDate,
    /// The last day simulated.
    pub to: NaiveDate,
    /// Today: the history of signal tasks ends with the week before this day's.
    pub today: NaiveDate,
    /// Reserve the average weekly signal tasks of this many past weeks.
    pub signals_from_history: Option<u32>,
}

/// Why a forecast cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The period ends before it starts, or is longer than [`MAX_DAYS`].
    #[error("the period {from} to {to} must run forward and cover at most {MAX_DAYS} days")]
    Period {
        /// Its first day.
        from: NaiveDate,
        /// Its last day.
        to: NaiveDate,
    },
    /// A signal history of no weeks.
    #[error("the signal history must cover at least one week")]
    NoHistory,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl PlanError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            PlanError::Period { .. } | PlanError::NoHistory => ErrorKind::Invalid,
            PlanError::Store(e) => e.kind(),
        }
    }
}

/// The signal tasks reserved in every week.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalEstimate {
    /// The history read: its first and last day.
    pub history: (NaiveDate, NaiveDate),
    /// Its length in weeks.
    pub weeks: u32,
    /// Each unit's average weekly signal tasks in it.
    pub per_week: BTreeMap<UnitKey, f64>,
    /// What every simulated week reserves: the average, rounded to the nearest task.
    pub reserved: BTreeMap<UnitKey, u32>,
}

/// A forecast under one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Each unit's weeks, every unit of the policy included.
    pub weeks: UnitWeeks,
    /// Each unit's summary.
    pub summaries: BTreeMap<UnitKey, Summary>,
}

/// The forecast under `policy`.
pub fn plan(
    store: &Store,
    policy: &Policy,
    req: PlanRequest,
) -> Result<(Forecast, Option<SignalEstimate>), PlanError> {
    let (register, counts, estimate) = read(store, req)?;
    let reserve = estimate.as_ref().map(|e| e.reserved.clone()).unwrap_or_default();
    Ok((replay(policy, &register, counts, reserve, req), estimate))
}

/// The forecasts under the policy in force and under a proposed one, from one reading of the
/// register.
pub fn compare(
    store: &Store,
    current: &Policy,
    proposed: &Policy,
    req: PlanRequest,
) -> Result<(Forecast, Forecast, Option<SignalEstimate>), PlanError> {
    let (register, counts, estimate) = read(store, req)?;
    let reserve = estimate.as_ref().map(|e| e.reserved.clone()).unwrap_or_default();
    let now = replay(current, &register, counts.clone(), reserve.clone(), req);
    let then = replay(proposed, &register, counts, reserve, req);
    Ok((now, then, estimate))
}

type WeekCounts = BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>>;

fn read(
    store: &Store,
    req: PlanRequest,
) -> Result<(Register, WeekCounts, Option<SignalEstimate>), PlanError> {
    if req.to < req.from || (req.to - req.from).num_days() >= MAX_DAYS {
        return Err(PlanError::Period { from: req.from, to: req.to });
    }
    let estimate = match req.signals_from_history {
        None => None,
        Some(0) => return Err(PlanError::NoHistory),
        Some(weeks) => Some(estimate(store, req.today.min(req.from), weeks)?),
    };
    let started = std::time::Instant::now();
    // One transaction: the register and the week counts as of one moment.
    let (register, counts) = store.read(|tx| {
        let register = stored::register(tx)?;
        Ok::<_, PlanError>((register, stored::created_by_week(tx, req.from, req.to)?))
    })?;
    tracing::debug!(
        permits = register.permits.len(),
        seconds = started.elapsed().as_secs_f64(),
        "register read"
    );
    Ok((register, counts, estimate))
}

/// The average weekly signal tasks per unit over the `weeks` whole ISO weeks before `before`'s.
fn estimate(store: &Store, before: NaiveDate, weeks: u32) -> Result<SignalEstimate, PlanError> {
    let last = iso_week_bounds(before).0 - Days::new(1);
    let first = iso_week_bounds(before).0 - Days::new(7 * u64::from(weeks));
    let totals = store.read(|tx| stored::signal_tasks_by_unit(tx, first, last))?;
    let per_week: BTreeMap<UnitKey, f64> =
        totals.into_iter().map(|(u, n)| (u, n as f64 / f64::from(weeks))).collect();
    let reserved = per_week.iter().map(|(u, avg)| (u.clone(), avg.round() as u32)).collect();
    Ok(SignalEstimate { history: (first, last), weeks, per_week, reserved })
}

/// Replays the days of `req` under `policy`.
fn replay(
    policy: &Policy,
    register: &Register,
    counts: WeekCounts,
    reserve: BTreeMap<UnitKey, u32>,
    req: PlanRequest,
) -> Forecast {
    let started = std::time::Instant::now();
    let mut sim = Simulation::new(policy, register, counts, reserve);
    let days: Vec<(NaiveDate, crate::domain::forecast::Day)> =
        req.from.iter_days().take_while(|d| *d <= req.to).map(|d| (d, sim.tick(d))).collect();
    let units: Vec<UnitKey> = policy.units.keys().cloned().collect();
    let weeks = by_week(&units, days.iter().map(|(d, day)| (*d, day)));
    let summaries = weeks.iter().map(|(u, w)| (u.clone(), summary(w))).collect();
    tracing::debug!(days = days.len(), seconds = started.elapsed().as_secs_f64(), "ticks replayed");
    Forecast { weeks, summaries }
}

/// A unit whose weekly capacity is below its average weekly periodic demand.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityShortfall {
    /// The unit.
    pub unit: UnitKey,
    /// Its weekly capacity.
    pub capacity: u32,
    /// Its average weekly periodic tasks over the next 52 weeks, capacity aside.
    pub demand: f64,
}

/// The units whose capacity cannot keep up: the next 52 weeks from `today` replayed with every
/// capacity lifted, and each unit's average weekly tasks held against its capacity.
pub fn capacity_shortfalls(
    store: &Store,
    policy: &Policy,
    today: NaiveDate,
) -> Result<Vec<CapacityShortfall>, PlanError> {
    let mut unlimited = policy.clone();
    for unit in unlimited.units.values_mut() {
        unit.weekly_capacity = None;
    }
    let req =
        PlanRequest { from: today, to: today + Days::new(52 * 7 - 1), today, signals_from_history: None };
    let register = store.read(stored::register)?;
    let forecast = replay(&unlimited, &register, WeekCounts::new(), BTreeMap::new(), req);
    Ok(policy
        .units
        .iter()
        .filter_map(|(unit, u)| {
            let capacity = u.weekly_capacity?;
            let demand = forecast.summaries.get(unit).map_or(0.0, |s| s.created as f64 / 52.0);
            (f64::from(capacity) < demand).then(|| CapacityShortfall { unit: unit.clone(), capacity, demand })
        })
        .collect())
}
