//! `report`: what the follow-up produced in a period (docs/REFERENCE.md §7) — the figures the
//! agency sends the ministry. Storage counts; this module says what the counts mean: the
//! days-to-close distribution's median and 90th percentile, and each unit's week-end open
//! tasks from its openings and closings.

use super::calendar::iso_week_bounds;
use super::signal::SignalState;
use super::task::Outcome;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Everything storage counts for a report on the period `from`..=`to`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportCounts {
    /// Tasks created in the period: (unit, the permit's ground, cause) → tasks.
    pub created: BTreeMap<(String, String, String), u64>,
    /// Tasks closed in the period: (unit, outcome) → tasks.
    pub closed: BTreeMap<(String, Outcome), u64>,
    /// Tasks closed in the period by cause: (unit, cause, outcome) → tasks (what each indication
    /// yields, `domain::yields`).
    pub closed_by_cause: BTreeMap<(String, String, Outcome), u64>,
    /// Tasks closed in the period by days from creation to closing: (unit, cause, days) → tasks.
    pub days_to_close: BTreeMap<(String, String, i64), u64>,
    /// Open at the period's end, by unit.
    pub open_at_end: BTreeMap<String, u64>,
    /// Open at the period's end and due on or before its last day, by unit.
    pub overdue_at_end: BTreeMap<String, u64>,
    /// Open the day before the period, by unit.
    pub open_before: BTreeMap<String, u64>,
    /// Tasks created per (unit, day) of the period.
    pub created_by_day: BTreeMap<(String, NaiveDate), u64>,
    /// Tasks closed per (unit, day) of the period.
    pub closed_by_day: BTreeMap<(String, NaiveDate), u64>,
    /// Signals received in the period, by (kind, state now).
    pub signals: BTreeMap<(String, SignalState), u64>,
    /// Of those, the signals derived from Navet files (docs/REFERENCE.md §12), by kind.
    pub derived: BTreeMap<String, u64>,
    /// Digests the mail server accepted in the period, by unit.
    pub digests: BTreeMap<String, u64>,
}

/// What `report` reads of a task: enough to count it towards every figure of a period.
/// Storage reads these in one pass over the tasks and hands each distinct one over once, with
/// how many tasks share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskFacts {
    /// The responsible unit.
    pub unit: String,
    /// The permit's ground when the task was created.
    pub ground: String,
    /// The cause.
    pub cause: String,
    /// The local date it was created on.
    pub created_on: NaiveDate,
    /// When it is due.
    pub due_on: NaiveDate,
    /// Whether it is open now.
    pub open: bool,
    /// The local date it was closed on, and how, once closed.
    pub closed: Option<(NaiveDate, Outcome)>,
}

impl ReportCounts {
    /// Counts `n` tasks alike in `t` towards the figures of the period `from`..=`to`:
    /// created in it (by unit, ground and cause, and by day), closed in it (by outcome, by
    /// cause and outcome, by day, and by days from creation to closing), open at its end (and overdue then: due on
    /// or before its last day), and open the day before it.
    pub fn count_tasks(&mut self, t: &TaskFacts, n: u64, (from, to): (NaiveDate, NaiveDate)) {
        let within = |day: NaiveDate| from <= day && day <= to;
        let closed_on = t.closed.map(|(day, _)| day);
        if within(t.created_on) {
            *self.created.entry((t.unit.clone(), t.ground.clone(), t.cause.clone())).or_default() += n;
            *self.created_by_day.entry((t.unit.clone(), t.created_on)).or_default() += n;
        }
        if let Some((day, outcome)) = t.closed.filter(|(day, _)| within(*day)) {
            *self.closed.entry((t.unit.clone(), outcome)).or_default() += n;
            *self.closed_by_cause.entry((t.unit.clone(), t.cause.clone(), outcome)).or_default() += n;
            *self.closed_by_day.entry((t.unit.clone(), day)).or_default() += n;
            let days = (day - t.created_on).num_days();
            *self.days_to_close.entry((t.unit.clone(), t.cause.clone(), days)).or_default() += n;
        }
        // Open on a day: created by then, and still open, or closed only after it.
        let open_after =
            |day: NaiveDate| t.created_on <= day && (t.open || closed_on.is_some_and(|c| c > day));
        if open_after(to) {
            *self.open_at_end.entry(t.unit.clone()).or_default() += n;
            if t.due_on <= to {
                *self.overdue_at_end.entry(t.unit.clone()).or_default() += n;
            }
        }
        if from.pred_opt().is_some_and(open_after) {
            *self.open_before.entry(t.unit.clone()).or_default() += n;
        }
    }
}

