use super::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn label(s: &str) -> Label {
    Label::parse(s).unwrap()
}

fn labels(s: &[&str]) -> Vec<Label> {
    s.iter().map(|l| label(l)).collect()
}

fn income(n: u32) -> Expectation {
    Expectation {
        kind: "income_reported".into(),
        grounds: vec![GroundKey::parse("work").unwrap()],
        missing_periods: n,
        priority: Priority::High,
        reason: "No income reported".into(),
        due_within: Span::parse("30 days").unwrap(),
        legal_basis: "UtlL 7 kap. 7 e §".into(),
    }
}

/// The months 2026-01 .. 2026-(count), in order.
fn months(count: u32) -> Vec<Period> {
    (1..=count)
        .map(|m| {
            let l = label(&format!("2026-{m:02}"));
            let (from, to) = l.as_month().unwrap();
            Period { label: l, from, to }
        })
        .collect()
}

fn valid(from: &str, until: Option<&str>) -> Validity {
    Validity { valid_from: d(from), valid_until: until.map(d) }
}

fn none() -> Named<'static> {
    Named { labels: &[], open: None }
}

fn reported_in<'a>(set: &'a [&'a str]) -> impl Fn(&Label) -> bool + 'a {
    move |l: &Label| set.contains(&l.as_str())
}

#[test]
fn a_cover_names_its_kind_label_and_dates_or_a_month() {
    let c = Cover::parse("study_registered:2026-HT=2026-08-31..2027-01-17").unwrap();
    assert_eq!((c.kind.as_str(), c.period.label.as_str()), ("study_registered", "2026-HT"));
    assert_eq!((c.period.from, c.period.to), (d("2026-08-31"), d("2027-01-17")));
    let m = Cover::parse("income_reported:2026-02").unwrap();
    assert_eq!((m.period.from, m.period.to), (d("2026-02-01"), d("2026-02-28")));
    assert_eq!(Cover::parse("income_reported:2026-12").unwrap().period.to, d("2026-12-31"));
    assert_eq!(m.to_string(), "income_reported:2026-02=2026-02-01..2026-02-28");
}

#[test]
fn a_bad_cover_says_what_is_wrong() {
    for (text, says) in [
        ("income_reported", "expected KIND:LABEL"),
        (":2026-01", "no kind"),
        ("study_registered:2026-HT", "not a month"),
        ("x:2026-HT=2026-08-31", "expected KIND:LABEL"),
        ("x:2026-HT=2026-08-31..2027-13-01", "is not a date"),
        ("x:2026-HT=2027-01-17..2026-08-31", "ends (2026-08-31) before it begins"),
        ("x:two words=2026-01-01..2026-01-02", "label is 1 to 32"),
        ("x:=2026-01-01..2026-01-02", "label is 1 to 32"),
    ] {
        let e = Cover::parse(text).unwrap_err();
        assert!(e.contains(says), "{text}: {e}");
    }
}

#[test]
fn a_signal_reports_for_its_period_or_else_by_its_date() {
    let p = &months(3)[1];
    assert!(p.reported_by(Some("2026-02"), d("2026-05-01")));
    assert!(!p.reported_by(Some("2026-03"), d("2026-02-10")));
    assert!(p.reported_by(None, d("2026-02-01")) && p.reported_by(None, d("2026-02-28")));
    assert!(!p.reported_by(None, d("2026-03-01")));
}

#[test]
fn a_holder_is_expected_only_in_periods_it_was_valid_through() {
    let m = months(3);
    assert!(expected_in(valid("2026-01-01", None), &m[0]));
    assert!(!expected_in(valid("2026-01-02", None), &m[0]), "started mid-period");
    assert!(expected_in(valid("2025-01-01", Some("2026-01-31")), &m[0]));
    assert!(!expected_in(valid("2025-01-01", Some("2026-01-30")), &m[0]), "ended mid-period");
}

#[test]
fn two_missed_months_in_a_row_make_a_task_naming_both() {
    let v = Validity { valid_from: d("2025-06-01"), valid_until: None };
    let e = income(2);
    assert_eq!(judge(&e, &months(1), v, none(), reported_in(&[])), Verdict::Nothing, "one month is not two");
    assert_eq!(
        judge(&e, &months(2), v, none(), reported_in(&[])),
        Verdict::Task { missed: labels(&["2026-01", "2026-02"]) }
    );
    assert_eq!(judge(&e, &months(2), v, none(), reported_in(&["2026-01"])), Verdict::Nothing);
    assert_eq!(
        judge(&e, &months(3), v, none(), reported_in(&["2026-01"])),
        Verdict::Task { missed: labels(&["2026-02", "2026-03"]) }
    );
}

#[test]
fn a_holder_who_started_mid_period_is_judged_from_the_first_whole_one() {
    let e = income(2);
    let v = valid("2026-01-15", None);
    assert_eq!(judge(&e, &months(2), v, none(), reported_in(&[])), Verdict::Nothing);
    assert_eq!(
        judge(&e, &months(3), v, none(), reported_in(&[])),
        Verdict::Task { missed: labels(&["2026-02", "2026-03"]) }
    );
}

#[test]
fn an_open_task_gains_each_later_missed_period_as_evidence() {
    let e = income(2);
    let v = valid("2025-01-01", None);
    let named = labels(&["2026-01", "2026-02"]);
    let open = Named { labels: &named, open: Some(TaskId(9)) };
    assert_eq!(judge(&e, &months(2), v, open, reported_in(&[])), Verdict::Nothing, "run twice");
    assert_eq!(
        judge(&e, &months(3), v, open, reported_in(&[])),
        Verdict::Evidence { task: TaskId(9), missed: labels(&["2026-03"]) }
    );
    assert_eq!(judge(&e, &months(3), v, open, reported_in(&["2026-03"])), Verdict::Nothing);
}

#[test]
fn after_a_closed_task_only_periods_it_did_not_name_count() {
    let e = income(2);
    let v = valid("2025-01-01", None);
    let named = labels(&["2026-01", "2026-02"]);
    let closed = Named { labels: &named, open: None };
    assert_eq!(judge(&e, &months(3), v, closed, reported_in(&[])), Verdict::Nothing);
    assert_eq!(
        judge(&e, &months(4), v, closed, reported_in(&[])),
        Verdict::Task { missed: labels(&["2026-03", "2026-04"]) }
    );
}

#[test]
fn needed_is_what_judge_reads_and_nothing_when_no_task_can_be_due() {
    let e = income(2);
    let v = valid("2025-01-01", None);
    let m = months(4);
    let got: Vec<&str> = needed(&e, &m, v, none()).iter().map(|p| p.label.as_str()).collect();
    assert_eq!(got, ["2026-03", "2026-04"]);
    let named = labels(&["2026-04"]);
    assert!(needed(&e, &m, v, Named { labels: &named, open: None }).is_empty());
    let named = labels(&["2026-02"]);
    let open = Named { labels: &named, open: Some(TaskId(1)) };
    let got: Vec<&str> = needed(&e, &m, v, open).iter().map(|p| p.label.as_str()).collect();
    assert_eq!(got, ["2026-03", "2026-04"]);
}

// The property: ticks that judge with `judge` after coverage arriving in any order, with
// tasks closed now and then, give the same tasks as a plain model of docs/REFERENCE.md §13
// that walks the permit's expected periods by index; and a tick run twice adds nothing.

#[test]
fn a_new_latest_period_is_searched_by_its_window_and_any_other_by_who_missed_it() {
    let e = income(2);
    let all = months(4);
    assert_eq!(search(&e, &all[..1], &all[0]), Search::OpenTasks, "one month of two");
    assert_eq!(search(&e, &all[..3], &all[2]), Search::Window(&all[1..3]));
    assert_eq!(search(&e, &all[..3], &all[1]), Search::Missed, "declared after a later one");
    let mut overlapping = all[..3].to_vec();
    overlapping[1].to = overlapping[2].from;
    assert_eq!(search(&e, &overlapping, &overlapping[2]), Search::Missed, "the window's periods overlap");
    assert_eq!(search(&income(1), &all[..1], &all[0]), Search::Window(&all[..1]));
}

/// A task of the simulation: its labels in order (the last is its occasion) and whether it is open.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SimTask {
    labels: Vec<Label>,
    open: bool,
}

