//! The `digests` row.

use super::{count, RowReader, StoredDataError};
use crate::domain::digest::{Digest, DigestState, NewDigest};
use crate::storage::schema::digests;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A digest to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = digests, treat_none_as_default_value = false)]
pub struct NewDigestRow {
    /// Unit key.
    pub unit: String,
    /// Message-ID without `<>`.
    pub message_id: String,
    /// JSON list of addresses.
    pub recipients: String,
    /// Subject.
    pub subject: String,
    /// text/plain part.
    pub body: String,
    /// text/html part.
    pub html: String,
    /// Tasks it carries.
    pub task_count: i32,
    /// Creation instant; also the mail's Date.
    pub created_at: NaiveDateTime,
    /// `pending`.
    pub state: String,
    /// 0.
    pub attempts: i32,
}

impl From<&NewDigest> for NewDigestRow {
    fn from(d: &NewDigest) -> Self {
        NewDigestRow {
            unit: d.unit.as_str().to_string(),
            message_id: d.message_id.clone(),
            recipients: serde_json::Value::from(d.recipients.clone()).to_string(),
            subject: d.subject.clone(),
            body: d.text.clone(),
            html: d.html.clone(),
            task_count: i32::try_from(d.task_count).unwrap_or(i32::MAX),
            created_at: d.created_at,
            state: DigestState::Pending.as_str().to_string(),
            attempts: 0,
        }
    }
}

/// A stored digest.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = digests)]
pub struct DigestRow {
    /// Id.
    pub id: i64,
    /// Unit key.
    pub unit: String,
    /// Message-ID.
    pub message_id: String,
    /// JSON list of addresses.
    pub recipients: String,
    /// Subject.
    pub subject: String,
    /// text/plain.
    pub body: String,
    /// text/html.
    pub html: String,
    /// Tasks carried.
    pub task_count: i32,
    /// Created (the mail's Date).
    pub created_at: NaiveDateTime,
    /// Attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The mail settings' fingerprint it was refused under.
    pub refused_under: Option<String>,
}

impl TryFrom<DigestRow> for Digest {
    type Error = StoredDataError;
    fn try_from(row: DigestRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("digests", &row.id);
        let recipients: Vec<String> = r.read(
            "recipients",
            serde_json::from_str(&row.recipients)
                .map_err(|e| format!("not a JSON list ({:?})", e.classify())),
        )?;
        Ok(Digest {
            id: row.id,
            mail: NewDigest {
                unit: r.unit("unit", row.unit)?,
                message_id: row.message_id,
                recipients,
                subject: row.subject,
                text: row.body,
                html: row.html,
                task_count: u32::try_from(count(&r, "task_count", row.task_count)?).unwrap_or(u32::MAX),
                created_at: row.created_at,
            },
            attempts: u32::try_from(count(&r, "attempts", row.attempts)?).unwrap_or(u32::MAX),
            last_error: row.last_error,
            refused_under: row.refused_under,
        })
    }
}
