//! An in-memory register that replays daily ticks: the engine of `plan`, and the model the
//! scheduling laws are property-tested against. It calls the same [`plan_periodic`] as a real tick.

use super::calendar::iso_week_bounds;
use super::capacity::WeekLedger;
use super::policy::Policy;
use super::review::NextReview;
use super::tick::{plan_periodic, DuePermit, PeriodicPlan};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One permit of the simulated register with its stored next review.
#[derive(Debug, Clone)]
pub struct SimPermit {
    /// The permit as a tick sees it.
    pub permit: DuePermit,
    /// Its next review without a task; `None` when its series has ended.
    pub next: Option<NextReview>,
}

/// A register and the weekly ledger, advanced one tick at a time.
#[derive(Debug, Clone)]
pub struct Simulation {
    policy: Policy,
    permits: Vec<SimPermit>,
    week: Option<NaiveDate>,
    ledger: WeekLedger,
    /// Tasks created so far this week that were not created by the simulation, by unit.
    seed_counts: BTreeMap<String, u32>,
}

impl Simulation {
    /// A simulation of `permits`; `week_counts` are the tasks already created in `today`'s week.
    pub fn new(policy: Policy, permits: Vec<SimPermit>, week_counts: BTreeMap<String, u32>) -> Self {
        Simulation { policy, permits, week: None, ledger: WeekLedger::default(), seed_counts: week_counts }
    }

    /// Runs the periodic half of a tick on `today` and applies its result to the register.
    pub fn tick(&mut self, today: NaiveDate) -> PeriodicPlan {
        let (monday, _) = iso_week_bounds(today);
        if self.week != Some(monday) {
            let counts =
                if self.week.is_none() { std::mem::take(&mut self.seed_counts) } else { BTreeMap::new() };
            self.ledger = WeekLedger::from_counts(counts);
            self.week = Some(monday);
        }
        let due: Vec<DuePermit> = self
            .permits
            .iter()
            .filter_map(|p| match p.next {
                Some(n) if n.due_on <= today => {
                    Some(DuePermit { owed_since: n.occasion, ..p.permit.clone() })
                }
                _ => None,
            })
            .collect();
        let plan = plan_periodic(&self.policy, today, due, &mut self.ledger);
        let index: BTreeMap<&str, usize> =
            self.permits.iter().enumerate().map(|(i, p)| (p.permit.permit_id.as_str(), i)).collect();
        let mut updates: Vec<(usize, Option<NextReview>)> = Vec::new();
        for task in &plan.create {
            updates.push((index[task.permit_id.as_str()], task.next));
        }
        for (id, next) in &plan.reschedule {
            updates.push((index[id.as_str()], *next));
        }
        for (i, next) in updates {
            self.permits[i].next = next;
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{GroundPolicy, Priority, Unit};
    use crate::domain::review::{next_review, Validity};
    use crate::domain::span::Span;
    use chrono::Days;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn policy(capacity: Option<u32>) -> Policy {
        let mut p = Policy::default();
        p.grounds.insert(
            "study".into(),
            GroundPolicy {
                first_review_after: Span::new(1, 0),
                review_every: Span::new(1, 0),
                lead_time: Span::new(0, 7),
                unit: "study".into(),
                priority: Priority::Normal,
                legal_basis: "x".into(),
            },
        );
        p.units.insert("study".into(), Unit { name: "S".into(), email: vec![], weekly_capacity: capacity });
        p
    }

    fn register(policy: &Policy, offsets: &[u16]) -> Vec<SimPermit> {
        offsets
            .iter()
            .enumerate()
            .map(|(i, off)| {
                let validity =
                    Validity { valid_from: d("2026-01-01") + Days::new(u64::from(*off)), valid_until: None };
                SimPermit {
                    next: next_review(&policy.grounds["study"], validity, None),
                    permit: DuePermit {
                        permit_id: crate::domain::ids::PermitId::parse(&format!("P{i:04}")).unwrap(),
                        ground: "study".into(),
                        unit: None,
                        validity,
                        owed_since: validity.valid_from,
                    },
                }
            })
            .collect()
    }

    #[test]
    fn a_permit_down_for_two_years_gets_one_task_not_four() {
        let p = policy(None);
        let mut sim = Simulation::new(p.clone(), register(&p, &[0]), BTreeMap::new());
        let plan = sim.tick(d("2028-01-20"));
        assert_eq!(plan.create.len(), 1);
        assert_eq!(plan.create[0].occasion, d("2028-01-01"));
        assert!(sim.tick(d("2028-01-20")).create.is_empty());
    }

    proptest! {
        #[test]
        fn a_second_tick_on_the_same_day_creates_nothing(offsets in prop::collection::vec(0u16..400, 1..40), day in 0u64..800, cap in prop::option::of(1u32..10)) {
            let p = policy(cap);
            let mut sim = Simulation::new(p.clone(), register(&p, &offsets), BTreeMap::new());
            let today = d("2026-01-01") + Days::new(day);
            sim.tick(today);
            prop_assert!(sim.tick(today).create.is_empty());
        }

        #[test]
        fn tasks_per_unit_per_week_never_exceed_capacity(offsets in prop::collection::vec(0u16..200, 1..60), cap in 1u32..8) {
            let p = policy(Some(cap));
            let mut sim = Simulation::new(p.clone(), register(&p, &offsets), BTreeMap::new());
            let mut per_week: BTreeMap<NaiveDate, u32> = BTreeMap::new();
            for day in 0..300 {
                let today = d("2026-01-01") + Days::new(day);
                let created = sim.tick(today).create.len() as u32;
                *per_week.entry(iso_week_bounds(today).0).or_default() += created;
            }
            prop_assert!(per_week.values().all(|n| *n <= cap), "{per_week:?}");
        }

        #[test]
        fn with_capacity_every_due_permit_gets_its_task_eventually(offsets in prop::collection::vec(0u16..30, 1..30), cap in 1u32..5) {
            let p = policy(Some(cap));
            let mut sim = Simulation::new(p.clone(), register(&p, &offsets), BTreeMap::new());
            let mut reviewed = std::collections::BTreeSet::new();
            // Every permit's first occasion is within ~2 months; 30 permits at >= 1 a week fit in 40 weeks.
            for day in 0..280 {
                for t in sim.tick(d("2026-01-01") + Days::new(day)).create {
                    reviewed.insert(t.permit_id);
                }
            }
            prop_assert_eq!(reviewed.len(), offsets.len());
        }
    }
}