/// The plain model: the expected periods in order; those after the last named one; a task
/// when the last n expected are missed and among those, else evidence on the open task.
fn model(
    n: usize,
    periods: &[Period],
    v: Validity,
    tasks: &[SimTask],
    reported: &BTreeSet<Label>,
) -> Verdict {
    let mut sorted: Vec<&Period> = periods.iter().collect();
    sorted.sort_by_key(|p| p.from);
    let named: BTreeSet<&Label> = tasks.iter().flat_map(|t| &t.labels).collect();
    let expected: Vec<&Period> = sorted
        .iter()
        .copied()
        .filter(|p| v.valid_from <= p.from && v.valid_until.is_none_or(|u| u >= p.to))
        .collect();
    let last_named = sorted.iter().rposition(|p| named.contains(&p.label));
    let fresh: Vec<&Period> =
        expected.iter().copied().filter(|p| last_named.is_none_or(|i| p.from > sorted[i].from)).collect();
    let missed = |p: &&Period| !reported.contains(&p.label);
    if let Some(i) = tasks.iter().position(|t| t.open) {
        let m: Vec<Label> = fresh.iter().filter(|p| missed(p)).map(|p| p.label.clone()).collect();
        return if m.is_empty() {
            Verdict::Nothing
        } else {
            Verdict::Evidence { task: TaskId(i as i64), missed: m }
        };
    }
    if n == 0 || fresh.len() < n || expected.len() < n {
        return Verdict::Nothing;
    }
    let tail = &expected[expected.len() - n..];
    if tail.iter().all(missed) {
        Verdict::Task { missed: tail.iter().map(|p| p.label.clone()).collect() }
    } else {
        Verdict::Nothing
    }
}

