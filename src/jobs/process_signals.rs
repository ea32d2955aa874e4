//! The signal half of a tick (docs/REFERENCE.md §5): every pending signal, in order of
//! receipt, becomes tasks for the active permits of its person whose ground its rule concerns
//! — or further evidence on an open task of the same cause. Signal tasks are never held back by
//! capacity (they count against it). A signal whose person has no permit stays pending until
//! `unmatched_after`; a tick looks at it again only after a permit import (or after its number
//! was linked to a person), or when it may be given up on, so a day of waiting signals costs an idle tick
//! nothing.
//!
//! Load, decide, write, a [`BATCH`] at a time in order of receipt: a batch is read in a few
//! queries (persons by number, their permits, their open tasks), decided by [`decide`] in
//! memory, and written in a few more, so a daily batch of ten thousand signals costs the same
//! handful of round trips on PostgreSQL as on SQLite, and a month's feed of 700,000 the memory
//! of one batch (it took 1.7 GB when read whole). A batch sees what the batches before it
//! wrote — their tasks, which a later signal of the same cause adds evidence to, and the
//! numbers they linked — so batches decide as one batch of all would, with one exception: a
//! number is stored linked to one person, so where a number is linked to more than one (one
//! holder under two person ids, or a number linked before and again to another), a signal
//! with it in a later batch, as in a later tick, reaches only the person stored last, besides
//! the holders of permits carrying the number. Safe to run twice: a
//! processed signal is never pending again, and its tasks are keyed by (permit, kind, signal id).

use crate::domain::audit::{AuditEvent, AuditKind};
use crate::domain::ids::{PersonId, PnHash, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::signal::{
    decide, unmatched_if_received_by, Decisions, Known, Signal, SignalState, Subject,
};
use crate::domain::task::Evidence;
use crate::storage::signals as store;
use crate::storage::{self, audit, tasks, Tx};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::{BTreeMap, HashMap, HashSet};

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
    pub tasks: BTreeMap<UnitKey, u32>,
    /// Tasks created, by signal kind (the task's cause) and then unit.
    pub tasks_by_kind: BTreeMap<String, BTreeMap<UnitKey, u32>>,
    /// Signals added to an open task as evidence.
    pub attached: u32,
}

/// Processes every pending signal for `today`.
pub fn process_signals(
    tx: &mut Tx,
    policy: &Policy,
    today: NaiveDate,
    now: NaiveDateTime,
) -> storage::Result<SignalReport> {
    let waiting = store::count_pending(tx)?;
    if waiting == 0 {
        return Ok(SignalReport::default());
    }
    let (latest, received_by) = (store::latest_permit_import(tx)?, unmatched_if_received_by(policy, today));
    let (mut report, mut tried, mut after) = (SignalReport::default(), 0_u64, 0_i64);
    let mut linked: Vec<PnHash> = Vec::new();
    loop {
        let pending = store::pending_to_try(tx, latest, received_by, (after, BATCH))?;
        let Some(last) = pending.last() else { break };
        after = last.seq;
        tried += pending.len() as u64;
        let known = load(tx, &pending)?;
        let decisions = decide(policy, &pending, known, today, now);
        linked.extend(decisions.links.iter().map(|(hash, _)| hash.clone()));
        add(&mut report, write(tx, &pending, decisions, now, latest)?);
        if pending.len() < BATCH {
            break;
        }
    }
    // Any waiting signal whose number a batch linked to a person is tried again at the next
    // tick, which reaches its person. Marked after the last batch, not after each: a later
    // batch would otherwise pick up a signal that one batch of all would have left waiting.
    linked.sort();
    linked.dedup();
    store::try_again_with_numbers(tx, &linked.iter().collect::<Vec<_>>())?;
    // Those not tried: waiting for a permit import, as they were at the last tick.
    report.pending = report.pending.saturating_add(count(waiting.saturating_sub(tried) as usize));
    Ok(report)
}

/// Signals decided and written together at most: a day's feed in one batch.
pub const BATCH: usize = 10_000;

/// Adds what a batch did to what the batches before it did.
fn add(report: &mut SignalReport, batch: SignalReport) {
    // Every field by name: a field added to the report and not here does not compile.
    let SignalReport { processed, pending, unmatched, tasks, tasks_by_kind, attached } = batch;
    report.processed = report.processed.saturating_add(processed);
    report.pending = report.pending.saturating_add(pending);
    report.unmatched = report.unmatched.saturating_add(unmatched);
    report.attached = report.attached.saturating_add(attached);
    for (unit, n) in tasks {
        *report.tasks.entry(unit).or_default() += n;
    }
    for (kind, units) in tasks_by_kind {
        let into = report.tasks_by_kind.entry(kind).or_default();
        for (unit, n) in units {
            *into.entry(unit).or_default() += n;
        }
    }
}

