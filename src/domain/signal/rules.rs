//! What one signal asks of one permit (docs/REFERENCE.md §5): a task or nothing, with which
//! reason and due date; and when a signal that matches no permit is given up on.

use super::{Signal, INCOME_REPORTED, PROTECTED_IDENTITY};
use crate::domain::permit::Permit;
use crate::domain::policy::{Policy, SignalRule};
use chrono::NaiveDate;
use serde_json::Value;

/// A task a signal asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalTask {
    /// The rule's reason, with the specifics of `income_reported`.
    pub reason: String,
    /// `occurred_on + due_within`.
    pub due_on: NaiveDate,
}

/// Whether `signal` makes a task for `permit`, and which. The permit's status is the caller's
/// to check (only active permits are followed up).
pub fn evaluate(policy: &Policy, signal: &Signal, permit: &Permit) -> Option<SignalTask> {
    let rule = policy.signals.get(&signal.kind)?;
    if !rule.concerns(&permit.ground) {
        return None;
    }
    let mut reason = if signal.kind == INCOME_REPORTED {
        income_reason(rule, signal, permit)?
    } else {
        rule.reason.clone()
    };
    // A Navet record of a protected identity (docs/REFERENCE.md §12): the task says so, so that
    // whoever handles it follows the routine for protected persons.
    if signal.data.get(PROTECTED_IDENTITY) == Some(&Value::Bool(true)) {
        reason.push_str(" (protected identity)");
    }
    let due_on = rule.due_within.after(signal.occurred_on)?;
    Some(SignalTask { reason, due_on })
}

/// `income_reported` makes a task below the threshold in force when the permit was granted, or
/// when the income comes from another employer than the permit's (with `check_employer`).
fn income_reason(rule: &SignalRule, signal: &Signal, permit: &Permit) -> Option<String> {
    let amount = signal.data.get("amount_sek").and_then(Value::as_f64);
    let period = signal.data.get("period").and_then(Value::as_str).unwrap_or("the period");
    let threshold = rule.min_monthly_sek.as_ref().and_then(|t| t.for_permit(permit.validity.valid_from));
    if let (Some(amount), Some(threshold)) = (amount, threshold) {
        if amount < threshold as f64 {
            return Some(format!(
                "{}: {amount} SEK reported for {period}, below the threshold of {threshold} SEK",
                rule.reason
            ));
        }
    }
    let employer = signal.data.get("employer_org_no").and_then(Value::as_str);
    match (rule.check_employer, &permit.employer, employer) {
        (true, Some(own), Some(other)) if own.as_str() != other => Some(format!(
            "{}: income for {period} from employer {other}, not the permit's employer {own}",
            rule.reason
        )),
        _ => None,
    }
}

/// Whether a signal received on `received_on` that still matches no permit is given up on
/// `today`: the first tick on or after receipt + `unmatched_after` marks it unmatched.
pub fn is_unmatched(policy: &Policy, received_on: NaiveDate, today: NaiveDate) -> bool {
    policy.unmatched_after.after(received_on).is_none_or(|limit| today >= limit)
}

