//! Periodic review occasions (docs/REFERENCE.md §4): `o_k = valid_from + (first_review_after + k * review_every)`,
//! each computed in one step, only those before `valid_until`.
//!
//! Occasions strictly increase with `k` (a non-zero `review_every` moves at least a day or a
//! calendar month), so "the latest occasion due by today" and "the first occasion after a date"
//! are found by exponential then binary search, in O(log k) date additions.

use super::permit::{Permit, ReviewState};
use super::policy::GroundPolicy;
use chrono::NaiveDate;

pub use super::permit::{NextReview, Validity};

/// The upper bound of `k` searched; far past any real date, it only stops runaway loops.
const MAX_K: u32 = 1 << 24;

/// The `k`-th occasion if it exists (before `valid_until`, within chrono's range).
pub fn occasion(policy: &GroundPolicy, v: Validity, k: u32) -> Option<NaiveDate> {
    let span = policy.first_review_after.plus_times(k, policy.review_every)?;
    let o = span.after(v.valid_from)?;
    match v.valid_until {
        Some(until) if o >= until => None,
        _ => Some(o),
    }
}

/// The largest `k` for which `holds(k)`, given that `holds` is true up to some `k` and false after.
fn last_true(holds: impl Fn(u32) -> bool) -> Option<u32> {
    if !holds(0) {
        return None;
    }
    let (mut lo, mut hi) = (0u32, 1u32);
    while hi < MAX_K && holds(hi) {
        lo = hi;
        hi = hi.saturating_mul(2);
    }
    // holds(lo) and (hi == MAX_K or !holds(hi))
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if holds(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// The latest occasion `o` with `o - lead_time <= today`; missed ones coalesce into it.
pub fn latest_due_occasion(policy: &GroundPolicy, v: Validity, today: NaiveDate) -> Option<NaiveDate> {
    let due = |k| {
        occasion(policy, v, k).and_then(|o| policy.lead_time.before(o)).is_some_and(|start| start <= today)
    };
    last_true(due).and_then(|k| occasion(policy, v, k))
}

/// The first occasion strictly after `after` (the first of all when `None`), with its due date.
pub fn next_review(policy: &GroundPolicy, v: Validity, after: Option<NaiveDate>) -> Option<NextReview> {
    let o = match after {
        None => occasion(policy, v, 0)?,
        Some(after) => {
            let k = last_true(|k| occasion(policy, v, k).is_some_and(|o| o <= after)).map_or(0, |k| k + 1);
            occasion(policy, v, k)?
        }
    };
    let due_on = policy.lead_time.before(o)?;
    Some(NextReview { occasion: o, due_on })
}

/// The review state of a permit that an import brings in or changes; `old` is the permit and
/// its state as stored before. An inactive permit has nothing scheduled. A permit whose series
/// is unchanged keeps its next review as it was, so a review deferred by capacity keeps its
/// place; any other gets the first occasion after the latest one that already got a task.
pub fn review_after_import(
    ground: &GroundPolicy,
    permit: &Permit,
    old: Option<(&Permit, &ReviewState)>,
) -> ReviewState {
    let last_occasion = old.and_then(|(_, review)| review.last_occasion);
    let next = match old {
        _ if !permit.status.is_active() => None,
        Some((before, review)) if before.same_series(permit) => review.next,
        _ => next_review(ground, permit.validity, last_occasion),
    };
    ReviewState { next, last_occasion }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Priority;
    use crate::domain::span::Span;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn policy(first: Span, every: Span, lead: Span) -> GroundPolicy {
        GroundPolicy {
            first_review_after: first,
            review_every: every,
            lead_time: lead,
            unit: "study".into(),
            priority: Priority::Normal,
            legal_basis: "UtlL 7 kap. 3 §".into(),
        }
    }

    fn six_monthly() -> GroundPolicy {
        policy(Span::new(6, 0), Span::new(6, 0), Span::new(0, 14))
    }

    #[test]
    fn occasions_are_computed_in_one_step_from_valid_from() {
        // From 31 August, each occasion clamps on its own: 28 Feb, then back to 31 Aug, not 28 Aug.
        let v = Validity { valid_from: d("2026-08-31"), valid_until: None };
        let p = six_monthly();
        assert_eq!(occasion(&p, v, 0), Some(d("2027-02-28")));
        assert_eq!(occasion(&p, v, 1), Some(d("2027-08-31")));
        assert_eq!(occasion(&p, v, 2), Some(d("2028-02-29")));
    }

    #[test]
    fn occasions_stop_before_valid_until() {
        let v = Validity { valid_from: d("2026-01-01"), valid_until: Some(d("2027-01-01")) };
        let p = six_monthly();
        assert_eq!(occasion(&p, v, 0), Some(d("2026-07-01")));
        assert_eq!(occasion(&p, v, 1), None, "o_1 = valid_until is not before it");
        assert_eq!(next_review(&p, v, Some(d("2026-07-01"))), None);
    }

    #[test]
    fn the_task_is_due_lead_time_before_its_occasion() {
        let v = Validity { valid_from: d("2026-01-01"), valid_until: None };
        let p = six_monthly();
        assert_eq!(latest_due_occasion(&p, v, d("2026-06-16")), None);
        assert_eq!(latest_due_occasion(&p, v, d("2026-06-17")), Some(d("2026-07-01")));
        let next = next_review(&p, v, None).unwrap();
        assert_eq!((next.occasion, next.due_on), (d("2026-07-01"), d("2026-06-17")));
    }

    #[test]
    fn missed_occasions_coalesce_into_the_latest() {
        let v = Validity { valid_from: d("2020-01-01"), valid_until: None };
        // Down for years: only the latest occasion whose lead time has begun counts.
        assert_eq!(latest_due_occasion(&six_monthly(), v, d("2026-11-23")), Some(d("2026-07-01")));
        assert_eq!(latest_due_occasion(&six_monthly(), v, d("2026-12-17")), Some(d("2026-07-01")));
        assert_eq!(latest_due_occasion(&six_monthly(), v, d("2026-12-18")), Some(d("2027-01-01")));
        let expired = Validity { valid_until: Some(d("2022-03-01")), ..v };
        assert_eq!(latest_due_occasion(&six_monthly(), expired, d("2026-11-23")), Some(d("2022-01-01")));
    }

    #[test]
    fn next_review_skips_to_the_first_occasion_after_the_last_covered() {
        let v = Validity { valid_from: d("2020-01-01"), valid_until: None };
        let next = next_review(&six_monthly(), v, Some(d("2027-01-01"))).unwrap();
        assert_eq!(next.occasion, d("2027-07-01"));
        let next = next_review(&six_monthly(), v, Some(d("2027-03-15"))).unwrap();
        assert_eq!(next.occasion, d("2027-07-01"));
    }

    fn permit(valid_from: &str, status: crate::domain::permit::PermitStatus) -> Permit {
        Permit {
            id: crate::domain::ids::PermitId::parse("UT-1").unwrap(),
            person: crate::domain::ids::PersonId::parse("P-1").unwrap(),
            pn_hash: None,
            ground: "study".into(),
            validity: Validity { valid_from: d(valid_from), valid_until: None },
            status,
            unit: None,
            employer: None,
            institution: None,
        }
    }

    #[test]
    fn an_import_schedules_new_permits_keeps_unchanged_series_and_stops_inactive_ones() {
        use crate::domain::permit::PermitStatus::{Active, Revoked};
        let p = six_monthly();
        let new = permit("2026-01-01", Active);
        let fresh = review_after_import(&p, &new, None);
        assert_eq!(fresh.next.map(|n| (n.occasion, n.due_on)), Some((d("2026-07-01"), d("2026-06-17"))));
        assert_eq!(fresh.last_occasion, None);
        // A deferred review (still owed the 2026-07-01 occasion) keeps its place on re-import.
        let deferred = ReviewState { next: fresh.next, last_occasion: Some(d("2026-01-01")) };
        let same = review_after_import(
            &p,
            &Permit { institution: Some("KTH".into()), ..new.clone() },
            Some((&new, &deferred)),
        );
        assert_eq!(same, deferred);
        // New dates: the first occasion after the latest one with a task.
        let reviewed = ReviewState { next: None, last_occasion: Some(d("2026-07-01")) };
        let moved = permit("2025-12-01", Active);
        let next = review_after_import(&p, &moved, Some((&new, &reviewed)));
        assert_eq!(next.next.map(|n| n.occasion), Some(d("2026-12-01")));
        assert_eq!(next.last_occasion, Some(d("2026-07-01")));
        let revoked = review_after_import(&p, &permit("2026-01-01", Revoked), Some((&new, &deferred)));
        assert_eq!(revoked, ReviewState { next: None, last_occasion: Some(d("2026-01-01")) });
    }

    fn arb_span(min_total: u32) -> impl Strategy<Value = Span> {
        (0u32..30, 0u32..100)
            .prop_filter("non-zero", move |(m, d)| m + d >= min_total)
            .prop_map(|(m, d)| Span::new(m, d))
    }

    proptest! {
        #[test]
        fn occasions_strictly_increase(first in arb_span(0), every in arb_span(1), from in 0i64..20_000, k in 0u32..200) {
            let p = policy(first, every, Span::new(0, 14));
            let v = Validity { valid_from: d("1990-01-01") + chrono::Days::new(from as u64), valid_until: None };
            prop_assert!(occasion(&p, v, k).unwrap() < occasion(&p, v, k + 1).unwrap());
        }

        #[test]
        fn the_latest_due_occasion_is_the_last_whose_lead_time_began(
            first in arb_span(0), every in arb_span(1), lead in arb_span(0),
            from in 0i64..5_000, today in 0i64..10_000,
        ) {
            let p = policy(first, every, lead);
            let v = Validity { valid_from: d("2010-01-01") + chrono::Days::new(from as u64), valid_until: None };
            let today = d("2010-01-01") + chrono::Days::new(today as u64);
            // Brute force over k.
            let mut expected = None;
            for k in 0..10_000 {
                let o = occasion(&p, v, k).unwrap();
                if p.lead_time.before(o).unwrap() <= today { expected = Some(o) } else { break }
            }
            prop_assert_eq!(latest_due_occasion(&p, v, today), expected);
        }

        #[test]
        fn next_review_is_the_first_occasion_after(
            first in arb_span(0), every in arb_span(1), from in 0i64..5_000, after in 0i64..10_000,
        ) {
            let p = policy(first, every, Span::new(0, 14));
            let v = Validity { valid_from: d("2010-01-01") + chrono::Days::new(from as u64), valid_until: None };
            let after = d("2010-01-01") + chrono::Days::new(after as u64);
            let expected = (0..).map(|k| occasion(&p, v, k).unwrap()).find(|o| *o > after);
            prop_assert_eq!(next_review(&p, v, Some(after)).map(|n| n.occasion), expected);
        }
    }
}
