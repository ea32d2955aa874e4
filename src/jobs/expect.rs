//! The expectations' step of a tick (docs/REFERENCE.md §13), after the signals and before the
//! periodic reviews: holders who missed the covered periods they were expected to report in
//! get a task, or further evidence on their open one.
//!
//! Load, judge, write, for the holders whose judgement can have changed since the expectation's
//! mark: those who missed a period declared since (one anti-join a period; for the one new
//! latest period of a month's feed, one anti-join of the last `missing_periods` periods and the
//! open tasks' holders, `domain::expectation::search`), those an import brought in or changed
//! since, or every holder when the expectation itself changed. What the anti-joins found
//! missed is not read again: only the other periods the rule looks at are. A report
//! or a link that arrived later only removes misses, so it needs no judging again (a number
//! moved from one person to another can add misses to a holder no import touched: those are
//! judged with the next period covered, docs/REFERENCE.md §13.3); a tick with nothing newer
//! reads one statement and nothing of the register. Safe to run twice
//! and to cut off between pieces: the rule never names a period twice, and the mark moves
//! only after the last piece.

use crate::domain::audit::AuditEvent;
use crate::domain::expectation::{judge, needed, search, Expectation, Label, Named, Period, Search, Verdict};
use crate::domain::ids::{PermitId, PersonId, SignalId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::task::{Cause, Evidence, NewTask, Occasion};
use crate::storage::expectations::{self as store, Among, Holder, Mark};
use crate::storage::{self, audit, tasks, Pass, Stamp, Tx};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the expectations' step did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExpectationReport {
    /// Tasks created, by expectation and then unit.
    pub tasks: BTreeMap<String, BTreeMap<UnitKey, u32>>,
    /// Open tasks that gained missed periods as evidence.
    pub evidence: u32,
    /// Permits judged.
    pub judged: u32,
}

impl ExpectationReport {
    /// Tasks created, by unit.
    pub fn by_unit(&self) -> BTreeMap<UnitKey, u32> {
        let mut out = BTreeMap::new();
        for (unit, n) in self.tasks.values().flatten() {
            *out.entry(unit.clone()).or_default() += n;
        }
        out
    }
}

/// Holders judged in one piece of the pass at most.
const PIECE: usize = 5_000;

/// An expectation with something to judge: the mark it judged up to (`None`: never, or under
/// another fingerprint: every holder is judged) and the mark it is brought up to.
#[derive(Debug, Clone)]
pub struct Due {
    name: String,
    fresh: Option<Mark>,
    now: Mark,
}

/// Which expectations of `policy` have anything to judge: a period declared or a permit
/// import since their mark, or a changed expectation. Read inside the tick's first piece, in
/// one statement when nothing is new; an expectation whose kind has no period declared yet
/// only has its mark brought up to date.
pub fn due(tx: &mut Tx, policy: &Policy) -> storage::Result<Vec<Due>> {
    if policy.expectations.is_empty() {
        return Ok(Vec::new());
    }
    let (marks, (coverage_seq, permit_import, audit_seq)) = store::marks(tx)?;
    let marks: HashMap<String, Mark> = marks.into_iter().collect();
    let mut due = Vec::new();
    for (name, e) in &policy.expectations {
        let now = Mark { fingerprint: e.fingerprint(), coverage_seq, permit_import, audit_seq };
        let fresh = marks.get(name).filter(|m| m.fingerprint == now.fingerprint).cloned();
        if fresh.as_ref().is_some_and(|m| (m.coverage_seq, m.permit_import) == (coverage_seq, permit_import))
        {
            continue;
        }
        due.push((e, Due { name: name.clone(), fresh, now }));
    }
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let covered = store::covered_kinds(tx)?;
    let mut out = Vec::new();
    for (e, d) in due {
        if covered.contains(&e.kind) {
            out.push(d);
        } else {
            store::set_mark(tx, &d.name, &d.now)?;
        }
    }
    Ok(out)
}

