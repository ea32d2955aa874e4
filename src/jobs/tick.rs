//! `tick`: one scheduling pass for `today` — pending signals first, then periodic reviews.
//!
//! Safe to run twice: a permit's stored next review moves past an occasion in the same
//! transaction that creates its task, and `UNIQUE (permit_id, cause, occasion)` refuses a second
//! task for it; a second tick on the same day finds nothing due. Catch-up lives in the query:
//! whatever became due while no tick ran is due now, coalesced into its latest occasion.

use crate::domain::capacity::{iso_week_bounds, WeekLedger};
use crate::domain::policy::Policy;
use crate::domain::task::PERIODIC_REVIEW;
use crate::domain::tick::{plan_periodic, ReviewTask};
use crate::jobs::process_signals::{process_signals, SignalReport};
use crate::storage::rows::{NewAuditRow, NewTaskRow};
use crate::storage::{self, audit, in_pass, permits, tasks, AnyConnection};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use std::collections::BTreeMap;

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
    in_pass(conn, "tick", |c| {
        let mut report = TickReport { today, ..TickReport::default() };
        report.rescheduled_grounds = permits::sync_ground_schedules(c, policy)?;
        report.signals = process_signals(c, policy, today, now)?;
        report.signal_tasks = report.signals.tasks.clone();
        let (monday, sunday) = iso_week_bounds(today);
        let mut ledger = WeekLedger::from_counts(tasks::created_per_unit(c, monday, sunday)?);
        let started = std::time::Instant::now();
        let due = permits::due_for_review(c, today)?;
        tracing::debug!(due = due.len(), seconds = started.elapsed().as_secs_f64(), "due permits read");
        let plan = plan_periodic(policy, today, due, &mut ledger);
        create_reviews(c, &plan.create, today, now)?;
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "review tasks written");
        let stale: Vec<permits::ReviewUpdate> =
            plan.reschedule.iter().map(|(p, n)| (p.clone(), None, *n)).collect();
        permits::set_next_reviews(c, &stale)?;
        for t in &plan.create {
            *report.periodic.entry(t.unit.clone()).or_default() += 1;
        }
        if !plan.without_policy.is_empty() {
            tracing::warn!(permits = plan.without_policy.len(), first = %plan.without_policy[0], "due permits of grounds missing from the configuration were skipped");
            report.without_policy = u32::try_from(plan.without_policy.len()).unwrap_or(u32::MAX);
        }
        for t in &plan.deferred {
            *report.deferred.entry(t.unit.clone()).or_default() += 1;
        }
        tracing::info!(%today, created = report.created(), deferred = report.deferred_total(), "tick finished");
        Ok(report)
    })
}

/// Inserts review tasks, moves each permit's next review past its occasion, and audits both.
fn create_reviews(
    c: &mut AnyConnection,
    create: &[ReviewTask],
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<()> {
    let rows: Vec<NewTaskRow> = create
        .iter()
        .map(|t| NewTaskRow {
            permit_id: t.permit_id.clone(),
            cause: PERIODIC_REVIEW.into(),
            occasion: t.occasion.to_string(),
            unit: t.unit.clone(),
            priority: t.priority.as_str().into(),
            reason: format!("Periodic review, occasion {}", t.occasion),
            legal_basis: t.legal_basis.clone(),
            evidence: serde_json::json!([{ "occasion": t.occasion.to_string() }]).to_string(),
            created_on: today,
            created_at: now,
            due_on: t.occasion,
            state: "open".into(),
        })
        .collect();
    let started = std::time::Instant::now();
    let created = tasks::insert(c, rows)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "tasks inserted");
    let ids: BTreeMap<&str, i64> = created.iter().map(|t| (t.permit_id.as_str(), t.id)).collect();
    let moved: Vec<permits::ReviewUpdate> =
        create.iter().map(|t| (t.permit_id.clone(), Some(t.occasion), t.next)).collect();
    permits::set_next_reviews(c, &moved)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "next reviews stored");
    let mut events = Vec::with_capacity(create.len());
    for t in create {
        if let Some(id) = ids.get(t.permit_id.as_str()) {
            events.push(NewAuditRow {
                permit_id: t.permit_id.clone(),
                at: now,
                event: "task_created".into(),
                task_id: Some(*id),
                detail: format!(
                    "task {id} created: periodic_review for occasion {}, unit {}, due {}",
                    t.occasion, t.unit, t.occasion
                ),
            });
        }
    }
    audit::append(c, events)?;
    Ok(())
}
