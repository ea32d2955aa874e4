//! Imports: the permit register (§3) and signal feeds, each file one transaction that lands
//! whole or not at all. Safe to run twice: a permit re-imported unchanged counts as unchanged,
//! a signal received before counts as a duplicate.

pub mod permits;
pub mod read;
pub mod signals;

use read::Format;

/// Where an import reads from and how it treats bad records.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// A file path, or `-` for standard input.
    pub file: String,
    /// Overrides the format implied by the file name.
    pub format: Option<Format>,
    /// Import the valid records and keep the invalid ones in `rejects`.
    pub skip_invalid: bool,
    /// The time of receipt.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The local date of receipt (in `schedule.timezone`).
    pub today: chrono::NaiveDate,
}

impl ImportOptions {
    /// The format to read: `--format`, else the file name's, else `default`.
    pub fn format_or(&self, default: Format) -> Result<Format, crate::errors::UsageError> {
        match (self.format, Format::from_name(&self.file)) {
            (Some(f), _) | (None, Some(f)) => Ok(f),
            (None, None) if self.file == "-" => Ok(default),
            (None, None) => Err(crate::errors::UsageError(format!(
                "{}: cannot tell the format from the name; use --format csv or --format jsonl",
                self.file
            ))),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Counts written to the `imports` table.
    pub counts: crate::storage::imports::Counts,
    /// Whether anything was written (false: rolled back because of invalid records).
    pub committed: bool,
}
