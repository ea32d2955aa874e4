//! Imports: the permit register (§3) and signal feeds, each file one transaction that lands
//! whole or not at all. Safe to run twice: a permit re-imported unchanged counts as unchanged,
//! a signal received before counts as a duplicate.

pub mod permits;
pub mod read;
pub mod signals;

use crate::errors::Rejected;
use crate::storage::imports::{self, Counts, Reject};
use crate::storage::AnyConnection;
use read::{Format, RecordError};

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
}

/// The bookkeeping both imports share: invalid records, the rejects to keep, the counts, and
/// the rule that invalid records roll everything back unless `--skip-invalid`.
pub(crate) struct Intake<'a> {
    pub(crate) opts: &'a ImportOptions,
    kind: &'static str,
    pub(crate) import_id: i64,
    pub(crate) counts: Counts,
    rejected: usize,
    rejects: Vec<Reject>,
}

/// Raised inside the pass to roll it back because of invalid records (already reported).
#[derive(Debug, thiserror::Error)]
#[error("rolled back")]
struct Rollback;

impl<'a> Intake<'a> {
    pub(crate) fn new(opts: &'a ImportOptions, kind: &'static str) -> Self {
        Intake { opts, kind, import_id: 0, counts: Counts::default(), rejected: 0, rejects: Vec::new() }
    }

    /// Starts the import's record; call first inside the pass.
    pub(crate) fn begin(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        self.import_id =
            imports::begin(c, self.kind, &self.opts.file, crate::storage::micros(self.opts.now))?;
        Ok(())
    }

    /// Whether valid records are still written (no invalid one yet, or `--skip-invalid`).
    pub(crate) fn writing(&self) -> bool {
        self.rejected == 0 || self.opts.skip_invalid
    }

    /// Reports an invalid record and, with `--skip-invalid`, keeps it for `rejects`.
    pub(crate) fn fail(&mut self, errors: Vec<RecordError>, on_error: &mut dyn FnMut(&RecordError)) {
        self.rejected += 1;
        for e in &errors {
            on_error(e);
            if self.opts.skip_invalid {
                self.rejects.push(Reject {
                    import_id: self.import_id,
                    kind: self.kind.into(),
                    file: e.file.clone(),
                    line: i64::try_from(e.line).unwrap_or(i64::MAX),
                    field: e.field.clone(),
                    reason: e.reason.clone(),
                    record_key: e.key.clone(),
                });
            }
        }
    }

    /// Ends the pass: rolls it back after invalid records (without `--skip-invalid`), else
    /// stores the counts and the rejects.
    pub(crate) fn close(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        if !self.writing() {
            return Err(Rollback.into());
        }
        self.counts.rejected = i64::try_from(self.rejected).unwrap_or(i64::MAX);
        imports::finish(c, self.import_id, self.counts)?;
        imports::reject(c, &self.rejects)?;
        Ok(())
    }

    /// The command's result from the pass's: exit status 3 after invalid records.
    pub(crate) fn outcome(
        self,
        pass: anyhow::Result<()>,
        summary: fn(&Counts) -> String,
    ) -> anyhow::Result<ImportReport> {
        match pass {
            Err(e) if !e.is::<Rollback>() => {
                return Err(e.context(format!("import of {} failed; nothing was imported", self.opts.file)))
            }
            _ => {}
        }
        if self.rejected > 0 {
            let outcome = if self.opts.skip_invalid {
                format!("the valid ones were imported ({})", summary(&self.counts))
            } else {
                "nothing was imported".to_string()
            };
            return Err(Rejected { count: self.rejected, outcome }.into());
        }
        Ok(ImportReport { counts: self.counts })
    }
}
