//! The error policy, written once.
//!
//! Library code returns `anyhow::Error` with `.context(...)` naming the file, line, field or
//! host at fault; a small typed error exists only where a caller decides something by it: a
//! job's own (`ImportError`, `CloseError`), [`ConfigError`](crate::settings::ConfigError) and
//! [`UsageError`]. The command line alone maps them to words and exit statuses
//! (`cli::failure`): usage and configuration errors are 2, rejected input records 3, anything
//! else 1 (a runtime failure). `main` prints one line per error, never a backtrace, and no
//! message ever holds a personal number. Stored data that does not read as its domain type is
//! an error naming the table, row and column (`storage::rows::StoredDataError`), never a
//! silent default.

/// Exit status of a command (docs/REFERENCE.md §7).
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
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.lines().next().unwrap_or("").trim().to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
