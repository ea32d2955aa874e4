//! Signals (docs/REFERENCE.md §5): outside events about a permit's holder — population-register
//! changes, study and employer reports, income declarations — that a tick turns into tasks.
//! [`rules`] says what one signal asks of one permit; [`decide`] what a whole batch of
//! pending signals does, as a pure function of what storage read up front.

mod decide;
mod rules;

pub use decide::{decide, Attachment, Decisions, Known, UNMATCHED_OUTCOME};
pub use rules::{evaluate, is_unmatched, unmatched_if_received_by, SignalTask};

use super::ids::{PersonId, PnHash, SignalId};
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

/// The kind of the income rule, which alone looks at the signal's data.
pub const INCOME_REPORTED: &str = "income_reported";
/// The kind whose `data.new_personal_number` links a replacing number to the person.
pub const BIRTH_DATE_CHANGED: &str = "birth_date_changed";
/// The kind a Navet file derives when the Tax Agency replaces a number (§12); its
/// `new_pn_hash` links the replacing number to the person as `birth_date_changed`'s does.
pub const PERSONAL_NUMBER_REPLACED: &str = "personal_number_replaced";

/// The key of a signal's data that marks a protected identity (a Navet record with
/// `Sekretessmarkering` or `SkyddadFolkbokforing` `J`).
pub const PROTECTED_IDENTITY: &str = "protected_identity";

/// Whether signals of `kind` link the number they carry in `new_pn_hash` to their person.
pub fn links_numbers(kind: &str) -> bool {
    kind == BIRTH_DATE_CHANGED || kind == PERSONAL_NUMBER_REPLACED
}

/// Where a signal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignalState {
    /// Waiting for a tick, or for its person's permit.
    Pending,
    /// Turned into tasks or evidence, or found to ask for none.
    Processed,
    /// No permit for its person within `signals.unmatched_after`.
    Unmatched,
}

impl SignalState {
    /// Every state, in the order of a signal's life.
    pub const ALL: [SignalState; 3] = [SignalState::Pending, SignalState::Processed, SignalState::Unmatched];

    /// The word used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalState::Pending => "pending",
            SignalState::Processed => "processed",
            SignalState::Unmatched => "unmatched",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<SignalState> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// Whom a signal is about: a person id, or the keyed hash of a personal number (a person id
/// wins when a feed gives both).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The agency's own person id.
    Person(PersonId),
    /// A personal number, as its keyed hash.
    Number(PnHash),
}

/// A signal as an import stores it: pending.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSignal {
    /// The sender's id, unique across feeds.
    pub id: SignalId,
    /// Its kind, a key of the policy's signal rules.
    pub kind: String,
    /// Whom it is about.
    pub subject: Subject,
    /// `birth_date_changed`, `personal_number_replaced`: the keyed hash of the number that
    /// replaces the person's.
    pub new_pn_hash: Option<PnHash>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// Kind-specific data, personal numbers replaced.
    pub data: Map<String, Value>,
    /// The import it came with.
    pub import_id: i64,
    /// When it was received (UTC).
    pub received_at: NaiveDateTime,
    /// The local date it was received on: `unmatched_after` counts from it.
    pub received_on: NaiveDate,
}

/// A stored signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Its place in the order of receipt.
    pub seq: i64,
    /// The sender's id.
    pub id: SignalId,
    /// Its kind.
    pub kind: String,
    /// Whom it is about.
    pub subject: Subject,
    /// `birth_date_changed`: the replacing number's keyed hash.
    pub new_pn_hash: Option<PnHash>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// Kind-specific data, personal numbers replaced.
    pub data: Map<String, Value>,
    /// When it was received (UTC).
    pub received_at: NaiveDateTime,
    /// The local date it was received on.
    pub received_on: NaiveDate,
    /// Where it is.
    pub state: SignalState,
    /// When it was processed or given up.
    pub processed_at: Option<NaiveDateTime>,
    /// What came of it: tasks created, evidence added, or why no task.
    pub outcome: Option<String>,
}

