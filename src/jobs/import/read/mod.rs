//! Reading input files record by record, streaming: CSV with a header or JSON lines, from a file
//! or standard input. Each record keeps its line number for error messages.
//!
//! Whatever the file holds, memory stays bounded: a record longer than [`MAX_RECORD_BYTES`] is
//! skipped and reported, never held whole. Every problem becomes a `FILE:LINE: FIELD: reason`
//! whose names and values are cut and never show a personal number. A file must hold at least a
//! header row (CSV) or one record (JSON lines): an empty one is an error, not an empty import.

mod csv;
mod jsonl;

use crate::domain::ids::{cut, quoted};
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

/// The longest record read, in bytes (a CSV record may span lines inside quotes). A permit
/// record is about a hundred bytes and a signal a few hundred; a longer one is refused.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// The two input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// One JSON object a line.
    Jsonl,
}

impl Format {
    /// The format a file name implies, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::Jsonl)
        } else {
            None
        }
    }
}

/// One invalid record or field: printed as `FILE:LINE: FIELD: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The file as named on the command line (`-` for standard input).
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// The field at fault, or `record` for the record as a whole.
    pub field: String,
    /// Why; never quotes a personal number.
    pub reason: String,
    /// The record's id when it could be read (and holds no personal number).
    pub key: Option<String>,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.field, self.reason)
    }
}

/// A record as read: its line and its fields by name (absent and empty are both `None`).
#[derive(Debug, Clone)]
pub struct Fields {
    /// 1-based line.
    pub line: u64,
    /// The field names (a CSV file's header, shared by its records).
    names: Arc<[String]>,
    /// The values, one after the other; `spans` says where each lies.
    text: String,
    /// Each name's value in `text`, trimmed; `None` when absent or empty.
    spans: Vec<Option<(usize, usize)>>,
    /// For JSON lines: the whole object, for kind-specific fields such as `data`.
    pub json: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Fields {
    /// The non-empty value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = self.names.iter().position(|n| n == name)?;
        self.spans[i].map(|(start, end)| &self.text[start..end])
    }

    /// Fields of `names`, the values in `text` at `ends` (the end of each value), trimmed.
    fn new(line: u64, names: Arc<[String]>, text: String, ends: &[usize]) -> Fields {
        let mut start = 0;
        let spans = ends
            .iter()
            .map(|&end| {
                let raw = &text[start..end];
                let lead = raw.len() - raw.trim_start().len();
                let span = (start + lead, start + lead + raw.trim().len());
                start = end;
                (span.0 < span.1).then_some(span)
            })
            .collect();
        Fields { line, names, text, spans, json: None }
    }
}

/// Opens `path` (`-` for standard input).
pub fn open(path: &str) -> io::Result<Box<dyn Read + Send>> {
    if path == "-" {
        Ok(Box::new(io::stdin()))
    } else {
        Ok(Box::new(File::open(Path::new(path))?))
    }
}

/// A streaming reader over records; checks field names against `known`.
///
/// A bad record is reported and reading goes on; a read that fails (an I/O error) ends the
/// file, as an `Err` that the import turns into a failure, never into a shorter file.
pub struct Records {
    inner: Inner,
    file: String,
    header_errors: Vec<RecordError>,
}

enum Inner {
    Csv(Box<csv::CsvRecords>),
    Jsonl(jsonl::JsonLines),
    /// A CSV file whose header cannot be used: no records are read.
    Nothing,
}

impl Records {
    /// Starts reading. For CSV the header is read here: unknown columns are kept for
    /// [`Records::take_header_errors`] while the records are still read; a header that is
    /// missing (an empty file), unreadable or ambiguous (a column named twice) is kept there
    /// too, and then no record is read.
    pub fn new(
        input: Box<dyn Read + Send>,
        format: Format,
        file: &str,
        known: &'static [&'static str],
    ) -> io::Result<Records> {
        let file = file.to_string();
        let input = without_bom(input)?;
        let (inner, header_errors) = match format {
            Format::Jsonl => (Inner::Jsonl(jsonl::JsonLines::new(input, &file, known)), Vec::new()),
            Format::Csv => match csv::CsvRecords::new(input, &file, known)? {
                Ok((records, unknown)) => (Inner::Csv(Box::new(records)), unknown),
                Err(header) => (Inner::Nothing, header),
            },
        };
        Ok(Records { inner, file, header_errors })
    }

    /// Problems of a CSV header: errors to report before the records (which are still checked,
    /// their unknown columns ignored, so that every error of the file is printed).
    pub fn take_header_errors(&mut self) -> Vec<RecordError> {
        std::mem::take(&mut self.header_errors)
    }

    /// Lets a JSON lines file hold no record: a feed that declares a period in which nobody
    /// reported (`import signals --covers`, docs/REFERENCE.md §13).
    pub fn allow_empty(&mut self) {
        if let Inner::Jsonl(lines) = &mut self.inner {
            lines.allow_empty();
        }
    }

    /// The file name used in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The next record or the errors of an invalid one; `None` at the end.
    pub fn next_record(&mut self) -> io::Result<Option<Result<Fields, Vec<RecordError>>>> {
        match &mut self.inner {
            Inner::Csv(records) => records.next_record(),
            Inner::Jsonl(lines) => lines.next_record(),
            Inner::Nothing => Ok(None),
        }
    }
}

/// The input without the UTF-8 byte order mark some programs put first.
fn without_bom(mut input: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    let mut first = [0u8; 3];
    let mut n = 0;
    while n < 3 {
        match input.read(&mut first[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = if first[..n] == [0xef, 0xbb, 0xbf] { Vec::new() } else { first[..n].to_vec() };
    Ok(Box::new(io::Cursor::new(head).chain(input)))
}

/// A column or key name for a message: cut when long, quoted and escaped when it holds a
/// control character such as a line end; withheld when it could be a personal number (a file without a header row would otherwise show its first record's values,
/// personal numbers included, as column names).
pub fn field_name(name: &str) -> String {
    let shown = quoted(name);
    if name.trim().is_empty() {
        "(a column without a name)".to_string()
    } else if !shown.starts_with('"') {
        "(a name that could be a personal number)".to_string()
    } else if name.chars().any(char::is_control) {
        // A quoted name may hold a line end: escaped, the message stays one line.
        shown
    } else {
        cut(name)
    }
}

/// Builds a [`RecordError`]; the key is kept only when it may be shown
/// ([`shown_key`](crate::domain::ids::shown_key)).
pub fn error(file: &str, line: u64, field: &str, reason: &str, key: Option<String>) -> RecordError {
    RecordError {
        file: file.to_string(),
        line,
        field: field.to_string(),
        reason: reason.to_string(),
        key: key.and_then(|k| crate::domain::ids::shown_key(&k)),
    }
}

#[cfg(test)]
mod tests;