/// Judges the expectations [`due`] found.
pub fn judge_expectations(
    pass: &mut Pass,
    policy: &Policy,
    due: Vec<Due>,
) -> Result<ExpectationReport, storage::Error> {
    let mut report = ExpectationReport::default();
    for d in due {
        if let Some(e) = policy.expectations.get(&d.name) {
            judge_one(pass, policy, (&d, e), &mut report)?;
        }
    }
    Ok(report)
}

fn judge_one(
    pass: &mut Pass,
    policy: &Policy,
    (due, e): (&Due, &Expectation),
    report: &mut ExpectationReport,
) -> Result<(), storage::Error> {
    let (name, started) = (due.name.as_str(), std::time::Instant::now());
    let periods = pass.read(|tx| store::periods_of(tx, &e.kind))?;
    let holders: Vec<Candidate> =
        pass.read(|tx| candidates(tx, (name, e), due.fresh.as_ref(), &periods, due.now.permit_import))?;
    tracing::debug!(
        expectation = name,
        holders = holders.len(),
        seconds = started.elapsed().as_secs_f64(),
        "holders to judge read"
    );
    let periods: Vec<Period> = periods.into_iter().map(|(_, p)| p).collect();
    let at = pass.at();
    for piece in holders.chunks(PIECE) {
        let done = pass.write(|tx| judge_piece(tx, policy, (name, e), &periods, piece, at))?;
        merge(report, name, done);
    }
    pass.write(|tx| store::set_mark(tx, name, &due.now))?;
    tracing::debug!(expectation = name, seconds = started.elapsed().as_secs_f64(), "expectation judged");
    Ok(())
}

/// A holder to judge, with the periods it is known to have missed (found by an anti-join).
#[derive(Debug, Clone)]
struct Candidate {
    holder: Holder,
    missed: Vec<Label>,
}

/// The holders whose judgement may have changed since `mark` (every holder without one).
fn candidates(
    tx: &mut Tx,
    (name, e): (&str, &Expectation),
    mark: Option<&Mark>,
    periods: &[(i64, Period)],
    permit_import: i64,
) -> storage::Result<Vec<Candidate>> {
    let unknown = |holder| Candidate { holder, missed: Vec::new() };
    let Some(mark) = mark else {
        return Ok(store::holders(tx, &e.grounds, None)?.into_iter().map(unknown).collect());
    };
    let mut out: Vec<Candidate> = Vec::new();
    let mut found = |holders: Vec<Holder>, window: &[Period]| {
        let labels: Vec<Label> = window.iter().map(|p| p.label.clone()).collect();
        out.extend(holders.into_iter().map(|holder| Candidate { holder, missed: labels.clone() }));
    };
    let in_order: Vec<Period> = periods.iter().map(|(_, p)| p.clone()).collect();
    let new: Vec<&Period> =
        periods.iter().filter(|(seq, _)| *seq > mark.coverage_seq).map(|(_, p)| p).collect();
    let (kind, grounds) = (e.kind.as_str(), e.grounds.as_slice());
    for period in &new {
        let this = std::slice::from_ref(*period);
        match search(e, &in_order, period) {
            // Several new periods at once: each holder who missed one is judged.
            _ if new.len() > 1 => found(store::missed(tx, kind, grounds, this, Among::Everyone)?, this),
            Search::Missed => found(store::missed(tx, kind, grounds, this, Among::Everyone)?, this),
            Search::OpenTasks => {
                found(store::missed(tx, kind, grounds, this, Among::OpenTasksOf(name))?, this)
            }
            Search::Window(window) => {
                found(store::missed(tx, kind, grounds, window, Among::Everyone)?, window);
                found(store::missed(tx, kind, grounds, this, Among::OpenTasksOf(name))?, this);
            }
        }
    }
    if permit_import > mark.permit_import {
        let changed = store::changed(tx, &e.grounds, mark.permit_import, mark.audit_seq)?;
        out.extend(changed.into_iter().map(unknown));
    }
    out.sort_by(|a, b| a.holder.permit.cmp(&b.holder.permit));
    // One candidate a permit, knowing every period any of its finds missed.
    let mut merged: Vec<Candidate> = Vec::with_capacity(out.len());
    for c in out {
        match merged.last_mut() {
            Some(last) if last.holder.permit == c.holder.permit => {
                for l in c.missed {
                    if !last.missed.contains(&l) {
                        last.missed.push(l);
                    }
                }
            }
            _ => merged.push(c),
        }
    }
    Ok(merged)
}

