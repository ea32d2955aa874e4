//! Rows as diesel reads and writes them, and their conversions to and from the domain's
//! entities: the one place where the two meet. Jobs see only domain types.
//!
//! Stored data is read strictly: a value that does not read as its domain type (an unknown
//! priority or state, evidence that is not the JSON it should be, an empty unit) is an error
//! naming the table, the row and the column, never a silent default.

use crate::domain::keys::{GroundKey, UnitKey};

mod audit;
mod digest;
mod import;
mod navet;
mod permit;
mod signal;
mod task;
mod token;

pub use audit::{AuditRow, NewAuditRow};
pub use digest::{DigestRow, NewDigestRow};
pub use import::RejectRow;
pub use navet::NavetPersonRow;
pub(crate) use permit::next_review;
pub use permit::{DueRow, PermitRow, PlanRow, ReviewRow};
pub use signal::{NewSignalRow, SignalRow};
pub use task::{evidence_json, parse_evidence, NewTaskRow, TaskRow};
pub use token::{NewTokenRow, TokenRow};

/// A stored value that does not read as its domain type.
#[derive(Debug, thiserror::Error)]
#[error("stored data: {table} row {row}: {column}: {why}")]
pub struct StoredDataError {
    /// The table.
    pub table: &'static str,
    /// The row's key.
    pub row: String,
    /// The column.
    pub column: &'static str,
    /// What is wrong (never a personal number: no column holds one).
    pub why: String,
}

/// Reads the columns of one row, naming the table, the row and the column on failure.
pub struct RowReader<'r> {
    table: &'static str,
    row: &'r dyn std::fmt::Display,
}

impl<'r> RowReader<'r> {
    /// A reader of the row `row` of `table`.
    pub fn new(table: &'static str, row: &'r dyn std::fmt::Display) -> Self {
        RowReader { table, row }
    }

    /// The column's value through `parse`, or the error naming the row.
    pub fn read<T, E: std::fmt::Display>(
        &self,
        column: &'static str,
        parsed: Result<T, E>,
    ) -> Result<T, StoredDataError> {
        parsed.map_err(|e| self.fail(column, e))
    }

    /// The error naming the row (by its key, unless that holds a personal number: a row
    /// stored by an older version may).
    pub fn fail(&self, column: &'static str, why: impl std::fmt::Display) -> StoredDataError {
        let row = crate::domain::ids::shown_key(&self.row.to_string())
            .unwrap_or_else(|| "(its key withheld: it holds a personal number)".into());
        StoredDataError { table: self.table, row, column, why: why.to_string() }
    }

    /// A unit key: never empty.
    pub fn unit(&self, column: &'static str, unit: String) -> Result<UnitKey, StoredDataError> {
        self.read(column, UnitKey::try_from(unit))
    }

    /// A ground key: never empty.
    pub fn ground(&self, column: &'static str, ground: String) -> Result<GroundKey, StoredDataError> {
        self.read(column, GroundKey::try_from(ground))
    }

    /// A word read by `parse` (an enum's stored word), naming the word on failure.
    pub fn word<T>(
        &self,
        column: &'static str,
        word: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, StoredDataError> {
        parse(word).ok_or_else(|| self.fail(column, format!("unknown value {word:?}")))
    }
}

/// A count as stored (a `BIGINT` or `INTEGER`) to a domain count, never negative.
pub(crate) fn count<T: TryInto<u64> + Copy + std::fmt::Display>(
    reader: &RowReader,
    column: &'static str,
    n: T,
) -> Result<u64, StoredDataError> {
    n.try_into().map_err(|_| reader.fail(column, format!("negative count {n}")))
}
