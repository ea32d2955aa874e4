//! The signal half of a tick (§5): every pending signal, in order of receipt, becomes tasks for
//! the active permits of its person whose ground its rule concerns — or further evidence on an
//! open task of the same cause. Signal tasks are never held back by capacity (they count
//! against it). A signal whose person has no permit stays pending until `unmatched_after`.
//!
//! The batch is read in a few queries (persons by number, their permits, their open tasks),
//! decided in memory in order of receipt, and written in a few more, so a daily batch of ten
//! thousand signals costs the same handful of round trips on PostgreSQL as on SQLite.
//! Safe to run twice: a processed signal is never pending again, and its tasks are keyed by
//! (permit, kind, signal id).

use crate::domain::policy::Policy;
use crate::domain::signal::{evaluate, is_unmatched, PermitFacts, SignalFacts, BIRTH_DATE_CHANGED};
use crate::storage::rows::{NewAuditRow, NewTaskRow};
use crate::storage::signals::{self as store, PermitOfPerson, SignalRow};
use crate::storage::{audit, tasks, AnyConnection};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

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
    let pending = store::pending(c)?;
    if pending.is_empty() {
        return Ok(SignalReport::default());
    }
    let mut world = World::load(c, &pending)?;
    let mut batch = Batch::default();
    for signal in &pending {
        world.process(c, policy, signal, today, &mut batch)?;
    }
    batch.write(c, now)
}

/// Where a (permit, cause) pair's open task is: stored, or created in this batch.
#[derive(Debug, Clone, Copy)]
enum Open {
    Stored(i64),
    New(usize),
}

/// What the batch knows of persons, permits and open tasks, read up front.
#[derive(Default)]
struct World {
    persons_by_hash: HashMap<String, Vec<String>>,
    permits_by_person: HashMap<String, Vec<PermitOfPerson>>,
    open: HashMap<(String, String), Open>,
}

impl World {
    fn load(c: &mut AnyConnection, pending: &[SignalRow]) -> anyhow::Result<World> {
        let mut world = World::default();
        let hashes: Vec<&str> =
            pending.iter().filter(|s| s.person_id.is_none()).filter_map(|s| s.pn_hash.as_deref()).collect();
        for (hash, person) in store::persons_of_numbers(c, &hashes)? {
            world.persons_by_hash.entry(hash).or_default().push(person);
        }
        let mut persons: Vec<String> = pending.iter().filter_map(|s| s.person_id.clone()).collect();
        persons.extend(world.persons_by_hash.values().flatten().cloned());
        persons.sort();
        persons.dedup();
        world.fetch_permits(c, &persons)?;
        Ok(world)
    }

    /// Reads the permits of `persons` and the open tasks of those permits.
    fn fetch_permits(&mut self, c: &mut AnyConnection, persons: &[String]) -> anyhow::Result<()> {
        let refs: Vec<&str> = persons.iter().map(String::as_str).collect();
        let mut ids = Vec::new();
        for person in persons {
            self.permits_by_person.entry(person.clone()).or_default();
        }
        for (person, permit) in store::permits_of(c, &refs)? {
            ids.push(permit.permit_id.clone());
            self.permits_by_person.entry(person).or_default().push(permit);
        }
        let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        for (id, permit, cause) in tasks::open_of_permits(c, &id_refs)? {
            self.open.entry((permit, cause)).or_insert(Open::Stored(id));
        }
        Ok(())
    }

    fn persons_of(&self, signal: &SignalRow) -> Vec<String> {
        match (&signal.person_id, &signal.pn_hash) {
            (Some(person), _) => vec![person.clone()],
            (None, Some(hash)) => self.persons_by_hash.get(hash).cloned().unwrap_or_default(),
            (None, None) => Vec::new(),
        }
    }

