//! Imports: the permit register and signal feeds (docs/REFERENCE.md §3), each file one
//! transaction that lands whole or not at all. Safe to run twice: a permit re-imported
//! unchanged counts as unchanged, a signal received before counts as a duplicate.

pub mod check_permit;
pub mod check_signal;
pub mod navet;
pub mod permits;
pub mod read;
mod seen;
pub mod signals;

use crate::domain::ids::PermitId;
use crate::domain::import::{ImportCounts, ImportKind, Reject};
use crate::errors::ErrorKind;
use crate::privacy::PnKey;
use crate::storage::{self, imports, Stamp, Tx};
use read::{Format, RecordError};

/// Where an import reads from and how it treats bad records.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// A file path, or `-` for standard input: what is read.
    pub path: String,
    /// The file as messages, the import's record and its rejects name it: the path with any
    /// personal number in it replaced by its marker ([`shown_path`]).
    pub file: String,
    /// Overrides the format implied by the file name.
    pub format: Option<Format>,
    /// Import the valid records and keep the invalid ones for `rejects`.
    pub skip_invalid: bool,
    /// The time of receipt.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The local date of receipt (in `schedule.timezone`).
    pub today: chrono::NaiveDate,
}

/// Why an import did not land as asked.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file's name implies no format and none was given.
    #[error("{file}: cannot tell the format from the name")]
    UnknownFormat {
        /// The file.
        file: String,
    },
    /// A signal feed that is not JSON lines.
    #[error("{file}: signals are JSON lines (one object a line)")]
    NotJsonLines {
        /// The file.
        file: String,
    },
    /// The file cannot be opened or read.
    #[error("{file}: {source}")]
    Unreadable {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// Records were invalid (each already reported). Without `skip_invalid` nothing was
    /// imported; with it the valid records were, and `counts` says how.
    #[error("{count} record(s) rejected")]
    Rejected {
        /// What the file held.
        kind: ImportKind,
        /// How many records were invalid.
        count: u64,
        /// Whether the valid records were imported.
        kept_valid: bool,
        /// What the valid records did.
        counts: ImportCounts,
    },
    /// A valid record's ground is missing from the configuration (which the check allowed).
    #[error("{file}: ground {ground} of permit {permit} is not in the configuration; nothing was imported")]
    UnknownGround {
        /// The file.
        file: String,
        /// The permit.
        permit: PermitId,
        /// Its ground.
        ground: String,
    },
    /// The ids read so far could not be kept on disk (to find an id given twice).
    #[error("import of {file} failed; nothing was imported: cannot keep the ids read in a temporary file: {source}")]
    TempFiles {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// A `--covers` names a kind not under `[signals]`, or a period already covered with other
    /// dates, or the same period twice with other dates (docs/REFERENCE.md §13).
    #[error("{file}: --covers {cover}: {why}; nothing was imported")]
    BadCover {
        /// The file.
        file: String,
        /// The option's value.
        cover: String,
        /// What is wrong with it.
        why: String,
    },
    /// The database failed; nothing was imported.
    #[error("import of {file} failed; nothing was imported: {source}")]
    Store {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: storage::Error,
    },
}

impl ImportError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            ImportError::UnknownFormat { .. }
            | ImportError::NotJsonLines { .. }
            | ImportError::BadCover { .. } => ErrorKind::Usage,
            ImportError::Unreadable { .. } | ImportError::TempFiles { .. } => ErrorKind::Unavailable,
            ImportError::Rejected { .. } => ErrorKind::Rejected,
            ImportError::UnknownGround { .. } => ErrorKind::Config,
            ImportError::Store { source, .. } => source.kind(),
        }
    }
}

/// Why the writing side stopped inside its pass: the database failed, or the import as such.
#[derive(Debug)]
pub(crate) enum Halt {
    Store(storage::Error),
    Import(ImportError),
}

impl From<storage::Error> for Halt {
    fn from(e: storage::Error) -> Self {
        Halt::Store(e)
    }
}

impl From<ImportError> for Halt {
    fn from(e: ImportError) -> Self {
        Halt::Import(e)
    }
}

/// `path` as an import names it: a personal number in a file's name (a register exported as
/// `19900101-1239.csv`) is replaced by its marker (docs/REFERENCE.md §2.4) in every message,
/// in `imports.file` and in `rejects.file`, as anywhere else.
pub fn shown_path(path: &str, key: &PnKey, today: chrono::NaiveDate) -> String {
    key.redact_text(path, today).unwrap_or_else(|| path.to_string())
}

