//! A task as a digest names it: the key of a short heading for its cause (`emigrated`,
//! `income-below-threshold`), which the mail writes in its own language's words ("Registered as
//! emigrated", "Inkomst under gränsbeloppet"), beside its reason as stored — the rule's `reason`
//! as policy staff configured it, often in Swedish, with what the task adds to it ("…: 24350 SEK
//! reported for 2026-10, below the threshold of 28480 SEK", docs/REFERENCE.md §5.4). The heading
//! never stands instead of the reason (§6.2): the reason is shown whole, as written, but for a
//! periodic review's built-in one, which says no more than the heading and the due date.

use super::policy::Policy;
use super::signal::INCOME_REPORTED;
use super::task::Cause;

/// The reason of a periodic review begins so; its occasion is its due date, shown anyway.
const PERIODIC_REASON: &str = "Periodic review, occasion ";

/// Words of the two income reasons (docs/REFERENCE.md §5.4) that tell them apart.
const BELOW_THRESHOLD: &str = "below the threshold";
const OTHER_EMPLOYER: &str = "not the permit's employer";

/// The heading of a periodic review.
pub const PERIODIC_REVIEW: &str = "periodic_review";
/// The heading of an income below the work-permit threshold.
pub const INCOME_BELOW_THRESHOLD: &str = "income-below-threshold";
/// The heading of income from an employer other than the permit's.
pub const INCOME_OTHER_EMPLOYER: &str = "income-other-employer";

/// What a digest says a task is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    /// The key of a short heading for the cause: `periodic_review`, the signal's kind (any
    /// kind, shipped or added by a configuration), or one of the two income headings. The mail
    /// writes it in its language (`i18n::Language::cause`).
    pub cause: String,
    /// The task's reason as stored, whole; `None` for a periodic review's built-in reason and
    /// an empty one.
    pub reason: Option<String>,
}

impl Headline {
    /// The headline of a task of `cause` whose stored reason is `reason`, under `policy`.
    pub fn of(cause: &Cause, reason: &str, policy: &Policy) -> Headline {
        let reason = reason.trim();
        let heading = match cause {
            Cause::PeriodicReview => {
                return Headline::beside(PERIODIC_REVIEW.into(), shown_reason(cause, reason))
            }
            Cause::Signal(kind) if kind == INCOME_REPORTED => income_heading(reason, policy),
            Cause::Signal(kind) => kind.clone(),
        };
        Headline::beside(heading, Some(reason))
    }

    fn beside(cause: String, reason: Option<&str>) -> Headline {
        let reason = reason.filter(|r| !r.is_empty()).map(str::to_string);
        Headline { cause, reason }
    }
}

/// A task's reason as people read it beside its cause, in the digest and the inbox: as stored,
/// trimmed, but none for a periodic review's built-in reason ("Periodic review, occasion DATE"),
/// which says no more than the cause and the due date shown beside it, and says it in English
/// only; none for an empty one.
pub fn shown_reason<'a>(cause: &Cause, reason: &'a str) -> Option<&'a str> {
    let reason = reason.trim();
    let built_in = matches!(cause, Cause::PeriodicReview) && reason.starts_with(PERIODIC_REASON);
    (!built_in && !reason.is_empty()).then_some(reason)
}

