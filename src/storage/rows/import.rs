//! The `rejects` row (the `imports` row is written column by column in `storage::imports`).

use super::{count, RowReader, StoredDataError};
use crate::domain::import::{ImportKind, Reject};
use diesel::prelude::*;

/// A stored rejected record.
#[derive(Debug, Clone, Queryable)]
pub struct RejectRow {
    /// Sequence.
    pub id: i64,
    /// The import.
    pub import_id: i64,
    /// `permits` or `signals`.
    pub kind: String,
    /// The file.
    pub file: String,
    /// Its line.
    pub line: i64,
    /// The field.
    pub field: String,
    /// Why.
    pub reason: String,
    /// The record's id, when readable.
    pub record_key: Option<String>,
}

impl TryFrom<RejectRow> for Reject {
    type Error = StoredDataError;
    fn try_from(row: RejectRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("rejects", &row.id);
        Ok(Reject {
            import_id: row.import_id,
            kind: r.word("kind", &row.kind, ImportKind::parse)?,
            file: row.file,
            line: count(&r, "line", row.line)?,
            field: row.field,
            reason: row.reason,
            record_key: row.record_key,
        })
    }
}
