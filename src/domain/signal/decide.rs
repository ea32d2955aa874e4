//! A batch of pending signals, decided in order of receipt: which permits each reaches, a new
//! task or evidence on an open one, the links a number replacement makes, and the outcome the
//! auditor reads. A pure function of the policy, the batch, what storage read up front
//! ([`Known`]) and `today`; the tick's job loads, calls [`decide`] and writes.

use super::rules::{evaluate, is_unmatched};
use super::{links_numbers, Signal, Subject};
use crate::domain::ids::{PermitId, PersonId, PnHash, SignalId, TaskId};
use crate::domain::permit::Permit;
use crate::domain::policy::Policy;
use crate::domain::task::{Cause, Evidence, NewTask, Occasion};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::HashMap;

/// The outcome of a signal given up on.
pub const UNMATCHED_OUTCOME: &str = "no permit for the person within signals.unmatched_after";

/// What storage read for a batch before deciding it.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// The persons each personal-number hash of the batch reaches: holders of permits with
    /// that number, and persons the number was linked to by an earlier replacement.
    pub persons_by_number: HashMap<PnHash, Vec<PersonId>>,
    /// Every permit of every person the batch reaches, with an entry (maybe empty) for each
    /// such person.
    pub permits_by_person: HashMap<PersonId, Vec<Permit>>,
    /// The oldest open task of each (permit, cause) of those permits.
    pub open_tasks: HashMap<(PermitId, Cause), TaskId>,
}

impl Known {
    /// The persons `signal` reaches.
    fn persons_of(&self, signal: &Signal) -> Vec<PersonId> {
        match &signal.subject {
            Subject::Person(person) => vec![person.clone()],
            Subject::Number(hash) => self.persons_by_number.get(hash).cloned().unwrap_or_default(),
        }
    }
}

/// A signal that becomes evidence of a task already stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// The open task.
    pub task: TaskId,
    /// Its permit.
    pub permit: PermitId,
    /// The signal.
    pub signal: SignalId,
    /// What is added to the task's evidence.
    pub evidence: Evidence,
}

/// What a batch decides, in order of receipt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    /// Numbers to link to persons (hash, person): either number reaches the person from now on.
    pub links: Vec<(PnHash, PersonId)>,
    /// Tasks to create, each with all its evidence from this batch.
    pub new_tasks: Vec<NewTask>,
    /// Signals that became evidence of a task created in this batch: (index in `new_tasks`,
    /// signal), for the audit trail.
    pub attached_to_new: Vec<(usize, SignalId)>,
    /// Signals that become evidence of stored open tasks.
    pub attached_to_stored: Vec<Attachment>,
    /// Signals processed, by `seq`, with what came of them.
    pub processed: Vec<(i64, String)>,
    /// Signals given up on as unmatched, by `seq`.
    pub unmatched: Vec<i64>,
    /// Signals that still wait for their person's permit.
    pub still_pending: u32,
}

/// Where a (permit, cause)'s open task is: stored, or created in this batch.
#[derive(Debug, Clone, Copy)]
enum Open {
    Stored(TaskId),
    New(usize),
}

/// What a signal did to one permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Created,
    Attached,
    NotConcerned,
    RuleSaysNo,
    NoRule,
    NoUnit,
    /// The kind makes no task of its own (`tasks = false`): a report for expectations.
    ReportOnly,
}

/// Decides every pending signal, in order of receipt (`pending` is in that order).
///
/// For each active permit of the signal's persons whose ground its rule concerns, a task is
/// created — unless the permit already has an open task of the same cause, stored or created
/// earlier in the batch: the signal is then evidence on it. A signal whose persons have no
/// permit waits, and is given up on after `unmatched_after`. A `birth_date_changed` or
/// `personal_number_replaced` signal with a new number links the new number (and the old ones) to its persons, so later signals of the
/// batch with either number reach them. Such links only ever reach persons the batch already
/// reached, so `known` needs no reading beyond what the batch names.
pub fn decide(
    policy: &Policy,
    pending: &[Signal],
    known: Known,
    today: NaiveDate,
    at: NaiveDateTime,
) -> Decisions {
    let open = known.open_tasks.iter().map(|(key, id)| (key.clone(), Open::Stored(*id))).collect();
    let mut batch = Batch { policy, known, open, out: Decisions::default(), today, at };
    for signal in pending {
        batch.one(signal);
    }
    batch.out
}