/// Literal permits, signals and a policy for the rules' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Signal, SignalState, Subject, INCOME_REPORTED};
    use crate::domain::ids::{EmployerRef, PermitId, PersonId, SignalId};
    use crate::domain::permit::{Permit, PermitStatus, Validity};
    use crate::domain::policy::{GroundPolicy, Policy, Priority, SignalRule, Threshold, Unit};
    use crate::domain::span::Span;
    use chrono::NaiveDate;
    use serde_json::{Map, Value};

    pub fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// An active permit of `person`, valid from `valid_from`, of `ground`.
    pub fn permit(id: &str, person: &str, ground: &str, valid_from: &str, employer: Option<&str>) -> Permit {
        Permit {
            id: PermitId::parse(id).unwrap(),
            person: PersonId::parse(person).unwrap(),
            pn_hash: None,
            ground: ground.into(),
            validity: Validity { valid_from: d(valid_from), valid_until: None },
            status: PermitStatus::Active,
            unit: None,
            employer: employer.map(|e| EmployerRef::new(e.into())),
            institution: None,
        }
    }

    /// A pending signal about `person`, received on the day it happened.
    pub fn signal(seq: i64, kind: &str, person: &str, occurred_on: &str, data: Map<String, Value>) -> Signal {
        Signal {
            seq,
            id: SignalId::parse(&format!("sig-{seq}")).unwrap(),
            kind: kind.into(),
            subject: Subject::Person(PersonId::parse(person).unwrap()),
            new_pn_hash: None,
            occurred_on: d(occurred_on),
            data,
            received_at: d(occurred_on).and_hms_opt(8, 0, 0).unwrap(),
            received_on: d(occurred_on),
            state: SignalState::Pending,
            processed_at: None,
            outcome: None,
        }
    }

    fn rule(grounds: Option<&[&str]>, reason: &str, days: u32) -> SignalRule {
        SignalRule {
            grounds: grounds.map(|g| g.iter().map(|s| (*s).into()).collect()),
            priority: Priority::High,
            reason: reason.into(),
            due_within: Span::new(0, days),
            legal_basis: "UtlL 7 kap. 7 §".into(),
            min_monthly_sek: None,
            check_employer: false,
            tasks: true,
        }
    }

    /// Study and work grounds and units; rules for `income_reported` (work only, thresholds
    /// 27,360 from 2023-11-01 and 28,480 from 2024-06-01), `emigrated` (every ground) and
    /// `birth_date_changed` (every ground); unmatched after 30 days.
    pub fn policy(check_employer: bool) -> Policy {
        let mut p = Policy { unmatched_after: Span::new(0, 30), ..Policy::default() };
        for ground in ["study", "work"] {
            p.units.insert(ground.into(), Unit { name: ground.into(), email: vec![], weekly_capacity: None });
            p.grounds.insert(
                ground.into(),
                GroundPolicy {
                    first_review_after: Span::new(12, 0),
                    review_every: Span::new(12, 0),
                    lead_time: Span::new(0, 14),
                    unit: ground.into(),
                    priority: Priority::Normal,
                    legal_basis: "UtlL 7 kap. 3 §".into(),
                },
            );
        }
        let income = SignalRule {
            min_monthly_sek: Some(Threshold::ByDate(vec![
                (d("2023-11-01"), 27360),
                (d("2024-06-01"), 28480),
            ])),
            check_employer,
            legal_basis: "UtlL 7 kap. 7 e §".into(),
            ..rule(Some(&["work"]), "Income", 30)
        };
        p.signals.insert(INCOME_REPORTED.into(), income);
        p.signals.insert("emigrated".into(), rule(None, "Holder registered as emigrated", 14));
        p.signals.insert(super::BIRTH_DATE_CHANGED.into(), rule(None, "Date of birth changed", 30));
        p
    }
}