    fn process(
        &mut self,
        c: &mut AnyConnection,
        policy: &Policy,
        signal: &SignalRow,
        today: NaiveDate,
        batch: &mut Batch,
    ) -> anyhow::Result<()> {
        let persons = self.persons_of(signal);
        let unknown: Vec<String> =
            persons.iter().filter(|p| !self.permits_by_person.contains_key(*p)).cloned().collect();
        if !unknown.is_empty() {
            self.fetch_permits(c, &unknown)?; // reached through a number linked earlier in this batch
        }
        let permits: Vec<PermitOfPerson> =
            persons.iter().flat_map(|p| self.permits_by_person.get(p).cloned().unwrap_or_default()).collect();
        if permits.is_empty() {
            if is_unmatched(policy, signal.received_on, today) {
                tracing::warn!(signal_id = %signal.id, kind = %signal.kind, "signal matched no permit; now unmatched");
                batch.unmatched.push(signal.seq);
            } else {
                batch.report.pending += 1;
            }
            return Ok(());
        }
        if let (BIRTH_DATE_CHANGED, Some(new_hash)) = (signal.kind.as_str(), &signal.new_pn_hash) {
            // Either number reaches the person from now on, also once the register carries the
            // new one: link the new number, and the old ones the permits hold today.
            let mut hashes: Vec<String> = permits.iter().filter_map(|p| p.pn_hash.clone()).collect();
            hashes.extend(signal.pn_hash.clone());
            hashes.push(new_hash.clone());
            hashes.sort();
            hashes.dedup();
            for person in &persons {
                for hash in &hashes {
                    batch.links.push((hash.clone(), person.clone()));
                    let known = self.persons_by_hash.entry(hash.clone()).or_default();
                    if !known.contains(person) {
                        known.push(person.clone());
                    }
                }
            }
        }
        let data: Map<String, Value> = serde_json::from_str(&signal.data).unwrap_or_default();
        let effects: Vec<Effect> = permits
            .iter()
            .filter(|p| p.status == "active")
            .map(|permit| self.apply(policy, signal, &data, permit, today, batch))
            .collect();
        let outcome = outcome(&effects);
        tracing::debug!(signal_id = %signal.id, kind = %signal.kind, outcome = %outcome, "signal processed");
        batch.processed.entry(outcome).or_default().push(signal.seq);
        Ok(())
    }

    /// Creates the task `signal` asks of `permit`, or attaches it to the open one of its kind.
    fn apply(
        &mut self,
        policy: &Policy,
        signal: &SignalRow,
        data: &Map<String, Value>,
        permit: &PermitOfPerson,
        today: NaiveDate,
        batch: &mut Batch,
    ) -> Effect {
        let facts = SignalFacts { kind: &signal.kind, occurred_on: signal.occurred_on, data };
        let permit_facts = PermitFacts {
            ground: &permit.ground,
            valid_from: permit.valid_from,
            employer_org_no: permit.employer_org_no.as_deref(),
        };
        let Some(rule) = policy.signals.get(&signal.kind) else { return Effect::NoRule };
        if !rule.concerns(&permit.ground) {
            return Effect::NotConcerned;
        }
        let Some(task) = evaluate(policy, &facts, &permit_facts) else { return Effect::RuleSaysNo };
        let evidence = json!({
            "signal": signal.id, "kind": signal.kind, "occurred_on": signal.occurred_on.to_string(),
            "data": Value::Object(data.clone()), "reason": task.reason,
        });
        let key = (permit.permit_id.clone(), signal.kind.clone());
        match self.open.get(&key) {
            Some(target) => {
                batch.attach(*target, &permit.permit_id, &signal.id, evidence);
                Effect::Attached
            }
            None => {
                let unit = permit
                    .unit
                    .clone()
                    .or_else(|| policy.grounds.get(&permit.ground).map(|g| g.unit.clone()))
                    .unwrap_or_default();
                batch.new_tasks.push((
                    NewTaskRow {
                        permit_id: permit.permit_id.clone(),
                        cause: signal.kind.clone(),
                        occasion: signal.id.clone(),
                        unit,
                        priority: rule.priority.as_str().into(),
                        reason: task.reason,
                        legal_basis: rule.legal_basis.clone(),
                        evidence: String::new(),
                        created_on: today,
                        created_at: chrono::NaiveDateTime::default(),
                        due_on: task.due_on,
                        state: "open".into(),
                    },
                    vec![evidence],
                ));
                self.open.insert(key, Open::New(batch.new_tasks.len() - 1));
                Effect::Created
            }
        }
    }
}

/// Everything the batch writes, collected in order of receipt.
#[derive(Default)]
struct Batch {
    report: SignalReport,
    new_tasks: Vec<(NewTaskRow, Vec<Value>)>,
    /// Evidence for stored open tasks: (task, permit, signal, evidence).
    attach_stored: Vec<(i64, String, String, Value)>,
    /// Signals attached to tasks new in this batch: (index, permit, signal).
    attach_new: Vec<(usize, String, String)>,
    links: Vec<(String, String)>,
    /// Processed signals by what came of them.
    processed: BTreeMap<String, Vec<i64>>,
    unmatched: Vec<i64>,
}