struct Batch<'p> {
    policy: &'p Policy,
    known: Known,
    open: HashMap<(PermitId, Cause), Open>,
    out: Decisions,
    today: NaiveDate,
    at: NaiveDateTime,
}

impl Batch<'_> {
    fn one(&mut self, signal: &Signal) {
        let persons = self.known.persons_of(signal);
        let permits: Vec<Permit> = persons
            .iter()
            .flat_map(|p| self.known.permits_by_person.get(p).cloned().unwrap_or_default())
            .collect();
        if permits.is_empty() {
            if is_unmatched(self.policy, signal.received_on, self.today) {
                self.out.unmatched.push(signal.seq);
            } else {
                self.out.still_pending += 1;
            }
            return;
        }
        if let Some(new_hash) = signal.new_pn_hash.as_ref().filter(|_| links_numbers(&signal.kind)) {
            self.link(signal, new_hash, &persons, &permits);
        }
        let effects: Vec<Effect> = permits
            .iter()
            .filter(|p| p.status.is_active())
            .map(|permit| self.apply(signal, permit))
            .collect();
        self.out.processed.push((signal.seq, outcome(&effects)));
    }

    /// Either number reaches the persons from now on, also once the register carries the new
    /// one: links the new number, the signal's and the ones the permits hold today.
    fn link(&mut self, signal: &Signal, new_hash: &PnHash, persons: &[PersonId], permits: &[Permit]) {
        let mut hashes: Vec<PnHash> = permits.iter().filter_map(|p| p.pn_hash.clone()).collect();
        if let Subject::Number(old) = &signal.subject {
            hashes.push(old.clone());
        }
        hashes.push(new_hash.clone());
        hashes.sort();
        hashes.dedup();
        for person in persons {
            for hash in &hashes {
                self.out.links.push((hash.clone(), person.clone()));
                let reached = self.known.persons_by_number.entry(hash.clone()).or_default();
                if !reached.contains(person) {
                    reached.push(person.clone());
                }
            }
        }
    }

    /// Creates the task `signal` asks of `permit`, or attaches it to the open one of its cause.
    fn apply(&mut self, signal: &Signal, permit: &Permit) -> Effect {
        let Some(rule) = self.policy.signals.get(&signal.kind) else { return Effect::NoRule };
        if !rule.tasks {
            return Effect::ReportOnly;
        }
        if !rule.concerns(&permit.ground) {
            return Effect::NotConcerned;
        }
        let Some(task) = evaluate(self.policy, signal, permit) else { return Effect::RuleSaysNo };
        let evidence = Evidence::Signal {
            data: signal.data.clone(),
            kind: signal.kind.clone(),
            occurred_on: signal.occurred_on,
            reason: task.reason.clone(),
            signal: signal.id.to_string(),
        };
        let key = (permit.id.clone(), Cause::Signal(signal.kind.clone()));
        match self.open.get(&key) {
            Some(Open::Stored(id)) => {
                self.out.attached_to_stored.push(Attachment {
                    task: *id,
                    permit: permit.id.clone(),
                    signal: signal.id.clone(),
                    evidence,
                });
                Effect::Attached
            }
            Some(Open::New(i)) => {
                self.out.new_tasks[*i].evidence.push(evidence);
                self.out.attached_to_new.push((*i, signal.id.clone()));
                Effect::Attached
            }
            None => {
                let unit = permit
                    .unit
                    .clone()
                    .or_else(|| self.policy.grounds.get(&permit.ground).map(|g| g.unit.clone()));
                let Some(unit) = unit else { return Effect::NoUnit };
                self.out.new_tasks.push(NewTask {
                    permit_id: permit.id.clone(),
                    cause: key.1.clone(),
                    occasion: Occasion::Signal(signal.id.clone()),
                    ground: permit.ground.clone(),
                    unit,
                    priority: rule.priority,
                    reason: task.reason,
                    legal_basis: rule.legal_basis.clone(),
                    evidence: vec![evidence],
                    created_on: self.today,
                    created_at: self.at,
                    due_on: task.due_on,
                });
                self.open.insert(key, Open::New(self.out.new_tasks.len() - 1));
                Effect::Created
            }
        }
    }
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
    } else if effects.contains(&Effect::ReportOnly) {
        "no task: a report of a kind that makes none of its own (tasks = false), kept for expectations".into()
    } else if effects.contains(&Effect::NoRule) {
        "no task: no rule for this kind in the configuration".into()
    } else if effects.contains(&Effect::NoUnit) {
        "no task: the permit's ground is missing from the configuration (add it under [grounds])".into()
    } else if effects.contains(&Effect::RuleSaysNo) {
        "no task: the rule's conditions are not met (income at or above the threshold, from the permit's employer)".into()
    } else {
        "no task: no active permit of a ground the rule concerns".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::PermitStatus;
    use crate::domain::signal::test_support::{d, permit, policy, signal};
    use crate::domain::signal::{BIRTH_DATE_CHANGED, INCOME_REPORTED};
    use serde_json::{json, Map, Value};

    fn at() -> NaiveDateTime {
        d("2026-11-20").and_hms_opt(9, 0, 0).unwrap()
    }

    fn income(amount: f64) -> Map<String, Value> {
        json!({"amount_sek": amount, "employer_org_no": "5560000001", "period": "2026-10"})
            .as_object()
            .unwrap()
            .clone()
    }

    fn known(permits: Vec<Permit>) -> Known {
        let mut k = Known::default();
        for p in permits {
            k.permits_by_person.entry(p.person.clone()).or_default().push(p);
        }
        k
    }

    fn person(s: &str) -> PersonId {
        PersonId::parse(s).unwrap()
    }

    #[test]
    fn three_low_incomes_make_one_task_with_three_pieces_of_evidence() {
        let work = permit("W-1", "P-1", "work", "2025-01-01", Some("5560000001"));
        let batch: Vec<Signal> =
            (1..=3).map(|i| signal(i, INCOME_REPORTED, "P-1", "2026-11-01", income(24350.0))).collect();
        let out = decide(&policy(true), &batch, known(vec![work]), d("2026-11-20"), at());
        assert_eq!(out.new_tasks.len(), 1);
        let task = &out.new_tasks[0];
        assert_eq!(task.reason, "Income: 24350 SEK reported for 2026-10, below the threshold of 28480 SEK");
        assert_eq!(
            (task.unit.as_str(), task.due_on, task.created_on),
            ("work", d("2026-12-01"), d("2026-11-20"))
        );
        assert_eq!(task.occasion, Occasion::Signal(SignalId::parse("sig-1").unwrap()));
        assert_eq!(task.evidence.len(), 3);
        assert_eq!(out.attached_to_new.len(), 2);
        let outcomes: Vec<&str> = out.processed.iter().map(|(_, o)| o.as_str()).collect();
        assert_eq!(
            outcomes,
            [
                "1 task(s) created",
                "added to 1 open task(s) as evidence",
                "added to 1 open task(s) as evidence"
            ]
        );
    }

    #[test]
    fn a_signal_for_a_permit_with_a_stored_open_task_of_its_kind_becomes_its_evidence() {
        let work = permit("W-1", "P-1", "work", "2025-01-01", Some("5560000001"));
        let mut k = known(vec![work]);
        k.open_tasks
            .insert((PermitId::parse("W-1").unwrap(), Cause::Signal(INCOME_REPORTED.into())), TaskId(7));
        let batch = [signal(1, INCOME_REPORTED, "P-1", "2026-11-01", income(100.0))];
        let out = decide(&policy(true), &batch, k, d("2026-11-20"), at());
        assert!(out.new_tasks.is_empty());
        assert_eq!(out.attached_to_stored.len(), 1);
        assert_eq!(out.attached_to_stored[0].task, TaskId(7));
    }

    #[test]
    fn the_income_threshold_is_the_one_in_force_when_the_permit_was_granted() {
        // Granted 2024-01-01: 27,360 applies, so 28,000 makes no task; granted 2024-06-01: 28,480.
        let early = permit("W-1", "P-1", "work", "2024-01-01", Some("5560000001"));
        let late = permit("W-2", "P-1", "work", "2024-06-01", Some("5560000001"));
        let batch = [signal(1, INCOME_REPORTED, "P-1", "2026-11-01", income(28000.0))];
        let out = decide(&policy(true), &batch, known(vec![early, late]), d("2026-11-20"), at());
        let ids: Vec<&str> = out.new_tasks.iter().map(|t| t.permit_id.as_str()).collect();
        assert_eq!(ids, ["W-2"]);
        let at_threshold = [signal(2, INCOME_REPORTED, "P-2", "2026-11-01", income(28480.0))];
        let p2 = permit("W-3", "P-2", "work", "2025-01-01", Some("5560000001"));
        let out = decide(&policy(true), &at_threshold, known(vec![p2]), d("2026-11-20"), at());
        assert!(out.new_tasks.is_empty());
        assert!(
            out.processed[0].1.starts_with("no task: the rule's conditions are not met"),
            "{:?}",
            out.processed
        );
    }

    #[test]
    fn a_signal_concerns_only_active_permits_of_the_rules_grounds() {
        let study = permit("S-1", "P-1", "study", "2025-01-01", None);
        let revoked =
            Permit { status: PermitStatus::Revoked, ..permit("W-1", "P-1", "work", "2025-01-01", None) };
        let batch = [signal(1, INCOME_REPORTED, "P-1", "2026-11-01", income(1.0))];
        let out =
            decide(&policy(true), &batch, known(vec![study.clone(), revoked.clone()]), d("2026-11-20"), at());
        assert_eq!(
            out.processed,
            [(1, "no task: no active permit of a ground the rule concerns".to_string())]
        );
        let out = decide(&policy(true), &batch, known(vec![revoked]), d("2026-11-20"), at());
        assert_eq!(out.processed, [(1, "no task: the person has no active permit".to_string())]);
        let emigrated = [signal(2, "emigrated", "P-1", "2026-11-19", Map::new())];
        let out = decide(&policy(true), &emigrated, known(vec![study]), d("2026-11-20"), at());
        assert_eq!(out.new_tasks[0].reason, "Holder registered as emigrated");
        assert_eq!(out.new_tasks[0].due_on, d("2026-12-03"));
    }

    #[test]
    fn a_signal_for_an_unknown_person_waits_then_is_given_up_on() {
        let batch = [signal(1, "emigrated", "P-9", "2026-11-01", Map::new())];
        let mut k = Known::default();
        k.permits_by_person.insert(person("P-9"), vec![]);
        let out = decide(&policy(true), &batch, k.clone(), d("2026-11-30"), at());
        assert_eq!((out.still_pending, out.unmatched.len()), (1, 0));
        let out = decide(&policy(true), &batch, k, d("2026-12-01"), at());
        assert_eq!((out.still_pending, out.unmatched.as_slice()), (0, &[1][..]));
    }

    #[test]
    fn a_replaced_number_reaches_the_person_within_the_same_batch() {
        let (old, new) = (PnHash::new("old".into()), PnHash::new("new".into()));
        let holder =
            Permit { pn_hash: Some(old.clone()), ..permit("S-1", "P-1", "study", "2025-01-01", None) };
        let mut k = known(vec![holder]);
        k.persons_by_number.insert(old.clone(), vec![person("P-1")]);
        let mut changed = signal(1, BIRTH_DATE_CHANGED, "P-1", "2026-11-01", Map::new());
        changed.subject = Subject::Number(old.clone());
        changed.new_pn_hash = Some(new.clone());
        let mut later = signal(2, "emigrated", "P-1", "2026-11-02", Map::new());
        later.subject = Subject::Number(new.clone());
        let out = decide(&policy(true), &[changed, later], k, d("2026-11-20"), at());
        assert_eq!(out.links, [(new, person("P-1")), (old, person("P-1"))]);
        let causes: Vec<&str> = out.new_tasks.iter().map(|t| t.cause.as_str()).collect();
        assert_eq!(causes, [BIRTH_DATE_CHANGED, "emigrated"]);
    }

    #[test]
    fn a_permit_whose_ground_left_the_configuration_gets_no_task_and_says_why() {
        let orphan = permit("X-1", "P-1", "seasonal", "2025-01-01", None);
        let batch = [signal(1, "emigrated", "P-1", "2026-11-19", Map::new())];
        let out = decide(&policy(true), &batch, known(vec![orphan]), d("2026-11-20"), at());
        assert!(out.new_tasks.is_empty());
        assert!(
            out.processed[0].1.contains("ground is missing from the configuration"),
            "{:?}",
            out.processed
        );
    }
}
