//! Weekly capacity (§4): a unit gets at most `weekly_capacity` tasks created in one ISO week.
//! Signal tasks always go through and count; periodic tasks beyond the capacity are deferred,
//! oldest occasion first (ties by permit id), to a later tick.

use super::policy::Policy;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use std::collections::BTreeMap;

/// The Monday and Sunday of the ISO week holding `date`.
pub fn iso_week_bounds(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
    (monday, monday + Days::new(6))
}

/// The ISO week as `2027-W03` (the ISO year, which differs from the calendar year around New Year).
pub fn week_label(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The Monday of ISO week `week` of ISO year `year`.
pub fn monday_of(year: i32, week: u32) -> Option<NaiveDate> {
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
}

/// Tasks created so far this week, by unit: the ledger capacity is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekLedger {
    used: BTreeMap<String, u32>,
}

impl WeekLedger {
    /// A ledger that starts from the counts already in storage.
    pub fn from_counts(used: BTreeMap<String, u32>) -> Self {
        WeekLedger { used }
    }

    /// Tasks counted for `unit` so far.
    pub fn used(&self, unit: &str) -> u32 {
        self.used.get(unit).copied().unwrap_or(0)
    }

    /// Counts a task that is created whatever the capacity (a signal task).
    pub fn force(&mut self, unit: &str) {
        *self.used.entry(unit.to_string()).or_default() += 1;
    }

    /// Counts a periodic task if `unit` has room left; false means defer it.
    pub fn try_take(&mut self, policy: &Policy, unit: &str) -> bool {
        let used = self.used(unit);
        match policy.capacity(unit) {
            Some(cap) if used >= cap => false,
            _ => {
                self.used.insert(unit.to_string(), used + 1);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Unit;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        // 2026-12-31 is a Thursday of 2026-W53; 2027-01-03 a Sunday of the same week.
        assert_eq!(week_label(d("2026-12-31")), "2026-W53");
        assert_eq!(week_label(d("2027-01-03")), "2026-W53");
        assert_eq!(week_label(d("2027-01-04")), "2027-W01");
        assert_eq!(iso_week_bounds(d("2027-01-01")), (d("2026-12-28"), d("2027-01-03")));
        // 2024-12-30 (Monday) belongs to 2025-W01.
        assert_eq!(week_label(d("2024-12-30")), "2025-W01");
        assert_eq!(monday_of(2025, 1), Some(d("2024-12-30")));
    }

    #[test]
    fn periodic_tasks_stop_at_capacity_and_signals_do_not() {
        let mut policy = Policy::default();
        policy
            .units
            .insert("study".into(), Unit { name: "Study".into(), email: vec![], weekly_capacity: Some(2) });
        let mut ledger = WeekLedger::default();
        ledger.force("study");
        assert!(ledger.try_take(&policy, "study"));
        assert!(!ledger.try_take(&policy, "study"));
        ledger.force("study");
        assert_eq!(ledger.used("study"), 3);
        assert!(ledger.try_take(&policy, "unlimited"));
    }
}