/// Reads what the rule needs of `holders`, judges them and writes the tasks and evidence.
fn judge_piece(
    tx: &mut Tx,
    policy: &Policy,
    (name, e): (&str, &Expectation),
    periods: &[Period],
    candidates: &[Candidate],
    at: Stamp,
) -> storage::Result<ExpectationReport> {
    let mut out = ExpectationReport { judged: candidates.len() as u32, ..ExpectationReport::default() };
    let permits: Vec<&PermitId> = candidates.iter().map(|c| &c.holder.permit).collect();
    let mut named: HashMap<PermitId, (Vec<Label>, Option<TaskId>)> = HashMap::new();
    for t in store::named(tx, name, &permits)? {
        let entry = named.entry(t.permit).or_default();
        entry.0.extend(t.labels);
        if t.open {
            entry.1 = Some(t.id);
        }
    }
    let empty = (Vec::new(), None);
    let view = |h: &Holder| {
        let (labels, open) = named.get(&h.permit).unwrap_or(&empty);
        Named { labels, open: *open }
    };
    // The periods whose reports the rule will read and the anti-joins did not find missed,
    // and the holders it will read them for.
    let mut wanted: Vec<&Period> = Vec::new();
    let mut unknown: Vec<Holder> = Vec::new();
    for c in candidates {
        let mut asks = false;
        for p in needed(e, periods, c.holder.validity, view(&c.holder)) {
            if c.missed.contains(&p.label) {
                continue;
            }
            asks = true;
            if !wanted.iter().any(|w| w.label == p.label) {
                wanted.push(p);
            }
        }
        if asks {
            unknown.push(c.holder.clone());
        }
    }
    let reported = reported(tx, e, &unknown, &wanted)?;
    let holders = candidates.iter().map(|c| &c.holder);
    // The tasks to create, and beside each the periods it names.
    let (mut new_tasks, mut named_periods): (Vec<NewTask>, Vec<Vec<Label>>) = (Vec::new(), Vec::new());
    let mut evidence: Vec<(PermitId, TaskId, Vec<Label>)> = Vec::new();
    for (h, c) in holders.zip(candidates) {
        let verdict = judge(e, periods, h.validity, view(h), |l| {
            !c.missed.contains(l) && reported.contains(&(&h.person, l.clone()))
        });
        match verdict {
            Verdict::Nothing => {}
            Verdict::Task { missed } => match new_task(policy, (name, e), h, periods, &missed, at) {
                Some(task) => {
                    new_tasks.push(task);
                    named_periods.push(missed);
                }
                None => {
                    tracing::warn!(permit = %h.permit, expectation = name, "no task: the permit's ground is missing from the configuration (add it under [grounds])")
                }
            },
            Verdict::Evidence { task, missed } => evidence.push((h.permit.clone(), task, missed)),
        }
    }
    let ids = tasks::insert(tx, &new_tasks)?;
    let mut events = Vec::new();
    for ((task, missed), id) in new_tasks.iter().zip(&named_periods).zip(ids) {
        if let Some(id) = id {
            let labels: Vec<String> = missed.iter().map(Label::to_string).collect();
            events.push(AuditEvent::expectation_task_created(task, id, &e.kind, &labels));
            *out.tasks.entry(name.to_string()).or_default().entry(task.unit.clone()).or_default() += 1;
        }
    }
    for (permit, task, missed) in &evidence {
        let items: Vec<Evidence> = missed.iter().filter_map(|l| missed_evidence(e, periods, l)).collect();
        // A task closed since it was read keeps what it had; the periods count for a new one.
        if store::add_evidence(tx, *task, items)? {
            let labels: Vec<String> = missed.iter().map(Label::to_string).collect();
            events.push(AuditEvent::periods_attached(permit.clone(), at.now, *task, &labels));
            out.evidence += 1;
        }
    }
    audit::append(tx, events)?;
    Ok(out)
}