/// A receipt date on or before which every signal [`is_unmatched`] on `today` falls: `today`
/// less the shortest `unmatched_after` can be in days (a month lasts 28 days at least).
/// Signals received after it are not given up on today, so a tick that nothing else sends
/// back to a pending signal need not read it. A window too long for the calendar gives
/// `today`: every signal is then read, as it may be given up on.
pub fn unmatched_if_received_by(policy: &Policy, today: NaiveDate) -> NaiveDate {
    let span = policy.unmatched_after;
    let shortest = u64::from(span.months) * 28 + u64::from(span.days);
    today.checked_sub_days(chrono::Days::new(shortest)).unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signal::test_support::{d, permit, policy, signal};
    use serde_json::{json, Map};

    fn income(amount: f64, employer: &str) -> Map<String, Value> {
        json!({"amount_sek": amount, "employer_org_no": employer, "period": "2026-10"})
            .as_object()
            .unwrap()
            .clone()
    }

    fn work(valid_from: &str) -> Permit {
        permit("W-1", "P-1", "work", valid_from, Some("5560000001"))
    }

    fn eval(p: &Policy, data: &Map<String, Value>, permit: &Permit) -> Option<SignalTask> {
        evaluate(p, &signal(1, INCOME_REPORTED, "P-1", "2026-11-01", data.clone()), permit)
    }

    #[test]
    fn a_signal_of_a_protected_identity_makes_a_task_that_says_so() {
        let p = policy(false);
        let mut data = Map::new();
        data.insert("protected_identity".into(), json!(true));
        let s = signal(1, "emigrated", "P-1", "2026-11-19", data);
        let task = evaluate(&p, &s, &permit("A", "P-1", "study", "2025-01-01", None)).unwrap();
        assert_eq!(task.reason, "Holder registered as emigrated (protected identity)");
    }

    #[test]
    fn one_krona_under_the_threshold_makes_a_task_and_the_threshold_itself_does_not() {
        let p = policy(true);
        let task = eval(&p, &income(28479.0, "5560000001"), &work("2025-01-01")).unwrap();
        assert!(task.reason.contains("28479 SEK") && task.reason.contains("28480 SEK"), "{}", task.reason);
        assert_eq!(task.due_on, d("2026-12-01"));
        assert_eq!(eval(&p, &income(28480.0, "5560000001"), &work("2025-01-01")), None);
    }

    #[test]
    fn the_threshold_in_force_when_the_permit_was_granted_applies() {
        let p = policy(true);
        assert_eq!(eval(&p, &income(28000.0, "5560000001"), &work("2024-01-01")), None, "27360 applied");
        assert!(eval(&p, &income(28000.0, "5560000001"), &work("2024-06-01")).is_some());
        // Granted before the first entry: no threshold applies.
        assert_eq!(eval(&p, &income(1.0, "5560000001"), &work("2023-01-01")), None);
    }

    #[test]
    fn another_employer_makes_a_task_only_when_the_check_is_on() {
        let other = income(40000.0, "5569999999");
        let task = eval(&policy(true), &other, &work("2025-01-01")).unwrap();
        assert!(task.reason.contains("5569999999") && task.reason.contains("5560000001"), "{}", task.reason);
        assert_eq!(eval(&policy(false), &other, &work("2025-01-01")), None);
        let no_employer = Permit { employer: None, ..work("2025-01-01") };
        assert_eq!(eval(&policy(true), &other, &no_employer), None);
    }

    #[test]
    fn a_rule_concerns_only_its_grounds() {
        let p = policy(true);
        let study = permit("S-1", "P-1", "study", "2025-01-01", None);
        assert_eq!(eval(&p, &income(1.0, "5560000001"), &study), None);
        let emigrated = signal(2, "emigrated", "P-1", "2026-11-19", Map::new());
        let task = evaluate(&p, &emigrated, &study).unwrap();
        assert_eq!((task.reason.as_str(), task.due_on), ("Holder registered as emigrated", d("2026-12-03")));
    }

    #[test]
    fn an_unmatched_signal_is_given_up_on_the_first_tick_after_the_window() {
        let p = policy(true);
        assert!(!is_unmatched(&p, d("2026-11-01"), d("2026-11-30")));
        assert!(is_unmatched(&p, d("2026-11-01"), d("2026-12-01")));
        assert!(is_unmatched(&p, d("2026-11-01"), d("2027-01-01")));
    }

    #[test]
    fn every_signal_given_up_on_today_was_received_by_the_bound() {
        use crate::domain::span::Span;
        for span in [Span::new(0, 30), Span::new(1, 0), Span::new(2, 3), Span::new(12, 0), Span::new(0, 0)] {
            let p = Policy { unmatched_after: span, ..Policy::default() };
            for today in d("2027-01-01").iter_days().take(800).step_by(7) {
                let bound = unmatched_if_received_by(&p, today);
                for received in d("2026-10-01").iter_days().take_while(|r| *r <= today) {
                    if is_unmatched(&p, received, today) {
                        assert!(
                            received <= bound,
                            "{span:?}: received {received}, today {today}, bound {bound}"
                        );
                    }
                }
            }
        }
    }
}