fn apply(tasks: &mut Vec<SimTask>, verdict: Verdict) {
    match verdict {
        Verdict::Nothing => {}
        Verdict::Task { missed } => tasks.push(SimTask { labels: missed, open: true }),
        Verdict::Evidence { task, missed } => tasks[task.0 as usize].labels.extend(missed),
    }
}

/// Whether [`search`] for the newly covered `new` finds a holder of `validity` who reported in
/// `reported` and has an open task or not.
fn searched(
    e: &Expectation,
    in_order: &[Period],
    new: &Period,
    validity: Validity,
    open: bool,
    reported: &BTreeSet<Label>,
) -> bool {
    let missed = |p: &Period| expected_in(validity, p) && !reported.contains(&p.label);
    let open_missed = open && missed(new);
    match search(e, in_order, new) {
        Search::OpenTasks => open_missed,
        Search::Window(window) => open_missed || window.iter().all(missed),
        Search::Missed => missed(new),
    }
}

#[derive(Debug, Clone)]
struct Scenario {
    n: u32,
    validity: Validity,
    /// The months covered, in the order their coverage arrives, in batches between ticks.
    batches: Vec<Vec<u32>>,
    /// Months with a report.
    reported: BTreeSet<u32>,
    /// After which ticks an open task is closed.
    close_after: Vec<bool>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let months = 12u32;
    (
        1..4u32,
        0..months,
        proptest::option::of(0..months + 2),
        Just((1..=months).collect::<Vec<u32>>()).prop_shuffle(),
        proptest::collection::vec(1..4usize, 1..12),
        proptest::collection::btree_set(1..=months, 0..8),
        proptest::collection::vec(any::<bool>(), 12),
    )
        .prop_map(|(n, start, end, order, cuts, reported, close_after)| {
            let first =
                |m: u32| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(m) * 17);
            let validity = Validity {
                valid_from: first(start),
                valid_until: end.map(|e| first(start + e) + chrono::Days::new(40)),
            };
            let mut batches = Vec::new();
            let mut rest = order.as_slice();
            for cut in cuts.into_iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(cut.min(rest.len()));
                batches.push(now.to_vec());
                rest = later;
            }
            Scenario { n, validity, batches, reported, close_after }
        })
}

proptest! {
    #[test]
    fn ticks_with_the_rule_give_the_tasks_of_the_plain_model(s in scenario()) {
        let e = income(s.n);
        let all = months(12);
        let reported: BTreeSet<Label> = s.reported.iter().map(|m| all[*m as usize - 1].label.clone()).collect();
        let mut covered: Vec<Period> = Vec::new();
        let (mut by_rule, mut by_model): (Vec<SimTask>, Vec<SimTask>) = (Vec::new(), Vec::new());
        for (tick, batch) in s.batches.iter().enumerate() {
            covered.extend(batch.iter().map(|m| all[*m as usize - 1].clone()));
            let mut in_order = covered.clone();
            in_order.sort_by_key(|p| p.from);
            for twice in [false, true] {
                let named: Vec<Label> = by_rule.iter().flat_map(|t| t.labels.clone()).collect();
                let open = by_rule.iter().position(|t| t.open).map(|i| TaskId(i as i64));
                let verdict = judge(&e, &in_order, s.validity, Named { labels: &named, open }, |l| reported.contains(l));
                prop_assert!(!twice || verdict == Verdict::Nothing, "a tick run twice added {:?}", verdict);
                if let ([month], false) = (batch.as_slice(), twice) {
                    let new = &all[*month as usize - 1];
                    prop_assert!(
                        verdict == Verdict::Nothing || searched(&e, &in_order, new, s.validity, open.is_some(), &reported),
                        "the search for {} passed over a holder owed {:?}", new.label, verdict
                    );
                }
                apply(&mut by_rule, verdict);
                let verdict = model(s.n as usize, &covered, s.validity, &by_model, &reported);
                apply(&mut by_model, verdict);
            }
            prop_assert_eq!(&by_rule, &by_model);
            if s.close_after[tick % s.close_after.len()] {
                for t in by_rule.iter_mut().chain(by_model.iter_mut()) {
                    t.open = false;
                }
            }
        }
        // No label is named by two tasks: never a second task for periods already named.
        let named: Vec<&Label> = by_rule.iter().flat_map(|t| &t.labels).collect();
        let distinct: BTreeSet<&Label> = named.iter().copied().collect();
        prop_assert_eq!(named.len(), distinct.len());
    }
}
