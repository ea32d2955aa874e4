//! Weekly capacity (docs/REFERENCE.md §4): a unit gets at most `weekly_capacity` tasks created in one ISO week.
//! Signal tasks always go through and count; periodic tasks beyond the capacity are deferred,
//! oldest occasion first (ties by permit id), to a later tick.

use super::keys::UnitKey;
use super::policy::Policy;
use std::collections::BTreeMap;

/// Tasks created so far this week, by unit: the ledger capacity is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekLedger {
    used: BTreeMap<UnitKey, u32>,
}

impl WeekLedger {
    /// A ledger that starts from the counts already in storage.
    pub fn from_counts(used: BTreeMap<UnitKey, u32>) -> Self {
        WeekLedger { used }
    }

    /// Tasks counted for `unit` so far.
    pub fn used(&self, unit: &UnitKey) -> u32 {
        self.used.get(unit).copied().unwrap_or(0)
    }

    /// Counts a task that is created whatever the capacity (a signal task).
    pub fn force(&mut self, unit: &UnitKey) {
        self.add(unit, 1);
    }

    /// Counts `n` tasks of `unit` that capacity must make room for (signal tasks expected from
    /// history, in a forecast).
    pub fn reserve(&mut self, unit: &UnitKey, n: u32) {
        self.add(unit, n);
    }

    /// Counts a periodic task if `unit` has room left; false means defer it.
    pub fn try_take(&mut self, policy: &Policy, unit: &UnitKey) -> bool {
        match policy.capacity(unit.as_str()) {
            Some(cap) if self.used(unit) >= cap => false,
            _ => {
                self.add(unit, 1);
                true
            }
        }
    }

    /// Whether `unit` can take no periodic task this week.
    pub fn is_full(&self, policy: &Policy, unit: &UnitKey) -> bool {
        policy.capacity(unit.as_str()).is_some_and(|cap| self.used(unit) >= cap)
    }

    fn add(&mut self, unit: &UnitKey, n: u32) {
        match self.used.get_mut(unit) {
            Some(used) => *used = used.saturating_add(n),
            None => {
                self.used.insert(unit.clone(), n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Unit;

    #[test]
    fn periodic_tasks_stop_at_capacity_and_signals_do_not() {
        let mut policy = Policy::default();
        policy
            .units
            .insert("study".into(), Unit { name: "Study".into(), email: vec![], weekly_capacity: Some(2) });
        let mut ledger = WeekLedger::default();
        let (study, unlimited) = (UnitKey::from("study"), UnitKey::from("unlimited"));
        ledger.force(&study);
        assert!(ledger.try_take(&policy, &study));
        assert!(!ledger.try_take(&policy, &study));
        ledger.force(&study);
        assert_eq!(ledger.used(&study), 3);
        assert!(ledger.try_take(&policy, &unlimited));
    }
}
