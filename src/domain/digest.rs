//! Digests: the one mail a unit gets a run, listing its new tasks (docs/REFERENCE.md §6). A
//! digest is written with its Message-ID and text before it is sent, so a retry sends the very
//! same message; it stays pending until the mail server accepts it.

use super::keys::UnitKey;
use chrono::NaiveDateTime;

/// Where a digest is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestState {
    /// Written, not yet accepted by the server.
    Pending,
    /// Accepted; its tasks are notified.
    Sent,
}

impl DigestState {
    /// The word used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            DigestState::Pending => "pending",
            DigestState::Sent => "sent",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<DigestState> {
        [DigestState::Pending, DigestState::Sent].into_iter().find(|s| s.as_str() == word)
    }
}

/// A digest to store before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDigest {
    /// The unit's key.
    pub unit: UnitKey,
    /// The Message-ID, without `<>`.
    pub message_id: String,
    /// The unit's addresses.
    pub recipients: Vec<String>,
    /// The subject line.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
    /// How many tasks it carries.
    pub task_count: u32,
    /// When it was written; also the mail's `Date:`.
    pub created_at: NaiveDateTime,
}

/// A stored digest that is still pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Its number.
    pub id: i64,
    /// The mail as written.
    pub mail: NewDigest,
    /// Attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed, if one did.
    pub last_error: Option<String>,
    /// Set when the server refused it permanently: the fingerprint of the mail settings it was
    /// refused under. It is tried again once they differ, or when an operator asks.
    pub refused_under: Option<String>,
}
