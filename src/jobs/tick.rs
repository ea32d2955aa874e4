//! `tick`: one scheduling pass for `today` — pending signals first, then periodic reviews
//! (docs/REFERENCE.md §4, §5).
//!
//! Safe to run twice: a permit's stored next review moves past an occasion in the same
//! transaction that creates its task, and `UNIQUE (permit_id, cause, occasion)` refuses a second
//! task for it; a second tick on the same day finds nothing due. Catch-up lives in the query:
//! whatever became due while no tick ran is due now, coalesced into its latest occasion.

use crate::domain::audit::AuditEvent;
use crate::domain::calendar::iso_week_bounds;
use crate::domain::capacity::WeekLedger;
use crate::domain::ids::PermitId;
use crate::domain::policy::Policy;
use crate::domain::task::NewTask;
use crate::domain::tick::{plan_periodic, DueReview, ReviewTask};
use crate::jobs::process_signals::{process_signals, SignalReport};
use crate::jobs::sync_schedules::sync_ground_schedules;
use crate::storage::permits::{self, ReviewUpdate};
use crate::storage::{self, audit, in_pass, signals, tasks, AnyConnection};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// What a tick did, per unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    /// The local date the tick ran for.
    pub today: NaiveDate,
    /// Periodic review tasks created, by unit.
    pub periodic: BTreeMap<String, u32>,
    /// Signal tasks created, by unit.
    pub signal_tasks: BTreeMap<String, u32>,
    /// Periodic tasks deferred by capacity, by unit.
    pub deferred: BTreeMap<String, u32>,
    /// Grounds whose stored review dates were recomputed after a policy change.
    pub rescheduled_grounds: Vec<String>,
    /// What became of pending signals.
    pub signals: SignalReport,
    /// Due permits skipped because their ground is missing from the configuration.
    pub without_policy: u32,
}

impl TickReport {
    /// All tasks created.
    pub fn created(&self) -> u32 {
        self.periodic.values().sum::<u32>() + self.signal_tasks.values().sum::<u32>()
    }
    /// All tasks deferred.
    pub fn deferred_total(&self) -> u32 {
        self.deferred.values().sum()
    }
}

/// Runs one tick for the local date `today` at the instant `now`.
pub fn tick(
    conn: &mut AnyConnection,
    policy: &Policy,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<TickReport> {
    let now = storage::micros(now);
    let (report, moved) = in_pass(conn, "tick", |c| {
        let mut report = TickReport { today, ..TickReport::default() };
        report.rescheduled_grounds = sync_ground_schedules(c, policy)?;
        report.signals = process_signals(c, policy, today, now)?;
        report.signal_tasks = report.signals.tasks.clone();
        let monday = iso_week_bounds(today).0;
        let week = tasks::created_in_weeks(c, monday, monday)?.remove(&monday).unwrap_or_default();
        let mut ledger = WeekLedger::from_counts(week);
        let started = std::time::Instant::now();
        let due = permits::due_for_review(c, today)?;
        tracing::debug!(due = due.len(), seconds = started.elapsed().as_secs_f64(), "due permits read");
        let plan = plan_periodic(policy, today, due.iter().map(DueReview::as_due), &mut ledger);
        create_reviews(c, &plan.create, today, now)?;
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "review tasks written");
        let stale: Vec<ReviewUpdate> = plan
            .reschedule
            .iter()
            .map(|(permit_id, next)| ReviewUpdate {
                permit_id: (*permit_id).clone(),
                covered: None,
                next: *next,
            })
            .collect();
        permits::set_next_reviews(c, &stale)?;
        count_by_unit(&mut report.periodic, &plan.create);
        count_by_unit(&mut report.deferred, &plan.deferred);
        if let Some(first) = plan.without_policy.first() {
            tracing::warn!(permits = plan.without_policy.len(), first = %first, "due permits of grounds missing from the configuration were skipped");
            report.without_policy = u32::try_from(plan.without_policy.len()).unwrap_or(u32::MAX);
        }
        // The daemon logs the tick's one line (with its duration); the job's own is for debugging.
        tracing::debug!(%today, created = report.created(), deferred = report.deferred_total(), "tick pass written");
        // Next reviews moved: one per review task and stale date, every one of a rescheduled ground.
        let moved = if report.rescheduled_grounds.is_empty() {
            (plan.create.len() + plan.reschedule.len()) as u64
        } else {
            u64::MAX
        };
        Ok::<_, anyhow::Error>((report, moved))
    })?;
    // Committed; what follows only keeps the next tick cheap, and a failure there fails nothing.
    if let Err(e) = permits::after_moving_reviews(conn, moved, today) {
        tracing::warn!(error = %e, "the moved reviews' old index entries stay until autovacuum");
    }
    if let Err(e) =
        signals::after_processing(conn, u64::from(report.signals.processed + report.signals.unmatched))
    {
        tracing::warn!(error = %e, "the processed signals' old index entries stay until autovacuum");
    }
    if let Err(e) = tasks::after_creating(conn, u64::from(report.created())) {
        tracing::warn!(error = %e, "the statistics of tasks were not refreshed; autovacuum will later");
    }
    Ok(report)
}

fn count_by_unit(counts: &mut BTreeMap<String, u32>, tasks: &[ReviewTask<&PermitId>]) {
    for t in tasks {
        *counts.entry(t.unit.to_string()).or_default() += 1;
    }
}

/// Review tasks written at once: a catch-up of 200,000 then holds the tasks, rows and audit
/// events of one piece at a time, not of all of them.
const WRITE_CHUNK: usize = 5_000;

/// Inserts review tasks, moves each permit's next review past its occasion, and audits both,
/// a piece at a time.
fn create_reviews(
    c: &mut AnyConnection,
    create: &[ReviewTask<&PermitId>],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    for piece in create.chunks(WRITE_CHUNK) {
        create_piece(c, piece, today, now)?;
    }
    Ok(())
}

fn create_piece(
    c: &mut AnyConnection,
    create: &[ReviewTask<&PermitId>],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let new: Vec<NewTask> = create.iter().map(|t| t.to_new_task(today, now)).collect();
    let started = std::time::Instant::now();
    let created = tasks::insert(c, &new)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "tasks inserted");
    let ids: HashMap<&str, _> = created.iter().map(|t| (t.permit_id.as_str(), t.id)).collect();
    let moved: Vec<ReviewUpdate> = create
        .iter()
        .map(|t| ReviewUpdate { permit_id: (*t.permit_id).clone(), covered: Some(t.occasion), next: t.next })
        .collect();
    permits::set_next_reviews(c, &moved)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "next reviews stored");
    let events: Vec<AuditEvent> = new
        .iter()
        .filter_map(|t| ids.get(t.permit_id.as_str()).map(|id| AuditEvent::task_created(t, *id)))
        .collect();
    audit::append(c, events)?;
    Ok(())
}
