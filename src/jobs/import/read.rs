//! Reading input files record by record, streaming: CSV with a header or JSON lines, from a file
//! or standard input. Each record keeps its line number for error messages.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

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
    /// The record's id when it could be read.
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
    /// (name, value) pairs; JSON values other than strings are kept as JSON text.
    pub values: Vec<(String, Option<String>)>,
    /// For JSON lines: the whole object, for kind-specific fields such as `data`.
    pub json: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Fields {
    /// The non-empty value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Opens `path` (`-` for standard input).
pub fn open(path: &str) -> std::io::Result<Box<dyn Read + Send>> {
    if path == "-" {
        Ok(Box::new(std::io::stdin()))
    } else {
        Ok(Box::new(File::open(Path::new(path))?))
    }
}

/// A streaming reader over records; checks field names against `known`.
pub struct Records {
    inner: Inner,
    file: String,
    known: &'static [&'static str],
    header_errors: Vec<RecordError>,
}

enum Inner {
    Csv { reader: csv::Reader<Box<dyn Read + Send>>, header: Vec<String>, record: csv::StringRecord },
    Jsonl { lines: std::io::Lines<BufReader<Box<dyn Read + Send>>>, line: u64 },
}

impl Records {
    /// Starts reading. For CSV the header is read here; an unreadable one is an error, unknown
    /// columns are kept for [`Records::take_header_errors`].
    pub fn new(
        input: Box<dyn Read + Send>,
        format: Format,
        file: &str,
        known: &'static [&'static str],
    ) -> Result<Records, Vec<RecordError>> {
        let file = file.to_string();
        let inner = match format {
            Format::Jsonl => (
                Inner::Jsonl { lines: BufReader::with_capacity(1 << 16, input).lines(), line: 0 },
                Vec::new(),
            ),
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
                let header: Vec<String> = match reader.headers() {
                    Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
                    Err(e) => return Err(vec![error(&file, 1, "header", &e.to_string(), None)]),
                };
                let unknown: Vec<RecordError> = header
                    .iter()
                    .filter(|h| !known.contains(&h.as_str()))
                    .map(|h| error(&file, 1, &field_name(h), "unknown column", None))
                    .collect();
                Ok::<_, Vec<RecordError>>((
                    Inner::Csv { reader, header, record: csv::StringRecord::new() },
                    unknown,
                ))
            }?,
        };
        let (inner, header_errors) = inner;
        Ok(Records { inner, file, known, header_errors })
    }

    /// Unknown columns of a CSV header: errors to report, while the records are still checked
    /// (their unknown columns ignored) so that every error of the file is printed.
    pub fn take_header_errors(&mut self) -> Vec<RecordError> {
        std::mem::take(&mut self.header_errors)
    }

    /// The file name used in messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The next record, an error for an unreadable one, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<Fields, Vec<RecordError>>> {
        match &mut self.inner {
            Inner::Csv { reader, header, record } => match reader.read_record(record) {
                Ok(false) => None,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() != header.len() {
                        let why = format!("has {} fields, the header {}", record.len(), header.len());
                        return Some(Err(vec![error(&self.file, line, "record", &why, None)]));
                    }
                    let values = header
                        .iter()
                        .zip(record.iter())
                        .map(|(h, v)| (h.clone(), Some(v.trim().to_string()).filter(|v| !v.is_empty())))
                        .collect();
                    Some(Ok(Fields { line, values, json: None }))
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    Some(Err(vec![error(&self.file, line, "record", &csv_reason(&e), None)]))
                }
            },
            Inner::Jsonl { lines, line } => loop {
                *line += 1;
                let text = match lines.next()? {
                    Ok(t) => t,
                    Err(e) => {
                        return Some(Err(vec![error(&self.file, *line, "record", &e.to_string(), None)]))
                    }
                };
                if text.trim().is_empty() {
                    continue;
                }
                return Some(parse_json_line(&self.file, *line, &text, self.known));
            },
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => "is not valid CSV".into(),
    }
}

fn parse_json_line(file: &str, line: u64, text: &str, known: &[&str]) -> Result<Fields, Vec<RecordError>> {
    let object = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => return Err(vec![error(file, line, "record", "is not a JSON object", None)]),
        Err(e) => {
            return Err(vec![error(
                file,
                line,
                "record",
                &format!("is not valid JSON ({})", json_reason(&e)),
                None,
            )])
        }
    };
    let key =
        object.get("permit_id").or_else(|| object.get("id")).and_then(|v| v.as_str()).map(str::to_string);
    let unknown: Vec<RecordError> = object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| error(file, line, &field_name(k), "unknown key", key.clone()))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let values = object
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s.trim().to_string()),
                other => Some(other.to_string()),
            };
            (k.clone(), text)
        })
        .collect();
    Ok(Fields { line, values, json: Some(object) })
}

/// serde_json's message without the text it quotes (which could hold a personal number).
fn json_reason(e: &serde_json::Error) -> String {
    format!("{:?} at column {}", e.classify(), e.column()).to_lowercase()
}

/// A column or key name for a message; a file without a header row would otherwise show its
/// first record's values, personal numbers included, as column names.
fn field_name(name: &str) -> String {
    let q = crate::domain::ids::quoted(name);
    if q.starts_with('"') {
        name.to_string()
    } else {
        "(a column named like a personal number)".to_string()
    }
}

/// Builds a [`RecordError`]; the key is kept only when it may be shown
/// ([`shown_key`](crate::domain::ids::shown_key)).
pub fn error(file: &str, line: u64, field: &str, reason: &str, key: Option<String>) -> RecordError {
    let key = key.and_then(|k| crate::domain::ids::shown_key(&k));
    RecordError { file: file.to_string(), line, field: field.to_string(), reason: reason.to_string(), key }
}
