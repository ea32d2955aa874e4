//! What each indication yields (docs/REFERENCE.md §7.5): of the tasks a cause gave — the
//! periodic review, a signal kind, an expectation — that were closed in a report's period, how
//! many ended each way and what share, and the median days from creation to closing; for each
//! cause over all units and for each unit. The ministry asked which automated indications are
//! worth a caseworker's time: a cause whose tasks end `no_action` nine times in ten costs time
//! and yields little.
//!
//! Storage counts (`ReportCounts::closed_by_cause` and `days_to_close`, from its one pass over
//! the tasks); this module only divides and ranks, so it is the same on both engines.

use super::report::{distribution, ReportCounts};
use super::task::Outcome;
use std::collections::{BTreeMap, BTreeSet};

/// What one cause's tasks closed in a period yielded, in a unit or in all units.
#[derive(Debug, Clone, PartialEq)]
pub struct Yield {
    /// Tasks closed in the period.
    pub closed: u64,
    /// Of those, how many ended with each outcome (every outcome keyed, 0 included).
    pub by_outcome: BTreeMap<Outcome, u64>,
    /// The median whole days from creation to closing; `None` when none was closed.
    pub median_days: Option<f64>,
}

impl Yield {
    /// How many ended `outcome`.
    pub fn tasks(&self, outcome: Outcome) -> u64 {
        self.by_outcome.get(&outcome).copied().unwrap_or(0)
    }

    /// The share of the closed tasks that ended `outcome`, 0 to 1; `None` when none was closed
    /// (a share of nothing is not 0).
    pub fn share(&self, outcome: Outcome) -> Option<f64> {
        (self.closed > 0).then(|| self.tasks(outcome) as f64 / self.closed as f64)
    }
}

/// What every cause yielded in a period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Yields {
    /// By cause, over all units.
    pub by_cause: BTreeMap<String, Yield>,
    /// By (unit, cause).
    pub by_unit_and_cause: BTreeMap<(String, String), Yield>,
}

/// What each cause yielded in the period `counts` were counted for. Every cause of `causes`
/// (those the configuration knows) has a row over all units, closed tasks or not, and so has
/// every cause of a task created or closed in the period (one the configuration no longer
/// has); a unit has a row for each cause it had a task of created or closed in the period.
pub fn yields(counts: &ReportCounts, causes: &[String]) -> Yields {
    let mut pairs: BTreeSet<(String, String)> =
        counts.created.keys().map(|(unit, _, cause)| (unit.clone(), cause.clone())).collect();
    pairs.extend(counts.closed_by_cause.keys().map(|(unit, cause, _)| (unit.clone(), cause.clone())));
    let mut all: BTreeSet<String> = causes.iter().cloned().collect();
    all.extend(pairs.iter().map(|(_, cause)| cause.clone()));

    let by_unit_and_cause = pairs
        .into_iter()
        .map(|(unit, cause)| {
            let y = tally(counts, |u, c| u == unit && c == cause);
            ((unit, cause), y)
        })
        .collect();
    let by_cause = all.into_iter().map(|cause| (cause.clone(), tally(counts, |_, c| c == cause))).collect();
    Yields { by_cause, by_unit_and_cause }
}

/// The yield of the closed tasks whose (unit, cause) `pick` takes.
fn tally(counts: &ReportCounts, pick: impl Fn(&str, &str) -> bool) -> Yield {
    let mut by_outcome: BTreeMap<Outcome, u64> = Outcome::ALL.iter().map(|o| (*o, 0)).collect();
    for ((unit, cause, outcome), n) in &counts.closed_by_cause {
        if pick(unit, cause) {
            *by_outcome.entry(*outcome).or_default() += n;
        }
    }
    let mut days: BTreeMap<i64, u64> = BTreeMap::new();
    for ((unit, cause, d), n) in &counts.days_to_close {
        if pick(unit, cause) {
            *days.entry(*d).or_default() += n;
        }
    }
    Yield {
        closed: by_outcome.values().sum(),
        by_outcome,
        median_days: distribution(&days).map(|d| d.median),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    /// Counts of closed tasks: (unit, cause, outcome, days to close, how many).
    fn closed(tasks: &[(&str, &str, Outcome, i64, u64)]) -> ReportCounts {
        let mut c = ReportCounts::default();
        for (unit, cause, outcome, days, n) in tasks {
            *c.closed_by_cause.entry((unit.to_string(), cause.to_string(), *outcome)).or_default() += n;
            *c.days_to_close.entry((unit.to_string(), cause.to_string(), *days)).or_default() += n;
        }
        c
    }

    #[test]
    fn a_cause_yields_its_outcomes_shares_and_median_over_all_units_and_by_unit() {
        let c = closed(&[
            ("work", "income_reported", NoAction, 3, 6),
            ("work", "income_reported", RevocationInitiated, 20, 1),
            ("study", "income_reported", Referred, 9, 1),
            ("study", "periodic_review", NoAction, 2, 1),
            ("study", "periodic_review", PermitInactive, 4, 1),
        ]);
        let y = yields(&c, &[]);
        let income = &y.by_cause["income_reported"];
        assert_eq!((income.closed, income.tasks(NoAction), income.tasks(Referred)), (8, 6, 1));
        assert_eq!(income.share(NoAction), Some(0.75));
        assert_eq!(income.share(RevocationInitiated), Some(0.125));
        assert_eq!(income.median_days, Some(3.0), "3 3 3 3 3 3 9 20: the mean of the two middle");
        let work = &y.by_unit_and_cause[&("work".into(), "income_reported".into())];
        assert_eq!((work.closed, work.median_days), (7, Some(3.0)));
        assert_eq!(work.share(Referred), Some(0.0));
        let review = &y.by_cause["periodic_review"];
        assert_eq!((review.share(PermitInactive), review.median_days), (Some(0.5), Some(3.0)));
        assert_eq!(y.by_unit_and_cause.len(), 3);
    }

    #[test]
    fn a_configured_cause_with_nothing_closed_has_a_row_of_zeros_and_no_shares() {
        let mut c = closed(&[("work", "income_reported", NoAction, 1, 2)]);
        c.created.insert(("study".into(), "study".into(), "emigrated".into()), 3);
        let y = yields(&c, &["periodic_review".into(), "income_reported".into()]);
        assert_eq!(
            y.by_cause.keys().map(String::as_str).collect::<Vec<_>>(),
            ["emigrated", "income_reported", "periodic_review"],
            "configured causes, and a cause of a task created in the period"
        );
        let review = &y.by_cause["periodic_review"];
        assert_eq!((review.closed, review.share(NoAction), review.median_days), (0, None, None));
        assert_eq!(review.by_outcome.len(), Outcome::ALL.len(), "every outcome keyed");
        let emigrated = &y.by_unit_and_cause[&("study".into(), "emigrated".into())];
        assert_eq!((emigrated.closed, emigrated.median_days), (0, None));
        assert!(!y.by_unit_and_cause.contains_key(&("study".into(), "periodic_review".into())));
    }

    #[test]
    fn nothing_counted_and_nothing_configured_yields_nothing() {
        assert_eq!(yields(&ReportCounts::default(), &[]), Yields::default());
    }
}