impl ImportOptions {
    /// The format to read: the given one, else the file name's, else `default` for stdin.
    pub fn format_or(&self, default: Format) -> Result<Format, ImportError> {
        match (self.format, Format::from_name(&self.path)) {
            (Some(f), _) | (None, Some(f)) => Ok(f),
            (None, None) if self.path == "-" => Ok(default),
            (None, None) => Err(ImportError::UnknownFormat { file: self.file.clone() }),
        }
    }

    /// Opens the input.
    fn open(&self) -> Result<Box<dyn std::io::Read + Send>, ImportError> {
        read::open(&self.path).map_err(|source| ImportError::Unreadable { file: self.file.clone(), source })
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// What it counted.
    pub counts: ImportCounts,
    /// The periods a signal feed declared covered (`--covers`), and what became of each.
    pub covers: Vec<(crate::domain::expectation::Cover, storage::expectations::Declared)>,
}

/// The bookkeeping both imports share: invalid records, the rejects to keep, the counts, and
/// the rule that invalid records roll everything back unless `skip_invalid`.
pub(crate) struct Intake<'a> {
    pub(crate) opts: &'a ImportOptions,
    kind: ImportKind,
    pub(crate) import_id: i64,
    pub(crate) counts: ImportCounts,
    rejected: u64,
    rejects: Vec<Reject>,
}

/// Rejects held before they are written to the database (with `skip_invalid`), so that a file
/// of a million bad records does not hold a million rejects in memory.
const REJECTS_HELD: usize = 1_000;

impl<'a> Intake<'a> {
    pub(crate) fn new(opts: &'a ImportOptions, kind: ImportKind) -> Self {
        Intake { opts, kind, import_id: 0, counts: ImportCounts::default(), rejected: 0, rejects: Vec::new() }
    }

    /// The import's stamp: its time of receipt as stored, and its local date.
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp::new(self.opts.now, self.opts.today)
    }

    /// Starts the import's record; call first inside the pass.
    pub(crate) fn begin(&mut self, tx: &mut Tx, at: Stamp) -> Result<(), Halt> {
        self.import_id = imports::begin(tx, self.kind, &self.opts.file, at.now)?;
        Ok(())
    }

    /// Whether every record so far was valid: the feed is whole.
    pub(crate) fn complete(&self) -> bool {
        self.rejected == 0
    }

    /// Whether valid records are still written (no invalid one yet, or `skip_invalid`).
    pub(crate) fn writing(&self) -> bool {
        self.rejected == 0 || self.opts.skip_invalid
    }

    /// Reports an invalid record and, with `skip_invalid`, keeps it for `rejects`.
    pub(crate) fn fail(&mut self, errors: Vec<RecordError>, on_error: &mut dyn FnMut(&RecordError)) {
        self.rejected += 1;
        for e in &errors {
            on_error(e);
            if self.opts.skip_invalid {
                self.rejects.push(Reject {
                    import_id: self.import_id,
                    kind: self.kind,
                    file: e.file.clone(),
                    line: e.line,
                    field: e.field.clone(),
                    reason: e.reason.clone(),
                    record_key: e.key.clone(),
                });
            }
        }
    }

    /// Writes the rejects kept so far once there are [`REJECTS_HELD`] of them; they land or
    /// roll back with the rest of the pass.
    pub(crate) fn keep_rejects(&mut self, tx: &mut Tx) -> Result<(), Halt> {
        if self.rejects.len() >= REJECTS_HELD {
            imports::reject(tx, &self.rejects)?;
            self.rejects.clear();
        }
        Ok(())
    }

    /// The error of invalid records (already reported).
    fn rejected(&self) -> ImportError {
        let (kind, count, counts) = (self.kind, self.rejected, self.counts);
        ImportError::Rejected { kind, count, kept_valid: self.opts.skip_invalid, counts }
    }

    /// Ends the pass: rolls it back after invalid records (without `skip_invalid`), else
    /// stores the counts and the rejects.
    pub(crate) fn close(&mut self, tx: &mut Tx) -> Result<(), Halt> {
        if !self.writing() {
            return Err(self.rejected().into());
        }
        self.counts.rejected = self.rejected;
        imports::finish(tx, self.import_id, self.counts)?;
        imports::reject(tx, &self.rejects)?;
        Ok(())
    }

    /// The import's result from the pass's.
    pub(crate) fn outcome(self, pass: Result<(), Halt>) -> Result<ImportReport, ImportError> {
        match pass {
            Err(Halt::Store(source)) => {
                return Err(ImportError::Store { file: self.opts.file.clone(), source })
            }
            Err(Halt::Import(e)) => return Err(e),
            Ok(()) => {}
        }
        if self.rejected > 0 {
            return Err(self.rejected());
        }
        Ok(ImportReport { counts: self.counts, covers: Vec::new() })
    }
}