/// What a signal did to one permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Created,
    Attached,
    NotConcerned,
    RuleSaysNo,
    NoRule,
}

/// Why a processed signal did or did not make a task, kept with the signal for the auditor.
fn outcome(effects: &[Effect]) -> String {
    let count = |e| effects.iter().filter(|x| **x == e).count();
    let (created, attached) = (count(Effect::Created), count(Effect::Attached));
    if created + attached > 0 {
        return match (created, attached) {
            (c, 0) => format!("{c} task(s) created"),
            (0, a) => format!("added to {a} open task(s) as evidence"),
            (c, a) => format!("{c} task(s) created, added to {a} open task(s) as evidence"),
        };
    }
    if effects.is_empty() {
        "no task: the person has no active permit".into()
    } else if effects.contains(&Effect::NoRule) {
        "no task: no rule for this kind in the configuration".into()
    } else if effects.contains(&Effect::RuleSaysNo) {
        "no task: the rule's conditions are not met (income at or above the threshold, from the permit's employer)".into()
    } else {
        "no task: no active permit of a ground the rule concerns".into()
    }
}

impl Batch {
    fn attach(&mut self, target: Open, permit: &str, signal: &str, evidence: Value) {
        match target {
            Open::Stored(id) => {
                self.attach_stored.push((id, permit.to_string(), signal.to_string(), evidence))
            }
            Open::New(i) => {
                self.new_tasks[i].1.push(evidence);
                self.attach_new.push((i, permit.to_string(), signal.to_string()));
            }
        }
    }

    fn write(mut self, c: &mut AnyConnection, now: NaiveDateTime) -> anyhow::Result<SignalReport> {
        for (hash, person) in &self.links {
            store::link_number(c, hash, person)?;
        }
        let rows: Vec<NewTaskRow> = self
            .new_tasks
            .iter()
            .map(|(row, evidence)| NewTaskRow {
                evidence: Value::Array(evidence.clone()).to_string(),
                created_at: now,
                ..row.clone()
            })
            .collect();
        let created: HashMap<(String, String, String), i64> = tasks::insert(c, rows.clone())?
            .into_iter()
            .map(|t| ((t.permit_id, t.cause, t.occasion), t.id))
            .collect();
        let id_of = |row: &NewTaskRow| {
            created.get(&(row.permit_id.clone(), row.cause.clone(), row.occasion.clone())).copied()
        };
        let event = |permit: &str, event: &str, task: i64, detail: String| NewAuditRow {
            permit_id: permit.to_string(),
            at: now,
            event: event.into(),
            task_id: Some(task),
            detail,
        };
        let mut events = Vec::new();
        for row in &rows {
            if let Some(id) = id_of(row) {
                let detail = format!(
                    "task {id} created: {} from signal {}, unit {}, due {}",
                    row.cause, row.occasion, row.unit, row.due_on
                );
                events.push(event(&row.permit_id, "task_created", id, detail));
                *self.report.tasks.entry(row.unit.clone()).or_default() += 1;
            }
        }
        for (i, permit, signal) in &self.attach_new {
            if let Some(id) = id_of(&rows[*i]) {
                events.push(event(
                    permit,
                    "signal_attached",
                    id,
                    format!("signal {signal} added to open task {id} as evidence"),
                ));
            }
        }
        let mut by_task: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        for (id, permit, signal, evidence) in self.attach_stored.drain(..) {
            events.push(event(
                &permit,
                "signal_attached",
                id,
                format!("signal {signal} added to open task {id} as evidence"),
            ));
            by_task.entry(id).or_default().push(evidence);
        }
        for (id, items) in by_task {
            tasks::append_evidence(c, id, items)?;
        }
        self.report.attached =
            u32::try_from(events.iter().filter(|e| e.event == "signal_attached").count()).unwrap_or(u32::MAX);
        audit::append(c, events)?;
        for (outcome, seqs) in &self.processed {
            store::set_states(c, seqs, "processed", outcome, now)?;
        }
        store::set_states(
            c,
            &self.unmatched,
            "unmatched",
            "no permit for the person within signals.unmatched_after",
            now,
        )?;
        self.report.processed =
            u32::try_from(self.processed.values().map(Vec::len).sum::<usize>()).unwrap_or(u32::MAX);
        self.report.unmatched = u32::try_from(self.unmatched.len()).unwrap_or(u32::MAX);
        Ok(self.report)
    }
}
