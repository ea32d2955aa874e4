//! Follow-up tasks: the one thing permit-followup produces for a human to act on. A task is
//! keyed by (permit, cause, occasion): the review occasion's date, or the signal's id.

use super::ids::{PermitId, SignalId, TaskId};
use super::keys::{GroundKey, UnitKey};
use super::policy::Priority;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// Why a task exists: the periodic review of its permit, or a signal of a kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// The permit's periodic review (docs/REFERENCE.md §4).
    PeriodicReview,
    /// A rule by its name: a signal kind, a key of the policy's signal rules (docs/REFERENCE.md
    /// §5), or an expectation's name (§13; the configuration keeps the two apart, so the word
    /// alone tells them).
    Signal(String),
}

impl Cause {
    /// The word of the periodic review.
    pub const PERIODIC_REVIEW: &'static str = "periodic_review";

    /// The word used in storage and output: `periodic_review` or the signal kind.
    pub fn as_str(&self) -> &str {
        match self {
            Cause::PeriodicReview => Self::PERIODIC_REVIEW,
            Cause::Signal(kind) => kind,
        }
    }

    /// Reads the stored word; empty is not a cause.
    pub fn parse(word: &str) -> Result<Cause, String> {
        match word {
            "" => Err("a cause must not be empty".into()),
            Self::PERIODIC_REVIEW => Ok(Cause::PeriodicReview),
            kind => Ok(Cause::Signal(kind.to_string())),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a task is for, within its cause: the review occasion, or the signal that raised it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Occasion {
    /// A periodic review's occasion.
    Date(NaiveDate),
    /// The id of the signal that made the task.
    Signal(SignalId),
}

impl Occasion {
    /// Reads a stored occasion of a task of `cause`: a date for a periodic review, a signal
    /// id otherwise.
    pub fn parse(cause: &Cause, text: &str) -> Result<Occasion, String> {
        match cause {
            Cause::PeriodicReview => super::calendar::parse_date(text)
                .map(Occasion::Date)
                .ok_or_else(|| format!("occasion {text:?} of a periodic review is not a date")),
            Cause::Signal(_) => SignalId::parse(text).map(Occasion::Signal).map_err(|e| e.0),
        }
    }
}

impl fmt::Display for Occasion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Occasion::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Occasion::Signal(id) => f.write_str(id.as_str()),
        }
    }
}

/// One piece of a task's evidence: what made it due. Stored as JSON, in this shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Evidence {
    /// The review occasion of a periodic task.
    Occasion {
        /// The occasion.
        occasion: NaiveDate,
    },
    /// A signal, with its data (personal numbers already replaced) and what the rule made of it.
    Signal {
        /// The signal's kind-specific data.
        data: Map<String, Value>,
        /// The signal's kind.
        kind: String,
        /// When it happened.
        occurred_on: NaiveDate,
        /// The reason the rule gave.
        reason: String,
        /// The signal's id.
        signal: String,
    },
    /// A covered period in which the holder sent no report it was expected to send
    /// (docs/REFERENCE.md §13).
    Missed {
        /// The period's label.
        missed: String,
        /// The kind of report expected.
        kind: String,
        /// The period's first day.
        from: NaiveDate,
        /// The period's last day.
        to: NaiveDate,
    },
}

/// Whether a task still waits for a caseworker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting.
    Open,
    /// Closed with an outcome.
    Closed,
}

impl TaskState {
    /// The word used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Closed => "closed",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<TaskState> {
        [TaskState::Open, TaskState::Closed].into_iter().find(|s| s.as_str() == word)
    }
}

/// How a task was closed. The first three are a caseworker's; `permit_inactive` is the system's,
/// when the permit stops being active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Reviewed, nothing to do.
    NoAction,
    /// Revocation proceedings started (by a human).
    RevocationInitiated,
    /// Handed to another unit or authority.
    Referred,
    /// The permit was revoked, expired or withdrawn before the review.
    PermitInactive,
}

impl Outcome {
    /// Every outcome, in the order reports list them.
    pub const ALL: [Outcome; 4] =
        [Outcome::RevocationInitiated, Outcome::NoAction, Outcome::Referred, Outcome::PermitInactive];

    /// The word used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoAction => "no_action",
            Outcome::RevocationInitiated => "revocation_initiated",
            Outcome::Referred => "referred",
            Outcome::PermitInactive => "permit_inactive",
        }
    }

    /// Reads any stored outcome, the system's included.
    pub fn parse(word: &str) -> Option<Outcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == word)
    }
}

