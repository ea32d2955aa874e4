//! A task in a few words, for the person who reads a digest: what caused it ("Registered as
//! emigrated", "Income below the threshold") and what is specific to this one task, taken from
//! the reason stored on it ("24350 SEK reported for 2026-10, below the threshold of 28480
//! SEK"). The stored reason is the rule's `reason`, then `: ` and the specifics when the rule
//! adds any (docs/REFERENCE.md §5.4), so the specifics are what follows the rule's words.

use super::policy::Policy;
use super::signal::INCOME_REPORTED;
use super::task::Cause;

/// The reason of a periodic review begins so; its occasion is its due date, shown anyway.
const PERIODIC_REASON: &str = "Periodic review, occasion ";

/// Words of the two income reasons (docs/REFERENCE.md §5.4) that tell them apart.
const BELOW_THRESHOLD: &str = "below the threshold";
const OTHER_EMPLOYER: &str = "not the permit's employer";

/// The shipped signal kinds in a few words. A kind a configuration adds is named by its rule's
/// `reason`.
const KIND_WORDS: [(&str, &str); 8] = [
    ("name_changed", "Name changed"),
    ("birth_date_changed", "Date of birth changed"),
    ("citizenship_changed", "Citizenship changed"),
    ("emigrated", "Registered as emigrated"),
    ("deceased", "Registered as deceased"),
    ("study_registration_missing", "Not registered for studies"),
    ("study_progress_insufficient", "Insufficient study progress"),
    ("employment_ended", "Employment ended"),
];

/// What a digest says a task is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    /// The cause in words.
    pub cause: String,
    /// What the stored reason adds to the cause, if anything.
    pub specifics: Option<String>,
}

impl Headline {
    /// The headline of a task of `cause` whose stored reason is `reason`, under `policy`.
    pub fn of(cause: &Cause, reason: &str, policy: &Policy) -> Headline {
        let reason = reason.trim();
        let kind = match cause {
            Cause::PeriodicReview => {
                let specifics = (!reason.starts_with(PERIODIC_REASON)).then(|| reason.to_string());
                return Headline { cause: "Periodic review".into(), specifics };
            }
            Cause::Signal(kind) => kind.as_str(),
        };
        let rule_reason = policy.signals.get(kind).map(|r| r.reason.trim());
        let specifics = match rule_reason {
            Some(rule) if reason == rule => None,
            Some(rule) => {
                Some(reason.strip_prefix(rule).and_then(|r| r.strip_prefix(": ")).unwrap_or(reason))
            }
            None => Some(reason),
        }
        .filter(|s| !s.is_empty());
        let cause = match (kind, &specifics) {
            (INCOME_REPORTED, Some(s)) if s.contains(BELOW_THRESHOLD) => "Income below the threshold".into(),
            (INCOME_REPORTED, Some(s)) if s.contains(OTHER_EMPLOYER) => "Income from another employer".into(),
            (INCOME_REPORTED, _) => "Income reported".into(),
            _ => match KIND_WORDS.iter().find(|(k, _)| *k == kind) {
                Some((_, words)) => (*words).to_string(),
                None => rule_reason.map_or_else(|| humane(kind), str::to_string),
            },
        };
        let specifics = specifics.filter(|s| *s != cause).map(str::to_string);
        Headline { cause, specifics }
    }
}

/// `study_leave` → `Study leave`: a kind no rule names any more.
fn humane(kind: &str) -> String {
    let words = kind.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signal::evaluate;
    use crate::domain::signal::test_support::{permit, policy, signal};
    use serde_json::json;

    fn signal_cause(kind: &str) -> Cause {
        Cause::Signal(kind.into())
    }

    #[test]
    fn the_two_income_reasons_read_as_what_happened_with_their_figures() {
        let p = policy(true);
        let work = permit("W-1", "P-1", "work", "2025-01-01", Some("5560000001"));
        let data = |amount: u32, employer: &str| {
            json!({"amount_sek": amount, "employer_org_no": employer, "period": "2026-10"})
                .as_object()
                .unwrap()
                .clone()
        };
        let reason = |amount, employer| {
            let s = signal(1, INCOME_REPORTED, "P-1", "2026-11-01", data(amount, employer));
            evaluate(&p, &s, &work).unwrap().reason
        };
        let low = Headline::of(&signal_cause(INCOME_REPORTED), &reason(24350, "5560000001"), &p);
        assert_eq!(low.cause, "Income below the threshold");
        assert_eq!(
            low.specifics.as_deref(),
            Some("24350 SEK reported for 2026-10, below the threshold of 28480 SEK")
        );
        let other = Headline::of(&signal_cause(INCOME_REPORTED), &reason(40000, "5569999999"), &p);
        assert_eq!(other.cause, "Income from another employer");
        assert_eq!(
            other.specifics.as_deref(),
            Some("income for 2026-10 from employer 5569999999, not the permit's employer 5560000001")
        );
    }

    #[test]
    fn a_reason_that_only_repeats_its_rule_adds_nothing_to_the_cause() {
        let p = policy(false);
        let emigrated = Headline::of(&signal_cause("emigrated"), "Holder registered as emigrated", &p);
        assert_eq!(emigrated, Headline { cause: "Registered as emigrated".into(), specifics: None });
        let review = Headline::of(&Cause::PeriodicReview, "Periodic review, occasion 2026-07-15", &p);
        assert_eq!(review, Headline { cause: "Periodic review".into(), specifics: None });
    }

    #[test]
    fn a_reason_written_under_an_earlier_rule_is_shown_whole() {
        let p = policy(false);
        let h = Headline::of(&signal_cause("emigrated"), "Holder left the country", &p);
        assert_eq!(h.specifics.as_deref(), Some("Holder left the country"));
    }

    #[test]
    fn a_kind_the_configuration_added_is_named_by_its_rule_or_else_by_its_key() {
        let mut p = policy(false);
        let mut rule = p.signals["emigrated"].clone();
        rule.reason = "Holder on study leave".into();
        p.signals.insert("study_leave".into(), rule);
        let h = Headline::of(&signal_cause("study_leave"), "Holder on study leave", &p);
        assert_eq!(h, Headline { cause: "Holder on study leave".into(), specifics: None });
        let gone = Headline::of(&signal_cause("work_leave"), "Holder on leave", &p);
        assert_eq!(gone, Headline { cause: "Work leave".into(), specifics: Some("Holder on leave".into()) });
    }
}
