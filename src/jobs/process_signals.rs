//! The signal half of a tick (§5): every pending signal, in order of receipt, becomes tasks for
//! the active permits of its person whose ground its rule concerns — or further evidence on an
//! open task of the same cause. Signal tasks are never held back by capacity (they count
//! against it). A signal whose person has no permit stays pending until `unmatched_after`.
//!
//! Safe to run twice: a processed signal is never pending again, and its tasks are keyed by
//! (permit, kind, signal id).

use crate::domain::policy::Policy;
use crate::domain::signal::{evaluate, is_unmatched, PermitFacts, SignalFacts, BIRTH_DATE_CHANGED};
use crate::storage::rows::{NewAuditRow, NewTaskRow};
use crate::storage::signals::{self as store, PermitOfPerson, SignalRow};
use crate::storage::{audit, tasks, AnyConnection};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// What the signal half of a tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SignalReport {
    /// Signals processed.
    pub processed: u32,
    /// Signals still waiting for their person's permit.
    pub pending: u32,
    /// Signals given up as unmatched in this tick.
    pub unmatched: u32,
    /// Tasks created, by unit.
    pub tasks: BTreeMap<String, u32>,
    /// Signals added to an open task as evidence.
    pub attached: u32,
}

/// Processes every pending signal for `today`.
pub fn process_signals(
    c: &mut AnyConnection,
    policy: &Policy,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<SignalReport> {
    let mut report = SignalReport::default();
    for signal in store::pending(c)? {
        let persons = persons_of(c, &signal)?;
        let permits = if persons.is_empty() { Vec::new() } else { store::permits_of(c, &persons)? };
        if permits.is_empty() {
            if is_unmatched(policy, signal.received_on, today) {
                store::set_state(c, signal.seq, "unmatched", now)?;
                tracing::warn!(signal_id = %signal.id, kind = %signal.kind, "signal matched no permit; now unmatched");
                report.unmatched += 1;
            } else {
                report.pending += 1;
            }
            continue;
        }
        if let (BIRTH_DATE_CHANGED, Some(new_hash)) = (signal.kind.as_str(), &signal.new_pn_hash) {
            for person in &persons {
                store::link_number(c, new_hash, person)?;
            }
        }
        for permit in permits.iter().filter(|p| p.status == "active") {
            apply(c, policy, &signal, permit, today, now, &mut report)?;
        }
        store::set_state(c, signal.seq, "processed", now)?;
        report.processed += 1;
    }
    Ok(report)
}

fn persons_of(c: &mut AnyConnection, signal: &SignalRow) -> anyhow::Result<Vec<String>> {
    Ok(match (&signal.person_id, &signal.pn_hash) {
        (Some(person), _) => vec![person.clone()],
        (None, Some(hash)) => store::persons_of_number(c, hash)?,
        (None, None) => Vec::new(),
    })
}

/// Creates the task `signal` asks of `permit`, or attaches it to the open one of its kind.
fn apply(
    c: &mut AnyConnection,
    policy: &Policy,
    signal: &SignalRow,
    permit: &PermitOfPerson,
    today: NaiveDate,
    now: NaiveDateTime,
    report: &mut SignalReport,
) -> anyhow::Result<()> {
    let data: Map<String, Value> = serde_json::from_str(&signal.data).unwrap_or_default();
    let facts = SignalFacts { kind: &signal.kind, occurred_on: signal.occurred_on, data: &data };
    let permit_facts = PermitFacts {
        ground: &permit.ground,
        valid_from: permit.valid_from,
        employer_org_no: permit.employer_org_no.as_deref(),
    };
    let Some(task) = evaluate(policy, &facts, &permit_facts) else { return Ok(()) };
    let evidence = json!({
        "signal": signal.id, "kind": signal.kind, "occurred_on": signal.occurred_on.to_string(),
        "data": Value::Object(data.clone()), "reason": task.reason,
    });
    let event = |event: &str, task_id: i64, detail: String| NewAuditRow {
        permit_id: permit.permit_id.clone(),
        at: now,
        event: event.into(),
        task_id: Some(task_id),
        detail,
    };
    if let Some((open_id, _)) = tasks::open_of_cause(c, &permit.permit_id, &signal.kind)?.first() {
        tasks::append_evidence(c, *open_id, evidence)?;
        audit::append(
            c,
            &[event(
                "signal_attached",
                *open_id,
                format!("signal {} ({}) added to open task {open_id} as evidence", signal.id, signal.kind),
            )],
        )?;
        report.attached += 1;
        return Ok(());
    }
    let Some(rule) = policy.signals.get(&signal.kind) else { return Ok(()) };
    let unit = permit
        .unit
        .clone()
        .or_else(|| policy.grounds.get(&permit.ground).map(|g| g.unit.clone()))
        .unwrap_or_default();
    let row = NewTaskRow {
        permit_id: permit.permit_id.clone(),
        cause: signal.kind.clone(),
        occasion: signal.id.clone(),
        unit: unit.clone(),
        priority: rule.priority.as_str().into(),
        reason: task.reason.clone(),
        legal_basis: rule.legal_basis.clone(),
        evidence: Value::Array(vec![evidence]).to_string(),
        created_on: today,
        created_at: now,
        due_on: task.due_on,
        state: "open".into(),
    };
    for created in tasks::insert(c, &[row])? {
        audit::append(
            c,
            &[event(
                "task_created",
                created.id,
                format!(
                    "task {} created: {} from signal {}, unit {unit}, due {}",
                    created.id, signal.kind, signal.id, task.due_on
                ),
            )],
        )?;
        *report.tasks.entry(unit.clone()).or_default() += 1;
    }
    Ok(())
}
