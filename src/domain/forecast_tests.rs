//! The forecast against the plainest model of the rule: every day, every permit whose stored
//! review is due handed to `plan_periodic`, as a real tick hands them over. The two must agree
//! on every day, for random registers, policies (month clamping, lead times, capacities
//! including 0 and none) and date ranges across ISO-year boundaries.

use super::*;
use crate::domain::policy::{GroundPolicy, Priority, Unit};
use crate::domain::span::Span;
use chrono::Days;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn ground(first: Span, every: Span, lead: Span, unit: &str) -> GroundPolicy {
    GroundPolicy {
        first_review_after: first,
        review_every: every,
        lead_time: lead,
        unit: unit.into(),
        priority: Priority::Normal,
        legal_basis: "UtlL".into(),
    }
}

fn policy(capacities: [Option<u32>; 2], spans: [(Span, Span, Span); 2]) -> Policy {
    let mut p = Policy::default();
    for (i, (name, cap)) in ["a", "b"].into_iter().zip(capacities).enumerate() {
        p.units.insert(name.into(), Unit { name: name.into(), email: vec![], weekly_capacity: cap });
        let (f, e, l) = spans[i];
        p.grounds.insert(format!("g{i}").as_str().into(), ground(f, e, l, name));
    }
    p
}

/// The plainest replay: every due permit to `plan_periodic` every day.
fn naive(policy: &Policy, register: &Register, days: &[NaiveDate]) -> Vec<Day> {
    let fresh = Simulation::new(policy, register, BTreeMap::new(), BTreeMap::new());
    let mut next = fresh.next.clone();
    let mut out = Vec::new();
    let mut ledger = WeekLedger::default();
    let mut week = None;
    for &today in days {
        let monday = iso_week_bounds(today).0;
        if week != Some(monday) {
            ledger = WeekLedger::default();
            week = Some(monday);
        }
        let due: Vec<DuePermit<(u32, u32)>> = register
            .permits
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match next[i] {
                Some(n) if n.due_on <= today => Some(DuePermit {
                    permit_id: (p.rank, i as u32),
                    ground: &register.grounds[usize::from(p.ground)],
                    unit: p.unit.map(|u| &register.units[usize::from(u)]),
                    validity: p.validity,
                    owed_since: n.occasion,
                }),
                _ => None,
            })
            .collect();
        let plan = plan_periodic(policy, today, due, &mut ledger);
        let mut day = Day::default();
        for t in &plan.create {
            *day.created.entry(t.unit.clone()).or_default() += 1;
            next[t.permit_id.1 as usize] = t.next;
        }
        for t in &plan.deferred {
            *day.backlog.entry(t.unit.clone()).or_default() += 1;
        }
        for ((_, i), n) in &plan.reschedule {
            next[*i as usize] = *n;
        }
        out.push(day);
    }
    out
}

/// Permits of (ground, days after 2025-01-01, weeks of validity or 0 for permanent, own unit,
/// a stale stored date): a stale one claims its valid_from as an occasion, as a register
/// edited by hand might, so that the first day's rescheduling is exercised too.
fn register(policy: &Policy, permits: &[(u16, u16, u16, bool, bool)]) -> Register {
    let grounds: Vec<GroundKey> = vec!["g0".into(), "g1".into()];
    let base = d("2025-01-01");
    let permits = permits
        .iter()
        .enumerate()
        .map(|(i, &(g, from, length, own_unit, stale))| {
            let valid_from = base + Days::new(u64::from(from));
            let valid_until = (length > 0).then(|| valid_from + Days::new(u64::from(length) * 7));
            let validity = Validity { valid_from, valid_until };
            let gp = &policy.grounds[&grounds[usize::from(g % 2)]];
            SimPermit {
                // Ranks out of index order, as permit ids are.
                rank: ((i * 7919) % 10_007) as u32,
                ground: g % 2,
                unit: own_unit.then_some(0),
                validity,
                next: if stale {
                    Some(NextReview { occasion: valid_from, due_on: valid_from })
                } else {
                    next_review(gp, validity, None)
                },
                last_occasion: None,
            }
        })
        .collect();
    Register { grounds, units: vec!["b".into()], permits, fingerprints: BTreeMap::new() }
}