/// Reads what the batch reaches: the persons of its numbers, every permit of its persons, and
/// the open tasks of those permits.
fn load(tx: &mut Tx, pending: &[Signal]) -> storage::Result<Known> {
    let mut known = Known::default();
    let hashes: Vec<&PnHash> = pending
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Number(hash) => Some(hash),
            Subject::Person(_) => None,
        })
        .collect();
    for (hash, person) in store::persons_of_numbers(tx, &hashes)? {
        known.persons_by_number.entry(hash).or_default().push(person);
    }
    let mut persons: Vec<PersonId> = pending
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::Person(person) => Some(person.clone()),
            Subject::Number(_) => None,
        })
        .collect();
    persons.extend(known.persons_by_number.values().flatten().cloned());
    persons.sort();
    persons.dedup();
    for person in &persons {
        known.permits_by_person.entry(person.clone()).or_default();
    }
    let refs: Vec<&PersonId> = persons.iter().collect();
    for permit in store::permits_of(tx, &refs)? {
        known.permits_by_person.entry(permit.person.clone()).or_default().push(permit);
    }
    let ids: Vec<_> = known.permits_by_person.values().flatten().map(|p| &p.id).collect();
    for (id, permit, cause) in tasks::open_of_permits(tx, &ids)? {
        known.open_tasks.entry((permit, cause)).or_insert(id);
    }
    Ok(known)
}

/// Writes what the batch decided: links, tasks, evidence, the audit trail and the signals' states.
fn write(
    tx: &mut Tx,
    pending: &[Signal],
    d: Decisions,
    now: NaiveDateTime,
    latest: i64,
) -> storage::Result<SignalReport> {
    let mut report = SignalReport { pending: d.still_pending, ..SignalReport::default() };
    for (hash, person) in &d.links {
        store::link_number(tx, hash, person)?;
    }
    // The signals still waiting were tried against every permit as of the import `latest`.
    let done: HashSet<i64> =
        d.processed.iter().map(|(seq, _)| *seq).chain(d.unmatched.iter().copied()).collect();
    let tried: Vec<i64> = pending.iter().map(|s| s.seq).filter(|seq| !done.contains(seq)).collect();
    store::set_tried(tx, &tried, latest)?;
    let created = tasks::insert(tx, &d.new_tasks)?;
    let id_of = |i: usize| created[i];
    let mut events = Vec::new();
    for (i, task) in d.new_tasks.iter().enumerate() {
        if let Some(id) = id_of(i) {
            events.push(AuditEvent::task_created(task, id));
            *report.tasks.entry(task.unit.clone()).or_default() += 1;
            let kind = report.tasks_by_kind.entry(task.cause.as_str().to_string()).or_default();
            *kind.entry(task.unit.clone()).or_default() += 1;
        }
    }
    for (i, signal) in &d.attached_to_new {
        if let Some(id) = id_of(*i) {
            events.push(AuditEvent::signal_attached(
                d.new_tasks[*i].permit_id.clone(),
                now,
                id,
                signal.as_str(),
            ));
        }
    }
    let mut by_task: BTreeMap<TaskId, Vec<Evidence>> = BTreeMap::new();
    for a in d.attached_to_stored {
        events.push(AuditEvent::signal_attached(a.permit, now, a.task, a.signal.as_str()));
        by_task.entry(a.task).or_default().push(a.evidence);
    }
    for (id, items) in by_task {
        tasks::append_evidence(tx, id, items)?;
    }
    report.attached = count(events.iter().filter(|e| e.kind == AuditKind::SignalAttached).count());
    audit::append(tx, events)?;
    let by_seq: HashMap<i64, &Signal> = pending.iter().map(|s| (s.seq, s)).collect();
    let mut by_outcome: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (seq, outcome) in &d.processed {
        if let Some(s) = by_seq.get(seq) {
            tracing::debug!(signal_id = %s.id, kind = %s.kind, outcome = %outcome, "signal processed");
        }
        by_outcome.entry(outcome).or_default().push(*seq);
    }
    for (outcome, seqs) in &by_outcome {
        store::set_states(tx, seqs, SignalState::Processed, outcome, now)?;
    }
    for s in d.unmatched.iter().filter_map(|seq| by_seq.get(seq)) {
        tracing::warn!(signal_id = %s.id, kind = %s.kind, "signal matched no permit; now unmatched");
    }
    store::set_states(
        tx,
        &d.unmatched,
        SignalState::Unmatched,
        crate::domain::signal::UNMATCHED_OUTCOME,
        now,
    )?;
    report.processed = count(d.processed.len());
    report.unmatched = count(d.unmatched.len());
    Ok(report)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
