//! The engine of `plan`: a register held compactly in memory that replays daily ticks, each one
//! through the very [`plan_periodic`] a real tick calls, so a forecast agrees with what real
//! ticks would do on those days when no signals arrive (docs/REFERENCE.md §7).
//!
//! It is fast because it only looks at what can change: permits wait in a queue by the day
//! their next review falls due, and once due, in a queue per unit in the order capacity takes
//! them up (oldest occasion owed, then permit id). Each day a unit's queue is handed to
//! `plan_periodic` only as far as the unit has room left this week — a unit at capacity creates
//! nothing, and what it defers keeps its place. A review date read from storage is handed to
//! `plan_periodic` the first day it is due whatever the capacity, as a real tick would, so
//! that a stale one is rescheduled exactly as a tick reschedules it; every later date comes
//! from `next_review` itself and is due when it says.
//! Permits are named by their rank in permit id order, which sorts as the ids do, so a register
//! of millions is replayed without its strings.

use super::calendar::iso_week_bounds;
use super::capacity::WeekLedger;
use super::keys::{GroundKey, UnitKey};
use super::permit::{NextReview, Validity};
use super::policy::Policy;
use super::review::next_review;
use super::tick::{plan_periodic, DuePermit};
use chrono::NaiveDate;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::ops::Bound;

/// One active permit of a register to forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimPermit {
    /// Its position in permit id order (bytewise): ties between permits owed since the same
    /// occasion are broken by it, as a tick breaks them by the id.
    pub rank: u32,
    /// Its ground: an index into [`Register::grounds`].
    pub ground: u16,
    /// Its own unit, if it names one: an index into [`Register::units`].
    pub unit: Option<u16>,
    /// Its validity.
    pub validity: Validity,
    /// Its stored next review.
    pub next: Option<NextReview>,
    /// The latest occasion that got a task.
    pub last_occasion: Option<NaiveDate>,
}

/// The active permits of the register and the names their indexes refer to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Register {
    /// Ground names.
    pub grounds: Vec<GroundKey>,
    /// Names of units that permits name as their own.
    pub units: Vec<UnitKey>,
    /// The permits.
    pub permits: Vec<SimPermit>,
    /// The schedule fingerprint each ground's stored dates were computed with: a ground whose
    /// policy has another is recomputed first, as the first real tick would.
    pub fingerprints: BTreeMap<GroundKey, String>,
}

/// What a simulated day did, per unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    /// Periodic tasks created.
    pub created: BTreeMap<UnitKey, u32>,
    /// Due reviews deferred by capacity at the end of the day (the backlog).
    pub backlog: BTreeMap<UnitKey, u32>,
}

/// A register advanced one daily tick at a time under one policy.
pub struct Simulation<'a> {
    policy: &'a Policy,
    register: &'a Register,
    /// Each permit's next review, by index.
    next: Vec<Option<NextReview>>,
    /// The unit each permit's tasks go to, by index (into `unit_names`).
    slot: Vec<u16>,
    unit_names: Vec<&'a UnitKey>,
    /// Whether each permit's next review came from `next_review` in this simulation (and not
    /// from storage, where it may be stale), by index.
    computed: Vec<bool>,
    /// Permits whose next review is not due yet: (due on, index).
    not_due: BinaryHeap<Reverse<(NaiveDate, u32)>>,
    /// Per unit, the due reviews waiting for capacity: (owed since, rank, index).
    waiting: Vec<BTreeSet<(NaiveDate, u32, u32)>>,
    /// Per unit, stored review dates that fell due today and were not handed to the rule yet.
    unchecked: Vec<Vec<(NaiveDate, u32, u32)>>,
    ledger: WeekLedger,
    week: Option<NaiveDate>,
    /// Tasks created in each week (by its Monday) that the register already has, by unit.
    week_counts: BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>>,
    /// Tasks reserved in every week, by unit (signal tasks expected from history).
    reserve: BTreeMap<UnitKey, u32>,
}