fn arb_span(min_total: u32) -> impl Strategy<Value = Span> {
    (0u32..8, 0u32..40)
        .prop_filter("at least", move |(m, d)| m + d >= min_total)
        .prop_map(|(m, d)| Span::new(m, d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_forecast_agrees_with_handing_every_due_permit_to_the_rule_every_day(
        permits in prop::collection::vec((0u16..2, 0u16..700, 0u16..120, any::<bool>(), prop::bool::weighted(0.1)), 1..80),
        caps in [prop::option::of(0u32..6), prop::option::of(0u32..6)],
        spans in [(arb_span(0), arb_span(1), arb_span(0)), (arb_span(0), arb_span(1), arb_span(0))],
        start in 0u64..900, length in 1u64..120,
    ) {
        let p = policy(caps, spans);
        let reg = register(&p, &permits);
        // Ranges start anywhere from 2025 to mid-2027, so many cross an ISO-year boundary.
        let days: Vec<NaiveDate> = (0..length).map(|k| d("2025-01-01") + Days::new(start + k)).collect();
        let mut sim = Simulation::new(&p, &reg, BTreeMap::new(), BTreeMap::new());
        let fast: Vec<Day> = days.iter().map(|t| sim.tick(*t)).collect();
        prop_assert_eq!(fast, naive(&p, &reg, &days));
    }
}

#[test]
fn a_permit_down_for_two_years_gets_one_task_not_four() {
    let p = policy([None, None], [(Span::new(1, 0), Span::new(1, 0), Span::new(0, 7)); 2]);
    let reg = register(&p, &[(0, 0, 0, false, false)]);
    let mut sim = Simulation::new(&p, &reg, BTreeMap::new(), BTreeMap::new());
    assert_eq!(sim.tick(d("2027-01-20")).created["a"], 1);
    assert!(sim.tick(d("2027-01-20")).created.is_empty(), "a second tick the same day creates nothing");
}

#[test]
fn tasks_already_created_this_week_and_the_reserve_count_against_capacity() {
    let p = policy([Some(3), None], [(Span::new(1, 0), Span::new(1, 0), Span::new(0, 0)); 2]);
    let reg = register(
        &p,
        &[(0, 0, 0, false, false), (0, 0, 0, false, false), (0, 0, 0, false, false), (0, 1, 0, false, false)],
    );
    // 2025-02-03 is a Monday: all four are due (occasions 2025-02-01 and 2025-02-02).
    let monday = d("2025-02-03");
    let counts = BTreeMap::from([(monday, BTreeMap::from([("a".into(), 1)]))]);
    let reserve = BTreeMap::from([("a".into(), 1)]);
    let mut sim = Simulation::new(&p, &reg, counts, reserve);
    let day = sim.tick(monday);
    assert_eq!((day.created["a"], day.backlog["a"]), (1, 3));
    // The next week holds only the reserve: two more.
    let day = sim.tick(d("2025-02-10"));
    assert_eq!((day.created["a"], day.backlog["a"]), (2, 1));
}

#[test]
fn a_ground_whose_schedule_changed_is_recomputed_first_as_a_tick_would() {
    let old = policy([None, None], [(Span::new(12, 0), Span::new(12, 0), Span::new(0, 0)); 2]);
    let mut reg = register(&old, &[(0, 0, 0, false, false)]);
    reg.fingerprints.insert("g0".into(), old.grounds["g0"].schedule_fingerprint());
    let new = policy([None, None], [(Span::new(3, 0), Span::new(3, 0), Span::new(0, 0)); 2]);
    let mut sim = Simulation::new(&new, &reg, BTreeMap::new(), BTreeMap::new());
    assert_eq!(sim.tick(d("2025-04-01")).created["a"], 1, "due under the new schedule");
    let mut unchanged = Simulation::new(&old, &reg, BTreeMap::new(), BTreeMap::new());
    assert!(unchanged.tick(d("2025-04-01")).created.is_empty());
}