/// The days from creation to closing of a set of tasks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distribution {
    /// How many tasks.
    pub tasks: u64,
    /// The median: the middle value, or the mean of the two middle ones.
    pub median: f64,
    /// The 90th percentile by nearest rank: the smallest value that at least 90% of the tasks
    /// do not exceed.
    pub p90: i64,
}

/// The distribution of a histogram of (days → tasks); `None` when it is empty.
pub fn distribution(histogram: &BTreeMap<i64, u64>) -> Option<Distribution> {
    let tasks: u64 = histogram.values().sum();
    if tasks == 0 {
        return None;
    }
    // The value at 1-based rank `r`.
    let at = |r: u64| {
        let mut seen = 0;
        histogram.iter().find_map(|(days, n)| {
            seen += n;
            (seen >= r).then_some(*days)
        })
    };
    let middle = if tasks % 2 == 1 {
        at(tasks / 2 + 1).map(|v| v as f64)
    } else {
        at(tasks / 2).zip(at(tasks / 2 + 1)).map(|(a, b)| (a + b) as f64 / 2.0)
    };
    let p90 = at(tasks.saturating_mul(9).div_ceil(10).max(1));
    Some(Distribution { tasks, median: middle?, p90: p90? })
}

/// Each (unit, cause)'s distribution of days to close, and each unit's over all its causes.
pub fn days_to_close(counts: &ReportCounts) -> BTreeMap<(String, Option<String>), Distribution> {
    let mut histograms: BTreeMap<(String, Option<String>), BTreeMap<i64, u64>> = BTreeMap::new();
    for ((unit, cause, days), n) in &counts.days_to_close {
        for key in [(unit.clone(), Some(cause.clone())), (unit.clone(), None)] {
            *histograms.entry(key).or_default().entry(*days).or_default() += n;
        }
    }
    histograms.into_iter().filter_map(|(key, h)| distribution(&h).map(|d| (key, d))).collect()
}

/// One unit's week: tasks created in it, and tasks open at its end (or the period's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    /// The Monday.
    pub week: NaiveDate,
    /// Tasks created in the week, within the period.
    pub created: u64,
    /// Tasks open at the week's end.
    pub open: u64,
}

