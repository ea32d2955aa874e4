//! The periodic half of a tick as a pure function of (policy, state, today): which review tasks
//! to create and which to defer. Storage feeds it the due permits; `plan` replays it day by day
//! without SQL (`domain::forecast`), so both agree by construction.
//!
//! The rule is generic over how a permit is named (`K`): a real tick names permits by their
//! [`PermitId`], `plan` by their rank in permit id order, a number that sorts the same way, so a
//! register of millions is replayed without holding its strings.

use super::capacity::WeekLedger;
use super::ids::PermitId;
use super::keys::{GroundKey, UnitKey};
use super::policy::{Policy, Priority};
use super::review::{latest_due_occasion, next_review, NextReview, Validity};
use super::task::{Cause, Evidence, NewTask, Occasion};
use chrono::{NaiveDate, NaiveDateTime};

/// An active permit whose stored next review is due (`due_on <= today`), named by `K`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuePermit<'a, K = PermitId> {
    /// The permit: its id, or anything that sorts the same way.
    pub permit_id: K,
    /// Its ground, a key of `policy.grounds`.
    pub ground: &'a GroundKey,
    /// Its own unit, if it names one.
    pub unit: Option<&'a UnitKey>,
    /// Its validity.
    pub validity: Validity,
    /// The earliest occasion it is owed a review for (its stored next review): how long it has
    /// waited. Deferred reviews are taken up in this order, so none waits forever.
    pub owed_since: NaiveDate,
}

/// A due permit as storage reads it: [`DuePermit`] with its own strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReview {
    /// The permit.
    pub permit_id: PermitId,
    /// Its ground.
    pub ground: GroundKey,
    /// Its own unit, if it names one.
    pub unit: Option<UnitKey>,
    /// Its validity.
    pub validity: Validity,
    /// Its stored next review's occasion.
    pub owed_since: NaiveDate,
}

impl DueReview {
    /// The permit as [`plan_periodic`] takes it, named by its id.
    pub fn as_due(&self) -> DuePermit<'_, &PermitId> {
        DuePermit {
            permit_id: &self.permit_id,
            ground: &self.ground,
            unit: self.unit.as_ref(),
            validity: self.validity,
            owed_since: self.owed_since,
        }
    }
}

/// A periodic review task to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewTask<'a, K = PermitId> {
    /// The permit.
    pub permit_id: K,
    /// The earliest occasion it was owed a review for.
    pub owed_since: NaiveDate,
    /// The occasion, also the due date.
    pub occasion: NaiveDate,
    /// The permit's ground.
    pub ground: &'a GroundKey,
    /// The responsible unit.
    pub unit: &'a UnitKey,
    /// The ground's priority.
    pub priority: Priority,
    /// The ground's legal basis.
    pub legal_basis: &'a str,
    /// The permit's next review after this one; `None` when its series has ended.
    pub next: Option<NextReview>,
}

/// What the periodic half of one tick decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodicPlan<'a, K = PermitId> {
    /// Tasks to create, in the order they were granted capacity.
    pub create: Vec<ReviewTask<'a, K>>,
    /// Tasks held back by capacity: permit and occasion, still due for a later tick.
    pub deferred: Vec<ReviewTask<'a, K>>,
    /// Permits whose stored due date was stale (no occasion due after all): their fresh next review.
    pub reschedule: Vec<(K, Option<NextReview>)>,
    /// Due permits whose ground has no policy in the configuration: skipped, and reported.
    pub without_policy: Vec<K>,
}

impl<K> Default for PeriodicPlan<'_, K> {
    fn default() -> Self {
        PeriodicPlan {
            create: Vec::new(),
            deferred: Vec::new(),
            reschedule: Vec::new(),
            without_policy: Vec::new(),
        }
    }
}

impl ReviewTask<'_, &PermitId> {
    /// The task to create on `today` at the instant `at`: due on its occasion, with the
    /// occasion as its evidence.
    pub fn to_new_task(&self, today: NaiveDate, at: NaiveDateTime) -> NewTask {
        NewTask {
            permit_id: (*self.permit_id).clone(),
            cause: Cause::PeriodicReview,
            occasion: Occasion::Date(self.occasion),
            ground: self.ground.clone(),
            unit: self.unit.clone(),
            priority: self.priority,
            reason: format!("Periodic review, occasion {}", self.occasion),
            legal_basis: self.legal_basis.to_string(),
            evidence: vec![Evidence::Occasion { occasion: self.occasion }],
            created_on: today,
            created_at: at,
            due_on: self.occasion,
        }
    }
}

/// Decides the periodic review tasks of a tick on `today`.
///
/// Every due permit gets a task for its latest due occasion (missed ones coalesce into it) while
/// its unit has capacity left in `ledger`; the rest are deferred. Permits go in order of the
/// oldest occasion they are owed a review for (ties by permit id): a deferred review keeps its
/// place in the queue even though its task's occasion moves on.
pub fn plan_periodic<'a, K: Ord + Clone>(
    policy: &'a Policy,
    today: NaiveDate,
    due: impl IntoIterator<Item = DuePermit<'a, K>>,
    ledger: &mut WeekLedger,
) -> PeriodicPlan<'a, K> {
    let mut plan = PeriodicPlan::default();
    let due = due.into_iter();
    let mut candidates = Vec::with_capacity(due.size_hint().0);
    for permit in due {
        let Some(ground) = policy.grounds.get(permit.ground) else {
            plan.without_policy.push(permit.permit_id);
            continue;
        };
        match latest_due_occasion(ground, permit.validity, today) {
            Some(occasion) => candidates.push(ReviewTask {
                next: next_review(ground, permit.validity, Some(occasion)),
                permit_id: permit.permit_id,
                owed_since: permit.owed_since,
                occasion,
                ground: permit.ground,
                unit: permit.unit.unwrap_or(&ground.unit),
                priority: ground.priority,
                legal_basis: &ground.legal_basis,
            }),
            None => plan.reschedule.push((permit.permit_id, next_review(ground, permit.validity, None))),
        }
    }
    candidates.sort_by(|a, b| (a.owed_since, &a.permit_id).cmp(&(b.owed_since, &b.permit_id)));
    // Capacity granted in that order; the deferred are taken out in place, so that a day of
    // many due reviews is held once, not once as candidates and again as tasks.
    let granted: Vec<bool> = candidates.iter().map(|task| ledger.try_take(policy, task.unit)).collect();
    plan.deferred = candidates
        .iter()
        .zip(&granted)
        .filter(|(_, granted)| !**granted)
        .map(|(task, _)| task.clone())
        .collect();
    let mut granted = granted.into_iter();
    candidates.retain(|_| granted.next().unwrap_or(false));
    plan.create = candidates;
    plan
}
