//! A permit of the register, as an import brings it in (docs/REFERENCE.md §3), and the state
//! of its periodic review series that the program keeps beside it.

use super::ids::{EmployerRef, PermitId, PersonId, PnHash};
use super::keys::{GroundKey, UnitKey};
use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

/// The dates of one permit that its review series depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// End of validity (exclusive for occasions); `None` for a permanent permit.
    pub valid_until: Option<NaiveDate>,
}

/// A permit's status in the register. Only `active` permits are followed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitStatus {
    /// In force: followed up.
    Active,
    /// Revoked.
    Revoked,
    /// Ran out.
    Expired,
    /// Withdrawn.
    Withdrawn,
}

impl PermitStatus {
    /// The word used in files, storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            PermitStatus::Active => "active",
            PermitStatus::Revoked => "revoked",
            PermitStatus::Expired => "expired",
            PermitStatus::Withdrawn => "withdrawn",
        }
    }

    /// Whether permits of this status are followed up.
    pub fn is_active(self) -> bool {
        self == PermitStatus::Active
    }
}

impl FromStr for PermitStatus {
    type Err = String;
    /// Reads a status; an empty one is `active`, the default of an import.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "" | "active" => Ok(PermitStatus::Active),
            "revoked" => Ok(PermitStatus::Revoked),
            "expired" => Ok(PermitStatus::Expired),
            "withdrawn" => Ok(PermitStatus::Withdrawn),
            other => Err(format!(
                "unknown status {}: active, revoked, expired or withdrawn",
                super::ids::quoted(other)
            )),
        }
    }
}

impl fmt::Display for PermitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One permit as the register describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// The key of the register.
    pub id: PermitId,
    /// The holder.
    pub person: PersonId,
    /// The keyed hash of the holder's personal number, when the register gives one.
    pub pn_hash: Option<PnHash>,
    /// The ground, a key of the policy's grounds.
    pub ground: GroundKey,
    /// When it is valid.
    pub validity: Validity,
    /// Whether it is in force.
    pub status: PermitStatus,
    /// A unit of its own, instead of its ground's.
    pub unit: Option<UnitKey>,
    /// The employer of a work permit.
    pub employer: Option<EmployerRef>,
    /// The institution of a study permit.
    pub institution: Option<String>,
}

impl Permit {
    /// The names of the fields that differ from `other`'s. Values are never shown: one of
    /// them is a personal number.
    pub fn changed_fields(&self, other: &Permit) -> Vec<&'static str> {
        let checks = [
            ("person_id", self.person != other.person),
            ("personal_number", self.pn_hash != other.pn_hash),
            ("ground", self.ground != other.ground),
            ("valid_from", self.validity.valid_from != other.validity.valid_from),
            ("valid_until", self.validity.valid_until != other.validity.valid_until),
            ("status", self.status != other.status),
            ("unit", self.unit != other.unit),
            ("employer_org_no", self.employer != other.employer),
            ("institution", self.institution != other.institution),
        ];
        checks.into_iter().filter(|(_, differs)| *differs).map(|(name, _)| name).collect()
    }

    /// Whether the review series of `self` is the one of `other`: both active, same ground
    /// and dates.
    pub fn same_series(&self, other: &Permit) -> bool {
        self.status.is_active()
            && other.status.is_active()
            && self.ground == other.ground
            && self.validity == other.validity
    }
}

/// The next review of a permit that has no task yet: its occasion, and the day its task is
/// created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextReview {
    /// The occasion.
    pub occasion: NaiveDate,
    /// The first day a tick creates its task: `occasion - lead_time`.
    pub due_on: NaiveDate,
}

/// Where a permit's periodic review series stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReviewState {
    /// The next occasion without a task and when its task is created; `None` when nothing
    /// is to be scheduled (the series ended, or the permit is not active).
    pub next: Option<NextReview>,
    /// The latest occasion that got a task.
    pub last_occasion: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permit() -> Permit {
        Permit {
            id: PermitId::parse("UT-1").unwrap(),
            person: PersonId::parse("P-1").unwrap(),
            pn_hash: Some(PnHash::new("ab".into())),
            ground: "study".into(),
            validity: Validity { valid_from: "2026-01-15".parse().unwrap(), valid_until: None },
            status: PermitStatus::Active,
            unit: None,
            employer: None,
            institution: Some("Lunds universitet".into()),
        }
    }

    #[test]
    fn changed_fields_name_the_fields_never_the_values() {
        let a = permit();
        assert!(a.changed_fields(&a.clone()).is_empty());
        let b = Permit { pn_hash: None, status: PermitStatus::Revoked, ..a.clone() };
        assert_eq!(b.changed_fields(&a), ["personal_number", "status"]);
        assert!(!b.same_series(&a), "an inactive permit has no series");
        let c = Permit { institution: None, ..a.clone() };
        assert!(c.same_series(&a));
    }

    #[test]
    fn a_status_is_read_from_its_word_and_empty_means_active() {
        assert_eq!("".parse(), Ok(PermitStatus::Active));
        assert_eq!("withdrawn".parse(), Ok(PermitStatus::Withdrawn));
        assert!("gone".parse::<PermitStatus>().unwrap_err().contains("active, revoked"));
    }
}
