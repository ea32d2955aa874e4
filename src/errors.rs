//! The error policy, written once.
//!
//! Each use case has one error type of its own (`ImportError`, `TickError`, `NotifyError`,
//! `CloseError`, `PlanError`, `ReportError`; the database's is `storage::Error`), whose
//! variants say what went wrong in words that name the file, line, field or host at fault, and
//! whose `kind()` gives its one classification, an [`ErrorKind`]. The edges map a kind, never a
//! variant, to what they answer: the command line to an exit status in one place
//! (`cli::failure`), an HTTP endpoint to a status and a problem type in
//! one place. No edge inspects an error by downcasting. `anyhow` remains for the edges' own
//! plumbing (the daemon's start, a reload) and for the reading side of imports. `main` prints
//! one line per error, never a backtrace, and no message ever holds a personal number. Stored
//! data that does not read as its domain type is an error naming the table, row and column
//! (`storage::rows::StoredDataError`), never a silent default; an error of the database names
//! the database at the edge (`storage::failure::describe`).

/// What kind of failure an error is: the one thing an edge decides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command or request was used wrongly: an unknown option, a format that cannot be told.
    Usage,
    /// The configuration cannot be used.
    Config,
    /// A value given is not acceptable: a blank note, an unknown outcome, a period backwards.
    Invalid,
    /// Input records were rejected (each one reported with its file, line and field).
    Rejected,
    /// What was asked for does not exist (or is not the caller's to see).
    NotFound,
    /// The state changed under the caller: a task already closed, a claim another holds.
    Conflict,
    /// The caller may not make this change.
    Forbidden,
    /// The caller's copy is out of date: the task changed since the version it named.
    Stale,
    /// Something the program needs does not answer or cannot be used now: the database, the
    /// mail server, an input file. Trying again later may succeed.
    Unavailable,
    /// A fault of the program or of its stored data.
    Internal,
}

/// Exit status of a command (docs/REFERENCE.md §7.7).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// A runtime failure: database or mail server unreachable, ...
    pub const RUNTIME: i32 = 1;
    /// A usage or configuration error.
    pub const USAGE: i32 = 2;
    /// Input records rejected.
    pub const REJECTED: i32 = 3;
}

/// A command used wrongly (an unknown task id, a missing note, ...): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The error and its causes on one line: `cannot open x: permission denied`.
pub fn one_line(e: &anyhow::Error) -> String {
    chain_line(e.chain())
}

/// Any error and its sources on one line, each source once.
pub fn error_line(e: &(dyn std::error::Error + 'static)) -> String {
    chain_line(std::iter::successors(Some(e), |e| e.source()))
}

fn chain_line<'e>(chain: impl Iterator<Item = &'e (dyn std::error::Error + 'static)>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in chain {
        let text = cause.to_string();
        let text = text.lines().next().unwrap_or("").trim().to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