/// Which (person, period) pairs of `wanted` have a report: by the person's id, or by any
/// number of the person's.
fn reported<'h>(
    tx: &mut Tx,
    e: &Expectation,
    holders: &'h [Holder],
    wanted: &[&Period],
) -> storage::Result<HashSet<(&'h PersonId, Label)>> {
    let mut found = HashSet::new();
    if wanted.is_empty() {
        return Ok(found);
    }
    let mut persons: Vec<&PersonId> = holders.iter().map(|h| &h.person).collect();
    persons.sort();
    persons.dedup();
    let by_id: HashMap<&str, &PersonId> = persons.iter().map(|p| (p.as_str(), *p)).collect();
    let mut by_number: HashMap<String, Vec<&PersonId>> = HashMap::new();
    for (person, hash) in store::numbers_of(tx, &persons)? {
        if let Some(p) = by_id.get(person.as_str()) {
            by_number.entry(hash.as_str().to_string()).or_default().push(p);
        }
    }
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let numbers: Vec<&str> = by_number.keys().map(String::as_str).collect();
    for r in store::reports_of(tx, &e.kind, (&ids, &numbers), wanted)? {
        let whose: Vec<&PersonId> = match (&r.person, &r.pn_hash) {
            (Some(person), _) => by_id.get(person.as_str()).copied().into_iter().collect(),
            (None, Some(hash)) => by_number.get(hash).cloned().unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        for p in wanted.iter().filter(|p| p.reported_by(r.period.as_deref(), r.occurred_on)) {
            for person in &whose {
                found.insert((*person, p.label.clone()));
            }
        }
    }
    Ok(found)
}

/// The evidence of a missed period.
fn missed_evidence(e: &Expectation, periods: &[Period], label: &Label) -> Option<Evidence> {
    let p = periods.iter().find(|p| &p.label == label)?;
    Some(Evidence::Missed { missed: label.to_string(), kind: e.kind.clone(), from: p.from, to: p.to })
}

/// The task of a holder who missed `missed`: occasion the last missed label, due today +
/// `due_within`; `None` when no unit is responsible (its ground left the configuration).
fn new_task(
    policy: &Policy,
    (name, e): (&str, &Expectation),
    h: &Holder,
    periods: &[Period],
    missed: &[Label],
    at: Stamp,
) -> Option<NewTask> {
    let unit = h.unit.clone().or_else(|| policy.grounds.get(&h.ground).map(|g| g.unit.clone()))?;
    let last = missed.last()?;
    let due_on = e.due_within.after(at.today).unwrap_or(NaiveDate::MAX);
    Some(NewTask {
        permit_id: h.permit.clone(),
        cause: Cause::Signal(name.to_string()),
        occasion: Occasion::Signal(SignalId::parse(last.as_str()).ok()?),
        ground: h.ground.clone(),
        unit,
        priority: e.priority,
        reason: format!("{}: {}", e.reason, missed.iter().map(Label::as_str).collect::<Vec<_>>().join(", ")),
        legal_basis: e.legal_basis.clone(),
        evidence: missed.iter().filter_map(|l| missed_evidence(e, periods, l)).collect(),
        created_on: at.today,
        created_at: at.now,
        due_on,
    })
}

fn merge(report: &mut ExpectationReport, name: &str, piece: ExpectationReport) {
    for (unit, n) in piece.tasks.get(name).into_iter().flatten() {
        *report.tasks.entry(name.to_string()).or_default().entry(unit.clone()).or_default() += n;
    }
    report.evidence += piece.evidence;
    report.judged += piece.judged;
}