impl FromStr for Outcome {
    type Err = String;
    /// Reads the outcomes a caseworker may give (`permit_inactive` is the system's only).
    fn from_str(s: &str) -> Result<Self, String> {
        match Outcome::parse(s) {
            Some(o) if o != Outcome::PermitInactive => Ok(o),
            _ => Err(format!("unknown outcome {s:?}: use no_action, revocation_initiated or referred")),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A task to create. Its state is open; storage gives it its id.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    /// The permit.
    pub permit_id: PermitId,
    /// Why.
    pub cause: Cause,
    /// What for, within the cause.
    pub occasion: Occasion,
    /// The permit's ground when the task is created (what `report` counts it under).
    pub ground: GroundKey,
    /// The responsible unit.
    pub unit: UnitKey,
    /// How urgent.
    pub priority: Priority,
    /// The reason, for the caseworker.
    pub reason: String,
    /// The law the task rests on.
    pub legal_basis: String,
    /// What made it due.
    pub evidence: Vec<Evidence>,
    /// The local date it is created on (capacity counts by it).
    pub created_on: NaiveDate,
    /// The instant it is created (UTC).
    pub created_at: NaiveDateTime,
    /// When it is due.
    pub due_on: NaiveDate,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Its number.
    pub id: TaskId,
    /// The permit.
    pub permit_id: PermitId,
    /// Why.
    pub cause: Cause,
    /// What for, within the cause.
    pub occasion: Occasion,
    /// The responsible unit.
    pub unit: UnitKey,
    /// How urgent.
    pub priority: Priority,
    /// The reason.
    pub reason: String,
    /// The law it rests on.
    pub legal_basis: String,
    /// What made it due.
    pub evidence: Vec<Evidence>,
    /// The local date it was created on.
    pub created_on: NaiveDate,
    /// When it is due.
    pub due_on: NaiveDate,
    /// Open or closed.
    pub state: TaskState,
    /// How it was closed; `Some` exactly when closed.
    pub outcome: Option<Outcome>,
    /// The caseworker's (or the system's) note on closing.
    pub note: Option<String>,
    /// When a digest carrying it was accepted by the mail server.
    pub notified_at: Option<NaiveDateTime>,
    /// Who holds it (a person's subject, `token:NAME`), if anyone.
    pub assignee: Option<String>,
    /// Who closed it: an actor, or `system` when the follow-up did.
    pub closed_by: Option<String>,
    /// When it was closed (UTC).
    pub closed_at: Option<NaiveDateTime>,
    /// Raised by every change (claim, release, assign, note, close): what `If-Match` compares.
    pub version: i64,
}

impl Task {
    /// The keys of `tasks --format json` (docs/REFERENCE.md §7), which the task API's TASK
    /// extends: one definition for both.
    pub fn listed(&self) -> Map<String, Value> {
        let entries: [(&str, Value); 14] = [
            ("id", self.id.0.into()),
            ("permit_id", self.permit_id.as_str().into()),
            ("cause", self.cause.as_str().into()),
            ("occasion", self.occasion.to_string().into()),
            ("unit", self.unit.as_str().into()),
            ("priority", self.priority.as_str().into()),
            ("reason", self.reason.clone().into()),
            ("legal_basis", self.legal_basis.clone().into()),
            ("evidence", serde_json::to_value(&self.evidence).unwrap_or_default()),
            ("created_on", self.created_on.to_string().into()),
            ("due_on", self.due_on.to_string().into()),
            ("state", self.state.as_str().into()),
            ("outcome", self.outcome.map(|o| o.as_str()).into()),
            ("notified", self.notified_at.is_some().into()),
        ];
        entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// Whether it is open and past its due date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.state == TaskState::Open && self.due_on < today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn causes_and_occasions_read_back_from_their_words() {
        assert_eq!(Cause::parse("periodic_review"), Ok(Cause::PeriodicReview));
        assert_eq!(Cause::parse("emigrated"), Ok(Cause::Signal("emigrated".into())));
        assert!(Cause::parse("").is_err());
        let o = Occasion::parse(&Cause::PeriodicReview, "2027-02-28").unwrap();
        assert_eq!((o.clone(), o.to_string()), (Occasion::Date(d("2027-02-28")), "2027-02-28".into()));
        assert!(Occasion::parse(&Cause::PeriodicReview, "navet-1").is_err());
        let s = Occasion::parse(&Cause::Signal("emigrated".into()), "navet-1").unwrap();
        assert_eq!(s.to_string(), "navet-1");
    }

    #[test]
    fn evidence_keeps_its_json_shape() {
        let periodic = vec![Evidence::Occasion { occasion: d("2026-07-15") }];
        assert_eq!(serde_json::to_string(&periodic).unwrap(), r#"[{"occasion":"2026-07-15"}]"#);
        let text = r#"[{"data":{"amount_sek":1},"kind":"income_reported","occurred_on":"2026-11-01","reason":"Income","signal":"s-1"}]"#;
        let read: Vec<Evidence> = serde_json::from_str(text).unwrap();
        assert!(matches!(&read[0], Evidence::Signal { signal, .. } if signal == "s-1"));
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
        assert!(serde_json::from_str::<Vec<Evidence>>(r#"[{"what":1}]"#).is_err());
    }

    #[test]
    fn a_caseworker_cannot_give_the_systems_outcome() {
        assert_eq!("referred".parse(), Ok(Outcome::Referred));
        assert!("permit_inactive".parse::<Outcome>().is_err());
        assert_eq!(Outcome::parse("permit_inactive"), Some(Outcome::PermitInactive));
        assert_eq!(TaskState::parse("closed"), Some(TaskState::Closed));
        assert_eq!(TaskState::parse("done"), None);
    }
}