impl<'a> Simulation<'a> {
    /// A simulation of `register` under `policy`; `week_counts` are the tasks the register has
    /// already created in the simulated weeks, `reserve` what every week holds back per unit.
    pub fn new(
        policy: &'a Policy,
        register: &'a Register,
        week_counts: BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>>,
        reserve: BTreeMap<UnitKey, u32>,
    ) -> Self {
        let mut unit_names: Vec<&'a UnitKey> = Vec::new();
        let mut slot_of = |name: &'a UnitKey| match unit_names.iter().position(|u| *u == name) {
            Some(i) => i as u16,
            None => {
                unit_names.push(name);
                (unit_names.len() - 1) as u16
            }
        };
        let changed: Vec<bool> = register
            .grounds
            .iter()
            .map(|g| match (policy.grounds.get(g), register.fingerprints.get(g)) {
                (Some(gp), Some(stored)) => gp.schedule_fingerprint() != *stored,
                _ => false,
            })
            .collect();
        let (mut next, mut slot, mut not_due, mut computed) =
            (Vec::new(), Vec::new(), BinaryHeap::new(), Vec::new());
        for (i, p) in register.permits.iter().enumerate() {
            let ground = policy.grounds.get(&register.grounds[usize::from(p.ground)]);
            let recompute = ground.is_some() && changed[usize::from(p.ground)];
            let n = match ground {
                Some(gp) if recompute => next_review(gp, p.validity, p.last_occasion),
                _ => p.next,
            };
            computed.push(recompute);
            let unit = p.unit.map(|u| &register.units[usize::from(u)]).or(ground.map(|g| &g.unit));
            // A permit of a ground missing from the policy is never reviewed (a tick skips it).
            slot.push(unit.map_or(u16::MAX, &mut slot_of));
            if let (Some(n), Some(_)) = (n, ground) {
                not_due.push(Reverse((n.due_on, i as u32)));
            }
            next.push(n);
        }
        let waiting = vec![BTreeSet::new(); unit_names.len()];
        let unchecked = vec![Vec::new(); unit_names.len()];
        Simulation {
            policy,
            register,
            next,
            slot,
            unit_names,
            computed,
            not_due,
            waiting,
            unchecked,
            ledger: WeekLedger::default(),
            week: None,
            week_counts,
            reserve,
        }
    }

    /// Runs the periodic half of a tick on `today` (days must come in order).
    pub fn tick(&mut self, today: NaiveDate) -> Day {
        self.start_week(today);
        while let Some(Reverse((due_on, i))) = self.not_due.peek().copied() {
            if due_on > today {
                break;
            }
            self.not_due.pop();
            self.enqueue(i);
        }
        let mut day = Day::default();
        for u in 0..self.waiting.len() {
            let created = self.serve(u, today);
            let name = self.unit_names[u].clone();
            if created > 0 {
                day.created.insert(name.clone(), created);
            }
            if !self.waiting[u].is_empty() {
                day.backlog.insert(name, u32::try_from(self.waiting[u].len()).unwrap_or(u32::MAX));
            }
        }
        day
    }

    /// A new ISO week starts from what the register already created in it, plus the reserve.
    fn start_week(&mut self, today: NaiveDate) {
        let (monday, _) = iso_week_bounds(today);
        if self.week == Some(monday) {
            return;
        }
        self.ledger = WeekLedger::from_counts(self.week_counts.remove(&monday).unwrap_or_default());
        for (unit, n) in &self.reserve {
            self.ledger.reserve(unit, *n);
        }
        self.week = Some(monday);
    }

    fn enqueue(&mut self, i: u32) {
        let (index, permit) = (i as usize, &self.register.permits[i as usize]);
        if let Some(n) = self.next[index] {
            let (u, key) = (usize::from(self.slot[index]), (n.occasion, permit.rank, i));
            self.waiting[u].insert(key);
            if !self.computed[index] {
                self.unchecked[u].push(key);
            }
        }
    }

    /// Hands unit `u`'s waiting reviews to `plan_periodic`, in order, as far as the unit has
    /// room, then the stored dates that fell due today and were not reached; returns the tasks
    /// created.
    fn serve(&mut self, u: usize, today: NaiveDate) -> u32 {
        let (policy, unit) = (self.policy, self.unit_names[u]);
        let mut created = 0;
        let mut after: Option<(NaiveDate, u32, u32)> = None;
        while !self.ledger.is_full(policy, unit) {
            let room = policy
                .capacity(unit.as_str())
                .map_or(usize::MAX, |cap| (cap - self.ledger.used(unit)) as usize);
            let from = after.map_or(Bound::Unbounded, Bound::Excluded);
            let keys: Vec<_> = self.waiting[u].range((from, Bound::Unbounded)).take(room).copied().collect();
            let Some(last) = keys.last().copied() else { break };
            let (made, deferred) = self.hand_over(u, &keys, today);
            created += made;
            if deferred {
                break;
            }
            after = Some(last);
        }
        let unchecked: Vec<_> = std::mem::take(&mut self.unchecked[u]);
        let unchecked: Vec<_> = unchecked.into_iter().filter(|k| self.waiting[u].contains(k)).collect();
        if !unchecked.is_empty() {
            created += self.hand_over(u, &unchecked, today).0;
        }
        created
    }

    /// One call of the rule on the waiting reviews `keys` of unit `u`; applies what it decides
    /// and returns the tasks created and whether any was deferred.
    fn hand_over(&mut self, u: usize, keys: &[(NaiveDate, u32, u32)], today: NaiveDate) -> (u32, bool) {
        let (policy, register) = (self.policy, self.register);
        let due: Vec<DuePermit<'a, (u32, u32)>> = keys
            .iter()
            .map(|&(owed_since, rank, i)| {
                let p = &register.permits[i as usize];
                DuePermit {
                    permit_id: (rank, i),
                    ground: &register.grounds[usize::from(p.ground)],
                    unit: p.unit.map(|x| &register.units[usize::from(x)]),
                    validity: p.validity,
                    owed_since,
                }
            })
            .collect();
        let plan = plan_periodic(policy, today, due, &mut self.ledger);
        for t in &plan.create {
            self.advance(u, (t.owed_since, t.permit_id.0, t.permit_id.1), t.next);
        }
        for &((rank, i), next) in &plan.reschedule {
            let owed = keys.iter().find(|k| k.2 == i).map_or(today, |k| k.0);
            self.advance(u, (owed, rank, i), next);
        }
        for t in &plan.deferred {
            // Due with an occasion after all: it waits as it is, and stays due.
            self.computed[t.permit_id.1 as usize] = true;
        }
        (u32::try_from(plan.create.len()).unwrap_or(u32::MAX), !plan.deferred.is_empty())
    }

    /// Moves a permit out of its unit's queue to its next review.
    fn advance(&mut self, u: usize, key: (NaiveDate, u32, u32), next: Option<NextReview>) {
        self.waiting[u].remove(&key);
        let i = key.2 as usize;
        self.next[i] = next;
        self.computed[i] = true;
        if let Some(n) = next {
            self.not_due.push(Reverse((n.due_on, key.2)));
        }
    }
}

#[cfg(test)]
#[path = "forecast_tests.rs"]
mod tests;
