//! Follow-up tasks: the one thing permit-followup produces for a human to act on.

use std::fmt;
use std::str::FromStr;

/// The cause of a periodic review task; other tasks carry their signal kind as cause.
pub const PERIODIC_REVIEW: &str = "periodic_review";

/// Whether a task still waits for a caseworker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting.
    Open,
    /// Closed with an outcome.
    Closed,
}

impl TaskState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Closed => "closed",
        }
    }
}

/// How a task was closed. The first three are a caseworker's; `permit_inactive` is the system's,
/// when the permit stops being active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NoAction => "no_action",
            Outcome::RevocationInitiated => "revocation_initiated",
            Outcome::Referred => "referred",
            Outcome::PermitInactive => "permit_inactive",
        }
    }
}

impl FromStr for Outcome {
    type Err = String;
    /// Reads the outcomes a caseworker may give (`permit_inactive` is the system's only).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "no_action" => Ok(Outcome::NoAction),
            "revocation_initiated" => Ok(Outcome::RevocationInitiated),
            "referred" => Ok(Outcome::Referred),
            other => {
                Err(format!("unknown outcome {other:?}: use no_action, revocation_initiated or referred"))
            }
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A permit's status in the register.
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
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            PermitStatus::Active => "active",
            PermitStatus::Revoked => "revoked",
            PermitStatus::Expired => "expired",
            PermitStatus::Withdrawn => "withdrawn",
        }
    }
}

impl FromStr for PermitStatus {
    type Err = String;
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
