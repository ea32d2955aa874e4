//! The bookkeeping of an import (docs/REFERENCE.md §3): what it counted, and the records it
//! rejected, kept for `rejects` when `--skip-invalid` let the valid ones in.

use serde::Serialize;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    /// The permit register.
    Permits,
    /// A signal feed.
    Signals,
    /// A Navet notification file (signals derived from it).
    Navet,
}

impl ImportKind {
    /// The word used in storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Permits => "permits",
            ImportKind::Signals => "signals",
            ImportKind::Navet => "navet",
        }
    }

    /// Reads the stored word.
    pub fn parse(word: &str) -> Option<ImportKind> {
        [ImportKind::Permits, ImportKind::Signals, ImportKind::Navet].into_iter().find(|k| k.as_str() == word)
    }
}

/// The counts an import ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// New records.
    pub inserted: u64,
    /// Changed records.
    pub updated: u64,
    /// Records equal to what was stored.
    pub unchanged: u64,
    /// Records received before (signals).
    pub duplicates: u64,
    /// Invalid records.
    pub rejected: u64,
}

/// A rejected record, as `rejects` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// The import.
    pub import_id: i64,
    /// What the file held.
    pub kind: ImportKind,
    /// The file as named on the command line.
    pub file: String,
    /// Its line.
    pub line: u64,
    /// The field at fault.
    pub field: String,
    /// Why; never a personal number.
    pub reason: String,
    /// The permit or signal id, when it could be read.
    pub record_key: Option<String>,
}