/// Which of the two income reasons a task has, from what it adds to its rule's `reason` (or, when
/// the rule's words changed since, from the whole of it).
fn income_heading(reason: &str, policy: &Policy) -> String {
    let rule = policy.signals.get(INCOME_REPORTED).map(|r| r.reason.trim()).unwrap_or_default();
    let added = reason.strip_prefix(rule).and_then(|r| r.strip_prefix(": ")).unwrap_or(reason);
    if added.contains(BELOW_THRESHOLD) {
        INCOME_BELOW_THRESHOLD.into()
    } else if added.contains(OTHER_EMPLOYER) {
        INCOME_OTHER_EMPLOYER.into()
    } else {
        INCOME_REPORTED.into()
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
    fn the_two_income_reasons_are_headed_by_what_happened_beside_the_rules_reason_and_figures() {
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
        let rule = &p.signals[INCOME_REPORTED].reason;
        let low = Headline::of(&signal_cause(INCOME_REPORTED), &reason(24350, "5560000001"), &p);
        assert_eq!(low.cause, INCOME_BELOW_THRESHOLD);
        assert_eq!(
            low.reason,
            Some(format!("{rule}: 24350 SEK reported for 2026-10, below the threshold of 28480 SEK"))
        );
        let other = Headline::of(&signal_cause(INCOME_REPORTED), &reason(40000, "5569999999"), &p);
        assert_eq!(other.cause, INCOME_OTHER_EMPLOYER);
        assert_eq!(
            other.reason,
            Some(format!(
                "{rule}: income for 2026-10 from employer 5569999999, not the permit's employer 5560000001"
            ))
        );
    }

    #[test]
    fn a_rules_own_reason_in_swedish_is_shown_whole_beside_the_heading() {
        let mut p = policy(true);
        let rule = "Innehavaren är avregistrerad från folkbokföringen på grund av utflyttning";
        p.signals.get_mut("emigrated").unwrap().reason = rule.into();
        let h = Headline::of(&signal_cause("emigrated"), rule, &p);
        assert_eq!(h, Headline { cause: "emigrated".into(), reason: Some(rule.into()) });
        p.signals.get_mut(INCOME_REPORTED).unwrap().reason = "Låg inkomst: kontrollera försörjningen".into();
        let stored = "Låg inkomst: kontrollera försörjningen: 24350 SEK reported for 2026-10, below the threshold of 28480 SEK";
        let h = Headline::of(&signal_cause(INCOME_REPORTED), stored, &p);
        assert_eq!(h.cause, INCOME_BELOW_THRESHOLD);
        assert_eq!(h.reason.as_deref(), Some(stored));
    }

    #[test]
    fn a_periodic_reviews_built_in_reason_adds_nothing_and_any_other_reason_is_kept_whole() {
        let p = policy(false);
        let review = Headline::of(&Cause::PeriodicReview, "Periodic review, occasion 2026-07-15", &p);
        assert_eq!(review, Headline { cause: PERIODIC_REVIEW.into(), reason: None });
        let own = Headline::of(&Cause::PeriodicReview, "Review after a court ruling", &p);
        assert_eq!(own.reason.as_deref(), Some("Review after a court ruling"));
        let same = Headline::of(&signal_cause("employment_ended"), "Employment ended", &p);
        assert_eq!(
            same,
            Headline { cause: "employment_ended".into(), reason: Some("Employment ended".into()) }
        );
    }

    #[test]
    fn the_shown_reason_leaves_out_the_built_in_review_reason_and_an_empty_one_only() {
        let review = Cause::PeriodicReview;
        assert_eq!(shown_reason(&review, "Periodic review, occasion 2026-07-15"), None);
        assert_eq!(
            shown_reason(&review, " Review after a court ruling "),
            Some("Review after a court ruling")
        );
        assert_eq!(shown_reason(&signal_cause("emigrated"), "  "), None);
        assert_eq!(
            shown_reason(&signal_cause("emigrated"), "Periodic review, occasion 2026-07-15"),
            Some("Periodic review, occasion 2026-07-15"),
            "only a periodic review's reason is the built-in one"
        );
    }

    #[test]
    fn a_reason_written_under_an_earlier_rule_is_shown_as_stored() {
        let p = policy(false);
        let h = Headline::of(&signal_cause("emigrated"), "Holder left the country", &p);
        assert_eq!(h.reason.as_deref(), Some("Holder left the country"));
        let income = Headline::of(
            &signal_cause(INCOME_REPORTED),
            "Old words: 100 SEK reported for 2026-10, below the threshold of 28480 SEK",
            &p,
        );
        assert_eq!(income.cause, INCOME_BELOW_THRESHOLD);
    }

    #[test]
    fn a_kind_the_configuration_added_is_headed_by_its_key_beside_its_rules_reason() {
        let mut p = policy(false);
        let mut rule = p.signals["emigrated"].clone();
        rule.reason = "Holder on study leave".into();
        p.signals.insert("study_leave".into(), rule);
        let h = Headline::of(&signal_cause("study_leave"), "Holder on study leave", &p);
        assert_eq!(h, Headline { cause: "study_leave".into(), reason: Some("Holder on study leave".into()) });
        let gone = Headline::of(&signal_cause("work_leave"), "Holder on leave", &p);
        assert_eq!(gone, Headline { cause: "work_leave".into(), reason: Some("Holder on leave".into()) });
    }
}
