//! `tick`: one scheduling pass for `today` — pending signals first, then expected reports,
//! then periodic reviews (docs/REFERENCE.md §4, §5, §13).
//!
//! The pass commits in pieces, so that it holds back no request for longer than one piece:
//! first the policy's changed review dates and the signals, then the review tasks
//! [`WRITE_CHUNK`] at a time, then the stale review dates. Safe to run twice, and to be cut
//! off between any two pieces: a piece creates its tasks, moves each one's permit's next review
//! past its occasion and audits them in one transaction, and `UNIQUE (permit_id, cause,
//! occasion)` refuses a second task for an occasion; a tick after one cut off finds due exactly
//! the reviews the cut-off one did not reach (capacity counts the tasks its pieces created),
//! and completes them as one whole tick would have. Catch-up lives in the query: whatever
//! became due while no tick ran is due now, coalesced into its latest occasion.

use crate::domain::audit::AuditEvent;
use crate::domain::calendar::iso_week_bounds;
use crate::domain::capacity::WeekLedger;
use crate::domain::ids::PermitId;
use crate::domain::keys::{GroundKey, UnitKey};
use crate::domain::policy::Policy;
use crate::domain::task::NewTask;
use crate::domain::tick::{plan_periodic, DueReview, ReviewTask};
use crate::errors::ErrorKind;
use crate::jobs::expect::{self, ExpectationReport};
use crate::jobs::process_signals::{process_signals, SignalReport};
use crate::jobs::sync_schedules::sync_ground_schedules;
use crate::storage::permits::{self, ReviewUpdate};
use crate::storage::{self, audit, tasks, PassKind, Stamp, Store, Tx};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// What a tick did, per unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    /// The local date the tick ran for.
    pub today: NaiveDate,
    /// Periodic review tasks created, by unit.
    pub periodic: BTreeMap<UnitKey, u32>,
    /// Signal tasks created, by unit.
    pub signal_tasks: BTreeMap<UnitKey, u32>,
    /// Periodic tasks deferred by capacity, by unit.
    pub deferred: BTreeMap<UnitKey, u32>,
    /// Grounds whose stored review dates were recomputed after a policy change.
    pub rescheduled_grounds: Vec<GroundKey>,
    /// What became of pending signals.
    pub signals: SignalReport,
    /// What the expected reports gave (docs/REFERENCE.md §13).
    pub expected: ExpectationReport,
    /// Due permits skipped because their ground is missing from the configuration.
    pub without_policy: u32,
}

impl TickReport {
    /// All tasks created.
    pub fn created(&self) -> u32 {
        self.periodic.values().sum::<u32>()
            + self.signal_tasks.values().sum::<u32>()
            + self.expected.tasks.values().flat_map(|by_unit| by_unit.values()).sum::<u32>()
    }
    /// All tasks deferred.
    pub fn deferred_total(&self) -> u32 {
        self.deferred.values().sum()
    }
}

/// Why a tick failed. Pieces committed before the failure stay; the next tick does the rest.
#[derive(Debug, thiserror::Error)]
pub enum TickError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl TickError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            TickError::Store(e) => e.kind(),
        }
    }
}

/// Runs one tick for the local date `today` at the instant `now`.
pub fn tick(
    store: &Store,
    policy: &Policy,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<TickReport, TickError> {
    store.pass(PassKind::Tick, Stamp::new(now, today), |pass| {
        let at = pass.at();
        let mut report = TickReport { today, ..TickReport::default() };
        let expectations = pass.write(|tx| {
            report.rescheduled_grounds = sync_ground_schedules(tx, policy)?;
            report.signals = process_signals(tx, policy, today, at.now)?;
            Ok::<_, TickError>(expect::due(tx, policy)?)
        })?;
        report.signal_tasks = report.signals.tasks.clone();
        // After the signals (their links and reports count), before the reviews (capacity
        // counts the expectations' tasks, which are never held back).
        report.expected = expect::judge_expectations(pass, policy, expectations)?;
        let started = std::time::Instant::now();
        let monday = iso_week_bounds(today).0;
        let (week, due) = pass.read(|tx| {
            let week = tasks::created_in_weeks(tx, monday, monday)?.remove(&monday).unwrap_or_default();
            Ok::<_, TickError>((week, permits::due_for_review(tx, today)?))
        })?;
        tracing::debug!(due = due.len(), seconds = started.elapsed().as_secs_f64(), "due permits read");
        let mut ledger = WeekLedger::from_counts(week);
        let plan = plan_periodic(policy, today, due.iter().map(DueReview::as_due), &mut ledger);
        for piece in plan.create.chunks(WRITE_CHUNK) {
            pass.write_in_parts(piece, |tx, part| create_piece(tx, part, at))?;
        }
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "review tasks written");
        let stale: Vec<ReviewUpdate> = plan
            .reschedule
            .iter()
            .map(|(permit_id, next)| ReviewUpdate { permit_id: (*permit_id).clone(), covered: None, next: *next })
            .collect();
        if !stale.is_empty() {
            pass.write(|tx| permits::set_next_reviews(tx, &stale))?;
        }
        count_by_unit(&mut report.periodic, &plan.create);
        count_by_unit(&mut report.deferred, &plan.deferred);
        if let Some(first) = plan.without_policy.first() {
            tracing::warn!(permits = plan.without_policy.len(), first = %first, "due permits of grounds missing from the configuration were skipped");
            report.without_policy = u32::try_from(plan.without_policy.len()).unwrap_or(u32::MAX);
        }
        // The daemon logs the tick's one line (with its duration); the job's own is for debugging.
        tracing::debug!(%today, created = report.created(), deferred = report.deferred_total(), "tick pass written");
        Ok(report)
    })
}

fn count_by_unit(counts: &mut BTreeMap<UnitKey, u32>, tasks: &[ReviewTask<&PermitId>]) {
    for t in tasks {
        *counts.entry(t.unit.clone()).or_default() += 1;
    }
}

/// Review tasks written in one piece of the pass at most: a catch-up of 200,000 holds the
/// tasks, rows and audit events of one piece at a time. A piece is cut short, after a part,
/// when a request waits to write (`storage::Pass::write_in_parts`).
pub const WRITE_CHUNK: usize = 5_000;

/// One part of a piece: inserts review tasks, moves each permit's next review past its
/// occasion, and audits the tasks created.
fn create_piece(tx: &mut Tx, create: &[ReviewTask<&PermitId>], at: Stamp) -> Result<(), TickError> {
    let new: Vec<NewTask> = create.iter().map(|t| t.to_new_task(at.today, at.now)).collect();
    let started = std::time::Instant::now();
    let ids = tasks::insert(tx, &new)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "tasks inserted");
    let moved: Vec<ReviewUpdate> = create
        .iter()
        .map(|t| ReviewUpdate { permit_id: (*t.permit_id).clone(), covered: Some(t.occasion), next: t.next })
        .collect();
    permits::set_next_reviews(tx, &moved)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "next reviews stored");
    let events: Vec<AuditEvent> =
        new.iter().zip(ids).filter_map(|(t, id)| id.map(|id| AuditEvent::task_created(t, id))).collect();
    audit::append(tx, events)?;
    Ok(())
}