/// Each unit's weeks of the period `from`..=`to`, for `units` and every unit counted.
pub fn weeks(
    counts: &ReportCounts,
    units: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, Vec<Week>> {
    let mut names: Vec<String> = units.to_vec();
    names.extend(counts.open_before.keys().cloned());
    names.extend(counts.created_by_day.keys().map(|(u, _)| u.clone()));
    names.sort();
    names.dedup();
    let mut out = BTreeMap::new();
    for unit in names {
        let mut open = counts.open_before.get(&unit).copied().unwrap_or(0);
        let mut weeks: Vec<Week> = Vec::new();
        for day in from.iter_days().take_while(|d| *d <= to) {
            let monday = iso_week_bounds(day).0;
            if weeks.last().is_none_or(|w| w.week != monday) {
                weeks.push(Week { week: monday, created: 0, open });
            }
            let key = (unit.clone(), day);
            let created = counts.created_by_day.get(&key).copied().unwrap_or(0);
            let closed = counts.closed_by_day.get(&key).copied().unwrap_or(0);
            open = (open + created).saturating_sub(closed);
            if let Some(w) = weeks.last_mut() {
                w.created += created;
                w.open = open;
            }
        }
        out.insert(unit, weeks);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: &[i64]) -> BTreeMap<i64, u64> {
        let mut h = BTreeMap::new();
        for v in values {
            *h.entry(*v).or_default() += 1;
        }
        h
    }

    #[test]
    fn the_median_and_the_90th_percentile_by_nearest_rank() {
        let d = distribution(&hist(&[1, 2, 3, 4, 100])).unwrap();
        assert_eq!((d.tasks, d.median, d.p90), (5, 3.0, 100));
        let d = distribution(&hist(&[1, 2, 3, 4])).unwrap();
        assert_eq!((d.median, d.p90), (2.5, 4));
        let ten: Vec<i64> = (1..=10).collect();
        let d = distribution(&hist(&ten)).unwrap();
        assert_eq!((d.median, d.p90), (5.5, 9), "9 of 10 tasks take 9 days or less");
        assert_eq!(distribution(&hist(&[7])).map(|d| (d.median, d.p90)), Some((7.0, 7)));
        assert_eq!(distribution(&BTreeMap::new()), None);
    }

    #[test]
    fn open_tasks_at_each_weeks_end_follow_openings_and_closings() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut c = ReportCounts::default();
        c.open_before.insert("study".into(), 4);
        c.created_by_day.insert(("study".into(), d("2027-01-05")), 3);
        c.closed_by_day.insert(("study".into(), d("2027-01-12")), 5);
        let w = weeks(&c, &["study".into(), "work".into()], d("2027-01-04"), d("2027-01-13"));
        assert_eq!(
            w["study"],
            [
                Week { week: d("2027-01-04"), created: 3, open: 7 },
                Week { week: d("2027-01-11"), created: 0, open: 2 }
            ]
        );
        assert_eq!(w["work"].iter().map(|x| x.open).sum::<u64>(), 0);
    }

    #[test]
    fn a_task_counts_towards_each_figure_its_dates_fall_in() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let period = (d("2027-01-04"), d("2027-01-31"));
        let task = |created: &str, due: &str, closed: Option<(&str, Outcome)>| TaskFacts {
            unit: "work".into(),
            ground: "work".into(),
            cause: "income_reported".into(),
            created_on: d(created),
            due_on: d(due),
            open: closed.is_none(),
            closed: closed.map(|(day, o)| (d(day), o)),
        };
        let mut c = ReportCounts::default();
        // Created before the period, closed in it after 30 days: open before, closed, not open at the end.
        c.count_tasks(&task("2026-12-20", "2027-01-03", Some(("2027-01-19", Outcome::Referred))), 2, period);
        // Created in it and still open, due by its end: created, open and overdue at the end.
        c.count_tasks(&task("2027-01-10", "2027-01-24", None), 3, period);
        // Created in it, closed after it: created, open at the end, not overdue (due later).
        c.count_tasks(&task("2027-01-31", "2027-02-14", Some(("2027-02-02", Outcome::NoAction))), 1, period);
        // Closed the day before the period: counted nowhere.
        c.count_tasks(&task("2026-12-01", "2026-12-15", Some(("2027-01-03", Outcome::NoAction))), 7, period);
        let key = ("work".to_string(), "work".to_string(), "income_reported".to_string());
        assert_eq!(c.created, BTreeMap::from([(key, 4)]));
        assert_eq!(c.created_by_day.len(), 2);
        assert_eq!(c.closed, BTreeMap::from([(("work".to_string(), Outcome::Referred), 2)]));
        assert_eq!(
            c.closed_by_cause,
            BTreeMap::from([(("work".to_string(), "income_reported".to_string(), Outcome::Referred), 2)])
        );
        assert_eq!(c.closed_by_day, BTreeMap::from([(("work".to_string(), d("2027-01-19")), 2)]));
        assert_eq!(
            c.days_to_close,
            BTreeMap::from([(("work".to_string(), "income_reported".to_string(), 30), 2)])
        );
        assert_eq!(c.open_before, BTreeMap::from([("work".to_string(), 2)]));
        assert_eq!(c.open_at_end, BTreeMap::from([("work".to_string(), 4)]));
        assert_eq!(c.overdue_at_end, BTreeMap::from([("work".to_string(), 3)]));
    }
}
